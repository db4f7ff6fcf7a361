package mapio

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Graph files (Kumu JSON, GraphML, GEXF, JGF, Cytoscape.js) hold nodes and
// edges with attributes rather than rows and columns. Each reader turns
// them into the same Tables a spreadsheet gives (one per role, a column
// per attribute), so that every format is checked by the same code; each
// writer starts from the same export rows as CSV, so that every format
// carries the same fields under the same names.

// Element is one node, edge or source of a graph file: its id and its
// attributes as text, in the order the file gives them.
type Element struct {
	ID    string
	Attrs []Attr
	// Undirected marks an edge without a direction (GraphML directed="false",
	// GEXF type="undirected" or "mutual", a Kumu "mutual" or "undirected"
	// connection, JGF "directed": false): a mapping says what it becomes.
	Undirected bool
}

// Attr is one attribute of an element, as text (lists joined with "|").
type Attr struct{ Name, Value string }

// Get returns the attribute's value, or "".
func (e Element) Get(name string) string {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// Set sets an attribute, replacing one of the same name. Past a few
// hundred attributes (no real map has them) it only appends, so that a
// hostile file with thousands per element costs linear time, not
// quadratic; Tables then keeps the first value of a name.
func (e *Element) Set(name, value string) {
	if len(e.Attrs) > 256 {
		e.Attrs = append(e.Attrs, Attr{name, value})
		return
	}
	for i, a := range e.Attrs {
		if a.Name == name {
			e.Attrs[i].Value = value
			return
		}
	}
	e.Attrs = append(e.Attrs, Attr{name, value})
}

// GraphElements are what a graph file holds, by role.
type GraphElements struct {
	Actors, Relationships, Sources []Element
	// Format is the file's format, for problems in its words.
	Format Format
	// Types are the types of custom attributes (and, on the way out,
	// layout values), per role ("actors", "relationships") and attribute
	// name: what typed formats declare and JSON formats write.
	Types map[string]map[string]domain.CustomKind
	// Names are, by role, how the format names an attribute where its
	// name alone would not find it in the file (GraphML's key ids).
	Names map[string]map[string]string
	// Dropped lists what the file holds that cannot be kept, and why.
	Dropped []Problem

	droppedColumns map[string]bool // what Dropped lists, for drop
}

// Tables turns a graph file's elements into tables, one per role that has
// elements. An element's id is its external id (the key edges use to name
// their ends) unless it carries an externalId attribute of its own; an
// element without an id is named by its position ("#3") in problems. The
// tables are lenient: attributes that graph tools add (positions, colours,
// computed metrics) are left out, not refused.
func (g GraphElements) Tables(file string) map[string]*Table {
	out := map[string]*Table{}
	renamed := map[string]string{} // element id -> external id, where they differ
	seenIDs, twice := map[string]bool{}, map[string]bool{}
	for _, r := range []struct {
		role     string
		elements []Element
	}{{"actors", g.Actors}, {"relationships", g.Relationships}, {"sources", g.Sources}} {
		columns := roleColumns[r.role]
		if len(r.elements) == 0 {
			continue
		}
		t := &Table{File: file, Lenient: true, Place: placeFor(g.Format, r.role, g.Names[r.role])}
		// One column per field: attributes that name the same field
		// ("kind" on one node, "type" on another) share it, named as the
		// file first names it; unknown attributes get columns of their own.
		col := map[string]int{}
		key := func(name string) string {
			if f, ok := columns[normalize(name)]; ok {
				return "field:" + f
			}
			return "attr:" + name
		}
		for _, e := range r.elements {
			for _, a := range e.Attrs {
				if _, ok := col[key(a.Name)]; !ok {
					col[key(a.Name)] = len(t.Header)
					t.Header = append(t.Header, a.Name)
				}
			}
		}
		for _, h := range t.Header {
			if k, ok := g.Types[r.role][h]; ok {
				if t.Types == nil {
					t.Types = map[string]domain.CustomKind{}
				}
				t.Types[h] = k
			}
		}
		extCol, hasExt := col["field:externalId"]
		if !hasExt {
			extCol = len(t.Header)
			t.Header = append(t.Header, "externalId")
		}
		for n, e := range r.elements {
			cells := make([]string, len(t.Header))
			given := make([]string, len(t.Header)) // the attribute each cell's value came from
			var conflicts []Conflict
			for _, a := range e.Attrs {
				k := key(a.Name)
				i, v := col[k], strings.TrimSpace(a.Value)
				switch {
				case cells[i] == "": // the first value given for a field wins
					cells[i], given[i] = v, a.Name
				case v != "" && v != cells[i] && strings.HasPrefix(k, "field:"):
					// Two names of one field ("to" and "target") with
					// different values: which one the file means is
					// unknowable, so the row check reports it.
					conflicts = append(conflicts, Conflict{Field: strings.TrimPrefix(k, "field:"), Names: [2]string{given[i], a.Name}, Values: [2]string{cells[i], v}})
				}
			}
			if cells[extCol] == "" {
				cells[extCol] = strings.TrimSpace(e.ID)
			} else if r.role == "actors" && e.ID != "" && cells[extCol] != e.ID && !twice[e.ID] {
				renamed[e.ID] = cells[extCol]
			}
			if r.role == "actors" && e.ID != "" {
				if seenIDs[e.ID] {
					// Two nodes with one id: which one an edge means is
					// unknowable, so edges keep the id, and resolving
					// them reports it rather than guessing.
					twice[e.ID] = true
					delete(renamed, e.ID)
				}
				seenIDs[e.ID] = true
			}
			if r.role == "relationships" {
				// Edges name their ends by element id; an actor whose
				// externalId attribute differs is known by that instead.
				for _, f := range []string{"field:from", "field:to"} {
					if i, ok := col[f]; ok {
						if ext, ok := renamed[cells[i]]; ok {
							cells[i] = ext
						}
					}
				}
			}
			name := e.ID
			if name == "" {
				name = "#" + strconv.Itoa(n+1)
			}
			t.Rows = append(t.Rows, Row{Element: name, Cells: cells, Undirected: e.Undirected, Conflicts: conflicts})
		}
		out[r.role] = t
	}
	return out
}

// Size is how many cells the file's tables would have: per role, its
// elements times its distinct attribute names.
func (g GraphElements) Size() int {
	n := 0
	for _, es := range [][]Element{g.Actors, g.Relationships, g.Sources} {
		names := map[string]bool{}
		for _, e := range es {
			for _, a := range e.Attrs {
				names[a.Name] = true
			}
		}
		n += len(es) * (len(names) + 1)
	}
	return n
}

// ExportElements lays a workspace's contents out as graph elements, from
// the same rows as the CSV export: each record's id is its key (external
// id, else service id); relationships keep their ends in the attributes
// "from" and "to"; empty cells are left out.
func ExportElements(c *domain.Contents) GraphElements {
	files, types := exportTables(c)
	elements := func(rows [][]string) []Element {
		header := rows[0]
		out := make([]Element, 0, len(rows)-1)
		for _, row := range rows[1:] {
			e := Element{ID: row[0]} // the first column is externalId
			for i, v := range row[1:] {
				if v != "" {
					e.Attrs = append(e.Attrs, Attr{header[i+1], v})
				}
			}
			out = append(out, e)
		}
		return out
	}
	return GraphElements{
		Actors:        elements(files["actors.csv"]),
		Relationships: elements(files["relationships.csv"]),
		Sources:       elements(files["sources.csv"]),
		Types:         types,
	}
}

// AttrType is how a typed format (GraphML, GEXF, JSON) writes a field.
type AttrType int

const (
	TypeString AttrType = iota
	TypeDouble
	TypeInt
	TypeBool
	TypeList // "|"-separated text; a JSON array in JSON formats
)

// attrTypes are the fields that are not plain text.
var attrTypes = map[string]AttrType{
	"strength": TypeDouble, "confidence": TypeDouble, "rightsAwareness": TypeDouble, "reliability": TypeDouble,
	"population": TypeInt, "membership": TypeInt,
	"marginalised": TypeBool, "displaced": TypeBool, "unregistered": TypeBool, "stateAffiliated": TypeBool, "womenLed": TypeBool,
	"tags": TypeList, "sources": TypeList, "frameworks": TypeList,
}

// TypeOf returns how field is written in typed formats.
func TypeOf(field string) AttrType { return attrTypes[field] }

// Typed returns an attribute's value as JSON formats write it: a number,
// a boolean, a list of strings, or the text.
func Typed(a Attr) any {
	switch TypeOf(a.Name) {
	case TypeDouble:
		if f, err := strconv.ParseFloat(a.Value, 64); err == nil {
			return f
		}
	case TypeInt:
		if n, err := strconv.Atoi(a.Value); err == nil {
			return n
		}
	case TypeBool:
		if b, err := strconv.ParseBool(a.Value); err == nil {
			return b
		}
	case TypeList:
		return parseList(a.Value)
	}
	return a.Value
}

// Untyped turns a JSON value back into the text a table cell holds: lists
// joined with "|", numbers in their shortest form. Objects and lists of
// non-strings are kept as JSON text, for the row checks to refuse.
func Untyped(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, Untyped(p))
		}
		return strings.Join(parts, "|")
	}
	return fmt.Sprint(v)
}
