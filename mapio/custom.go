package mapio

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actorgraph/actorgraph/domain"
)

// Nothing that the service can keep blocks an import: a column or
// attribute that is none of the model's fields becomes a custom attribute
// of the record (domain.Custom), typed as the file declares it (GEXF and
// GraphML declare types; JSON values have theirs) or, in spreadsheets, as
// its column's values show. A column named "custom:<key>" is always the
// custom attribute <key>, even when <key> names a field (that is how the
// exports write one). What cannot be kept (a source's extra columns,
// values no cell can hold, yEd's edge drawings) is listed in the report
// as dropped, with the reason: nothing is dropped silently.

// customPrefix marks a column that is always a custom attribute.
const customPrefix = "custom:"

// Layout columns: where a graph tool drew an actor. Graph readers give
// them these names; spreadsheets may carry them too.
const (
	layoutX     = "layout:x"
	layoutY     = "layout:y"
	layoutZ     = "layout:z"
	layoutSize  = "layout:size"
	layoutColor = "layout:color"
)

// Kept is one column or attribute of a file kept as a custom attribute.
type Kept struct {
	File   string
	Role   string // "actors" or "relationships"
	Column string // as the file names it
	Key    string // the custom attribute's key
	Type   domain.CustomKind
}

// customColumn is a column of a table read as a custom attribute.
type customColumn struct {
	index  int
	header string
	key    string
	kind   domain.CustomKind
}

// customColumns are the table's columns that are no field of the role:
// every one for actors and relationships (which keep them), typed as the
// table declares (text that is a date in every row a date) or as its
// values show.
func customColumns(t *Table, known map[string]string) []customColumn {
	var out []customColumn
	for i, h := range t.Header {
		key, ok := customKey(h, known)
		if f, mapped := t.Mapped[i]; mapped {
			if f != "" {
				continue // the mapping reads it as a field
			}
			// The mapping keeps it, or reads its field from another
			// column: it is the file's own attribute, kept as it is named.
			key, ok = strings.TrimSpace(h), true
		}
		if !ok || badKey(key) != "" {
			continue
		}
		kind, declared := t.Types[h]
		switch {
		case !declared || !kind.IsValid():
			kind = inferKind(t, i)
		case kind == domain.CustomString && inferKind(t, i) == domain.CustomDate:
			// GraphML and JSON have no dates: text that is a date in
			// every element is one (as spreadsheets' columns are).
			kind = domain.CustomDate
		}
		out = append(out, customColumn{index: i, header: h, key: key, kind: kind})
	}
	return out
}

// customKey is the custom attribute a header names, if it names one: a
// "custom:" column, or one that is no field of the role.
func customKey(header string, known map[string]string) (string, bool) {
	h := strings.TrimSpace(header)
	if len(h) > len(customPrefix) && strings.EqualFold(h[:len(customPrefix)], customPrefix) {
		return strings.TrimSpace(h[len(customPrefix):]), true
	}
	if _, ok := known[normalize(h)]; ok || h == "" {
		return "", false
	}
	return h, true
}

// badKey says why a column's name cannot be a custom attribute's key
// ("" when it can): keys are printable and at most MaxCustomKeyLen
// characters, as the domain holds them.
func badKey(key string) string {
	switch {
	case key == "":
		return "it names no key"
	case utf8.RuneCountInString(key) > domain.MaxCustomKeyLen:
		return fmt.Sprintf("its name is longer than the %d characters an attribute's key may have", domain.MaxCustomKeyLen)
	}
	for _, r := range key {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "its name holds a control character"
		}
	}
	return ""
}

// inferKind is the type a spreadsheet column's values show: NUMBER when
// every filled cell is a number (but not one written with leading zeros,
// such as a code "007", which is text), BOOLEAN when every one is true or
// false, DATE when every one is a date YYYY-MM-DD; else STRING. An empty
// column is STRING.
func inferKind(t *Table, col int) domain.CustomKind {
	numbers, bools, dates, filled := true, true, true, false
	for _, r := range t.Rows {
		v := r.Cells[col]
		if v == "" {
			continue
		}
		filled = true
		numbers = numbers && isPlainNumber(v)
		bools = bools && (strings.EqualFold(v, "true") || strings.EqualFold(v, "false"))
		if dates {
			_, err := domain.ParseDate(v)
			dates = err == nil && len(v) == len("2006-01-02")
		}
		if !numbers && !bools && !dates {
			return domain.CustomString
		}
	}
	switch {
	case !filled:
		return domain.CustomString
	case numbers:
		return domain.CustomNumber
	case bools:
		return domain.CustomBoolean
	case dates:
		return domain.CustomDate
	}
	return domain.CustomString
}

// isPlainNumber says whether s is a finite number as a spreadsheet writes
// one, and not a code with leading zeros.
func isPlainNumber(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return false
	}
	digits := strings.TrimLeft(s, "+-")
	return !(len(digits) > 1 && digits[0] == '0' && digits[1] != '.')
}

// custom reads the row's custom attributes; a value that is not of its
// column's type is a problem on that column.
func (c *cells) custom(cols []customColumn) domain.Custom {
	var out domain.Custom
	for _, col := range cols {
		v := c.row.Cells[col.index]
		if v == "" {
			continue
		}
		value, err := domain.ParseCustomValue(col.kind, v)
		if err != nil {
			c.problems = append(c.problems, c.t.located(Problem{File: c.t.File, Row: c.row.Number, Element: c.row.Element, Column: col.header,
				Code: customCode(col.kind), Message: fmt.Sprintf("%s %q is not %s, as the column's type says", col.header, v, kindWords[col.kind])}))
			continue
		}
		if out == nil {
			out = domain.Custom{}
		}
		out[col.key] = value
	}
	if len(out) > domain.MaxCustomAttributes {
		c.problems = append(c.problems, c.t.located(Problem{File: c.t.File, Row: c.row.Number, Element: c.row.Element, Code: CodeTooLarge,
			Message: fmt.Sprintf("this record has %d attributes beyond the service's fields; at most %d are kept per record: leave some out of the file", len(out), domain.MaxCustomAttributes)}))
	}
	return out
}

// kindWords say what a value of each type is.
var kindWords = map[domain.CustomKind]string{
	domain.CustomNumber: "a number", domain.CustomBoolean: "true or false",
	domain.CustomDate: "a date YYYY-MM-DD", domain.CustomString: "text",
}

func customCode(k domain.CustomKind) string {
	switch k {
	case domain.CustomNumber:
		return CodeNumber
	case domain.CustomBoolean:
		return CodeBool
	case domain.CustomDate:
		return CodeDate
	}
	return CodeEnum
}

// layout reads an actor's layout columns.
func (c *cells) layout() domain.Layout {
	var l domain.Layout
	for _, f := range []struct {
		field string
		into  **float64
	}{{"layoutX", &l.X}, {"layoutY", &l.Y}, {"layoutZ", &l.Z}, {"layoutSize", &l.Size}} {
		v := c.get(f.field)
		if v == "" {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			c.problem(f.field, CodeNumber, fmt.Sprintf("%s %q is not a number", c.column(f.field), v))
			continue
		}
		if f.field == "layoutSize" && x <= 0 {
			c.problem(f.field, CodeNumber, fmt.Sprintf("the size %q is not greater than 0; give a positive size, or none", v))
			continue
		}
		*f.into = &x
	}
	if v := c.get("layoutColor"); v != "" {
		if _, _, _, _, err := domain.RGBA(v); err != nil {
			c.problem("layoutColor", CodeEnum, fmt.Sprintf("%s %q is not a colour in the form #rrggbb or #rrggbbaa", c.column("layoutColor"), v))
		} else {
			l.Color = &v
		}
	}
	return l
}

// keptColumns lists a table's custom columns for the report.
func keptColumns(t *Table, role string) []Kept {
	if role == "sources" {
		return nil
	}
	var out []Kept
	for _, c := range customColumns(t, roleColumns[role]) {
		out = append(out, Kept{File: t.File, Role: role, Column: c.header, Key: c.key, Type: c.kind})
	}
	return out
}

// droppedColumns lists the columns that cannot be kept: a column of
// actors or relationships whose name cannot be a key, and every column
// of a sources table that is none of a source's fields (sources keep no
// custom attributes).
func droppedColumns(t *Table, role string) []Problem {
	var out []Problem
	if role != "sources" {
		for i, h := range t.Header {
			if f, mapped := t.Mapped[i]; mapped {
				if f == columnDropped {
					out = append(out, Problem{File: t.File, Column: h, Code: CodeIgnored,
						Message: fmt.Sprintf("column %q was left out, as the mapping's drop says", truncate(h, 60))})
				}
				continue
			}
			key, ok := customKey(h, roleColumns[role])
			if why := badKey(key); ok && why != "" {
				out = append(out, Problem{File: t.File, Column: h, Code: CodeIgnored,
					Message: fmt.Sprintf("column %q cannot be kept as an attribute: %s; it was left out", truncate(h, 60), why)})
			}
		}
		return out
	}
	for i, h := range t.Header {
		if _, mapped := t.Mapped[i]; mapped {
			continue
		}
		if _, ok := customKey(h, sourceColumns); !ok || columnEmpty(t, i) {
			continue
		}
		out = append(out, Problem{File: t.File, Column: h, Code: CodeIgnored,
			Message: fmt.Sprintf("source column %q is not one of a source's fields, and sources keep no other attributes; it was left out", h)})
	}
	return out
}

// truncate shortens a long name for a message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func columnEmpty(t *Table, i int) bool {
	for _, r := range t.Rows {
		if r.Cells[i] != "" {
			return false
		}
	}
	return true
}

// declareType records the type a typed format gives an attribute of a
// role; an attribute given two types is text.
func (g *GraphElements) declareType(role, name string, k domain.CustomKind) {
	if g.Types == nil {
		g.Types = map[string]map[string]domain.CustomKind{}
	}
	m := g.Types[role]
	if m == nil {
		m = map[string]domain.CustomKind{}
		g.Types[role] = m
	}
	if old, ok := m[name]; ok && old != k {
		k = domain.CustomString
	}
	m[name] = k
}

// drop lists what a graph file holds that cannot be kept, once per
// column: the first reason given for it stands for the rest (a message
// naming one element says "and perhaps others"), so that a file whose
// every element carries something dropped gives one line, not one per
// element, and costs one map lookup per element, not a scan of the list.
func (g *GraphElements) drop(file, column, msg string) {
	if g.droppedColumns == nil {
		g.droppedColumns = map[string]bool{}
	}
	if g.droppedColumns[column] {
		return
	}
	g.droppedColumns[column] = true
	g.Dropped = append(g.Dropped, Problem{File: file, Column: column, Code: CodeIgnored, Message: msg})
}

// sortKept orders kept attributes by file, role and column.
func sortKept(ks []Kept) {
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].File != ks[j].File {
			return ks[i].File < ks[j].File
		}
		if ks[i].Role != ks[j].Role {
			return ks[i].Role < ks[j].Role
		}
		return ks[i].Column < ks[j].Column
	})
}
