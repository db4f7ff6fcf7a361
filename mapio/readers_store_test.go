package mapio_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Researchers' graph files as their tools write them import through the
// real store: a Gephi GEXF with a layout, declared attributes and node
// dates; yEd's GraphML with names only in its labels; Cytoscape.js
// elements; a Kumu blueprint whose elements follow a large attributes
// block. Each comes back from the store as the file says, so the same
// file again changes nothing.
func TestImportToolFilesThroughTheStore(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	kumu := `{"attributes": {"notes": "` + strings.Repeat("a map of the district ", 500) + `"},
		"elements": [{"_id": "e1", "attributes": {"label": "Village", "element type": "Community", "founded": 1990}},
		             {"_id": "e2", "attributes": {"label": "Police", "element type": "Security force"}}],
		"connections": [{"from": "e2", "to": "e1", "attributes": {"connection type": "THREATENS", "strength": 0.6, "label": "checkpoints", "tags": ["road"]}}]}`
	cytoscape := `[{"group": "nodes", "data": {"id": "a", "label": "Village", "kind": "COMMUNITY"}, "position": {"x": 5, "y": 6}},
		{"group": "nodes", "data": {"id": "b", "label": "Police", "kind": "SECURITY_FORCE"}},
		{"group": "edges", "data": {"id": "e", "source": "b", "target": "a", "label": "THREATENS", "strength": 0.6}}]`
	yed := strings.NewReplacer(`<key for="node" id="d6" yfiles.type="nodegraphics"/>`,
		`<key for="node" id="d6" yfiles.type="nodegraphics"/><key for="node" id="k" attr.name="kind"/><key for="edge" id="t" attr.name="type"/><key for="edge" id="w" attr.name="weight" attr.type="double"/>`,
		`<node id="n0">`, `<node id="n0"><data key="k">STATE_INSTITUTION</data>`,
		`<node id="n1">`, `<node id="n1"><data key="k">SECURITY_FORCE</data>`,
		`<edge id="e0" source="n0" target="n1">`, `<edge id="e0" source="n0" target="n1"><data key="t">SUPPORTS</data><data key="w">0.4</data>`).Replace(yedDesktopForStore)
	for _, c := range []struct {
		name, file, content string
		actors, rels        int
		kept                []string
	}{
		{"GEXF", "gephi.gexf", gephiLayout(t), 2, 1, []string{"actors fighters NUMBER", "actors start DATE", "actors end DATE"}},
		{"yEd", "yed.graphml", yed, 2, 1, []string{"relationships label STRING"}},
		{"Cytoscape.js", "elements.json", cytoscape, 2, 1, nil},
		{"Kumu", "blueprint.json", kumu, 2, 1, []string{"actors founded NUMBER", "relationships label STRING", "relationships tags STRING"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws := storetest.Workspace(t, st)
			rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: c.file, Data: strings.NewReader(c.content)}}, mapio.Options{})
			if err != nil || len(rep.Problems) > 0 {
				t.Fatalf("import: %v %v", err, rep.Problems)
			}
			got := contents(t, st, ws.ID)
			if rep.Actors.Created != c.actors || rep.Relationships.Created != c.rels || len(got.Actors) != c.actors || len(got.Relationships) != c.rels {
				t.Errorf("created %+v %+v, stored %d actors and %d relationships", rep.Actors, rep.Relationships, len(got.Actors), len(got.Relationships))
			}
			kept := map[string]bool{}
			for _, k := range rep.Kept {
				kept[k.Role+" "+k.Key+" "+string(k.Type)] = true
			}
			for _, k := range c.kept {
				if !kept[k] {
					t.Errorf("the report does not list %q as kept: %+v", k, rep.Kept)
				}
			}
			names := map[string]bool{}
			for _, a := range got.Actors {
				names[a.Name] = true
			}
			if c.name == "yEd" && (!names["Ministry of Interior"] || !names["Militia"]) {
				t.Errorf("yEd's labels are not the names: %v", names)
			}
			// What the store gives back is what the file says: the same
			// file again changes nothing.
			again, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: c.file, Data: strings.NewReader(c.content)}}, mapio.Options{})
			if err != nil || again.Written || again.Actors.Unchanged != c.actors || again.Relationships.Unchanged != c.rels {
				t.Errorf("the same file again: %v %+v %+v %v", err, again.Actors, again.Relationships, again.Problems)
			}
		})
	}
}

// What a file that lacks meaning gets: one problem per missing field,
// in the file's words, and nothing written.
func TestGraphFileWithoutKindsIsOneProblem(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	var nodes, edges strings.Builder
	for i := range 300 {
		nodes.WriteString(`<node id="n` + itoa(i) + `" label="N` + itoa(i) + `"/>`)
		edges.WriteString(`<edge source="n` + itoa(i) + `" target="n` + itoa((i+1)%300) + `" weight="0.5" label="TRUSTS"/>`)
	}
	file := `<gexf><graph defaultedgetype="directed"><nodes>` + nodes.String() + `</nodes><edges>` + edges.String() + `</edges></graph></gexf>`
	rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: "map.gexf", Data: strings.NewReader(file)}}, mapio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Code != mapio.CodeColumns ||
		!strings.Contains(rep.Problems[0].Message, "no node of this GEXF file has a kind") ||
		!strings.Contains(rep.Problems[0].Message, "and 300 relationships whose ends are among those actors") {
		t.Errorf("problems: %v", rep.Problems)
	}
	if c := contents(t, st, ws.ID); len(c.Actors) != 0 || len(c.Relationships) != 0 {
		t.Errorf("a refused import wrote %d actors", len(c.Actors))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A GraphML file as yEd desktop writes it: names only in its labels.
const yedDesktopForStore = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
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

// A Gephi file's layout and attributes are stored: the actor comes back
// with its position, size, colour and typed custom attributes.
func TestGephiLayoutAndAttributesAreStored(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: "gephi.gexf", Data: strings.NewReader(gephiLayout(t))}}, mapio.Options{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	var village *domain.Actor
	for _, a := range contents(t, st, ws.ID).Actors {
		if a.Name == "Village" {
			village = a
		}
	}
	if village == nil {
		t.Fatal("no actor Village")
	}
	l := village.Layout
	if l.X == nil || *l.X != 1.5 || l.Y == nil || *l.Y != -2 || l.Size == nil || *l.Size != 12.5 || l.Color == nil || *l.Color != "#ff001080" {
		t.Errorf("layout: %+v", l)
	}
	if village.Custom["fighters"] != domain.NumberValue(40) || village.Custom["armed"] != domain.BoolValue(false) ||
		village.Custom["start"].Kind != domain.CustomDate || village.Custom["start"].String() != "2001-01-01" {
		t.Errorf("custom attributes: %+v", village.Custom)
	}
}

// gephiLayout is a GEXF file as Gephi writes it: layout, typed
// attributes, node dates and spells (the readers' tests read it too).
func gephiLayout(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/gephi-layout.gexf")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
