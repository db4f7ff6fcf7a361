package mapio

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// mapper applies a mapping to an import's tables (a relationships file a
// chunk at a time), and keeps what a report says of it: every choice made,
// with how many records it touched, and, on a dry run, the distinct values
// of the columns that carry meaning. It runs on every import, mapping or
// not: GEXF's default weight and undirected edges are its business too.
type mapper struct {
	m       *Mapping // nil: no mapping
	collect bool     // gather distinct values (dry runs)

	echo    []*echoLine
	echoes  map[string]*echoLine
	tallies []*tally
	byCol   map[string]*tally
	seen    map[string]bool            // roles some table held
	columns map[string][]columnGuess   // role -> its columns and the field each holds, for suggestions
	found   map[string]map[string]bool // role -> the columns the files have, for the mapping's check

	graphs     []string // a JGF file's graphs, when it holds several and none was chosen
	undirected int      // undirected edges seen
	undirShown int      // of them, listed one by one
	maxWeight  float64  // the largest strength the files give, before scaling
	gexf       bool     // a GEXF file was read (its missing weights are 1)
	matrices   int      // files read (or tried) as adjacency matrices
}

// echoLine is one line of the report's Mapping: a choice, and how many
// records it touched.
type echoLine struct {
	text string
	noun string // "actors", "relationships", "edges"; "" for no count
	n    int
}

func (e *echoLine) String() string {
	if e.noun == "" {
		return e.text
	}
	noun := e.noun
	if e.n == 1 {
		noun = strings.TrimSuffix(noun, "s")
	}
	return fmt.Sprintf("%s (%d %s)", e.text, e.n, noun)
}

// columnGuess is one column of a file and the field it is read as.
type columnGuess struct {
	Column, Field string
	Mapped        bool // the mapping says so, rather than the column's name
}

func newMapper(m *Mapping, collect bool) *mapper {
	return &mapper{m: m, collect: collect, echoes: map[string]*echoLine{}, byCol: map[string]*tally{},
		seen: map[string]bool{}, columns: map[string][]columnGuess{}, found: map[string]map[string]bool{}}
}

// say adds n to an echo line, creating it the first time.
func (mp *mapper) say(text, noun string, n int) {
	if e, ok := mp.echoes[text]; ok {
		e.n += n
		return
	}
	e := &echoLine{text: text, noun: noun, n: n}
	mp.echoes[text], mp.echo = e, append(mp.echo, e)
}

// lines are the report's Mapping lines.
func (mp *mapper) lines() []string {
	out := make([]string, 0, len(mp.echo)+1)
	for _, e := range mp.echo {
		out = append(out, e.String())
	}
	if more := mp.undirected - mp.undirShown; more > 0 && mp.m != nil && mp.m.Undirected != "" {
		out = append(out, fmt.Sprintf("relationships: and %d more undirected edges, each the same way", more))
	}
	return out
}

// word is how messages name a table's columns: graph files have attributes.
func word(t *Table) string {
	if t.Lenient {
		return "attribute"
	}
	return "column"
}

// findColumn finds a column by the name a mapping gives it: as written,
// else by the same normalised name the service's own columns use.
func findColumn(header []string, name string) int {
	if i := slices.Index(header, name); i >= 0 {
		return i
	}
	for i, h := range header {
		if normalize(h) == normalize(name) {
			return i
		}
	}
	// The readers give some formats' own names for the service's fields
	// the service's names (Kumu's "element type" is read as "kind"); a
	// mapping written with the file's name in hand still finds it.
	if f, ok := readerNames[normalize(name)]; ok {
		return slices.IndexFunc(header, func(h string) bool { return normalize(h) == f })
	}
	return -1
}

// readerNames are the names that readers turn into the service's field
// names, normalised, with the names they become.
var readerNames = map[string]string{"elementtype": "kind", "connectiontype": "type", "label": "name"}

// noteColumns records the columns a file has for a role (what the
// mapping's columns are checked against), and that the role was seen.
func (mp *mapper) noteColumns(role string, header []string) {
	mp.seen[role] = true
	if mp.found[role] == nil {
		mp.found[role] = map[string]bool{}
	}
	for _, h := range header {
		mp.found[role][h] = true
	}
}

// missingColumns are the mapping's problems with the files as a whole:
// columns no file has, a role no file holds.
func (mp *mapper) missingColumns() []Problem {
	if mp.m == nil {
		return nil
	}
	var out []Problem
	for _, role := range []string{"actors", "relationships"} {
		fields := mp.m.fields(role)
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		slices.Sort(names)
		for _, f := range names {
			col := fields[f].Column
			if col == "" {
				continue
			}
			have := mp.found[role]
			if findColumn(keysOf(have), col) >= 0 {
				continue
			}
			msg := fmt.Sprintf("%s: %s names %q, which no file has", role, f, col)
			if !mp.seen[role] {
				msg = fmt.Sprintf("%s: %s names %q, but no file holds %s", role, f, col, role)
			} else {
				msg += fmt.Sprintf(" (the %s have: %s)", role, quoteAll(sortedKeys(have)))
			}
			out = append(out, Problem{File: mp.m.Name, Row: mp.m.line(role, f), Column: role + "." + f, Code: CodeMapping, Message: msg})
		}
		for _, list := range []struct {
			key  string
			cols []string
		}{{"keep", mp.m.Keep[role]}, {"drop", mp.m.Drop[role]}} {
			for _, col := range list.cols {
				if mp.seen[role] && findColumn(keysOf(mp.found[role]), col) < 0 {
					out = append(out, Problem{File: mp.m.Name, Row: mp.m.lines[role+"."+list.key], Column: role + "." + list.key, Code: CodeMapping,
						Message: fmt.Sprintf("%s: %s names %q, which no file has (the %s have: %s)", role, list.key, col, role, quoteAll(sortedKeys(mp.found[role])))})
				}
			}
		}
	}
	return out
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := keysOf(m)
	slices.Sort(out)
	return out
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// apply maps one table of a role (a whole table, or one chunk of a
// streamed relationships file), in place. It returns the problems it
// finds (undirected edges with nothing to become).
func (mp *mapper) apply(role string, t *Table, format Format) []Problem {
	if role != "actors" && role != "relationships" {
		return nil
	}
	mp.mapColumns(role, t)
	if role == "relationships" {
		mp.directionColumn(t)
	}
	if mp.collect {
		mp.tallyValues(role, t)
	}
	mp.mapValues(role, t)
	if role == "relationships" && format == FormatGEXF {
		mp.gexf = true
		if mp.defaultOf(role, "strength") == "" {
			mp.gexfWeights(t)
		}
	}
	if mp.collect && role == "relationships" { // for the suggestion's scale, on dry runs only
		if i := colOf(role, t, "strength"); i >= 0 {
			mp.maxWeight = max(mp.maxWeight, maxNumber(t, i))
		}
	}
	mp.scale(role, t)
	mp.defaults(role, t)
	if role == "relationships" {
		return mp.directions(t)
	}
	return nil
}

// Table.Mapped marks a column with the field the mapping reads from it,
// or with one of these: "" (not read as a field, but kept as a custom
// attribute: the mapping keeps it, or takes its field from another
// column), columnConsumed (the mapping itself reads it: a direction
// column) and columnDropped (left out, as the mapping's drop says).
const (
	columnConsumed = "\x00consumed"
	columnDropped  = "\x00dropped"
)

// isField says whether a mark of Table.Mapped names a field.
func isField(mark string) bool { return mark != "" && mark != columnConsumed && mark != columnDropped }

// directionColumns are the names of a spreadsheet's column of directions
// (Kumu's Connections sheet has "Direction": directed, mutual or
// undirected).
var directionColumns = map[string]bool{"direction": true, "connectiondirection": true}

// directionColumn reads a column of directions, where a table has one:
// a "mutual" or "undirected" row is an undirected edge, which the
// mapping's undirected rule makes relationships; the column is not read
// as a field.
func (mp *mapper) directionColumn(t *Table) {
	for i, h := range t.Header {
		if _, mapped := t.Mapped[i]; mapped || !directionColumns[normalize(h)] {
			continue
		}
		t.Mapped[i] = columnConsumed
		for r := range t.Rows {
			switch strings.ToLower(strings.TrimSpace(t.Rows[r].Cells[i])) {
			case "mutual", "undirected":
				t.Rows[r].Undirected = true
			}
		}
	}
}

// defaultOf is the mapping's default for a field, or "".
func (mp *mapper) defaultOf(role, field string) string {
	if fm := mp.m.field(role, field); fm != nil {
		return fm.Default
	}
	return ""
}

// mapColumns marks the columns the mapping names as holding their fields,
// and displaces others whose names say the same field.
func (mp *mapper) mapColumns(role string, t *Table) {
	t.Mapped = map[int]string{}
	known := roleColumns[role]
	first := len(mp.columns[role]) == 0
	if mp.m != nil {
		fields := mp.m.fields(role)
		for _, f := range sortedFields(fields) {
			col := fields[f].Column
			i := -1
			if col != "" {
				i = findColumn(t.Header, col)
			}
			if i < 0 {
				continue
			}
			// A column may hold two fields (a node's id as its external id
			// and, by the mapping, its name too): the second reads a copy.
			other, taken := t.Mapped[i]
			if own := known[normalize(t.Header[i])]; taken && other != "" && other != f || !taken && own != "" && own != f {
				i = copyColumn(t, i)
			}
			t.Mapped[i] = f
			if known[normalize(t.Header[i])] != f { // not when the mapping restates what the column's name says
				mp.say(fmt.Sprintf("%s: %s from %s %q", role, f, word(t), t.Header[i]), "", 0)
			}
			for j, h := range t.Header {
				if _, taken := t.Mapped[j]; !taken && j != i && known[normalize(h)] == f {
					t.Mapped[j] = ""
					mp.say(fmt.Sprintf("%s: %s %q not read as %s: the mapping takes %s from %q (kept as a custom attribute)", role, word(t), h, f, f, t.Header[i]), "", 0)
				}
			}
		}
		for _, col := range mp.m.Keep[role] {
			if i := findColumn(t.Header, col); i >= 0 {
				if _, taken := t.Mapped[i]; !taken {
					t.Mapped[i] = ""
					mp.say(fmt.Sprintf("%s: %s %q kept as a custom attribute, not read as a field", role, word(t), t.Header[i]), "", 0)
				}
			}
		}
		for _, col := range mp.m.Drop[role] {
			if i := findColumn(t.Header, col); i >= 0 {
				if f, taken := t.Mapped[i]; !taken || f == "" {
					t.Mapped[i] = columnDropped
					mp.say(fmt.Sprintf("%s: %s %q left out, as the mapping says", role, word(t), t.Header[i]), "", 0)
				}
			}
		}
	}
	if first {
		for i, h := range t.Header {
			f, mapped := t.Mapped[i]
			if !mapped {
				f = known[normalize(h)]
			}
			if mapped && !isField(f) {
				f = ""
			}
			mp.columns[role] = append(mp.columns[role], columnGuess{Column: h, Field: f, Mapped: mapped && f != ""})
		}
	}
}

func sortedFields(m map[string]*FieldMap) []string {
	out := make([]string, 0, len(m))
	for f := range m {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// colOf is the column holding a field: the one the mapping names, else
// the first whose name says it; -1 when none.
func colOf(role string, t *Table, field string) int {
	for i, f := range t.Mapped {
		if f == field {
			return i
		}
	}
	known := roleColumns[role]
	for i, h := range t.Header {
		if _, mapped := t.Mapped[i]; !mapped && known[normalize(h)] == field {
			return i
		}
	}
	return -1
}

// copyColumn adds a copy of column i, under the same name (so that
// problems name the file's column), and returns its index.
func copyColumn(t *Table, i int) int {
	t.Header = append(slices.Clip(t.Header), t.Header[i])
	for r := range t.Rows {
		t.Rows[r].Cells = append(t.Rows[r].Cells, t.Rows[r].Cells[i])
	}
	return len(t.Header) - 1
}

// ensureCol returns the column holding field, adding an empty one named
// after it when the table has none.
func ensureCol(role string, t *Table, field string) int {
	if i := colOf(role, t, field); i >= 0 {
		return i
	}
	t.Header = append(slices.Clip(t.Header), field) // the header may be shared with other chunks
	i := len(t.Header) - 1
	if t.Mapped == nil {
		t.Mapped = map[int]string{}
	}
	t.Mapped[i] = field
	for r := range t.Rows {
		t.Rows[r].Cells = append(t.Rows[r].Cells, "")
	}
	return i
}

// mapValues replaces the file's values by the service's, where the
// mapping maps them.
func (mp *mapper) mapValues(role string, t *Table) {
	if mp.m == nil {
		return
	}
	fields := mp.m.fields(role)
	for _, f := range sortedFields(fields) {
		fm := fields[f]
		if len(fm.Values) == 0 {
			continue
		}
		i := colOf(role, t, f)
		if i < 0 {
			continue
		}
		for r := range t.Rows {
			v := t.Rows[r].Cells[i]
			if to, ok := fm.lookup(v); ok && v != "" {
				t.Rows[r].Cells[i] = to
				mp.say(fmt.Sprintf("%s: %s from %s %q: %q -> %s", role, f, word(t), t.Header[i], v, to), role, 1)
			}
		}
	}
}

// gexfWeights gives GEXF edges without a weight GEXF's own default, 1.0,
// before any scaling (a mapping's default strength, where given, wins).
func (mp *mapper) gexfWeights(t *Table) {
	i := ensureCol("relationships", t, "strength")
	n := 0
	for r := range t.Rows {
		if t.Rows[r].Cells[i] == "" {
			t.Rows[r].Cells[i] = "1"
			n++
		}
	}
	if n > 0 {
		mp.say("relationships: strength 1.0 where a GEXF edge has no weight (GEXF's default weight)", "edges", n)
	}
}

// scale divides weights by a fixed number, or by the largest in the table.
func (mp *mapper) scale(role string, t *Table) {
	for _, f := range []string{"strength", "confidence"} {
		fm := mp.m.field(role, f)
		if fm == nil || fm.Scale == "" {
			continue
		}
		i := colOf(role, t, f)
		if i < 0 {
			continue
		}
		by, why := fm.factor, fmt.Sprintf("divided by %s", fm.Scale)
		if fm.Scale == "max" {
			by = maxNumber(t, i)
			why = fmt.Sprintf("divided by %s, the largest in the file", strconv.FormatFloat(by, 'f', -1, 64))
		}
		if by <= 0 {
			continue
		}
		n := 0
		for r := range t.Rows {
			if x, err := strconv.ParseFloat(t.Rows[r].Cells[i], 64); err == nil {
				t.Rows[r].Cells[i] = strconv.FormatFloat(x/by, 'f', -1, 64)
				n++
			}
		}
		mp.say(fmt.Sprintf("%s: %s %s", role, f, why), role, n)
	}
}

func maxNumber(t *Table, i int) float64 {
	best := 0.0
	for _, r := range t.Rows {
		if x, err := strconv.ParseFloat(r.Cells[i], 64); err == nil && x > best {
			best = x
		}
	}
	return best
}

// defaults fill empty or missing values.
func (mp *mapper) defaults(role string, t *Table) {
	if mp.m == nil {
		return
	}
	fields := mp.m.fields(role)
	for _, f := range sortedFields(fields) {
		d := fields[f].Default
		if d == "" || len(t.Rows) == 0 {
			continue
		}
		i := ensureCol(role, t, f)
		n := 0
		for r := range t.Rows {
			if t.Rows[r].Cells[i] == "" {
				t.Rows[r].Cells[i] = d
				n++
			}
		}
		if n > 0 {
			mp.say(fmt.Sprintf("%s: %s defaulted to %s", role, f, d), role, n)
		}
	}
}

// undirectedShown is how many undirected edges the report lists one by
// one; the rest are counted.
const undirectedShown = 20

// directions makes undirected edges what the mapping says: two
// relationships, one each way, or one of a symmetric type. Without a
// mapping for them they are a problem: a relationship here has a
// direction, and guessing one would invent a finding.
func (mp *mapper) directions(t *Table) []Problem {
	var undirected []int
	for r, row := range t.Rows {
		if row.Undirected {
			undirected = append(undirected, r)
		}
	}
	if len(undirected) == 0 {
		return nil
	}
	mp.undirected += len(undirected)
	choice := ""
	if mp.m != nil {
		choice = mp.m.Undirected
	}
	if choice == "" {
		first := t.Rows[undirected[0]].Element
		return []Problem{{File: t.File, Element: first, Code: CodeUndirected, Message: fmt.Sprintf(
			"%s no direction (the first is %q); relationships in this service are directed, from one actor to another. "+
				"Say what an undirected edge becomes: two relationships, one each way (--undirected both, or undirected: both in a mapping), "+
				"or one relationship of a type read in both directions (--undirected DIALOGUE, COOPERATES_WITH or IN_TENSION_WITH)",
			countEdges(len(undirected)), first)}}
	}
	from, to := colOf("relationships", t, "from"), colOf("relationships", t, "to")
	if from < 0 || to < 0 {
		return nil // the row checks report the missing ends
	}
	if choice == "both" {
		mp.reverse(t, undirected, from, to)
		return nil
	}
	typ := ensureCol("relationships", t, "type")
	for _, r := range undirected {
		t.Rows[r].Cells[typ] = choice
		mp.showUndirected(t.Rows[r], from, to, "one "+choice+" relationship")
	}
	return nil
}

// reverse adds, for each undirected edge, the relationship the other way;
// an edge's external id gets " (reverse)" on the added one, so that a
// re-import matches both.
func (mp *mapper) reverse(t *Table, undirected []int, from, to int) {
	ext := colOf("relationships", t, "externalId")
	for _, r := range undirected {
		row := t.Rows[r]
		back := Row{Number: row.Number, Element: row.Element, Cells: slices.Clone(row.Cells)}
		back.Cells[from], back.Cells[to] = row.Cells[to], row.Cells[from]
		if ext >= 0 && back.Cells[ext] != "" {
			back.Cells[ext] += " (reverse)"
		}
		t.Rows = append(t.Rows, back)
		mp.showUndirected(row, from, to, "2 relationships, one each way")
	}
}

func countEdges(n int) string {
	if n == 1 {
		return "an edge has"
	}
	return fmt.Sprintf("%d edges have", n)
}

func (mp *mapper) showUndirected(row Row, from, to int, becomes string) {
	if mp.undirShown >= undirectedShown {
		return
	}
	mp.undirShown++
	mp.say(fmt.Sprintf("relationships: undirected edge %s-%s -> %s", row.Cells[from], row.Cells[to], becomes), "", 0)
}

// tally counts one column's distinct values.
type tally struct {
	Role, Column, Field string
	counts              map[string]int
	order               []string
	overflow            bool // more distinct values than a list of categories has
	numeric             bool // every value is a number: a weight, not a category
	text                bool // some value is longer than a category's
	total               int  // values counted
}

// maxTallied is how many distinct values a column may have and still be
// listed: past it, it holds names or free text, not categories.
const maxTallied = 200

// tallied says which fields' values a dry run lists: those whose values
// the service reads from a fixed list.
func tallied(role, field string) bool {
	return field == "" || enumValues(role, field) != nil
}

// tallyValues counts the distinct values of the columns that hold (or
// might hold) a field with a fixed list of values, before the mapping
// maps them.
func (mp *mapper) tallyValues(role string, t *Table) {
	for i, h := range t.Header {
		f, mapped := t.Mapped[i]
		if !mapped {
			f = roleColumns[role][normalize(h)]
		} else if !isField(f) {
			continue // displaced, kept or dropped
		}
		if !tallied(role, f) {
			continue
		}
		key := role + "\x00" + h
		tl := mp.byCol[key]
		if tl == nil {
			tl = &tally{Role: role, Column: h, Field: f, counts: map[string]int{}, numeric: true}
			mp.byCol[key] = tl
			mp.tallies = append(mp.tallies, tl)
		}
		for _, r := range t.Rows {
			tl.add(r.Cells[i])
		}
	}
}

func (tl *tally) add(v string) {
	if v == "" || tl.overflow {
		return
	}
	if _, ok := tl.counts[v]; !ok {
		if len(tl.counts) >= maxTallied {
			tl.overflow = true
			return
		}
		tl.order = append(tl.order, v)
	}
	tl.counts[v]++
	tl.total++
	if _, err := strconv.ParseFloat(v, 64); err != nil {
		tl.numeric = false
	}
	if utf8.RuneCountInString(v) > maxCategoryLen {
		tl.text = true
	}
}

// maxCategoryLen is the longest value a category plausibly has: a column
// with longer values holds free text (descriptions, lists of citations),
// whose values are nothing to map.
const maxCategoryLen = 60

// ValueList is the distinct values a dry run found in one column that
// carries (or may carry) meaning, most frequent first.
type ValueList struct {
	Role   string // "actors" or "relationships"
	Column string // as the file names it
	Field  string // the field the column is read as; "" for a column the service does not read
	Values []ValueCount
	More   int // distinct values not listed
}

// ValueCount is one distinct value and how many records hold it.
type ValueCount struct {
	Value string
	Count int
}

// maxListed is how many distinct values a report lists per column.
const maxListed = 30

// valueLists are the distinct values worth a researcher's look: those of
// the columns read as fields with fixed lists, and of unread columns that
// look like categories (few distinct values, not numbers).
func (mp *mapper) valueLists() []ValueList {
	var out []ValueList
	for _, tl := range mp.tallies {
		if len(tl.counts) == 0 || tl.Field == "" && (tl.overflow || tl.numeric || tl.text || len(tl.counts) > maxListed ||
			len(tl.counts) == tl.total && tl.total > 2) {
			continue // nothing to map: an unread column of numbers, of free text, or of a value per record (names, links), holds no categories
		}
		vs := make([]ValueCount, 0, len(tl.order))
		for _, v := range tl.order {
			vs = append(vs, ValueCount{v, tl.counts[v]})
		}
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].Count > vs[j].Count })
		l := ValueList{Role: tl.Role, Column: tl.Column, Field: tl.Field, Values: vs}
		if len(vs) > maxListed {
			l.Values, l.More = vs[:maxListed], len(vs)-maxListed
		}
		out = append(out, l)
	}
	return out
}

// String is how the command line prints a value list.
func (l ValueList) String() string {
	parts := make([]string, len(l.Values))
	for i, v := range l.Values {
		parts[i] = fmt.Sprintf("%q (%d)", v.Value, v.Count)
	}
	s := strings.Join(parts, ", ")
	if l.More > 0 {
		s += fmt.Sprintf(" and %d more", l.More)
	}
	as := "not read"
	if l.Field != "" {
		as = "read as " + l.Field
	}
	return fmt.Sprintf("%s %q (%s): %s", l.Role, l.Column, as, s)
}

// report puts what the mapper knows into an import's report.
func (mp *mapper) report(rep *Report, suggest bool) {
	rep.Mapping = mp.lines()
	if mp.collect {
		rep.Values = mp.valueLists()
	}
	if suggest {
		rep.SuggestedMapping = mp.suggest()
	}
}
