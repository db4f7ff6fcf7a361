package mapio

import (
	"sort"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Custom attributes and layout on the way out. Every format writes an
// actor's and a relationship's custom attributes, one column (or
// attribute) per key over all records of the role, under the key itself,
// or as "custom:<key>" where the key would be read as one of the
// service's own columns (a custom "region" is not the region): readers
// take a "custom:" column as a custom attribute whatever follows. An
// actor's layout is written in the columns layout:x, layout:y, layout:z,
// layout:size and layout:color in tables, and in each graph format's own
// terms (GEXF viz, GraphML x/y/size/r/g/b, Cytoscape.js position).

// writtenCustomPrefix marks a column that is always a custom attribute.
const writtenCustomPrefix = "custom:"

// The layout columns of tables, and the attribute names graph writers
// find an actor's layout under.
const (
	outLayoutX     = "layout:x"
	outLayoutY     = "layout:y"
	outLayoutZ     = "layout:z"
	outLayoutSize  = "layout:size"
	outLayoutColor = "layout:color"
)

// isLayoutAttr says whether an attribute is part of an actor's layout.
func isLayoutAttr(name string) bool { return strings.HasPrefix(name, "layout:") }

// customOut is one custom attribute as written: its key, its column and
// its type over all records of a role (text where records disagree).
type customOut struct {
	key, column string
	kind        domain.CustomKind
}

// customColumnsOut lists the custom attributes of a role's records, in
// key order.
func customColumnsOut(role string, customs []domain.Custom) []customOut {
	kinds := map[string]domain.CustomKind{}
	for _, c := range customs {
		for k, v := range c {
			if old, seen := kinds[k]; seen && old != v.Kind {
				kinds[k] = domain.CustomString
			} else if !seen {
				kinds[k] = v.Kind
			}
		}
	}
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]customOut, 0, len(keys))
	for _, k := range keys {
		column := k
		if readAsField(role, k) {
			column = writtenCustomPrefix + k
		}
		out = append(out, customOut{key: k, column: column, kind: kinds[k]})
	}
	return out
}

// readAsField says whether a column named key would be read as something
// other than a custom attribute: one of the role's columns, or a name
// with the custom or layout prefix.
func readAsField(role, key string) bool {
	if _, ok := roleColumns[role][normalize(key)]; ok {
		return true
	}
	lower := strings.ToLower(strings.TrimSpace(key))
	return strings.HasPrefix(lower, writtenCustomPrefix) || strings.HasPrefix(lower, "layout:") ||
		graphFormatKeys[lower] // graph formats' own keys
}

// graphFormatKeys are names graph formats give a meaning of their own
// (element ids and ends, Gephi's label, weight and kind, the GraphML keys
// Gephi reads a layout from, NetworkX's value and key in Cytoscape.js
// JSON, Kumu's direction, JGF's relation, directed and metadata), which a
// custom attribute must not take.
var graphFormatKeys = map[string]bool{"id": true, "label": true, "value": true, "key": true, "source": true, "target": true,
	"parent": true, "position": true, "weight": true, "kind": true, "direction": true, "relation": true, "directed": true, "metadata": true,
	"x": true, "y": true, "z": true, "size": true, "r": true, "g": true, "b": true, "color": true}

// customCells are a record's values for the columns, as text ("" where
// it has none).
func customCells(cols []customOut, c domain.Custom) []string {
	out := make([]string, len(cols))
	for i, col := range cols {
		if v, ok := c[col.key]; ok {
			out[i] = v.String()
		}
	}
	return out
}

// layoutColumnsOut are the layout columns that some actor fills.
func layoutColumnsOut(actors []*domain.Actor) []string {
	var have [5]bool
	for _, a := range actors {
		l := a.Layout
		have[0] = have[0] || l.X != nil
		have[1] = have[1] || l.Y != nil
		have[2] = have[2] || l.Z != nil
		have[3] = have[3] || l.Size != nil
		have[4] = have[4] || l.Color != nil
	}
	var out []string
	for i, name := range []string{outLayoutX, outLayoutY, outLayoutZ, outLayoutSize, outLayoutColor} {
		if have[i] {
			out = append(out, name)
		}
	}
	return out
}

// layoutCells are an actor's layout values for the columns.
func layoutCells(cols []string, l domain.Layout) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		switch c {
		case outLayoutX:
			out[i] = fmtFloat(l.X)
		case outLayoutY:
			out[i] = fmtFloat(l.Y)
		case outLayoutZ:
			out[i] = fmtFloat(l.Z)
		case outLayoutSize:
			out[i] = fmtFloat(l.Size)
		case outLayoutColor:
			out[i] = str(l.Color)
		}
	}
	return out
}

// columnKinds are the types of a role's extra columns: custom attributes
// as their values are, layout coordinates and size as numbers.
func columnKinds(custom []customOut, layout []string) map[string]domain.CustomKind {
	out := map[string]domain.CustomKind{}
	for _, c := range custom {
		out[c.column] = c.kind
	}
	for _, l := range layout {
		out[l] = domain.CustomNumber
		if l == outLayoutColor {
			out[l] = domain.CustomString
		}
	}
	return out
}

// attrTypeOf is how a typed format writes an attribute of a role: a
// custom attribute as its type says (dates as text: neither GEXF nor
// GraphML has a date type that graph tools read), a field as TypeOf says.
func (g GraphElements) attrTypeOf(role, name string) AttrType {
	if k, ok := g.Types[role][name]; ok {
		switch k {
		case domain.CustomNumber:
			return TypeDouble
		case domain.CustomBoolean:
			return TypeBool
		}
		return TypeString
	}
	return TypeOf(name)
}

// typedValue is an attribute's value as JSON formats write it, typed as
// attrTypeOf says.
func (g GraphElements) typedValue(role string, a Attr) any {
	if _, custom := g.Types[role][a.Name]; !custom {
		return jsonValue(a)
	}
	switch g.attrTypeOf(role, a.Name) {
	case TypeDouble:
		if f, err := strconv.ParseFloat(a.Value, 64); err == nil {
			return f
		}
	case TypeBool:
		if b, err := strconv.ParseBool(a.Value); err == nil {
			return b
		}
	}
	return a.Value
}

// typer is typedValue for one role.
func (g GraphElements) typer(role string) func(Attr) any {
	return func(a Attr) any { return g.typedValue(role, a) }
}

// typeFunc is attrTypeOf for one role.
func (g GraphElements) typeFunc(role string) func(string) AttrType {
	return func(name string) AttrType { return g.attrTypeOf(role, name) }
}

// sourcesJSON is the sources as {"sources": [...]}, each source an object
// of the sources file's columns, as JGF's graph metadata holds them: the
// form GEXF and GraphML carry them in, having no element for them.
func sourcesJSON(sources []Element) string {
	list := make([]any, 0, len(sources))
	for _, e := range sources {
		list = append(list, flatObject(e, nil, sourceJSONValue))
	}
	b, err := jsonObject{{"sources", list}}.MarshalJSON()
	if err != nil {
		return "" // strings and numbers always marshal
	}
	return string(b)
}

// sourceJSONValue is a source's attribute as sourcesJSON writes it: a
// typed field of a source (its reliability) as a number where that reads
// back as the same text, else as the text the file gave ("1e-1", "0.80"
// stay as they are), and anything else as text: it is none of a source's
// fields, so nothing gives it a type. GEXF and GraphML then give back
// the sources they were given.
func sourceJSONValue(a Attr) any {
	if _, field := sourceColumns[normalize(a.Name)]; !field {
		return a.Value
	}
	v := jsonValue(a)
	if _, text := v.(string); !text && Untyped(v) != a.Value {
		return a.Value
	}
	return v
}
