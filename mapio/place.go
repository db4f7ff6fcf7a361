package mapio

import (
	"fmt"
	"strconv"
	"strings"
)

// Place names a graph file's elements and attributes in its format's
// words, so that a problem says `GEXF node "n3", attribute "kind"` or
// `GraphML node "n3", key "d1" (attr.name "kind")`, as the researcher's
// tool shows them, never "row 1 of the actors file".
type Place struct {
	Format  string // "GEXF", "GraphML", "JGF", "Kumu", "Cytoscape.js"
	Element string // what the format calls the role's elements: "node", "edge", "element", "connection"
	Attr    string // what it calls an element's attributes: "attribute", "metadata key", "field", "data key"
	// Names are how the format names a column where "<Attr> %q" would
	// not do (GraphML's key ids beside their attr.name).
	Names map[string]string
}

// graphPlaces are each graph format's words, by role.
var graphPlaces = map[Format]map[string]Place{
	FormatGEXF:      {"actors": {Format: "GEXF", Element: "node", Attr: "attribute"}, "relationships": {Format: "GEXF", Element: "edge", Attr: "attribute"}},
	FormatGraphML:   {"actors": {Format: "GraphML", Element: "node", Attr: "key"}, "relationships": {Format: "GraphML", Element: "edge", Attr: "key"}},
	FormatJGF:       {"actors": {Format: "JGF", Element: "node", Attr: "metadata key"}, "relationships": {Format: "JGF", Element: "edge", Attr: "metadata key"}},
	FormatKumu:      {"actors": {Format: "Kumu", Element: "element", Attr: "field"}, "relationships": {Format: "Kumu", Element: "connection", Attr: "field"}},
	FormatCytoscape: {"actors": {Format: "Cytoscape.js", Element: "node", Attr: "data key"}, "relationships": {Format: "Cytoscape.js", Element: "edge", Attr: "data key"}},
}

// layoutWords name the layout columns as the formats that give them do.
var layoutWords = map[Format]map[string]string{
	FormatGEXF:      {layoutX: "viz:position x", layoutY: "viz:position y", layoutZ: "viz:position z", layoutSize: "viz:size", layoutColor: "viz:color"},
	FormatCytoscape: {layoutX: `key "position" x`, layoutY: `key "position" y`},
}

// endWords name an edge's ends as the XML formats do: they are the
// edge's own source and target, never attributes.
var endWords = map[Format]map[string]string{
	FormatGEXF:    {"from": "source", "to": "target"},
	FormatGraphML: {"from": "source", "to": "target"},
}

// placeFor is the words for a role of a graph file of format f; names
// are how the file itself names attributes (GraphML's keys, Kumu's own
// field names), which win over the format's usual words.
func placeFor(f Format, role string, names map[string]string) *Place {
	if role == "sources" {
		return &Place{Format: placeFormat(f), Element: "source", Attr: "attribute"}
	}
	p, ok := graphPlaces[f][role]
	if !ok {
		p = Place{Format: "graph", Element: "element", Attr: "attribute"}
	}
	usual := layoutWords[f]
	if role == "relationships" {
		usual = endWords[f]
	}
	p.Names = make(map[string]string, len(names)+len(usual))
	for _, m := range []map[string]string{usual, names} {
		for k, v := range m {
			p.Names[k] = v
		}
	}
	return &p
}

// placeFormat is the format's name in problems.
func placeFormat(f Format) string {
	if p, ok := graphPlaces[f]["actors"]; ok {
		return p.Format
	}
	return "graph"
}

// column names a column as the format does.
func (p *Place) column(c string) string {
	if n, ok := p.Names[c]; ok {
		return n
	}
	return fmt.Sprintf("%s %q", p.Attr, c)
}

// element names an element: by its id, or, for one without ("#3"), by
// its position.
func (p *Place) element(id string) string {
	if n, err := strconv.Atoi(strings.TrimPrefix(id, "#")); err == nil && strings.HasPrefix(id, "#") {
		return fmt.Sprintf("%s %s number %d (it has no id)", p.Format, p.Element, n)
	}
	return fmt.Sprintf("%s %s %q", p.Format, p.Element, id)
}

// describe is where a problem is: the element and, if any, its attribute.
func (p *Place) describe(element, column string) string {
	var parts []string
	if element != "" {
		parts = append(parts, p.element(element))
	}
	if column != "" {
		parts = append(parts, p.column(column))
	}
	return strings.Join(parts, ", ")
}

// located gives a problem its place in the table's format's words.
func (t *Table) located(p Problem) Problem {
	if t.Place != nil && p.Place == "" && (p.Element != "" || p.Column != "") {
		p.Place = t.Place.describe(p.Element, p.Column)
	}
	return p
}

// missingColumn is the problem of a table without a field every record
// needs. In a graph file it is one problem about the whole file, in its
// words, with what to do: a graph tool's file has no such attribute
// until a mapping names or defaults it.
func missingColumn(t *Table, role, field string) Problem {
	if t.Place == nil {
		msg := fmt.Sprintf("the %s file needs a %s column", role, field)
		if hint, ok := kumuHint[field]; ok && role == "actors" {
			msg += fmt.Sprintf(" (Kumu's %q works too)", hint)
		}
		if role == "sources" && field == "externalId" {
			msg += " (rows cite sources by it)"
		}
		return Problem{File: t.File, Row: 1, Column: field, Code: CodeColumns, Message: msg}
	}
	return wholeFileMissing(t, field)
}

// kumuHint is Kumu's name for an actor field.
var kumuHint = map[string]string{"name": "Label", "kind": "Type"}

// wholeFileMissing is the one problem of a graph file none of whose
// elements of a role has a field.
func wholeFileMissing(t *Table, field string) Problem {
	pl := t.Place
	fix := "give one with a mapping (a default " + field + ", or the attribute that holds it and a map of its values)"
	switch field {
	case "name":
		fix = "give each a label, or name the attribute that holds the name with a mapping"
	case "from", "to":
		fix = "every " + pl.Element + " needs its two ends"
	case "strength":
		fix = "give one with a mapping (a default strength, or the attribute that holds it)"
	}
	return Problem{File: t.File, Column: field, Code: CodeColumns, Place: pl.Format + " file",
		Message: fmt.Sprintf("no %s of this %s file has a %s; %s", pl.Element, pl.Format, field, fix)}
}
