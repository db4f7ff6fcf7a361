package mapio_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
)

func namedFiles(files map[string]string) []mapio.File {
	var out []mapio.File
	for _, name := range []string{"actors.csv", "relationships.csv", "sources.csv"} {
		if content, ok := files[name]; ok {
			out = append(out, mapio.File{Name: name, Data: strings.NewReader(content)})
		}
	}
	return out
}

// A change of custom attributes or layout updates the actor or the
// relationship; the same values again leave them unchanged. The report
// lists the columns kept, with their types.
func TestPlanSeesCustomAttributesAndLayout(t *testing.T) {
	t.Parallel()
	const rels = "from,to,type,strength,Clashes\na,b,IN_TENSION_WITH,0.5,%s\n"
	actors := "externalId,name,kind,Fighters,layout:x,layout:y,layout:color\na,A,COMMUNITY,%s,%s,2,#FFCC00\nb,B,COMMUNITY,1,,,\n"
	dst := &memTarget{c: &domain.Contents{}}
	steps := []struct {
		name                       string
		fighters, x, clashes       string
		actorsUpdated, relsUpdated int
	}{
		{"first", "40", "1.5", "3", 0, 0},
		{"same again", "40", "1.5", "3", 0, 0},
		{"custom attribute changed", "41", "1.5", "3", 1, 0},
		{"layout changed", "41", "7", "3", 1, 0},
		{"relationship's custom attribute changed", "41", "7", "4", 0, 1},
	}
	for i, s := range steps {
		files := namedFiles(map[string]string{"actors.csv": fmt.Sprintf(actors, s.fighters, s.x), "relationships.csv": fmt.Sprintf(rels, s.clashes)})
		rep, err := mapio.Import(ctx, dst, "ws", files, mapio.Options{})
		if err != nil || len(rep.Problems) > 0 {
			t.Fatalf("%s: %v %v", s.name, err, rep.Problems)
		}
		if i == 0 {
			if rep.Actors.Created != 2 || rep.Relationships.Created != 1 {
				t.Fatalf("%s: %+v", s.name, rep)
			}
			var kept []string
			for _, k := range rep.Kept {
				kept = append(kept, k.File+" "+k.Role+" "+k.Column+" "+string(k.Type))
			}
			if want := "actors.csv actors Fighters NUMBER,relationships.csv relationships Clashes NUMBER"; strings.Join(kept, ",") != want {
				t.Errorf("kept: %v, want %s", kept, want)
			}
			continue
		}
		if rep.Actors.Updated != s.actorsUpdated || rep.Relationships.Updated != s.relsUpdated ||
			rep.Actors.Unchanged != 2-s.actorsUpdated || rep.Relationships.Unchanged != 1-s.relsUpdated {
			t.Errorf("%s: actors %+v, relationships %+v", s.name, rep.Actors, rep.Relationships)
		}
	}
	var a *domain.Actor
	for _, x := range dst.c.Actors {
		if x.Name == "A" {
			a = x
		}
	}
	if a == nil || a.Custom["Fighters"] != domain.NumberValue(41) || a.Layout.X == nil || *a.Layout.X != 7 || *a.Layout.Color != "#ffcc00" {
		t.Errorf("stored actor: %+v", a)
	}
	if r := dst.c.Relationships[0]; r.Custom["Clashes"] != domain.NumberValue(4) {
		t.Errorf("stored relationship: %+v", r.Custom)
	}
}

// When no actor can be read, the relationships naming them are folded
// into the actors' problem rather than each reported as naming no actor;
// in a graph file, in its words.
func TestKnockOnProblemsAreFolded(t *testing.T) {
	t.Parallel()
	var nodes, edges strings.Builder
	for i := range 5 {
		nodes.WriteString(fmt.Sprintf(`<node id="n%d" label="N%d"/>`, i, i))
		edges.WriteString(fmt.Sprintf(`<edge source="n%d" target="n%d" weight="1"><attvalues><attvalue for="t" value="TRUSTS"/></attvalues></edge>`, i, (i+1)%5))
	}
	gexf := `<gexf><graph defaultedgetype="directed"><attributes class="edge"><attribute id="t" title="type"/></attributes><nodes>` + nodes.String() + `</nodes><edges>` + edges.String() + `</edges></graph></gexf>`
	cases := []struct {
		name  string
		files []mapio.File
		want  []string
	}{
		{"GEXF without kinds", []mapio.File{{Name: "g.gexf", Data: strings.NewReader(gexf)}}, []string{
			"g.gexf: GEXF file: no node of this GEXF file has a kind; give one with a mapping (a default kind, or the attribute that holds it and a map of its values); and 5 relationships whose ends are among those actors were not checked",
		}},
		{"CSV without a kind column", namedFiles(map[string]string{
			"actors.csv":        "externalId,name\na,A\nb,B\n",
			"relationships.csv": "from,to,type,strength\na,b,TRUSTS,0.5\nb,a,TRUSTS,0.5\nA,B,TRUSTS,0.2\nb,z,TRUSTS,0.1\n",
		}), []string{
			"actors.csv row 1 column \"kind\": the actors file needs a kind column (Kumu's \"Type\" works too); and 4 relationships whose ends are among those actors were not checked",
			"relationships.csv row 5 column \"to\": To \"z\" matches no actor (by external id or name)",
		}},
		{"sources without a title column", namedFiles(map[string]string{
			"sources.csv":       "externalId,kind\ns1,REPORT\n",
			"actors.csv":        "externalId,name,kind,sources\na,A,COMMUNITY,s1\nb,B,COMMUNITY,s1|s2\n",
			"relationships.csv": "from,to,type,strength,sources\na,b,TRUSTS,0.5,s1\n",
		}), []string{
			"actors.csv row 3 column \"sources\": source \"s2\" is neither in the sources file nor in the workspace",
			"sources.csv row 1 column \"title\": the sources file needs a title column; and 3 records that cite those sources were not checked against them",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := mapio.Import(ctx, &memTarget{c: &domain.Contents{}}, "ws", c.files, mapio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
		})
	}
}

// Custom attributes and layouts survive an export and an import in every
// format that imports back whole: typed values (a key that is a field's
// name too, a key Gephi would read as layout), positions, sizes and
// colours come back as they went out, and importing the export again
// changes nothing.
func TestCustomAndLayoutRoundTripEveryFormat(t *testing.T) {
	t.Parallel()
	before := levelContents(t)
	founded, err := domain.ParseDate("1998-04-01")
	if err != nil {
		t.Fatal(err)
	}
	x, y, size, color := 12.5, -3.0, 4.0, "#ff8800" // opaque: GraphML's r, g, b have no opacity
	before.Actors[0].Custom = domain.Custom{"fighters": domain.NumberValue(1200), "armed": domain.BoolValue(true),
		"founded": domain.DateValue(founded), "region": domain.TextValue("north"), "size": domain.TextValue("large")}
	before.Actors[0].Layout = domain.Layout{X: &x, Y: &y, Size: &size, Color: &color}
	before.Actors[1].Layout = domain.Layout{X: &y, Y: &x}
	before.Relationships[0].Custom = domain.Custom{"clashes": domain.NumberValue(3), "label": domain.TextValue("checkpoints")}
	for _, f := range mapio.Formats {
		if !roundTrips(f) {
			continue
		}
		t.Run(string(f), func(t *testing.T) {
			exported := exportFiles(t, before, f)
			dst := &memTarget{c: &domain.Contents{}}
			rep, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
			if err != nil || len(rep.Problems) > 0 || len(rep.Ignored) > 0 {
				t.Fatalf("import: %v %v %v", err, rep.Problems, rep.Ignored)
			}
			assertSameMap(t, before, dst.c)
			again, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
			if err != nil || again.Written || again.Actors.Unchanged != 3 || again.Relationships.Unchanged != 3 {
				t.Errorf("importing the export again: %v %+v %+v %v", err, again.Actors, again.Relationships, again.Problems)
			}
		})
	}
}

// The Cytoscape.js export (which carries no sources) imports back with
// its records' custom attributes and layouts, and NetworkX's names for
// nodes and edges ("value", "key") add no attribute.
func TestCytoscapeRoundTripWithoutSources(t *testing.T) {
	t.Parallel()
	before := levelContents(t)
	before.Sources = nil
	for _, a := range before.Actors {
		a.SourceIDs = nil
	}
	for _, r := range before.Relationships {
		r.SourceIDs = nil
	}
	x, y, size, color := 12.5, -3.0, 4.0, "#ff8800cc"
	before.Actors[0].Custom = domain.Custom{"fighters": domain.NumberValue(1200), "value": domain.TextValue("high")}
	before.Actors[0].Layout = domain.Layout{X: &x, Y: &y, Size: &size, Color: &color}
	before.Relationships[0].Custom = domain.Custom{"key": domain.TextValue("k1")}
	exported := exportFiles(t, before, mapio.FormatCytoscape)
	dst := &memTarget{c: &domain.Contents{}}
	rep, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
	if err != nil || len(rep.Problems) > 0 || len(rep.Ignored) > 0 {
		t.Fatalf("import: %v %v %v", err, rep.Problems, rep.Ignored)
	}
	assertSameMap(t, before, dst.c)
}
