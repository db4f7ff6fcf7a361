package mapio_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Researchers' files as published (testdata/corpus: real files from
// registry packages, with their origin and licence in its README). Each
// imports as it is, with at most a mapping (testdata/corpus/mappings/
// FILE.yaml, written as a researcher would write it), and the workspace
// then holds what the file holds. The counts are not this code's: they
// are expected.json's, which other tools (lxml, NetworkX) computed.

const corpusDir = "../testdata/corpus"

// corpusFile is what expected.json says of one file.
type corpusFile struct {
	Nodes     int    `json:"nodes"`
	Edges     int    `json:"edges"`
	Direction string `json:"direction"`
	SelfLoops *int   `json:"self_loops"`
	// NodeLabels are the names a GEXF file gives its nodes.
	NodeLabels []string `json:"node_labels"`
	YEd        *struct {
		NodeLabels []string `json:"node_labels"`
	} `json:"yed_desktop"`
	YEdLive *struct {
		NodeLabels []string `json:"node_labels"`
	} `json:"yed_live"`
}

func corpusExpected(t *testing.T) map[string]corpusFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files map[string]corpusFile `json:"files"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Files) < 10 {
		t.Fatalf("expected.json lists %d files", len(doc.Files))
	}
	return doc.Files
}

// corpusMapping returns the file's mapping, if it has one, and what it
// makes of an undirected edge.
func corpusMapping(t *testing.T, file string) (*mapio.MappingInput, string) {
	t.Helper()
	path := filepath.Join(corpusDir, "mappings", file+".yaml")
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, ""
	}
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Undirected string `yaml:"undirected"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &mapio.MappingInput{Name: filepath.Base(path), Text: b}, m.Undirected
}

// wantRelationships is how many relationships a file's edges become: an
// undirected edge is two with "undirected: both"; a self-loop is none
// (the model has no relationship of an actor with itself; the import
// lists it as skipped).
func (f corpusFile) wantRelationships(undirected string) (created, skipped int) {
	loops := 0
	if f.SelfLoops != nil {
		loops = *f.SelfLoops
	}
	edges := f.Edges - loops
	if f.Direction == "undirected" && undirected == "both" {
		edges *= 2
	}
	return edges, loops
}

func TestCorpusFilesImportAsPublished(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	for file, want := range corpusExpected(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(corpusDir, file))
			if err != nil {
				t.Fatal(err)
			}
			mapping, undirected := corpusMapping(t, file)
			ws := storetest.Workspace(t, st)
			imp := func(opts mapio.Options) *mapio.Report {
				opts.Mapping = mapping
				rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: filepath.Base(file), Data: bytes.NewReader(data)}}, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Problems) > 0 {
					t.Fatalf("%d problems, first %+v", rep.ProblemCount, rep.Problems[:min(5, len(rep.Problems))])
				}
				return rep
			}
			dry := imp(mapio.Options{DryRun: true})
			if dry.Written {
				t.Error("a dry run wrote")
			}
			rep := imp(mapio.Options{})
			rels, loops := want.wantRelationships(undirected)
			if rep.Actors.Created != want.Nodes || rep.Relationships.Created != rels || rep.Relationships.Skipped != loops {
				t.Errorf("created %d actors and %d relationships, skipped %d; the file has %d nodes and %d edges (%s, %d self-loops)",
					rep.Actors.Created, rep.Relationships.Created, rep.Relationships.Skipped, want.Nodes, want.Edges, want.Direction, loops)
			}
			if dry.Actors != rep.Actors || dry.Relationships != rep.Relationships {
				t.Errorf("the dry run said %+v %+v, the import did %+v %+v", dry.Actors, dry.Relationships, rep.Actors, rep.Relationships)
			}
			c := contents(t, st, ws.ID)
			if len(c.Actors) != want.Nodes || len(c.Relationships) != rels {
				t.Errorf("the workspace holds %d actors and %d relationships", len(c.Actors), len(c.Relationships))
			}
			checkCorpusNames(t, c, want)
			again := imp(mapio.Options{})
			if again.Written || again.Actors.Unchanged != want.Nodes || again.Relationships.Unchanged != rels {
				t.Errorf("importing the file again: written %v, actors %+v, relationships %+v", again.Written, again.Actors, again.Relationships)
			}
		})
	}
}

// checkCorpusNames checks that every actor has a name and, where the
// file names its nodes (GEXF labels, yEd's label elements), that they are
// those names.
func checkCorpusNames(t *testing.T, c *domain.Contents, want corpusFile) {
	t.Helper()
	var names []string
	for _, a := range c.Actors {
		if strings.TrimSpace(a.Name) == "" {
			t.Errorf("actor %v has no name", a.ExternalID)
		}
		names = append(names, a.Name)
	}
	var labels []string
	switch {
	case want.YEd != nil:
		labels = want.YEd.NodeLabels
	case want.YEdLive != nil:
		labels = want.YEdLive.NodeLabels
	case len(want.NodeLabels) > 0:
		labels = want.NodeLabels
	default:
		return
	}
	for _, l := range labels {
		if i := slices.Index(names, strings.TrimSpace(l)); i >= 0 {
			names = slices.Delete(names, i, i+1)
		} else {
			t.Errorf("no actor is named %q, the yEd label of a node", l)
		}
	}
}
