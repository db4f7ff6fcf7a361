package mapio

// The bounds on what one import reads, in one place (documented in
// docs/formats.md, "Limits of a file"). Every one is far above what a
// researcher's map needs, and far below what a hostile file of a few
// hundred kilobytes could make a reader allocate: each is checked
// before the reader expands what it bounds, so that a refusal costs no
// more memory than the limit. A file over any of them is one TOO_LARGE
// problem that names the file, the row or column where it can, the limit
// and how to get under it; nothing is imported.
const (
	// MaxColumns bounds the columns of one table (a CSV file, a sheet),
	// checked on the header before any row is read. Adjacency matrices
	// have a column per actor: 5,000 leaves room for large ones (one of
	// 2,000 actors is 8 MB).
	MaxColumns = 5_000
	// MaxCellBytes bounds one cell of a CSV file or sheet. The longest
	// text the model keeps is 10,000 characters (domain.MaxTextLen, up to
	// 40 KB of UTF-8).
	MaxCellBytes = 256 << 10
	// MaxRecordBytes bounds one CSV record (a line, or several where a
	// quoted cell holds line breaks), checked as the bytes are read, so
	// that a record never is in memory beyond it: a 100 MB cell took
	// 600 MB.
	MaxRecordBytes = 1 << 20

	// MaxWorkbookBytes bounds what a workbook unpacks to (the sum of its
	// parts' sizes as the zip declares them, which archive/zip holds
	// each part to), checked before any part is unpacked.
	MaxWorkbookBytes = 256 << 20
	// MaxUnzipRatio bounds how much smaller than itself a part of a
	// workbook larger than unzipRatioFrom may be stored: worksheets
	// compress 5 to 20 times; a zip bomb, a thousand.
	MaxUnzipRatio  = 200
	unzipRatioFrom = 8 << 20
	// MaxWorkbookParts bounds the parts (files) of a workbook's zip,
	// counted from its end record before archive/zip reads its
	// directory, which costs a few hundred bytes a part of 46 in the
	// file. A spreadsheet writes a few parts for each sheet.
	MaxWorkbookParts = 10_000
	// MaxSharedStrings and MaxSharedStringsBytes bound a workbook's
	// shared strings (the texts its cells point to), which excelize reads
	// whole before any row: a 414 KB workbook of 10 million empty shared
	// strings took 109 s and 2.3 GB.
	MaxSharedStrings      = 1_000_000
	MaxSharedStringsBytes = 64 << 20
	// maxSheetInMemory is the largest worksheet excelize unpacks into
	// memory; larger ones go through a temporary file.
	maxSheetInMemory = 16 << 20

	// MaxGraphCells bounds the tables a graph file becomes (elements times
	// distinct attribute names), so that a small file with many attribute
	// names cannot take gigabytes.
	MaxGraphCells = 20_000_000
	// MaxGraphTextBytes bounds one text of a graph file: an XML attribute
	// value or element text (a run of the file without a '<'), or a JSON
	// string. GEXF and GraphML exports carry the workspace's sources as
	// one JSON text, which may run to megabytes.
	MaxGraphTextBytes = 16 << 20
	// MaxJSONValues bounds the values (objects, arrays, strings, numbers)
	// of a JSON graph file, which is read into a tree of them before its
	// elements: an empty array is two bytes of the file but tens in
	// memory.
	MaxJSONValues = 10_000_000

	// maxPadding bounds the empty cells short rows are padded with, beyond
	// four for every cell the rows give: a header of 20,000 columns over
	// 5,000 one-cell rows (154 KB) took 1.5 GB as padded rows.
	maxPadding = 1_000_000
	// maxMatrixRelationships bounds the relationships one matrix makes: a
	// cell is two bytes of the file but a relationship row of a hundred or
	// more in memory (a dense matrix of 2,000 actors, 8 MB, took 486 MB).
	maxMatrixRelationships = 1_000_000
)
