package mapio

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/actorgraph/actorgraph/domain"
)

// GraphML (yEd, NetworkX, igraph, Gephi): nodes and edges carry <data>
// elements whose keys are declared once, with a name and a type, in <key>
// elements. Elements are matched by local name, so any GraphML namespace
// (or none) reads the same.

const graphmlNS = "http://graphml.graphdrawing.org/xmlns"

// graphmlKey is one <key> declaration. Values are read as text, for the
// row checks to read as every format's are; attr.type is the type of a
// custom attribute, and yfiles.type marks yEd's drawings.
type graphmlKey struct {
	ID      string `xml:"id,attr"`
	For     string `xml:"for,attr"`
	Name    string `xml:"attr.name,attr"`
	Type    string `xml:"attr.type,attr"`
	YFiles  string `xml:"yfiles.type,attr"`
	Default *struct {
		Value string `xml:",chardata"`
	} `xml:"default"`
}

// name is the attribute the key's values are read as. attr.name is
// optional in GraphML; hand-written files often name the key by its id.
func (k graphmlKey) name() string {
	if n := strings.TrimSpace(k.Name); n != "" {
		return n
	}
	return k.ID
}

// appliesTo says whether the key's default applies to a node or an edge.
func (k graphmlKey) appliesTo(domain string) bool {
	return k.For == domain || k.For == "all" || k.For == ""
}

type graphmlData struct {
	Key   string       `xml:"key,attr"`
	Value string       `xml:",chardata"` // yEd's graphics data hold elements, no text: they read as empty
	Inner []xmlElement `xml:",any"`      // yEd's graphics: labels, geometry, fill
}

type graphmlNode struct {
	ID     string         `xml:"id,attr"`
	Data   []graphmlData  `xml:"data"`
	Graphs []graphmlGraph `xml:"graph"` // a group's nodes and edges (yEd's groups)
}

// graphmlGraph is a graph nested in a node.
type graphmlGraph struct {
	EdgeDefault string        `xml:"edgedefault,attr"`
	Nodes       []graphmlNode `xml:"node"`
	Edges       []graphmlEdge `xml:"edge"`
}

type graphmlEdge struct {
	ID       string        `xml:"id,attr"`
	Source   string        `xml:"source,attr"`
	Target   string        `xml:"target,attr"`
	Directed string        `xml:"directed,attr"`
	Data     []graphmlData `xml:"data"`
}

// graphmlReader reads one GraphML file, element by element, so that a
// large file is never held in memory as one structure.
type graphmlReader struct {
	xmlGraph
	keys     map[string]graphmlKey
	keyOrder []string // declaration order, so that defaults apply deterministically
}

// xmlGraph is what the GraphML and GEXF readers share: the file being
// read, the elements read so far, and the problems found.
type xmlGraph struct {
	file     string
	format   Format // for problems in the format's words
	role     string // of the element being read: "actors" or "relationships"
	dec      *xml.Decoder
	out      GraphElements
	problems []Problem
	cells    int // attributes read so far, against MaxGraphCells
}

func newXMLGraph(file string, format Format, r io.Reader) xmlGraph {
	return xmlGraph{file: file, format: format, dec: newXMLDecoder(r)}
}

// problem is a problem with the element being read (or, with the role
// unset, the graph), named in the format's words.
func (x *xmlGraph) problem(element, code, msg string) {
	p := Problem{File: x.file, Element: element, Code: code, Message: msg}
	switch {
	case x.role != "" && element != "":
		p.Place = placeFor(x.format, x.role, nil).describe(element, "")
	case element != "":
		p.Place = fmt.Sprintf("%s graph %q", placeFormat(x.format), element)
	}
	x.problems = append(x.problems, p)
}

// result is what a reader gives back once readRoot has returned err.
func (x *xmlGraph) result(err error) (GraphElements, []Problem) {
	if err != nil {
		return GraphElements{}, append(x.problems, xmlProblem(x.file, err))
	}
	return x.out, x.problems
}

// spend counts an element's attributes against MaxGraphCells.
func (x *xmlGraph) spend(e Element) error {
	if x.cells += len(e.Attrs) + 1; x.cells > MaxGraphCells {
		return errTooLarge
	}
	return nil
}

// ReadGraphML reads a GraphML file into elements: nodes are actors, edges
// relationships (source and target in the attributes "from" and "to"),
// each <data> an attribute named by its key's attr.name. Sources come from
// the service's own extension element (see sourcesNS).
func ReadGraphML(file string, r io.Reader) (GraphElements, []Problem) {
	gr := &graphmlReader{xmlGraph: newXMLGraph(file, FormatGraphML, r), keys: map[string]graphmlKey{}}
	gr.out.Names = map[string]map[string]string{"actors": {}, "relationships": {}}
	return gr.result(readRoot(gr.dec, "graphml", "GraphML", gr.root))
}

// root reads one child of <graphml>.
func (gr *graphmlReader) root(se xml.StartElement) error {
	switch {
	case isSources(se):
		return readSources(gr.dec, se, &gr.out.Sources)
	case se.Name.Local == "key":
		var k graphmlKey
		if err := gr.dec.DecodeElement(&k, &se); err != nil {
			return err
		}
		if _, dup := gr.keys[k.ID]; !dup {
			gr.keyOrder = append(gr.keyOrder, k.ID)
		}
		gr.keys[k.ID] = k
		gr.declare(k)
		return nil
	case se.Name.Local == "graph":
		return gr.graph(se)
	}
	return gr.dec.Skip() // <desc>, graph-level <data>, other tools' extensions
}

// graph reads one <graph>: its nodes and edges.
func (gr *graphmlReader) graph(se xml.StartElement) error {
	id := attr(se, "id")
	if id == "" {
		id = "graph"
	}
	// edgedefault is required by GraphML; a file without one was written
	// by hand, and its edges mean what they say: from source to target.
	undirectedByDefault := attr(se, "edgedefault") == "undirected"
	err := children(gr.dec, func(c xml.StartElement) error {
		switch {
		case isSources(c):
			return readSources(gr.dec, c, &gr.out.Sources)
		case c.Name.Local == "data":
			return gr.readGraphData(c)
		case c.Name.Local == "node":
			return gr.node(c)
		case c.Name.Local == "edge":
			return gr.edge(c, undirectedByDefault)
		case c.Name.Local == "hyperedge":
			gr.problem(cmp.Or(attr(c, "id"), "hyperedge"), CodeMalformed, "hyperedges (edges joining more than two nodes) cannot be read: a relationship in this service joins two actors; write one edge per pair")
		}
		return gr.dec.Skip()
	})
	return err
}

func (gr *graphmlReader) node(se xml.StartElement) error {
	gr.role = "actors"
	defer func() { gr.role = "" }()
	var n graphmlNode
	if err := gr.dec.DecodeElement(&n, &se); err != nil {
		return err
	}
	return gr.addNode(n, "")
}

// addNode adds a node and, for a group (a node holding a graph, as yEd
// writes its groups), the nodes and edges within it: a group and its
// members are all actors, each member with the group's id in its custom
// attribute "parent" (as Cytoscape.js names a compound node's).
func (gr *graphmlReader) addNode(n graphmlNode, parent string) error {
	gr.role = "actors"
	name := n.ID
	if name == "" {
		name = "#" + strconv.Itoa(len(gr.out.Actors)+1)
		gr.problem(name, CodeMissing, "a node has no id; GraphML nodes need one, and edges name their ends by it")
	}
	e := Element{ID: n.ID}
	// Trimmed as every value of a <data> is: a group whose id is blank
	// would otherwise give its members a blank "parent" that the file
	// written back (as <data>) no longer carries.
	if p := strings.TrimSpace(parent); p != "" {
		e.Set("parent", p)
	}
	gr.data(&e, name, "node", n.Data)
	gr.gephiLayout(&e)
	// "label" is what yEd and Gephi call the name; keep one of the two, so
	// that the table does not hold two columns for the same field.
	if label := e.Get("label"); label != "" {
		if e.Get("name") == "" {
			e.Set("name", label)
		}
		e.Attrs = without(e.Attrs, "label")
	}
	gr.out.Actors = append(gr.out.Actors, e)
	if err := gr.spend(e); err != nil {
		return err
	}
	for _, g := range n.Graphs {
		for _, child := range g.Nodes {
			if err := gr.addNode(child, n.ID); err != nil {
				return err
			}
		}
		for _, x := range g.Edges {
			if err := gr.addEdge(x, g.EdgeDefault == "undirected"); err != nil {
				return err
			}
		}
	}
	return nil
}

// edge reads one <edge>. An edge without a direction (directed="false",
// or none given in a graph whose edgedefault is "undirected") is marked:
// the mapping says what it becomes.
func (gr *graphmlReader) edge(se xml.StartElement, undirectedByDefault bool) error {
	gr.role = "relationships"
	defer func() { gr.role = "" }()
	var x graphmlEdge
	if err := gr.dec.DecodeElement(&x, &se); err != nil {
		return err
	}
	return gr.addEdge(x, undirectedByDefault)
}

// addEdge adds an edge; undirectedByDefault says whether its graph (the
// file's, or a group's nested one) makes an edge without a direction of
// its own undirected.
func (gr *graphmlReader) addEdge(x graphmlEdge, undirectedByDefault bool) error {
	gr.role = "relationships"
	name := x.ID
	if name == "" {
		name = "#" + strconv.Itoa(len(gr.out.Relationships)+1) // as Tables names it
	}
	e := Element{ID: x.ID, Attrs: []Attr{{"from", x.Source}, {"to", x.Target}}}
	switch strings.TrimSpace(x.Directed) {
	case "false":
		e.Undirected = true
	case "":
		e.Undirected = undirectedByDefault
	}
	gr.data(&e, name, "edge", x.Data)
	e.Set("from", x.Source) // the edge's own ends win over data of the same name
	e.Set("to", x.Target)
	gr.out.Relationships = append(gr.out.Relationships, e)
	return gr.spend(e)
}

// data adds an element's <data> values, then its keys' defaults.
func (gr *graphmlReader) data(e *Element, name, domain string, data []graphmlData) {
	for _, d := range data {
		k, ok := gr.keys[d.Key]
		if !ok {
			gr.problem(name, CodeMalformed, fmt.Sprintf("<data key=%q> uses a key that no <key> element declares; declare it (with attr.name) before the graph, or remove the data", d.Key))
			continue
		}
		if len(d.Inner) > 0 {
			gr.graphics(e, domain, k, d.Inner)
			continue
		}
		if v := strings.TrimSpace(d.Value); v != "" && k.name() != "" {
			e.Set(k.name(), v)
		}
	}
	have := make(map[string]bool, len(e.Attrs)) // a set, not Get: a file may declare thousands of keys
	for _, a := range e.Attrs {
		have[a.Name] = true
	}
	for _, id := range gr.keyOrder {
		k := gr.keys[id]
		if k.Default != nil && k.name() != "" && k.appliesTo(domain) && !have[k.name()] {
			if v := strings.TrimSpace(k.Default.Value); v != "" {
				e.Attrs = append(e.Attrs, Attr{k.name(), v})
				have[k.name()] = true
			}
		}
	}
}

// WriteGraphML writes elements as GraphML, in the terms Gephi's GraphML
// importer and exporter use: a
// directed graph; a node's name in the key "label" and its layout in the
// keys x, y, z, size and r, g, b; an edge's strength in the key "weight";
// every other field, and every custom attribute, in a key of its own,
// typed where every value has the type. Edges carry their ids, and their
// Gephi edge kind (see edgeKinds) in the edge's "label" XML attribute,
// which Gephi reads as the kind: without it Gephi merges parallel
// relationships. That attribute is the one thing graphml.xsd does not
// allow; the file is valid against it extended as the GraphML Primer
// describes for extra XML attributes. The sources are the JSON object {"sources": [...]} in
// the graph's data "sources".
func WriteGraphML(g GraphElements, w io.Writer) error {
	nodeKeys := declare("n", g.Actors, g.typeFunc("actors"), isLayoutAttr)
	rename(nodeKeys, map[string]string{"name": "label"})
	nodeKeys = append(nodeKeys, layoutKeys(g.Actors)...)
	edgeKeys := declare("e", g.Relationships, g.typeFunc("relationships"), func(name string) bool { return name == "from" || name == "to" })
	rename(edgeKeys, map[string]string{"strength": "weight"})
	kinds := edgeKinds(g.Relationships)
	x := newXMLWriter(w)
	root := xml.StartElement{Name: xml.Name{Space: graphmlNS, Local: "graphml"}}
	x.token(root)
	if len(g.Sources) > 0 {
		x.empty("key", "id", "sources", "for", "graph", "attr.name", "sources", "attr.type", "string")
	}
	for _, set := range []struct {
		domain string
		keys   []declared
	}{{"node", nodeKeys}, {"edge", edgeKeys}} {
		for _, k := range set.keys {
			x.empty("key", "id", k.id, "for", set.domain, "attr.name", k.name, "attr.type", graphmlTypes[k.typ])
		}
	}
	x.start("graph", "id", "G", "edgedefault", "directed")
	if len(g.Sources) > 0 {
		x.start("data", "key", "sources")
		x.text(sourcesJSON(g.Sources))
		x.end("data")
	}
	for _, e := range g.Actors {
		x.start("node", "id", e.ID)
		writeData(x, nodeKeys, withLayoutData(e.Attrs))
		x.end("node")
	}
	for i, e := range g.Relationships {
		attrs := []string{"source", e.Get("from"), "target", e.Get("to")}
		if e.ID != "" {
			attrs = append([]string{"id", e.ID}, attrs...)
		}
		if kinds[i] != "" {
			attrs = append(attrs, "label", kinds[i])
		}
		x.start("edge", attrs...)
		writeData(x, edgeKeys, e.Attrs)
		x.end("edge")
	}
	x.end("graph")
	x.token(root.End())
	return x.close()
}

// rename gives the declarations of some fields the names graph tools read
// them by, keeping their ids.
func rename(keys []declared, names map[string]string) {
	for i, k := range keys {
		if n, ok := names[k.name]; ok {
			keys[i].id, keys[i].name, keys[i].field = n, n, k.name
		}
	}
}

// graphmlLayoutKeys are the keys of a node's layout, named as Gephi's
// GraphML exporter names them (x, y, size as floats; r, g, b as ints);
// z is Gephi's importer's name for the third coordinate.
var graphmlLayoutKeys = []struct {
	name string
	typ  AttrType
	from string // the layout attribute it is written from
}{
	{"x", TypeDouble, outLayoutX}, {"y", TypeDouble, outLayoutY}, {"z", TypeDouble, outLayoutZ}, {"size", TypeDouble, outLayoutSize},
	{"r", TypeInt, outLayoutColor}, {"g", TypeInt, outLayoutColor}, {"b", TypeInt, outLayoutColor},
}

// layoutKeys declares the layout keys some actor has a value for.
func layoutKeys(actors []Element) []declared {
	var out []declared
	for _, k := range graphmlLayoutKeys {
		for _, e := range actors {
			if e.Get(k.from) != "" {
				out = append(out, declared{id: k.name, name: k.name, typ: k.typ, field: k.name})
				break
			}
		}
	}
	return out
}

// withLayoutData turns an actor's layout attributes into the layout
// keys' values (the colour's opacity is lost: Gephi's r, g and b have
// none).
func withLayoutData(attrs []Attr) []Attr {
	out := make([]Attr, 0, len(attrs)+3)
	for _, a := range attrs {
		switch a.Name {
		case outLayoutX, outLayoutY, outLayoutZ, outLayoutSize:
			out = append(out, Attr{strings.TrimPrefix(a.Name, "layout:"), a.Value})
		case outLayoutColor:
			if r, g, b, _, err := domain.RGBA(a.Value); err == nil {
				out = append(out, Attr{"r", strconv.Itoa(int(r))}, Attr{"g", strconv.Itoa(int(g))}, Attr{"b", strconv.Itoa(int(b))})
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

var graphmlTypes = map[AttrType]string{TypeString: "string", TypeDouble: "double", TypeInt: "int", TypeBool: "boolean", TypeList: "string"}

func writeData(x *xmlWriter, keys []declared, attrs []Attr) {
	for _, a := range attrs {
		if k, ok := findField(keys, a.Name); ok {
			x.start("data", "key", k.id)
			x.text(a.Value)
			x.end("data")
		}
	}
}

// declared is an attribute declared once for a graph file: a GraphML key
// or a GEXF attribute.
type declared struct {
	id, name string
	typ      AttrType
	field    string // the attribute it is written from, where not name
}

// xmlID is what a name must look like to serve as a declaration's id.
var xmlID = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// declare lists the attributes elements use, in first-use order (so that
// output is deterministic), each typed as typeOf says where every value
// has that type, else as text: a file must not declare a number that one
// of its values is not. Ids are prefix_name ("n_name", "e_strength"), or
// prefix_index where the name is not a valid id.
func declare(prefix string, elements []Element, typeOf func(string) AttrType, skip func(string) bool) []declared {
	var out []declared
	index := map[string]int{}
	for _, e := range elements {
		for _, a := range e.Attrs {
			if skip != nil && skip(a.Name) {
				continue
			}
			i, seen := index[a.Name]
			if !seen {
				id := prefix + "_" + a.Name
				if !xmlID.MatchString(a.Name) {
					id = prefix + "_" + strconv.Itoa(len(out))
				}
				i = len(out)
				index[a.Name] = i
				out = append(out, declared{id: id, name: a.Name, typ: typeOf(a.Name)})
			}
			if !hasType(a.Value, out[i].typ) {
				out[i].typ = TypeString
			}
		}
	}
	return out
}

// Numbers as XML Schema writes them (strconv would also take "Inf" and
// hexadecimal, which graph tools would refuse).
var (
	xsdDouble  = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)
	xsdInteger = regexp.MustCompile(`^[+-]?\d{1,18}$`)
)

// hasType says whether v is written correctly for type t.
func hasType(v string, t AttrType) bool {
	switch t {
	case TypeDouble:
		return xsdDouble.MatchString(v)
	case TypeInt:
		return xsdInteger.MatchString(v)
	case TypeBool:
		return v == "true" || v == "false" // what both formats' boolean types accept, and ExportElements writes
	}
	return true
}

// findField returns the declaration an attribute is written under.
func findField(ds []declared, attr string) (declared, bool) {
	for _, d := range ds {
		if d.field == attr || (d.field == "" && d.name == attr) {
			return d, true
		}
	}
	return declared{}, false
}

func find(ds []declared, name string) (declared, bool) {
	for _, d := range ds {
		if d.name == name {
			return d, true
		}
	}
	return declared{}, false
}

// without returns attrs without the one named name.
func without(attrs []Attr, name string) []Attr {
	out := attrs[:0]
	for _, a := range attrs {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

// edgesHave says how many edges have something, in words.
// XML shared by the GraphML and GEXF readers and writers.

// sourcesNS is the namespace of the element in which earlier exports of
// GraphML and GEXF carried the service's sources:
// <sources xmlns="https://actorgraph.org/ns/sources/1"> at the end of the
// root element, one <source> per source, its attributes the columns of
// sources.csv (id is the external id). Neither schema allows it, so
// exports now carry the sources in a graph-level place each schema has
// (see WriteGEXF, WriteGraphML); such files are still read.
const sourcesNS = "https://actorgraph.org/ns/sources/1"

func isSources(se xml.StartElement) bool {
	return se.Name.Space == sourcesNS && se.Name.Local == "sources"
}

type sourcesXML struct {
	Sources []struct {
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"source"`
}

// readSources reads the sources extension element into sources.
func readSources(dec *xml.Decoder, se xml.StartElement, sources *[]Element) error {
	var s sourcesXML
	if err := dec.DecodeElement(&s, &se); err != nil {
		return err
	}
	for _, src := range s.Sources {
		var e Element
		for _, a := range src.Attrs {
			if (a.Name.Space != "" && a.Name.Space != sourcesNS) || a.Name.Local == "xmlns" {
				continue // namespace declarations and other vocabularies' attributes
			}
			switch v := strings.TrimSpace(a.Value); {
			case a.Name.Local == "id":
				e.ID = v
			case v != "":
				e.Set(a.Name.Local, v)
			}
		}
		*sources = append(*sources, e)
	}
	return nil
}

// newXMLDecoder returns a decoder for a graph file, reading the character
// encodings a file may declare (ISO-8859-1, Windows-1252, ...). Entities
// declared in a DTD are not expanded by encoding/xml (only the five
// predefined ones and character references are), so an entity bomb
// ("billion laughs") cannot blow up memory, and element nesting is
// bounded by the decoder.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charsetReader
	return dec
}

// charsetReader decodes a file that declares an encoding other than
// UTF-8, by the names browsers know.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, charsetError(label)
	}
	return enc.NewDecoder().Reader(input), nil
}

type charsetError string

func (e charsetError) Error() string {
	return fmt.Sprintf("the file declares the character encoding %q, which is not one this service reads; save it as UTF-8", string(e))
}

// readRoot reads a document whose root element is named root (in a
// format named format), calling visit for each of the root's children,
// which visit must consume. Its errors (not well-formed XML, another
// root) are meant for xmlProblem.
func readRoot(dec *xml.Decoder, root, format string, visit func(xml.StartElement) error) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return fmt.Errorf("the file holds no XML element; a %s file starts with <%s>", format, root)
		}
		if err != nil {
			return err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue // the XML declaration, comments, a doctype
		}
		if se.Name.Local != root {
			return fmt.Errorf("this is not a %s file: its first element is <%s>, not <%s>", format, se.Name.Local, root)
		}
		if err := children(dec, visit); err != nil {
			return err
		}
		return trailer(dec)
	}
}

// trailer reads what follows the root element, so that a file broken
// after its end is reported too.
func trailer(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.StartElement); ok {
			return fmt.Errorf("the file goes on after its root element has closed (line %d); an XML file has one root element", line(dec))
		}
	}
}

// children calls visit for each child element of the element whose start
// was just read, until that element's end. visit must consume the child
// (DecodeElement, Skip or children).
func children(dec *xml.Decoder, visit func(xml.StartElement) error) error {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := visit(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func line(dec *xml.Decoder) int {
	l, _ := dec.InputPos()
	return l
}

// attr returns a start element's attribute by local name, or "".
func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// xmlProblem turns an error reading a file into a problem a researcher
// can act on: where the XML breaks, when it does.
func xmlProblem(file string, err error) Problem {
	var se *xml.SyntaxError
	var ce charsetError
	switch {
	case errors.Is(err, errTooLarge):
		return Problem{File: file, Code: CodeTooLarge, Message: errTooLarge.Error()}
	case errors.Is(err, errTextTooLong):
		return Problem{File: file, Code: CodeTooLarge, Message: errTextTooLong.Error() + "; nothing was read"}
	case errors.As(err, &ce):
		return Problem{File: file, Code: CodeEncoding, Message: ce.Error()}
	case errors.As(err, &se) && se.Msg == "unexpected EOF", errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{File: file, Code: CodeMalformed, Message: "the file ends before its elements are closed; it may have been cut short (saved or copied only in part)"}
	case errors.As(err, &se) && strings.HasPrefix(se.Msg, "invalid character entity"):
		return Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf(
			"the file is not well-formed XML at line %d (%s): write & in text as &amp;; entities a DTD declares are not read", se.Line, se.Msg)}
	case errors.As(err, &se):
		return Problem{File: file, Code: CodeMalformed, Message: fmt.Sprintf(
			"the file is not well-formed XML at line %d (%s); check that every tag is closed and that & and < in text are written &amp; and &lt;", se.Line, se.Msg)}
	}
	return Problem{File: file, Code: CodeMalformed, Message: err.Error()}
}

// xmlWriter writes XML through encoding/xml, which escapes every value
// (characters XML 1.0 cannot hold at all, such as most control
// characters, become U+FFFD), and remembers the first error, so that
// writers read as the document they write.
type xmlWriter struct {
	enc *xml.Encoder
	err error
}

func newXMLWriter(w io.Writer) *xmlWriter {
	x := &xmlWriter{enc: xml.NewEncoder(w)}
	x.enc.Indent("", "  ")
	x.token(xml.ProcInst{Target: "xml", Inst: []byte(`version="1.0" encoding="UTF-8"`)})
	x.text("\n")
	return x
}

func (x *xmlWriter) fail(err error) {
	if x.err == nil {
		x.err = err
	}
}

func (x *xmlWriter) token(t xml.Token) {
	if x.err == nil {
		x.fail(x.enc.EncodeToken(t))
	}
}

// start opens an element; attrs are name, value pairs.
func (x *xmlWriter) start(name string, attrs ...string) {
	se := xml.StartElement{Name: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		se.Attr = append(se.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	x.token(se)
}

func (x *xmlWriter) end(name string) { x.token(xml.EndElement{Name: xml.Name{Local: name}}) }

func (x *xmlWriter) empty(name string, attrs ...string) {
	x.start(name, attrs...)
	x.end(name)
}

func (x *xmlWriter) text(s string) { x.token(xml.CharData(s)) }

func (x *xmlWriter) close() error {
	x.token(xml.CharData("\n"))
	if x.err == nil {
		x.fail(x.enc.Close())
	}
	if x.err != nil {
		return fmt.Errorf("writing XML: %w", x.err)
	}
	return nil
}

// textGuard stops a graph file's reading at a run of more than
// MaxGraphTextBytes without its delimiter: in XML, '<', which XML
// escapes in attribute values and texts; in JSON, '"', which ends every
// string. Such a run is a text that long, which encoding/xml would
// otherwise hold whole however long, and a JSON file would be read
// whole to the end of.
type textGuard struct {
	r     io.Reader
	delim byte
	run   int // bytes since the last delimiter
}

// guardText is a graph file's reader with the textGuard of its format.
func guardText(format Format, r io.Reader) io.Reader {
	if format == FormatGEXF || format == FormatGraphML {
		return &textGuard{r: r, delim: '<'}
	}
	return &textGuard{r: r, delim: '"'}
}

func (g *textGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for rest := p[:n]; ; {
		i := bytes.IndexByte(rest, g.delim)
		if i < 0 {
			g.run += len(rest)
			break
		}
		if g.run+i > MaxGraphTextBytes {
			g.run += i
			break
		}
		g.run, rest = 0, rest[i+1:]
	}
	if g.run > MaxGraphTextBytes {
		return 0, errTextTooLong
	}
	return n, err
}

// errTooLarge stops a graph file's reader once the file holds more
// attributes than an import takes (see MaxGraphCells).
var errTooLarge = fmt.Errorf("the file has more elements and attributes than one import takes (%d million values at most); split it, or leave out attributes the service does not read", MaxGraphCells/1_000_000)
