package mapio

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/actorgraph/actorgraph/domain"
)

// A mapping supplies the meaning a researcher's file does not carry
// itself: which column or attribute holds which field, what the file's
// own values stand for (Kumu's "++" for SUPPORTS, "Armed group" for
// SECURITY_FORCE), defaults for what is missing, how weights become
// strengths, what an undirected edge becomes, which graph of a JGF file
// to read, and which CSV file is an adjacency matrix. It is written in
// YAML (docs/formats.md, "Mappings") and applied to the tables the
// readers make, before the row checks, so every format is mapped the
// same way, and a streamed relationships file a chunk at a time.

// Mapping is a parsed, checked mapping.
type Mapping struct {
	// Name is where the mapping came from, as problems name it.
	Name string
	// Actors and Relationships map field names (as the service's own
	// columns name them) to how each is read.
	Actors, Relationships map[string]*FieldMap
	// Undirected is what an edge without a direction becomes: "" (a
	// problem), "both" (two relationships, one each way) or a symmetric
	// relationship type.
	Undirected string
	// Graph picks one graph of a JGF file holding several: its id, label
	// or number (from 1).
	Graph string
	// Matrix, when set, reads CSV adjacency matrices.
	Matrix *MatrixMap
	// Keep names, per role, columns to keep as custom attributes although
	// their names say a field (a Cytoscape.js node's "type" that is a
	// drawing style, not a kind of actor); Drop, columns to leave out
	// (an informant's name the map must not hold, a description too long
	// to keep).
	Keep, Drop map[string][]string

	lines map[string]int // "actors.kind" -> the line that says it, for problems found later
}

// FieldMap is how one field is read.
type FieldMap struct {
	// Column is the column or attribute holding the field ("" keeps the
	// column the service finds by itself).
	Column string
	// Values map the file's values to the service's: a value the map
	// gives an empty target is left as it is. Matched as written, else
	// ignoring case and surrounding space.
	Values map[string]string
	// Default fills an empty or missing value.
	Default string
	// Scale divides numbers: "max" by the largest in the file, or a
	// fixed number.
	Scale string

	valueOrder []string          // Values' keys as the file lists them
	folded     map[string]string // lower-cased keys -> target
	factor     float64           // Scale as a number, when not "max"
	lines      map[string]int    // "column", "default", "values", "scale" -> line
	valueLines map[string]int    // value -> line
}

// MatrixMap says how CSV adjacency matrices are read.
type MatrixMap struct {
	// File is the matrix's file name; "" takes every CSV file whose name
	// holds "matrix" or says nothing of its role.
	File string
	// Type is the type of every relationship the matrix makes; "" takes
	// the relationships' default type.
	Type string
	// Directed false reads only the cells above the diagonal, each an
	// undirected edge (see Undirected), and requires the matrix to be
	// symmetric.
	Directed bool
}

// Overrides are the command line's shortcuts; they win over the file.
type Overrides struct {
	DefaultKind, DefaultType, DefaultStrength, Undirected string
}

// MappingInput is a mapping as given: the YAML text (none for the
// shortcuts alone) and the shortcuts.
type MappingInput struct {
	Name      string // the file's name, or "mapping" for GraphQL's argument
	Text      []byte
	Overrides Overrides
}

// CodeMapping is the code of every problem with a mapping.
const CodeMapping = "MAPPING"

// CodeGraphs says a file holds several graphs and none was chosen.
const CodeGraphs = "MULTIPLE_GRAPHS"

// MaxMappingBytes bounds a mapping's text: a real one is a page.
const MaxMappingBytes = 256 << 10

// maxMappingBrackets bounds the brackets a mapping holds: a suggested
// mapping has none, a hand-written one a few ("keep: [a, b]").
const maxMappingBrackets = 1000

// symmetricTypes are the relationship types read in both directions: the
// ones an undirected edge may become.
var symmetricTypes = []domain.RelationshipType{domain.Dialogue, domain.CooperatesWith, domain.InTensionWith}

// undirectedChoices names what `undirected` may say.
func undirectedChoices() string { return "both, " + joinNames(symmetricTypes) }

// ParseMapping reads and checks a mapping. Every problem is reported at
// once (code MAPPING, with the line); with problems the mapping is nil.
func ParseMapping(in MappingInput) (*Mapping, []Problem) {
	name := cmpOr(in.Name, "mapping")
	p := &mappingParser{m: &Mapping{Name: name, Actors: map[string]*FieldMap{}, Relationships: map[string]*FieldMap{}, lines: map[string]int{}}}
	if len(in.Text) > MaxMappingBytes {
		p.problem(0, "", fmt.Sprintf("the mapping is larger than %d KiB; a mapping is a page of text", MaxMappingBytes>>10))
		return nil, p.problems
	}
	text := bytes.TrimPrefix(in.Text, bom) // as Windows editors save it
	if n := bytes.Count(text, []byte("[")) + bytes.Count(text, []byte("{")); n > maxMappingBrackets {
		// The YAML parser's memory grows with the square of how deeply
		// lists and sets nest in brackets: 200 KB of "[" takes gigabytes.
		// Brackets are counted wherever they are (quoted or not), so that
		// none can hide from the count.
		p.problem(0, "", fmt.Sprintf("the mapping holds %d brackets ([ and {), more than the %d a mapping may hold; write lists and values as indented lines, as a suggested mapping does", n, maxMappingBrackets))
		return nil, p.problems
	}
	if len(bytes.TrimSpace(text)) > 0 {
		p.parse(text)
	}
	p.dropsRead()
	if len(p.problems) == 0 {
		p.override(in.Overrides)
	}
	if len(p.problems) > 0 {
		return nil, p.problems
	}
	return p.m, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mappingParser walks the YAML's syntax tree, so that every problem names
// its line and says what is allowed, in the mapping's own words.
type mappingParser struct {
	m        *Mapping
	problems []Problem
}

func (p *mappingParser) problem(line int, key, msg string) {
	p.problems = append(p.problems, Problem{File: p.m.Name, Row: line, Column: key, Code: CodeMapping, Message: msg})
}

func (p *mappingParser) parse(text []byte) {
	f, err := parser.ParseBytes(text, 0)
	if err != nil {
		p.syntaxProblem(err)
		return
	}
	if len(f.Docs) != 1 {
		p.problem(0, "", "the mapping should be one YAML document")
		return
	}
	body := f.Docs[0].Body
	if body == nil {
		return
	}
	pairs, ok := p.pairs(body, "")
	if !ok {
		return
	}
	for _, kv := range pairs {
		switch kv.key {
		case "actors", "relationships":
			p.role(kv)
		case "undirected":
			if s, ok := p.scalar(kv); ok && s != "" {
				p.m.Undirected = p.undirected(s, kv.line, kv.key)
			}
		case "graph":
			if s, ok := p.scalar(kv); ok {
				p.m.Graph = s
			}
		case "matrix":
			p.m.lines["matrix."] = kv.line
			p.matrix(kv)
		default:
			p.unknown(kv, "", []string{"actors", "relationships", "undirected", "graph", "matrix"})
		}
	}
}

// dropsRead refuses a mapping that drops a column it also reads a field
// from: a drop is for what the service must not hold (an informant's
// name), so it must not be stored as the field instead, silently.
func (p *mappingParser) dropsRead() {
	for _, role := range []string{"actors", "relationships"} {
		fields := p.m.fields(role)
		for _, col := range p.m.Drop[role] {
			for _, f := range sortedFields(fields) {
				if c := fields[f].Column; c != "" && normalize(c) == normalize(col) {
					p.problem(p.m.line(role, "drop"), role+".drop", fmt.Sprintf(
						"%s drops %q but reads its %s from it (line %d); drop the column or read the field from another one, not both",
						role, col, f, p.m.line(role, f)))
				}
			}
		}
	}
}

// syntaxProblem reports a YAML syntax error with its line, without the
// library's source excerpt.
func (p *mappingParser) syntaxProblem(err error) {
	var ye yaml.Error
	line, msg := 0, err.Error()
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
	}
	msg = alreadyDefined.ReplaceAllString(msg, "is given twice (first on line $1)")
	p.problem(line, "", "the mapping is not valid YAML: "+msg)
}

// alreadyDefined is how the YAML parser reports a repeated key, with a
// position a researcher does not need to decode.
var alreadyDefined = regexp.MustCompile(`already defined at \[(\d+):\d+\]`)

// pair is one key and its value in a YAML mapping.
type pair struct {
	key   string
	path  string // "actors.kind.values"
	line  int
	value ast.Node
}

// pairs reads a YAML mapping's keys in order, refusing repeated keys.
func (p *mappingParser) pairs(n ast.Node, path string) ([]pair, bool) {
	n = unwrap(n)
	var values []*ast.MappingValueNode
	switch x := n.(type) {
	case *ast.MappingNode:
		values = x.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{x}
	case *ast.NullNode:
		return nil, true
	default:
		p.problem(lineOf(n), path, fmt.Sprintf("%s should be a set of keys and values; it is %s", describePath(path), describeNode(n)))
		return nil, false
	}
	seen := map[string]int{}
	out := make([]pair, 0, len(values))
	for _, v := range values {
		key, ok := scalarText(v.Key)
		line := lineOf(v.Key)
		if !ok {
			p.problem(line, path, fmt.Sprintf("a key of %s is not plain text", describePath(path)))
			continue
		}
		if first, dup := seen[key]; dup {
			p.problem(line, join(path, key), fmt.Sprintf("%q is given twice in %s (first on line %d)", key, describePath(path), first))
			continue
		}
		seen[key] = line
		out = append(out, pair{key: key, path: join(path, key), line: line, value: v.Value})
	}
	return out, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describePath(path string) string {
	if path == "" {
		return "the mapping"
	}
	return fmt.Sprintf("%q", path)
}

// unwrap looks through comments and tags around a value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch x := n.(type) {
		case *ast.TagNode:
			n = x.Value
		case *ast.CommentNode:
			return nil
		default:
			return n
		}
	}
}

func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// scalarText is a scalar's text as written; ok is false for anything
// else (a list, a mapping, an anchor).
func scalarText(n ast.Node) (string, bool) {
	switch x := unwrap(n).(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.LiteralNode:
		return strings.TrimRight(x.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return x.GetToken().Value, true
	case *ast.NullNode:
		return "", true
	}
	return "", false
}

func describeNode(n ast.Node) string {
	switch unwrap(n).(type) {
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a set of keys and values"
	case *ast.AnchorNode, *ast.AliasNode:
		return "an anchor or alias (write the value out)"
	}
	return "a single value"
}

// scalar reads a pair's value as one value.
func (p *mappingParser) scalar(kv pair) (string, bool) {
	s, ok := scalarText(kv.value)
	if !ok {
		p.problem(kv.line, kv.path, fmt.Sprintf("%q should be a single value; it is %s", kv.path, describeNode(kv.value)))
	}
	return strings.TrimSpace(s), ok
}

func (p *mappingParser) unknown(kv pair, path string, allowed []string) {
	p.problem(kv.line, kv.path, fmt.Sprintf("%q is not a key of %s (allowed: %s)", kv.key, describePath(path), strings.Join(allowed, ", ")))
}

// role reads the actors or relationships section: field -> column, or
// field -> {column, values, default, scale}.
func (p *mappingParser) role(kv pair) {
	pairs, ok := p.pairs(kv.value, kv.key)
	if !ok {
		return
	}
	fieldsOf := mappable(kv.key)
	target := p.m.fields(kv.key)
	for _, f := range pairs {
		if f.key == "keep" || f.key == "drop" {
			p.columnList(kv.key, f)
			continue
		}
		field, ok := canonicalField(fieldsOf, f.key)
		if !ok {
			p.unknown(f, kv.key, append(slices.Clip(fieldsOf), "keep", "drop"))
			continue
		}
		fm := &FieldMap{lines: map[string]int{}, valueLines: map[string]int{}}
		p.m.lines[kv.key+"."+field] = f.line
		if s, ok := scalarText(f.value); ok {
			fm.Column = strings.TrimSpace(s)
			fm.lines["column"] = f.line
		} else {
			p.fieldMap(kv.key, field, f, fm)
		}
		target[field] = fm
	}
}

// columnList reads a role's keep or drop: one column, or a list of them.
func (p *mappingParser) columnList(role string, kv pair) {
	p.m.lines[role+"."+kv.key] = kv.line
	var cols []string
	if seq, ok := unwrap(kv.value).(*ast.SequenceNode); ok {
		for _, v := range seq.Values {
			s, ok := scalarText(v)
			if !ok {
				p.problem(lineOf(v), kv.path, fmt.Sprintf("%q should list column names; one item is %s", kv.path, describeNode(v)))
				return
			}
			cols = append(cols, strings.TrimSpace(s))
		}
	} else if s, ok := p.scalar(kv); ok {
		cols = append(cols, s)
	}
	lists := &p.m.Keep
	if kv.key == "drop" {
		lists = &p.m.Drop
	}
	if *lists == nil {
		*lists = map[string][]string{}
	}
	for _, c := range cols {
		if c != "" {
			(*lists)[role] = append((*lists)[role], c)
		}
	}
}

// mappable lists the fields a role's mapping may name, in a stable order.
func mappable(role string) []string {
	var out []string
	for _, f := range roleColumns[role] {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// canonicalField finds a field by its name in any case ("externalid").
func canonicalField(fields []string, key string) (string, bool) {
	for _, f := range fields {
		if strings.EqualFold(f, strings.TrimSpace(key)) {
			return f, true
		}
	}
	return "", false
}

func (p *mappingParser) fieldMap(role, field string, kv pair, fm *FieldMap) {
	pairs, ok := p.pairs(kv.value, kv.path)
	if !ok {
		return
	}
	allowed := []string{"column", "values", "default"}
	if scalable(field) {
		allowed = append(allowed, "scale")
	}
	for _, x := range pairs {
		switch {
		case x.key == "column":
			if s, ok := p.scalar(x); ok {
				fm.Column, fm.lines["column"] = s, x.line
			}
		case x.key == "default":
			if s, ok := p.scalar(x); ok && s != "" { // a blank the researcher has not filled: no default
				fm.Default, fm.lines["default"] = p.value(role, field, s, x.line, x.path), x.line
			}
		case x.key == "values":
			p.values(role, field, x, fm)
		case x.key == "scale" && scalable(field):
			if s, ok := p.scalar(x); ok && s != "" {
				fm.Scale, fm.factor = p.scale(s, x)
				fm.lines["scale"] = x.line
			}
		default:
			p.problem(x.line, x.path, fmt.Sprintf("%q is not a key of %s (allowed: %s); to map the file's values, list them under values:",
				x.key, describePath(kv.path), strings.Join(allowed, ", ")))
		}
	}
}

// scalable fields are weights a file may give on another scale.
func scalable(field string) bool { return field == "strength" || field == "confidence" }

func (p *mappingParser) scale(s string, kv pair) (string, float64) {
	if strings.EqualFold(s, "max") {
		return "max", 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		p.problem(kv.line, kv.path, fmt.Sprintf(`scale %q should be "max" (divide by the largest value in the file) or a number above 0 to divide by`, s))
		return "", 0
	}
	return s, f
}

func (p *mappingParser) values(role, field string, kv pair, fm *FieldMap) {
	pairs, ok := p.pairs(kv.value, kv.path)
	if !ok {
		return
	}
	fm.Values, fm.folded, fm.lines["values"] = map[string]string{}, map[string]string{}, kv.line
	for _, x := range pairs {
		s, ok := p.scalar(x)
		if !ok {
			continue
		}
		to := ""
		if s != "" { // an empty target is a blank the researcher has not filled: the value stays as it is
			to = p.value(role, field, s, x.line, x.path)
		}
		fm.Values[x.key], fm.valueLines[x.key] = to, x.line
		fm.valueOrder = append(fm.valueOrder, x.key)
		if k := foldValue(x.key); fm.folded[k] == "" {
			fm.folded[k] = to
		}
	}
}

func foldValue(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// value checks a value the mapping gives a field (a default, or a value
// map's target) as the row checks would, and returns it as the service
// spells it.
func (p *mappingParser) value(role, field, s string, line int, path string) string {
	if allowed := enumValues(role, field); allowed != nil {
		if v, ok := matchEnum(field, s, allowed); ok {
			return v
		}
		p.problem(line, path, fmt.Sprintf("%q is not a %s (allowed: %s)", s, fieldWords(field), strings.Join(allowed, ", ")))
		return ""
	}
	if field == "frameworks" {
		// Frameworks as the row checks read them; a target may name several.
		fs, bad := parseFrameworks(s)
		if len(bad) > 0 {
			p.problem(line, path, "frameworks: "+bad[0])
			return ""
		}
		return fmtFrameworks(fs)
	}
	if unitFields[field] {
		if _, code, msg := parseUnit(s); code != "" {
			p.problem(line, path, fmt.Sprintf("%s %s", field, msg))
			return ""
		}
	}
	return s
}

// unitFields are the fields that hold a number between 0 and 1.
var unitFields = map[string]bool{"strength": true, "confidence": true, "rightsAwareness": true, "reliability": true}

func fieldWords(field string) string {
	switch field {
	case "kind":
		return "kind of actor"
	case "type":
		return "relationship type"
	}
	return field + " value"
}

// enumValues are the values an enum field allows; nil for other fields.
func enumValues(role, field string) []string {
	switch field {
	case "kind":
		if role == "actors" {
			return strs(domain.ActorKinds)
		}
	case "type":
		if role == "relationships" {
			return strs(domain.RelationshipTypes)
		}
	case "sensitivity":
		return strs(domain.Sensitivities)
	case "level":
		return strs(domain.GovernanceLevels)
	case "branch":
		return strs(domain.Branches)
	case "forceType":
		return strs(domain.ForceTypes)
	case "organizationType":
		return strs(domain.OrganizationTypes)
	case "authorityType":
		return strs(domain.AuthorityTypes)
	case "internationalType":
		return strs(domain.InternationalTypes)
	case "mechanism":
		return strs(domain.Mechanisms)
	case "channel":
		return strs(domain.Channels)
	case "power":
		return strs(domain.Powers)
	case "form":
		return strs(domain.Forms)
	}
	return nil
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// matchEnum reads an enum value as the row checks do: the schema's
// spelling in any case, spaces or dashes for underscores, and the
// everyday kind names.
func matchEnum(field, s string, allowed []string) (string, bool) {
	want := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(s)))
	if slices.Contains(allowed, want) {
		return want, true
	}
	if field == "kind" {
		if k, ok := kindAliases[want]; ok {
			return string(k), true
		}
	}
	return "", false
}

func (p *mappingParser) undirected(s string, line int, path string) string {
	if strings.EqualFold(s, "both") {
		return "both"
	}
	if v, ok := matchEnum("type", s, strs(symmetricTypes)); ok {
		return v
	}
	p.problem(line, path, fmt.Sprintf("undirected %q should be one of: %s (both makes two relationships, one each way; a type makes one relationship of that type, read in both directions)", s, undirectedChoices()))
	return ""
}

func (p *mappingParser) matrix(kv pair) {
	pairs, ok := p.pairs(kv.value, kv.key)
	if !ok {
		return
	}
	mm := &MatrixMap{Directed: true}
	for _, x := range pairs {
		s, ok := p.scalar(x)
		if !ok {
			continue
		}
		switch x.key {
		case "file":
			mm.File = s
		case "type":
			if s != "" {
				mm.Type = p.value("relationships", "type", s, x.line, x.path)
			}
		case "directed":
			b, code, _ := parseBool(cmpOr(s, "true"))
			if code != "" {
				p.problem(x.line, x.path, fmt.Sprintf("directed %q should be true (each cell is a relationship from its row's actor to its column's) or false (the matrix is symmetric; each pair is one undirected edge)", s))
			}
			mm.Directed = b
		default:
			p.unknown(x, "matrix", []string{"file", "type", "directed"})
		}
	}
	p.m.Matrix = mm
}

// override applies the command line's shortcuts over the file.
func (p *mappingParser) override(o Overrides) {
	const where = "command line"
	set := func(flag, role, field, v string) {
		if v == "" {
			return
		}
		save := p.m.Name
		p.m.Name = where
		v = p.value(role, field, v, 0, flag)
		p.m.Name = save
		target := p.m.fields(role)
		fm := target[field]
		if fm == nil {
			fm = &FieldMap{lines: map[string]int{}, valueLines: map[string]int{}}
			target[field] = fm
		}
		fm.Default = v
	}
	set("--default-kind", "actors", "kind", o.DefaultKind)
	set("--default-type", "relationships", "type", o.DefaultType)
	set("--default-strength", "relationships", "strength", o.DefaultStrength)
	if o.Undirected != "" {
		save := p.m.Name
		p.m.Name = where
		p.m.Undirected = p.undirected(o.Undirected, 0, "--undirected")
		p.m.Name = save
	}
}

// field returns how a role's field is mapped, or nil.
func (m *Mapping) field(role, field string) *FieldMap {
	if m == nil {
		return nil
	}
	return m.fields(role)[field]
}

// fields is how a role's fields are read: Actors or Relationships.
func (m *Mapping) fields(role string) map[string]*FieldMap {
	if role == "relationships" {
		return m.Relationships
	}
	return m.Actors
}

// line is where the mapping says something about a role's field.
func (m *Mapping) line(role, field string) int { return m.lines[role+"."+field] }

// lookup maps one of the file's values: as written, else ignoring case
// and space. ok is false when the mapping does not name it (or names it
// with an empty target).
func (fm *FieldMap) lookup(v string) (string, bool) {
	if to, ok := fm.Values[v]; ok {
		return to, to != ""
	}
	to := fm.folded[foldValue(v)]
	return to, to != ""
}
