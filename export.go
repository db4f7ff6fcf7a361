package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	if *out == "" {
		*out = "."
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var opened []*os.File
	defer func() {
		for _, f := range opened {
			_ = f.Close()
		}
	}()
	err = mapio.WriteCSV(contents, func(name string) (io.Writer, error) {
		path := filepath.Join(*out, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s already exists; choose another folder with -o", path)
		}
		if err == nil {
			opened = append(opened, f)
			fmt.Fprintln(stdout, "wrote", path)
		}
		return f, err
	})
	if err != nil {
		return err
	}
	for _, f := range opened {
		if err := f.Close(); err != nil {
			return err
		}
	}
	opened = nil
	fmt.Fprintf(stdout, "%d sources, %d actors, %d relationships\n", len(contents.Sources), len(contents.Actors), len(contents.Relationships))
	return nil
}
