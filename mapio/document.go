package mapio

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Document is an actor mapping read from files, before it touches the
// database: rows turned into domain inputs, each remembering where it came
// from. References between rows (a relationship's From and To, a row's
// sources) are still the file's own keys, resolved by Resolve. (An import
// holds its sources and actors this way, and streams its relationships.)
type Document struct {
	Sources       []SourceRow
	Actors        []ActorRow
	Relationships []RelationshipRow
	// Has says which roles ("actors", "relationships", "sources") the
	// files hold: a sync removes only within those.
	Has map[string]bool
	// failedSources are the keys of a sources table that could not be
	// read at all: citing one is a consequence of that, not a problem of
	// its own.
	failedSources map[string]bool
}

// Ref says where a row came from.
type Ref struct {
	File    string
	Row     int
	Element string // graph files: the element's id

	headers map[string]string // field name -> the column as the file names it
	place   *Place            // graph files: how the format names elements and attributes
}

// problem is a problem about the row ref names, on the column that holds
// field, named as the file names it ("To", not "to").
func (r Ref) problem(field, code, msg string) Problem {
	column := field
	if h, ok := r.headers[field]; ok {
		column = h
	}
	p := Problem{File: r.File, Row: r.Row, Element: r.Element, Column: column, Code: code, Message: msg}
	if r.place != nil {
		p.Place = r.place.describe(r.Element, column)
	}
	return p
}

// headerNames maps field names to the table's own column names.
func headerNames(t *Table, idx map[string]int) map[string]string {
	out := make(map[string]string, len(idx))
	for f, i := range idx {
		out[f] = t.Header[i]
	}
	return out
}

// SourceRow is one source; its key is its external id.
type SourceRow struct {
	Ref
	Input domain.SourceInput
}

// ActorRow is one actor; SourceKeys are its sources' external ids.
type ActorRow struct {
	Ref
	Input      domain.ActorInput
	SourceKeys []string
}

// RelationshipRow is one relationship; From and To name actors by
// external id or, where unambiguous, by name.
type RelationshipRow struct {
	Ref
	Input      domain.RelationshipInput
	From, To   string
	SourceKeys []string
}

// columnAliases maps a normalised header (lower case, no spaces, dashes or
// underscores) to the service's field name. Kumu's headers (Label, Type,
// Description, Tags, From, To) are accepted beside the service's own.
var actorColumns = aliases(map[string][]string{
	"externalId":        {"externalid", "id", "key", "actorid"},
	"name":              {"name", "label"},
	"kind":              {"kind", "type", "actorkind"},
	"description":       {"description"},
	"region":            {"region"},
	"tags":              {"tags", "tag"},
	"frameworks":        {"frameworks", "framework"},
	"sources":           {"sources", "source", "sourceids"},
	"population":        {"population"},
	"rightsAwareness":   {"rightsawareness"},
	"marginalised":      {"marginalised", "marginalized"},
	"displaced":         {"displaced"},
	"unregistered":      {"unregistered"},
	"level":             {"level"},
	"branch":            {"branch"},
	"forceType":         {"forcetype"},
	"stateAffiliated":   {"stateaffiliated"},
	"focus":             {"focus"},
	"womenLed":          {"womenled"},
	"membership":        {"membership"},
	"organizationType":  {"organizationtype", "organisationtype"},
	"authorityType":     {"authoritytype"},
	"internationalType": {"internationaltype"},
	"sensitivity":       {"sensitivity", "sensitivitylevel"},
	"layoutX":           {layoutX},
	"layoutY":           {layoutY},
	"layoutZ":           {layoutZ},
	"layoutSize":        {layoutSize},
	"layoutColor":       {layoutColor},
})

var relationshipColumns = aliases(map[string][]string{
	"externalId":  {"externalid", "id", "key", "relationshipid"},
	"from":        {"from", "source", "fromid"},
	"to":          {"to", "target", "toid"},
	"type":        {"type", "relationshiptype", "connectiontype"},
	"strength":    {"strength", "weight"},
	"trustSurvey": {"trustsurvey"},
	"confidence":  {"confidence"},
	"perceivedBy": {"perceivedby"},
	"mechanism":   {"mechanism"},
	"channel":     {"channel"},
	"power":       {"power"},
	"form":        {"form"},
	"validFrom":   {"validfrom", "start", "from date"},
	"validTo":     {"validto", "end"},
	"notes":       {"notes", "description"},
	"frameworks":  {"frameworks", "framework"},
	"sources":     {"sources", "sourceids", "evidence"},
	"sensitivity": {"sensitivity", "sensitivitylevel"},
})

var sourceColumns = aliases(map[string][]string{
	"externalId":  {"externalid", "id", "key", "sourceid"},
	"title":       {"title", "label", "name"},
	"kind":        {"kind", "type"},
	"url":         {"url", "link"},
	"publishedOn": {"publishedon", "published", "date"},
	"reliability": {"reliability"},
	"sensitivity": {"sensitivity", "sensitivitylevel"},
})

// roleColumns are the columns each role of a map reads.
var roleColumns = map[string]map[string]string{"actors": actorColumns, "relationships": relationshipColumns, "sources": sourceColumns}

func aliases(m map[string][]string) map[string]string {
	out := map[string]string{}
	for field, names := range m {
		for _, n := range names {
			out[normalize(n)] = field
		}
	}
	return out
}

// headerNoise is what normalize drops from a header.
var headerNoise = strings.NewReplacer(" ", "", "_", "", "-", "")

func normalize(h string) string {
	return headerNoise.Replace(strings.ToLower(strings.TrimSpace(h)))
}

// fields maps a table's columns to field names: which column holds each
// field, and the problems with the header (repeated columns). Other
// columns are custom attributes (see customColumns), or, for sources,
// listed as dropped.
func fields(t *Table, known map[string]string) (map[string]int, []Problem) {
	idx := map[string]int{}
	for i, f := range t.Mapped {
		if isField(f) {
			idx[f] = i
		}
	}
	var problems []Problem
	for i, h := range t.Header {
		if _, mapped := t.Mapped[i]; mapped {
			continue // the mapping said what this column holds, or that it is not read
		}
		f, ok := known[normalize(h)]
		if !ok {
			continue
		}
		if _, dup := idx[f]; dup {
			problems = append(problems, Problem{File: t.File, Row: 1, Column: h, Code: CodeColumns,
				Message: fmt.Sprintf("column %q repeats %s", h, f)})
			continue
		}
		idx[f] = i
	}
	return idx, problems
}

// cells reads one row's values by field name, gathering problems.
type cells struct {
	t        *Table
	row      Row
	idx      map[string]int
	problems []Problem
}

// newCells reads row r of t, reporting the fields the row gives twice
// with different values.
func newCells(t *Table, r Row, idx map[string]int) *cells {
	c := &cells{t: t, row: r, idx: idx}
	for _, x := range r.Conflicts {
		c.problem(x.Field, CodeColumns, fmt.Sprintf("%q and %q both give %s, with different values (%q and %q); keep one",
			x.Names[0], x.Names[1], x.Field, x.Values[0], x.Values[1]))
	}
	return c
}

func (c *cells) get(field string) string {
	if i, ok := c.idx[field]; ok {
		return c.row.Cells[i]
	}
	return ""
}

func (c *cells) column(field string) string {
	if i, ok := c.idx[field]; ok {
		return c.t.Header[i]
	}
	return field
}

func (c *cells) problem(field, code, msg string) {
	c.problems = append(c.problems, c.t.located(Problem{File: c.t.File, Row: c.row.Number, Element: c.row.Element, Column: c.column(field), Code: code, Message: msg}))
}

func (c *cells) opt(field string) *string {
	if v := c.get(field); v != "" {
		return &v
	}
	return nil
}

func (c *cells) unit(field string) *float64 {
	v := c.get(field)
	if v == "" {
		return nil
	}
	f, code, msg := parseUnit(v)
	if code != "" {
		c.problem(field, code, field+" "+msg)
		return nil
	}
	return &f
}

func (c *cells) count(field string) *int {
	v := c.get(field)
	if v == "" {
		return nil
	}
	n, code, msg := parseCount(v)
	if code != "" {
		c.problem(field, code, field+" "+msg)
		return nil
	}
	return &n
}

func (c *cells) boolean(field string) *bool {
	v := c.get(field)
	if v == "" {
		return nil
	}
	b, code, msg := parseBool(v)
	if code != "" {
		c.problem(field, code, field+" "+msg)
		return nil
	}
	return &b
}

func (c *cells) date(field string, edge int) *domain.Date {
	v := c.get(field)
	if v == "" {
		return nil
	}
	d, code, msg := parseDate(v, edge)
	if code != "" {
		c.problem(field, code, field+" "+msg)
		return nil
	}
	return &d
}

// enum reads an enum value, accepting the schema's spelling in any case
// and with spaces or dashes for underscores ("Security force").
func enum[T ~string](c *cells, field string, valid []T) *T {
	v := c.get(field)
	if v == "" {
		return nil
	}
	want := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(v))
	for _, x := range valid {
		if string(x) == want {
			return &x
		}
	}
	names := make([]string, len(valid))
	for i, x := range valid {
		names[i] = string(x)
	}
	c.problem(field, CodeEnum, fmt.Sprintf("%s %q is not one of the allowed values: %s", field, v, strings.Join(names, ", ")))
	return nil
}

// kindAliases are the everyday names of actor kinds that maps use.
var kindAliases = map[string]domain.ActorKind{
	"CIVIL_SOCIETY_ORGANIZATION": domain.KindCivilSociety, "CIVIL_SOCIETY_ORGANISATION": domain.KindCivilSociety,
	"CSO": domain.KindCivilSociety, "MEDIA": domain.KindCivilSociety, "INTERNATIONAL_ACTOR": domain.KindInternational,
	"STATE": domain.KindStateInstitution, "INSTITUTION": domain.KindStateInstitution,
}

// domainProblem turns a validation error of the domain into a problem on
// the column it names.
func (c *cells) domainProblem(err error) {
	var e *errs.Error
	field, msg := "", err.Error()
	if errors.As(err, &e) {
		msg, field = errs.Public(err)
	}
	c.problem(field, CodeEnum, msg)
}

// sortProblems orders problems by file, row and column.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		if ps[i].Row != ps[j].Row {
			return ps[i].Row < ps[j].Row
		}
		return ps[i].Column < ps[j].Column
	})
}

// where says where a row is, as a message names it.
func (r Ref) where() string {
	if r.place != nil && r.Element != "" {
		return r.place.element(r.Element)
	}
	if r.Element != "" {
		return fmt.Sprintf("%s element %q", r.File, r.Element)
	}
	return fmt.Sprintf("%s row %d", r.File, r.Row)
}
