package mapio

import (
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
)

// Cytoscape.js elements JSON, for web graph libraries: what cy.json()
// returns and cytoscape(json) accepts, with the graph keys NetworkX's
// cytoscape_graph reads as well.
//
//	{"data": {"name": "actorgraph"}, "directed": true, "multigraph": true,
//	 "elements": {"nodes": [{"data": {"id": "c-village", "value": "c-village", "label": "Riverside village", "name": "Riverside village", ...},
//	                         "position": {"x": 10, "y": 20}}],
//	              "edges": [{"data": {"id": "r-1", "key": "r-1", "source": "f-police", "target": "c-village", "label": "THREATENS", "weight": 0.6, ...}}]}}
//
// NetworkX names a node by its data "value" and keeps parallel edges
// apart by their data "key", so both repeat the element's id; an edge's
// strength is also its "weight", the name NetworkX's and Cytoscape.js's
// weighted algorithms read. An actor's
// position is the node's "position" (Cytoscape.js's place for it); the
// rest of its layout stays in its data under the layout names. It is for
// display, so it is written and never read. Sources are not part of a
// drawn graph and are left out; each record keeps its "sources"
// attribute, the list of their keys.

// cytoscapeReserved are the data keys Cytoscape.js and NetworkX give a
// meaning to; an attribute of the same name would replace the element's
// own id, ends, label or parent, so it is written under another name
// (see cytoscapeElement).
var cytoscapeReserved = map[string]bool{"id": true, "source": true, "target": true, "label": true, "parent": true, "value": true, "key": true, "weight": true}

// WriteCytoscape writes Cytoscape.js elements JSON. Every element gets an
// id unique among nodes and edges together, as Cytoscape.js requires:
// an edge without one, or with one another element has, is named by its
// ends and type ("f-police->c-village:THREATENS"), numbered on repeats.
// An edge whose end is no node would make Cytoscape.js refuse the whole
// file, so it is an error here.
func WriteCytoscape(g GraphElements, w io.Writer) error {
	used := map[string]bool{}
	nodes := make([]any, 0, len(g.Actors))
	for n, e := range g.Actors {
		id := e.ID
		switch {
		case id == "":
			return fmt.Errorf("writing Cytoscape.js elements: actor %d has no id; edges name nodes by id", n+1)
		case used[id]:
			return fmt.Errorf("writing Cytoscape.js elements: two actors have the id %q; edges name nodes by id", id)
		}
		used[id] = true
		node := cytoscapeElement(e, "actors", jsonObject{{"id", id}, {"value", id}, {"label", e.Get("name")}}, g.typer("actors"))
		if x, y, ok := cytoscapePosition(e); ok {
			node = append(node, jsonMember{"position", jsonObject{{"x", x}, {"y", y}}})
		}
		nodes = append(nodes, node)
	}
	nodeIDs := maps.Clone(used)
	// Edges keep their own ids where they can, before any is made up, so
	// that a made-up id never takes one an edge has.
	ids := make([]string, len(g.Relationships))
	for n, e := range g.Relationships {
		if e.ID != "" && !used[e.ID] {
			ids[n], used[e.ID] = e.ID, true
		}
	}
	edges := make([]any, 0, len(g.Relationships))
	for n, e := range g.Relationships {
		from, to := e.Get("from"), e.Get("to")
		for _, end := range []string{from, to} {
			if !nodeIDs[end] {
				return fmt.Errorf("writing Cytoscape.js elements: relationship %s names %q, which is no actor's id", elementName(e.ID, "", n), end)
			}
		}
		if ids[n] == "" {
			ids[n] = uniqueID(fmt.Sprintf("%s->%s:%s", from, to, e.Get("type")), used)
			used[ids[n]] = true
		}
		data := jsonObject{{"id", ids[n]}, {"key", ids[n]}, {"source", from}, {"target", to}, {"label", e.Get("type")}}
		if w := fieldValue(e, "relationships", "strength"); hasType(w, TypeDouble) {
			data = data.with("weight", g.typedValue("relationships", Attr{"strength", w}))
		}
		edges = append(edges, cytoscapeElement(e, "relationships", data, g.typer("relationships")))
	}
	return writeJSON(w, jsonObject{
		{"data", jsonObject{{"name", "actorgraph"}}},
		{"directed", true},
		{"multigraph", true},
		{"elements", jsonObject{{"nodes", nodes}, {"edges", edges}}},
	})
}

// cytoscapeElement is {"data": own, then e's attributes, typed}; an
// actor's x and y are its position instead. An attribute named as one of
// the reserved keys (a file's edge "weight" or "key", a node's "value"
// that is not its id, a "parent") is written under the name of the field
// it is (strength, externalId), or else as the custom attribute
// "custom:<name>", so that it is neither lost nor taken for the
// element's own id, ends, label or parent.
func cytoscapeElement(e Element, role string, data jsonObject, typed func(Attr) any) jsonObject {
	_, _, positioned := cytoscapePosition(e)
	for _, a := range e.Attrs {
		switch {
		case positioned && (a.Name == outLayoutX || a.Name == outLayoutY):
		case cytoscapeReserved[a.Name]:
			if f, field := roleColumns[role][normalize(a.Name)]; field {
				data = data.with(f, typed(Attr{f, a.Value})) // the first value of a field wins, as Tables reads it
			} else {
				data = data.with(writtenCustomPrefix+a.Name, typed(a))
			}
		default:
			data = data.with(a.Name, typed(a))
		}
	}
	return jsonObject{{"data", data}}
}

// fieldValue is the value of an element's field as Tables reads it: of
// the first attribute that names the field (a file may give "weight" and
// "strength" both).
func fieldValue(e Element, role, field string) string {
	for _, a := range e.Attrs {
		if roleColumns[role][normalize(a.Name)] == field {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// cytoscapePosition is an actor's layout x and y, if it has both.
func cytoscapePosition(e Element) (x, y float64, ok bool) {
	x, errX := strconv.ParseFloat(e.Get(outLayoutX), 64)
	y, errY := strconv.ParseFloat(e.Get(outLayoutY), 64)
	return x, y, errX == nil && errY == nil
}

// uniqueID returns base, or base numbered "#2", "#3"... if it is taken.
// The numbering follows the file's order, so the same contents always
// give the same ids.
func uniqueID(base string, used map[string]bool) string {
	id := base
	for n := 2; used[id]; n++ {
		id = fmt.Sprintf("%s#%d", base, n)
	}
	return id
}
