package mapio

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// JSON Graph Format (jsongraphformat.info). Version 2 keys nodes by id:
//
//	{"graph": {"directed": true,
//	  "nodes": {"c-village": {"label": "Riverside village", "metadata": {"kind": "COMMUNITY"}}},
//	  "edges": [{"source": "f-police", "target": "c-village", "relation": "THREATENS", "metadata": {...}}],
//	  "metadata": {"sources": [...]}}}
//
// Version 1 lists nodes as an array of {"id", "label", "metadata"}; both
// are read, as is {"graphs": [...]} holding one graph. A node's label is
// the actor's name and an edge's relation the relationship's type; every
// other field is in metadata under the service's names. Sources, which
// JGF has no place for, are in the graph's metadata.

// ReadJGF reads a JSON Graph Format file, version 1 or 2, holding one
// graph.
func ReadJGF(file string, r io.Reader) (GraphElements, []Problem) {
	g, _, ps := ReadJGFGraph(file, r, "")
	return g, ps
}

// ReadJGFGraph reads a JSON Graph Format file; of a file holding several
// graphs, the one choice names (by id, label or number from 1, as a
// mapping's graph: gives it). picked says which graph was read, when the
// file holds several.
func ReadJGFGraph(file string, r io.Reader, choice string) (g GraphElements, picked string, problems []Problem) {
	root, p := readJSON(file, r)
	if p != nil {
		return GraphElements{}, "", []Problem{*p}
	}
	graph, picked, p := jgfGraph(file, root, choice)
	if p != nil {
		return GraphElements{}, "", []Problem{*p}
	}
	k := &jsonReader{file: file, g: &g, role: "actors", format: FormatJGF}
	// Edges of an undirected graph, and undirected edges, are marked: the
	// mapping says what they become.
	undirected := false
	if directed, ok := graph.get("directed"); ok && directed == false {
		undirected = true
	}
	if graph.has("hyperedges") {
		k.problem("", "hyperedges", CodeMalformed, "the graph has hyperedges; relationships here join two actors, so give them as edges")
	}
	g.Actors = k.jgfNodes(graph)
	k.role = "relationships"
	for n, o := range k.objects(graph, "edges", "edge") {
		e := k.jgfEdge(o, n)
		if directed, ok := o.get("directed"); ok {
			e.Undirected = directed == false
		} else {
			e.Undirected = undirected
		}
		g.Relationships = append(g.Relationships, e)
	}
	k.role = "sources"
	if meta, ok := k.metadata(graph, ""); ok {
		for n, o := range k.objects(meta, "sources", "source") {
			g.Sources = append(g.Sources, k.flatElement(o, n))
		}
	}
	return g, picked, k.problems
}

// jgfGraph finds the graph of a file: its one graph, or the one chosen.
func jgfGraph(file string, root any, choice string) (jsonObject, string, *Problem) {
	bad := func(msg string) (jsonObject, string, *Problem) {
		return nil, "", &Problem{File: file, Code: CodeMalformed, Message: msg}
	}
	top, ok := root.(jsonObject)
	if !ok {
		return bad(fmt.Sprintf(`a JSON Graph Format file is a JSON object with a "graph" (or a "graphs" array); this file holds %s`, describeJSON(root)))
	}
	if v, ok := top.get("graph"); ok {
		if graph, ok := v.(jsonObject); ok {
			return graph, "", nil
		}
		return bad(fmt.Sprintf(`"graph" should be an object with nodes and edges; it is %s`, describeJSON(v)))
	}
	v, ok := top.get("graphs")
	if !ok {
		return bad(fmt.Sprintf(`a JSON Graph Format file is a JSON object with a "graph" (or a "graphs" array); this file holds %s`, describeJSON(root)))
	}
	graphs, ok := v.([]any)
	switch {
	case !ok:
		return bad(fmt.Sprintf(`"graphs" should be an array of graphs; it is %s`, describeJSON(v)))
	case len(graphs) == 0:
		return bad(`"graphs" is empty; there is no graph to import`)
	}
	for i, g := range graphs {
		if _, ok := g.(jsonObject); !ok {
			return bad(fmt.Sprintf(`graph %d in "graphs" should be an object with nodes and edges; it is %s`, i+1, describeJSON(g)))
		}
	}
	if len(graphs) == 1 {
		return graphs[0].(jsonObject), "", nil
	}
	names := jgfGraphNames(graphs)
	if choice == "" {
		return nil, "", &Problem{File: file, Column: "graphs", Code: CodeGraphs, Message: fmt.Sprintf(
			"the file holds %d graphs (%s); an actor map is one graph, so choose one with graph: in a mapping (its id, its label, or its number from 1)",
			len(graphs), strings.Join(names, "; "))}
	}
	i := pickGraph(graphs, choice)
	if i < 0 {
		return nil, "", &Problem{File: file, Column: "graphs", Code: CodeMapping, Message: fmt.Sprintf(
			"the mapping's graph %q is none of the file's %d graphs (%s); give its id, its label, or its number from 1", choice, len(graphs), strings.Join(names, "; "))}
	}
	return graphs[i].(jsonObject), names[i], nil
}

// jgfGraphNames describes each graph of a file as a mapping may name it:
// its number, id and label.
func jgfGraphNames(graphs []any) []string {
	out := make([]string, len(graphs))
	for i, g := range graphs {
		id, label := jgfGraphText(g.(jsonObject), "id"), jgfGraphText(g.(jsonObject), "label")
		s := strconv.Itoa(i + 1)
		if id != "" {
			s += fmt.Sprintf(" id %q", id)
		}
		if label != "" {
			s += fmt.Sprintf(" label %q", label)
		}
		out[i] = s
	}
	return out
}

func jgfGraphText(g jsonObject, key string) string {
	v, _ := g.get(key)
	s, _ := cellText(v)
	return strings.TrimSpace(s)
}

// pickGraph finds the graph a mapping names: by id, else label, else
// number from 1; -1 when none.
func pickGraph(graphs []any, choice string) int {
	for _, key := range []string{"id", "label"} {
		for i, g := range graphs {
			if jgfGraphText(g.(jsonObject), key) == choice {
				return i
			}
		}
	}
	if n, err := strconv.Atoi(choice); err == nil && n >= 1 && n <= len(graphs) {
		return n - 1
	}
	return -1
}

// jgfNodes reads the nodes: an object keyed by id (version 2) or an
// array of objects with an "id" (version 1).
func (k *jsonReader) jgfNodes(graph jsonObject) []Element {
	v, ok := graph.get("nodes")
	if !ok || v == nil {
		return nil
	}
	var out []Element
	if byID, ok := v.(jsonObject); ok {
		for n, m := range byID {
			node, ok := m.Value.(jsonObject)
			if !ok {
				k.problem(m.Key, "nodes", CodeMalformed, fmt.Sprintf("node %q should be a JSON object; it is %s", m.Key, describeJSON(m.Value)))
				continue
			}
			out = append(out, k.jgfNode(m.Key, node, n))
		}
		return out
	}
	for n, node := range k.objects(graph, "nodes", "node") {
		id := ""
		if v, ok := node.get("id"); ok {
			id, _ = cellText(v)
		}
		out = append(out, k.jgfNode(id, node, n))
	}
	return out
}

// jgfNode reads a node: its label is the name, unless its metadata has a
// name of its own.
func (k *jsonReader) jgfNode(id string, node jsonObject, n int) Element {
	b := &elementBuilder{e: Element{ID: id}}
	name := elementName(id, "", n)
	if v, ok := node.get("label"); ok {
		if text, ok := k.value(name, "label", v); ok {
			k.alias(b, "name", "label", text)
		}
	}
	k.metadataInto(b, node, name)
	return b.e
}

// jgfEdge reads an edge: source and target are its ends, its relation
// (else its label) the type, unless its metadata has a type of its own.
func (k *jsonReader) jgfEdge(edge jsonObject, n int) Element {
	b := &elementBuilder{}
	if v, ok := edge.get("id"); ok {
		b.e.ID, _ = cellText(v)
	}
	name := elementName(b.e.ID, "", n)
	for _, f := range []struct{ key, field string }{{"source", "from"}, {"target", "to"}, {"label", "type"}, {"relation", "type"}} {
		if v, ok := edge.get(f.key); ok {
			if text, ok := k.value(name, f.key, v); ok && text != "" {
				k.alias(b, f.field, f.key, text)
			}
		}
	}
	k.metadataInto(b, edge, name)
	return b.e
}

// metadataInto adds an object's metadata as attributes under their own
// names.
func (k *jsonReader) metadataInto(b *elementBuilder, o jsonObject, element string) {
	meta, ok := k.metadata(o, element)
	if !ok {
		return
	}
	for _, m := range meta {
		if text, ok := k.value(element, m.Key, m.Value); ok {
			b.own(m.Key, text)
		}
	}
}

// metadata returns o's "metadata" object, reporting one that is not.
func (k *jsonReader) metadata(o jsonObject, element string) (jsonObject, bool) {
	v, ok := o.get("metadata")
	if !ok || v == nil {
		return nil, false
	}
	meta, ok := v.(jsonObject)
	if !ok {
		k.problem(element, "metadata", CodeMalformed, fmt.Sprintf(`"metadata" should be a JSON object of attributes; it is %s`, describeJSON(v)))
	}
	return meta, ok
}

// WriteJGF writes version 2 of the JSON Graph Format: a directed graph,
// node labels the names, edge relations the types, every other field in
// metadata with numbers, booleans and lists typed, and the sources in the
// graph's metadata.
func WriteJGF(g GraphElements, w io.Writer) error {
	nodes, seen := jsonObject{}, map[string]bool{}
	for n, e := range g.Actors {
		// Version 2 keys nodes by id, so a node needs one of its own.
		switch {
		case e.ID == "":
			return fmt.Errorf("writing JGF: actor %d has no id; JGF names nodes by id", n+1)
		case seen[e.ID]:
			return fmt.Errorf("writing JGF: two actors have the id %q; JGF names nodes by id", e.ID)
		}
		seen[e.ID] = true
		node := jsonObject{}
		if name := e.Get("name"); name != "" {
			node = append(node, jsonMember{"label", name})
		}
		nodes = append(nodes, jsonMember{e.ID, withMetadata(node, e, g.typer("actors"), "name")})
	}
	edges := make([]any, 0, len(g.Relationships))
	for _, e := range g.Relationships {
		edge := jsonObject{}
		if e.ID != "" {
			edge = append(edge, jsonMember{"id", e.ID})
		}
		edge = append(edge, jsonMember{"source", e.Get("from")}, jsonMember{"target", e.Get("to")})
		if t := e.Get("type"); t != "" {
			edge = append(edge, jsonMember{"relation", t})
		}
		edges = append(edges, withMetadata(edge, e, g.typer("relationships"), "from", "to", "type"))
	}
	graph := jsonObject{{"directed", true}}
	if len(g.Sources) > 0 {
		sources := make([]any, 0, len(g.Sources))
		for _, e := range g.Sources {
			sources = append(sources, flatObject(e, nil, jsonValue))
		}
		graph = append(graph, jsonMember{"metadata", jsonObject{{"sources", sources}}})
	}
	graph = append(graph, jsonMember{"nodes", nodes}, jsonMember{"edges", edges})
	return writeJSON(w, jsonObject{{"graph", graph}})
}

// withMetadata adds e's attributes, but those written in the object
// itself, as o's metadata.
func withMetadata(o jsonObject, e Element, typed func(Attr) any, skip ...string) jsonObject {
	meta := jsonObject{}
	for _, a := range e.Attrs {
		if !slices.Contains(skip, a.Name) {
			meta = meta.with(a.Name, typed(a))
		}
	}
	if len(meta) > 0 {
		o = append(o, jsonMember{"metadata", meta})
	}
	return o
}
