package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/actorgraph/actorgraph/mapio"
)

// runTemplate is `actorgraph template --format csv [-o DIR]`: it writes the
// import template (sources.csv, actors.csv, relationships.csv), with every
// column and example rows, into DIR (the current folder by default). It
// never overwrites a file.
func runTemplate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "csv", "template format: csv")
	out := fs.String("o", ".", "folder to write the template files into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *format != "csv" {
		return fmt.Errorf("template format %q is not available; use csv (xlsx is not supported yet)", *format)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, name := range mapio.TemplateFiles {
		path := filepath.Join(*out, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists; choose another folder with -o", path)
		}
		if err != nil {
			return err
		}
		if err := mapio.WriteTemplate(name, f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
}
