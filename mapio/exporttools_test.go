package mapio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The exports are opened by the real tools researchers use: Gephi's own
// importer (gephi-toolkit) and the XML schemas of GraphML and GEXF
// (dev/exports/ExportCheck.java), NetworkX and python-igraph
// (dev/exports/read_exports.py). dev/exports/setup.sh installs them,
// pinned, and dev/test runs it; ACTORGRAPH_EXPORT_TOOLS says where they
// are.

// exportTools reads where the tools are.
func exportTools(t *testing.T) map[string]string {
	t.Helper()
	storetest.Integration(t) // tools outside Go, as Neo4j is: left out by -short, never by dev/test
	dir := os.Getenv("ACTORGRAPH_EXPORT_TOOLS")
	if dir == "" {
		t.Fatal(`ACTORGRAPH_EXPORT_TOOLS is not set: these tests open exports with Gephi, NetworkX and igraph; install them with eval "$(dev/exports/setup.sh)" (dev/test does)`)
	}
	f, err := os.Open(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatalf("the export tools are not installed in %s: run dev/exports/setup.sh: %v", dir, err)
	}
	defer f.Close()
	env := map[string]string{}
	for s := bufio.NewScanner(f); s.Scan(); {
		if k, v, ok := strings.Cut(s.Text(), "="); ok {
			env[k] = v
		}
	}
	return env
}

// parallelContents is a map with everything that graph tools have lost
// before: parallel relationships between the same ends (two TRUSTS from
// the village to the police, perceived by women and by men, of different
// strengths; a DISTRUSTS-like THREATENS the other way; two TRUSTS of the
// same perception at different times), dates, sources, custom attributes
// of every type, and a layout.
func parallelContents() *domain.Contents {
	d := func(s string) *domain.Date { return new(domaintest.Date(s)) }
	return &domain.Contents{
		Sources: []*domain.Source{
			{ID: "s1", ExternalID: new("src-survey"), Title: "Perception survey <2024> & focus groups", Kind: "SURVEY", Sensitivity: domain.Restricted},
		},
		Actors: []*domain.Actor{
			{ID: "a1", ExternalID: new("c-village"), Kind: domain.KindCommunity, Name: "Riverside village «Rive-Est»", Sensitivity: domain.Restricted,
				SourceIDs: []string{"s1"},
				Custom: domain.Custom{"households": domain.NumberValue(212), "surveyed": domain.DateValue(domaintest.Date("2024-03-01")),
					"region": domain.TextValue("custom region, not the field"), "coastal": domain.BoolValue(false), "note": domain.TextValue("«quoted» & <tagged>")},
				Layout: domain.Layout{X: new(-120.5), Y: new(40.25), Size: new(12.0), Color: new("#ff8000")}},
			{ID: "a2", ExternalID: new("f-police"), Kind: domain.KindSecurityForce, Name: "District police", Sensitivity: domain.Restricted,
				Custom: domain.Custom{"households": domain.NumberValue(0.5), "coastal": domain.BoolValue(true)},
				Layout: domain.Layout{X: new(80.0), Y: new(-15.0), Z: new(3.0), Size: new(20.0), Color: new("#1f77b480")}},
			{ID: "a3", ExternalID: new("st-council"), Kind: domain.KindStateInstitution, Name: "District council", Sensitivity: domain.Restricted,
				Frameworks: []domain.Framework{"LEGITIMATE_POLITICS", "REVENUES_AND_SERVICES"}},
		},
		Relationships: []*domain.Relationship{
			{ID: "r1", ExternalID: new("r-trust-women"), Type: domain.Trusts, FromID: "a1", ToID: "a2", Strength: 0.2, Confidence: 0.9,
				PerceivedBy: new("women"), ValidFrom: d("2023-01-01"), ValidTo: d("2024-01-01"), SourceIDs: []string{"s1"}, Sensitivity: domain.Restricted,
				Custom: domain.Custom{"wave": domain.NumberValue(2), "verified": domain.BoolValue(true), "asked": domain.DateValue(domaintest.Date("2023-05-02")),
					"interviewer": domain.TextValue("team B")}},
			{ID: "r2", ExternalID: new("r-trust-men"), Type: domain.Trusts, FromID: "a1", ToID: "a2", Strength: 0.7, Confidence: 0.9,
				PerceivedBy: new("men"), ValidFrom: d("2023-01-01"), ValidTo: d("2024-01-01"), Sensitivity: domain.Restricted,
				Custom: domain.Custom{"wave": domain.NumberValue(2), "verified": domain.BoolValue(false)}},
			{ID: "r3", ExternalID: new("r-trust-women-2022"), Type: domain.Trusts, FromID: "a1", ToID: "a2", Strength: 0.4, Confidence: 0.6,
				PerceivedBy: new("women"), ValidFrom: d("2022-01-01"), ValidTo: d("2023-01-01"), Sensitivity: domain.Restricted},
			{ID: "r4", ExternalID: new("r-threat"), Type: domain.Threatens, FromID: "a2", ToID: "a1", Strength: 0.6, Confidence: 0.8, Sensitivity: domain.Restricted,
				Frameworks: []domain.Framework{"PROTECTION", "SECURITY"}},
			{ID: "r5", ExternalID: new("r-account"), Type: domain.AccountableTo, FromID: "a2", ToID: "a3", Strength: 0.5, Confidence: 1,
				ValidTo: d("2021-07-01"), Sensitivity: domain.Restricted},
			{ID: "r6", ExternalID: new("r-influence"), Type: domain.Influences, FromID: "a1", ToID: "a2", Strength: 0.3, Confidence: 0.5, Sensitivity: domain.Restricted},
		},
	}
}

// writeExportFiles writes c in the given formats into a temporary folder and
// returns the files' paths by format.
func writeExportFiles(t *testing.T, c *domain.Contents, formats map[Format]string) map[Format]string {
	t.Helper()
	dir := t.TempDir()
	out := map[Format]string{}
	for f, name := range formats {
		var b bytes.Buffer
		if err := Export(c, f, &b); err != nil {
			t.Fatalf("export %s: %v", f, err)
		}
		out[f] = filepath.Join(dir, name)
		if err := os.WriteFile(out[f], b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// wantEdge is a relationship as a graph tool must show it.
type wantEdge struct {
	source, target string
	weight         float64
}

// wantGraph is what every tool must read from parallelContents: node
// labels by id, and edges by id.
func wantGraph(c *domain.Contents) (labels map[string]string, edges map[string]wantEdge) {
	labels, key := map[string]string{}, map[string]string{}
	for _, a := range c.Actors {
		labels[*a.ExternalID], key[a.ID] = a.Name, *a.ExternalID
	}
	edges = map[string]wantEdge{}
	for _, r := range c.Relationships {
		edges[*r.ExternalID] = wantEdge{key[r.FromID], key[r.ToID], r.Strength}
	}
	return labels, edges
}

// runTool runs a tool and decodes its JSON answer into v.
func runTool(t *testing.T, v any, name string, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s failed: %v\n%s", filepath.Base(name), err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
		t.Fatalf("%s answered no JSON (%v):\n%s\n%s", filepath.Base(name), err, stdout.String(), stderr.String())
	}
}

// sameWeight compares a weight a tool read (Gephi keeps floats) with a
// strength.
func sameWeight(got, want float64) bool { return math.Abs(got-want) < 1e-6 }

type gephiAnswer struct {
	File               string   `json:"file"`
	Error              string   `json:"error"`
	SchemaErrors       []string `json:"schemaErrors"`
	StrictSchemaErrors []string `json:"strictSchemaErrors"`
	Issues             []string `json:"issues"`
	Nodes              []struct {
		ID, Label, Color string
		X, Y, Size       float64
	} `json:"nodes"`
	Edges []struct {
		ID, Source, Target, Kind string
		Weight                   float64
		Directed                 bool
	} `json:"edges"`
}

// The GEXF and GraphML exports are valid against their XML schemas, and
// Gephi's own importer, with its default settings, loads every actor
// with its name as label and its layout, and every relationship apart,
// with its strength as weight: none merged.
func TestExportsOpenInGephi(t *testing.T) {
	t.Parallel()
	tools := exportTools(t)
	c := parallelContents()
	files := writeExportFiles(t, c, map[Format]string{FormatGEXF: "map.gexf", FormatGraphML: "map.graphml"})
	var answers []gephiAnswer
	runTool(t, &answers, tools["java"], "-cp", tools["classpath"], "org.actorgraph.devexports.ExportCheck", files[FormatGEXF], files[FormatGraphML])
	if len(answers) != 2 {
		t.Fatalf("Gephi answered for %d files, not 2", len(answers))
	}
	labels, edges := wantGraph(c)
	for _, a := range answers {
		t.Run(a.File, func(t *testing.T) {
			if a.Error != "" {
				t.Fatal(a.Error)
			}
			if len(a.SchemaErrors) > 0 {
				t.Errorf("not valid against the schema: %v", a.SchemaErrors)
			}
			if strings.HasSuffix(a.File, ".graphml") {
				// The one departure from plain graphml.xsd: Gephi's edge kind.
				for _, e := range a.StrictSchemaErrors {
					if !strings.Contains(e, "Attribute 'label' is not allowed to appear in element 'edge'") {
						t.Errorf("not valid against graphml.xsd beyond the edge kind: %s", e)
					}
				}
			}
			for _, issue := range a.Issues {
				if strings.Contains(issue, "Parallel") || strings.HasPrefix(issue, "SEVERE") {
					t.Errorf("Gephi reported: %s", issue)
				}
			}
			if len(a.Nodes) != len(labels) {
				t.Errorf("Gephi loaded %d nodes, want %d", len(a.Nodes), len(labels))
			}
			for _, n := range a.Nodes {
				if n.Label != labels[n.ID] {
					t.Errorf("node %s: label %q, want the name %q", n.ID, n.Label, labels[n.ID])
				}
			}
			checkGephiLayout(t, a)
			if len(a.Edges) != len(edges) {
				t.Errorf("Gephi loaded %d edges of %d relationships: %+v", len(a.Edges), len(edges), a.Edges)
			}
			kinds := map[string]string{}
			for _, e := range a.Edges {
				want, ok := edges[e.ID]
				switch {
				case !ok:
					t.Errorf("edge %s is no relationship", e.ID)
				case e.Source != want.source || e.Target != want.target || !e.Directed:
					t.Errorf("edge %s: %s -> %s (directed %v), want %s -> %s", e.ID, e.Source, e.Target, e.Directed, want.source, want.target)
				case !sameWeight(e.Weight, want.weight):
					t.Errorf("edge %s: weight %v, want the strength %v", e.ID, e.Weight, want.weight)
				}
				ends := e.Source + " " + e.Target + " " + e.Kind
				if other, dup := kinds[ends]; dup {
					t.Errorf("edges %s and %s share ends and kind %q", other, e.ID, e.Kind)
				}
				kinds[ends] = e.ID
			}
		})
	}
}

// checkGephiLayout checks that Gephi sized and coloured the actors with
// a layout as the layout says, and placed them as far apart as it says
// (Gephi moves a whole graph it imports to the centre of its view).
func checkGephiLayout(t *testing.T, a gephiAnswer) {
	t.Helper()
	type place struct {
		x, y, size float64
		color      string
	}
	want := map[string]place{"c-village": {-120.5, 40.25, 12, "#ff8000"}, "f-police": {80, -15, 20, "#1f77b4"}}
	got := map[string]place{}
	for _, n := range a.Nodes {
		if w, ok := want[n.ID]; ok {
			got[n.ID] = place{n.X, n.Y, n.Size, n.Color}
			if !sameWeight(n.Size, w.size) || n.Color != w.color {
				t.Errorf("node %s: size %v, colour %s; want %v, %s", n.ID, n.Size, n.Color, w.size, w.color)
			}
		}
	}
	v, p := got["c-village"], got["f-police"]
	if dx, dy := v.x-p.x, v.y-p.y; !sameWeight(dx, -200.5) || !sameWeight(dy, 55.25) {
		t.Errorf("the village is (%v, %v) from the police, want (-200.5, 55.25)", dx, dy)
	}
}

type libraryView struct {
	Type     string           `json:"type"`
	Directed bool             `json:"directed"`
	Nodes    []map[string]any `json:"nodes"`
	Edges    []map[string]any `json:"edges"`
}

// NetworkX reads the GEXF, GraphML and Cytoscape.js exports, and igraph
// the GraphML export, as directed multigraphs with every relationship,
// its strength as weight, and every actor named.
func TestExportsOpenInNetworkXAndIgraph(t *testing.T) {
	t.Parallel()
	tools := exportTools(t)
	c := parallelContents()
	files := writeExportFiles(t, c, map[Format]string{FormatGEXF: "map.gexf", FormatGraphML: "map.graphml", FormatCytoscape: "map.json"})
	var answer map[string]map[string]libraryView
	runTool(t, &answer, tools["python"], tools["read_exports"], files[FormatGEXF], files[FormatGraphML], files[FormatCytoscape])
	labels, edges := wantGraph(c)
	for _, tc := range []struct {
		file, library string
		nameKey       string // the node attribute holding the name
		edgeKey       string // the edge attribute holding the relationship's key
	}{
		{"map.gexf", "networkx", "label", "id"},
		{"map.graphml", "networkx", "label", "key"},
		{"map.graphml", "igraph", "label", ""}, // igraph keeps no edge ids
		{"map.json", "networkx", "name", "key"},
	} {
		t.Run(tc.library+"/"+tc.file, func(t *testing.T) {
			v, ok := answer[tc.file][tc.library]
			if !ok {
				t.Fatalf("%s did not read %s", tc.library, tc.file)
			}
			if !v.Directed || (tc.library == "networkx" && v.Type != "MultiDiGraph") {
				t.Errorf("read as %s (directed %v), want a directed multigraph", v.Type, v.Directed)
			}
			if len(v.Nodes) != len(labels) {
				t.Errorf("%d nodes, want %d", len(v.Nodes), len(labels))
			}
			for _, n := range v.Nodes {
				if id := fmt.Sprint(n["id"]); n[tc.nameKey] != labels[id] {
					t.Errorf("node %s: %s %v, want %q", id, tc.nameKey, n[tc.nameKey], labels[id])
				}
			}
			if len(v.Edges) != len(edges) {
				t.Errorf("%d edges of %d relationships", len(v.Edges), len(edges))
			}
			if tc.edgeKey == "" {
				checkEdgesByEnds(t, v, edges)
				return
			}
			checkFrameworksRead(t, v, c, tc.edgeKey)
			seen := map[string]bool{}
			for _, e := range v.Edges {
				id := fmt.Sprint(e[tc.edgeKey])
				want, ok := edges[id]
				weight, _ := e["weight"].(float64)
				switch {
				case !ok || seen[id]:
					t.Errorf("edge %s is no relationship, or a second one: %v", id, e)
				case e["source"] != want.source || e["target"] != want.target:
					t.Errorf("edge %s: %v -> %v, want %s -> %s", id, e["source"], e["target"], want.source, want.target)
				case !sameWeight(weight, want.weight):
					t.Errorf("edge %s: weight %v, want the strength %v", id, e["weight"], want.weight)
				}
				seen[id] = true
			}
		})
	}
}

// checkFrameworksRead checks that a library read every actor's and
// relationship's frameworks as the attribute frameworks: the enum's names
// joined with "|" (GEXF, GraphML), or a list of them (Cytoscape.js), and
// nothing where there are none.
func checkFrameworksRead(t *testing.T, v libraryView, c *domain.Contents, edgeKey string) {
	t.Helper()
	text := func(x any) string {
		if list, ok := x.([]any); ok {
			parts := make([]string, len(list))
			for i, p := range list {
				parts[i] = fmt.Sprint(p)
			}
			return strings.Join(parts, "|")
		}
		if x == nil {
			return ""
		}
		return fmt.Sprint(x)
	}
	join := func(fs []domain.Framework) string {
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = string(f)
		}
		return strings.Join(parts, "|")
	}
	want := map[string]string{}
	for _, a := range c.Actors {
		want[*a.ExternalID] = join(a.Frameworks)
	}
	for _, n := range v.Nodes {
		id := fmt.Sprint(n["id"])
		if got := text(n["frameworks"]); got != want[id] {
			t.Errorf("node %s: frameworks %q, want %q", id, got, want[id])
		}
	}
	want = map[string]string{}
	for _, r := range c.Relationships {
		want[*r.ExternalID] = join(r.Frameworks)
	}
	carried := 0
	for _, e := range v.Edges {
		id := fmt.Sprint(e[edgeKey])
		if got := text(e["frameworks"]); got != want[id] {
			t.Errorf("edge %s: frameworks %q, want %q", id, got, want[id])
		} else if got != "" {
			carried++
		}
	}
	if carried == 0 {
		t.Error("no edge read carries frameworks")
	}
}

// checkEdgesByEnds checks edges read without their ids: by ends and
// weight, each relationship once.
func checkEdgesByEnds(t *testing.T, v libraryView, edges map[string]wantEdge) {
	t.Helper()
	left := map[string]int{}
	for _, e := range edges {
		left[fmt.Sprintf("%s %s %.6f", e.source, e.target, e.weight)]++
	}
	for _, e := range v.Edges {
		weight, _ := e["weight"].(float64)
		k := fmt.Sprintf("%v %v %.6f", e["source"], e["target"], weight)
		if left[k] == 0 {
			t.Errorf("edge %s is no relationship, or a second one", k)
		}
		left[k]--
	}
}
