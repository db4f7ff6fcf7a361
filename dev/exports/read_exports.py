"""Opens the service's exports with NetworkX and python-igraph.

Prints one JSON object: per file, what each library read: nodes (id and
label or name) and edges (ends, id or key, weight, and every other
attribute). The Go tests compare it with what was exported.

Usage: read_exports.py FILE.gexf FILE.graphml FILE.json ...
(.json files are Cytoscape.js elements).
"""

import json
import sys

import igraph
import networkx as nx


def networkx_graph(path):
    if path.endswith(".gexf"):
        return nx.read_gexf(path)
    if path.endswith(".graphml"):
        return nx.read_graphml(path, force_multigraph=True)
    with open(path, encoding="utf-8") as f:
        return nx.cytoscape_graph(json.load(f))


def networkx_view(path):
    g = networkx_graph(path)
    nodes = [{"id": str(n), **{k: v for k, v in d.items()}} for n, d in g.nodes(data=True)]
    edges = [{"source": str(u), "target": str(v), "key": str(k), **d} for u, v, k, d in g.edges(keys=True, data=True)]
    return {"type": type(g).__name__, "directed": g.is_directed(), "nodes": nodes, "edges": edges}


def igraph_view(path):
    g = igraph.Graph.Read_GraphML(path)
    nodes = [{"id": v["id"], "label": v["label"] if "label" in g.vs.attributes() else None} for v in g.vs]
    edges = []
    for e in g.es:
        edges.append({
            "source": g.vs[e.source]["id"],
            "target": g.vs[e.target]["id"],
            "id": e["id"] if "id" in g.es.attributes() else None,
            "weight": e["weight"] if "weight" in g.es.attributes() else None,
        })
    return {"directed": g.is_directed(), "nodes": nodes, "edges": edges}


def main(paths):
    out = {}
    for path in paths:
        view = {"networkx": networkx_view(path)}
        if path.endswith(".graphml"):
            view["igraph"] = igraph_view(path)
        out[path.rsplit("/", 1)[-1]] = view
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
