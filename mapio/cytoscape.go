package mapio

import (
	"fmt"
	"io"
	"maps"
)

// Cytoscape.js elements JSON, for web graph libraries: what cy.json()
// returns and cytoscape({elements}) accepts.
//
//	{"elements": {"nodes": [{"data": {"id": "c-village", "label": "Riverside village", "kind": "COMMUNITY", ...}}],
//	              "edges": [{"data": {"id": "r-1", "source": "f-police", "target": "c-village", "label": "THREATENS", ...}}]}}
//
// It is for display, so it is written and never read. Sources are not
// part of a drawn graph and are left out; each record keeps its "sources"
// attribute, the list of their keys.

// cytoscapeReserved are the data keys Cytoscape.js gives a meaning to;
// an attribute of the same name would replace the element's own id, ends
// or label, so it is left out (from, to, name and type carry the same).
var cytoscapeReserved = map[string]bool{"id": true, "source": true, "target": true, "label": true, "parent": true}

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
		nodes = append(nodes, cytoscapeElement(e, jsonObject{{"id", id}, {"label", e.Get("name")}}))
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
		edges = append(edges, cytoscapeElement(e, jsonObject{{"id", ids[n]}, {"source", from}, {"target", to}, {"label", e.Get("type")}}))
	}
	return writeJSON(w, jsonObject{{"elements", jsonObject{{"nodes", nodes}, {"edges", edges}}}})
}

// cytoscapeElement is {"data": own, then e's attributes, typed}.
func cytoscapeElement(e Element, data jsonObject) jsonObject {
	for _, a := range e.Attrs {
		if !cytoscapeReserved[a.Name] {
			data = data.with(a.Name, jsonValue(a))
		}
	}
	return jsonObject{{"data", data}}
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
