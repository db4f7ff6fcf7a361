package mapio

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The attacks of issue 12 on imports, in their exact shapes, and what
// each now costs. None of these tests is parallel: each measures the
// bytes the process allocates while it reads (runtime.MemStats
// TotalAlloc, which counts every allocation and does not depend on when
// the collector runs), and parallel tests would add theirs.

// memoryBound is what reading a hostile file may allocate: the attacks
// took 0.6 to 3 GB.
const memoryBound = 64 << 20

// allocated is the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// generated is a file made of head, fill repeated to n bytes, and tail,
// computed as it is read (an io.ReaderAt), so that a test of a 100 MB
// cell never holds 100 MB.
type generated struct {
	head, tail []byte
	fill       byte
	n          int64
	block      []byte // fill, a block of it, made once
}

func (g *generated) size() int64 { return int64(len(g.head)) + g.n + int64(len(g.tail)) }

func (g *generated) ReadAt(p []byte, off int64) (int, error) {
	k := 0
	for k < len(p) && off < g.size() {
		var n int
		switch h := int64(len(g.head)); {
		case off < h:
			n = copy(p[k:], g.head[off:])
		case off < h+g.n:
			if g.block == nil {
				g.block = bytes.Repeat([]byte{g.fill}, 64<<10)
			}
			n = copy(p[k:], g.block[:min(int64(len(g.block)), h+g.n-off)])
		default:
			n = copy(p[k:], g.tail[off-h-g.n:])
		}
		k += n
		off += int64(n)
	}
	if k < len(p) {
		return k, io.EOF
	}
	return k, nil
}

// file is the generated file as an upload reads it (seekable).
func (g *generated) file() io.Reader { return io.NewSectionReader(g, 0, g.size()) }

// wideCSV is the 137 KB file of the finding: a header of 20,000 columns
// over 5,000 one-cell rows.
func wideCSV() io.Reader {
	var b strings.Builder
	for _, r := range wideHeader(20_000, 5_000) {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return strings.NewReader(b.String())
}

func TestHostileCSVIsRefusedCheaply(t *testing.T) {
	const hundredMB = 100 << 20
	tests := []struct {
		name   string
		file   func() io.Reader
		row    int
		column string
		says   []string
	}{
		{"a header of 20,000 columns", wideCSV, 1, "", []string{"20001 columns", "at most 5000"}},
		{"a quoted cell of 100 MB", func() io.Reader {
			return (&generated{head: []byte("name,kind\nA,COMMUNITY\n\""), fill: 'x', n: hundredMB, tail: []byte("\",COMMUNITY\n")}).file()
		}, 3, "", []string{"longer than 1 MiB", "a cell holds at most 256 KiB", "quote that is never closed"}},
		{"a line of 100 MB", func() io.Reader {
			return (&generated{head: []byte("name,kind\n"), fill: 'x', n: hundredMB, tail: []byte(",COMMUNITY\n")}).file()
		}, 2, "", []string{"longer than 1 MiB"}},
		{"an unclosed quote before 100 MB of rows", func() io.Reader {
			return (&generated{head: []byte("name,kind\n\"A,COMMUNITY\n"), fill: '\n', n: hundredMB}).file()
		}, 2, "", []string{"longer than 1 MiB"}},
		{"a cell of 300 KB", func() io.Reader {
			return (&generated{head: []byte("kind,name\nCOMMUNITY,"), fill: 'x', n: 300 << 10, tail: []byte("\n")}).file()
		}, 2, "name", []string{"the cell holds 300 KiB", "at most 256 KiB", "10000 characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tb *Table
			var ps []Problem
			used := allocated(func() { tb, ps = ReadTable("actors.csv", tt.file()) })
			if tb != nil || len(ps) != 1 {
				t.Fatalf("table %v, problems %v", tb != nil, ps)
			}
			p := ps[0]
			if p.Code != CodeTooLarge || p.File != "actors.csv" || p.Row != tt.row || p.Column != tt.column {
				t.Errorf("problem %+v, want TOO_LARGE at row %d column %q", p, tt.row, tt.column)
			}
			for _, s := range tt.says {
				if !strings.Contains(p.Message, s) {
					t.Errorf("message %q lacks %q", p.Message, s)
				}
			}
			t.Logf("allocated %.1f MB", float64(used)/(1<<20))
			if used > memoryBound {
				t.Errorf("reading allocated %d MB", used>>20)
			}

			// A relationships file is read a chunk at a time: the same bound
			// stops it, before any chunk is handed on.
			chunks := 0
			ps, err := ReadTableChunks("relationships.csv", tt.file(), relChunk, func(*Table, []Problem) error { chunks++; return nil })
			if err != nil || len(ps) != 1 || ps[0].Code != CodeTooLarge || (tt.row == 1 && chunks > 0) {
				t.Errorf("streamed: %d chunks, problems %v, error %v", chunks, ps, err)
			}
		})
	}
}

// deflated is a raw DEFLATE stream of head, then unit n times, then
// tail, built from one compressed copy of unit (each piece refers only to
// itself, so copies may follow each other), with the CRC-32 and size of
// what it unpacks to: a part of gigabytes costs the test kilobytes.
func deflated(head, unit []byte, n int, tail []byte) (raw []byte, crc uint32, size uint64) {
	piece := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		_, _ = w.Write(b)
		_ = w.Flush() // not Close: its blocks are not the last
		return buf.Bytes()
	}
	u := piece(unit)
	raw = piece(head)
	crc = crc32.Update(0, crc32.IEEETable, head)
	for range n {
		raw = append(raw, u...)
		crc = crc32.Update(crc, crc32.IEEETable, unit)
	}
	raw = append(raw, piece(tail)...)
	raw = append(raw, 0x01, 0x00, 0x00, 0xff, 0xff) // an empty last block
	crc = crc32.Update(crc, crc32.IEEETable, tail)
	return raw, crc, uint64(len(head)) + uint64(n)*uint64(len(unit)) + uint64(len(tail))
}

// validWorkbook is a workbook of two actors, as a spreadsheet saves it.
func validWorkbook(t *testing.T) []byte {
	t.Helper()
	wb := excelize.NewFile()
	defer wb.Close()
	if err := wb.SetSheetName("Sheet1", "actors"); err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{{"name", "kind"}, {"Riverside", "COMMUNITY"}, {"Police", "SECURITY_FORCE"}} {
		if err := wb.SetSheetRow("actors", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := wb.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withPart is a workbook with one part replaced (or added): written by
// write, into the zip as it is.
func withPart(t *testing.T, workbook []byte, name string, write func(*zip.Writer) error) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(workbook), int64(len(workbook)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if f.Name != name {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := write(zw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawPart writes a part from a DEFLATE stream made by deflated, with
// the honest sizes a zip tool would write.
func rawPart(name string, raw []byte, crc uint32, size uint64) func(*zip.Writer) error {
	return func(zw *zip.Writer) error {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(raw)), UncompressedSize64: size})
		if err == nil {
			_, err = w.Write(raw)
		}
		return err
	}
}

// manyParts is the valid workbook with n empty parts more.
func manyParts(n int) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		return withPart(t, validWorkbook(t), "", func(zw *zip.Writer) error {
			for i := range n {
				if _, err := zw.CreateHeader(&zip.FileHeader{Name: strconv.Itoa(i), Method: zip.Store}); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

const sstHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
	`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`

func TestHostileWorkbookIsRefusedCheaply(t *testing.T) {
	base := validWorkbook(t)
	tests := []struct {
		name     string
		workbook func(t *testing.T) []byte
		says     []string
	}{
		{"10 million shared strings, small on disk", func(t *testing.T) []byte {
			const n, per = 10_000_000, 100_000
			raw, crc, size := deflated([]byte(fmt.Sprintf(sstHead, n, n)), bytes.Repeat([]byte("<si><t></t></si>"), per), n/per, []byte("</sst>"))
			return withPart(t, base, "xl/sharedStrings.xml", rawPart("xl/sharedStrings.xml", raw, crc, size))
		}, []string{"shared strings", "take 152.6 MiB", "at most 64 MiB", "nothing was read"}},
		{"1.1 million empty shared strings in 7.7 MB", func(t *testing.T) []byte {
			const n, per = 1_100_000, 100_000
			raw, crc, size := deflated([]byte(fmt.Sprintf(sstHead, n, n)), bytes.Repeat([]byte("<x:si/>"), per), n/per, []byte("</sst>"))
			return withPart(t, base, "xl/sharedStrings.xml", rawPart("xl/sharedStrings.xml", raw, crc, size))
		}, []string{"more than 1000000 shared strings", "at most 1000000"}},
		{"a zip bomb: a sheet of 4 GiB", func(t *testing.T) []byte {
			raw, crc, size := deflated([]byte("<worksheet>"), bytes.Repeat([]byte(" "), 1<<20), 4<<10, []byte("</worksheet>"))
			return withPart(t, base, "xl/worksheets/sheet1.xml", rawPart("xl/worksheets/sheet1.xml", raw, crc, size))
		}, []string{"unpacks to more than 256 MiB", "nothing was read"}},
		{"a part of 64 MiB packed a thousand times", func(t *testing.T) []byte {
			raw, crc, size := deflated([]byte("<worksheet>"), bytes.Repeat([]byte(" "), 1<<20), 64, []byte("</worksheet>"))
			return withPart(t, base, "xl/worksheets/sheet1.xml", rawPart("xl/worksheets/sheet1.xml", raw, crc, size))
		}, []string{"xl/worksheets/sheet1.xml unpacks to 64.0 MiB from", "shrink at most 200 times", "zip bomb"}},
		{"20,000 parts more", manyParts(20_000), []string{"20010 parts", "at most 10000"}},
		{"100,000 parts more (a zip64 directory)", manyParts(100_000), []string{"100010 parts", "at most 10000"}},
		{"a header of 6,000 columns (a sheet has at most 16,384)", func(t *testing.T) []byte {
			wb := excelize.NewFile()
			defer wb.Close()
			_ = wb.SetSheetName("Sheet1", "actors")
			sw, _ := wb.NewStreamWriter("actors")
			for i, r := range wideHeader(6_000, 100) {
				row := make([]any, len(r))
				for j, c := range r {
					row[j] = c
				}
				if err := sw.SetRow(fmt.Sprintf("A%d", i+1), row); err != nil {
					t.Fatal(err)
				}
			}
			_ = sw.Flush()
			var b bytes.Buffer
			_ = wb.Write(&b)
			return b.Bytes()
		}, []string{"6001 columns", "at most 5000", "no row was read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.workbook(t)
			if len(data) > 16<<20 {
				t.Fatalf("the workbook takes %d bytes on disk", len(data))
			}
			var tables map[string]*Table
			var ps []Problem
			used := allocated(func() { tables, ps = ReadWorkbook("map.xlsx", bytes.NewReader(data)) })
			if len(tables) > 0 || len(ps) != 1 || ps[0].Code != CodeTooLarge || !strings.HasPrefix(ps[0].File, "map.xlsx") {
				t.Fatalf("tables %v, problems %v", tables, ps)
			}
			for _, s := range tt.says {
				if !strings.Contains(ps[0].Message, s) {
					t.Errorf("message %q lacks %q", ps[0].Message, s)
				}
			}
			t.Logf("allocated %.1f MB", float64(used)/(1<<20))
			if used > memoryBound {
				t.Errorf("reading allocated %d MB", used>>20)
			}
		})
	}

	// The workbook they were made from reads, and so does a normal one,
	// whose parts shrink far less than MaxUnzipRatio times.
	if tables, ps := ReadWorkbook("map.xlsx", bytes.NewReader(base)); len(ps) > 0 || len(tables["actors"].Rows) != 2 {
		t.Fatalf("the valid workbook: %v", ps)
	}
	var b bytes.Buffer
	if err := writeWorkbook(map[string][][]string{"actors.csv": benchActorRows(2_000)}, nil, nil, &b); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.UncompressedSize64 > 20*f.CompressedSize64 {
			t.Errorf("%s shrinks %d times", f.Name, f.UncompressedSize64/f.CompressedSize64)
		}
	}
	if tables, _ := ReadWorkbook("map.xlsx", &b); tables["actors"] == nil || len(tables["actors"].Rows) != 2_000 {
		t.Fatal("a workbook of 2,000 actors is not read")
	}
}

// A graph file's text is held whole by the XML and JSON decoders (in
// buffers that double as they grow): what reading one costs is a few
// times MaxGraphTextBytes (more for JSON, whose format is told from its
// first element before it is read), the same for a text of 100 MB as of
// 17.
func TestHostileGraphFileIsRefused(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		data  func() io.Reader
		says  string
		bound uint64
	}{
		{"a GEXF attribute of 100 MB", "map.gexf", func() io.Reader {
			return (&generated{head: []byte(`<gexf><graph defaultedgetype="directed"><nodes><node id="a" label="`), fill: 'x', n: 100 << 20,
				tail: []byte(`"/></nodes></graph></gexf>`)}).file()
		}, "longer than 16 MiB", 8 * MaxGraphTextBytes},
		{"a GraphML text of 100 MB", "map.graphml", func() io.Reader {
			return (&generated{head: []byte(`<graphml><key id="d0" for="node" attr.name="name"/><graph edgedefault="directed"><node id="a"><data key="d0">`),
				fill: 'x', n: 100 << 20, tail: []byte(`</data></node></graph></graphml>`)}).file()
		}, "longer than 16 MiB", 8 * MaxGraphTextBytes},
		// A JSON file is read whole, and its format told from its first
		// element.
		{"a Kumu string of 100 MB", "map.json", func() io.Reader {
			return (&generated{head: []byte(`{"elements":[{"label":"`), fill: 'x', n: 100 << 20, tail: []byte(`"}],"connections":[]}`)}).file()
		}, "longer than 16 MiB", 10 * MaxGraphTextBytes},
		{"a JGF string of 100 MB", "map.json", func() io.Reader {
			return (&generated{head: []byte(`{"graph":{"nodes":{"a":{"label":"`), fill: 'x', n: 100 << 20, tail: []byte(`"}},"edges":[]}}`)}).file()
		}, "longer than 16 MiB", 10 * MaxGraphTextBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tables map[string]*Table
			var ps []Problem
			used := allocated(func() { tables, _, ps, _ = readFormat(File{Name: tt.file, Data: tt.data()}, "") })
			for _, tb := range tables {
				if len(tb.Rows) > 0 {
					t.Errorf("%s has %d rows", tb.File, len(tb.Rows))
				}
			}
			if len(ps) != 1 || ps[0].Code != CodeTooLarge || !strings.Contains(ps[0].Message, tt.says) {
				t.Fatalf("problems %v", ps)
			}
			t.Logf("allocated %.1f MB", float64(used)/(1<<20))
			if used > tt.bound {
				t.Errorf("reading allocated %d MB", used>>20)
			}
		})
	}
}

// A JSON file of more values than MaxJSONValues stops at the first value
// over; the budget is smaller here, so that the test reads 1,500
// values, not ten million.
func TestJSONValuesAreCounted(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"elements": [` + strings.Repeat(`{"data": {"id": "a"}},`, 500) + `1]}`)
	for _, tt := range []struct {
		budget int
		err    error
	}{{10_000, nil}, {1_000, errTooManyValues}} {
		dec := json.NewDecoder(bytes.NewReader(raw))
		budget := tt.budget
		if _, err := readValue(dec, 0, &budget); err != tt.err {
			t.Fatalf("budget %d: error %v, want %v", tt.budget, err, tt.err)
		}
		if tt.err != nil {
			if p := jsonProblem("map.json", raw, dec, tt.err); p.Code != CodeTooLarge || !strings.Contains(p.Message, "more than 10 million JSON values") {
				t.Errorf("problem %+v", p)
			}
		}
	}
}

// A header written out to the last column a spreadsheet ever formatted
// names no more columns than it has names: its empty cells do not count
// against MaxColumns, and its rows read.
func TestTrailingEmptyHeaderCellsAreNotColumns(t *testing.T) {
	t.Parallel()
	blank := strings.Repeat(",", 6_000)
	file := "name,kind" + blank + "\nRiverside,COMMUNITY" + blank + "\nPolice,SECURITY_FORCE\n"
	tb, ps := ReadTable("actors.csv", strings.NewReader(file))
	if len(ps) > 0 || tb == nil || len(tb.Rows) != 2 {
		t.Fatalf("problems %v", ps)
	}
	if rows, ps := ReadActors(tb); len(ps) > 0 || rows[1].Input.Name != "Police" {
		t.Fatalf("rows %v, problems %v", rows, ps)
	}
}
