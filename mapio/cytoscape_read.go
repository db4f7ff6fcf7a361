package mapio

import (
	"fmt"
	"io"
	"strings"
)

// Reading Cytoscape.js elements: what cy.json() writes ({"elements":
// {"nodes": [...], "edges": [...]}}, with NetworkX's cytoscape_data and
// Cytoscape desktop's .cyjs alike), or a plain array of elements
// ([{"group": "nodes", "data": {...}}, ...]), where an element without a
// group is an edge when its data has a source and a target. A node's
// data "label" (else "name") is the actor's name, an edge's "label"
// (else Cytoscape desktop's "interaction") the relationship's type;
// source and target are its ends; a node's "position" is the actor's
// layout. Every other data key is an attribute, kept as a custom
// attribute unless it is one of the service's fields. Display state
// (selected, locked, classes, ...) is listed as dropped.

// cytoscapeState are element keys beside "data" that only say how a
// graph is displayed.
var cytoscapeState = []string{"selected", "selectable", "locked", "grabbed", "grabbable", "removed", "classes", "pannable", "style", "renderedPosition", "scratch"}

// ReadCytoscape reads Cytoscape.js elements JSON.
func ReadCytoscape(file string, r io.Reader) (GraphElements, []Problem) {
	root, p := readJSON(file, r)
	if p != nil {
		return GraphElements{}, []Problem{*p}
	}
	var g GraphElements
	k := &jsonReader{file: file, g: &g, format: FormatCytoscape}
	nodes, edges, p := cytoscapeElements(file, root)
	if p != nil {
		return g, []Problem{*p}
	}
	if top, ok := root.(jsonObject); ok {
		if directed, ok := top.get("directed"); ok && directed == false {
			k.problem("", "directed", CodeUndirected,
				`the graph is undirected ("directed": false); relationships here are directed, so give each edge its direction and make a mutual tie two edges`)
		}
	}
	k.role = "actors"
	for n, o := range nodes {
		g.Actors = append(g.Actors, k.cytoscapeNode(o, n))
	}
	k.role = "relationships"
	for n, o := range edges {
		g.Relationships = append(g.Relationships, k.cytoscapeEdge(o, n))
	}
	return g, k.problems
}

// cytoscapeElements finds the nodes and edges, in either shape.
func cytoscapeElements(file string, root any) (nodes, edges []jsonObject, p *Problem) {
	k := &jsonReader{file: file}
	shape := `Cytoscape.js elements are {"elements": {"nodes": [...], "edges": [...]}} or an array of {"data": {...}}`
	var list []any
	switch x := root.(type) {
	case []any:
		list = x
	case jsonObject:
		v, ok := x.get("elements")
		if !ok && (x.has("nodes") || x.has("edges")) {
			v = x // the elements object as the whole file
		}
		switch els := v.(type) {
		case jsonObject:
			nodes, edges = k.objects(els, "nodes", "node"), k.objects(els, "edges", "edge")
			if len(k.problems) > 0 {
				return nil, nil, &k.problems[0]
			}
			return nodes, edges, nil
		case []any:
			list = els
		default:
			return nil, nil, &Problem{File: file, Code: CodeMalformed, Message: shape + "; this file holds " + describeJSON(root) + " without them"}
		}
	default:
		return nil, nil, &Problem{File: file, Code: CodeMalformed, Message: shape + "; this file holds " + describeJSON(root)}
	}
	for n, item := range list {
		o, ok := item.(jsonObject)
		if !ok {
			return nil, nil, &Problem{File: file, Element: fmt.Sprintf("#%d", n+1), Code: CodeMalformed,
				Message: fmt.Sprintf("element %d should be a JSON object with \"data\"; it is %s", n+1, describeJSON(item))}
		}
		if isCytoscapeEdge(o) {
			edges = append(edges, o)
		} else {
			nodes = append(nodes, o)
		}
	}
	return nodes, edges, nil
}

// isCytoscapeEdge says whether an element of a plain array is an edge:
// its group says so, or, without one, its data has both ends.
func isCytoscapeEdge(o jsonObject) bool {
	if g, ok := o.get("group"); ok {
		s, _ := g.(string)
		return strings.EqualFold(s, "edges")
	}
	data, _ := o.get("data")
	d, _ := data.(jsonObject)
	return d.has("source") && d.has("target")
}

// data is an element's "data" object.
func (k *jsonReader) data(o jsonObject, name string) jsonObject {
	v, ok := o.get("data")
	if !ok {
		return nil
	}
	d, ok := v.(jsonObject)
	if !ok {
		k.problem(name, "data", CodeMalformed, fmt.Sprintf(`"data" should be a JSON object of attributes; it is %s`, describeJSON(v)))
	}
	return d
}

// elementID is the "id" in an element's data.
func elementID(d jsonObject) string {
	v, _ := d.get("id")
	id, _ := cellText(v)
	return id
}

func (k *jsonReader) cytoscapeNode(o jsonObject, n int) Element {
	d := k.data(o, elementName("", "", n))
	b := &elementBuilder{e: Element{ID: elementID(d)}}
	name := elementName(b.e.ID, "", n)
	for _, m := range d {
		if m.Key == "id" || isNetworkXName(m, "value", b.e.ID) {
			continue
		}
		text, ok := k.value(name, m.Key, m.Value)
		switch {
		case !ok:
		case m.Key == "label", m.Key == "name" && !d.has("label"):
			k.alias(b, "name", m.Key, text)
		default:
			b.own(m.Key, text)
		}
	}
	k.position(b, o, name)
	k.dropState(o)
	return b.e
}

func (k *jsonReader) cytoscapeEdge(o jsonObject, n int) Element {
	d := k.data(o, elementName("", "", n))
	b := &elementBuilder{e: Element{ID: elementID(d)}}
	name := elementName(b.e.ID, "", n)
	for _, m := range d {
		if m.Key == "id" || isNetworkXName(m, "key", b.e.ID) {
			continue
		}
		text, ok := k.value(name, m.Key, m.Value)
		switch {
		case !ok:
		case m.Key == "source":
			k.alias(b, "from", m.Key, text)
		case m.Key == "target":
			k.alias(b, "to", m.Key, text)
		case m.Key == "label", m.Key == "interaction" && !d.has("label"):
			k.alias(b, "type", m.Key, text)
		case m.Key == "weight":
			// Graph tools give every edge a weight (NetworkX, Gephi: 1 by
			// default): it is the strength only where the edge has no
			// strength of its own, as GEXF's weight is.
			k.alias(b, "strength", m.Key, text)
		default:
			b.own(m.Key, text)
		}
	}
	k.dropState(o)
	return b.e
}

// isNetworkXName says whether a data member is NetworkX's name for the
// element (a node's "value", an edge's "key") repeating its id, as
// NetworkX's cytoscape_data and the service's export write them: no
// attribute of the record.
func isNetworkXName(m jsonMember, key, id string) bool {
	if m.Key != key || id == "" {
		return false
	}
	text, _ := cellText(m.Value)
	return text == id
}

// position reads a node's position as its layout.
func (k *jsonReader) position(b *elementBuilder, o jsonObject, name string) {
	v, ok := o.get("position")
	if !ok {
		return
	}
	pos, ok := v.(jsonObject)
	if !ok {
		k.g.drop(k.file, "position", fmt.Sprintf(`"position" of node %s (and perhaps others) is %s, not an object of x and y; it was left out`, name, describeJSON(v)))
		return
	}
	for _, c := range []struct{ key, attr string }{{"x", layoutX}, {"y", layoutY}} {
		if x, ok := pos.get(c.key); ok {
			if text, ok := cellText(x); ok {
				b.own(c.attr, text)
			}
		}
	}
}

// dropState lists the display state an element carries.
func (k *jsonReader) dropState(o jsonObject) {
	for _, key := range cytoscapeState {
		if o.has(key) {
			k.g.drop(k.file, key, fmt.Sprintf("Cytoscape.js's %q says how the graph was displayed, which the service does not keep; it was left out", key))
		}
	}
}
