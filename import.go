package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
)

// errProblems makes the command exit non-zero after it printed problems.
var errProblems = errors.New("the files have problems; nothing was imported")

// runImport is `actorgraph import --workspace W [--dry-run] [--sync] FILE...`:
// it reads CSV files (actors, relationships, sources), checks all of them,
// and writes them to the workspace in one transaction, or nothing.
func runImport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ws := fs.String("workspace", "", "the workspace id to import into")
	dryRun := fs.Bool("dry-run", false, "report what would change, and every problem, without writing")
	sync := fs.Bool("sync", false, "also remove what the files no longer contain")
	timeout := fs.Duration("timeout", 30*time.Minute, "longest the import may take")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ws == "" || fs.NArg() == 0 {
		return fmt.Errorf("usage: actorgraph import --workspace WORKSPACE_ID [--dry-run] [--sync] FILE...")
	}
	cfg, err := parseConfig(nil)
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.Neo4j, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	defer func() { _ = st.Close(context.Background()) }()
	var files []mapio.File
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		files = append(files, mapio.File{Name: path, Data: f})
	}
	rep, err := mapio.Import(ctx, st, *ws, files, *dryRun, *sync)
	if err != nil {
		return err
	}
	printReport(stdout, rep, *dryRun)
	if len(rep.Problems) > 0 {
		return errProblems
	}
	return nil
}

func printReport(w io.Writer, rep *mapio.Report, dryRun bool) {
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
	for _, p := range rep.Skipped {
		fmt.Fprintln(w, "skipped:", p)
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(w, "%d problems; nothing was imported\n", len(rep.Problems))
		return
	}
	verb := "imported"
	if dryRun {
		verb = "dry run, nothing written; would import"
	}
	line := func(what string, c mapio.Counts) string {
		return fmt.Sprintf("%s: %d created, %d updated, %d unchanged, %d removed, %d skipped", what, c.Created, c.Updated, c.Unchanged, c.Removed, c.Skipped)
	}
	fmt.Fprintln(w, verb)
	fmt.Fprintln(w, "  "+strings.Join([]string{line("sources", rep.Sources), line("actors", rep.Actors), line("relationships", rep.Relationships)}, "\n  "))
}
