package mapio

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Format is a file format for actor mappings, named as the command line
// and URLs name it.
type Format string

const (
	FormatCSV       Format = "csv"
	FormatXLSX      Format = "xlsx"
	FormatKumu      Format = "kumu"
	FormatGraphML   Format = "graphml"
	FormatGEXF      Format = "gexf"
	FormatJGF       Format = "jgf"
	FormatCytoscape Format = "cytoscape"
)

// Formats are every format, in the order documentation lists them.
var Formats = []Format{FormatCSV, FormatXLSX, FormatKumu, FormatGraphML, FormatGEXF, FormatJGF, FormatCytoscape}

// ParseFormat reads a format name in any case ("GEXF" as GraphQL's enum
// writes it, "gexf" as URLs do).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range Formats {
		if x == f {
			return f, nil
		}
	}
	return "", errs.Invalidf("mapio.ParseFormat", "format", "format %q is not one of: %s", s, joinNames(Formats))
}

// CanImport says whether files in this format can be imported: every
// format can.
func (f Format) CanImport() bool { return f != "" }

// ParseImportFormat reads the name of a format to import from: "" for
// none (recognise each file), and an error for an unknown format.
func ParseImportFormat(s string) (Format, error) {
	if s == "" {
		return "", nil
	}
	return ParseFormat(s)
}

// ContentType is the media type an HTTP export sends.
func (f Format) ContentType() string {
	switch f {
	case FormatCSV:
		return "application/zip" // the three files in one zip
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatGraphML:
		return "application/graphml+xml"
	case FormatGEXF:
		return "application/gexf+xml"
	}
	return "application/json"
}

// Extension is the file name extension of an export.
func (f Format) Extension() string {
	switch f {
	case FormatCSV:
		return "zip"
	case FormatKumu:
		return "kumu.json"
	case FormatJGF:
		return "jgf.json"
	case FormatCytoscape:
		return "cyjs"
	}
	return string(f)
}

// graphReaders read the graph formats into elements.
var graphReaders = map[Format]func(file string, r io.Reader) (GraphElements, []Problem){
	FormatKumu:      ReadKumu,
	FormatGraphML:   ReadGraphML,
	FormatGEXF:      ReadGEXF,
	FormatJGF:       ReadJGF,
	FormatCytoscape: ReadCytoscape,
}

// graphWriters write elements in the graph formats.
var graphWriters = map[Format]func(g GraphElements, w io.Writer) error{
	FormatKumu:      WriteKumu,
	FormatGraphML:   WriteGraphML,
	FormatGEXF:      WriteGEXF,
	FormatJGF:       WriteJGF,
	FormatCytoscape: WriteCytoscape,
}

// Export writes a workspace's contents in format f. CSV, which is three
// files, is written as one zip of actors.csv, relationships.csv and
// sources.csv (use WriteCSV for a folder).
func Export(c *domain.Contents, f Format, w io.Writer) error {
	if err := CheckKeys(c); err != nil {
		return err
	}
	switch f {
	case FormatCSV:
		return writeCSVZip(c, w)
	case FormatXLSX:
		return WriteXLSX(c, w)
	}
	write, ok := graphWriters[f]
	if !ok {
		return errs.Invalidf("mapio.Export", "format", "format %q is not one of: %s", f, joinNames(Formats))
	}
	return write(ExportElements(c), w)
}

func writeCSVZip(c *domain.Contents, w io.Writer) error {
	zw := zip.NewWriter(w)
	write := CSVExport(c)
	for _, name := range []string{"actors.csv", "relationships.csv", "sources.csv"} {
		fw, err := zw.Create(name)
		if err != nil {
			return fmt.Errorf("zipping %s: %w", name, err)
		}
		if err := write(name, fw); err != nil {
			return err
		}
	}
	return zw.Close()
}

// CheckKeys makes sure every record of a kind has its own key in files
// (external id, else service id): an actor whose external id is another
// actor's service id would make an export ambiguous. It fails before
// anything is written.
func CheckKeys(c *domain.Contents) error {
	seen := map[string]string{}
	check := func(what string, ext *string, id string) error {
		k := what + "\x00" + keyOf(ext, id)
		if other, dup := seen[k]; dup {
			return &errs.Error{Op: "mapio.Export", Kind: errs.Conflict, Msg: fmt.Sprintf(
				"%ss %s and %s would both be written as %q; give one of them another external id", what, other, id, keyOf(ext, id))}
		}
		seen[k] = id
		return nil
	}
	for _, s := range c.Sources {
		if err := check("source", s.ExternalID, s.ID); err != nil {
			return err
		}
	}
	for _, a := range c.Actors {
		if err := check("actor", a.ExternalID, a.ID); err != nil {
			return err
		}
	}
	for _, r := range c.Relationships {
		if err := check("relationship", r.ExternalID, r.ID); err != nil {
			return err
		}
	}
	return nil
}
