package mapio

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// CSV export: the template's columns, one row per record. Each record is
// written under its external id, or its service id where it has none, and
// relationships name their ends and sources the same way, so that an
// export imported into a new workspace gives back the same map.

// keyOf returns a record's key in files: its external id, else its id.
func keyOf(ext *string, id string) string {
	if ext != nil && *ext != "" {
		return *ext
	}
	return id
}

func fmtFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func fmtInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func fmtBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func fmtDate(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func fmtEnum[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// CSVExport lays the contents out once and returns a function that writes
// one of the three files (by name) to w.
func CSVExport(c *domain.Contents) func(name string, w io.Writer) error {
	files, types := exportTables(c)
	return func(name string, w io.Writer) error { return writeCSV(name, files[name], types[role(name)], w) }
}

// writeCSV writes a file's rows, each text a spreadsheet would run as a
// formula neutralised (see neutralise); types are the custom columns'
// types (the service's own are known by name).
func writeCSV(name string, rows [][]string, types map[string]domain.CustomKind, w io.Writer) error {
	var kinds []domain.CustomKind
	if len(rows) > 0 {
		kinds = cellKinds(rows[0], types)
	}
	cw := csv.NewWriter(w)
	var out []string // one row at a time: an export is not copied whole
	for i, row := range rows {
		out = neutraliseRow(out, i, row, kinds)
		if err := cw.Write(out); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if cw.Flush(); cw.Error() != nil {
		return fmt.Errorf("writing %s: %w", name, cw.Error())
	}
	return nil
}

// exportTables is exportRows with the types of the columns beyond the
// template's (custom attributes and layout), per role. Those columns
// follow the template's: the custom attributes of each role (see
// customColumnsOut), then, for actors, the layout columns some actor
// fills.
func exportTables(c *domain.Contents) (map[string][][]string, map[string]map[string]domain.CustomKind) {
	srcKey := map[string]string{}
	for _, s := range c.Sources {
		srcKey[s.ID] = keyOf(s.ExternalID, s.ID)
	}
	actKey := map[string]string{}
	for _, a := range c.Actors {
		actKey[a.ID] = keyOf(a.ExternalID, a.ID)
	}
	keys := func(ids []string) string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			if k, ok := srcKey[id]; ok {
				out = append(out, k)
			}
		}
		return strings.Join(out, "|")
	}
	actorCustom := make([]domain.Custom, len(c.Actors))
	for i, a := range c.Actors {
		actorCustom[i] = a.Custom
	}
	relCustom := make([]domain.Custom, len(c.Relationships))
	for i, r := range c.Relationships {
		relCustom[i] = r.Custom
	}
	actorCols, relCols := customColumnsOut("actors", actorCustom), customColumnsOut("relationships", relCustom)
	layoutCols := layoutColumnsOut(c.Actors)
	files := map[string][][]string{
		"sources.csv":       {templates["sources.csv"][0]},
		"actors.csv":        {withColumns(templates["actors.csv"][0], actorCols, layoutCols)},
		"relationships.csv": {withColumns(templates["relationships.csv"][0], relCols, nil)},
	}
	for _, s := range c.Sources {
		files["sources.csv"] = append(files["sources.csv"], []string{srcKey[s.ID], s.Title, string(s.Kind), str(s.URL),
			fmtDate(s.PublishedOn), fmtFloat(s.Reliability), string(s.Sensitivity)})
	}
	for _, a := range c.Actors {
		at := a.ActorAttributes
		row := []string{actKey[a.ID], a.Name, string(a.Kind), a.Description, a.Region,
			strings.Join(a.Tags, "|"), fmtFrameworks(a.Frameworks), keys(a.SourceIDs),
			fmtInt(at.Population), fmtFloat(at.RightsAwareness), fmtBool(at.Marginalised), fmtBool(at.Displaced), fmtBool(at.Unregistered),
			fmtEnum(at.Level), fmtEnum(at.Branch), fmtEnum(at.ForceType), fmtBool(at.StateAffiliated), str(at.Focus), fmtBool(at.WomenLed),
			fmtInt(at.Membership), fmtEnum(at.OrganizationType), fmtEnum(at.AuthorityType), fmtEnum(at.InternationalType),
			string(a.Sensitivity)}
		row = append(append(row, customCells(actorCols, a.Custom)...), layoutCells(layoutCols, a.Layout)...)
		files["actors.csv"] = append(files["actors.csv"], row)
	}
	for _, r := range c.Relationships {
		row := []string{keyOf(r.ExternalID, r.ID), actKey[r.FromID], actKey[r.ToID],
			string(r.Type), fmtFloat(&r.Strength), "", fmtFloat(&r.Confidence), str(r.PerceivedBy),
			fmtEnum(r.Mechanism), fmtEnum(r.Channel), fmtEnum(r.Power), fmtEnum(r.Form), fmtDate(r.ValidFrom), fmtDate(r.ValidTo),
			r.Notes, fmtFrameworks(r.Frameworks), keys(r.SourceIDs), string(r.Sensitivity)}
		files["relationships.csv"] = append(files["relationships.csv"], append(row, customCells(relCols, r.Custom)...))
	}
	types := map[string]map[string]domain.CustomKind{
		"actors":        columnKinds(actorCols, layoutCols),
		"relationships": columnKinds(relCols, nil),
	}
	return files, types
}

// withColumns is a template header followed by the custom and layout
// columns.
func withColumns(header []string, custom []customOut, layout []string) []string {
	out := append([]string(nil), header...)
	for _, c := range custom {
		out = append(out, c.column)
	}
	return append(out, layout...)
}
