package mapio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Table is a CSV file read into memory as text: its header and its rows,
// each with the row number a spreadsheet shows.
type Table struct {
	File   string
	Header []string
	Rows   []Row
	// Lenient tables come from graph tools, which add attributes of their
	// own (layout, colours, computed metrics): unknown columns are left
	// out and listed in the report rather than refused.
	Lenient bool
}

// Row is one data row.
type Row struct {
	Number  int    // as a spreadsheet numbers it; the header is row 1 (0 for graph files)
	Element string // for graph files: the node's or edge's id, or its position
	Cells   []string
}

// bom is the UTF-8 byte-order mark Excel writes.
var bom = []byte{0xEF, 0xBB, 0xBF}

// decode returns the file's text: UTF-8 with or without a byte-order mark,
// or, where the bytes are not valid UTF-8, Windows-1252 (what Excel writes
// as "CSV" on Windows in Western locales).
func decode(raw []byte) (string, bool) {
	raw = bytes.TrimPrefix(raw, bom)
	if utf8.Valid(raw) {
		return string(raw), false
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return string(raw), true
	}
	return string(out), true
}

// separator guesses the field separator from the header line: a semicolon
// (what Excel writes where the decimal separator is a comma) when the line
// has more semicolons outside quotes than commas, else a comma.
func separator(text string) rune {
	line := text
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		line = text[:i]
	}
	commas, semis, quoted := 0, 0, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == ',':
			commas++
		case r == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// ReadTable reads a CSV file. Problems with the file as a whole (it cannot
// be parsed) come back as problems, not errors: the caller gathers every
// problem of every file before it gives up.
func ReadTable(file string, r io.Reader) (*Table, []Problem) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, []Problem{{File: file, Code: CodeMalformed, Message: fmt.Sprintf("the file could not be read: %v", err)}}
	}
	text, _ := decode(raw)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = separator(text)
	cr.FieldsPerRecord = -1 // ragged rows are reported per row, below
	t := &Table{File: file}
	var problems []Problem
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := n
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, append(problems, Problem{File: file, Row: line, Code: CodeMalformed,
				Message: fmt.Sprintf("this is not valid CSV here (%v); check for an unclosed quote", errors.Unwrap(err))})
		}
		if n == 1 {
			for i, h := range rec {
				rec[i] = strings.TrimSpace(h)
			}
			t.Header = rec
			continue
		}
		if p := t.addRow(n, rec); p != nil {
			problems = append(problems, *p)
		}
	}
	if t.Header == nil {
		problems = append(problems, Problem{File: file, Code: CodeMalformed, Message: "the file is empty: it needs a header row"})
	}
	return t, problems
}

// addRow adds a data row as the spreadsheet numbers it: blank rows are
// skipped (spreadsheets leave them at the end), short rows padded, and a
// row with more filled cells than the header has columns is a problem.
func (t *Table) addRow(number int, rec []string) *Problem {
	if isBlank(rec) {
		return nil
	}
	if len(rec) > len(t.Header) && !isBlank(rec[len(t.Header):]) {
		return &Problem{File: t.File, Row: number, Code: CodeColumns,
			Message: fmt.Sprintf("this row has %d cells but the header names %d columns", len(rec), len(t.Header))}
	}
	cells := make([]string, len(t.Header))
	for i := range cells {
		if i < len(rec) {
			cells[i] = strings.TrimSpace(rec[i])
		}
	}
	t.Rows = append(t.Rows, Row{Number: number, Cells: cells})
	return nil
}

func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
