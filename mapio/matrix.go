package mapio

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Adjacency matrices, common in conflict research: a square CSV table
// whose first row and first column name the same actors, and whose cells
// are the weights of the relationships from the row's actor to the
// column's. Zero or empty is no relationship; the diagonal is ignored.
// Every relationship has the type the mapping gives (matrix: type, else
// the relationships' default type), and the actors are made from the
// names (their kind from the actors' default kind) unless another file
// of the import holds the actors.

// isMatrixFile says whether a CSV file is the mapping's matrix: the file
// it names, else one whose name holds "matrix" or says nothing of its role.
func (mm *MatrixMap) isMatrixFile(name string) bool {
	base := filepath.Base(name)
	if mm.File != "" {
		return strings.EqualFold(base, filepath.Base(mm.File))
	}
	return strings.Contains(strings.ToLower(base), "matrix") || role(name) == ""
}

// readMatrix reads an adjacency matrix into an actors table (names only)
// and a relationships table (from, to, strength, and the type when the
// matrix section gives one).
func readMatrix(file string, r io.Reader, mm *MatrixMap) (actors, rels *Table, problems []Problem) {
	t, problems := ReadTable(file, r)
	if t == nil || t.Header == nil {
		return nil, nil, problems
	}
	names, ps := matrixNames(t)
	if len(ps) > 0 {
		return nil, nil, append(problems, ps...)
	}
	actors = &Table{File: file, Header: []string{"name"}}
	for i, n := range names {
		actors.Rows = append(actors.Rows, Row{Number: i + 2, Cells: []string{n}})
	}
	rels = &Table{File: file, Header: []string{"from", "to", "strength"}}
	if mm.Type != "" {
		rels.Header = append(rels.Header, "type")
	}
	for i, row := range t.Rows {
		for j := range names {
			if ps := matrixCell(rels, mm, names, i, j, row, t); len(ps) > 0 {
				problems = append(problems, ps...)
			}
		}
		if len(rels.Rows) > maxMatrixRelationships {
			return nil, nil, append(problems, Problem{File: file, Row: row.Number, Code: CodeTooLarge, Message: fmt.Sprintf(
				"the matrix makes more than %d relationships (non-zero cells), more than one import takes; split it, or give its relationships as a relationships file", maxMatrixRelationships)})
		}
	}
	return actors, rels, problems
}

// matrixNames checks that the matrix is square and names the same actors
// in its first row and first column, in the same order, and returns them.
func matrixNames(t *Table) ([]string, []Problem) {
	bad := func(row int, msg string) ([]string, []Problem) {
		return nil, []Problem{{File: t.File, Row: row, Code: CodeMalformed, Message: msg}}
	}
	cols := t.Header[1:]
	if len(t.Rows) != len(cols) {
		return bad(0, fmt.Sprintf("an adjacency matrix is square: its first row names %d actors but it has %d rows below it", len(cols), len(t.Rows)))
	}
	seen := map[string]bool{}
	for i, r := range t.Rows {
		name := r.Cells[0]
		switch {
		case name == "":
			return bad(r.Number, "the first cell of the row is empty; it should name the row's actor")
		case !strings.EqualFold(name, cols[i]):
			return bad(r.Number, fmt.Sprintf("the row names %q but column %d of the first row names %q; the first row and the first column should name the same actors in the same order", name, i+2, cols[i]))
		case seen[strings.ToLower(name)]:
			return bad(r.Number, fmt.Sprintf("%q names two rows; every actor has one row and one column", name))
		}
		seen[strings.ToLower(name)] = true
	}
	return cols, nil
}

// matrixCell adds the relationship one cell stands for, if any.
func matrixCell(rels *Table, mm *MatrixMap, names []string, i, j int, row Row, t *Table) []Problem {
	if i == j {
		return nil // the diagonal: an actor's tie to itself
	}
	cell := strings.TrimSpace(row.Cells[j+1])
	if !mm.Directed && j < i {
		if other := strings.TrimSpace(t.Rows[j].Cells[i+1]); !sameCell(cell, other) {
			return []Problem{{File: t.File, Row: row.Number, Column: names[j], Code: CodeNumber, Message: fmt.Sprintf(
				"the matrix is read as undirected (matrix: directed: false), so it should be symmetric, but %s to %s is %q and %s to %s is %q",
				names[i], names[j], cell, names[j], names[i], other)}}
		}
		return nil // read above the diagonal
	}
	if cell == "" {
		return nil
	}
	x, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		if _, code, msg := parseUnit(cell); code == CodeDecimalComma {
			return []Problem{{File: t.File, Row: row.Number, Column: names[j], Code: code, Message: "the cell " + msg}}
		}
		return []Problem{{File: t.File, Row: row.Number, Column: names[j], Code: CodeNumber, Message: fmt.Sprintf("the cell %q is not a number; a cell is the weight of the relationship (0 or empty for none)", cell)}}
	}
	if x == 0 {
		return nil
	}
	cells := []string{names[i], names[j], cell}
	if mm.Type != "" {
		cells = append(cells, mm.Type)
	}
	rels.Rows = append(rels.Rows, Row{Number: row.Number, Element: fmt.Sprintf("%s -> %s", names[i], names[j]), Cells: cells, Undirected: !mm.Directed})
	return nil
}

// sameCell compares two matrix cells as numbers (empty is 0).
func sameCell(a, b string) bool {
	num := func(s string) (float64, bool) {
		if s == "" {
			return 0, true
		}
		x, err := strconv.ParseFloat(s, 64)
		return x, err == nil
	}
	x, okA := num(a)
	y, okB := num(b)
	return okA && okB && x == y || a == b
}
