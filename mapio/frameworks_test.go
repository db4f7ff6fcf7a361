package mapio_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

type fw = domain.Framework

// frameworkContents is levelContents without sources (so that the
// Cytoscape.js export, which carries none, round-trips too), with
// frameworks on two of its actors and two of its relationships.
func frameworkContents(t *testing.T) *domain.Contents {
	t.Helper()
	c := levelContents(t)
	c.Sources = nil
	for _, a := range c.Actors {
		a.SourceIDs = nil
	}
	for _, r := range c.Relationships {
		r.SourceIDs = nil
	}
	c.Actors[0].Frameworks = []fw{"LEGITIMATE_POLITICS", "JUSTICE"}
	c.Actors[2].Frameworks = []fw{"PARTICIPATION", "PROTECTION", "RELIEF_AND_RECOVERY"}
	c.Relationships[1].Frameworks = []fw{"PROTECTION", "SECURITY"}
	c.Relationships[2].Frameworks = []fw{"PREVENTION"}
	return c
}

// Export, then import, gives back every record's frameworks, in every
// format; importing the export again changes nothing.
func TestFrameworksRoundTripEveryFormat(t *testing.T) {
	t.Parallel()
	before := frameworkContents(t)
	for _, f := range mapio.Formats {
		t.Run(string(f), func(t *testing.T) {
			exported := exportFiles(t, before, f)
			dst := &memTarget{c: &domain.Contents{}}
			rep, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
			if err != nil || len(rep.Problems) > 0 || len(rep.Ignored) > 0 {
				t.Fatalf("import: %v %v %v", err, rep.Problems, rep.Ignored)
			}
			assertSameMap(t, before, dst.c)
			got := map[string][]fw{}
			for _, a := range dst.c.Actors {
				got[a.Name] = a.Frameworks
			}
			for _, r := range dst.c.Relationships {
				got[string(r.Type)] = r.Frameworks
			}
			want := map[string][]fw{
				"District council": {"LEGITIMATE_POLITICS", "JUSTICE"}, "District police": nil,
				"Women's network": {"PARTICIPATION", "PROTECTION", "RELIEF_AND_RECOVERY"},
				"SUPPORTS":        nil, "THREATENS": {"PROTECTION", "SECURITY"}, "TRUSTS": {"PREVENTION"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("frameworks read back %v, want %v", got, want)
			}
			again, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
			if err != nil || again.Written || again.Actors.Unchanged != 3 || again.Relationships.Unchanged != 3 {
				t.Errorf("importing the export again: %v %+v", err, again)
			}
		})
	}
}

// Each export writes the frameworks under the name frameworks, as the
// enum's names: "|" between them in text formats, a list in JSON ones.
func TestFrameworksAreExported(t *testing.T) {
	t.Parallel()
	c := frameworkContents(t)
	for _, f := range mapio.Formats {
		t.Run(string(f), func(t *testing.T) {
			if f == mapio.FormatXLSX {
				assertXLSXFrameworks(t, c)
				return
			}
			var text strings.Builder
			for _, file := range exportFiles(t, c, f)() {
				text.WriteString(readAll(t, file))
			}
			out := text.String()
			var want []string
			switch f {
			case mapio.FormatCSV:
				want = []string{"LEGITIMATE_POLITICS|JUSTICE", "PARTICIPATION|PROTECTION|RELIEF_AND_RECOVERY", "PROTECTION|SECURITY", ",PREVENTION,"}
			case mapio.FormatGraphML:
				want = []string{`attr.name="frameworks"`, ">LEGITIMATE_POLITICS|JUSTICE<", ">PROTECTION|SECURITY<", ">PREVENTION<"}
			case mapio.FormatGEXF:
				want = []string{`title="frameworks"`, `value="LEGITIMATE_POLITICS|JUSTICE"`, `value="PROTECTION|SECURITY"`, `value="PREVENTION"`}
			default: // JSON: lists
				compact := strings.Join(strings.Fields(out), "")
				out = compact
				want = []string{`"frameworks":["LEGITIMATE_POLITICS","JUSTICE"]`, `"frameworks":["PARTICIPATION","PROTECTION","RELIEF_AND_RECOVERY"]`,
					`"frameworks":["PROTECTION","SECURITY"]`, `"frameworks":["PREVENTION"]`}
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("the %s export holds no %s", f, w)
				}
			}
		})
	}
	// CSV: a frameworks column in both files, after tags and after notes.
	exported := exportFiles(t, c, mapio.FormatCSV)()
	for _, file := range exported {
		rows, err := csv.NewReader(strings.NewReader(readAll(t, file))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		after := map[string]string{"actors.csv": "tags", "relationships.csv": "notes"}[file.Name]
		if after == "" {
			continue
		}
		i := slices.Index(rows[0], "frameworks")
		if i < 1 || rows[0][i-1] != after {
			t.Errorf("%s: header %v has no frameworks column after %s", file.Name, rows[0], after)
		}
	}
}

// assertXLSXFrameworks reads the workbook export back as tables.
func assertXLSXFrameworks(t *testing.T, c *domain.Contents) {
	t.Helper()
	var b bytes.Buffer
	if err := mapio.Export(c, mapio.FormatXLSX, &b); err != nil {
		t.Fatal(err)
	}
	dst := &memTarget{c: &domain.Contents{}}
	rep, err := mapio.Import(ctx, dst, "ws", []mapio.File{{Name: "map.xlsx", Data: bytes.NewReader(b.Bytes())}}, mapio.Options{DryRun: true})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("%v %v", err, rep.Problems)
	}
	for _, k := range rep.Kept {
		if k.Key == "frameworks" {
			t.Errorf("the workbook's frameworks column was read as a custom attribute: %+v", k)
		}
	}
}

// Every reader reads frameworks as researchers write them: a cell, a
// graph attribute, a JSON list or text, in any of the lenient spellings.
func TestFrameworksReadFromEveryFormat(t *testing.T) {
	t.Parallel()
	want := map[string][]fw{
		"Village": {"PROTECTION", "SECURITY"}, "Police": nil, "THREATENS": {"RELIEF_AND_RECOVERY", "JUSTICE"},
	}
	cases := []struct{ name, file, content string }{
		{"csv", "", ""}, // below: two files
		{"kumu", "map.json", `{"elements": [
			{"_id": "v", "attributes": {"label": "Village", "element type": "Community", "Frameworks": ["1325: Protection", "PSG:security"]}},
			{"_id": "p", "attributes": {"label": "Police", "element type": "Security force"}}],
		  "connections": [{"_id": "c1", "from": "p", "to": "v", "direction": "directed",
			"attributes": {"connection type": "THREATENS", "strength": 0.6, "frameworks": "relief-and-recovery|New Deal: Justice"}}]}`},
		{"graphml (yEd's data keys)", "map.graphml", `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="label" attr.type="string"/>
  <key id="d1" for="node" attr.name="kind" attr.type="string"/>
  <key id="d2" for="node" attr.name="Framework" attr.type="string"/>
  <key id="e0" for="edge" attr.name="type" attr.type="string"/>
  <key id="e1" for="edge" attr.name="weight" attr.type="double"/>
  <key id="e2" for="edge" attr.name="frameworks" attr.type="string"/>
  <graph edgedefault="directed">
    <node id="v"><data key="d0">Village</data><data key="d1">COMMUNITY</data><data key="d2">UNSCR 1325: protection; Security</data></node>
    <node id="p"><data key="d0">Police</data><data key="d1">SECURITY_FORCE</data></node>
    <edge id="c1" source="p" target="v"><data key="e0">THREATENS</data><data key="e1">0.6</data><data key="e2">Relief &amp; recovery, justice</data></edge>
  </graph>
</graphml>`},
		{"gexf", "map.gexf", `<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph defaultedgetype="directed">
<attributes class="node"><attribute id="0" title="kind" type="string"/><attribute id="1" title="frameworks" type="liststring"/></attributes>
<attributes class="edge"><attribute id="0" title="type" type="string"/><attribute id="1" title="frameworks" type="string"/></attributes>
<nodes><node id="v" label="Village"><attvalues><attvalue for="0" value="COMMUNITY"/><attvalue for="1" value="protection|SECURITY"/></attvalues></node>
<node id="p" label="Police"><attvalues><attvalue for="0" value="SECURITY_FORCE"/></attvalues></node></nodes>
<edges><edge id="c1" source="p" target="v" weight="0.6"><attvalues><attvalue for="0" value="THREATENS"/><attvalue for="1" value="RELIEF_AND_RECOVERY|JUSTICE"/></attvalues></edge></edges>
</graph></gexf>`},
		{"jgf", "map.json", `{"graph": {"directed": true, "nodes": {
			"v": {"label": "Village", "metadata": {"kind": "COMMUNITY", "frameworks": ["WPS: Protection", "security"]}},
			"p": {"label": "Police", "metadata": {"kind": "SECURITY_FORCE"}}},
		  "edges": [{"id": "c1", "source": "p", "target": "v", "relation": "THREATENS", "metadata": {"strength": 0.6, "frameworks": ["Relief and Recovery", "PSGs: justice"]}}]}}`},
		{"cytoscape", "map.cyjs", `{"elements": {"nodes": [
			{"data": {"id": "v", "name": "Village", "kind": "COMMUNITY", "frameworks": ["protection", "New-Deal: SECURITY"]}},
			{"data": {"id": "p", "name": "Police", "kind": "SECURITY_FORCE"}}],
		  "edges": [{"data": {"id": "c1", "source": "p", "target": "v", "label": "THREATENS", "weight": 0.6, "frameworks": ["relief and recovery", "justice"]}}]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := one(c.file, c.content)
			if c.name == "csv" {
				fs = []mapio.File{
					{Name: "actors.csv", Data: strings.NewReader("name,kind,Frameworks\nVillage,COMMUNITY,\"UNSCR1325:protection|PSG: Security|protection\"\nPolice,SECURITY_FORCE,\n")},
					{Name: "relationships.csv", Data: strings.NewReader("from,to,type,strength,framework\nPolice,Village,THREATENS,0.6,Justice; Relief and recovery\n")},
				}
			}
			dst := &memTarget{c: &domain.Contents{}}
			rep, err := mapio.Import(ctx, dst, "ws", fs, mapio.Options{})
			if err != nil || len(rep.Problems) > 0 || !rep.Written {
				t.Fatalf("import: %v %v", err, rep.Problems)
			}
			got := map[string][]fw{}
			for _, a := range dst.c.Actors {
				got[a.Name] = a.Frameworks
			}
			for _, r := range dst.c.Relationships {
				got[string(r.Type)] = r.Frameworks
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read %v, want %v", got, want)
			}
			for _, k := range rep.Kept {
				if strings.EqualFold(strings.TrimSuffix(k.Key, "s"), "framework") {
					t.Errorf("frameworks kept as a custom attribute: %+v", k)
				}
			}
		})
	}
}

// An unknown framework, on an actor or a relationship, is a BAD_VALUE
// problem on its row that names the value and the allowed ones, and the
// import, all or nothing, writes nothing: not even the good rows.
func TestFrameworksUnknownValueChangesNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	first := importWith(t, st, ws.ID, []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("externalId,name,kind,frameworks\nv,Village,COMMUNITY,PROTECTION\np,Police,SECURITY_FORCE,\n")},
		{Name: "relationships.csv", Data: strings.NewReader("externalId,from,to,type,strength,frameworks\nr1,p,v,THREATENS,0.6,SECURITY\n")},
	}, mapio.Options{})
	if len(first.Problems) > 0 || !first.Written {
		t.Fatalf("first import: %+v", first)
	}
	before := contents(t, st, ws.ID)
	if before.Actors[0].Frameworks == nil && before.Actors[1].Frameworks == nil {
		t.Fatalf("the first import wrote no frameworks: %+v", before.Actors)
	}
	cases := []struct {
		name, actors, rels string
		file               string
		row                int
		value              string
	}{
		{"actor", "externalId,name,kind,frameworks\nv,Village,COMMUNITY,PROTECTION|JUSTICE\np,Police,SECURITY_FORCE,Gender equality\n",
			"externalId,from,to,type,strength,frameworks\nr1,p,v,THREATENS,0.9,SECURITY|PREVENTION\n", "actors.csv", 3, `"Gender equality"`},
		{"relationship", "externalId,name,kind,frameworks\nv,Village,COMMUNITY,JUSTICE\np,Police,SECURITY_FORCE,SECURITY\n",
			"externalId,from,to,type,strength,frameworks\nr1,p,v,THREATENS,0.9,1325: Security\n", "relationships.csv", 2, `"1325: Security"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := importWith(t, st, ws.ID, []mapio.File{
				{Name: "actors.csv", Data: strings.NewReader(c.actors)},
				{Name: "relationships.csv", Data: strings.NewReader(c.rels)},
			}, mapio.Options{})
			if rep.Written || len(rep.Problems) != 1 {
				t.Fatalf("written %v, problems %v; want one problem and nothing written", rep.Written, rep.Problems)
			}
			p := rep.Problems[0]
			if p.Code != mapio.CodeEnum || p.File != c.file || p.Row != c.row || p.Column != "frameworks" ||
				!strings.Contains(p.Message, c.value) || !strings.Contains(p.Message, "LEGITIMATE_POLITICS") {
				t.Errorf("problem %+v, want %s in %s row %d column frameworks naming %s and the allowed values", p, mapio.CodeEnum, c.file, c.row, c.value)
			}
			after := contents(t, st, ws.ID)
			assertSameMap(t, before, after)
			if after.Version != before.Version {
				t.Errorf("version %d -> %d: the failed import wrote", before.Version, after.Version)
			}
		})
	}
}

// A mapping can read a researcher's column as the frameworks.
func TestFrameworksFromAMappedColumn(t *testing.T) {
	t.Parallel()
	mapping := &mapio.MappingInput{Name: "m.yaml", Text: []byte("actors:\n  frameworks: \"WPS pillar\"\nrelationships:\n  frameworks: Goal\n")}
	dst := &memTarget{c: &domain.Contents{}}
	rep, err := mapio.Import(ctx, dst, "ws", []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("name,kind,WPS pillar\nVillage,COMMUNITY,Participation|Relief and recovery\nPolice,SECURITY_FORCE,\n")},
		{Name: "relationships.csv", Data: strings.NewReader("from,to,type,strength,Goal\nPolice,Village,PROVIDES_SECURITY,0.4,PSG: security\n")},
	}, mapio.Options{Mapping: mapping})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("%v %v", err, rep.Problems)
	}
	var got []string
	for _, a := range dst.c.Actors {
		got = append(got, fmt.Sprint(a.Name, a.Frameworks))
	}
	for _, r := range dst.c.Relationships {
		got = append(got, fmt.Sprint(r.Type, r.Frameworks))
	}
	slices.Sort(got)
	if want := []string{"PROVIDES_SECURITY[SECURITY]", "Police[]", "Village[PARTICIPATION RELIEF_AND_RECOVERY]"}; !reflect.DeepEqual(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
	for _, k := range rep.Kept {
		if k.Key == "WPS pillar" || k.Key == "Goal" {
			t.Errorf("a mapped column was kept as a custom attribute: %+v", k)
		}
	}
}

// The template has a frameworks column on actors and relationships, and
// its example rows read as frameworks.
func TestTemplateFrameworks(t *testing.T) {
	t.Parallel()
	var fs []mapio.File
	for _, name := range mapio.TemplateFiles {
		var b bytes.Buffer
		if err := mapio.WriteTemplate(name, &b); err != nil {
			t.Fatal(err)
		}
		if name != "sources.csv" {
			header, _, _ := strings.Cut(b.String(), "\n")
			if !slices.Contains(strings.Split(header, ","), "frameworks") {
				t.Errorf("%s: header %q has no frameworks column", name, header)
			}
		}
		fs = append(fs, mapio.File{Name: name, Data: bytes.NewReader(b.Bytes())})
	}
	dst := &memTarget{c: &domain.Contents{}}
	rep, err := mapio.Import(ctx, dst, "ws", fs, mapio.Options{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("%v %v", err, rep.Problems)
	}
	carried := 0
	for _, a := range dst.c.Actors {
		carried += len(a.Frameworks)
	}
	for _, r := range dst.c.Relationships {
		carried += len(r.Frameworks)
	}
	if carried == 0 {
		t.Error("no example row of the template carries a framework")
	}
	// The workbook template notes on both frameworks headers what they take.
	var b bytes.Buffer
	if err := mapio.WriteTemplateXLSX(&b); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for _, sheet := range []string{"actors", "relationships"} {
		comments, err := wb.GetComments(sheet)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(comments, func(c excelize.Comment) bool { return strings.Contains(c.Text, "New Deal goals") })
		if i < 0 {
			t.Errorf("%s: no note on frameworks: %+v", sheet, comments)
			continue
		}
		if v, _ := wb.GetCellValue(sheet, comments[i].Cell); v != "frameworks" {
			t.Errorf("%s: the frameworks note is on %s (%q)", sheet, comments[i].Cell, v)
		}
	}
}

// A mapping's value map and default may name frameworks (several, and in
// the lenient spellings); a target that names none is a MAPPING problem
// on its line, before any file is read.
func TestFrameworksInAMappingsValues(t *testing.T) {
	t.Parallel()
	mapping := &mapio.MappingInput{Name: "m.yaml", Text: []byte(`actors:
  frameworks:
    column: Theme
    values:
      Women: "1325: participation"
      Violence: "Protection|prevention"
    default: "PSG: security"
`)}
	dst := &memTarget{c: &domain.Contents{}}
	rep, err := mapio.Import(ctx, dst, "ws", []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("name,kind,Theme\nNetwork,MOVEMENT,women\nVillage,COMMUNITY,Violence\nPolice,SECURITY_FORCE,\n")},
	}, mapio.Options{Mapping: mapping})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("%v %v", err, rep.Problems)
	}
	got := map[string][]fw{}
	for _, a := range dst.c.Actors {
		got[a.Name] = a.Frameworks
	}
	want := map[string][]fw{"Network": {"PARTICIPATION"}, "Village": {"PROTECTION", "PREVENTION"}, "Police": {"SECURITY"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}

	bad := &mapio.MappingInput{Name: "m.yaml", Text: []byte("actors:\n  frameworks:\n    column: Theme\n    values:\n      Women: Gender equality\n")}
	rep, err = mapio.Import(ctx, dst, "ws", []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("name,kind,Theme\nNetwork,MOVEMENT,Women\n")},
	}, mapio.Options{Mapping: bad})
	if err != nil || rep.Written || len(rep.Problems) != 1 {
		t.Fatalf("a bad target: %v, written %v, problems %v", err, rep.Written, rep.Problems)
	}
	if p := rep.Problems[0]; p.Code != mapio.CodeMapping || p.Row != 5 || !strings.Contains(p.Message, `"Gender equality" is not a framework`) {
		t.Errorf("problem %+v, want a MAPPING problem on line 5 quoting the value", p)
	}
}
