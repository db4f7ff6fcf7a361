package mapio

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// wideHeader is a header of n columns over rows of one cell each: a small
// file whose rows, padded to the header, would take gigabytes.
func wideHeader(n, rows int) [][]string {
	header := []string{"name"}
	for j := range n {
		header = append(header, fmt.Sprintf("c%d", j))
	}
	out := [][]string{header}
	for i := range rows {
		out = append(out, []string{fmt.Sprintf("a%d", i)})
	}
	return out
}

// A header far wider than its rows is refused once the padding outgrows
// its bound, instead of padding every row to the header (20,000 columns
// over 5,000 one-cell rows, 154 KB, took 1.5 GB); files whose rows leave
// a few trailing cells out are still read.
func TestShortRowsUnderAWideHeader(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, r := range wideHeader(20000, 5000) {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	tb, ps := ReadTable("actors.csv", strings.NewReader(b.String()))
	if tb != nil || len(ps) != 1 || ps[0].Code != CodeTooLarge || ps[0].Row > 100 {
		t.Fatalf("table %v, problems %v", tb != nil, ps)
	}

	wb := excelize.NewFile()
	if _, err := wb.NewSheet("actors"); err != nil {
		t.Fatal(err)
	}
	for i, r := range wideHeader(16000, 500) {
		row := make([]any, len(r))
		for j, c := range r {
			row[j] = c
		}
		if err := wb.SetSheetRow("actors", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var x bytes.Buffer
	if err := wb.Write(&x); err != nil {
		t.Fatal(err)
	}
	tables, ps := ReadWorkbook("map.xlsx", bytes.NewReader(x.Bytes()))
	if tables["actors"] != nil || len(ps) != 1 || ps[0].Code != CodeTooLarge {
		t.Fatalf("workbook: tables %v, problems %v", tables, ps)
	}

	b.Reset()
	b.WriteString("name,kind,description,region,tags\n")
	for i := range 300_000 {
		fmt.Fprintf(&b, "a%d,COMMUNITY\n", i) // three trailing cells left out
	}
	if tb, ps := ReadTable("actors.csv", strings.NewReader(b.String())); tb == nil || len(tb.Rows) != 300_000 || len(ps) > 0 {
		t.Fatalf("rows that leave trailing cells out: %v", ps)
	}
}
