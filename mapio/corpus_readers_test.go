package mapio

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Every published file of the corpus (testdata/corpus, with the counts a
// correct reader finds, computed without this code) is recognised by
// parsing and read whole: as many actors as it has nodes (a yEd group's
// members included), as many relationships as edges, GEXF labels and
// yEd's labels as the actors' names, and every node yEd drew in a box
// placed.
func TestCorpusFilesReadWhole(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "testdata", "corpus")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatalf("the corpus's expected counts: %v", err)
	}
	var expected struct {
		Files map[string]struct {
			Nodes, Edges int
			NodeLabels   []string  `json:"node_labels"`
			YEdDesktop   *yedCount `json:"yed_desktop"`
			YEdLive      *yedCount `json:"yed_live"`
		}
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	if len(expected.Files) < 15 {
		t.Fatalf("the corpus lists %d files", len(expected.Files))
	}
	for name, want := range expected.Files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, _, ps, g := readFormat(File{Name: filepath.Base(name), Data: f}, "")
			if g.Format == "" {
				t.Fatalf("not recognised as a graph file: %v", ps)
			}
			for _, p := range ps {
				if p.Code == CodeMalformed || p.Code == CodeFormat || p.Code == CodeTooLarge {
					t.Errorf("problem reading it: %v", p)
				}
			}
			if len(g.Actors) != want.Nodes || len(g.Relationships) != want.Edges {
				t.Errorf("read %d nodes and %d edges, the file has %d and %d", len(g.Actors), len(g.Relationships), want.Nodes, want.Edges)
			}
			var names []string
			placed := 0
			for _, a := range g.Actors {
				names = append(names, a.Get("name"))
				if a.Get(layoutX) != "" {
					placed++
				}
			}
			slices.Sort(names)
			labels, boxes := want.NodeLabels, 0
			for _, y := range []*yedCount{want.YEdDesktop, want.YEdLive} {
				if y != nil {
					labels, boxes = y.NodeLabels, y.Geometry+y.RectD
				}
			}
			if len(labels) > 0 && !slices.Equal(names, slices.Sorted(slices.Values(labels))) {
				t.Errorf("names %q, labels %q", names, labels)
			}
			if placed != boxes && boxes > 0 {
				t.Errorf("%d actors placed, %d nodes drawn in a box", placed, boxes)
			}
		})
	}
}

// yedCount is what the corpus counted of yEd's drawings in a file.
type yedCount struct {
	NodeLabels []string `json:"node_labels"`
	Geometry   int      `json:"nodes_with_Geometry"`
	RectD      int      `json:"nodes_with_RectD_geometry"`
}
