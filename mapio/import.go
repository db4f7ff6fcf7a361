package mapio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Target is the workspace an import writes to (the store).
type Target interface {
	Contents(ctx context.Context, ws string) (*domain.Contents, error)
	ApplyChanges(ctx context.Context, ws string, ch *domain.Changes) error
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
}

// Stage is a step of an import, for progress reports.
type Stage struct {
	Name  string // "reading", "checking", "writing", "done"
	File  string // while reading
	Count int    // records so far (read) or to write
}

// Import reads actor-map files into workspace ws: validate everything
// first, then write everything in one transaction, or nothing. The files
// are CSV (actors, relationships, sources), one XLSX workbook, or one
// graph file (Kumu JSON, GraphML, GEXF, JGF). With problems, it reports
// them all and writes nothing; with DryRun, it reports what it would do
// and writes nothing.
func Import(ctx context.Context, target Target, ws string, files []File, opts Options) (*Report, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(Stage) {}
	}
	doc, problems, ignored := readFiles(files, opts.Format, progress)
	progress(Stage{Name: "checking", Count: len(doc.Actors) + len(doc.Relationships) + len(doc.Sources)})
	existing, err := target.Contents(ctx, ws)
	if err != nil {
		return nil, err
	}
	links, ps := Resolve(doc, existing)
	problems = append(problems, ps...)
	if len(problems) > 0 {
		rep := &Report{DryRun: opts.DryRun, Skipped: doc.Skipped, Ignored: ignored}
		rep.setProblems(problems)
		return rep, nil
	}
	changes, report := Plan(ws, doc, links, existing, opts.Sync)
	report.Ignored, report.DryRun = ignored, opts.DryRun
	if len(report.Problems) > 0 { // references the plan would break
		report.setProblems(report.Problems)
		return report, nil
	}
	if opts.DryRun || changes.Empty() {
		return report, nil // an import that changes nothing does not write (or bump the version)
	}
	progress(Stage{Name: "writing", Count: changes.Size()})
	if err := target.ApplyChanges(ctx, ws, changes); err != nil {
		return nil, err
	}
	report.Written = true
	progress(Stage{Name: "done"})
	return report, nil
}

// readFiles reads every file into one document, gathering every problem,
// and the attributes of graph files that the service does not read.
func readFiles(files []File, format Format, progress func(Stage)) (*Document, []Problem, []Problem) {
	doc := &Document{Has: map[string]bool{}}
	var problems, ignored []Problem
	seen := map[string]string{}
	add := func(r string, t *Table) {
		if other, dup := seen[r]; dup {
			problems = append(problems, Problem{File: t.File, Code: CodeColumns, Message: fmt.Sprintf("%s also holds %s; give one of each", other, r)})
			return
		}
		seen[r] = t.File
		doc.Has[r] = true
		ignored = append(ignored, ignoredColumns(t, r)...)
		switch r {
		case "actors":
			rows, ps := ReadActors(t)
			doc.Actors, problems = rows, append(problems, ps...)
		case "relationships":
			rows, skipped, ps := ReadRelationships(t)
			doc.Relationships, doc.Skipped, problems = rows, skipped, append(problems, ps...)
		case "sources":
			rows, ps := ReadSources(t)
			doc.Sources, problems = rows, append(problems, ps...)
		}
	}
	for _, f := range files {
		progress(Stage{Name: "reading", File: f.Name})
		tables, ps := readOne(f, format)
		problems = append(problems, ps...)
		for _, r := range []string{"sources", "actors", "relationships"} {
			if t := tables[r]; t != nil {
				add(r, t)
			}
		}
	}
	return doc, problems, ignored
}

// readOne reads one file into tables by role.
func readOne(f File, format Format) (map[string]*Table, []Problem) {
	br := bufio.NewReaderSize(f.Data, 64<<10)
	if format == "" {
		head, _ := br.Peek(4096) // a short file gives what it has
		format = DetectFormat(f.Name, head)
	}
	switch format {
	case "":
		return nil, []Problem{{File: f.Name, Code: CodeFormat,
			Message: "cannot tell what this file holds; name CSV files actors.csv, relationships.csv and sources.csv, or give an .xlsx, Kumu .json, .graphml, .gexf or JGF .json file"}}
	case FormatCytoscape:
		return nil, []Problem{{File: f.Name, Code: CodeFormat,
			Message: "Cytoscape.js elements are an export format for display; import the map as Kumu JSON, GraphML, GEXF, JGF, CSV or XLSX"}}
	case FormatXLSX:
		return ReadWorkbook(f.Name, br)
	case FormatCSV:
		r := role(f.Name)
		if r == "" {
			return nil, []Problem{{File: f.Name, Code: CodeFormat,
				Message: "cannot tell what this CSV file holds; name it actors.csv, relationships.csv or sources.csv"}}
		}
		t, ps := ReadTable(f.Name, br)
		if t == nil || t.Header == nil {
			return nil, ps
		}
		return map[string]*Table{r: t}, ps
	}
	g, ps := graphReaders[format](f.Name, br)
	if g.Size() > MaxGraphCells {
		return nil, append(ps, Problem{File: f.Name, Code: CodeTooLarge, Message: fmt.Sprintf(
			"the file has more elements and attributes than one import takes (%d million values at most); split it, or leave out attributes the service does not read", MaxGraphCells/1_000_000)})
	}
	tables := g.Tables(f.Name)
	// A graph file is the whole graph: with no edges it still says the
	// map has no relationships (which matters to a sync).
	for _, r := range []string{"actors", "relationships"} {
		if tables[r] == nil {
			tables[r] = &Table{File: f.Name, Lenient: true, Header: graphRoleHeader[r]}
		}
	}
	return tables, ps
}

// graphRoleHeader is the header of an empty role of a graph file.
var graphRoleHeader = map[string][]string{"actors": {"name", "kind"}, "relationships": {"from", "to", "type"}}

// ignoredColumns lists the columns of a lenient (graph-file) table that
// the service does not read, once per column.
func ignoredColumns(t *Table, r string) []Problem {
	if !t.Lenient {
		return nil
	}
	known := map[string]map[string]string{"actors": actorColumns, "relationships": relationshipColumns, "sources": sourceColumns}[r]
	var out []Problem
	for _, h := range t.Header {
		if _, ok := known[normalize(h)]; !ok && h != "" {
			out = append(out, Problem{File: t.File, Column: h, Code: CodeIgnored,
				Message: fmt.Sprintf("%s attribute %q is not one this service reads; it was left out", r[:len(r)-1], h)})
		}
	}
	return out
}

// MaxProblems is how many problems a report lists: a file that is wrong
// on every one of a million rows needs its first problems fixed, not a
// report of hundreds of megabytes.
const MaxProblems = 1000

// setProblems sorts the problems and keeps the first MaxProblems, with a
// last one that says how many more there are; ProblemCount keeps the total.
func (r *Report) setProblems(ps []Problem) {
	sortProblems(ps)
	r.ProblemCount = len(ps)
	if len(ps) > MaxProblems {
		more := len(ps) - MaxProblems
		ps = append(ps[:MaxProblems:MaxProblems], Problem{File: ps[MaxProblems].File, Code: CodeTruncated,
			Message: fmt.Sprintf("and %d more problems not listed; fix these and check the files again", more)})
	}
	r.Problems = ps
}
