package mapio

import (
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

// Import reads CSV files, or one XLSX workbook, into workspace ws: validate everything first,
// then write everything in one transaction, or nothing. With problems, it
// reports them all and writes nothing; with dryRun, it reports what it
// would do and writes nothing.
func Import(ctx context.Context, target Target, ws string, files []File, dryRun, sync bool) (*Report, error) {
	doc := &Document{}
	var problems []Problem
	seen := map[string]string{}
	add := func(r string, t *Table) {
		if other, dup := seen[r]; dup {
			problems = append(problems, Problem{File: t.File, Code: CodeColumns, Message: fmt.Sprintf("%s also holds %s; give one of each", other, r)})
			return
		}
		seen[r] = t.File
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
		if strings.HasSuffix(strings.ToLower(f.Name), ".xlsx") {
			tables, ps := ReadWorkbook(f.Name, f.Data)
			problems = append(problems, ps...)
			for _, r := range []string{"sources", "actors", "relationships"} {
				if t := tables[r]; t != nil {
					add(r, t)
				}
			}
			continue
		}
		r := role(f.Name)
		if r == "" {
			problems = append(problems, Problem{File: f.Name, Code: CodeColumns,
				Message: "cannot tell what this file holds; name it actors.csv, relationships.csv or sources.csv (or give one .xlsx workbook)"})
			continue
		}
		t, ps := ReadTable(f.Name, f.Data)
		problems = append(problems, ps...)
		if t == nil || t.Header == nil {
			continue
		}
		add(r, t)
	}
	existing, err := target.Contents(ctx, ws)
	if err != nil {
		return nil, err
	}
	links, ps := Resolve(doc, existing.Actors...)
	problems = append(problems, ps...)
	if len(problems) > 0 {
		sortProblems(problems)
		return &Report{Problems: problems, Skipped: doc.Skipped}, nil
	}
	changes, report := Plan(ws, doc, links, existing, sync)
	if dryRun || changes.Empty() {
		return report, nil // an import that changes nothing does not write (or bump the version)
	}
	if err := target.ApplyChanges(ctx, ws, changes); err != nil {
		return nil, err
	}
	return report, nil
}
