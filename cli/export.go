package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/mapio"
)

const exportSynopsis = "usage: actorgraph export --workspace WORKSPACE_ID --format FORMAT [-o PATH]"

// runExport is `actorgraph export --workspace W --format F [-o PATH]`: it
// writes the workspace in format F (csv, xlsx, kumu, graphml, gexf, jgf,
// cytoscape). CSV is three files, written into the folder PATH (the
// current one by default); every other format is one file at PATH (by
// default W.EXT), or standard output with -o -. It never overwrites a file.
func runExport(ctx context.Context, args []string, std IO) error {
	stdout := std.Stdout
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ws := fs.String("workspace", "", "the workspace id to export")
	format := fs.String("format", "csv", "export format: csv, xlsx, kumu, graphml, gexf, jgf or cytoscape")
	out := fs.String("o", "", "folder (csv) or file to write; - for standard output")
	timeout := fs.Duration("timeout", 30*time.Minute, "longest the export may take")
	if err := parseFlags(fs, args, exportSynopsis, "Exports a workspace's actors, relationships and sources in one format, never over an existing file."); err != nil {
		return err
	}
	if *ws == "" || fs.NArg() > 0 {
		return fmt.Errorf("%s", exportSynopsis)
	}
	f, err := mapio.ParseFormat(*format)
	if err != nil {
		return err
	}
	st, ctx, done, err := openStore(ctx, std.Env, *timeout)
	if err != nil {
		return err
	}
	defer done()
	contents, err := st.Contents(ctx, *ws)
	if err != nil {
		return err
	}
	if err := auth.FlushReads(ctx, st, "cli export "+string(f)); err != nil {
		return fmt.Errorf("recording the export in the audit log: %w", err)
	}
	if err := mapio.CheckKeys(contents); err != nil {
		return err
	}
	summary := fmt.Sprintf("%d sources, %d actors, %d relationships", len(contents.Sources), len(contents.Actors), len(contents.Relationships))
	switch {
	case *out == "-":
		return mapio.Export(contents, f, stdout)
	case f == mapio.FormatCSV:
		err = writeCSVFolder(*out, stdout, mapio.CSVExport(contents))
	default:
		path := *out
		if path == "" {
			path = *ws + "." + f.Extension()
		}
		err = writeNewFile(path, stdout, func(w io.Writer) error { return mapio.Export(contents, f, w) })
	}
	if err == nil {
		fmt.Fprintln(stdout, summary)
	}
	return err
}
