// Package mapio reads and writes researchers' actor maps: spreadsheets
// (CSV, XLSX) and graph-tool files (Kumu JSON, GraphML, GEXF, JGF; and
// Cytoscape.js out). Every reader turns its file into tables; one set of
// row checks (rows.go), one resolver of references (resolve.go) and one
// planner (plan.go) serve every format, and Import runs them in one
// transaction of the store. Every writer starts from the same export rows
// (export.go). Problems are reported with the file, row or element, and
// column a researcher sees.
package mapio

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with an input file, located as a researcher
// sees it: rows are numbered as a spreadsheet shows them (the header is
// row 1).
type Problem struct {
	File    string
	Row     int    // 0 when the problem is not about one row
	Column  string // the column as the file names it; "" when none
	Element string // for graph files: the element's id
	Code    string // a stable code a program can branch on
	Message string // what a researcher reads
	// Place is where the problem is in the file's own words, for graph
	// files (`GEXF node "n3", attribute "kind"`); "" for spreadsheets,
	// whose row and column say it.
	Place string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Place != "" {
		b.WriteString(": " + p.Place + ": " + p.Message)
		return b.String()
	}
	switch {
	case p.Row > 0 && p.Code == CodeMapping:
		fmt.Fprintf(&b, " line %d", p.Row) // a mapping has lines, not rows
	case p.Row > 0:
		fmt.Fprintf(&b, " row %d", p.Row)
	}
	if p.Element != "" {
		fmt.Fprintf(&b, " element %q", p.Element)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, " column %q", p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Problem codes.
const (
	CodeEncoding     = "ENCODING"
	CodeMalformed    = "MALFORMED"
	CodeColumns      = "COLUMNS"
	CodeMissing      = "MISSING_VALUE"
	CodeNumber       = "BAD_NUMBER"
	CodeDecimalComma = "DECIMAL_COMMA"
	CodeDate         = "BAD_DATE"
	CodeBool         = "BAD_BOOLEAN"
	CodeEnum         = "BAD_VALUE"
	CodeFormat       = "UNKNOWN_FORMAT"
	CodeIgnored      = "IGNORED"
	CodeUndirected   = "UNDIRECTED"
	CodeTooLarge     = "TOO_LARGE"
	CodeTruncated    = "TRUNCATED"
)
