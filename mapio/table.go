package mapio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/actorgraph/actorgraph/domain"
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
	// Types are the custom attributes' types where the file declares
	// them (typed graph formats), by column; other columns' types are
	// inferred from their values.
	Types map[string]domain.CustomKind
	// Place says how problems name this table's elements and columns,
	// in its format's words; nil for spreadsheets, which have rows.
	Place *Place
	// Mapped names the field a column holds where a mapping says so, by
	// the column's index; "" marks a column the mapping displaced (its
	// name would say the same field), which is not read.
	Mapped map[int]string

	// given and padded count the cells rows give and the empty cells
	// short rows are padded with (see addRow); stopped is set when a row
	// is over a bound (the padding, a cell's length), and the reading
	// stops.
	given, padded int
	stopped       bool
	// fromCSV marks a CSV file's table, whose cells may carry the quote
	// a CSV export puts before text a spreadsheet would run as a formula
	// (see neutralise); it is taken off as the rows are read.
	fromCSV bool
}

// Row is one data row.
type Row struct {
	Number  int    // as a spreadsheet numbers it; the header is row 1 (0 for graph files)
	Element string // for graph files: the node's or edge's id, or its position
	Cells   []string
	// Undirected marks a graph file's edge without a direction: the
	// mapping says what it becomes.
	Undirected bool
	// Conflicts are a graph file element's fields given twice, under two
	// names, with different values; the row checks report each.
	Conflicts []Conflict
}

// Conflict is one field of an element given under two of its names with
// different values ("to": "f-police" and "target": "m-women").
type Conflict struct {
	Field  string
	Names  [2]string
	Values [2]string
}

// bom is the UTF-8 byte-order mark Excel writes.
var bom = []byte{0xEF, 0xBB, 0xBF}

// isUTF8 reads r to its end and says whether it is valid UTF-8, a block
// at a time, so that a large file need not be in memory to be checked.
func isUTF8(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	carry := 0 // the start of a rune cut at the end of the last block
	for {
		n, err := io.ReadFull(r, buf[carry:])
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return false, err
		}
		n += carry
		end := n
		if err == nil { // more to come: keep a rune that may be cut for the next block
			i := n - 1
			for i > 0 && n-i < utf8.UTFMax && !utf8.RuneStart(buf[i]) {
				i--
			}
			if !utf8.FullRune(buf[i:n]) {
				end = i
			}
		}
		if !utf8.Valid(buf[:end]) {
			return false, nil
		}
		if err != nil { // the end of the file
			return true, nil
		}
		carry = copy(buf, buf[end:n])
	}
}

// decodingReader returns the file's text: UTF-8 with or without a
// byte-order mark, or, where the bytes are not valid UTF-8, Windows-1252
// (what Excel writes as "CSV" on Windows in Western locales). It reads r
// twice (once to tell the encoding), so r must be seekable; other readers
// are read into memory first.
func decodingReader(r io.Reader) (io.Reader, error) {
	rs, ok := r.(io.ReadSeeker)
	start, err := int64(0), error(nil)
	if ok {
		start, err = rs.Seek(0, io.SeekCurrent)
	}
	if !ok || err != nil { // not seekable (a pipe is an *os.File too): read it into memory
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		rs, start = bytes.NewReader(raw), 0
	}
	valid, err := isUTF8(rs)
	if err != nil {
		return nil, err
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rs, 64<<10)
	if head, _ := br.Peek(len(bom)); bytes.Equal(head, bom) {
		_, _ = br.Discard(len(bom))
	}
	if valid {
		return br, nil
	}
	return charmap.Windows1252.NewDecoder().Reader(br), nil
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

// ReadTable reads a CSV file whole. Problems with the file as a whole (it
// cannot be parsed) come back as problems, not errors: the caller gathers
// every problem of every file before it gives up.
func ReadTable(file string, r io.Reader) (*Table, []Problem) {
	var t *Table
	var problems []Problem
	ps, err := ReadTableChunks(file, r, 0, func(c *Table, rowProblems []Problem) error {
		t, problems = c, append(problems, rowProblems...)
		return nil
	})
	problems = append(problems, ps...)
	if err != nil {
		return nil, append(problems, Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf("the file could not be read: %v", err)})
	}
	return t, problems
}

// ReadTableChunks reads a CSV file a chunk of rows at a time (chunk <= 0:
// all rows in one), handing fn each chunk as a Table with the file's
// header, with the problems found in reading its rows, so that a file of
// a million rows never is in memory at once. fn is called at least once
// when the file has a header (with no rows when it has none). The
// problems that end the reading (the file is not CSV, or empty) are
// returned; so is an error from fn, which stops the reading, or from
// reading the file.
func ReadTableChunks(file string, r io.Reader, chunk int, fn func(*Table, []Problem) error) ([]Problem, error) {
	text, err := decodingReader(r)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(text, 64<<10)
	head, _ := br.Peek(64 << 10) // the header line, to tell the separator
	guard := &recordGuard{r: br}
	cr := csv.NewReader(guard)
	cr.Comma = separator(string(head))
	cr.FieldsPerRecord = -1 // ragged rows are reported per row, below
	var header []string
	t := &Table{File: file, fromCSV: true}
	var pending []Problem // row problems since the last chunk
	handed := false
	flush := func() error {
		handed = true
		err := fn(t, pending)
		t, pending = &Table{File: file, Header: header, fromCSV: true}, nil
		return err
	}
	for n := 1; ; n++ {
		rec, err := cr.Read()
		guard.start = cr.InputOffset()
		if guard.tripped {
			return append(pending, recordTooLong(file, n)), nil
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return pending, err
			}
			return append(pending, Problem{File: file, Row: pe.StartLine, Code: CodeMalformed,
				Message: fmt.Sprintf("this is not valid CSV here (%v); check for an unclosed quote", errors.Unwrap(err))}), nil
		}
		if n == 1 {
			if p := tooManyColumns(file, rec); p != nil {
				return append(pending, *p), nil
			}
			for i, h := range rec {
				rec[i] = unneutralise(strings.TrimSpace(h))
			}
			header, t.Header = rec, rec
			continue
		}
		if p := t.addRow(n, rec); p != nil {
			pending = append(pending, *p)
			if t.stopped {
				return pending, nil
			}
		}
		if chunk > 0 && len(t.Rows) >= chunk {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if header == nil {
		return append(pending, Problem{File: file, Code: CodeMalformed, Message: "the file is empty: it needs a header row"}), nil
	}
	if !handed || len(t.Rows) > 0 || len(pending) > 0 {
		return nil, flush()
	}
	return nil, nil
}

// addRow adds a data row as the spreadsheet numbers it: blank rows are
// skipped (spreadsheets leave them at the end), short rows padded, and a
// row with more filled cells than the header has columns is a problem.
func (t *Table) addRow(number int, rec []string) *Problem {
	if isBlank(rec) {
		return nil
	}
	if p := t.cellTooLong(number, rec); p != nil {
		t.stopped = true
		return p
	}
	if len(rec) > len(t.Header) && !isBlank(rec[len(t.Header):]) {
		return &Problem{File: t.File, Row: number, Code: CodeColumns,
			Message: fmt.Sprintf("this row has %d cells but the header names %d columns", len(rec), len(t.Header))}
	}
	if len(rec) < len(t.Header) {
		t.given += len(rec)
		t.padded += len(t.Header) - len(rec)
		if t.padded > maxPadding && t.padded > 4*t.given {
			t.stopped = true
			return &Problem{File: t.File, Row: number, Code: CodeTooLarge, Message: fmt.Sprintf(
				"the header names %d columns but the rows give few of them; the file was not read further: leave out the columns no row fills, or give every row its cells", len(t.Header))}
		}
	} else {
		t.given += len(t.Header)
	}
	cells := make([]string, len(t.Header))
	for i := range cells {
		if i < len(rec) {
			cells[i] = strings.TrimSpace(rec[i])
			if t.fromCSV {
				cells[i] = unneutralise(cells[i])
			}
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

// peekHeader reads a CSV file's header row without consuming the file:
// what a mapping is checked against before a streamed file is read. It
// returns nil when the header cannot be told from the file's start.
func peekHeader(r io.Reader) ([]string, io.Reader) {
	head, rest := peek(r, 64<<10)
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 {
		head = head[:i] // the first line only, so that no character is cut
	} else if len(head) == 64<<10 {
		return nil, rest // a header longer than the peek: leave it to the reading
	}
	text, err := decodingReader(bytes.NewReader(head))
	if err != nil {
		return nil, rest
	}
	b, _ := io.ReadAll(text)
	line := string(b)
	cr := csv.NewReader(strings.NewReader(line))
	cr.Comma = separator(line)
	cr.LazyQuotes = true
	rec, err := cr.Read()
	if err != nil {
		return nil, rest
	}
	for i, h := range rec {
		rec[i] = unneutralise(strings.TrimSpace(h))
	}
	return rec, rest
}

// recordGuard counts the bytes the CSV parser reads, so that a record
// longer than MaxRecordBytes stops the reading while it is read: the
// parser holds a record whole, however long, before it returns it.
type recordGuard struct {
	r       io.Reader
	read    int64 // bytes handed to the parser
	start   int64 // where the record being read starts (the parser's offset after the last)
	tripped bool
}

// guardSlack is what the parser may have read beyond the record it
// returned (its buffer), which is not held against the next one.
const guardSlack = 64 << 10

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.read-g.start > MaxRecordBytes+guardSlack {
		g.tripped = true
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

var errRecordTooLong = errors.New("a CSV record is longer than an import takes")

// recordTooLong is the problem of a row over MaxRecordBytes.
func recordTooLong(file string, row int) Problem {
	return Problem{File: file, Row: row, Code: CodeTooLarge, Message: fmt.Sprintf(
		"the row is longer than %s, more than one import takes (a cell holds at most %s); the file was not read further: shorten its cells, or check for a quote that is never closed, which makes the rest of the file one cell",
		byteSize(MaxRecordBytes), byteSize(MaxCellBytes))}
}

// tooManyColumns is the problem of a header that names more than
// MaxColumns columns, or nil. Empty cells after the last name do not
// count: spreadsheets write a CSV file's header out to the last column
// ever formatted (the rows' padding is bounded on its own).
func tooManyColumns(file string, header []string) *Problem {
	n := len(header)
	for n > 0 && strings.TrimSpace(header[n-1]) == "" {
		n--
	}
	if n <= MaxColumns {
		return nil
	}
	return &Problem{File: file, Row: 1, Code: CodeTooLarge, Message: fmt.Sprintf(
		"the header names %d columns; a table has at most %d: leave out the columns the map does not need; no row was read", n, MaxColumns)}
}

// cellTooLong is the problem of a row's first cell over MaxCellBytes,
// or nil.
func (t *Table) cellTooLong(number int, rec []string) *Problem {
	for i, c := range rec {
		if len(c) <= MaxCellBytes {
			continue
		}
		column := fmt.Sprintf("#%d", i+1)
		if i < len(t.Header) && t.Header[i] != "" {
			column = t.Header[i]
		}
		return &Problem{File: t.File, Row: number, Column: column, Code: CodeTooLarge, Message: fmt.Sprintf(
			"the cell holds %s; a cell holds at most %s (the longest text kept is %d characters); the file was not read further: shorten it",
			byteSize(int64(len(c))), byteSize(MaxCellBytes), domain.MaxTextLen)}
	}
	return nil
}

// byteSize writes a size as a person reads it: 256 KiB, 1 MiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
