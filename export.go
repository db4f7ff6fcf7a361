package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
)

// runExport is `actorgraph export --workspace W --format csv|xlsx [-o PATH]`:
// it writes the workspace as sources.csv, actors.csv and relationships.csv
// into the folder PATH (csv; the current one by default) or as one
// workbook at PATH (xlsx; WORKSPACE.xlsx by default), never over existing
// files.
func runExport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ws := fs.String("workspace", "", "the workspace id to export")
	format := fs.String("format", "csv", "export format: csv or xlsx")
	out := fs.String("o", "", "folder (csv) or file (xlsx) to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ws == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: actorgraph export --workspace WORKSPACE_ID --format csv|xlsx [-o PATH]")
	}
	if *format != "csv" && *format != "xlsx" {
		return fmt.Errorf("export format %q is not available yet; use csv or xlsx", *format)
	}
	cfg, err := parseConfig(nil)
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.Neo4j, nil)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	contents, err := st.Contents(ctx, *ws)
	if err != nil {
		return err
	}
	if *format == "xlsx" {
		path := *out
		if path == "" {
			path = *ws + ".xlsx"
		}
		return writeNewFile(path, stdout, func(w io.Writer) error { return mapio.WriteXLSX(contents, w) })
	}
	if err := writeCSVFolder(*out, stdout, mapio.CSVExport(contents)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d sources, %d actors, %d relationships\n", len(contents.Sources), len(contents.Actors), len(contents.Relationships))
	return nil
}
