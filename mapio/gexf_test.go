package mapio

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

func TestGEXFRoundTrip(t *testing.T) {
	t.Parallel()
	out := roundTrip(t, "map.gexf", WriteGEXF, ReadGEXF)
	for _, want := range []string{
		`<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">`,
		`<graph defaultedgetype="directed" mode="dynamic" timeformat="date">`,
		`<node id="c-village" label="Riverside village «Rive-Est»">`,
		`<attribute id="n_population" title="population" type="integer">`,
		`<attribute id="n_rightsAwareness" title="rightsAwareness" type="double">`,
		`<attribute id="n_marginalised" title="marginalised" type="boolean">`,
		// validTo 2020-01-01 is exclusive: the last day, GEXF's inclusive end,
		// is the day before; the kind keeps parallel edges apart in Gephi, and
		// the label shows the type.
		`<edge id="r-threat" source="f-police" target="c-village" kind="THREATENS" label="THREATENS" weight="0.6" start="2019-01-01" end="2019-12-31">`,
		`<edge id="r-account" source="f-police" target="st-council" kind="ACCOUNTABLE_TO" label="ACCOUNTABLE_TO" weight="0.5" end="2021-06-30">`,
		`value="Checkpoint &lt;fees&gt; &amp; &#34;gifts&#34; &#39;reported&#39; ]]&gt; by traders — Bouaké, 阿比让 🙂&#xA;second line&#x9;with a tab"`,
		// Sources in the meta description, the one place the schema leaves.
		`<description>{&#34;sources&#34;:[{&#34;id&#34;:&#34;src-survey&#34;,&#34;title&#34;:&#34;Household survey 2024`,
		`&#34;kind&#34;:&#34;SURVEY&#34;`,
		`<attribute id="n_sensitivity" title="sensitivity" type="string">`,
		`<attribute id="e_sensitivity" title="sensitivity" type="string">`,
		`<attvalue for="n_sensitivity" value="CONFIDENTIAL">`,
		`<attvalue for="e_sensitivity" value="RESTRICTED">`,
		`&#34;sensitivity&#34;:&#34;PUBLIC&#34;`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the GEXF lacks %s", want)
		}
	}
	for _, unwanted := range []string{`title="name"`, `title="strength"`, `title="validTo"`, `title="from"`} {
		if strings.Contains(out, unwanted) {
			t.Errorf("the GEXF declares %s, which GEXF's own attributes carry", unwanted)
		}
	}
}

// A map without dates is a static graph.
func TestWriteGEXFStatic(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	g := GraphElements{Relationships: []Element{{ID: "r", Attrs: []Attr{{"from", "a"}, {"to", "b"}, {"strength", "high"}, {"validTo", "2019"}}}}}
	if err := WriteGEXF(g, &b); err != nil {
		t.Fatal(err)
	}
	// Values without GEXF's types stay attribute values, for the import to report.
	for _, want := range []string{`mode="static"`, `<attvalue for="e_strength" value="high">`, `<attvalue for="e_validTo" value="2019">`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %s:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "weight=") || strings.Contains(b.String(), "endopen=") {
		t.Errorf("wrote a weight or endopen that is not one:\n%s", b.String())
	}
}

// A GEXF file as Gephi exports it: GEXF 1.3, viz elements, computed
// attributes, inclusive end dates, full and partial, and relationship
// types in labels.
func TestReadGEXFGephiDates(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("testdata", "gephi-dates.gexf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, problems := ReadGEXF("gephi-dates.gexf", f)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	rows := readGraphInputs(t, g.Tables("gephi-dates.gexf"))
	if len(rows.Actors) != 3 || len(rows.Relationships) != 3 {
		t.Fatalf("read %+v", rows)
	}
	tamal, police, femmes := rows.Actors[0].Input, rows.Actors[1].Input, rows.Actors[2].Input
	threat, trust, coop := rows.Relationships[0], rows.Relationships[1], rows.Relationships[2]
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"label as name", tamal.Name, "Tamal village"},
		{"population", *tamal.Population, 3200},
		{"default region", *tamal.Region, "North"},
		{"region over its default", *police.Region, "East"},
		{"name with an apostrophe", femmes.Name, "Mouvement des femmes d'Abéché"},
		{"kind in any case", femmes.Kind, domain.KindMovement},
		{"type from the label", threat.Input.Type, domain.Threatens},
		{"weight as strength", threat.Input.Strength, 0.6},
		{"start as validFrom", threat.Input.ValidFrom.String(), "2018-03-01"},
		{"inclusive end 2019-12-31 as validTo", threat.Input.ValidTo.String(), "2020-01-01"},
		{"confidence", *threat.Input.Confidence, 0.8},
		{"edge id as external id", *threat.Input.ExternalID, "0"},
		{"type from a lower-case label", trust.Input.Type, domain.Trusts},
		{"partial start 2017", trust.Input.ValidFrom.String(), "2017-01-01"},
		{"partial end 2019 as validTo", trust.Input.ValidTo.String(), "2020-01-01"},
		{"type with spaces", coop.Input.Type, domain.CooperatesWith},
		{"no dates", coop.Input.ValidFrom == nil && coop.Input.ValidTo == nil, true},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	// Gephi's computed attributes are left out of the rows, not refused.
	tb := g.Tables("gephi-dates.gexf")
	if _, ok := headerNames(tb["actors"], mustFields(t, tb["actors"], actorColumns))["Modularity Class"]; ok {
		t.Error("Modularity Class was read as a field")
	}
}

func mustFields(t *testing.T, tb *Table, columns map[string]string) map[string]int {
	t.Helper()
	idx, problems := fields(tb, columns)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return idx
}

// gexfDoc wraps edges in a GEXF document with two nodes, a relationship type
// attribute and a Strength attribute declared.
func gexfDoc(graphAttrs, edges string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph ` + graphAttrs + `>
<attributes class="edge"><attribute id="t" title="type" type="string"/><attribute id="s" title="Strength" type="string"/></attributes>
<nodes><node id="a" label="A"/><node id="b" label="B"/></nodes>
<edges>` + edges + `</edges></graph></gexf>`
}

// Each way GEXF gives an edge's time reads as the service's validFrom and
// (exclusive) validTo.
func TestReadGEXFValidity(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, times string
		from, to    string
	}{
		{"inclusive full dates", `start="2019-01-01" end="2019-12-31"`, "2019-01-01", "2020-01-01"},
		{"endopen as the writer writes it", `start="2019-01-01" endopen="2020-01-01"`, "2019-01-01", "2020-01-01"},
		{"startopen excludes its day", `startopen="2018-12-31"`, "2019-01-01", ""},
		{"partial dates are passed on", `start="2019-06" end="2019"`, "2019-06", "2019"},
		{"a partial open start begins after its period", `startopen="2018"`, "2019-01-01", ""},
		{"a partial open end ends where its period begins", `endopen="2020"`, "", "2020-01-01"},
		{"date-times", `start="2019-01-01T08:30:00" end="2019-12-31T23:00:00Z"`, "2019-01-01", "2020-01-01"},
		{"an open end at midnight", `endopen="2020-01-01T00:00:00"`, "", "2020-01-01"},
		{"years as numbers", `start="2019.0" end="2019.0"`, "2019", "2019"},
		{"one spell", `><spells><spell start="2019-01-01" end="2019-12-31"/></spells></edge><edge id="x" source="a" target="b"`, "2019-01-01", "2020-01-01"},
		{"a timestamp is its day", `timestamp="2019-05-01"`, "2019-05-01", "2019-05-02"},
		{"GEXF 1.3 intervals", `intervals="&lt;[2019-01-01, 2019-12-31]&gt;"`, "2019-01-01", "2020-01-01"},
		{"not a date, for the row check", `start="soon"`, "soon", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, problems := ReadGEXF("map", strings.NewReader(gexfDoc(`defaultedgetype="directed"`, `<edge id="e" source="a" target="b" `+c.times+`/>`)))
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			e := g.Relationships[0]
			if e.Get("validFrom") != c.from || e.Get("validTo") != c.to {
				t.Errorf("validFrom %q validTo %q, want %q %q", e.Get("validFrom"), e.Get("validTo"), c.from, c.to)
			}
		})
	}
}

// The relationship's type comes from a type attribute, else the edge's
// kind, else its label; the weight is the strength unless the file has a
// strength of its own, named as the file names it.
func TestReadGEXFTypeAndStrength(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, edge string
		want       []Attr
	}{
		{"label", `<edge source="a" target="b" label="TRUSTS" weight="0.5"/>`,
			[]Attr{{"from", "a"}, {"to", "b"}, {"type", "TRUSTS"}, {"Strength", "0.5"}}},
		{"kind over label", `<edge source="a" target="b" kind="SUPPORTS" label="funds the clinic"/>`,
			[]Attr{{"from", "a"}, {"to", "b"}, {"type", "SUPPORTS"}}},
		{"attribute over kind and label", `<edge source="a" target="b" kind="SUPPORTS" label="x" weight="1"><attvalues><attvalue for="t" value="DIALOGUE"/><attvalue for="s" value="0.2"/></attvalues></edge>`,
			[]Attr{{"from", "a"}, {"to", "b"}, {"type", "DIALOGUE"}, {"Strength", "0.2"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, problems := ReadGEXF("map", strings.NewReader(gexfDoc(`defaultedgetype="directed"`, c.edge)))
			if len(problems) > 0 || !reflect.DeepEqual(g.Relationships[0].Attrs, c.want) {
				t.Errorf("read %+v %v, want %+v", g.Relationships[0].Attrs, problems, c.want)
			}
		})
	}
	// A node's name attribute wins over its label.
	g, _ := ReadGEXF("map", strings.NewReader(`<gexf><graph defaultedgetype="directed"><attributes class="node"><attribute id="0" title="Name"/></attributes>
	<nodes><node id="a" label="a label"><attvalues><attvalue for="0" value="The name"/></attvalues></node><node id="b" label="B"/></nodes></graph></gexf>`))
	if want := []Element{{ID: "a", Attrs: []Attr{{"Name", "The name"}}}, {ID: "b", Attrs: []Attr{{"Name", "B"}}}}; !reflect.DeepEqual(g.Actors, want) {
		t.Errorf("actors %+v", g.Actors)
	}
}

// Namespaces and versions: GEXF 1.1draft and 1.2draft, GEXF 1.0's id for
// for, hierarchical nodes.
func TestReadGEXFVersions(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		`<gexf xmlns="http://www.gexf.net/1.1draft" version="1.1"><graph defaultedgetype="directed"><attributes class="node"><attribute id="0" title="kind"/></attributes><nodes><node id="a" label="A"><attvalues><attvalue for="0" value="MOVEMENT"/></attvalues></node></nodes></graph></gexf>`,
		`<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2"><graph defaultedgetype="directed"><attributes class="node"><attribute id="0" title="kind"/></attributes><nodes><node id="a" label="A"><attvalues><attvalue id="0" value="MOVEMENT"/></attvalues></node></nodes></graph></gexf>`,
		`<x:gexf xmlns:x="http://gexf.net/1.3"><x:graph><x:attributes class="node"><x:attribute id="0" title="kind"><x:default>MOVEMENT</x:default></x:attribute></x:attributes><x:nodes><x:node id="a" label="A"/></x:nodes></x:graph></x:gexf>`,
	} {
		g, problems := ReadGEXF("map", strings.NewReader(doc))
		if want := []Element{{ID: "a", Attrs: []Attr{{"kind", "MOVEMENT"}, {"name", "A"}}}}; len(problems) > 0 || !reflect.DeepEqual(g.Actors, want) {
			t.Errorf("read %+v %v", g.Actors, problems)
		}
	}
	g, problems := ReadGEXF("map", strings.NewReader(`<gexf><graph defaultedgetype="directed"><nodes><node id="p" label="Ministry"><nodes><node id="c" label="Department"/></nodes></node></nodes></graph></gexf>`))
	if len(problems) > 0 || len(g.Actors) != 2 || g.Actors[1].ID != "c" {
		t.Errorf("hierarchical nodes: %+v %v", g.Actors, problems)
	}
}

func TestReadGEXFProblems(t *testing.T) {
	t.Parallel()
	checkProblems(t, ReadGEXF, []problemCase{
		{name: "not well-formed", code: CodeMalformed, messageMentions: "line 5",
			doc: strings.Replace(gexfDoc(`defaultedgetype="directed"`, ""), `<node id="b" label="B"/>`, "\n<node id=\"b\" label=\"B\">", 1)},
		{name: "another format", code: CodeMalformed, messageMentions: "not a GEXF file", doc: `<graphml/>`},
		{name: "undeclared attribute", code: CodeMalformed, element: "e", messageMentions: `for="9"`,
			doc: gexfDoc(`defaultedgetype="directed"`, `<edge id="e" source="a" target="b"><attvalues><attvalue for="9" value="x"/></attvalues></edge>`)},
		{name: "several spells", code: CodeMalformed, element: "e", messageMentions: "one validity interval",
			doc: gexfDoc(`defaultedgetype="directed"`, `<edge id="e" source="a" target="b"><spells><spell start="2019-01-01" end="2019-03-01"/><spell start="2020-01-01"/></spells></edge>`)},
		{name: "a time and a spell", code: CodeMalformed, element: "e", messageMentions: "2 periods",
			doc: gexfDoc(`defaultedgetype="directed"`, `<edge id="e" source="a" target="b" start="2018"><spells><spell start="2019-01-01"/></spells></edge>`)},
		{name: "several timestamps", code: CodeMalformed, element: "e", messageMentions: "one validity interval",
			doc: gexfDoc(`defaultedgetype="directed"`, `<edge id="e" source="a" target="b" timestamps="[2019-01-01, 2019-02-01]"/>`)},
		{name: "node without id", code: CodeMissing, element: "#3", messageMentions: "no id",
			doc: strings.Replace(gexfDoc(`defaultedgetype="directed"`, ""), "</nodes>", `<node label="C"/></nodes>`, 1)},
	})
}

// A value the row checks refuse is reported on the element that holds it.
func TestReadGEXFBadValueNamesElement(t *testing.T) {
	t.Parallel()
	g, problems := ReadGEXF("map.gexf", strings.NewReader(gexfDoc(`defaultedgetype="directed"`, `<edge id="r1" source="a" target="b" label="TRUSTS" weight="high"/>`)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	_, _, problems = ReadRelationships(g.Tables("map.gexf")["relationships"])
	if len(problems) != 1 || problems[0].Element != "r1" || problems[0].Column != "Strength" || problems[0].Code != CodeNumber {
		t.Errorf("problems %v", problems)
	}
}

func FuzzReadGEXF(f *testing.F) {
	addSeeds(f, "gexf",
		gexfDoc(`defaultedgetype="directed"`, `<edge id="e" source="a" target="b" label="x" kind="SUPPORTS" weight="0.4" startopen="2019" endopen="2020-02"/>`),
		gexfDoc(`defaultedgetype="mutual"`, `<edge source="a" target="b"><spells><spell timestamp="2019-01-01"/></spells></edge>`),
		`<gexf><graph><nodes><node id="a"><nodes><node id="b"/></nodes></node></nodes></graph><sources xmlns="https://actorgraph.org/ns/sources/1"><source id="s" title="t"/></sources></gexf>`)
	f.Fuzz(func(t *testing.T, data []byte) { checkGraphFile(t, data, ReadGEXF, WriteGEXF) })
}
