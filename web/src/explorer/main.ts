// The explorer: the map of one workspace, drawn with sigma.js (WebGL) over
// a graphology graph, its accountability gaps, and a table of the same
// for those who cannot use the drawing. Everything it shows comes from
// the public GraphQL API (api.ts), so this file is also an example of
// using it.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import FA2Layout from "graphology-layout-forceatlas2/worker";
import Sigma from "sigma";
import { Api, ApiError } from "./api";
import { Actor, Gap, Relationship, Viewer, actorsQuery, canEdit, gapsQuery, relationshipsQuery, viewerQuery } from "./model";
import { dimmed, families, highlight, kindColours, kindSizes, label, typeFamily, withAlpha } from "./style";
import { tokenFromPage } from "./token";
import "./explorer.css";

// Above this many actors the layout runs in a worker, so the page stays
// responsive while it settles.
const workerLayoutFrom = 2000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface State {
  api: Api;
  viewer: Viewer | null;
  workspace: string;
  role: string;
  actors: Map<string, Actor>;
  relationships: Map<string, Relationship>;
  gaps: Gap[];
  selected: { nodes: Set<string>; edges: Set<string> } | null;
  hiddenKinds: Set<string>;
  search: string;
  /** How many times the relationships have been read (tests wait on it). */
  loads: number;
}

const state: State = {
  api: new Api(tokenFromPage()),
  viewer: null,
  workspace: "",
  role: "",
  actors: new Map(),
  relationships: new Map(),
  gaps: [],
  selected: null,
  hiddenKinds: new Set(),
  search: "",
  loads: 0,
};

const graph = new Graph({ multi: true, type: "directed" });
let renderer: Sigma | null = null;
let layout: FA2Layout | null = null;

/** What tests and curious readers can inspect from the console. */
(window as any).actorgraphExplorer = { graph, state };

function status(text: string, error = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
}

function explain(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

async function signIn() {
  const token = $<HTMLInputElement>("token").value.trim();
  state.api.setToken(token);
  try {
    state.viewer = (await state.api.query<{ viewer: Viewer }>(viewerQuery)).viewer;
  } catch (e) {
    status(`Could not sign in: ${explain(e)}`, true);
    return;
  }
  const select = $<HTMLSelectElement>("workspace");
  select.replaceChildren(
    ...state.viewer.memberships.map((m) => new Option(`${m.workspace.name}`, m.workspace.id)),
  );
  $("who").textContent = `${state.viewer.subject}${state.viewer.admin ? " (admin)" : ""}`;
  if (state.viewer.memberships.length === 0) {
    status("This token is a member of no workspace.");
    return;
  }
  await openWorkspace(select.value);
}

async function openWorkspace(id: string) {
  const m = state.viewer?.memberships.find((x) => x.workspace.id === id);
  state.workspace = id;
  state.role = m?.role ?? "";
  $("role").textContent = m ? `${label(m.role)}, clearance ${label(m.clearance)}` : "";
  // Controls the role does not allow are not shown at all.
  document.querySelectorAll<HTMLElement>("[data-needs=edit]").forEach((el) => (el.hidden = !canEdit(state.role)));
  status("Loading the map…");
  try {
    const actors = await state.api.all<Actor>(actorsQuery, { ws: id }, (d) => d.workspace.actors);
    state.actors = new Map(actors.map((a) => [a.id, a]));
    await loadRelationships();
    placeActors();
    await loadGaps();
  } catch (e) {
    status(`Could not load the map: ${explain(e)}`, true);
  }
}

/** The relationship filter of the date and confidence controls. */
function relationshipFilter(): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const asOf = currentAsOf();
  if (asOf) f.validAt = asOf;
  const c = Number($<HTMLInputElement>("min-confidence").value);
  if (c > 0) f.minConfidence = c;
  return f;
}

function currentAsOf(): string | null {
  const v = $<HTMLInputElement>("as-of").value;
  return v === "" ? null : v;
}

async function loadRelationships() {
  const rels = await state.api.all<Relationship>(
    relationshipsQuery,
    { ws: state.workspace, filter: relationshipFilter() },
    (d) => d.workspace.relationships,
  );
  state.relationships = new Map(rels.map((r) => [r.id, r]));
  drawEdges();
  state.loads++;
}

/** Puts every actor in the graph, where its saved layout says or, for a
 * map without one, where a force layout takes it. */
function placeActors() {
  graph.clear();
  const actors = [...state.actors.values()];
  const saved = actors.some((a) => a.layout?.x != null && a.layout?.y != null);
  actors.forEach((a, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, actors.length);
    graph.addNode(a.id, {
      label: a.name,
      x: saved && a.layout?.x != null ? a.layout.x : Math.cos(angle) * 100,
      y: saved && a.layout?.y != null ? -(a.layout.y ?? 0) : Math.sin(angle) * 100,
      size: kindSizes[a.kind] ?? 5,
      color: kindColours[a.kind] ?? "#777777",
      kind: a.kind,
    });
  });
  drawEdges();
  if (!saved) runLayout();
  if (!renderer) startRenderer();
  else renderer.refresh();
  status(`${graph.order} actors and ${graph.size} relationships drawn`);
}

function drawEdges() {
  graph.clearEdges();
  for (const r of state.relationships.values()) {
    if (!graph.hasNode(r.from.id) || !graph.hasNode(r.to.id)) continue;
    const fam = typeFamily(r.type);
    graph.addDirectedEdgeWithKey(r.id, r.from.id, r.to.id, {
      color: withAlpha(fam.colour, r.type === "TRUSTS" ? r.strength : r.confidence < 0.5 ? 0.35 : 0.8),
      size: 1 + 2 * r.strength,
      type: "arrow",
      relType: r.type,
      lowConfidence: r.confidence < 0.5,
    });
  }
  renderer?.refresh();
  if (graph.order > 0) status(`${graph.order} actors and ${graph.size} relationships drawn`);
  renderTable();
}

function runLayout() {
  const settings = forceAtlas2.inferSettings(graph);
  if (graph.order < workerLayoutFrom) {
    forceAtlas2.assign(graph, { iterations: 200, settings });
    return;
  }
  layout?.kill();
  layout = new FA2Layout(graph, { settings });
  layout.start();
  // A few seconds settle a large map; the analyst can drag and zoom at once.
  setTimeout(() => layout?.stop(), 5000);
}

function startRenderer() {
  renderer = new Sigma(graph, $("map"), {
    renderEdgeLabels: false,
    defaultEdgeType: "arrow",
    labelRenderedSizeThreshold: 8,
    nodeReducer: (node, data) => {
      const out = { ...data };
      if (state.hiddenKinds.has(data.kind)) out.hidden = true;
      if (state.search && !String(data.label).toLowerCase().includes(state.search)) out.color = dimmed;
      if (state.selected) {
        if (state.selected.nodes.has(node)) {
          out.highlighted = true;
          out.forceLabel = true;
        } else {
          out.color = dimmed;
          out.label = "";
        }
      }
      return out;
    },
    edgeReducer: (edge, data) => {
      const out = { ...data };
      if (state.selected) {
        if (state.selected.edges.has(edge)) {
          out.color = highlight;
          out.size = (data.size ?? 1) + 2;
          out.zIndex = 1;
        } else {
          out.color = dimmed;
        }
      }
      return out;
    },
  });
  renderer.on("clickNode", ({ node }) => showActor(node));
  renderer.on("clickEdge", ({ edge }) => showRelationship(edge));
}

function showActor(id: string) {
  const a = state.actors.get(id);
  if (!a) return;
  details(a.name, [
    ["kind", label(a.kind)],
    ["region", a.region || "–"],
    ["tags", a.tags.join(", ") || "–"],
    ["sensitivity", label(a.sensitivity)],
    ["description", a.description || "–"],
    ["sources", a.sources.map((s) => s.title).join("; ") || "none recorded"],
  ]);
}

function showRelationship(id: string) {
  const r = state.relationships.get(id);
  if (!r) return;
  const from = state.actors.get(r.from.id)?.name ?? r.from.id;
  const to = state.actors.get(r.to.id)?.name ?? r.to.id;
  details(`${from} ${label(r.type)} ${to}`, [
    ["strength", String(r.strength)],
    ["confidence", String(r.confidence)],
    ["in force", `${r.validFrom ?? "always"} – ${r.validTo ?? "now"}`],
    ["sensitivity", label(r.sensitivity)],
    ["notes", r.notes || "–"],
    ["sources", r.sources.map((s) => s.title).join("; ") || "none recorded"],
  ]);
}

function details(title: string, rows: [string, string][]) {
  const box = $("details");
  const h = document.createElement("h2");
  h.textContent = title;
  const dl = document.createElement("dl");
  for (const [k, v] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = v;
    dl.append(dt, dd);
  }
  box.replaceChildren(h, dl);
}

async function loadGaps() {
  const c = Number($<HTMLInputElement>("min-confidence").value);
  const data = await state.api.query<{ workspace: { accountabilityGaps: { edges: { node: Gap }[] } } }>(gapsQuery, {
    ws: state.workspace,
    asOf: currentAsOf(),
    minConfidence: c,
  });
  state.gaps = data.workspace.accountabilityGaps.edges.map((e) => e.node);
  const list = $("gaps");
  list.replaceChildren(
    ...state.gaps.map((g, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.gap = String(i);
      b.textContent = `${g.community.name} under ${g.powerHolder.name}: severity ${g.severity.toFixed(2)}, exposure ${g.exposure.toFixed(2)}, distrust ${g.distrust.toFixed(2)}${g.bestRoute ? "" : " (no route)"}`;
      b.addEventListener("click", () => selectGap(i));
      li.append(b);
      return li;
    }),
  );
  if (state.gaps.length === 0) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No gaps." }));
}

/** Highlights a gap's community, power holder, power relationships and
 * strongest route; everything else is dimmed. */
function selectGap(i: number) {
  const g = state.gaps[i];
  const nodes = new Set([g.community.id, g.powerHolder.id]);
  const edges = new Set(g.powerRelationships.map((r) => r.id));
  g.bestRoute?.actors.forEach((a) => nodes.add(a.id));
  g.bestRoute?.relationships.forEach((r) => edges.add(r.id));
  state.selected = { nodes, edges };
  document.querySelectorAll("#gaps button").forEach((b) => b.setAttribute("aria-pressed", String(b === document.querySelector(`#gaps button[data-gap="${i}"]`))));
  $("gap-route").textContent = g.bestRoute
    ? `Strongest route: ${g.bestRoute.hops} hops, strength ${g.bestRoute.strength.toFixed(2)}.`
    : `There is no route from ${g.community.name} to ${g.powerHolder.name}.`;
  renderer?.refresh();
}

function clearSelection() {
  state.selected = null;
  $("gap-route").textContent = "";
  document.querySelectorAll("#gaps button").forEach((b) => b.setAttribute("aria-pressed", "false"));
  renderer?.refresh();
}

function renderTable() {
  const body = $("actor-table").querySelector("tbody")!;
  const rows = [...state.actors.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => {
      const tr = document.createElement("tr");
      const out = [...state.relationships.values()].filter((r) => r.from.id === a.id).length;
      for (const v of [a.name, label(a.kind), a.region, String(out)]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    });
  body.replaceChildren(...rows);
}

function buildLegend() {
  const kinds = $("legend-kinds");
  for (const [kind, colour] of Object.entries(kindColours)) {
    const id = `kind-${kind}`;
    const row = document.createElement("label");
    row.htmlFor = id;
    const box = Object.assign(document.createElement("input"), { type: "checkbox", id, checked: true });
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenKinds.delete(kind);
      else state.hiddenKinds.add(kind);
      renderer?.refresh();
    });
    const swatch = Object.assign(document.createElement("span"), { className: "swatch" });
    swatch.style.background = colour;
    row.append(box, swatch, document.createTextNode(label(kind)));
    kinds.append(row);
  }
  const types = $("legend-types");
  for (const f of families) {
    const li = document.createElement("li");
    const swatch = Object.assign(document.createElement("span"), { className: "line" });
    swatch.style.background = f.colour;
    li.append(swatch, document.createTextNode(f.name));
    types.append(li);
  }
}

function debounce(fn: () => void, ms: number): () => void {
  let t: number | undefined;
  return () => {
    clearTimeout(t);
    t = window.setTimeout(fn, ms);
  };
}

async function refilter() {
  try {
    await loadRelationships();
    await loadGaps();
    clearSelection();
  } catch (e) {
    status(`Could not filter the map: ${explain(e)}`, true);
  }
}

function wire() {
  $<HTMLInputElement>("token").value = tokenFromPage();
  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    void signIn();
  });
  $<HTMLSelectElement>("workspace").addEventListener("change", (e) => void openWorkspace((e.target as HTMLSelectElement).value));
  $<HTMLInputElement>("search").addEventListener("input", (e) => {
    state.search = (e.target as HTMLInputElement).value.trim().toLowerCase();
    renderer?.refresh();
  });
  const later = debounce(() => void refilter(), 250);
  $<HTMLInputElement>("as-of").addEventListener("change", later);
  $<HTMLInputElement>("min-confidence").addEventListener("input", (e) => {
    $("min-confidence-value").textContent = (e.target as HTMLInputElement).value;
    later();
  });
  $("clear-selection").addEventListener("click", clearSelection);
  $("show-table").addEventListener("click", () => {
    const table = $("table-view");
    table.hidden = !table.hidden;
    $("show-table").setAttribute("aria-expanded", String(!table.hidden));
  });
  buildLegend();
  if (state.api.hasToken()) void signIn();
  else status("Enter a token to sign in.");
}

wire();
