// The explorer: the map of one workspace, drawn with sigma.js (WebGL) over
// a graphology graph, its analyses, editing, imports and exports, and a
// table of the same for those who cannot use the drawing. Everything it
// shows comes from the public GraphQL API (api.ts), so this file is also
// an example of using it.
import forceAtlas2 from "graphology-layout-forceatlas2";
import FA2Layout from "graphology-layout-forceatlas2/worker";
import Sigma from "sigma";
import { fail, fillRoutePickers, highlight, resultList, wireAnalyses } from "./analyses";
import { $, explain, graph, refresh, state, status, view } from "./app";
import { DashedArrowProgram } from "./dashed";
import { fillActorForm, fillRelationshipForm, wireEditing } from "./edit";
import { download, image } from "./image";
import { wireImport } from "./importer";
import {
  Actor,
  Closure,
  Gap,
  Membership,
  Relationship,
  Viewer,
  actorDetailsQuery,
  actorsQuery,
  canAnalyse,
  canEdit,
  closuresQuery,
  exportLinkMutation,
  formats,
  gapsQuery,
  relationshipCountQuery,
  relationshipDetailsQuery,
  relationshipsQuery,
  sensitivities,
  viewerQuery,
  workspacesQuery,
} from "./model";
import { shapePrograms, svgShape } from "./shapes";
import { dimmed, families, highlight as highlightColour, kindColours, kindShapes, kindSizes, knownTypes, label, proposed, typeFamily, withAlpha } from "./style";
import { tokenFromPage } from "./token";
import "./explorer.css";

// Above this many actors the layout runs in a worker, so the page stays
// responsive while it settles.
const workerLayoutFrom = 2000;
const day = 86_400_000;
// Relationships below this confidence are drawn dashed.
const lowConfidence = 0.5;

let layout: FA2Layout | null = null;
let memberships: Membership[] = [];
let closures: Closure[] | null = null; // for the current date and confidence
// Each workspace opened and each change of date or confidence starts a new
// view: answers still on their way for an older one are dropped, never
// drawn over the newer view nor reported as its errors.
let views = 0;
// The requests of a view left are aborted (with Overtaken), so that the
// service stops working on them: an analysis left running would hold the
// caller's analysis slot, and the new view's would wait for it. The
// actors are the workspace's, read again only when another is opened;
// the relationships, gaps and closures are the date's and confidence's.
let workspaceReads = new AbortController();
let filterReads = new AbortController();

/** Starts a new view, of another workspace or only of another date or
 * confidence: the old one's reads are abandoned, and its gaps and
 * closures are no longer shown. */
function newView(workspace: boolean): number {
  if (workspace) {
    workspaceReads.abort(new Overtaken());
    workspaceReads = new AbortController();
  }
  filterReads.abort(new Overtaken());
  filterReads = new AbortController();
  closures = null;
  state.gaps = [];
  const list = $("gaps");
  list.setAttribute("aria-busy", "true");
  list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "Reading the gaps…" }));
  return ++views;
}

/** Ends the gaps list's wait when the map they would be read for could
 * not be. */
function gapsUnread(e: unknown) {
  const list = $("gaps");
  list.removeAttribute("aria-busy");
  fail(list, "read the gaps", e);
}

/** Whether an answer asked for in view is for an older view than the one
 * shown; if so it is counted as dropped. */
function left(view: number): boolean {
  if (view === views) return false;
  state.dropped++;
  return true;
}

/** What tests and curious readers can inspect from the console. */
(window as any).actorgraphExplorer = {
  graph,
  state,
  image: (format: "png" | "svg") => image(view.renderer!, format),
  renderer: () => view.renderer,
  layoutRunning: () => layout?.isRunning() ?? false,
  /** When (performance.now()) the last sign-in began, when the map had
   * been read after it, and when it was first drawn: the explorer
   * benchmark reads them. */
  timings: { signIn: 0, read: 0, drawn: 0 },
};

// ---- signing in and choosing a workspace

async function signIn() {
  (window as any).actorgraphExplorer.timings = { signIn: performance.now(), read: 0, drawn: 0 };
  const token = $<HTMLInputElement>("token").value.trim();
  state.api.setToken(token);
  let viewer: Viewer;
  try {
    viewer = (await state.api.query<{ viewer: Viewer }>(viewerQuery)).viewer;
    memberships = viewer.memberships;
    if (viewer.admin) {
      // An admin may open every workspace, member or not.
      const all = (await state.api.query<{ workspaces: { id: string; name: string }[] }>(workspacesQuery)).workspaces;
      memberships = all.map((w) => memberships.find((m) => m.workspace.id === w.id) ?? { workspace: w, role: "ADMIN", clearance: "CONFIDENTIAL" });
    }
  } catch (e) {
    status(`Could not sign in: ${explain(e)}`, true);
    return;
  }
  state.viewer = viewer;
  const select = $<HTMLSelectElement>("workspace");
  select.replaceChildren(...memberships.map((m) => new Option(m.workspace.name, m.workspace.id)));
  $("who").textContent = `Signed in as ${viewer.subject}${viewer.admin ? " (admin)" : ""}`;
  if (memberships.length === 0) {
    status("This token opens no workspace.");
    return;
  }
  await openWorkspace(select.value);
}

async function openWorkspace(id: string) {
  const m = memberships.find((x) => x.workspace.id === id);
  state.workspace = id;
  state.role = m?.role ?? "";
  state.focus = {};
  state.selected = null;
  newView(true);
  const opening = ++openings;
  $("role").textContent = m ? `${label(m.role)}, clearance ${label(m.clearance)}` : "";
  // Controls the role does not allow are not shown at all.
  document.querySelectorAll<HTMLElement>("[data-needs=edit]").forEach((el) => (el.hidden = !canEdit(state.role)));
  document.querySelectorAll<HTMLElement>("[data-needs=analyse]").forEach((el) => (el.hidden = !canAnalyse(state.role)));
  status("Loading the map…");
  try {
    await loadMap();
  } catch (e) {
    if (e instanceof Overtaken) return;
    // (Another date or confidence meanwhile does not end this load: its
    // actors are still the map's.)
    if (opening !== openings) {
      state.dropped++;
      return;
    }
    status(`Could not load the map: ${explain(e)}`, true);
    gapsUnread(e);
  }
}

/** How many times a workspace has been opened: a load's failure is told
 * only while its workspace is the one opened last. */
let openings = 0;

// Loads overtaken by newer ones (another workspace chosen, another date
// set while a large map was still being read) drop what they read: what
// is drawn is always the newest load's.
let mapLoads = 0;
let relationshipLoads = 0;

/** What a load overtaken by a newer one throws. */
class Overtaken extends Error {}

/** Reads the workspace's actors and relationships and its gaps, and draws
 * them. */
async function loadMap() {
  const view = views;
  const load = ++mapLoads;
  const ws = state.workspace;
  state.relationships = new Map(); // none of another workspace's, meanwhile
  // The actors' pages and the relationships' pages are read side by side.
  const [actors] = await Promise.all([
    state.api.all<Actor>(actorsQuery, { ws }, (d) => d.workspace.actors, () => load === mapLoads, workspaceReads.signal),
    loadRelationships(false),
  ]);
  if (load !== mapLoads) throw new Overtaken();
  const timings = (window as any).actorgraphExplorer.timings;
  timings.read ||= performance.now();
  state.actors = new Map(actors.map((a) => [a.id, a]));
  placeActors();
  fillChoices();
  fillRoutePickers();
  fillActorForm(state.focus.actor);
  fillRelationshipForm(state.focus.relationship);
  setDateRange();
  if (canAnalyse(state.role)) await loadGaps(view);
}

// ---- the date and confidence the map and the analyses are read at

function currentAsOf(): string | null {
  const v = $<HTMLInputElement>("as-of").value;
  return v === "" ? null : v;
}

function currentFilter() {
  return { asOf: currentAsOf(), minConfidence: Number($<HTMLInputElement>("min-confidence").value) };
}

/** The relationship filter of the date and confidence controls: the
 * service decides what is in force, exactly as GraphQL's validAt. */
function relationshipFilter(): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const { asOf, minConfidence } = currentFilter();
  if (asOf) f.validAt = asOf;
  if (minConfidence > 0) f.minConfidence = minConfidence;
  return f;
}

/** The date slider spans the map's dates (every validFrom and validTo,
 * and today), a day a step. */
function setDateRange() {
  const days = [Date.now()];
  for (const r of state.relationships.values()) {
    for (const d of [r.validFrom, r.validTo]) if (d) days.push(Date.parse(d));
  }
  const slider = $<HTMLInputElement>("as-of-slider");
  slider.min = String(Math.floor(Math.min(...days) / day) - 1);
  slider.max = String(Math.floor(Math.max(...days) / day) + 1);
  const asOf = currentAsOf();
  slider.value = String(asOf ? Date.parse(asOf) / day : slider.max);
}

function dateOfSlider(): string {
  return new Date(Number($<HTMLInputElement>("as-of-slider").value) * day).toISOString().slice(0, 10);
}

async function loadRelationships(draw = true) {
  const load = ++relationshipLoads;
  const ws = state.workspace;
  const current = () => load === relationshipLoads && ws === state.workspace;
  let rels: Relationship[];
  try {
    rels = await readRelationships(ws, relationshipFilter(), current);
  } catch (e) {
    if (e instanceof Overtaken) return; // the newer load draws
    throw e;
  }
  if (!current()) return;
  state.relationships = new Map(rels.map((r) => [r.id, r]));
  if (draw) drawEdges();
  state.loads++;
}

/** How many lists of relationships are read at once. */
const listsAtOnce = 3;

/** Reads the relationships the filter matches. The pages of one list
 * follow one another (each page's cursor starts the next), so the list
 * is read a type at a time, three types side by side, and the service
 * answers on all its cores. Should the types not add up to the list's
 * count (a type this page does not know, a write meanwhile), the list is
 * read again whole. */
async function readRelationships(ws: string, filter: Record<string, unknown>, current: () => boolean): Promise<Relationship[]> {
  const signal = filterReads.signal;
  let failed = false;
  // Pages stop being asked for once the load is overtaken or a list failed.
  const going = () => current() && !failed;
  const read = (f: Record<string, unknown>) =>
    state.api.all<Relationship>(relationshipsQuery, { ws, filter: f }, (d) => d.workspace.relationships, going, signal);
  const lists: Relationship[][] = [];
  const queue = [...knownTypes];
  const [total] = await Promise.all([
    state.api.query<{ workspace: { relationships: { totalCount: number } } }>(relationshipCountQuery, { ws, filter }, signal),
    ...Array.from({ length: listsAtOnce }, async () => {
      try {
        for (let t = queue.shift(); t && going(); t = queue.shift()) lists.push(await read({ ...filter, types: [t] }));
      } catch (e) {
        failed = true;
        throw e;
      }
    }),
  ]);
  if (!current()) throw new Overtaken();
  const rels = lists.flat();
  if (rels.length === total.workspace.relationships.totalCount) return rels;
  return read(filter);
}

// ---- the drawing

/** Puts every actor in the graph, where its saved layout says or, for a
 * map without one, where a force layout takes it. */
function placeActors() {
  // Where the actors are drawn now: a reload after an edit keeps them there.
  const drawn = new Map(graph.mapNodes((n, a) => [n, { x: a.x as number, y: a.y as number }]));
  unhover(); // sigma forgets what was hovered without a word
  graph.clear();
  state.brokersShown = false;
  const actors = [...state.actors.values()];
  const saved = actors.some((a) => a.layout?.x != null && a.layout?.y != null);
  let placed = 0;
  // Ten thousand actors at their full sizes cover one another (and cost a
  // software renderer dearly): a large map draws them smaller.
  const scale = Math.min(1, Math.max(0.5, Math.sqrt(1000 / Math.max(1, actors.length))));
  // An actor new since the last drawing starts at the middle of the others.
  const xs = [...drawn.values()];
  const mid = xs.length ? { x: xs.reduce((s, p) => s + p.x, 0) / xs.length, y: xs.reduce((s, p) => s + p.y, 0) / xs.length } : null;
  actors.forEach((a, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, actors.length);
    const was = drawn.get(a.id) ?? (mid && { x: mid.x + Math.cos(angle), y: mid.y + Math.sin(angle) });
    if (drawn.has(a.id)) placed++;
    graph.addNode(a.id, {
      label: a.name,
      x: was?.x ?? (saved && a.layout?.x != null ? a.layout.x : Math.cos(angle) * 100),
      // Graph tools put y downwards, sigma upwards.
      y: was?.y ?? (saved && a.layout?.y != null ? -a.layout.y : Math.sin(angle) * 100),
      size: (kindSizes[a.kind] ?? 5) * scale,
      color: kindColours[a.kind] ?? "#777777",
      // sigma draws a node with the program its type names: its shape's.
      shape: kindShapes[a.kind] ?? "circle",
      type: kindShapes[a.kind] ?? "circle",
      kind: a.kind,
    });
  });
  drawEdges();
  if (!saved && placed < actors.length) runLayout();
  // The renderer fits the map's size (see startRenderer): another
  // workspace of the other size gets a renderer of its own.
  const large = graph.order >= workerLayoutFrom;
  if (view.renderer && large !== rendererLarge) {
    view.renderer.kill();
    view.renderer = null;
  }
  if (!view.renderer) startRenderer(large);
  refresh();
  const timings = (window as any).actorgraphExplorer.timings;
  if (!timings.drawn) requestAnimationFrame(() => (timings.drawn = performance.now()));
}

function drawEdges() {
  unhover();
  graph.clearEdges();
  for (const r of state.relationships.values()) {
    if (!graph.hasNode(r.fromId) || !graph.hasNode(r.toId)) continue;
    const fam = typeFamily(r.type);
    graph.addDirectedEdgeWithKey(r.id, r.fromId, r.toId, {
      // Trust is graded by its strength; low confidence is dashed.
      color: withAlpha(fam.colour, r.type === "TRUSTS" ? r.strength : 0.8),
      size: 1 + 2 * r.strength,
      type: r.confidence < lowConfidence ? "dashed" : "arrow",
      family: fam.name,
      sensitivity: r.sensitivity,
    });
  }
  refresh();
  status(`${graph.order} actors and ${graph.size} relationships drawn`);
  renderTables();
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
  // A few seconds settle a large map; the analyst can pan and zoom at once.
  setTimeout(() => layout?.stop(), 5000);
}

/** Whether an actor passes the filters (kind, region, tag, sensitivity). */
function shown(a: Actor | undefined): boolean {
  if (!a) return false;
  return (
    !state.hiddenKinds.has(a.kind) &&
    (state.region === "" || a.region === state.region) &&
    (state.tag === "" || a.tags.includes(state.tag)) &&
    (state.sensitivity === "" || a.sensitivity === state.sensitivity)
  );
}

/** Whether anything changes how the map is drawn; when nothing does, the
 * reducers hand sigma the graph's own attributes, which a large map needs
 * to stay fluid. */
function filtering(): boolean {
  return (
    state.selected !== null ||
    state.search !== "" ||
    state.hiddenKinds.size > 0 ||
    state.hiddenFamilies.size > 0 ||
    state.region !== "" ||
    state.tag !== "" ||
    state.sensitivity !== "" ||
    state.brokersShown
  );
}

/** Whether the renderer was made for a large map. */
let rendererLarge = false;

/** A large map pans and zooms with its actors alone, and draws its
 * relationships again once it stands still. Pointing at a relationship
 * needs a second drawing of every one (to find which is under the
 * pointer), so a large map leaves it out, and its relationships are
 * reached from their actors' details instead. */
function startRenderer(large: boolean) {
  rendererLarge = large;
  view.renderer = new Sigma(graph, $("map"), {
    hideEdgesOnMove: large,
    hideLabelsOnMove: large,
    enableEdgeEvents: !large,
    renderEdgeLabels: true,
    defaultNodeType: "circle",
    nodeProgramClasses: shapePrograms,
    defaultEdgeType: "arrow",
    edgeProgramClasses: { dashed: DashedArrowProgram },
    labelRenderedSizeThreshold: 8,
    nodeReducer: (node, data) => {
      if (!filtering()) return data;
      const out = { ...data };
      if (!shown(state.actors.get(node)) && !data.proposed) out.hidden = true;
      if (data.brokerSize) out.size = data.brokerSize;
      if (data.critical) out.highlighted = true;
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
      if (data.proposed || !filtering()) return data;
      const out = { ...data };
      if (state.hiddenFamilies.has(data.family)) out.hidden = true;
      if (state.sensitivity && data.sensitivity !== state.sensitivity) out.hidden = true;
      if (state.selected) {
        if (state.selected.edges.has(edge)) {
          out.color = highlightColour;
          out.size = (data.size ?? 1) + 2;
          out.zIndex = 1;
        } else {
          out.color = dimmed;
        }
      }
      return out;
    },
  });
  if (large) skipPointingWhileDragging(view.renderer);
  view.renderer.on("clickNode", ({ node }) => void showActor(node));
  view.renderer.on("clickEdge", ({ edge }) => void showRelationship(edge));
  // sigma's event coordinates are the map's, for a mouse and a finger alike.
  view.renderer.on("enterNode", ({ node, event }) => void (state.actors.has(node) && hover("actor", node, event)));
  view.renderer.on("enterEdge", ({ edge, event }) => void (state.relationships.has(edge) && hover("relationship", edge, event)));
  // Leaving a relationship for an actor at its end fires after entering
  // the actor: only the card of what was left goes.
  view.renderer.on("leaveNode", ({ node }) => unhover(node));
  view.renderer.on("leaveEdge", ({ edge }) => unhover(edge));
  view.renderer.on("leaveStage", () => unhover());
  view.renderer.on("downStage", () => unhover());
}

/** sigma looks for the node under the pointer at every mouse move, a
 * drag's too, by reading a pixel back from the GPU, which waits for the
 * GPU to finish drawing: on a large map in software WebGL that wait was
 * a quarter of each frame of a pan. While the map is dragged nothing is
 * hovered, so the pixel is not read then. (getNodeAtPosition is private
 * to sigma 3.0: a sigma that renames it gets a loud error here, not a
 * quietly slower pan.) */
function skipPointingWhileDragging(renderer: Sigma) {
  const r = renderer as unknown as { getNodeAtPosition?: (p: unknown) => string | null; hoveredNode: string | null };
  const find = r.getNodeAtPosition?.bind(renderer);
  if (!find) throw new Error("sigma has no getNodeAtPosition: skipPointingWhileDragging needs updating");
  const mouse = renderer.getMouseCaptor();
  r.getNodeAtPosition = (p) => (mouse.draggedEvents > 0 ? r.hoveredNode : find(p));
}

// ---- details

/** Reads what the map does not hold of an actor, its description and
 * sources: again when asked (a click), once otherwise (a hover). */
async function readActor(a: Actor, again: boolean) {
  if (!again && a.sources !== undefined) return;
  Object.assign(a, (await state.api.query<{ actor: Pick<Actor, "description" | "sources"> }>(actorDetailsQuery, { id: a.id })).actor);
}

async function readRelationship(r: Relationship, again: boolean) {
  if (!again && r.sources !== undefined) return;
  Object.assign(r, (await state.api.query<{ relationship: Pick<Relationship, "notes" | "sources"> }>(relationshipDetailsQuery, { id: r.id })).relationship);
}

function actorRows(a: Actor): [string, string][] {
  return [
    ["kind", label(a.kind)],
    ["region", a.region || "–"],
    ["tags", a.tags.join(", ") || "–"],
    ["sensitivity", label(a.sensitivity)],
    ["description", a.description === undefined ? "…" : a.description || "–"],
    ["sources", a.sources ? a.sources.map((s) => s.title).join("; ") || "none recorded" : "…"],
  ];
}

function relationshipTitle(r: Relationship): string {
  const name = (id: string) => state.actors.get(id)?.name ?? id;
  return `${name(r.fromId)} ${label(r.type)} ${name(r.toId)}`;
}

function relationshipRows(r: Relationship): [string, string][] {
  return [
    ["strength", String(r.strength)],
    ["confidence", String(r.confidence)],
    ["in force", `${r.validFrom ?? "always"} – ${r.validTo ?? "now"}`],
    ["sensitivity", label(r.sensitivity)],
    ["notes", r.notes === undefined ? "…" : r.notes || "–"],
    ["sources", r.sources ? r.sources.map((s) => s.title).join("; ") || "none recorded" : "…"],
  ];
}

/** Shows an actor's details in the side panel; focus moves there when a
 * button (not the map) asked. */
async function showActor(id: string, focus = false) {
  const a = state.actors.get(id);
  if (!a) return;
  state.focus = { actor: id };
  try {
    await readActor(a, true);
  } catch (e) {
    status(`Could not read ${a.name}: ${explain(e)}`, true);
  }
  details($("details"), a.name, actorRows(a), actorRelationships(id));
  if (focus) $("details").querySelector<HTMLElement>(".title")?.focus();
  fillActorForm(id);
}

/** How many of an actor's relationships its details list before a
 * button shows the rest. */
const relationshipsListed = 50;

/** An actor's relationships as buttons to their details: the way to a
 * relationship from the keyboard, and on a large map, where
 * relationships are not pointed at. Each names its type, other end,
 * strength and dates, so that two alike are told apart. */
function actorRelationships(id: string, all = false): HTMLElement {
  const mine = [...state.relationships.values()]
    .filter((r) => r.fromId === id || r.toId === id)
    .map((r) => ({
      r,
      text: `${relationshipTitle(r)}, strength ${r.strength}${r.validFrom || r.validTo ? `, ${r.validFrom ?? "always"} – ${r.validTo ?? "now"}` : ""}`,
    }))
    .sort((x, y) => x.text.localeCompare(y.text));
  const list = document.createElement("ul");
  list.className = "relationships";
  for (const { r, text } of all ? mine : mine.slice(0, relationshipsListed)) {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
    b.addEventListener("click", () => void showRelationship(r.id, id));
    const li = document.createElement("li");
    li.append(b);
    list.append(li);
  }
  const box = document.createElement("div");
  box.append(Object.assign(document.createElement("h4"), { textContent: `Relationships (${mine.length})` }), list);
  if (!all && mine.length > relationshipsListed) {
    const more = Object.assign(document.createElement("button"), { type: "button", textContent: `Show all ${mine.length}` });
    more.addEventListener("click", () => {
      const whole = actorRelationships(id, true);
      box.replaceWith(whole);
      whole.querySelectorAll<HTMLElement>(".relationships button")[relationshipsListed]?.focus();
    });
    box.append(more);
  }
  return box;
}

/** Shows a relationship's details in the side panel; opened from an
 * actor's list (from), focus moves there and a button leads back. */
async function showRelationship(id: string, from?: string) {
  const r = state.relationships.get(id);
  if (!r) return;
  state.focus = { relationship: id };
  try {
    await readRelationship(r, true);
  } catch (e) {
    status(`Could not read the relationship: ${explain(e)}`, true);
  }
  const back: HTMLElement[] = [];
  const actor = from ? state.actors.get(from) : undefined;
  if (actor) {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: `Back to ${actor.name}` });
    b.addEventListener("click", () => void showActor(actor.id, true));
    back.push(b);
  }
  details($("details"), relationshipTitle(r), relationshipRows(r), ...back);
  if (from) $("details").querySelector<HTMLElement>(".title")?.focus();
  fillRelationshipForm(id);
}

function details(into: HTMLElement, title: string, rows: [string, string][], ...more: HTMLElement[]) {
  // The side panel's title is a heading (focused when a button opened
  // it, so that the keyboard stays where the new content is); the hover
  // card's is not, as it is no part of the page's outline.
  const h = document.createElement(into.id === "details" ? "h3" : "p");
  h.className = "title";
  h.tabIndex = -1;
  h.textContent = title;
  const dl = document.createElement("dl");
  for (const [k, v] of rows) {
    dl.append(Object.assign(document.createElement("dt"), { textContent: k }), Object.assign(document.createElement("dd"), { textContent: v }));
  }
  into.replaceChildren(h, dl, ...more);
}

// ---- hovering: a card by the pointer with what a click shows

let hovered = "";

/** How long the pointer rests on an actor or relationship before its
 * description and sources are read for the card: sweeping across a large
 * map reads none (each read counts against the token's rate limit, and a
 * confidential one is audited). */
const restBeforeReading = 350;

/** Shows the card of an actor or relationship by the pointer at once,
 * with what the map holds, and its description or notes and sources once
 * the pointer has rested there and they are read. */
async function hover(kind: "actor" | "relationship", id: string, at: { x: number; y: number }) {
  hovered = id;
  const card = $("hover-card");
  const box = $("map").getBoundingClientRect();
  const x = box.left + at.x;
  const y = box.top + at.y;
  // By the pointer, on the side of it that keeps the card in the window.
  const place = () => {
    const right = x + 14 + card.offsetWidth <= window.innerWidth;
    const below = y + 14 + card.offsetHeight <= window.innerHeight;
    card.style.left = `${right ? x + 14 : Math.max(0, x - 14 - card.offsetWidth)}px`;
    card.style.top = `${below ? y + 14 : Math.max(0, y - 14 - card.offsetHeight)}px`;
  };
  const draw = () => {
    if (hovered !== id) return;
    if (kind === "actor") {
      const a = state.actors.get(id);
      if (a) details(card, a.name, actorRows(a));
    } else {
      const r = state.relationships.get(id);
      if (r) details(card, relationshipTitle(r), relationshipRows(r));
    }
    card.hidden = false;
    place();
  };
  draw();
  await new Promise((done) => setTimeout(done, restBeforeReading));
  if (hovered !== id) return;
  try {
    if (kind === "actor") await readActor(state.actors.get(id)!, false);
    else await readRelationship(state.relationships.get(id)!, false);
  } catch {
    return; // the card keeps what the map holds; a click says what failed
  }
  draw();
}

/** Hides the card: of id only, or whatever it shows. */
function unhover(id?: string) {
  if (id !== undefined && id !== hovered) return;
  hovered = "";
  $("hover-card").hidden = true;
}

// ---- gaps and their closures

/** Reads the gaps of view, the view shown, into the gaps list (aria-busy
 * until then). An answer for a view since left is dropped; a failure is
 * told in the list, the map staying drawn. */
async function loadGaps(view: number) {
  // A load or refilter overtaken while it read the relationships has no
  // gaps to read: the newer view reads its own.
  if (view !== views) return;
  const signal = filterReads.signal;
  const list = $("gaps");
  let gaps: Gap[];
  try {
    const data = await state.api.query<{ workspace: { accountabilityGaps: { edges: { node: Gap }[] } } }>(gapsQuery, {
      ws: state.workspace,
      ...currentFilter(),
    }, signal);
    gaps = data.workspace.accountabilityGaps.edges.map((e) => e.node);
  } catch (e) {
    if (left(view)) return;
    list.removeAttribute("aria-busy");
    fail(list, "read the gaps", e);
    return;
  }
  if (left(view)) return;
  state.gaps = gaps;
  list.removeAttribute("aria-busy");
  resultList(
    list,
    state.gaps.map((g, i) => ({
      text: `${g.community.name} under ${g.powerHolder.name}: severity ${g.severity.toFixed(2)}, exposure ${g.exposure.toFixed(2)}, distrust ${g.distrust.toFixed(2)}${g.bestRoute ? "" : " (no route)"}`,
      select: () => void selectGap(i),
    })),
    "No gaps.",
  );
  renderTables();
}

/** Highlights a gap's community, power holder, power relationships and
 * strongest route, and draws the best closures of it as proposed
 * relationships labelled with the severity each removes. */
async function selectGap(i: number) {
  const g = state.gaps[i];
  const nodes = [g.community.id, g.powerHolder.id, ...(g.bestRoute?.actors.map((a) => a.id) ?? [])];
  const edges = [...g.powerRelationships.map((r) => r.id), ...(g.bestRoute?.relationships.map((r) => r.id) ?? [])];
  removeProposals();
  highlight(nodes, edges);
  $("gap-route").textContent = g.bestRoute
    ? `Strongest route: ${g.bestRoute.hops} hops, strength ${g.bestRoute.strength.toFixed(2)}.`
    : `There is no route from ${g.community.name} to ${g.powerHolder.name}.`;
  const view = views;
  const signal = filterReads.signal;
  try {
    const found = closures ?? (await state.api.query<{ workspace: { gapClosures: Closure[] } }>(closuresQuery, { ws: state.workspace, ...currentFilter() }, signal)).workspace.gapClosures;
    if (left(view)) return; // another workspace, date or confidence meanwhile
    closures = found;
  } catch (e) {
    if (!left(view)) $("gap-closures").textContent = `Could not propose closures: ${explain(e)}`;
    return;
  }
  const mine = closures.filter((c) => c.closes.some((x) => x.gap.community.id === g.community.id && x.gap.powerHolder.id === g.powerHolder.id));
  mine.slice(0, 3).forEach((c, k) => {
    const { from, to } = c.relationship;
    if (!graph.hasNode(from.id) || !graph.hasNode(to.id)) return;
    graph.addDirectedEdgeWithKey(`proposed-${k}`, from.id, to.id, {
      proposed: true,
      color: proposed,
      size: 3,
      type: "dashed", // not there yet
      label: `proposed ${label(c.relationship.type)}: −${c.severityRemoved.toFixed(2)} severity`,
    });
  });
  $("gap-closures").textContent = mine.length
    ? `Proposed: ${mine
        .slice(0, 3)
        .map((c) => `${c.relationship.from.name} ${label(c.relationship.type)} ${c.relationship.to.name} (removes ${c.severityRemoved.toFixed(2)})`)
        .join("; ")}.`
    : "No single new relationship would close this gap.";
  refresh();
}

function removeProposals() {
  graph.filterEdges((_, a) => a.proposed).forEach((e) => graph.dropEdge(e));
}

function clearSelection() {
  removeProposals();
  highlight(null);
  $("gap-route").textContent = "";
  $("gap-closures").textContent = "";
  document.querySelectorAll("#analysis button[aria-pressed]").forEach((b) => b.setAttribute("aria-pressed", "false"));
}

// ---- tables, legend, filters

function renderTables() {
  // Counted in one pass: once per actor would be actors × relationships.
  const outgoing = new Map<string, number>();
  for (const r of state.relationships.values()) outgoing.set(r.fromId, (outgoing.get(r.fromId) ?? 0) + 1);
  const rows = [...state.actors.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => {
      const tr = row(["", label(a.kind), a.region, label(a.sensitivity), String(outgoing.get(a.id) ?? 0)]);
      // The name opens the actor's details (one listener on the table).
      tr.cells[0].append(Object.assign(document.createElement("button"), { type: "button", className: "link", textContent: a.name }));
      tr.cells[0].firstElementChild!.setAttribute("data-actor", a.id);
      return tr;
    });
  $("actor-table").querySelector("tbody")!.replaceChildren(...rows);
  $("gap-table").querySelector("tbody")!.replaceChildren(
    ...state.gaps.map((g) =>
      row([
        g.community.name,
        g.powerHolder.name,
        label(g.kind),
        g.severity.toFixed(2),
        g.exposure.toFixed(2),
        g.distrust.toFixed(2),
        g.bestRoute ? `${g.bestRoute.hops} hops, ${g.bestRoute.strength.toFixed(2)}` : "none",
      ]),
    ),
  );
}

function row(cells: string[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const v of cells) tr.append(Object.assign(document.createElement("td"), { textContent: v }));
  return tr;
}

function checkbox(container: HTMLElement, id: string, text: string, mark: Element, toggle: (on: boolean) => void) {
  const row = document.createElement("label");
  row.htmlFor = id;
  const box = Object.assign(document.createElement("input"), { type: "checkbox", id, checked: true });
  box.addEventListener("change", () => toggle(box.checked));
  row.append(box, mark, document.createTextNode(text));
  container.append(row);
}

/** A kind's mark in the legend: its shape in its colour, as on the map. */
function kindMark(kind: string, colour: string): Element {
  const svg = new DOMParser().parseFromString(
    `<svg xmlns="http://www.w3.org/2000/svg" class="swatch" viewBox="0 0 16 16" aria-hidden="true">${svgShape(kindShapes[kind], 8, 8, 6, colour)}</svg>`,
    "image/svg+xml",
  ).documentElement;
  svg.setAttribute("data-shape", kindShapes[kind] ?? "circle");
  return document.importNode(svg, true);
}

function lineMark(colour: string): Element {
  const mark = Object.assign(document.createElement("span"), { className: "line" });
  mark.style.background = colour;
  return mark;
}

function buildLegend() {
  for (const [kind, colour] of Object.entries(kindColours)) {
    checkbox($("legend-kinds"), `kind-${kind}`, label(kind), kindMark(kind, colour), (on) => {
      if (on) state.hiddenKinds.delete(kind);
      else state.hiddenKinds.add(kind);
      refresh();
    });
  }
  for (const f of families) {
    checkbox($("legend-types"), `family-${f.name}`, f.name, lineMark(f.colour), (on) => {
      if (on) state.hiddenFamilies.delete(f.name);
      else state.hiddenFamilies.add(f.name);
      refresh();
    });
  }
}

/** The region and tag filters offer the map's own values. */
function fillChoices() {
  const regions = [...new Set([...state.actors.values()].map((a) => a.region).filter((r) => r))].sort();
  const tags = [...new Set([...state.actors.values()].flatMap((a) => a.tags))].sort();
  const fill = (id: string, values: string[], any: string) =>
    $<HTMLSelectElement>(id).replaceChildren(new Option(any, ""), ...values.map((v) => new Option(v, v)));
  fill("filter-region", regions, "every region");
  fill("filter-tag", tags, "every tag");
  $<HTMLSelectElement>("filter-sensitivity").replaceChildren(new Option("every level", ""), ...sensitivities.map((s) => new Option(label(s), s)));
}

// ---- exports

async function exportAs(format: string) {
  try {
    const link = (await state.api.query<{ createExportLink: { url: string } }>(exportLinkMutation, { ws: state.workspace, format })).createExportLink;
    const a = document.createElement("a");
    a.href = link.url;
    a.download = "";
    a.click();
  } catch (e) {
    status(`Could not export: ${explain(e)}`, true);
  }
}

function wireExports() {
  $("export-buttons").replaceChildren(
    ...formats.map((f) => {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: f.toLowerCase() });
      b.addEventListener("click", () => void exportAs(f));
      return b;
    }),
  );
  for (const format of ["png", "svg"] as const) {
    $(`save-${format}`).addEventListener("click", async () => {
      if (view.renderer) download(await image(view.renderer, format), `actorgraph-map.${format}`);
    });
  }
}

// ---- wiring

function debounce(fn: () => void, ms: number): () => void {
  let t: number | undefined;
  return () => {
    clearTimeout(t);
    t = window.setTimeout(fn, ms);
  };
}

async function refilter() {
  const view = newView(false);
  try {
    clearSelection();
    await loadRelationships();
    if (canAnalyse(state.role)) await loadGaps(view);
  } catch (e) {
    if (e instanceof Overtaken || left(view)) return;
    status(`Could not filter the map: ${explain(e)}`, true);
    gapsUnread(e);
  }
}

function wire() {
  $("actor-table").addEventListener("click", (e) => {
    const id = (e.target as HTMLElement).closest("button[data-actor]")?.getAttribute("data-actor");
    if (id) void showActor(id, true);
  });
  $<HTMLInputElement>("token").value = tokenFromPage();
  // Escape dismisses the hover card without moving the pointer (WCAG 1.4.13).
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") unhover();
  });
  // While a request waits for the rate limit the status line says so;
  // once it went through, the status line says again what it said.
  let before: { text: string; error: boolean } | null = null;
  state.api.onWait = (seconds) => {
    before ??= { text: $("status").textContent ?? "", error: $("status").classList.contains("error") };
    status(`The service limits the requests of one token: going on in ${seconds} s…`);
  };
  state.api.onWaited = () => {
    if (before && $("status").textContent?.startsWith("The service limits")) status(before.text, before.error);
    before = null;
  };
  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    void signIn();
  });
  $<HTMLSelectElement>("workspace").addEventListener("change", (e) => void openWorkspace((e.target as HTMLSelectElement).value));
  $<HTMLInputElement>("search").addEventListener("input", (e) => {
    state.search = (e.target as HTMLInputElement).value.trim().toLowerCase();
    refresh();
  });
  for (const [id, key] of [["filter-region", "region"], ["filter-tag", "tag"], ["filter-sensitivity", "sensitivity"]] as const) {
    $<HTMLSelectElement>(id).addEventListener("change", (e) => {
      state[key] = (e.target as HTMLSelectElement).value;
      refresh();
    });
  }
  const later = debounce(() => void refilter(), 250);
  $<HTMLInputElement>("as-of").addEventListener("change", () => {
    setDateRange();
    later();
  });
  $<HTMLInputElement>("as-of-slider").addEventListener("input", () => {
    $<HTMLInputElement>("as-of").value = dateOfSlider();
    later();
  });
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
  wireAnalyses(currentFilter);
  wireEditing(loadMap);
  wireImport(loadMap);
  wireExports();
  if (state.api.hasToken()) void signIn();
  else status("Enter a token to sign in.");
}

wire();
