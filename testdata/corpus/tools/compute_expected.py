# Computes testdata/corpus/expected.json independently of ActorGraph's Go code.
# Plain lxml / json parsing, cross-checked with networkx where networkx can read the file.
import hashlib, json, os, sys, collections
from lxml import etree
import networkx as nx

ROOT = sys.argv[1]
G = "http://graphml.graphdrawing.org/xmlns"
YD = "http://www.yworks.com/xml/graphml"                 # yEd desktop
YL = "http://www.yworks.com/xml/yfiles-common/3.0"       # yFiles for HTML / yEd Live


def sha256(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()


def graphml(path):
    tree = etree.parse(path)
    root = tree.getroot()
    keys = {}
    for k in root.iter("{%s}key" % G):
        keys[k.get("id")] = {
            "for": k.get("for", "all"),
            "attr.name": k.get("attr.name"),
            "attr.type": k.get("attr.type"),
            "yfiles.type": k.get("yfiles.type"),
            "default": (k.findtext("{%s}default" % G) or "").strip() or None,
        }
    graphs = list(root.iter("{%s}graph" % G))
    top = graphs[0]
    edgedefault = top.get("edgedefault")
    nodes = list(root.iter("{%s}node" % G))
    edges = list(root.iter("{%s}edge" % G))
    group_nodes = [n for n in nodes if n.find("{%s}graph" % G) is not None]

    def used(elems):
        names = set()
        for e in elems:
            for d in e.findall("{%s}data" % G):
                k = keys.get(d.get("key"), {})
                names.add(k.get("attr.name") or ("<yfiles.type=%s>" % k.get("yfiles.type") if k.get("yfiles.type") else d.get("key")))
        return sorted(names)

    directions = collections.Counter()
    for e in edges:
        d = e.get("directed")
        if d is None:
            directions[edgedefault] += 1
        else:
            directions["directed" if d == "true" else "undirected"] += 1
    direction = "mixed" if len(directions) > 1 else next(iter(directions), edgedefault)

    pairs = collections.Counter()
    loops = 0
    for e in edges:
        s, t = e.get("source"), e.get("target")
        if s == t:
            loops += 1
        key = (s, t) if directions and direction == "directed" else tuple(sorted((s, t)))
        pairs[key] += 1
    parallel = sum(c - 1 for c in pairs.values() if c > 1)

    out = {
        "nodes": len(nodes),
        "edges": len(edges),
        "direction": direction,
        "edgedefault": edgedefault,
        "nested_graphs": len(graphs) - 1,
        "group_nodes": len(group_nodes),
        "self_loops": loops,
        "parallel_edges": parallel,
        "keys": [dict(id=i, **v) for i, v in keys.items()],
        "node_attributes": used(nodes),
        "edge_attributes": used(edges),
        "edge_ids_present": all(e.get("id") for e in edges) if edges else None,
    }
    # yEd desktop labels
    nl = [n for n in nodes if n.find(".//{%s}NodeLabel" % YD) is not None]
    if root.nsmap.get("y") == YD or any(v == YD for v in root.nsmap.values()):
        out["yed_desktop"] = {
            "nodes_with_NodeLabel": len(nl),
            "node_labels": [" ".join((n.find(".//{%s}NodeLabel" % YD).text or "").split()) for n in nl],
            "edges_with_EdgeLabel": sum(1 for e in edges if e.find(".//{%s}EdgeLabel" % YD) is not None),
            "edge_labels": [" ".join((e.find(".//{%s}EdgeLabel" % YD).text or "").split()) for e in edges if e.find(".//{%s}EdgeLabel" % YD) is not None],
            "nodes_with_Geometry": sum(1 for n in nodes if n.find(".//{%s}Geometry" % YD) is not None),
            "nodes_with_Fill": sum(1 for n in nodes if n.find(".//{%s}Fill" % YD) is not None),
            "node_shape_elements": sorted({c.tag.split("}")[1] for n in nodes for d in n.findall("{%s}data" % G) for c in d if c.tag.startswith("{%s}" % YD)}),
        }
    if any(v == YL for v in root.nsmap.values()):
        def labels(e):
            res = []
            for lab in e.iter("{%s}Label" % YL):
                t = lab.get("Text")
                if t is None:
                    te = lab.find("{%s}Label.Text" % YL)
                    t = te.text if te is not None else None
                if t is not None:
                    res.append(t)
            return res
        def own(e):  # labels of this element only, not of nested children
            res = []
            for d in e.findall("{%s}data" % G):
                res += labels(d)
            return res
        out["yed_live"] = {
            "nodes_with_label": sum(1 for n in nodes if own(n)),
            "node_labels": [own(n)[0] for n in nodes if own(n)],
            "edges_with_label": sum(1 for e in edges if own(e)),
            "edge_labels": [own(e)[0] for e in edges if own(e)],
            "nodes_with_RectD_geometry": sum(1 for n in nodes if n.find(".//{%s}RectD" % YL) is not None),
        }
    # cross-check with networkx where it can read the file
    try:
        g = nx.read_graphml(path)
        out["networkx_read_graphml"] = {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
                                        "directed": g.is_directed(), "multigraph": g.is_multigraph()}
    except Exception as ex:  # noqa
        out["networkx_read_graphml"] = {"error": "%s: %s" % (type(ex).__name__, str(ex)[:200])}
    return out


def cytoscape(path):
    raw = open(path, "rb").read()
    d = json.loads(raw)
    if isinstance(d, list):
        form = "array of elements" + (" (each with group: nodes|edges)" if all("group" in e for e in d) else " (no group field: an element is an edge when data.source is present)")
        els = d
        nodes = [e for e in els if e.get("group") == "nodes" or ("source" not in e.get("data", {}) and e.get("group") != "edges")]
        edges = [e for e in els if e not in nodes]
    elif "elements" in d:
        form = '{"elements": {"nodes": [...], "edges": [...]}}' if isinstance(d["elements"], dict) else '{"elements": [...]}'
        els = d["elements"]
        nodes, edges = (els["nodes"], els["edges"]) if isinstance(els, dict) else ([e for e in els if "source" not in e["data"]], [e for e in els if "source" in e["data"]])
    else:
        form = '{"nodes": [...], "edges": [...]} (no "elements" wrapper)'
        nodes, edges = d.get("nodes", []), d.get("edges", [])
    nattr = sorted({k for n in nodes for k in n.get("data", {})})
    eattr = sorted({k for e in edges for k in e.get("data", {})})
    ids = {n["data"]["id"] for n in nodes}
    dangling = sum(1 for e in edges if e["data"]["source"] not in ids or e["data"]["target"] not in ids)
    pairs = collections.Counter((e["data"]["source"], e["data"]["target"]) for e in edges)
    out = {
        "form": form,
        "top_level_keys": sorted(d.keys()) if isinstance(d, dict) else None,
        "nodes": len(nodes), "edges": len(edges),
        "direction": "not declared by the format (Cytoscape.js elements carry no graph-level 'directed'); see notes",
        "node_attributes": nattr, "edge_attributes": eattr,
        "element_level_keys": sorted({k for e in nodes + edges for k in e if k != "data"}),
        "nodes_with_position": sum(1 for n in nodes if n.get("position") and "x" in n["position"]),
        "edges_with_dangling_end": dangling,
        "self_loops": sum(1 for e in edges if e["data"]["source"] == e["data"]["target"]),
        "parallel_edges_same_direction": sum(c - 1 for c in pairs.values() if c > 1),
        "names": ("node data.name present on %d of %d nodes" % (sum(1 for n in nodes if n["data"].get("name")), len(nodes))) if "name" in nattr else "no name/label field: only data.id",
    }
    if "isdirected" in eattr:
        out["edge_isdirected_values"] = dict(collections.Counter(str(e["data"].get("isdirected")) for e in edges))
    if "type" in eattr:
        out["edge_type_values"] = dict(collections.Counter(e["data"].get("type") for e in edges))
    # cross-check with networkx (needs its own wrapper; it ignores positions)
    try:
        # networkx needs data.value on every node and merges parallel edges that share a key,
        # neither of which Cytoscape.js files carry: supply value=id and key=index for the check.
        nn = [dict(n, data=dict(n["data"], value=n["data"]["id"])) for n in nodes]
        ee = [dict(e, data=dict(e["data"], key=i)) for i, e in enumerate(edges)]
        g = nx.cytoscape_graph({"data": {}, "directed": True, "multigraph": True,
                                "elements": {"nodes": nn, "edges": ee}})
        out["networkx_cytoscape_graph_as_directed_multigraph"] = {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "note": "nx.cytoscape_graph raises KeyError 'value' on the file as published; checked after adding data.value=id and a per-edge key"}
    except Exception as ex:  # noqa
        out["networkx_cytoscape_graph_as_directed_multigraph"] = {"error": str(ex)[:200]}
    return out


def gexf(path):
    root = etree.parse(path).getroot()
    ns = root.nsmap.get(None)
    V = [v for k, v in root.nsmap.items() if k == "viz"]
    q = lambda t: "{%s}%s" % (ns, t)
    graph = root.find(q("graph"))
    attrs = {}
    for block in graph.findall(q("attributes")):
        for a in block.findall(q("attribute")):
            attrs[(block.get("class"), a.get("id"))] = {"class": block.get("class"), "mode": block.get("mode", "static"), "id": a.get("id"), "title": a.get("title"), "type": a.get("type"), "default": a.findtext(q("default"))}
    nodes = list(graph.iter(q("node")))
    edges = list(graph.iter(q("edge")))
    ded = graph.get("defaultedgetype", "undirected")
    dirs = collections.Counter(e.get("type", ded) for e in edges)
    direction = "mixed" if len(dirs) > 1 else (next(iter(dirs)) if dirs else ded)

    def used(elems, cls):
        names = set()
        for e in elems:
            for av in e.iter(q("attvalue")):
                a = attrs.get((cls, av.get("for") or av.get("id")))
                names.add(a["title"] if a else "<undeclared id %s>" % (av.get("for") or av.get("id")))
        return sorted(names)
    anyviz = lambda e, t: any(c.tag.endswith("}" + t) for c in e if c.tag.split("}")[0][1:] != ns)
    out = {
        "gexf_version": root.get("version"), "namespace": ns,
        "viz_namespace": V[0] if V else None,
        "mode": graph.get("mode", "static"),
        "defaultedgetype": graph.get("defaultedgetype"),
        "nodes": len(nodes), "edges": len(edges), "direction": direction,
        "nodes_with_label": sum(1 for n in nodes if n.get("label")),
        "node_labels": [n.get("label") for n in nodes],
        "declared_attributes": list(attrs.values()),
        "node_attributes": used(nodes, "node"), "edge_attributes": used(edges, "edge"),
        "edges_with_weight": sum(1 for e in edges if e.get("weight") is not None),
        "edges_with_label": sum(1 for e in edges if e.get("label")),
        "edges_with_kind": sum(1 for e in edges if e.get("kind")),
        "nested_nodes": sum(1 for n in nodes if n.getparent().getparent().tag == q("node")),
        "nodes_with_pid": sum(1 for n in nodes if n.get("pid")),
        "nodes_with_parents": sum(1 for n in nodes if n.find(q("parents")) is not None),
        "viz": {"color": sum(1 for n in nodes if anyviz(n, "color")), "position": sum(1 for n in nodes if anyviz(n, "position")),
                "size": sum(1 for n in nodes if anyviz(n, "size")), "shape": sum(1 for n in nodes if anyviz(n, "shape"))},
        "dynamic": {"spells": sum(1 for _ in root.iter(q("spell"))),
                    "start_end_attrs": sum(1 for e in nodes + edges if any(e.get(a) for a in ("start", "end", "startopen", "endopen")))},
    }
    try:
        g = nx.read_gexf(path)
        out["networkx_read_gexf"] = {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "directed": g.is_directed(), "multigraph": g.is_multigraph()}
    except Exception as ex:  # noqa
        out["networkx_read_gexf"] = {"error": "%s: %s" % (type(ex).__name__, str(ex)[:200])}
    return out


files = json.load(open(sys.argv[2]))
result = {"_about": "Counts a correct reader must find in each corpus file, computed with lxml/json and cross-checked with networkx %s; not with ActorGraph's code. 'edges' counts edge elements as written (an undirected edge counts once). Regenerate: see README.md." % nx.__version__,
          "files": {}}
for rel, meta in files.items():
    p = os.path.join(ROOT, rel)
    kind = meta["reader"]
    facts = {"graphml": graphml, "gexf": gexf, "cytoscape": cytoscape}[kind](p)
    raw = open(p, "rb").read()
    facts["bytes"] = len(raw)
    facts["sha256"] = sha256(p)
    facts["utf8_bom"] = raw.startswith(b"\xef\xbb\xbf")
    facts["encoding_declared"] = raw[:100].split(b"encoding=")[1][1:].split(raw[:100].split(b"encoding=")[1][:1])[0].decode() if b"encoding=" in raw[:100] else None
    entry = {"format": meta["format"]}
    entry.update(facts)
    entry["names"] = meta.get("names", facts.get("names"))
    entry["mapping_needed"] = meta["mapping_needed"]
    result["files"][rel] = entry
json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
print()
