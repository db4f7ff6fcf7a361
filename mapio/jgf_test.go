package mapio

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

func TestJGFRoundTrip(t *testing.T) {
	t.Parallel()
	out := assertGraphRoundTrip(t, "map.jgf.json", WriteJGF, ReadJGF)
	if !bytes.Contains(out, []byte(`"population": 1200000,`)) {
		t.Errorf("population is not written as a whole number:\n%s", out)
	}
}

// The writer writes version 2: a directed graph, nodes keyed by id with
// the name as label, relations as types, the rest typed in metadata, and
// the sources in the graph's metadata.
func TestWriteJGFShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteJGF(ExportElements(graphTestContents()), &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Graph struct {
			Directed any
			Metadata struct{ Sources []map[string]any }
			Nodes    map[string]struct {
				Label    string
				Metadata map[string]any
			}
			Edges []map[string]any
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	g := doc.Graph
	tamal := g.Nodes["c-tamal"]
	threat := g.Edges[0]
	meta, _ := threat["metadata"].(map[string]any)
	checks := []struct {
		what      string
		got, want any
	}{
		{"directed", g.Directed, true},
		{"nodes", len(g.Nodes), 5},
		{"unkeyed actor", g.Nodes["svc-a4"].Label, "District council"},
		{"label", tamal.Label, "Tamal villages"},
		{"no name in metadata", tamal.Metadata["name"], nil},
		{"kind", tamal.Metadata["kind"], "COMMUNITY"},
		{"population", tamal.Metadata["population"], 1200000.0},
		{"tags", tamal.Metadata["tags"], []any{"rural", "UNSCR1325:protection"}},
		{"displaced", tamal.Metadata["displaced"], false},
		{"edges", len(g.Edges), 4},
		{"edge id", threat["id"], "r-threat"},
		{"source", threat["source"], "f-police"},
		{"target", threat["target"], "c-tamal"},
		{"relation", threat["relation"], "THREATENS"},
		{"no ends or type in metadata", []any{meta["from"], meta["to"], meta["type"]}, []any{nil, nil, nil}},
		{"strength", meta["strength"], 0.67},
		{"validTo", meta["validTo"], "2024-07-01"},
		{"notes", meta["notes"], `Traders said "pay or wait" — frais de passage à Tamal`},
		{"sources", len(g.Metadata.Sources), 2},
		{"source id", g.Metadata.Sources[1]["id"], "svc-s2"},
		{"node sensitivity", tamal.Metadata["sensitivity"], "CONFIDENTIAL"},
		{"edge sensitivity", meta["sensitivity"], "CONFIDENTIAL"},
		{"source sensitivity", g.Metadata.Sources[0]["sensitivity"], "PUBLIC"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

func TestWriteJGFRefusesNodesWithoutIDs(t *testing.T) {
	t.Parallel()
	for name, g := range map[string]GraphElements{
		"no id":        {Actors: []Element{{Attrs: []Attr{{"name", "A"}}}}},
		"repeated ids": {Actors: []Element{{ID: "a"}, {ID: "a"}}},
	} {
		if err := WriteJGF(g, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// testdata/map.jgf.json is version 2 with the graph-level fields JGF
// allows, a node whose metadata names it, an edge without an id, an edge
// with a label but no relation, and a computed metric; map-v1.jgf.json is
// version 1 in a "graphs" array.
func TestReadJGFFiles(t *testing.T) {
	t.Parallel()
	type want struct {
		kinds     []domain.ActorKind
		names     []string
		types     []domain.RelationshipType
		strengths []float64
		ends      [][2]string
		sources   int
		ignored   []string // actor attributes left out
	}
	cases := []struct {
		file string
		want want
	}{
		{"map.jgf.json", want{
			kinds:     []domain.ActorKind{domain.KindCommunity, domain.KindSecurityForce, domain.KindMovement},
			names:     []string{"Tamal villages", "District police", "Women's network «Nour»"},
			types:     []domain.RelationshipType{domain.Threatens, domain.Trusts, domain.Supports},
			strengths: []float64{0.8, 0.33, 0.5},
			ends:      [][2]string{{"f-police", "c-tamal"}, {"c-tamal", "f-police"}, {"m-women", "c-tamal"}},
			sources:   1,
			ignored:   []string{"betweenness"},
		}},
		{"map-v1.jgf.json", want{
			kinds:     []domain.ActorKind{domain.KindCommunity, domain.KindSecurityForce},
			names:     []string{"Tamal villages", "District police"},
			types:     []domain.RelationshipType{domain.ProvidesSecurity, domain.InTensionWith},
			strengths: []float64{0.4, 1},
			ends:      [][2]string{{"f-police", "c-tamal"}, {"c-tamal", "f-police"}},
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			g, ps := ReadJGF(c.file, bytes.NewReader(raw))
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			tables := g.Tables(c.file)
			actors, ps := ReadActors(tables["actors"])
			rels, skipped, more := ReadRelationships(tables["relationships"])
			var sources []SourceRow
			if tb := tables["sources"]; tb != nil {
				var sps []Problem
				sources, sps = ReadSources(tb)
				ps = append(ps, sps...)
			}
			if ps = append(append(ps, more...), skipped...); len(ps) > 0 {
				t.Fatalf("row problems: %v", ps)
			}
			var got want
			for _, a := range actors {
				got.kinds, got.names = append(got.kinds, a.Input.Kind), append(got.names, a.Input.Name)
			}
			for _, r := range rels {
				got.types, got.strengths = append(got.types, r.Input.Type), append(got.strengths, r.Input.Strength)
				got.ends = append(got.ends, [2]string{r.From, r.To})
			}
			got.sources = len(sources)
			for _, p := range keptColumns(tables["actors"], "actors") {
				got.ignored = append(got.ignored, p.Column)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("read\n %+v\nwant\n %+v", got, c.want)
			}
			if _, ps := Resolve(&Document{Actors: actors, Relationships: rels, Sources: sources}); len(ps) > 0 {
				t.Errorf("resolve: %v", ps)
			}
		})
	}
}

// The v2 file's details: the population as a count, the tags, the
// relationship without an id named by position, sources cited.
func TestReadJGFDetails(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "map.jgf.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, ps := ReadJGF("map.jgf.json", bytes.NewReader(raw))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	tables := g.Tables("map.jgf.json")
	actors, _ := ReadActors(tables["actors"])
	rels, _, _ := ReadRelationships(tables["relationships"])
	sources, _ := ReadSources(tables["sources"])
	checks := []struct {
		what      string
		got, want any
	}{
		{"population", *actors[0].Input.Population, 3200},
		{"tags", actors[0].Input.Tags, []string{"rural", "UNSCR1325:protection"}},
		{"actor sources", actors[0].SourceKeys, []string{"src-survey"}},
		{"external id from node key", *actors[1].Input.ExternalID, "f-police"},
		{"edge without id", rels[1].Element, "#2"},
		{"edge external id", *rels[0].Input.ExternalID, "r-threat"},
		{"valid from", rels[0].Input.ValidFrom.String(), "2023-01-01"},
		{"perceived by", *rels[1].Input.PerceivedBy, "women"},
		{"source", sources[0].Input.Title, "Household survey 2024"},
		{"published", sources[0].Input.PublishedOn.String(), "2024-03-01"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

func TestReadJGFProblems(t *testing.T) {
	t.Parallel()
	assertGraphProblems(t, ReadJGF, []graphProblemCase{
		{"invalid JSON", "{\"graph\": {\n\"nodes\": {\"a\": {\"label\": 'A'}}}}", CodeMalformed, "", "", "line 2"},
		{"an array", `[{"graph": {}}]`, CodeMalformed, "", "", "holds an array"},
		{"no graph", `{"nodes": {}}`, CodeMalformed, "", "", `"graph"`},
		{"graph not an object", `{"graph": []}`, CodeMalformed, "", "", "should be an object"},
		{"two graphs", `{"graphs": [{"id": "g1", "nodes": {}}, {"label": "Second", "nodes": {}}]}`, CodeGraphs, "", "graphs", `2 graphs (1 id "g1"; 2 label "Second")`},
		{"no graphs", `{"graphs": []}`, CodeMalformed, "", "", "empty"},
		{"hyperedges", `{"graph": {"hyperedges": [{"nodes": ["a", "b", "c"]}]}}`, CodeMalformed, "", "hyperedges", "hyperedges"},
		{"object metadata", `{"graph": {"nodes": {"c-a": {"label": "A", "metadata": {"kind": "COMMUNITY", "population": {"men": 3}}}}}}`,
			CodeEnum, "c-a", "population", "JSON object"},
		{"metadata not an object", `{"graph": {"nodes": [{"id": "c-a", "metadata": ["x"]}]}}`, CodeMalformed, "c-a", "metadata", "JSON object"},
		{"node not an object", `{"graph": {"nodes": {"c-a": "A"}}}`, CodeMalformed, "c-a", "nodes", "JSON object"},
		{"bad strength", `{"graph": {"nodes": {"a": {"label": "A", "metadata": {"kind": "COMMUNITY"}}, "b": {"label": "B", "metadata": {"kind": "COMMUNITY"}}},
			"edges": [{"id": "e1", "source": "a", "target": "b", "relation": "TRUSTS", "metadata": {"strength": "high"}}]}}`, CodeNumber, "e1", "strength", `"high"`},
	})
}

// FuzzReadJGF: reading never panics, and a file read without problems
// goes through the row checks and survives writing and reading back.
func FuzzReadJGF(f *testing.F) {
	for _, name := range []string{"map.jgf.json", "map-v1.jgf.json"} {
		if raw, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(raw)
		}
	}
	var buf bytes.Buffer
	if err := WriteJGF(ExportElements(graphTestContents()), &buf); err == nil {
		f.Add(buf.Bytes())
	}
	for _, s := range []string{
		`{"graph": {"nodes": {"a": {"label": "A", "metadata": {"kind": "COMMUNITY"}}}, "edges": [{"source": "a", "target": "a", "relation": "TRUSTS", "metadata": {"strength": 1}}]}}`,
		`{"graphs": [{"nodes": [{"id": 1, "label": null}], "edges": [{"source": 1, "target": 2, "label": 3}], "metadata": {"sources": [{"id": "s"}]}}]}`,
		`{"graph": {"directed": false, "nodes": [], "edges": {}, "metadata": []}}`,
		`{"graph": {"nodes": {"a": {"label": "A", "metadata": {"kind": "COMMUNITY", "tags": "x||y", "population": "1_000"}}, "b": {"label": "B", "metadata": {"kind": "Movement"}}},
		  "edges": [{"source": "a", "target": "b", "label": "trusts", "metadata": {"strength": "1e-7", "confidence": 1, "from": "a"}}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, ps := ReadJGF("fuzz.json", bytes.NewReader(raw))
		fuzzGraphElements(t, g, ps, WriteJGF, ReadJGF)
	})
}

// Of a file holding several graphs, the mapping's graph is read: by id,
// label or number from 1; one the file does not hold is a MAPPING problem.
func TestReadJGFGraphChoice(t *testing.T) {
	t.Parallel()
	doc := `{"graphs": [
		{"id": "g1", "label": "First", "nodes": {"a": {"label": "A"}}},
		{"id": "g2", "label": "Second", "nodes": {"b": {"label": "B"}, "c": {"label": "C"}}}]}`
	cases := []struct {
		choice, wantFirst string
		wantActors        int
		wantCode          string
	}{
		{"g2", "B", 2, ""},
		{"First", "A", 1, ""},
		{"2", "B", 2, ""},
		{"g3", "", 0, CodeMapping},
		{"", "", 0, CodeGraphs},
	}
	for _, c := range cases {
		t.Run(c.choice, func(t *testing.T) {
			g, picked, ps := ReadJGFGraph("map.json", strings.NewReader(doc), c.choice)
			if c.wantCode != "" {
				if len(ps) != 1 || ps[0].Code != c.wantCode {
					t.Fatalf("problems %v, want one %s", ps, c.wantCode)
				}
				return
			}
			if len(ps) > 0 || len(g.Actors) != c.wantActors || g.Actors[0].Get("name") != c.wantFirst || picked == "" {
				t.Errorf("choice %q: %d actors, first %q, picked %q, problems %v", c.choice, len(g.Actors), g.Actors[0].Get("name"), picked, ps)
			}
		})
	}
}

// Every graph reader marks the edges without a direction (rather than
// refusing them: the mapping says what they become), from the edge's own
// direction or else the graph's default.
func TestReadersMarkUndirectedEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		read func(string, io.Reader) (GraphElements, []Problem)
		doc  string
		want []bool // per edge, in file order
	}{
		{"GraphML edgedefault", ReadGraphML, graphmlKeys + `<graph edgedefault="undirected"><node id="a"/><node id="b"/>
			<edge source="a" target="b"/><edge source="b" target="a" directed="true"/></graph></graphml>`, []bool{true, false}},
		{"GraphML directed=false", ReadGraphML, graphmlKeys + `<graph edgedefault="directed"><node id="a"/><node id="b"/>
			<edge source="a" target="b" directed="false"/><edge source="b" target="a"/></graph></graphml>`, []bool{true, false}},
		{"GEXF defaultedgetype", ReadGEXF, gexfDoc(`defaultedgetype="undirected"`,
			`<edge id="e" source="a" target="b"/><edge id="f" source="b" target="a" type="directed"/>`), []bool{true, false}},
		{"GEXF mutual and undirected edges", ReadGEXF, gexfDoc(`defaultedgetype="directed"`,
			`<edge id="e" source="a" target="b" type="mutual"/><edge id="f" source="b" target="a" type="undirected"/><edge id="g" source="a" target="b"/>`), []bool{true, true, false}},
		{"Kumu directions", ReadKumu, `{"elements": [], "connections": [{"id": "c1", "from": "a", "to": "b", "direction": "mutual"},
			{"_id": "c2", "from": "a", "to": "b", "attributes": {"connection direction": "undirected"}}, {"id": "c3", "from": "a", "to": "b", "direction": "directed"}]}`, []bool{true, true, false}},
		{"JGF undirected graph", ReadJGF, `{"graph": {"directed": false, "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a", "directed": true}]}}`, []bool{true, false}},
		{"JGF undirected edge", ReadJGF, `{"graph": {"edges": [{"source": "a", "target": "b", "directed": false}, {"source": "b", "target": "a"}]}}`, []bool{true, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, ps := c.read("map", strings.NewReader(c.doc))
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			var got []bool
			for _, e := range g.Relationships {
				got = append(got, e.Undirected)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("undirected %v, want %v", got, c.want)
			}
			rows := g.Tables("map")["relationships"].Rows
			for i, r := range rows {
				if r.Undirected != c.want[i] {
					t.Errorf("table row %d undirected %v, want %v", i, r.Undirected, c.want[i])
				}
			}
		})
	}
}
