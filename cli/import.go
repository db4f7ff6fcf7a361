package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/mapio"
)

// errProblems makes the command exit non-zero after it printed problems.
var errProblems = errors.New("the files have problems; nothing was imported")

const (
	importSynopsis = "usage: actorgraph import --workspace WORKSPACE_ID [--format FORMAT] [--dry-run [--suggest-mapping PATH]] [--mapping PATH] [--default-kind KIND] [--default-type TYPE] [--default-strength X] [--undirected both|TYPE] [--sync] FILE [FILE ...]"
	importWhat     = "Imports actor-map files (CSV actors, relationships and sources; one XLSX workbook; or one Kumu, GraphML, GEXF, JGF or Cytoscape.js file) into a workspace, all or nothing."
)

// runImport is `actorgraph import --workspace W [--format F] [--dry-run]
// [--sync] FILE...`: it reads the files (CSV, one XLSX workbook, or one
// graph file), checks all of them, and writes them to the workspace, all
// or nothing (in batches that a failure undoes; see store.Neo4j.Import). Progress goes to standard error: a bar on a
// terminal, plain lines otherwise.
func runImport(ctx context.Context, args []string, std IO) error {
	stdout, stderr := std.Stdout, std.Stderr
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ws := fs.String("workspace", "", "the workspace id to import into")
	format := fs.String("format", "", "the files' format (csv, xlsx, kumu, graphml, gexf, jgf, cytoscape); recognised from each file when absent")
	dryRun := fs.Bool("dry-run", false, "report what would change, and every problem, without writing")
	sync := fs.Bool("sync", false, "also remove what the files no longer contain")
	timeout := fs.Duration("timeout", 30*time.Minute, "longest the import may take")
	mapping := fs.String("mapping", "", "a mapping file (YAML) saying what the files' columns and values mean")
	suggest := fs.String("suggest-mapping", "", "with --dry-run: write a mapping skeleton for the files to this path")
	var over mapio.Overrides
	fs.StringVar(&over.DefaultKind, "default-kind", "", "the kind of actors without one (wins over the mapping)")
	fs.StringVar(&over.DefaultType, "default-type", "", "the type of relationships without one (wins over the mapping)")
	fs.StringVar(&over.DefaultStrength, "default-strength", "", "the strength (0 to 1) of relationships without one (wins over the mapping)")
	fs.StringVar(&over.Undirected, "undirected", "", "what an undirected edge becomes: both, DIALOGUE, COOPERATES_WITH or IN_TENSION_WITH (wins over the mapping)")
	if err := parseFlags(fs, args, importSynopsis, importWhat); err != nil {
		return err
	}
	if *ws == "" || fs.NArg() == 0 {
		return errors.New(importSynopsis)
	}
	if *suggest != "" && !*dryRun {
		return errors.New("--suggest-mapping needs --dry-run: a mapping is suggested before anything is imported")
	}
	if *suggest != "" {
		// Said before the dry run, not after it: a large map takes a while
		// to check, and the file is never overwritten anyway.
		if _, err := os.Lstat(*suggest); err == nil {
			return fmt.Errorf("%s already exists; give --suggest-mapping a new file's path (an existing file is never overwritten)", *suggest)
		}
	}
	f, err := mapio.ParseImportFormat(*format)
	if err != nil {
		return err
	}
	opts := mapio.Options{Format: f, DryRun: *dryRun, Sync: *sync, SuggestMapping: *suggest != ""}
	if opts.Mapping, err = mappingInput(*mapping, over); err != nil {
		return err
	}
	st, ctx, done, err := openStore(ctx, std.Env, *timeout)
	if err != nil {
		return err
	}
	defer done()
	progress := newImportProgress(stderr, isTerminal(stderr))
	defer progress.finish()
	var files []mapio.File
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		files = append(files, mapio.File{Name: path, Data: progress.reader(f)})
	}
	opts.Progress = progress.stage
	rep, err := mapio.Import(ctx, st, *ws, files, opts)
	progress.finish()
	if err != nil {
		return err
	}
	if err := auth.FlushReads(ctx, st, "cli import"); err != nil {
		return fmt.Errorf("recording the import's reads in the audit log: %w", err)
	}
	printReport(stdout, rep)
	switch {
	case *suggest != "" && rep.SuggestedMapping == "":
		fmt.Fprintln(stdout, "no mapping suggested: fix the mapping's problems first")
	case *suggest != "":
		if err := writeNew(*suggest, []byte(rep.SuggestedMapping)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "suggested mapping written to %s: check it, fill in its blanks, and import with --mapping %s\n", *suggest, *suggest)
	}
	if len(rep.Problems) > 0 {
		return errProblems
	}
	return nil
}

// mappingInput reads the mapping file, if any, with the command line's
// shortcuts; nil when there is neither.
func mappingInput(path string, over mapio.Overrides) (*mapio.MappingInput, error) {
	if path == "" && over == (mapio.Overrides{}) {
		return nil, nil
	}
	in := &mapio.MappingInput{Name: "command line", Overrides: over}
	if path == "" {
		return in, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the mapping: %w", err)
	}
	defer f.Close()
	// One byte past the limit, so that the parser can say the file is too large.
	if in.Text, err = io.ReadAll(io.LimitReader(f, mapio.MaxMappingBytes+1)); err != nil {
		return nil, fmt.Errorf("reading the mapping: %w", err)
	}
	in.Name = path
	return in, nil
}

// writeNew writes a file that must not exist yet, readable by its owner
// only (a suggested mapping lists a map's values).
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; give --suggest-mapping a new path", path)
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// isTerminal says whether w is a terminal (where a bar can redraw itself).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// importProgress shows how far an import has got: on a terminal a bar of
// bytes read and then a spinner while it checks and writes; elsewhere
// (logs, CI) one plain line per stage.
type importProgress struct {
	out  io.Writer
	tty  bool
	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	stop chan struct{}
}

func newImportProgress(out io.Writer, tty bool) *importProgress {
	return &importProgress{out: out, tty: tty}
}

// reader counts a file's bytes on a bar as the import reads them.
func (p *importProgress) reader(f *os.File) io.Reader {
	if !p.tty {
		return f
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	return &barFile{File: f, newBar: func() *progressbar.ProgressBar {
		return progressbar.NewOptions64(size, progressbar.OptionSetWriter(p.out), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("reading "+f.Name()), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	}, progress: p}
}

// barFile is a file whose reads move a progress bar. It stays seekable
// (reading CSV checks the encoding first, then reads again from the
// start), and a seek starts a new bar, since a bar that reached its end
// cannot go back. The first read stops the stage spinner, so that the two
// do not draw over each other.
type barFile struct {
	*os.File
	newBar   func() *progressbar.ProgressBar
	bar      *progressbar.ProgressBar
	progress *importProgress
}

func (b *barFile) Read(p []byte) (int, error) {
	if b.bar == nil {
		b.progress.finish()
		b.bar = b.newBar()
	}
	n, err := b.File.Read(p)
	_ = b.bar.Add(n)
	return n, err
}

func (b *barFile) Seek(offset int64, whence int) (int64, error) {
	pos, err := b.File.Seek(offset, whence)
	if err == nil && b.bar != nil {
		_ = b.bar.Finish()
		b.bar = nil // the next read starts a new one
	}
	return pos, err
}

func (p *importProgress) stage(s mapio.Stage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var line string
	switch s.Name {
	case "reading":
		if p.tty {
			return // the file's own bar shows it
		}
		line = "reading " + s.File
	case "checking":
		line = fmt.Sprintf("checking %d sources and actors against the workspace, then the relationships as they are read", s.Count)
	case "writing":
		line = fmt.Sprintf("%d changes written so far (kept when the import finishes, undone if it fails)", s.Count)
	case "done":
		line = "committed"
	default:
		return
	}
	line = escaped(line) // a file's name is the operator's, but may hold anything
	if !p.tty {
		fmt.Fprintln(p.out, line)
		return
	}
	if s.Name == "writing" {
		return // on a terminal the relationships file's bar shows how far the import is
	}
	p.spin(line)
}

// spin shows a spinner with the line until the next stage or the end.
func (p *importProgress) spin(line string) {
	p.stopSpinner()
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(p.out), progressbar.OptionSetDescription(line),
		progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish(), progressbar.OptionShowElapsedTimeOnFinish(),
		// The library's own spinner goroutine reads the bar's state
		// without its lock (a data race under -race); the ticker below
		// turns the spinner through Add, which locks.
		progressbar.OptionSetSpinnerChangeInterval(0))
	stop := make(chan struct{})
	p.bar, p.stop = bar, stop
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = bar.Add(1)
			}
		}
	}()
}

func (p *importProgress) stopSpinner() {
	if p.stop != nil {
		close(p.stop)
		_ = p.bar.Finish()
		p.stop, p.bar = nil, nil
	}
}

func (p *importProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopSpinner()
}

// printReport prints an import's report. Its lines quote names and
// values from the files and from the workspace (what a sync removes was
// written by others), so every line is printed escaped.
func printReport(w io.Writer, rep *mapio.Report) {
	say := func(format string, args ...any) { fmt.Fprintln(w, escaped(fmt.Sprintf(format, args...))) }
	for _, r := range rep.Removals { // first: what a sync takes away is what to check before running it
		how := "removed"
		if r.Replaced {
			how = "replaced"
		}
		if rep.DryRun {
			how = "would be " + how
		}
		key := ""
		if r.Key != "" {
			key = " [" + shown(r.Key) + "]"
		}
		say("%s: %s %q%s (%s)", how, r.What, r.Name, key, r.ID)
	}
	for _, p := range rep.Problems {
		say("problem: %s", p)
	}
	for _, p := range rep.Skipped {
		say("skipped: %s", p)
	}
	for _, k := range rep.Kept {
		say("kept: %s %s column %q as the custom attribute %q (%s)", k.File, k.Role, k.Column, k.Key, k.Type)
	}
	for _, p := range rep.Ignored {
		say("dropped: %s", p)
	}
	for _, l := range rep.Mapping {
		say("mapping: %s", l)
	}
	for _, v := range rep.Values {
		say("values: %s", v)
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintf(w, "%d problems; nothing was imported\n", rep.ProblemCount)
		return
	}
	verb := "imported"
	switch {
	case rep.DryRun:
		verb = "dry run, nothing written; would import"
	case !rep.Written:
		verb = "nothing to change: the workspace already holds these files"
	}
	line := func(what string, c mapio.Counts) string {
		return fmt.Sprintf("%s: %d created, %d updated, %d unchanged, %d removed, %d skipped", what, c.Created, c.Updated, c.Unchanged, c.Removed, c.Skipped)
	}
	fmt.Fprintln(w, verb)
	fmt.Fprintln(w, "  "+strings.Join([]string{line("sources", rep.Sources), line("actors", rep.Actors), line("relationships", rep.Relationships)}, "\n  "))
}
