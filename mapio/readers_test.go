package mapio

import (
	"bytes"
	"html"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/domain"
)

// onlyReader hides a reader's Seek, as a pipe or an upload stream would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// Formats are told by parsing: a Kumu blueprint whose "elements" come
// after a block larger than any prefix a sniffer would read is Kumu,
// Cytoscape.js elements in either shape are Cytoscape, XML by its root.
// The file is handed on whole, from a seekable file and from a stream.
// DetectFormat recognises a file's format from its name and its content
// (all of it or its start), as an import does.
func DetectFormat(name string, content []byte) Format {
	f, _ := detectFormat(name, bytes.NewReader(content))
	return f
}

func TestDetectFormatByParsing(t *testing.T) {
	t.Parallel()
	big := `{"attributes": {"notes": "` + strings.Repeat("x", 64<<10) + `", "list": [1, {"a": [2, 3]}]}, "elements": [{"label": "A"}], "connections": []}`
	cases := []struct {
		name, file, content string
		want                Format
	}{
		{"kumu after a large block", "map.json", big, FormatKumu},
		{"kumu connections first", "map.json", `{"connections": [], "elements": []}`, FormatKumu},
		{"kumu with a byte-order mark", "map.json", "\xEF\xBB\xBF" + `{"elements": [{"_id": "x", "attributes": {"label": "A"}}]}`, FormatKumu},
		{"cytoscape array with groups", "cy.json", `[{"group": "nodes", "data": {"id": "a"}}, {"group": "edges", "data": {"source": "a", "target": "a"}}]`, FormatCytoscape},
		{"cytoscape array without groups", "cy.json", ` [ {"data": {"id": "a"}} ]`, FormatCytoscape},
		{"cytoscape object", "cy.json", `{"data": {}, "directed": true, "elements": {"nodes": [], "edges": []}}`, FormatCytoscape},
		{"cytoscape nodes and edges at the top", "cy.json", `{"nodes": [{"data": {"id": "a"}}], "edges": []}`, FormatCytoscape},
		{"other nodes at the top", "cy.json", `{"nodes": [{"id": "a"}]}`, ""},
		{"cytoscape elements list", "cy.json", `{"elements": [{"data": {"id": "a"}}]}`, FormatCytoscape},
		{"cytoscape extension", "g.cyjs", `{}`, FormatCytoscape},
		{"jgf", "g.json", `{"graph": {"nodes": {}}}`, FormatJGF},
		{"jgf graphs", "g.json", `{"graphs": []}`, FormatJGF},
		{"gexf after a comment", "g.xml", `<?xml version="1.0"?><!-- <graphml> --><gexf xmlns="http://gexf.net/1.3"><graph/></gexf>`, FormatGEXF},
		{"graphml", "g.xml", `<?xml version="1.0"?><graphml><graph/></graphml>`, FormatGraphML},
		{"other xml", "g.xml", `<svg/>`, ""},
		{"array of numbers", "g.json", `[1, 2]`, ""},
		{"csv by name", "actors", "name,kind\n", FormatCSV},
		{"unknown", "notes", "hello", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, src := range []struct {
				what string
				r    io.Reader
			}{{"seekable", strings.NewReader(c.content)}, {"stream", onlyReader{strings.NewReader(c.content)}}} {
				got, rest := detectFormat(c.file, src.r)
				if got != c.want {
					t.Errorf("%s: detected %q, want %q", src.what, got, c.want)
				}
				all, err := io.ReadAll(rest)
				if err != nil || string(all) != c.content {
					t.Errorf("%s: the file handed on is not the whole file (%v, %d of %d bytes)", src.what, err, len(all), len(c.content))
				}
			}
		})
	}
}

// readGraph reads a graph file through the import's own path: its
// format's reader, then tables and rows.
func readGraph(t *testing.T, name, content string) (GraphElements, map[string]*Table, []ActorRow, []RelationshipRow, []Problem) {
	t.Helper()
	tables, _, ps, g := readFormat(File{Name: name, Data: strings.NewReader(content)}, "")
	var actors []ActorRow
	var rels []RelationshipRow
	if tb := tables["actors"]; tb != nil {
		rows, more := ReadActors(tb)
		actors, ps = rows, append(ps, more...)
	}
	if tb := tables["relationships"]; tb != nil {
		rows, _, more := ReadRelationships(tb)
		rels, ps = rows, append(ps, more...)
	}
	return g, tables, actors, rels, ps
}

// Cytoscape.js elements are imported: names, kinds, ends, types, and a
// node's position as its layout; data keys that are no field are kept.
func TestReadCytoscape(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, content string }{
		{"object", `{"elements": {"nodes": [
			{"data": {"id": "a", "label": "Village", "kind": "COMMUNITY", "score": 2.5}, "position": {"x": 10, "y": -4}, "selected": true},
			{"data": {"id": "b", "name": "Police", "kind": "SECURITY_FORCE"}}],
		  "edges": [{"data": {"id": "e1", "source": "b", "target": "a", "label": "THREATENS", "strength": 0.7}}]}}`},
		{"nodes and edges at the top", `{"nodes": [
			{"data": {"id": "a", "label": "Village", "kind": "COMMUNITY", "score": 2.5}, "position": {"x": 10, "y": -4}, "selected": true},
			{"data": {"id": "b", "name": "Police", "kind": "SECURITY_FORCE"}}],
		  "edges": [{"data": {"id": "e1", "source": "b", "target": "a", "label": "THREATENS", "strength": 0.7}}]}`},
		{"array", `[{"group": "nodes", "data": {"id": "a", "label": "Village", "kind": "COMMUNITY", "score": 2.5}, "position": {"x": 10, "y": -4}, "selected": true},
			{"data": {"id": "b", "name": "Police", "kind": "SECURITY_FORCE"}},
			{"data": {"id": "e1", "source": "b", "target": "a", "interaction": "THREATENS", "strength": 0.7}}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, _, actors, rels, ps := readGraph(t, "map.json", c.content)
			if len(ps) > 0 || len(actors) != 2 || len(rels) != 1 {
				t.Fatalf("read %d actors, %d relationships: %v", len(actors), len(rels), ps)
			}
			a := actors[0].Input
			if a.Name != "Village" || a.Kind != domain.KindCommunity || actors[1].Input.Name != "Police" {
				t.Errorf("actors: %+v / %+v", a, actors[1].Input)
			}
			if a.Layout.X == nil || *a.Layout.X != 10 || *a.Layout.Y != -4 {
				t.Errorf("layout: %+v", a.Layout)
			}
			if v, ok := a.Custom["score"]; !ok || v != domain.NumberValue(2.5) {
				t.Errorf("custom: %+v", a.Custom)
			}
			r := rels[0]
			if r.From != "b" || r.To != "a" || r.Input.Type != domain.Threatens || r.Input.Strength != 0.7 {
				t.Errorf("relationship: %+v", r)
			}
			if len(g.Dropped) != 1 || g.Dropped[0].Column != "selected" {
				t.Errorf("dropped: %v", g.Dropped)
			}
		})
	}
}

// Columns that are no field are kept as custom attributes, typed by
// their values; "custom:" names one even where it is a field's name.
func TestCustomColumnsOfSpreadsheets(t *testing.T) {
	t.Parallel()
	csv := "name,kind,Fighters,Founded,Armed,Code,Note,custom:region,Empty\n" +
		"A,COMMUNITY,1200,2001-05-01,true,007,x,north,\n" +
		"B,COMMUNITY,-3.5,1999-12-31,FALSE,12,,south,\n"
	tb, _ := ReadTable("actors.csv", strings.NewReader(csv))
	rows, ps := ReadActors(tb)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	want := domain.Custom{"Fighters": domain.NumberValue(1200), "Founded": domain.DateValue(mustDate(t, "2001-05-01")),
		"Armed": domain.BoolValue(true), "Code": domain.TextValue("007"), "Note": domain.TextValue("x"), "region": domain.TextValue("north")}
	if got := rows[0].Input.Custom; !equalCustom(got, want) {
		t.Errorf("custom:\n got %v\nwant %v", got, want)
	}
	if rows[0].Input.Region != nil {
		t.Errorf("custom:region was read as the region field: %v", *rows[0].Input.Region)
	}
	if _, ok := rows[1].Input.Custom["Note"]; ok {
		t.Errorf("an empty cell became an attribute: %v", rows[1].Input.Custom)
	}
	kept := keptColumns(tb, "actors")
	types := map[string]domain.CustomKind{}
	for _, k := range kept {
		types[k.Column] = k.Type
	}
	wantTypes := map[string]domain.CustomKind{"Fighters": domain.CustomNumber, "Founded": domain.CustomDate, "Armed": domain.CustomBoolean,
		"Code": domain.CustomString, "Note": domain.CustomString, "custom:region": domain.CustomString, "Empty": domain.CustomString}
	if len(types) != len(wantTypes) {
		t.Errorf("kept: %v", kept)
	}
	for c, k := range wantTypes {
		if types[c] != k {
			t.Errorf("column %s kept as %s, want %s", c, types[c], k)
		}
	}
}

func mustDate(t *testing.T, s string) domain.Date {
	t.Helper()
	d, err := domain.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func equalCustom(a, b domain.Custom) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w.String() != v.String() || w.Kind != v.Kind {
			return false
		}
	}
	return true
}

// Kumu's Connections columns Label and Tags are read (as custom
// attributes), not refused; a relationship's unknown columns too.
func TestKumuConnectionLabelAndTags(t *testing.T) {
	t.Parallel()
	tb, _ := ReadTable("connections.csv", strings.NewReader("From,To,Type,Strength,Label,Tags\nA,B,TRUSTS,0.5,met twice,market|church\n"))
	rows, _, ps := ReadRelationships(tb)
	if len(ps) > 0 || len(rows) != 1 {
		t.Fatalf("%d rows, problems %v", len(rows), ps)
	}
	want := domain.Custom{"Label": domain.TextValue("met twice"), "Tags": domain.TextValue("market|church")}
	if !equalCustom(rows[0].Input.Custom, want) {
		t.Errorf("custom: %v", rows[0].Input.Custom)
	}
}

// A column whose name cannot be a key (too long) is listed as dropped,
// not refused; the rest of the row is kept.
func TestColumnThatCannotBeAKeyIsDropped(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", domain.MaxCustomKeyLen+1)
	tb, _ := ReadTable("actors.csv", strings.NewReader("name,kind,"+long+",ok\nA,COMMUNITY,1,2\n"))
	rows, ps := ReadActors(tb)
	if len(ps) > 0 || len(rows) != 1 || !equalCustom(rows[0].Input.Custom, domain.Custom{"ok": domain.NumberValue(2)}) {
		t.Fatalf("rows %+v, problems %v", rows, ps)
	}
	dropped := droppedColumns(tb, "actors")
	if len(dropped) != 1 || dropped[0].Code != CodeIgnored || !strings.Contains(dropped[0].Message, "longer than the 100 characters") {
		t.Errorf("dropped: %v", dropped)
	}
	if kept := keptColumns(tb, "actors"); len(kept) != 1 || kept[0].Key != "ok" {
		t.Errorf("kept: %v", kept)
	}
}

// A record with more custom attributes than the service keeps is a
// problem on its row, saying so.
func TestTooManyCustomAttributes(t *testing.T) {
	t.Parallel()
	var header, row []string
	for i := 0; i <= domain.MaxCustomAttributes; i++ {
		header, row = append(header, "v"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+string(rune('a'+i/26))), append(row, "1")
	}
	tb, _ := ReadTable("actors.csv", strings.NewReader("name,kind,"+strings.Join(header, ",")+"\nA,COMMUNITY,"+strings.Join(row, ",")+"\n"))
	_, ps := ReadActors(tb)
	if len(ps) != 1 || ps[0].Code != CodeTooLarge || ps[0].Row != 2 || !strings.Contains(ps[0].Message, "at most 100") {
		t.Errorf("problems: %v", ps)
	}
}

// Gephi's drawing is the actors' layout (a flat z="0" is no z); a node's one period is kept as
// start and end; what cannot be kept (shapes, several spells, edge
// drawings) is listed; declared types are the custom attributes' types.
func TestReadGEXFLayoutTimesAndTypes(t *testing.T) {
	t.Parallel()
	g, tables, actors, rels, ps := readGraph(t, "g.gexf", gephiLayout(t))
	if len(ps) > 0 || len(actors) != 2 || len(rels) != 1 {
		t.Fatalf("read %d actors, %d relationships: %v", len(actors), len(rels), ps)
	}
	l := actors[0].Input.Layout
	if l.X == nil || *l.X != 1.5 || *l.Y != -2 || l.Z != nil || *l.Size != 12.5 || *l.Color != "#ff001080" {
		t.Errorf("layout: %+v", describeLayout(l))
	}
	if c := actors[1].Input.Layout.Color; c == nil || *c != "#00ff00" {
		t.Errorf("hex colour: %v", describeLayout(actors[1].Input.Layout))
	}
	want := domain.Custom{"fighters": domain.NumberValue(40), "armed": domain.BoolValue(false),
		"start": domain.DateValue(mustDate(t, "2001-01-01")), "end": domain.DateValue(mustDate(t, "2010-12-31"))}
	if !equalCustom(actors[0].Input.Custom, want) {
		t.Errorf("custom: %v", actors[0].Input.Custom)
	}
	if tables["actors"].Types["fighters"] != domain.CustomNumber {
		t.Errorf("types: %v", tables["actors"].Types)
	}
	var dropped []string
	for _, d := range g.Dropped {
		dropped = append(dropped, d.Column)
	}
	if strings.Join(dropped, ",") != "viz:shape,spells,viz:thickness" {
		t.Errorf("dropped: %v", g.Dropped)
	}
}

func describeLayout(l domain.Layout) map[string]any {
	out := map[string]any{}
	for n, v := range map[string]*float64{"x": l.X, "y": l.Y, "z": l.Z, "size": l.Size} {
		if v != nil {
			out[n] = *v
		}
	}
	if l.Color != nil {
		out["color"] = *l.Color
	}
	return out
}

const yedDesktop = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:y="http://www.yworks.com/xml/graphml">
  <key attr.name="description" attr.type="string" for="node" id="d5"/>
  <key for="node" id="d6" yfiles.type="nodegraphics"/>
  <key for="edge" id="d10" yfiles.type="edgegraphics"/>
  <graph edgedefault="directed" id="G">
    <node id="n0">
      <data key="d6"><y:ShapeNode><y:Geometry height="30.0" width="40.0" x="100.0" y="50.0"/><y:Fill color="#FFCC00" transparent="false"/>
        <y:NodeLabel alignment="center" visible="true">Ministry of Interior<y:LabelModel><y:SmartNodeLabelModel distance="4.0"/></y:LabelModel></y:NodeLabel><y:Shape type="rectangle"/></y:ShapeNode></data>
    </node>
    <node id="n1">
      <data key="d6"><y:GenericNode configuration="com.yworks.flowchart.terminator"><y:Geometry height="20" width="20" x="0" y="0"/><y:Fill color="#E8EEF7" color2="#B7C9E3" transparent="false"/><y:NodeLabel>Militia</y:NodeLabel></y:GenericNode></data>
    </node>
    <edge id="e0" source="n0" target="n1">
      <data key="d10"><y:PolyLineEdge><y:Path sx="0.0" sy="0.0" tx="0.0" ty="0.0"/><y:EdgeLabel>funds</y:EdgeLabel></y:PolyLineEdge></data>
    </edge>
  </graph>
</graphml>`

const yedLive = `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:x="http://www.yworks.com/xml/yfiles-common/markup/2.0" xmlns:y="http://www.yworks.com/xml/yfiles-common/3.0">
  <key id="d1" for="node" attr.name="NodeLabels"/>
  <key id="d2" for="node" attr.name="NodeGeometry"/>
  <key id="d3" for="edge" attr.name="EdgeLabels"/>
  <graph id="G" edgedefault="directed">
    <node id="n0"><data key="d1"><x:List><y:Label><y:Label.Text>Chief</y:Label.Text></y:Label></x:List></data><data key="d2"><y:RectD X="10" Y="20" Width="30" Height="40"/></data></node>
    <node id="n1"><data key="d1"><x:List><y:Label Text="Council"/></x:List></data></node>
    <edge id="e0" source="n0" target="n1"><data key="d3"><x:List><y:Label><y:Label.Text>advises</y:Label.Text></y:Label></x:List></data></edge>
  </graph>
</graphml>`

const gephiGraphML = `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="label"/>
  <key attr.name="kind" attr.type="string" for="node" id="d1"/>
  <key attr.name="x" attr.type="float" for="node" id="x"/>
  <key attr.name="y" attr.type="float" for="node" id="y"/>
  <key attr.name="size" attr.type="float" for="node" id="size"/>
  <key attr.name="r" attr.type="int" for="node" id="r"/>
  <key attr.name="g" attr.type="int" for="node" id="g"/>
  <key attr.name="b" attr.type="int" for="node" id="b"/>
  <key attr.name="degree" attr.type="int" for="node" id="deg"/>
  <graph edgedefault="directed">
    <node id="a"><data key="label">A</data><data key="d1">COMMUNITY</data><data key="x">-3.25</data><data key="y">4</data><data key="size">10</data><data key="r">0</data><data key="g">128</data><data key="b">255</data><data key="deg">7</data></node>
  </graph>
</graphml>`

// yEd's labels are names (and edge labels the edges' label attribute),
// its boxes and fills the layout (at the box's centre); Gephi's GraphML
// layout keys are the layout too; declared types type the rest.
func TestReadGraphMLToolsLayoutAndLabels(t *testing.T) {
	t.Parallel()
	type want struct {
		names  []string
		layout map[string]any // of the first actor
		label  string         // the first edge's label attribute
		custom domain.Custom  // of the first actor
	}
	for _, c := range []struct {
		name, content string
		want          want
	}{
		{"yEd desktop", yedDesktop, want{[]string{"Ministry of Interior", "Militia"},
			map[string]any{"x": 120.0, "y": 65.0, "size": 40.0, "color": "#ffcc00"}, "funds", nil}},
		{"yEd Live", yedLive, want{[]string{"Chief", "Council"},
			map[string]any{"x": 25.0, "y": 40.0, "size": 30.0}, "advises", nil}},
		{"Gephi", gephiGraphML, want{[]string{"A"},
			map[string]any{"x": -3.25, "y": 4.0, "size": 10.0, "color": "#0080ff"}, "", domain.Custom{"degree": domain.NumberValue(7)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tables, _, ps, _ := readFormat(File{Name: "g.graphml", Data: strings.NewReader(c.content)}, "")
			actors, aps := ReadActors(withKinds(tables["actors"]))
			ps = append(ps, aps...)
			if len(ps) > 0 || len(actors) != len(c.want.names) {
				t.Fatalf("%d actors: %v", len(actors), ps)
			}
			for i, n := range c.want.names {
				if actors[i].Input.Name != n {
					t.Errorf("actor %d is named %q, want %q", i, actors[i].Input.Name, n)
				}
			}
			got := describeLayout(actors[0].Input.Layout)
			if len(got) != len(c.want.layout) {
				t.Errorf("layout %v, want %v", got, c.want.layout)
			}
			for k, v := range c.want.layout {
				if got[k] != v {
					t.Errorf("layout %s = %v, want %v", k, got[k], v)
				}
			}
			if !equalCustom(actors[0].Input.Custom, c.want.custom) {
				t.Errorf("custom %v, want %v", actors[0].Input.Custom, c.want.custom)
			}
			if c.want.label != "" {
				tb := tables["relationships"]
				i := indexOf(tb.Header, "label")
				if i < 0 || tb.Rows[0].Cells[i] != c.want.label {
					t.Errorf("edge label: header %v rows %v", tb.Header, tb.Rows)
				}
			}
		})
	}
}

// withKinds gives a table without kinds one, as a mapping would, so that
// a reader's other output can be checked.
func withKinds(tb *Table) *Table {
	if indexOf(tb.Header, "kind") >= 0 {
		return tb
	}
	out := *tb
	out.Header = append(append([]string(nil), tb.Header...), "kind")
	out.Rows = nil
	for _, r := range tb.Rows {
		r.Cells = append(append([]string(nil), r.Cells...), "COMMUNITY")
		out.Rows = append(out.Rows, r)
	}
	return &out
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// Problems in graph files name the element and the attribute as the
// format does; a field missing from a whole file is one problem.
func TestProblemsInTheFormatsWords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file, content string
		want                []string // each problem's String, in order
	}{
		{"GEXF attribute", "g.gexf", `<gexf><graph defaultedgetype="directed"><attributes class="node"><attribute id="0" title="kind"/><attribute id="1" title="fighters" type="integer"/></attributes>
			<nodes><node id="n3" label="A"><attvalues><attvalue for="0" value="Clan"/></attvalues></node><node id="n4" label="B"><attvalues><attvalue for="0" value="COMMUNITY"/><attvalue for="1" value="many"/></attvalues></node></nodes></graph></gexf>`,
			[]string{`g.gexf: GEXF node "n3", attribute "kind": kind "Clan" is not one of the allowed values: ` + joinNames(domain.ActorKinds),
				`g.gexf: GEXF node "n4", attribute "fighters": fighters "many" is not a number, as the column's type says`}},
		{"GraphML key", "g.graphml", `<graphml><key id="d1" for="node" attr.name="kind"/><key id="l" for="node" attr.name="label"/><graph edgedefault="directed"><node id="n3"><data key="l">A</data><data key="d1">Clan</data></node></graph></graphml>`,
			[]string{`g.graphml: GraphML node "n3", key "d1" (attr.name "kind"): kind "Clan" is not one of the allowed values: ` + joinNames(domain.ActorKinds)}},
		{"JGF metadata", "g.json", `{"graph": {"nodes": {"a": {"label": "A", "metadata": {"kind": "Clan"}}}}}`,
			[]string{`g.json: JGF node "a", metadata key "kind": kind "Clan" is not one of the allowed values: ` + joinNames(domain.ActorKinds)}},
		{"Kumu field", "k.json", `{"elements": [{"_id": "x", "attributes": {"label": "A", "element type": "COMMUNITY", "population": -1}}]}`,
			[]string{`k.json: Kumu element "x", field "population": population "-1" is not a whole number of 0 or more`}},
		{"Kumu's own field name", "k.json", `{"elements": [{"_id": "x", "attributes": {"label": "A", "element type": "Clan"}}]}`,
			[]string{`k.json: Kumu element "x", field "element type": kind "Clan" is not one of the allowed values: ` + joinNames(domain.ActorKinds)}},
		{"GEXF viz", "g.gexf", `<gexf><graph defaultedgetype="directed"><attributes class="node"><attribute id="k" title="kind"/></attributes>
			<nodes><node id="n1" label="A"><attvalues><attvalue for="k" value="COMMUNITY"/></attvalues><size value="0"/></node></nodes></graph></gexf>`,
			[]string{`g.gexf: GEXF node "n1", viz:size: the size "0" is not greater than 0; give a positive size, or none`}},
		{"no kind anywhere", "g.gexf", `<gexf><graph defaultedgetype="directed"><nodes><node id="a" label="A"/><node id="b" label="B"/></nodes></graph></gexf>`,
			[]string{`g.gexf: GEXF file: no node of this GEXF file has a kind; give one with a mapping (a default kind, or the attribute that holds it and a map of its values)`}},
		{"no type anywhere", "g.graphml", `<graphml><key id="k" for="node" attr.name="kind"/><graph edgedefault="directed"><node id="a"><data key="k">COMMUNITY</data></node><node id="b"><data key="k">COMMUNITY</data></node><edge source="a" target="b"/></graph></graphml>`,
			[]string{`g.graphml: GraphML file: no node of this GraphML file has a name; give each a label, or name the attribute that holds the name with a mapping`,
				`g.graphml: GraphML file: no edge of this GraphML file has a type; give one with a mapping (a default type, or the attribute that holds it and a map of its values)`,
				`g.graphml: GraphML file: no edge of this GraphML file has a strength; give one with a mapping (a default strength, or the attribute that holds it)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, _, ps := readGraph(t, c.file, c.content)
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
			for _, p := range ps {
				if p.Row != 0 || p.Code == "" || strings.Contains(p.String(), "row") {
					t.Errorf("a graph file's problem names a row or lacks a code: %+v", p)
				}
			}
		})
	}
}

// A detection that fails hands on the file unread all the same, and a
// stream is held only as far as detection read it.
func TestDetectionHoldsOnlyWhatItRead(t *testing.T) {
	t.Parallel()
	content := `{"connections": [], "elements": [` + strings.Repeat(`{"label": "x"},`, 10000) + `{"label": "y"}]}`
	src := &countingReader{r: strings.NewReader(content)}
	f, rest := detectFormat("map.json", onlyReader{src})
	if f != FormatKumu {
		t.Fatalf("detected %q", f)
	}
	if src.n > 64<<10 {
		t.Errorf("detection read %d bytes of a file whose first key tells its format", src.n)
	}
	all, _ := io.ReadAll(rest)
	if !bytes.Equal(all, []byte(content)) {
		t.Error("the file handed on differs")
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A workbook's date cells (Excel's short date format, what typing a
// date gives) are dates: a custom column of them is a DATE attribute.
func TestWorkbookDateCells(t *testing.T) {
	t.Parallel()
	wb := excelize.NewFile()
	defer wb.Close()
	if err := wb.SetSheetName("Sheet1", "actors"); err != nil {
		t.Fatal(err)
	}
	style, err := wb.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]any{"A1": "name", "B1": "kind", "C1": "Founded", "A2": "A", "B2": "COMMUNITY",
		"C2": time.Date(2001, 5, 17, 0, 0, 0, 0, time.UTC)} {
		if err := wb.SetCellValue("actors", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.SetCellStyle("actors", "C2", "C2", style); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tables, ps := ReadWorkbook("map.xlsx", &buf)
	rows, more := ReadActors(tables["actors"])
	if ps = append(ps, more...); len(ps) > 0 || len(rows) != 1 {
		t.Fatalf("%d rows: %v", len(rows), ps)
	}
	if got := rows[0].Input.Custom["Founded"]; got != domain.DateValue(mustDate(t, "2001-05-17")) {
		t.Errorf("Founded = %+v", got)
	}
}

// The readers' own problems (the file's structure, before any row check)
// name their element in the format's words too.
func TestReaderProblemsInTheFormatsWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, file, content, want string
	}{
		{"GEXF edge", "g.gexf", `<gexf><graph defaultedgetype="directed"><nodes><node id="a"/></nodes><edges><edge id="e1" source="a" target="a"><spells><spell start="2001"/><spell start="2003"/></spells></edge></edges></graph></gexf>`,
			`g.gexf: GEXF edge "e1": this edge exists over 2 periods`},
		{"GEXF node", "g.gexf", `<gexf><graph defaultedgetype="directed"><nodes><node id="n3"><attvalues><attvalue for="9" value="x"/></attvalues></node></nodes></graph></gexf>`,
			`g.gexf: GEXF node "n3": <attvalue for="9"> names no attribute declared`},
		{"GraphML edge", "g.graphml", `<graphml><graph edgedefault="directed"><node id="a"/><edge id="e2" source="a" target="a"><data key="nope">x</data></edge></graph></graphml>`,
			`g.graphml: GraphML edge "e2": <data key="nope"> uses a key that no <key> element declares`},
		{"Kumu connection", "k.json", `{"elements": [{"id": "a"}], "connections": [{"id": "c1", "from": "a", "to": "a", "direction": "sideways"}]}`,
			`k.json: Kumu connection "c1", field "direction": the connection's direction is "sideways"`},
		{"JGF edge", "g.json", `{"graph": {"nodes": {"a": {}}, "edges": [{"id": "e3", "source": "a", "target": "a", "metadata": 3}]}}`,
			`g.json: JGF edge "e3", key "metadata": "metadata" should be a JSON object`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ps := graphReaders[DetectFormat(c.file, []byte(c.content))](c.file, strings.NewReader(c.content))
			found := false
			for _, p := range ps {
				found = found || strings.HasPrefix(p.String(), c.want)
			}
			if !found {
				t.Errorf("no problem starts %q: %v", c.want, ps)
			}
		})
	}
}

// yEd's groups (nodes holding a graph) are flattened: the group and its
// members are actors, each member naming its group in the custom
// attribute "parent", and the edges within the group are relationships.
// yEd Live's keys that hold only styles are listed as dropped.
func TestReadGraphMLGroups(t *testing.T) {
	t.Parallel()
	const file = `<graphml xmlns:y="http://www.yworks.com/xml/graphml"><key id="k" for="node" attr.name="kind"/><key id="s" for="node" attr.name="NodeStyle"/>
		<graph edgedefault="directed">
		<node id="g"><data key="k">MOVEMENT</data><data key="s"><y:ShapeNodeStyle fill="#FF0000"/></data>
		  <graph edgedefault="directed"><node id="g::a"><data key="k">COMMUNITY</data></node><node id="g::b"><data key="k">COMMUNITY</data></node>
		    <edge id="inner" source="g::a" target="g::b"/></graph></node>
		<node id="c"><data key="k">COMMUNITY</data></node>
		<edge id="outer" source="c" target="g::a"/></graph></graphml>`
	g, ps := ReadGraphML("groups.graphml", strings.NewReader(file))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	var got []string
	for _, a := range g.Actors {
		got = append(got, a.ID+":"+a.Get("parent"))
	}
	if strings.Join(got, " ") != "g: g::a:g g::b:g c:" {
		t.Errorf("actors: %v", got)
	}
	var edges []string
	for _, r := range g.Relationships {
		edges = append(edges, r.ID+":"+r.Get("from")+">"+r.Get("to"))
	}
	if strings.Join(edges, " ") != "inner:g::a>g::b outer:c>g::a" {
		t.Errorf("edges: %v", edges)
	}
	if len(g.Dropped) != 1 || !strings.Contains(g.Dropped[0].Message, `key "s" (attr.name "NodeStyle") holds yEd's drawing`) {
		t.Errorf("dropped: %v", g.Dropped)
	}
	// A group's graph has its own edge default: its edges without a
	// direction are marked undirected, for the mapping to say what they
	// become.
	nested := strings.Replace(file, `<graph edgedefault="directed"><node id="g::a">`, `<graph edgedefault="undirected"><node id="g::a">`, 1)
	g, _ = ReadGraphML("groups.graphml", strings.NewReader(nested))
	if len(g.Relationships) != 2 || !g.Relationships[0].Undirected || g.Relationships[1].Undirected {
		t.Errorf("undirected marks: %+v", g.Relationships)
	}
}

// An edge whose end is no node names the end as the format does.
func TestUnknownEndInTheFormatsWords(t *testing.T) {
	t.Parallel()
	const file = `<gexf><graph defaultedgetype="directed"><attributes class="node"><attribute id="k" title="kind"/></attributes>
		<nodes><node id="a" label="A"><attvalues><attvalue for="k" value="COMMUNITY"/></attvalues></node></nodes>
		<edges><edge id="e1" source="a" target="z" label="TRUSTS" weight="0.5"/></edges></graph></gexf>`
	tables, _, ps, _ := readFormat(File{Name: "g.gexf", Data: strings.NewReader(file)}, "")
	actors, more := ReadActors(tables["actors"])
	rels, _, more2 := ReadRelationships(tables["relationships"])
	_, res := Resolve(&Document{Actors: actors, Relationships: rels})
	ps = append(append(append(ps, more...), more2...), res...)
	if len(ps) != 1 || ps[0].String() != `g.gexf: GEXF edge "e1", target: To "z" matches no actor (by external id or name)` || ps[0].Column != "to" {
		t.Errorf("problems: %v", ps)
	}
}

// The sources GEXF and GraphML carry as JSON are read with every member,
// as JGF's are: a member that is none of a source's fields reaches the
// import, which lists it as dropped (sources keep no custom attributes),
// rather than vanishing in the reader; one that holds a JSON object is a
// problem.
func TestSourcesJSONKeepsUnknownMembers(t *testing.T) {
	t.Parallel()
	const sources = `{"sources":[{"id":"s1","title":"Survey","kind":"REPORT","reliability":0.8,"wave":3}]}`
	for _, c := range []struct {
		name string
		read func(string, io.Reader) (GraphElements, []Problem)
		doc  string
	}{
		{"map.graphml", ReadGraphML, `<graphml><key id="sources" for="graph" attr.name="sources" attr.type="string"/><graph edgedefault="directed"><data key="sources">` +
			html.EscapeString(sources) + `</data></graph></graphml>`},
		{"map.gexf", ReadGEXF, `<gexf xmlns="http://gexf.net/1.3" version="1.3"><meta><description>` + html.EscapeString(sources) +
			`</description></meta><graph defaultedgetype="directed"><nodes/><edges/></graph></gexf>`},
	} {
		g, ps := c.read(c.name, strings.NewReader(c.doc))
		if len(ps) > 0 || len(g.Sources) != 1 {
			t.Fatalf("%s: sources %+v, problems %v", c.name, g.Sources, ps)
		}
		want := []Attr{{"title", "Survey"}, {"kind", "REPORT"}, {"reliability", "0.8"}, {"wave", "3"}}
		if s := g.Sources[0]; s.ID != "s1" || !reflect.DeepEqual(s.Attrs, want) {
			t.Errorf("%s: source %+v", c.name, s)
		}
		tb := g.Tables(c.name)["sources"]
		if rows, ps := ReadSources(tb); len(ps) > 0 || len(rows) != 1 {
			t.Errorf("%s: %d sources, problems %v", c.name, len(rows), ps)
		}
		dropped := droppedColumns(tb, "sources")
		if len(dropped) != 1 || dropped[0].Column != "wave" || dropped[0].Code != CodeIgnored {
			t.Errorf("%s: dropped %v", c.name, dropped)
		}
	}
	_, ps := ReadGraphML("map.graphml", strings.NewReader(`<graphml><key id="s" for="graph" attr.name="sources"/><graph><data key="s">`+
		html.EscapeString(`{"sources":[{"id":"s1","title":{"en":"Survey"}}]}`)+`</data></graph></graphml>`))
	if len(ps) != 1 || ps[0].Code != CodeEnum || !strings.Contains(ps[0].Place, `source "s1"`) {
		t.Errorf("an object-valued member: %v", ps)
	}
}

// gephiLayout is a GEXF file as Gephi writes it: layout, typed
// attributes, node dates and spells (the store's tests read it too).
func gephiLayout(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/gephi-layout.gexf")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
