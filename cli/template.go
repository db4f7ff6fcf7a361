package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/actorgraph/actorgraph/mapio"
)

// runTemplate is `actorgraph template --format csv|xlsx [-o PATH]`: it
// writes the import template, with every column and example rows: for csv
// sources.csv, actors.csv and relationships.csv into the folder PATH (the
// current one by default); for xlsx one workbook at PATH (by default
// actorgraph-template.xlsx). It never overwrites a file.
func runTemplate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "csv", "template format: csv or xlsx")
	out := fs.String("o", "", "folder (csv) or file (xlsx) to write")
	if err := parseFlags(fs, args, "usage: actorgraph template [--format csv|xlsx] [-o PATH]",
		"Writes the import template: every column, with example rows, as three CSV files or one XLSX workbook, never over an existing file."); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch *format {
	case "xlsx":
		path := *out
		if path == "" {
			path = "actorgraph-template.xlsx"
		}
		return writeNewFile(path, stdout, mapio.WriteTemplateXLSX)
	case "csv":
	default:
		return fmt.Errorf("template format %q is not available; use csv or xlsx", *format)
	}
	return writeCSVFolder(*out, stdout, mapio.WriteTemplate)
}

// writeCSVFolder writes the three CSV files (sources, actors,
// relationships) into dir (the current folder when empty), never over an
// existing file.
func writeCSVFolder(dir string, stdout io.Writer, write func(name string, w io.Writer) error) error {
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range mapio.TemplateFiles {
		if err := writeNewFile(filepath.Join(dir, name), stdout, func(w io.Writer) error { return write(name, w) }); err != nil {
			return err
		}
	}
	return nil
}

// writeNewFile creates path (never over an existing file) and fills it.
func writeNewFile(path string, stdout io.Writer, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // maps are sensitive: owner only
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists; choose another path with -o", path)
	}
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		_ = os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote", path)
	return nil
}
