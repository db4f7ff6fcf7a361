package mapio

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/actorgraph/actorgraph/domain"
)

// GEXF (Gephi): nodes and edges carry a label, edges a weight, and both
// <attvalue>s of attributes declared in <attributes class="node|edge">.
// Elements are matched by local name, so GEXF 1.1draft, 1.2draft and 1.3
// (and files without a namespace) read the same.

// gexfNS and gexfVizNS are the namespaces of the version written, GEXF
// 1.3, the one Gephi and NetworkX read and write today.
const (
	gexfNS    = "http://gexf.net/1.3"
	gexfVizNS = "http://gexf.net/1.3/viz"
)

type gexfAttribute struct {
	ID      string  `xml:"id,attr"`
	Title   string  `xml:"title,attr"`
	Type    string  `xml:"type,attr"`
	Default *string `xml:"default"`
}

// name is the attribute the declaration's values are read as.
func (a gexfAttribute) name() string {
	if t := strings.TrimSpace(a.Title); t != "" {
		return t
	}
	return a.ID
}

type gexfAttributes struct {
	Class      string          `xml:"class,attr"`
	Attributes []gexfAttribute `xml:"attribute"`
}

type gexfAttValue struct {
	For   string `xml:"for,attr"`
	ID    string `xml:"id,attr"` // GEXF 1.0's name for "for"
	Value string `xml:"value,attr"`
}

type gexfNode struct {
	ID        string         `xml:"id,attr"`
	Label     string         `xml:"label,attr"`
	AttValues []gexfAttValue `xml:"attvalues>attvalue"`
	Nodes     []gexfNode     `xml:"nodes>node"` // a hierarchical graph's children
	gexfViz
	gexfTimes
	Spells []gexfTimes `xml:"spells>spell"`
}

// gexfViz is how Gephi drew a node or an edge (the viz namespace).
type gexfViz struct {
	Position *struct {
		X string `xml:"x,attr"`
		Y string `xml:"y,attr"`
		Z string `xml:"z,attr"`
	} `xml:"position"`
	Color *struct {
		R   string `xml:"r,attr"`
		G   string `xml:"g,attr"`
		B   string `xml:"b,attr"`
		A   string `xml:"a,attr"`
		Hex string `xml:"hex,attr"`
	} `xml:"color"`
	Size *struct {
		Value string `xml:"value,attr"`
	} `xml:"size"`
	Shape *struct {
		Value string `xml:"value,attr"`
	} `xml:"shape"`
	Thickness *struct {
		Value string `xml:"value,attr"`
	} `xml:"thickness"`
}

// gexfTimes are the time attributes an edge or a spell may have.
type gexfTimes struct {
	Start     string `xml:"start,attr"`
	StartOpen string `xml:"startopen,attr"`
	End       string `xml:"end,attr"`
	EndOpen   string `xml:"endopen,attr"`
	Timestamp string `xml:"timestamp,attr"` // GEXF 1.3, timerepresentation="timestamp"
}

func (t gexfTimes) empty() bool { return t == gexfTimes{} }

type gexfEdge struct {
	ID     string `xml:"id,attr"`
	Source string `xml:"source,attr"`
	Target string `xml:"target,attr"`
	Label  string `xml:"label,attr"`
	Weight string `xml:"weight,attr"`
	Type   string `xml:"type,attr"` // directed, undirected or mutual: not the relationship's type
	Kind   string `xml:"kind,attr"`
	gexfTimes
	Intervals  string         `xml:"intervals,attr"`  // GEXF 1.3: "[start, end]; [start, end]"
	Timestamps string         `xml:"timestamps,attr"` // GEXF 1.3: "[t1, t2]"
	AttValues  []gexfAttValue `xml:"attvalues>attvalue"`
	Spells     []gexfTimes    `xml:"spells>spell"`
	gexfViz
}

// gexfReader reads one GEXF file, element by element.
type gexfReader struct {
	xmlGraph
	attrs map[string][]gexfAttribute // by class: node, edge
	// undirected is the graph's defaultedgetype when edges without a type
	// of their own have no direction ("undirected" or "mutual").
	undirected string
	normalized map[string]string // normalize's results: names repeat on every element
}

// ReadGEXF reads a GEXF file into elements: nodes are actors (the label is
// the name), edges relationships (source and target in "from" and "to";
// the weight is the strength; the label or kind is the type where no
// attribute gives one; the time interval is validFrom and validTo).
// Sources come from the service's own extension element (see sourcesNS).
func ReadGEXF(file string, r io.Reader) (GraphElements, []Problem) {
	gr := &gexfReader{xmlGraph: newXMLGraph(file, FormatGEXF, r), attrs: map[string][]gexfAttribute{}, normalized: map[string]string{}}
	gr.out.Format = FormatGEXF
	return gr.result(readRoot(gr.dec, "gexf", "GEXF", gr.root))
}

func (gr *gexfReader) root(se xml.StartElement) error {
	switch {
	case isSources(se):
		return readSources(gr.dec, se, &gr.out.Sources)
	case se.Name.Local == "graph":
		return gr.graph(se)
	case se.Name.Local == "meta":
		return gr.readGEXFMeta(se)
	}
	return gr.dec.Skip() // other tools' extensions
}

func (gr *gexfReader) graph(se xml.StartElement) error {
	// The schema's default edge type is undirected, but Gephi always
	// writes one; a file without it was written by hand, and its edges
	// mean what they say: from source to target.
	if t := attr(se, "defaultedgetype"); t == "undirected" || t == "mutual" {
		gr.undirected = t
	}
	err := children(gr.dec, func(c xml.StartElement) error {
		switch {
		case isSources(c):
			return readSources(gr.dec, c, &gr.out.Sources)
		case c.Name.Local == "attributes":
			var a gexfAttributes
			if err := gr.dec.DecodeElement(&a, &c); err != nil {
				return err
			}
			gr.attrs[a.Class] = append(gr.attrs[a.Class], a.Attributes...)
			gr.declare(a)
			return nil
		case c.Name.Local == "nodes", c.Name.Local == "edges":
			return children(gr.dec, func(e xml.StartElement) error {
				switch e.Name.Local {
				case "node":
					return gr.node(e)
				case "edge":
					return gr.edge(e)
				}
				return gr.dec.Skip()
			})
		}
		return gr.dec.Skip()
	})
	return err
}

func (gr *gexfReader) node(se xml.StartElement) error {
	var n gexfNode
	if err := gr.dec.DecodeElement(&n, &se); err != nil {
		return err
	}
	gr.addNode(n)
	if gr.cells > MaxGraphCells {
		return errTooLarge
	}
	return nil
}

// addNode adds a node and, in a hierarchical graph, the nodes within it:
// every node is an actor.
func (gr *gexfReader) addNode(n gexfNode) {
	gr.role = "actors"
	defer func() { gr.role = "" }()
	name := n.ID
	if name == "" {
		name = "#" + strconv.Itoa(len(gr.out.Actors)+1)
		gr.problem(name, CodeMissing, "a node has no id; GEXF nodes need one, and edges name their ends by it")
	}
	e := Element{ID: n.ID}
	gr.attvalues(&e, name, "node", n.AttValues)
	gr.fill(&e, "node", actorColumns, "name", n.Label)
	gr.nodeViz(&e, name, n.gexfViz)
	gr.nodeTimes(&e, name, n)
	gr.out.Actors = append(gr.out.Actors, e)
	gr.cells += len(e.Attrs) + 1
	for _, child := range n.Nodes {
		gr.addNode(child)
	}
}

// edge reads one <edge>. An edge without a direction (its own type, or
// else the graph's defaultedgetype, "undirected" or "mutual") is marked:
// the mapping says what it becomes.
func (gr *gexfReader) edge(se xml.StartElement) error {
	gr.role = "relationships"
	defer func() { gr.role = "" }()
	var x gexfEdge
	if err := gr.dec.DecodeElement(&x, &se); err != nil {
		return err
	}
	name := x.ID
	if name == "" {
		name = "#" + strconv.Itoa(len(gr.out.Relationships)+1) // as Tables names it
	}
	e := Element{ID: x.ID, Attrs: []Attr{{"from", x.Source}, {"to", x.Target}}}
	switch t := strings.TrimSpace(x.Type); t {
	case "undirected", "mutual":
		e.Undirected = true
	case "":
		e.Undirected = gr.undirected != ""
	}
	gr.attvalues(&e, name, "edge", x.AttValues)
	e.Set("from", x.Source) // the edge's own ends win over attributes of the same name
	e.Set("to", x.Target)
	// Gephi users put the relationship's type in the edge's kind (GEXF
	// 1.3's parallel edges) or its label; the file's own attribute wins.
	kind := strings.TrimSpace(x.Kind)
	if kind == "" {
		kind = x.Label
	}
	gr.fill(&e, "edge", relationshipColumns, "type", kind)
	gr.fill(&e, "edge", relationshipColumns, "strength", x.Weight)
	gr.validity(&e, name, x)
	gr.edgeViz(x.gexfViz)
	gr.out.Relationships = append(gr.out.Relationships, e)
	return gr.spend(e)
}

// attvalues adds an element's attribute values, then the defaults of its
// class's attributes. A dynamic attribute has a value per period; the
// last one given is kept, since the service holds one.
func (gr *gexfReader) attvalues(e *Element, name, class string, values []gexfAttValue) {
	decls := gr.attrs[class]
	for _, v := range values {
		id := v.For
		if id == "" {
			id = v.ID
		}
		a, ok := lookup(decls, id)
		if !ok {
			gr.problem(name, CodeMalformed, fmt.Sprintf(`<attvalue for=%q> names no attribute declared in <attributes class=%q>; declare it, or remove the value`, id, class))
			continue
		}
		if s := strings.TrimSpace(v.Value); s != "" && a.name() != "" {
			e.Set(a.name(), s)
		}
	}
	have := make(map[string]bool, len(e.Attrs)) // a set, not Get: a file may declare thousands of attributes
	for _, a := range e.Attrs {
		have[a.Name] = true
	}
	for _, a := range decls {
		if a.Default != nil && a.name() != "" && !have[a.name()] {
			if s := strings.TrimSpace(*a.Default); s != "" {
				e.Attrs = append(e.Attrs, Attr{a.name(), s})
				have[a.name()] = true
			}
		}
	}
}

func lookup(decls []gexfAttribute, id string) (gexfAttribute, bool) {
	for _, a := range decls {
		if a.ID == id {
			return a, true
		}
	}
	return gexfAttribute{}, false
}

// fill gives e the field from one of GEXF's own properties (a label, a
// weight, a time) unless one of e's attributes already is that field: the
// file's own data win. It is named as the file's declared attribute for
// the field, if there is one, so that the table holds one column for it
// ("Name" for every node, not "Name" for some and "name" for others).
func (gr *gexfReader) fill(e *Element, class string, columns map[string]string, field, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	for _, a := range e.Attrs {
		if columns[gr.normalize(a.Name)] == field {
			return
		}
	}
	name := field
	for _, a := range gr.attrs[class] {
		if columns[gr.normalize(a.name())] == field {
			name = a.name()
			break
		}
	}
	e.Set(name, value)
}

func (gr *gexfReader) normalize(name string) string {
	n, ok := gr.normalized[name]
	if !ok {
		n = normalize(name)
		gr.normalized[name] = n
	}
	return n
}

// validity reads an edge's time interval, from its own attributes, one
// spell, or GEXF 1.3's intervals and timestamps, as validFrom and validTo.
func (gr *gexfReader) validity(e *Element, name string, x gexfEdge) {
	var spans []gexfTimes
	if !x.gexfTimes.empty() {
		spans = append(spans, x.gexfTimes)
	}
	spans = append(spans, x.Spells...)
	spans = append(spans, listedTimes(x.Intervals, x.Timestamps)...)
	switch {
	case len(spans) > 1:
		gr.problem(name, CodeMalformed, fmt.Sprintf("this edge exists over %d periods (spells, intervals or timestamps); a relationship in this service holds one validity interval (validFrom to validTo): split it into one edge per period, or give one period", len(spans)))
		return
	case len(spans) == 0:
		return
	}
	s := spans[0]
	if s.Timestamp != "" { // a moment: the day it falls on
		s.Start, s.End = s.Timestamp, s.Timestamp
	}
	from, to := validFrom(s.Start, false), validTo(s.End, false)
	if s.StartOpen != "" {
		from = validFrom(s.StartOpen, true)
	}
	if s.EndOpen != "" {
		to = validTo(s.EndOpen, true)
	}
	gr.fill(e, "edge", relationshipColumns, "validFrom", from)
	gr.fill(e, "edge", relationshipColumns, "validTo", to)
}

// listedTimes reads GEXF 1.3's intervals="[a, b]; [c, d]" and
// timestamps="[t1, t2]" (Gephi may wrap them in < >).
func listedTimes(intervals, timestamps string) []gexfTimes {
	var out []gexfTimes
	trim := func(s string) string { return strings.Trim(strings.TrimSpace(s), "<>[]() ") }
	if s := trim(intervals); s != "" {
		for _, iv := range strings.Split(s, ";") {
			bounds := strings.SplitN(trim(iv), ",", 2)
			t := gexfTimes{Start: strings.TrimSpace(bounds[0])}
			if len(bounds) == 2 {
				t.End = strings.TrimSpace(bounds[1])
			}
			out = append(out, t)
		}
	}
	if s := trim(timestamps); s != "" {
		for _, ts := range strings.Split(s, ",") {
			out = append(out, gexfTimes{Timestamp: strings.TrimSpace(ts)})
		}
	}
	return out
}

// A GEXF time, as far as the service's dates go: a full date, a partial
// one (2019, 2019-06) or a date-time.
var (
	yearOnly = regexp.MustCompile(`^(\d{4})(\.0+)?$`) // timeformat="double" writes years as 2019.0
	dateTime = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(:\d{2}(\.\d+)?)?)`)
)

// precision is what a GEXF time names: a day, a month, a year or an
// instant within a day.
type precision int

const (
	aDay precision = iota
	aMonth
	aYear
	anInstant
)

// gexfTime reads a time (years written as numbers already made years):
// the day it falls on, or its period's first day, and its precision;
// atMidnight says whether an instant is the start of its day. ok is false
// for anything else, such as a graph's plain numbers.
func gexfTime(s string) (day time.Time, p precision, atMidnight, ok bool) {
	for _, f := range []struct {
		layout string
		p      precision
	}{{"2006-01-02", aDay}, {"2006-01", aMonth}, {"2006", aYear}} {
		if t, err := time.Parse(f.layout, s); err == nil {
			return t, f.p, false, true
		}
	}
	if m := dateTime.FindStringSubmatch(s); m != nil {
		if t, err := time.Parse("2006-01-02", m[1]); err == nil {
			return t, anInstant, strings.Trim(m[2], "0:.") == "", true
		}
	}
	return time.Time{}, 0, false, false
}

// periodEnd is the first day after the period a partial date names.
func periodEnd(t time.Time, p precision) time.Time {
	if p == aYear {
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 1, 0)
}

// validFrom turns a GEXF start into the service's validFrom (the first
// day the relationship holds). An open start excludes its own day or
// period, so the relationship begins the day after; a partial inclusive
// start is passed on, since the service reads it as its period's first
// day. An instant's day is held, open or not.
func validFrom(s string, open bool) string {
	s = yearOnly.ReplaceAllString(strings.TrimSpace(s), "$1")
	t, p, _, ok := gexfTime(s)
	switch {
	case !ok:
		return s // for the row check to report
	case p == aMonth || p == aYear:
		if open {
			return dateText(periodEnd(t, p))
		}
		return s
	case p == aDay && open:
		return dateText(t.AddDate(0, 0, 1))
	}
	return dateText(t)
}

// validTo turns a GEXF end into the service's validTo, which is exclusive
// (the first day the relationship no longer holds). GEXF's end is
// inclusive: end="2019-12-31" is validTo 2020-01-01. A partial end is
// passed on, since the service reads validTo 2019 as the end of 2019.
// endopen is exclusive already; a partial one ends where its period
// begins.
func validTo(s string, open bool) string {
	s = yearOnly.ReplaceAllString(strings.TrimSpace(s), "$1")
	t, p, atMidnight, ok := gexfTime(s)
	switch {
	case !ok:
		return s // for the row check to report
	case p == aMonth || p == aYear:
		if open {
			return dateText(t)
		}
		return s
	case open && (p == aDay || atMidnight):
		return dateText(t)
	}
	return dateText(t.AddDate(0, 0, 1)) // the day after the last day (or instant) included
}

func dateText(t time.Time) string { return t.Format("2006-01-02") }

// isDate says whether s is a full date, which GEXF's time attributes hold
// in a timeformat="date" graph.
func isDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// WriteGEXF writes elements as GEXF 1.3: a node's name is its label and
// its layout its viz:position, viz:color and viz:size; an edge's strength
// is its weight, its kind is its type (see edgeKinds: parallel
// relationships must not share one, or Gephi merges them) and its
// validity its start and end, both days included (GEXF's intervals are
// closed; the service's validTo is the first day no longer valid). Every
// other field, and every custom attribute, is an attribute value,
// declared with its type. The sources, which GEXF has no element for, are
// a JSON object {"sources": [...]} in the meta description.
func WriteGEXF(g GraphElements, w io.Writer) error {
	kinds := edgeKinds(g.Relationships)
	edges := make([]gexfEdgeOut, len(g.Relationships))
	dynamic := false
	for i, e := range g.Relationships {
		edges[i] = edgeOut(e, kinds[i])
		dynamic = dynamic || edges[i].start != "" || edges[i].end != ""
	}
	// A node's attribute values are its attributes but the name (its
	// label) and the layout its viz elements carry.
	nodeValues := make([][]Attr, len(g.Actors))
	for i, e := range g.Actors {
		viz := vizAttrs(e)
		for _, a := range e.Attrs {
			if a.Name != "name" && !viz[a.Name] {
				nodeValues[i] = append(nodeValues[i], a)
			}
		}
	}
	nodeAttrs := declare("n", attrsOnly(nodeValues), g.typeFunc("actors"), nil)
	var rest []Element
	for _, e := range edges {
		rest = append(rest, Element{Attrs: e.attrs})
	}
	edgeAttrs := declare("e", rest, g.typeFunc("relationships"), nil)

	x := newXMLWriter(w)
	root := xml.StartElement{Name: xml.Name{Space: gexfNS, Local: "gexf"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns:viz"}, Value: gexfVizNS}, {Name: xml.Name{Local: "version"}, Value: "1.3"}}}
	x.token(root)
	x.start("meta")
	x.start("creator")
	x.text("actorgraph")
	x.end("creator")
	if len(g.Sources) > 0 {
		x.start("description")
		x.text(sourcesJSON(g.Sources))
		x.end("description")
	}
	x.end("meta")
	graph := []string{"defaultedgetype", "directed", "mode", "static"}
	if dynamic {
		// GEXF requires mode="dynamic" for edges with times, and
		// timeformat="date" for times that are dates.
		graph = []string{"defaultedgetype", "directed", "mode", "dynamic", "timeformat", "date"}
	}
	x.start("graph", graph...)
	writeAttributes(x, "node", nodeAttrs)
	writeAttributes(x, "edge", edgeAttrs)
	x.start("nodes")
	for i, e := range g.Actors {
		x.start("node", optional("id", e.ID, "label", e.Get("name"))...)
		writeAttValues(x, nodeAttrs, nodeValues[i])
		writeViz(x, e)
		x.end("node")
	}
	x.end("nodes")
	x.start("edges")
	for _, e := range edges {
		x.start("edge", e.xmlAttrs...)
		writeAttValues(x, edgeAttrs, e.attrs)
		x.end("edge")
	}
	x.end("edges")
	x.end("graph")
	x.token(root.End())
	return x.close()
}

// vizAttrs are the layout attributes of an actor that GEXF's viz
// elements carry: a colour, a position with both x and y (the schema
// requires them, and a z: 0, Gephi's plane, where the actor has none),
// a size. The rest (a y without an x, which a spreadsheet may give, or a
// colour that is none) are written as attribute values under their
// layout names, which read back as the layout, so that nothing is lost.
func vizAttrs(e Element) map[string]bool {
	out := map[string]bool{}
	if c := e.Get(outLayoutColor); c != "" {
		if _, _, _, _, err := domain.RGBA(c); err == nil {
			out[outLayoutColor] = true
		}
	}
	if e.Get(outLayoutX) != "" && e.Get(outLayoutY) != "" {
		out[outLayoutX], out[outLayoutY] = true, true
		out[outLayoutZ] = e.Get(outLayoutZ) != ""
	}
	out[outLayoutSize] = e.Get(outLayoutSize) != ""
	return out
}

// attrsOnly makes elements of attribute lists, for declare.
func attrsOnly(lists [][]Attr) []Element {
	out := make([]Element, len(lists))
	for i, l := range lists {
		out[i] = Element{Attrs: l}
	}
	return out
}

// writeViz writes the layout vizAttrs says GEXF's viz elements carry.
func writeViz(x *xmlWriter, e Element) {
	if c := e.Get(outLayoutColor); c != "" {
		if r, g, b, a, err := domain.RGBA(c); err == nil {
			attrs := []string{"r", strconv.Itoa(int(r)), "g", strconv.Itoa(int(g)), "b", strconv.Itoa(int(b))}
			if a != 255 {
				attrs = append(attrs, "a", strconv.FormatFloat(float64(a)/255, 'f', -1, 64))
			}
			x.empty("viz:color", attrs...)
		}
	}
	if px, py := e.Get(outLayoutX), e.Get(outLayoutY); px != "" && py != "" {
		z := e.Get(outLayoutZ)
		if z == "" {
			z = "0"
		}
		x.empty("viz:position", "x", px, "y", py, "z", z)
	}
	if size := e.Get(outLayoutSize); size != "" {
		x.empty("viz:size", "value", size)
	}
}

// gexfEdgeOut is an edge laid out for GEXF: its XML attributes, and the
// attributes left for attvalues.
type gexfEdgeOut struct {
	xmlAttrs   []string
	start, end string
	attrs      []Attr
}

// edgeOut lays out a relationship. Strength and dates go in GEXF's own
// attributes only when they have GEXF's types (a number, a date);
// otherwise they stay attribute values, so that nothing is lost.
func edgeOut(e Element, kind string) gexfEdgeOut {
	var out gexfEdgeOut
	var weight, label string
	for _, a := range e.Attrs {
		switch {
		case a.Name == "from" || a.Name == "to":
		case a.Name == "strength" && hasType(a.Value, TypeDouble):
			weight = a.Value
		case a.Name == "validFrom" && isDate(a.Value):
			out.start = a.Value
		case a.Name == "validTo" && isDate(a.Value):
			out.end = lastDay(a.Value)
		default:
			if a.Name == "type" {
				label = a.Value // Gephi shows the label; the reader prefers the type attribute
			}
			out.attrs = append(out.attrs, a)
		}
	}
	if out.start != "" && out.end != "" && out.end < out.start {
		// No day is included (validTo on validFrom): GEXF's closed
		// interval cannot say so, so the dates stay attribute values.
		out.attrs = append(out.attrs, Attr{"validFrom", out.start}, Attr{"validTo", e.Get("validTo")})
		out.start, out.end = "", ""
	}
	out.xmlAttrs = optional("id", e.ID, "source", e.Get("from"), "target", e.Get("to"), "kind", kind, "label", label,
		"weight", weight, "start", out.start, "end", out.end)
	return out
}

// lastDay is the day before an exclusive end: the last day included.
func lastDay(validTo string) string {
	t, _ := time.Parse("2006-01-02", validTo)
	return dateText(t.AddDate(0, 0, -1))
}

// edgeKinds names each relationship's edge kind, which Gephi keeps edges
// apart by: Gephi merges (summing weights) edges with the same ends and
// the same kind, so no two relationships between the same ends, in the
// same direction, share one. The kind is the type ("TRUSTS"); where the
// ends have several relationships of that type, the type and whose
// perception it is ("TRUSTS (women)"); where that is still shared, the
// later ones are numbered by their order in the export ("TRUSTS (women)
// #2"). The type stays an attribute value of its own, so the kind is for
// display and filtering only. An edge without a type has no kind.
func edgeKinds(rels []Element) []string {
	key := func(e Element, kind string) string { return e.Get("from") + "\x00" + e.Get("to") + "\x00" + kind }
	byType := map[string]int{}
	for _, e := range rels {
		byType[key(e, e.Get("type"))]++
	}
	out := make([]string, len(rels))
	used := map[string]bool{}
	for i, e := range rels {
		kind := e.Get("type")
		if kind == "" {
			// Only a hand-made file has an edge without a type, and a kind
			// would read back as one: it gets none.
			continue
		}
		if byType[key(e, kind)] > 1 {
			if p := e.Get("perceivedBy"); p != "" {
				kind = fmt.Sprintf("%s (%s)", kind, p)
			}
		}
		base := kind
		for n := 2; used[key(e, kind)]; n++ {
			kind = fmt.Sprintf("%s #%d", base, n)
		}
		used[key(e, kind)] = true
		out[i] = kind
	}
	return out
}

// optional returns the name, value pairs whose value is not empty, except
// source and target, which an edge always has.
func optional(pairs ...string) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" || pairs[i] == "source" || pairs[i] == "target" {
			out = append(out, pairs[i], pairs[i+1])
		}
	}
	return out
}

var gexfTypes = map[AttrType]string{TypeString: "string", TypeDouble: "double", TypeInt: "integer", TypeBool: "boolean", TypeList: "string"}

func writeAttributes(x *xmlWriter, class string, attrs []declared) {
	if len(attrs) == 0 {
		return
	}
	x.start("attributes", "class", class, "mode", "static")
	for _, a := range attrs {
		x.empty("attribute", "id", a.id, "title", a.name, "type", gexfTypes[a.typ])
	}
	x.end("attributes")
}

func writeAttValues(x *xmlWriter, decls []declared, attrs []Attr) {
	opened := false
	for _, a := range attrs {
		d, ok := find(decls, a.Name)
		if !ok {
			continue
		}
		if !opened {
			x.start("attvalues")
			opened = true
		}
		x.empty("attvalue", "for", d.id, "value", a.Value)
	}
	if opened {
		x.end("attvalues")
	}
}
