package mapio

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/domain"
)

// Gephi keeps apart only edges of different kinds between the same ends:
// every relationship gets a kind no other between its ends (in its
// direction) has.
func TestEdgeKinds(t *testing.T) {
	t.Parallel()
	rel := func(from, to, typ, perceivedBy string) Element {
		e := Element{Attrs: []Attr{{"from", from}, {"to", to}, {"type", typ}}}
		if perceivedBy != "" {
			e.Attrs = append(e.Attrs, Attr{"perceivedBy", perceivedBy})
		}
		return e
	}
	cases := []struct {
		name string
		rels []Element
		want []string
	}{
		{"one of a type: the type", []Element{rel("v", "p", "TRUSTS", "women")}, []string{"TRUSTS"}},
		{"types differ: the types", []Element{rel("v", "p", "TRUSTS", ""), rel("v", "p", "INFLUENCES", "")}, []string{"TRUSTS", "INFLUENCES"}},
		{"one type, two perceptions", []Element{rel("v", "p", "TRUSTS", "women"), rel("v", "p", "TRUSTS", "men")}, []string{"TRUSTS (women)", "TRUSTS (men)"}},
		{"one type and perception twice: numbered", []Element{rel("v", "p", "TRUSTS", "women"), rel("v", "p", "TRUSTS", "women"), rel("v", "p", "TRUSTS", "men")},
			[]string{"TRUSTS (women)", "TRUSTS (women) #2", "TRUSTS (men)"}},
		{"one type without perceptions twice", []Element{rel("v", "p", "TRUSTS", ""), rel("v", "p", "TRUSTS", "")}, []string{"TRUSTS", "TRUSTS #2"}},
		{"no type: no kind (it would read back as the type)", []Element{rel("v", "p", "", ""), rel("v", "p", "", "")}, []string{"", ""}},
		{"other ends or direction: the type", []Element{rel("v", "p", "TRUSTS", "women"), rel("p", "v", "TRUSTS", "men"), rel("v", "c", "TRUSTS", "")},
			[]string{"TRUSTS", "TRUSTS", "TRUSTS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := edgeKinds(c.rels); !reflect.DeepEqual(got, c.want) {
				t.Errorf("kinds %q, want %q", got, c.want)
			}
		})
	}
}

// A custom key is its column unless the column would be read as
// something else: then it is "custom:<key>".
func TestCustomColumnNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ role, key, column string }{
		{"actors", "households", "households"},
		{"actors", "region", "custom:region"},
		{"actors", "Region", "custom:Region"}, // read case-insensitively
		{"actors", "label", "custom:label"},   // Kumu's name
		{"actors", "custom:x", "custom:custom:x"},
		{"actors", "layout:x", "custom:layout:x"},
		{"actors", "position", "custom:position"},          // Cytoscape.js
		{"relationships", "Weight", "custom:Weight"},       // the strength's other name
		{"relationships", "direction", "custom:direction"}, // Kumu
		{"relationships", "relation", "custom:relation"},   // JGF
		{"relationships", "wave", "wave"},
	}
	// A key whose records disagree on its type is text.
	mixed := customColumnsOut("actors", []domain.Custom{{"k": domain.NumberValue(1)}, {"k": domain.BoolValue(true)}, {"n": domain.NumberValue(2)}})
	if len(mixed) != 2 || mixed[0].kind != domain.CustomString || mixed[1].kind != domain.CustomNumber {
		t.Errorf("mixed types: %+v", mixed)
	}
	for _, c := range cases {
		cols := customColumnsOut(c.role, []domain.Custom{{c.key: domain.TextValue("v")}})
		if len(cols) != 1 || cols[0].column != c.column || cols[0].key != c.key {
			t.Errorf("%s %q: written as %+v, want column %q", c.role, c.key, cols, c.column)
		}
	}
}

// Custom attributes are one column per key over all records, "custom:"
// where the key is a column the service reads; layout columns follow.
func TestExportTablesCustomAndLayout(t *testing.T) {
	t.Parallel()
	files, types := exportTables(parallelContents())
	actors, rels := files["actors.csv"], files["relationships.csv"]
	header := strings.Join(actors[0], ",")
	if !strings.HasSuffix(header, ",coastal,households,note,custom:region,surveyed,layout:x,layout:y,layout:z,layout:size,layout:color") {
		t.Errorf("actors header %s", header)
	}
	if h := strings.Join(rels[0], ","); !strings.HasSuffix(h, ",asked,interviewer,verified,wave") {
		t.Errorf("relationships header %s", h)
	}
	cell := func(rows [][]string, row int, column string) string {
		for i, h := range rows[0] {
			if h == column {
				return rows[row][i]
			}
		}
		t.Fatalf("no column %s", column)
		return ""
	}
	for _, c := range []struct{ got, want string }{
		{cell(actors, 1, "households"), "212"}, {cell(actors, 2, "households"), "0.5"}, {cell(actors, 3, "households"), ""},
		{cell(actors, 1, "custom:region"), "custom region, not the field"}, {cell(actors, 1, "region"), ""},
		{cell(actors, 1, "surveyed"), "2024-03-01"}, {cell(actors, 2, "coastal"), "true"},
		{cell(actors, 1, "layout:x"), "-120.5"}, {cell(actors, 1, "layout:z"), ""}, {cell(actors, 2, "layout:color"), "#1f77b480"},
		{cell(rels, 1, "asked"), "2023-05-02"}, {cell(rels, 2, "verified"), "false"},
	} {
		if c.got != c.want {
			t.Errorf("cell %q, want %q", c.got, c.want)
		}
	}
	if types["actors"]["households"] != "NUMBER" || types["actors"]["surveyed"] != "DATE" || types["actors"]["layout:color"] != "STRING" ||
		types["relationships"]["verified"] != "BOOLEAN" {
		t.Errorf("types %v", types)
	}
}

// XLSX cells have their types: numbers, truth values and dates are not
// text, and a date shows as the service writes it.
func TestXLSXTypedCells(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Export(parallelContents(), FormatXLSX, &b); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	cases := []struct {
		sheet, column, shown, raw string
		text                      bool // a text cell
	}{
		{"relationships", "strength", "0.2", "0.2", false},
		{"relationships", "validFrom", "2023-01-01", "44927", false},
		{"relationships", "validTo", "2024-01-01", "45292", false},
		{"relationships", "wave", "2", "2", false},
		{"relationships", "verified", "TRUE", "1", false},
		{"relationships", "asked", "2023-05-02", "45048", false},
		{"relationships", "type", "TRUSTS", "TRUSTS", true},
		{"actors", "households", "212", "212", false},
		{"actors", "layout:x", "-120.5", "-120.5", false},
		{"actors", "layout:color", "#ff8000", "#ff8000", true},
		{"actors", "note", "«quoted» & <tagged>", "«quoted» & <tagged>", true},
	}
	for _, c := range cases {
		t.Run(c.sheet+"/"+c.column, func(t *testing.T) {
			rows, err := wb.GetRows(c.sheet)
			if err != nil {
				t.Fatal(err)
			}
			col := -1
			for i, h := range rows[0] {
				if h == c.column {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("no column %s in %q", c.column, rows[0])
			}
			name, _ := excelize.CoordinatesToCellName(col+1, 2)
			shown, _ := wb.GetCellValue(c.sheet, name)
			raw, _ := wb.GetCellValue(c.sheet, name, excelize.Options{RawCellValue: true})
			typ, _ := wb.GetCellType(c.sheet, name)
			isText := typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString
			if shown != c.shown || raw != c.raw || isText != c.text {
				t.Errorf("%s: shown %q, raw %q, text %v (type %v); want %q, %q, %v", name, shown, raw, isText, typ, c.shown, c.raw, c.text)
			}
		})
	}
}

// Every graph format writes custom attributes typed in its own way and
// the layout in its own terms.
func TestGraphFormatsWriteCustomAndLayout(t *testing.T) {
	t.Parallel()
	export := func(f Format) string {
		var b bytes.Buffer
		if err := Export(parallelContents(), f, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	cases := []struct {
		format Format
		want   []string
	}{
		{FormatGEXF, []string{
			`<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">`,
			`<attribute id="n_households" title="households" type="double">`,
			`<attribute id="n_coastal" title="coastal" type="boolean">`,
			`<attribute id="n_surveyed" title="surveyed" type="string">`, // GEXF has no date type that tools read
			`title="custom:region"`,
			`<viz:color r="255" g="128" b="0">`,
			`<viz:color r="31" g="119" b="180" a="0.5019607843137255">`,
			`<viz:position x="-120.5" y="40.25" z="0">`,
			`<viz:position x="80" y="-15" z="3">`,
			`<viz:size value="12">`,
			`kind="TRUSTS (women)"`, `kind="TRUSTS (men)"`, `kind="TRUSTS (women) #2"`, `kind="INFLUENCES"`,
			`start="2023-01-01" end="2023-12-31"`,
		}},
		{FormatGraphML, []string{
			`<key id="label" for="node" attr.name="label" attr.type="string">`,
			`<key id="weight" for="edge" attr.name="weight" attr.type="double">`,
			`<key id="n_households" for="node" attr.name="households" attr.type="double">`,
			`<key id="n_coastal" for="node" attr.name="coastal" attr.type="boolean">`,
			`<key id="e_asked" for="edge" attr.name="asked" attr.type="string">`,
			`<key id="x" for="node" attr.name="x" attr.type="double">`,
			`<key id="r" for="node" attr.name="r" attr.type="int">`,
			`<data key="x">-120.5</data>`, `<data key="z">3</data>`, `<data key="size">20</data>`,
			`<data key="r">31</data>`, `<data key="g">119</data>`, `<data key="b">180</data>`,
			`<edge id="r-trust-men" source="c-village" target="f-police" label="TRUSTS (men)">`,
		}},
	}
	for _, c := range cases {
		t.Run(string(c.format), func(t *testing.T) {
			out := export(c.format)
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %s", w)
				}
			}
			if strings.Contains(out, "layout:") {
				t.Error("writes layout attributes beside the format's own layout")
			}
		})
	}

	t.Run("cytoscape", func(t *testing.T) {
		var doc struct {
			Data       map[string]any `json:"data"`
			Directed   bool           `json:"directed"`
			Multigraph bool           `json:"multigraph"`
			Elements   struct {
				Nodes []struct {
					Data     map[string]any     `json:"data"`
					Position map[string]float64 `json:"position"`
				} `json:"nodes"`
				Edges []struct {
					Data map[string]any `json:"data"`
				} `json:"edges"`
			} `json:"elements"`
		}
		if err := json.Unmarshal([]byte(export(FormatCytoscape)), &doc); err != nil {
			t.Fatal(err)
		}
		village, edge := doc.Elements.Nodes[0], doc.Elements.Edges[0].Data
		if doc.Data == nil || !doc.Directed || !doc.Multigraph {
			t.Errorf("graph keys: data %v, directed %v, multigraph %v", doc.Data, doc.Directed, doc.Multigraph)
		}
		if village.Data["value"] != "c-village" || village.Position["x"] != -120.5 || village.Position["y"] != 40.25 ||
			village.Data["households"] != 212.0 || village.Data["coastal"] != false || village.Data["surveyed"] != "2024-03-01" ||
			village.Data["layout:size"] != 12.0 || village.Data["layout:x"] != nil {
			t.Errorf("village %+v", village)
		}
		if edge["key"] != "r-trust-women" || edge["weight"] != 0.2 || edge["wave"] != 2.0 || edge["verified"] != true {
			t.Errorf("edge %v", edge)
		}
	})

	for _, f := range []Format{FormatJGF, FormatKumu} {
		t.Run(string(f), func(t *testing.T) {
			out := export(f)
			for _, w := range []string{`"households": 212`, `"coastal": false`, `"surveyed": "2024-03-01"`, `"custom:region": "custom region, not the field"`,
				`"layout:x": -120.5`, `"layout:color": "#1f77b480"`, `"wave": 2`, `"verified": true`, `"asked": "2023-05-02"`} {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %s", w)
				}
			}
		})
	}
}

// Typed cells read back as the text the CSV export writes: no number of
// up to 15 significant digits (Excel's precision) rounds, no date turns
// into a serial; truth values read back as TRUE and FALSE, which the
// import reads as true and false.
func TestXLSXReadsBackAsCSV(t *testing.T) {
	t.Parallel()
	c := parallelContents()
	c.Relationships[0].Strength, c.Relationships[1].Confidence = 0.67, 0.123456789012345 // awkward floats
	var b bytes.Buffer
	if err := Export(c, FormatXLSX, &b); err != nil {
		t.Fatal(err)
	}
	tables, problems := ReadWorkbook("map.xlsx", &b)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	files := exportRows(c)
	for file, role := range map[string]string{"actors.csv": "actors", "relationships.csv": "relationships", "sources.csv": "sources"} {
		tb, want := tables[role], files[file]
		if !reflect.DeepEqual(tb.Header, want[0]) {
			t.Errorf("%s header %q, want %q", role, tb.Header, want[0])
		}
		for i, row := range tb.Rows {
			got := append(row.Cells, make([]string, len(want[i+1])-len(row.Cells))...) // trailing empty cells are not stored
			for j, v := range got {
				if v == "TRUE" || v == "FALSE" {
					got[j] = strings.ToLower(v)
				}
			}
			if !reflect.DeepEqual(got, want[i+1]) {
				t.Errorf("%s row %d:\n got %q\nwant %q", role, i+1, got, want[i+1])
			}
		}
	}
}
