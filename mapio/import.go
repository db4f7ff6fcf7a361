package mapio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Target is the workspace an import writes to (the store): it runs the
// import all or nothing (see store.Neo4j.Import).
type Target interface {
	Import(ctx context.Context, ws string, write bool, fn func(ctx context.Context, tx domain.ImportTx) error) error
}

// File is one input file.
type File struct {
	Name string
	Data io.Reader
}

// role tells what a file holds from its name, the way researchers name
// their exports (actors.csv, Kumu's elements, Gephi's nodes and edges).
func role(name string) string {
	n := strings.ToLower(filepath.Base(name))
	switch {
	case strings.Contains(n, "relationship"), strings.Contains(n, "edge"), strings.Contains(n, "connection"), strings.Contains(n, "link"):
		return "relationships"
	case strings.Contains(n, "source"):
		return "sources"
	case strings.Contains(n, "actor"), strings.Contains(n, "node"), strings.Contains(n, "element"):
		return "actors"
	}
	return ""
}

// Options say how to import.
type Options struct {
	// Format of every file; "" recognises each file's format from its
	// name and content.
	Format Format
	// DryRun reports what would change, and every problem, and writes nothing.
	DryRun bool
	// Sync also removes what the files no longer contain.
	Sync bool
	// Progress, when set, hears which stage the import has reached.
	Progress func(Stage)
	// Mapping, when set, supplies what the files do not say (see
	// Mapping); a mapping with problems is reported before any file is
	// read, and nothing is written.
	Mapping *MappingInput
	// SuggestMapping (with DryRun) also writes a mapping skeleton for
	// these files into the report's SuggestedMapping.
	SuggestMapping bool
}

// Stage is a step of an import, for progress reports.
type Stage struct {
	Name  string // "reading" (a file), "checking" (against the workspace), "writing" (changes so far), "done"
	File  string // while reading
	Count int    // records to check, or changes written so far
}

// relChunk is how many relationship rows an import holds at once: it
// reads, checks and writes relationships a chunk at a time.
const relChunk = 50_000

// errStop ends the reading of a relationships file early (its header is
// wrong, so every chunk would say the same).
var errStop = errors.New("stop reading")

// errRollBack ends an import without keeping anything it wrote: the files
// have problems, or change nothing.
var errRollBack = errors.New("roll back")

// Import reads actor-map files into workspace ws, all or nothing:
// everything is checked, and kept only if nothing is wrong; any problem,
// failure or cancellation leaves the workspace as it was (the store rolls
// a small import's one transaction back, and undoes a large one's batches
// already written; it is told how many sources and actors the files hold,
// so that a large import goes in batches from its start). It asks the
// workspace only for the
// records the files name (lookupNamed, resolver.lookup, the planner), so
// that its cost follows the files, not the workspace. The files are CSV (actors, relationships, sources), one XLSX
// workbook, or one graph file (Kumu JSON, GraphML, GEXF, JGF). Sources
// and actors are read whole; relationships (the bulk of a large map) are
// read, checked and written a chunk at a time, so a CSV file of a million
// of them is never in memory. With problems, it reports them all (the
// first MaxProblems) and writes nothing; with DryRun, it reports what it
// would do in a read transaction.
func Import(ctx context.Context, target Target, ws string, files []File, opts Options) (*Report, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(Stage) {}
	}
	var m *Mapping
	if opts.Mapping != nil {
		var ps []Problem
		if m, ps = ParseMapping(*opts.Mapping); len(ps) > 0 {
			out := &Report{DryRun: opts.DryRun}
			out.setProblems(ps)
			return out, nil
		}
	}
	mp := newMapper(m, opts.DryRun || opts.SuggestMapping)
	doc, rels, problems, read := readFiles(files, opts.Format, mp, progress)
	ignored := read.dropped
	rep := &Report{DryRun: opts.DryRun, Ignored: ignored, Kept: read.kept}
	written := 0
	// Files already wrong are only checked further: in a read transaction,
	// which locks nothing.
	write := !opts.DryRun && len(problems) == 0
	known := domain.WithImportRows(ctx, len(doc.Sources)+len(doc.Actors))
	err := target.Import(known, ws, write, func(ctx context.Context, tx domain.ImportTx) error {
		progress(Stage{Name: "checking", Count: len(doc.Sources) + len(doc.Actors)})
		named, names, err := lookupNamed(ctx, tx, doc)
		if err != nil {
			return err
		}
		res, ps := newResolver(doc, names, named)
		res.failed = read.failedActors
		problems = append(problems, ps...)
		p := newPlanner(ws, tx, named, doc.Has, opts.Sync, rep)
		// Planning goes on while the rows and their references are sound
		// (a plan over broken references means nothing), so that every
		// problem the plan finds is reported; writing goes on while there
		// is no problem at all.
		canPlan := func() bool { return len(problems) == 0 }
		apply := func(ch *domain.Changes, err error) error {
			if err != nil {
				return err
			}
			if !write || !clean(problems, rep) || ch.Empty() {
				return nil
			}
			written += ch.Size()
			if err := tx.Apply(ctx, ch); err != nil {
				return err
			}
			progress(Stage{Name: "writing", Count: written})
			return nil
		}
		if canPlan() {
			if err := apply(p.sourcesAndActors(ctx, doc)); err != nil {
				return err
			}
			res.add(&domain.Contents{Actors: p.removedActors}, nil)
			p.removedActors = nil
		}
		// From here on the resolver and the planner hold what they need of
		// the sources and actors (keys and ids), not their rows.
		doc.Sources, doc.Actors = nil, nil
		for _, stream := range rels {
			first := true
			ps, err := stream(func(t *Table, readProblems []Problem) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if first && !t.Lenient { // a graph file's tables were listed as they were read
					rep.Kept = append(rep.Kept, keptColumns(t, "relationships")...)
				}
				first = false
				problems = append(problems, readProblems...)
				rows, skipped, ps := ReadRelationships(t)
				rep.Skipped = append(rep.Skipped, skipped...)
				rep.Relationships.Skipped += len(skipped)
				problems = append(problems, ps...)
				if len(rows) == 0 && len(ps) > 0 && ps[0].Row <= 1 {
					return errStop // the header is wrong: every chunk would say so
				}
				found, err := res.lookup(ctx, tx, rows)
				if err != nil {
					return err
				}
				p.addSources(found)
				links, ps := res.relationships(rows)
				problems = append(problems, ps...)
				if !canPlan() {
					return nil
				}
				return apply(p.relationships(ctx, rows, links))
			})
			problems = append(problems, ps...)
			switch {
			case errors.Is(err, errStop):
			case ctx.Err() != nil:
				return errs.E("mapio.Import", errs.Unavailable, "the import was cancelled or ran out of time; nothing was written")
			case err != nil:
				return err
			}
		}
		if res.folded > 0 && read.failedAt >= 0 {
			problems[read.failedAt].Message += fmt.Sprintf("; and %d relationships whose ends are among those actors were not checked", res.folded)
		}
		if res.citedFailed > 0 && read.sourcesFailedAt >= 0 {
			problems[read.sourcesFailedAt].Message += fmt.Sprintf("; and %d records that cite those sources were not checked against them", res.citedFailed)
		}
		if canPlan() {
			if err := apply(p.finish(ctx)); err != nil {
				return err
			}
		}
		if !clean(problems, rep) || written == 0 {
			return errRollBack // nothing is committed (not even the lock's version bump)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollBack) {
		return nil, err
	}
	if len(problems) > 0 { // the rows or their references: counts would mean nothing
		out := &Report{DryRun: opts.DryRun, Skipped: rep.Skipped, Ignored: ignored, Kept: rep.Kept}
		out.Relationships.Skipped = rep.Relationships.Skipped
		out.setProblems(append(problems, rep.Problems...))
		mp.report(out, opts.SuggestMapping)
		return out, nil
	}
	mp.report(rep, opts.SuggestMapping)
	if len(rep.Problems) > 0 { // the plan's: what it would do, and why it will not
		rep.setProblems(rep.Problems)
		return rep, nil
	}
	sortKept(rep.Kept)
	if rep.Written = written > 0; rep.Written {
		progress(Stage{Name: "done"})
	}
	return rep, nil
}

// clean says whether an import found no problem.
func clean(problems []Problem, rep *Report) bool { return len(problems) == 0 && len(rep.Problems) == 0 }

// relStream hands an import's relationship rows to fn a table at a time,
// with the problems found in reading them.
type relStream func(fn func(*Table, []Problem) error) ([]Problem, error)

// tableStream hands out an in-memory table (from a workbook or a graph
// file) in chunks.
func tableStream(t *Table) relStream {
	return func(fn func(*Table, []Problem) error) ([]Problem, error) {
		for start := 0; start == 0 || start < len(t.Rows); start += relChunk {
			c := *t
			c.Rows = t.Rows[start:min(start+relChunk, len(t.Rows))]
			if err := fn(&c, nil); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
}

// readNotes are what reading the files found besides the rows: the
// attributes kept as custom attributes and those dropped; and, when an
// actors table could not be read at all, its actors' keys and the
// problem that says why (relationships that name those actors are folded
// into it, rather than each reported as naming no actor).
type readNotes struct {
	kept         []Kept
	dropped      []Problem
	failedActors map[string]bool
	failedAt     int // index of the failed actors table's problem, or -1
	// sourcesFailedAt is, likewise, the index of the problem of a sources
	// table that could not be read (its keys are doc.failedSources).
	sourcesFailedAt int
}

// readFiles reads every file's sources and actors into one document, and
// returns its relationships as streams to read inside the transaction;
// with them every problem so far, and what was kept and dropped. The
// mapper maps every table on the way.
func readFiles(files []File, format Format, mp *mapper, progress func(Stage)) (*Document, []relStream, []Problem, readNotes) {
	doc := &Document{Has: map[string]bool{}}
	var rels []relStream
	var problems []Problem
	notes := readNotes{failedAt: -1, sourcesFailedAt: -1}
	seen := map[string]string{}
	claim := func(r, file string) bool {
		if other, dup := seen[r]; dup {
			problems = append(problems, Problem{File: file, Code: CodeColumns, Message: fmt.Sprintf("%s also holds %s; give one of each", other, r)})
			return false
		}
		seen[r], doc.Has[r] = file, true
		return true
	}
	var matrixActors *Table // a matrix's actors, unless another file holds them
	for _, f := range files {
		progress(Stage{Name: "reading", File: f.Name})
		in, ps := mp.readOne(f, format)
		problems = append(problems, ps...)
		notes.dropped = append(notes.dropped, in.dropped...)
		if in.stream != nil && claim("relationships", f.Name) {
			rels = append(rels, mp.mapStream(in.stream))
		}
		if in.matrixActors != nil {
			matrixActors = in.matrixActors
		}
		for _, r := range []string{"sources", "actors", "relationships"} {
			t := in.tables[r]
			if t == nil || !claim(r, t.File) {
				continue
			}
			mp.noteColumns(r, t.Header)
			problems = append(problems, mp.apply(r, t, in.format)...)
			notes.kept = append(notes.kept, keptColumns(t, r)...)
			notes.dropped = append(notes.dropped, droppedColumns(t, r)...)
			switch r {
			case "actors":
				rows, ps := ReadActors(t)
				if rows == nil && len(ps) > 0 && len(t.Rows) > 0 {
					notes.failedActors, notes.failedAt = actorKeys(t), len(problems)
				}
				doc.Actors, problems = rows, append(problems, ps...)
			case "sources":
				rows, ps := ReadSources(t)
				if rows == nil && len(ps) > 0 && len(t.Rows) > 0 {
					doc.failedSources, notes.sourcesFailedAt = tableKeys(t, sourceColumns, "externalId"), len(problems)
				}
				doc.Sources, problems = rows, append(problems, ps...)
			case "relationships":
				rels = append(rels, tableStream(t))
			}
		}
	}
	if matrixActors != nil && !doc.Has["actors"] && claim("actors", matrixActors.File) {
		problems = append(problems, mp.matrixActors(matrixActors)...)
		rows, ps := ReadActors(matrixActors)
		doc.Actors, problems = rows, append(problems, ps...)
	}
	problems = append(problems, mp.missingColumns()...)
	if mm := mp.matrix(); mm != nil && mp.matrices == 0 {
		problems = append(problems, Problem{File: mp.m.Name, Row: mp.m.line("matrix", ""), Column: "matrix", Code: CodeMapping, Message: fmt.Sprintf(
			"the mapping has a matrix section, but no file is read as a matrix (%s)", matrixWhich(mm))})
	}
	return doc, rels, problems, notes
}

// actorKeys are every key by which a relationship may name an actor of
// the table: its element ids, external ids and names (names in lower
// case, as the resolver matches them).
func actorKeys(t *Table) map[string]bool {
	keys := tableKeys(t, actorColumns, "externalId")
	for k := range tableKeys(t, actorColumns, "name") {
		keys[strings.ToLower(k)] = true
	}
	return keys
}

// tableKeys are a table's element ids and the values of one field.
func tableKeys(t *Table, known map[string]string, field string) map[string]bool {
	keys := map[string]bool{}
	idx, _ := fields(t, known)
	i, ok := idx[field]
	for _, r := range t.Rows {
		if r.Element != "" {
			keys[r.Element] = true
		}
		if ok && r.Cells[i] != "" {
			keys[r.Cells[i]] = true
		}
	}
	return keys
}

// matrixWhich says which CSV files a matrix section reads.
func matrixWhich(mm *MatrixMap) string {
	if mm.File != "" {
		return fmt.Sprintf("it names %q, which is not among the files", mm.File)
	}
	return `a matrix is a CSV file whose name holds "matrix" or says nothing of its role; or name it with file:`
}

// mapStream maps each chunk of a streamed relationships file.
func (mp *mapper) mapStream(stream relStream) relStream {
	return func(fn func(*Table, []Problem) error) ([]Problem, error) {
		return stream(func(t *Table, ps []Problem) error {
			return fn(t, append(ps, mp.apply("relationships", t, FormatCSV)...))
		})
	}
}

// matrixActors maps the actors a matrix names: their kind is the
// mapping's default kind, which they need.
func (mp *mapper) matrixActors(t *Table) []Problem {
	mp.noteColumns("actors", t.Header)
	if mp.defaultOf("actors", "kind") == "" {
		return []Problem{{File: t.File, Code: CodeMissing, Message: "the matrix names actors but not their kinds; give their kind with --default-kind, or actors: kind: default: in a mapping (or import the actors from a file of their own beside the matrix)"}}
	}
	mp.apply("actors", t, FormatCSV)
	return nil
}

// readIn is what reading one file gives: its tables by role, or a
// stream of a CSV relationships file (read later, a chunk at a time), or
// a matrix's actors (used when no other file holds actors).
type readIn struct {
	format       Format
	tables       map[string]*Table
	stream       relStream
	matrixActors *Table
	dropped      []Problem // what a graph file holds that cannot be kept
}

// readOne reads one file, as the mapping says where it has a say (a
// matrix, a graph of a JGF file).
func (mp *mapper) readOne(f File, format Format) (readIn, []Problem) {
	data := f.Data
	if format == "" {
		format, data = detectFormat(f.Name, f.Data)
	}
	if mm := mp.matrix(); mm != nil && format == FormatCSV && mm.isMatrixFile(f.Name) {
		mp.matrices++
		actors, rels, ps := readMatrix(f.Name, data, mm)
		if rels == nil {
			return readIn{format: format}, ps
		}
		mp.say(fmt.Sprintf("matrix: %s read as an adjacency matrix of %d actors: %d relationships from its non-zero cells", f.Name, len(actors.Rows), len(rels.Rows)), "", 0)
		return readIn{format: format, tables: map[string]*Table{"relationships": rels}, matrixActors: actors}, ps
	}
	if format == FormatJGF {
		return mp.readJGF(f.Name, data)
	}
	if format == FormatCSV && role(f.Name) == "relationships" {
		if header, rest := peekHeader(data); header != nil {
			mp.noteColumns("relationships", header)
			for _, field := range []string{"strength", "confidence"} {
				if fm := mp.m.field("relationships", field); fm != nil && fm.Scale == "max" {
					return readIn{format: format}, []Problem{{File: mp.m.Name, Row: fm.lines["scale"], Column: "relationships." + field + ".scale", Code: CodeMapping,
						Message: `scale: max needs the largest weight before the first relationship is read, but a CSV relationships file is read in parts; give the scale as a number (the largest weight in the file)`}}
				}
			}
			data = rest
		}
	}
	tables, stream, ps, dropped := readOne(File{Name: f.Name, Data: data}, format)
	return readIn{format: format, tables: tables, stream: stream, dropped: dropped}, ps
}

// matrix is the mapping's matrix section, or nil.
func (mp *mapper) matrix() *MatrixMap {
	if mp.m == nil {
		return nil
	}
	return mp.m.Matrix
}

// readJGF reads a JGF file, picking the mapping's graph of several.
func (mp *mapper) readJGF(name string, data io.Reader) (readIn, []Problem) {
	choice := ""
	if mp.m != nil {
		choice = mp.m.Graph
	}
	g, picked, ps := ReadJGFGraph(name, bufio.NewReaderSize(guardText(FormatJGF, data), 64<<10), choice)
	for _, p := range ps {
		if p.Code == CodeGraphs {
			mp.graphs = append(mp.graphs, p.Message)
		}
	}
	if picked != "" {
		mp.say(fmt.Sprintf("graph: %s read graph %s of the file's graphs", name, picked), "", 0)
	}
	g.Format = FormatJGF
	tables, more := graphTables(name, g)
	return readIn{format: FormatJGF, tables: tables, dropped: g.Dropped}, append(ps, more...)
}

// readOne reads one file into tables by role; a CSV relationships file
// comes back as a stream, read later, a chunk at a time.
func readOne(f File, format Format) (map[string]*Table, relStream, []Problem, []Problem) {
	tables, stream, ps, g := readFormat(f, format)
	return tables, stream, ps, g.Dropped
}

// readFormat reads one file in its format (recognised when format is
// ""), with the graph elements it held, if it is a graph file.
func readFormat(f File, format Format) (map[string]*Table, relStream, []Problem, GraphElements) {
	data := f.Data
	if format == "" {
		format, data = detectFormat(f.Name, f.Data)
	}
	var none GraphElements
	switch format {
	case "":
		return nil, nil, []Problem{{File: f.Name, Code: CodeFormat, Message: errUnknownFormat.Error()}}, none
	case FormatXLSX:
		tables, ps := ReadWorkbook(f.Name, data)
		return tables, nil, ps, none
	case FormatCSV:
		r := role(f.Name)
		switch r {
		case "":
			return nil, nil, []Problem{{File: f.Name, Code: CodeFormat,
				Message: "cannot tell what this CSV file holds; name it actors.csv, relationships.csv or sources.csv, or, if it is an adjacency matrix (the actors' names in its first row and first column), give a mapping with a matrix: section"}}, none
		case "relationships":
			return nil, func(fn func(*Table, []Problem) error) ([]Problem, error) {
				ps, err := ReadTableChunks(f.Name, data, relChunk, fn)
				if isReadError(err) {
					return append(ps, Problem{File: f.Name, Code: CodeMalformed, Message: fmt.Sprintf("the file could not be read: %v", err)}), nil
				}
				return ps, err
			}, nil, none
		}
		t, ps := ReadTable(f.Name, data)
		if t == nil || t.Header == nil {
			return nil, nil, ps, none
		}
		return map[string]*Table{r: t}, nil, ps, none
	}
	g, ps := graphReaders[format](f.Name, bufio.NewReaderSize(guardText(format, data), 64<<10))
	g.Format = format
	tables, more := graphTables(f.Name, g)
	return tables, nil, append(ps, more...), g
}

// graphTables turns a graph file's elements into tables.
func graphTables(name string, g GraphElements) (map[string]*Table, []Problem) {
	if g.Size() > MaxGraphCells {
		return nil, []Problem{{File: name, Code: CodeTooLarge, Message: fmt.Sprintf(
			"the file has more elements and attributes than one import takes (%d million values at most); split it, or leave out attributes the service does not read", MaxGraphCells/1_000_000)}}
	}
	tables := g.Tables(name)
	// A graph file is the whole graph: with no edges it still says the
	// map has no relationships (which matters to a sync).
	for _, r := range []string{"actors", "relationships"} {
		if tables[r] == nil {
			tables[r] = &Table{File: name, Lenient: true, Header: graphRoleHeader[r], Place: placeFor(g.Format, r, nil)}
		}
	}
	return tables, nil
}

// peek returns up to n bytes from the start of r, and a reader that still
// gives them: the same reader, moved back, when it can seek (so that a
// CSV file stays seekable), else a buffered one.
func peek(r io.Reader, n int) ([]byte, io.Reader) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, err := rs.Seek(0, io.SeekCurrent); err == nil {
			head := make([]byte, n)
			k, _ := io.ReadFull(rs, head)
			if _, err := rs.Seek(start, io.SeekStart); err == nil {
				return head[:k], rs
			}
		}
	}
	br := bufio.NewReaderSize(r, n)
	head, _ := br.Peek(n)
	return head, br
}

// graphRoleHeader is the header of an empty role of a graph file.
var graphRoleHeader = map[string][]string{"actors": {"name", "kind"}, "relationships": {"from", "to", "type"}}

// MaxProblems is how many problems a report lists: a file that is wrong
// on every one of a million rows needs its first problems fixed, not a
// report of hundreds of megabytes.
const MaxProblems = 1000

// setProblems sorts the problems and keeps the first MaxProblems, with a
// last one that says how many more there are; ProblemCount keeps the total.
func (r *Report) setProblems(ps []Problem) {
	ps = uniqueProblems(ps)
	sortProblems(ps)
	r.ProblemCount = len(ps)
	if len(ps) > MaxProblems {
		more := len(ps) - MaxProblems
		ps = append(ps[:MaxProblems:MaxProblems], Problem{File: ps[MaxProblems].File, Code: CodeTruncated,
			Message: fmt.Sprintf("and %d more problems not listed; fix these and check the files again", more)})
	}
	r.Problems = ps
}

// uniqueProblems drops repeats of a problem: the two relationships an
// undirected edge becomes share its row, and so its problems.
func uniqueProblems(ps []Problem) []Problem {
	seen := make(map[Problem]bool, len(ps))
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// isReadError says whether err came from reading a file, rather than
// from the import itself (its store, its context, or errStop).
func isReadError(err error) bool {
	var e *errs.Error
	return err != nil && !errors.Is(err, errStop) && !errors.As(err, &e) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
