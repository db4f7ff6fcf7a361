package resolvers

import (
	"fmt"
	"net/url"
	"path"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/graph/model"
	"github.com/actorgraph/actorgraph/mapio"
)

// MaxImportFiles is the most files one import takes (three CSV files is
// the usual most; the rest is headroom, not an invitation).
const MaxImportFiles = 8

// importOptions checks importActorMap's arguments. The mapping itself is
// checked by the import, which reports its problems (code MAPPING) the
// same way the command line does.
func importOptions(op string, files []*graphql.Upload, format *model.MapFormat, dryRun, sync *bool, mapping *string, suggest *bool) (mapio.Options, error) {
	if len(files) == 0 {
		return mapio.Options{}, errs.Invalidf(op, "files", "give at least one file to import")
	}
	if len(files) > MaxImportFiles {
		return mapio.Options{}, errs.Invalidf(op, "files", "give at most %d files in one import, got %d", MaxImportFiles, len(files))
	}
	name := ""
	if format != nil {
		name = string(*format)
	}
	f, err := mapio.ParseImportFormat(name)
	if err != nil {
		return mapio.Options{}, err
	}
	opts := mapio.Options{Format: f, DryRun: dryRun != nil && *dryRun, Sync: sync != nil && *sync, SuggestMapping: suggest != nil && *suggest}
	if opts.SuggestMapping && !opts.DryRun {
		return mapio.Options{}, errs.Invalidf(op, "suggestMapping", "suggestMapping needs dryRun: a mapping is suggested before anything is imported")
	}
	if mapping != nil && *mapping != "" {
		opts.Mapping = &mapio.MappingInput{Name: "mapping", Text: []byte(*mapping)}
	}
	return opts, nil
}

// mapFormat turns the GraphQL enum into the format's name ("" for none).
func mapFormat(f *model.MapFormat) (mapio.Format, error) {
	if f == nil {
		return "", nil
	}
	return mapio.ParseFormat(string(*f))
}

// ExportPath is where the HTTP export of a workspace in a format lives.
func ExportPath(workspace string, f mapio.Format) string {
	return path.Join("/export", url.PathEscape(fmt.Sprintf("%s.%s", workspace, f)))
}

// nonZero is nil for a zero value, for optional fields.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
