package mapio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Kumu JSON blueprints: {"elements": [...], "connections": [...]}.
//
// Kumu writes elements as {"_id": ..., "attributes": {"label": ...,
// "element type": ..., "tags": [...]}}; hand-written blueprints, and
// Kumu's own import documentation, use the flat form {"id": ..., "label":
// ..., "type": ..., "tags": [...]}. Both are read. The writer uses the
// documented flat form, since that is what Kumu promises to import;
// Kumu's "_id"s are its own and are assigned on import.
//
// Kumu has no sources, so the writer adds a top-level "sources" array,
// which Kumu ignores and the reader reads back: an export then imports
// into a new workspace with its evidence.

// kumuActorNames and kumuRelationshipNames are Kumu's names for the
// service's fields. They are weaker than the service's own names: an
// element with both "label" and "name" keeps "name".
var (
	kumuActorNames        = map[string]string{"label": "name", "element type": "kind", "type": "kind"}
	kumuRelationshipNames = map[string]string{"connection type": "type", "description": "notes"}
)

// kumuDirections are the keys that hold a connection's direction: flat
// and in Kumu's attributes.
var kumuDirections = map[string]bool{"direction": true, "connection direction": true}

// ReadKumu reads a Kumu JSON blueprint. Connections name their ends by
// element id or, where elements have none, by label; the resolve step
// matches both.
func ReadKumu(file string, r io.Reader) (GraphElements, []Problem) {
	root, p := readJSON(file, r)
	if p != nil {
		return GraphElements{}, []Problem{*p}
	}
	top, ok := root.(jsonObject)
	if !ok || (!top.has("elements") && !top.has("connections")) {
		holds := describeJSON(root)
		if ok {
			holds = "an object without them"
		}
		return GraphElements{}, []Problem{{File: file, Code: CodeMalformed,
			Message: `a Kumu blueprint is a JSON object with "elements" and "connections" arrays; this file holds ` + holds}}
	}
	var g GraphElements
	k := &jsonReader{file: file, g: &g, role: "actors", format: FormatKumu}
	renamed := map[string]string{} // Kumu's _id -> the element's own id, where it has both
	for n, o := range k.objects(top, "elements", "element") {
		e, kumuID := k.kumuElement(o, n, kumuActorNames, false)
		if kumuID != "" && e.ID != kumuID {
			renamed[kumuID] = e.ID
		}
		g.Actors = append(g.Actors, e)
	}
	k.role = "relationships"
	for n, o := range k.objects(top, "connections", "connection") {
		e, _ := k.kumuElement(o, n, kumuRelationshipNames, true)
		for _, end := range []string{"from", "to"} {
			if id, ok := renamed[e.Get(end)]; ok {
				e.Set(end, id)
			}
		}
		g.Relationships = append(g.Relationships, e)
	}
	k.role = "sources"
	for n, o := range k.objects(top, "sources", "source") {
		g.Sources = append(g.Sources, k.flatElement(o, n))
	}
	return g, k.problems
}

// kumuElement reads an element or connection in either shape. It returns
// the element and Kumu's "_id" for it. The element's id is its own "id"
// where it has one (what the researcher set), else Kumu's "_id".
func (k *jsonReader) kumuElement(o jsonObject, n int, names map[string]string, connection bool) (Element, string) {
	b := &elementBuilder{}
	var kumuID string
	ids := func(key string, v any) bool {
		switch key {
		case "_id":
			kumuID, _ = cellText(v)
		case "id":
			b.e.ID, _ = cellText(v)
		default:
			return false
		}
		return true
	}
	// In Kumu's shape the fields are in "attributes"; the ids, ends and
	// anything else at the top level are read beside them.
	attrs, _ := o.get("attributes")
	fields := []jsonMember(o)
	if inner, ok := attrs.(jsonObject); ok {
		fields = append(withoutKey(o, "attributes"), inner...)
	}
	name := func() string { return elementName(b.e.ID, kumuID, n) }
	for _, m := range fields {
		if ids(m.Key, m.Value) {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(m.Key))
		if connection && kumuDirections[key] {
			b.e.Undirected = k.undirected(name(), m.Key, m.Value)
			continue
		}
		text, ok := k.value(name(), m.Key, m.Value)
		if !ok {
			continue
		}
		if field, isKumu := names[key]; isKumu {
			k.alias(b, field, m.Key, text)
		} else {
			b.own(m.Key, text)
		}
	}
	if b.e.ID == "" {
		b.e.ID = kumuID
	}
	return b.e, kumuID
}

// undirected reads a connection's direction: Kumu's "mutual" and
// "undirected" connections have none, and the mapping says what they
// become; anything else but "directed" is a problem.
func (k *jsonReader) undirected(element, key string, v any) bool {
	d, _ := cellText(v)
	switch strings.ToLower(strings.TrimSpace(d)) {
	case "", "directed":
		return false
	case "mutual", "undirected":
		return true
	}
	k.problem(element, key, CodeMalformed,
		fmt.Sprintf("the connection's direction is %q; Kumu's directions are directed, mutual and undirected", d))
	return false
}

// WriteKumu writes a Kumu blueprint in the flat form Kumu documents for
// import: "label" and "type" for the name and the kind (or relationship
// type), "description" for a relationship's notes, the service's own
// names for everything else, with numbers, booleans and lists typed.
func WriteKumu(g GraphElements, w io.Writer) error {
	used := map[string]bool{"": true} // ids written so far; an empty id is none
	elements := make([]any, 0, len(g.Actors))
	for _, e := range g.Actors {
		used[e.ID] = true
		elements = append(elements, flatObject(e, map[string]string{"name": "label", "kind": "type"}, g.typer("actors")))
	}
	connections := make([]any, 0, len(g.Relationships))
	for _, e := range g.Relationships {
		if e.ID != "" && used[e.ID] {
			e = keyAsAttribute(e)
		}
		used[e.ID] = true
		o := flatObject(e, map[string]string{"notes": "description"}, g.typer("relationships"))
		connections = append(connections, o.with("direction", "directed"))
	}
	// "connections" comes first: format detection sees a file's first
	// 4 KB, and there a blueprint is told from Cytoscape.js elements by
	// its "connections", which a long "elements" array would push out.
	doc := jsonObject{{"connections", connections}, {"elements", elements}}
	if len(g.Sources) > 0 {
		sources := make([]any, 0, len(g.Sources))
		for _, e := range g.Sources {
			sources = append(sources, flatObject(e, nil, jsonValue))
		}
		doc = append(doc, jsonMember{"sources", sources})
	}
	return writeJSON(w, doc)
}

// keyAsAttribute moves a connection's key out of its id: Kumu wants ids
// unique across elements and connections together, so a connection
// whose key an element already uses carries it as "externalId", which
// the reader reads back as the key (Tables takes an externalId attribute
// over the id).
func keyAsAttribute(e Element) Element {
	out := Element{Attrs: slices.Clone(e.Attrs)}
	for i, a := range out.Attrs {
		if relationshipColumns[normalize(a.Name)] == "externalId" {
			if strings.TrimSpace(a.Value) == "" {
				out.Attrs[i].Value = e.ID
			}
			return out
		}
	}
	out.Attrs = append(out.Attrs, Attr{"externalId", e.ID})
	return out
}

// flatObject lays one element out flat: its "id", then its attributes,
// renamed where the format has names of its own, and typed by typed.
func flatObject(e Element, names map[string]string, typed func(Attr) any) jsonObject {
	o := jsonObject{}
	if e.ID != "" {
		o = o.with("id", e.ID)
	}
	for _, a := range e.Attrs {
		key := a.Name
		if n, ok := names[key]; ok {
			key = n
		}
		o = o.with(key, typed(a))
	}
	return o
}

// jsonValue is Typed(a), but for a number JSON cannot hold ("NaN",
// "Inf", which parse as floats), which stays text rather than making the
// whole file unwritable; the row checks refuse it on import.
func jsonValue(a Attr) any {
	v := Typed(a)
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return a.Value
	}
	return v
}

// JSON helpers shared by the JSON formats (Kumu, JGF, Cytoscape.js).

// jsonObject is a JSON object with its members in the file's order, so
// that attributes, and the columns they become, keep the order a
// researcher gave them (encoding/json's maps would shuffle them).
type jsonObject []jsonMember

type jsonMember struct {
	Key   string
	Value any
}

// get returns the last member named key, as encoding/json would.
func (o jsonObject) get(key string) (any, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if o[i].Key == key {
			return o[i].Value, true
		}
	}
	return nil, false
}

func (o jsonObject) has(key string) bool { _, ok := o.get(key); return ok }

// with adds a member unless one of that name is already there: written
// objects must not repeat a key, and the first (the format's own) wins.
func (o jsonObject) with(key string, v any) jsonObject {
	if o.has(key) {
		return o
	}
	return append(o, jsonMember{key, v})
}

func withoutKey(o jsonObject, key string) []jsonMember {
	out := make([]jsonMember, 0, len(o))
	for _, m := range o {
		if m.Key != key {
			out = append(out, m)
		}
	}
	return out
}

// MarshalJSON writes the members in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		value, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeJSON writes v indented, as a researcher may open it in an editor,
// and without escaping <, > and & (notes quote such text).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// maxJSONDepth bounds nesting: no format here nests deeper than a handful
// of levels, and a file of a million "[" must not exhaust the stack.
const maxJSONDepth = 64

// errTooDeep is reported where the nesting passes maxJSONDepth.
var errTooDeep = errors.New("the JSON nests objects and arrays too deeply")

// errTooManyValues and errTextTooLong stop a JSON file over
// MaxJSONValues or MaxGraphTextBytes.
var (
	errTooManyValues = fmt.Errorf("the file holds more than %d million JSON values, more than one import takes: split it, or leave out attributes the service does not read", MaxJSONValues/1_000_000)
	errTextTooLong   = fmt.Errorf("a text of the file is longer than %s, more than one import takes: shorten it", byteSize(MaxGraphTextBytes))
)

// readJSON reads one JSON value into strings, json.Numbers, booleans,
// nils, []any and jsonObjects. Numbers stay as written (UseNumber), so
// that a population of 1200000 is not read back as 1.2e+06, nor a large
// id rounded. A file that is not JSON is one problem, located by line
// and column.
func readJSON(file string, r io.Reader) (any, *Problem) {
	raw, err := io.ReadAll(r)
	if errors.Is(err, errTextTooLong) {
		return nil, &Problem{File: file, Code: CodeTooLarge, Message: errTextTooLong.Error() + "; nothing was read"}
	}
	if err != nil {
		return nil, &Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf("the file could not be read: %v", err)}
	}
	raw = bytes.TrimPrefix(raw, bom)
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &Problem{File: file, Code: CodeMalformed, Message: "the file is empty"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	budget := MaxJSONValues
	v, err := readValue(dec, 0, &budget)
	if err != nil {
		return nil, jsonProblem(file, raw, dec, err)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(raw[end:], " \t\r\n"); len(rest) > 0 {
		return nil, &Problem{File: file, Code: CodeMalformed,
			Message: "there is more after the end of the JSON " + where(raw, int64(len(raw)-len(rest))) + "; a file holds one JSON value"}
	}
	return v, nil
}

// jsonProblem says what is wrong with a file that is not JSON, and where.
func jsonProblem(file string, raw []byte, dec *json.Decoder, err error) *Problem {
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, errTooManyValues), errors.Is(err, errTextTooLong):
		return &Problem{File: file, Code: CodeTooLarge, Message: fmt.Sprintf("%v (%s); nothing was read", err, where(raw, dec.InputOffset()))}
	case errors.As(err, &syntax):
		return &Problem{File: file, Code: CodeMalformed,
			Message: fmt.Sprintf("this is not valid JSON %s: %v", where(raw, syntax.Offset), syntax)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &Problem{File: file, Code: CodeMalformed,
			Message: "the JSON ends too early " + where(raw, int64(len(raw))) + "; check for an unclosed {, [ or quote"}
	}
	return &Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf("this JSON cannot be read %s: %v", where(raw, dec.InputOffset()), err)}
}

// where names the byte at offset as an editor shows it (lines and
// columns from 1).
func where(raw []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(raw)))
	before := raw[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d (byte %d)", line, column, offset)
}

// readValue reads one JSON value, as readJSON describes. budget is how
// many more values the file may hold (see MaxJSONValues);
// a string over MaxGraphTextBytes is refused as it comes.
func readValue(dec *json.Decoder, depth int, budget *int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errTooDeep
	}
	if *budget--; *budget < 0 {
		return nil, errTooManyValues
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if s, ok := tok.(string); ok && len(s) > MaxGraphTextBytes {
		return nil, errTextTooLong
	}
	switch tok {
	case json.Delim('{'):
		o := jsonObject{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key, ok := tok.(string) // the decoder gives a string or an error here; be sure
			if !ok {
				return nil, fmt.Errorf("an object key is %v, not a string", tok)
			}
			if len(key) > MaxGraphTextBytes {
				return nil, errTextTooLong
			}
			v, err := readValue(dec, depth+1, budget)
			if err != nil {
				return nil, err
			}
			o = append(o, jsonMember{key, v})
		}
		_, err := dec.Token() // }
		return o, err
	case json.Delim('['):
		a := []any{}
		for dec.More() {
			v, err := readValue(dec, depth+1, budget)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token() // ]
		return a, err
	}
	return tok, nil
}

// describeJSON names what a JSON value is, for messages.
func describeJSON(v any) string {
	switch v.(type) {
	case jsonObject:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true or false"
	}
	return "null"
}

// cellText turns an attribute's JSON value into the text a table cell
// holds (via Untyped: lists joined with "|"); false when the value is an
// object or holds one, which no cell can.
func cellText(v any) (string, bool) {
	switch x := v.(type) {
	case jsonObject:
		return "", false
	case json.Number:
		return Untyped(plainNumber(x)), true
	case []any:
		items := make([]any, len(x))
		for i, item := range x {
			switch y := item.(type) {
			case jsonObject, []any:
				return "", false
			case json.Number:
				items[i] = plainNumber(y)
			default:
				items[i] = y
			}
		}
		return Untyped(items), true
	}
	return Untyped(v), true
}

// plainNumber gives a whole number its exact digits and any other number
// as a float64, which Untyped writes without an exponent (1.2e6 becomes
// 1200000, as a count needs).
func plainNumber(n json.Number) any {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// jsonReader gathers the problems of reading one JSON file's elements,
// and (into g) the types of their values and what cannot be kept.
type jsonReader struct {
	file     string
	problems []Problem
	g        *GraphElements
	role     string // of the elements being read: "actors", "relationships" or "sources"
	format   Format // for problems in the format's words
}

func (k *jsonReader) problem(element, column, code, msg string) {
	p := Problem{File: k.file, Element: element, Column: column, Code: code, Message: msg}
	if element != "" && (k.role == "actors" || k.role == "relationships") {
		p.Place = placeFor(k.format, k.role, ownKeys[k.format]).describe(element, column)
	}
	k.problems = append(k.problems, p)
}

// objects returns the objects of the array o[key], reporting a key that
// is not an array and entries that are not objects (left out).
func (k *jsonReader) objects(o jsonObject, key, what string) []jsonObject {
	v, ok := o.get(key)
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		k.problem("", key, CodeMalformed, fmt.Sprintf("%q should be an array of %ss; it is %s", key, what, describeJSON(v)))
		return nil
	}
	out := make([]jsonObject, 0, len(list))
	for n, item := range list {
		obj, ok := item.(jsonObject)
		if !ok {
			k.problem("#"+strconv.Itoa(n+1), key, CodeMalformed,
				fmt.Sprintf("%s %d of %q should be a JSON object; it is %s", what, n+1, key, describeJSON(item)))
			continue
		}
		out = append(out, obj)
	}
	return out
}

// value turns an attribute's value into cell text, noting its JSON type
// (a number, true/false, else text). A value no cell can hold (an object)
// is listed as dropped; nulls are left out, as empty cells are.
func (k *jsonReader) value(element, attribute string, v any) (string, bool) {
	if v == nil {
		return "", false
	}
	text, ok := cellText(v)
	if !ok {
		if k.g == nil || k.isField(attribute) {
			k.problem(element, attribute, CodeEnum,
				fmt.Sprintf("attribute %q holds a JSON object; give it text, a number, true/false or a list of these", attribute))
		} else {
			k.g.drop(k.file, attribute, fmt.Sprintf("attribute %q holds a JSON object (on %s %s and perhaps others), which no attribute can; it was left out", attribute, k.roleWord(), element))
		}
		return "", false
	}
	if k.g != nil && k.role != "" && k.role != "sources" {
		k.g.declareType(k.role, attribute, jsonKind(v))
	}
	return text, ok
}

// isField says whether an attribute is one of the service's fields (or
// a format's name for one): a value it cannot hold is a problem, not a
// custom attribute to drop.
func (k *jsonReader) isField(attribute string) bool {
	key := strings.ToLower(strings.TrimSpace(attribute))
	_, field := roleColumns[k.role][normalize(attribute)]
	return field || kumuActorNames[key] != "" || kumuRelationshipNames[key] != "" || k.role == "" || k.role == "sources"
}

// ownKeys are, per format, the keys of an element that are the format's
// own rather than attributes, as problems name them.
var ownKeys = map[Format]map[string]string{
	FormatJGF: {"directed": `key "directed"`, "source": `key "source"`, "target": `key "target"`, "label": `key "label"`,
		"relation": `key "relation"`, "metadata": `key "metadata"`},
	FormatCytoscape: {"data": `key "data"`, "position": `key "position"`},
}

// alias sets a field from the format's own name for it (Kumu's "element
// type", JGF's "relation"), and notes that name, so that a problem with
// the field names it as the file does.
func (k *jsonReader) alias(b *elementBuilder, field, original, text string) {
	b.alias(field, text)
	if k.g == nil || k.role == "" || k.role == "sources" {
		return
	}
	if k.g.Names == nil {
		k.g.Names = map[string]map[string]string{}
	}
	names := k.g.Names[k.role]
	if names == nil {
		names = map[string]string{}
		k.g.Names[k.role] = names
	}
	if _, ok := names[field]; !ok {
		p := placeFor(k.format, k.role, ownKeys[k.format])
		names[field] = p.column(original)
	}
}

// roleWord names an element of the role being read.
func (k *jsonReader) roleWord() string {
	if k.role == "relationships" {
		return "edge"
	}
	return "node"
}

// jsonKind is the custom attribute type of a JSON value.
func jsonKind(v any) domain.CustomKind {
	switch v.(type) {
	case json.Number:
		return domain.CustomNumber
	case bool:
		return domain.CustomBoolean
	}
	return domain.CustomString
}

// flatElement reads an object whose members are its attributes, with
// its id under "id" (the sources the Kumu and JGF writers add).
func (k *jsonReader) flatElement(o jsonObject, n int) Element {
	b := &elementBuilder{}
	if v, ok := o.get("id"); ok {
		b.e.ID, _ = cellText(v)
	}
	for _, m := range o {
		if m.Key == "id" {
			continue
		}
		if text, ok := k.value(elementName(b.e.ID, "", n), m.Key, m.Value); ok {
			b.own(m.Key, text)
		}
	}
	return b.e
}

// elementName names an element in problems as Tables will: by its id,
// else by its position.
func elementName(id, kumuID string, n int) string {
	switch {
	case id != "":
		return id
	case kumuID != "":
		return kumuID
	}
	return "#" + strconv.Itoa(n+1)
}

// elementBuilder gathers an element's attributes where a format's own
// name for a field (Kumu's "label") and the service's ("name") may both
// appear: the service's name wins, whatever the order.
type elementBuilder struct {
	e       Element
	aliased map[string]bool // attributes set under a format's name for them
}

// own sets an attribute under the service's (or the file's own) name.
func (b *elementBuilder) own(name, value string) {
	b.e.Set(name, value)
	delete(b.aliased, name)
}

// alias sets field from a format's name for it, unless the element has
// the field under its own name.
func (b *elementBuilder) alias(field, value string) {
	for _, a := range b.e.Attrs {
		if a.Name == field && !b.aliased[field] {
			return
		}
	}
	if b.aliased == nil {
		b.aliased = map[string]bool{}
	}
	b.e.Set(field, value)
	b.aliased[field] = true
}
