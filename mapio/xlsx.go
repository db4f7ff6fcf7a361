package mapio

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/domain"
)

// XLSX: one workbook with an actors, a relationships and (optionally) a
// sources sheet, told apart by sheet name as files are (Kumu's Elements
// and Connections sheets work too). Each sheet is read into a Table, so
// the rest of the import is the same as for CSV.

// ReadWorkbook reads a workbook's sheets, keyed by what they hold. Sheets
// of no known role are ignored (workbooks carry notes and charts).
func ReadWorkbook(file string, r io.Reader) (map[string]*Table, []Problem) {
	// A workbook is a zip: bound what it may unpack to, and its shared
	// strings (which excelize reads whole), from the zip's own directory
	// before excelize unpacks anything, so that a small upload cannot
	// inflate to gigabytes (sheets beyond maxSheetInMemory are read
	// through temporary files, not memory).
	r, p := checkWorkbook(file, r)
	if p != nil {
		return nil, []Problem{*p}
	}
	// Date cells in Excel's short date format (what typing a date gives)
	// read as YYYY-MM-DD, as the service's dates are written, and so as
	// dates where a column is a custom attribute.
	wb, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: MaxWorkbookBytes, UnzipXMLSizeLimit: maxSheetInMemory, ShortDatePattern: "yyyy-mm-dd"})
	if err != nil {
		return nil, []Problem{{File: file, Code: CodeMalformed, Message: fmt.Sprintf("this is not a readable .xlsx workbook (%v)", err)}}
	}
	defer wb.Close()
	tables := map[string]*Table{}
	var problems []Problem
	for _, sheet := range wb.GetSheetList() {
		r := role(sheet)
		if r == "" {
			continue
		}
		name := fmt.Sprintf("%s [%s]", file, sheet)
		if _, dup := tables[r]; dup {
			problems = append(problems, Problem{File: name, Code: CodeColumns, Message: fmt.Sprintf("a second sheet of %s; give one", r)})
			continue
		}
		t, ps, err := readSheet(wb, sheet, name)
		if err != nil {
			problems = append(problems, Problem{File: name, Code: CodeMalformed, Message: fmt.Sprintf("the sheet could not be read (%v)", err)})
			continue
		}
		problems = append(problems, ps...)
		if t == nil {
			continue // not read whole: its problem says why
		}
		if t.Header == nil {
			problems = append(problems, Problem{File: name, Code: CodeMalformed, Message: "the sheet is empty: it needs a header row"})
			continue
		}
		tables[r] = t
	}
	if len(tables) == 0 && len(problems) == 0 {
		problems = append(problems, Problem{File: file, Code: CodeColumns,
			Message: "no sheet is named actors, relationships or sources (or Kumu's Elements and Connections)"})
	}
	return tables, problems
}

// readSheet reads one sheet row by row. (GetRows would pad every row to
// the sheet's last used column: one stray cell far to the right would
// cost memory for every row.)
func readSheet(wb *excelize.File, sheet, name string) (*Table, []Problem, error) {
	rows, err := wb.Rows(sheet)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	t := &Table{File: name}
	var problems []Problem
	for n := 1; rows.Next(); n++ {
		rec, err := rows.Columns()
		if err != nil {
			return nil, nil, err
		}
		if n == 1 {
			if p := tooManyColumns(name, rec); p != nil {
				return nil, []Problem{*p}, nil
			}
			for _, h := range rec {
				t.Header = append(t.Header, strings.TrimSpace(h))
			}
			continue
		}
		if p := t.addRow(n, rec); p != nil {
			problems = append(problems, *p)
			if t.stopped {
				return nil, problems, nil
			}
		}
	}
	return t, problems, rows.Error()
}

// checkWorkbook checks a workbook's zip directory against the bounds
// (MaxWorkbookBytes, MaxUnzipRatio, MaxSharedStrings,
// MaxSharedStringsBytes) and returns a reader of the whole file again,
// or the problem of the first bound it is over. A file that is not a zip
// is left to excelize to say so. The sizes a zip declares are what
// archive/zip holds each part to (it fails a part that unpacks to more),
// so checking them unpacks nothing; the shared strings are counted as
// they are unpacked, a block at a time.
func checkWorkbook(file string, r io.Reader) (io.Reader, *Problem) {
	ra, size, rest, err := readerAt(r)
	if err != nil {
		return rest, &Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf("the file could not be read: %v", err)}
	}
	tooLarge := func(format string, args ...any) *Problem {
		return &Problem{File: file, Code: CodeTooLarge, Message: fmt.Sprintf(format, args...)}
	}
	// archive/zip reads the whole directory into memory, a few hundred
	// bytes for each part of 46 in the file: count them first.
	if n, ok := zipEntries(ra, size); ok && n > MaxWorkbookParts {
		return rest, tooLarge("the workbook has %d parts; a workbook has at most %d (a spreadsheet writes a few for each sheet); nothing was read: save it again from a spreadsheet, or its sheets as CSV files", n, MaxWorkbookParts)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return rest, nil
	}
	var total uint64
	for _, f := range zr.File {
		n := f.UncompressedSize64
		if total += n; n > MaxWorkbookBytes || total > MaxWorkbookBytes {
			return rest, tooLarge("the workbook unpacks to more than %s, more than one import takes; nothing was read: split it into smaller workbooks, or save its sheets as CSV files, which have no such bound", byteSize(MaxWorkbookBytes))
		}
		if isSharedStrings(f.Name) && n > MaxSharedStringsBytes {
			return rest, tooLarge("the workbook's shared strings (the texts of its cells) take %s; a workbook may have at most %s; nothing was read: split it into smaller workbooks, or save its sheets as CSV files", byteSize(int64(n)), byteSize(MaxSharedStringsBytes))
		}
		if n > unzipRatioFrom && n > MaxUnzipRatio*f.CompressedSize64 {
			return rest, tooLarge("the workbook's part %s unpacks to %s from %s, %d times its size (a spreadsheet's parts shrink at most %d times; this is what a zip bomb does); nothing was read: save the workbook again from a spreadsheet, or its sheets as CSV files",
				f.Name, byteSize(int64(n)), byteSize(int64(f.CompressedSize64)), n/max(f.CompressedSize64, 1), MaxUnzipRatio)
		}
		if !isSharedStrings(f.Name) {
			continue
		}
		count, err := countSharedStrings(f)
		if err != nil {
			return rest, &Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf("this is not a readable .xlsx workbook (%s: %v)", f.Name, err)}
		}
		if count > MaxSharedStrings {
			return rest, tooLarge("the workbook has more than %d shared strings (the texts of its cells); a workbook may have at most %d; nothing was read: split it into smaller workbooks, or save its sheets as CSV files", MaxSharedStrings, MaxSharedStrings)
		}
	}
	return rest, nil
}

// zipEntries is the number of parts a zip's end record says it has
// (its zip64 record's, where it has one); ok is false where the end
// cannot be found, which archive/zip will then report.
func zipEntries(ra io.ReaderAt, size int64) (n uint64, ok bool) {
	const eocdLen, maxComment = 22, 65535
	tail := make([]byte, min(size, eocdLen+maxComment))
	start := size - int64(len(tail))
	if _, err := ra.ReadAt(tail, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	at := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if at < 0 || len(tail)-at < eocdLen {
		return 0, false
	}
	if n := binary.LittleEndian.Uint16(tail[at+10:]); n != 0xFFFF {
		return uint64(n), true
	}
	// Zip64: the locator just before the end record says where the
	// zip64 end record is, which holds the count.
	var loc [20]byte
	if start+int64(at) < 20 {
		return 0, false
	}
	if _, err := ra.ReadAt(loc[:], start+int64(at)-20); err != nil || !bytes.Equal(loc[:4], []byte("PK\x06\x07")) {
		return 0, false
	}
	var rec [56]byte
	off := binary.LittleEndian.Uint64(loc[8:])
	if off > uint64(size) {
		return 0, false
	}
	if _, err := ra.ReadAt(rec[:], int64(off)); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}

// isSharedStrings says whether a part of a workbook holds its shared
// strings (xl/sharedStrings.xml in every workbook seen; the name is
// matched loosely, as a part elsewhere must not escape the bound).
func isSharedStrings(name string) bool {
	return strings.Contains(strings.ToLower(name), "sharedstrings")
}

// countSharedStrings counts the <si> elements (one per shared string,
// with any namespace prefix) of a shared strings part as it unpacks it,
// up to one more than MaxSharedStrings. It reads tags, not XML: text
// holds no '<' (XML escapes it), and a CDATA section that did would
// only count high.
func countSharedStrings(f *zip.File) (int, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	n := 0
	for n <= MaxSharedStrings {
		_, err := br.ReadSlice('<')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue // a long text: read on to its end
		case errors.Is(err, io.EOF):
			return n, nil
		case err != nil:
			return n, err
		}
		name, _ := br.Peek(32)
		if end := bytes.IndexAny(name, " \t\r\n/>"); end >= 0 {
			name = name[:end]
		}
		if i := bytes.IndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if string(name) == "si" {
			n++
		}
	}
	return n, nil
}

// readerAt gives random access to a file, which a zip needs: the file
// itself where it has it (an upload, a file on disk), else its bytes read
// into memory; rest reads the whole file again.
func readerAt(r io.Reader) (ra io.ReaderAt, size int64, rest io.Reader, err error) {
	if rs, ok := r.(interface {
		io.ReadSeeker
		io.ReaderAt
	}); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := rs.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := rs.Seek(start, io.SeekStart); err == nil {
					return io.NewSectionReader(rs, start, end-start), end - start, rs, nil
				}
			}
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, bytes.NewReader(nil), err
	}
	br := bytes.NewReader(data)
	return br, int64(len(data)), br, nil
}

// sheetNames are the sheets an XLSX export and template write.
var sheetNames = map[string]string{"sources.csv": "sources", "actors.csv": "actors", "relationships.csv": "relationships"}

// writeWorkbook writes rows per CSV file name as sheets of one workbook;
// notes (column name -> text) become notes on the header cells they name.
// Cells are typed by their column (see cellKinds): numbers, truth values
// and dates are cells of those types, everything else text.
func writeWorkbook(files map[string][][]string, types map[string]map[string]domain.CustomKind, notes map[string]string, w io.Writer) error {
	wb := excelize.NewFile()
	defer wb.Close()
	// Dates are shown as the service writes them, YYYY-MM-DD, which is
	// also the text a reader of the sheet gets back.
	dateStyle, err := wb.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat})
	if err != nil {
		return err
	}
	for i, name := range TemplateFiles {
		sheet := sheetNames[name]
		if i == 0 {
			if err := wb.SetSheetName(wb.GetSheetName(0), sheet); err != nil {
				return err
			}
		} else if _, err := wb.NewSheet(sheet); err != nil {
			return err
		}
		sw, err := wb.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		var kinds []domain.CustomKind
		if rows := files[name]; len(rows) > 0 {
			kinds = cellKinds(rows[0], types[role(name)])
		}
		for r, row := range files[name] {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = v
				if r > 0 {
					cells[j] = typedCell(v, kinds[j], dateStyle)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
		if len(files[name]) == 0 {
			continue
		}
		for j, h := range files[name][0] {
			if note, ok := notes[h]; ok {
				cell, _ := excelize.CoordinatesToCellName(j+1, 1)
				if err := wb.AddComment(sheet, excelize.Comment{Author: "actorgraph", Cell: cell, Text: note}); err != nil {
					return err
				}
			}
		}
	}
	return wb.Write(w)
}

// templateNotes are the notes on the workbook template's headers.
var templateNotes = map[string]string{
	"sensitivity": "PUBLIC, RESTRICTED or CONFIDENTIAL. Empty: RESTRICTED for a new record; an existing record keeps its level.",
	"frameworks": "Any of the UNSCR 1325 pillars PARTICIPATION, PROTECTION, PREVENTION, RELIEF_AND_RECOVERY and the New Deal goals " +
		"LEGITIMATE_POLITICS, SECURITY, JUSTICE, ECONOMIC_FOUNDATIONS, REVENUES_AND_SERVICES, separated by |. " +
		"Any case, spaces or hyphens for underscores; a prefix such as \"1325:\" or \"New Deal:\" is allowed.",
}

// WriteTemplateXLSX writes the template as one workbook.
func WriteTemplateXLSX(w io.Writer) error { return writeWorkbook(templates, nil, templateNotes, w) }

// WriteXLSX writes a workspace's contents as one workbook.
func WriteXLSX(c *domain.Contents, w io.Writer) error {
	files, types := exportTables(c)
	return writeWorkbook(files, types, nil, w)
}

// dateFields are the fields that hold dates.
var dateFields = map[string]bool{"validFrom": true, "validTo": true, "publishedOn": true}

// cellKinds are the types of a sheet's columns: the service's own fields
// as TypeOf says (lists are text), the extra columns as types says.
func cellKinds(header []string, types map[string]domain.CustomKind) []domain.CustomKind {
	out := make([]domain.CustomKind, len(header))
	for i, h := range header {
		out[i] = domain.CustomString
		if k, ok := types[h]; ok {
			out[i] = k
			continue
		}
		switch {
		case dateFields[h]:
			out[i] = domain.CustomDate
		case TypeOf(h) == TypeDouble || TypeOf(h) == TypeInt:
			out[i] = domain.CustomNumber
		case TypeOf(h) == TypeBool:
			out[i] = domain.CustomBoolean
		}
	}
	return out
}

// typedCell is a cell's value as the workbook holds it: a number, a truth
// value, a date cell, or text (also for a value that is not of its
// column's type, which is then kept as written).
func typedCell(v string, k domain.CustomKind, dateStyle int) any {
	if v == "" {
		return nil
	}
	switch k {
	case domain.CustomNumber:
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case domain.CustomBoolean:
		if b, err := strconv.ParseBool(v); err == nil {
			return b
		}
	case domain.CustomDate:
		if d, err := time.Parse("2006-01-02", v); err == nil {
			return excelize.Cell{StyleID: dateStyle, Value: d}
		}
	}
	return v
}

// dateFormat is how date cells show.
var dateFormat = "yyyy-mm-dd"
