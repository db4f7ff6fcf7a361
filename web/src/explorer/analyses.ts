// The analyses, drawn: routes between two actors, brokers, changes between
// two dates and trust findings. Each lists its results; selecting one
// highlights what it names on the map.
import { $, explain, graph, refresh, state } from "./app";
import {
  Broker,
  Change,
  Route,
  TrustFinding,
  brokersQuery,
  changesQuery,
  routesQuery,
  trustGapsQuery,
} from "./model";
import { label } from "./style";

type Filter = () => { asOf: string | null; minConfidence: number };

/** Highlights nodes and edges, or clears the highlight with null. */
export function highlight(nodes: Iterable<string> | null, edges: Iterable<string> = []) {
  state.selected = nodes ? { nodes: new Set(nodes), edges: new Set(edges) } : null;
  refresh();
}

/** A list of buttons, each selecting one result; pressed shows which. */
export function resultList(list: HTMLElement, items: { text: string; select: () => void }[], empty: string) {
  if (items.length === 0) {
    list.replaceChildren(Object.assign(document.createElement("li"), { textContent: empty }));
    return;
  }
  list.replaceChildren(
    ...items.map((item, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.index = String(i);
      b.setAttribute("aria-pressed", "false");
      b.textContent = item.text;
      b.addEventListener("click", () => {
        list.querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
        item.select();
      });
      li.append(b);
      return li;
    }),
  );
}

/** Tells in list that what could not be done, and why. */
export function fail(list: HTMLElement, what: string, e: unknown) {
  list.replaceChildren(Object.assign(document.createElement("li"), { textContent: `Could not ${what}: ${explain(e)}` }));
}

async function routes(filter: Filter) {
  const list = $("routes");
  const from = $<HTMLSelectElement>("route-from").value;
  const to = $<HTMLSelectElement>("route-to").value;
  try {
    const data = await state.api.query<{ workspace: { accountabilityRoutes: Route[] } }>(routesQuery, {
      ws: state.workspace,
      from,
      to,
      ...filter(),
    });
    resultList(
      list,
      data.workspace.accountabilityRoutes.map((r) => ({
        text: `${r.actors.map((a) => a.name).join(" → ")}: strength ${r.strength.toFixed(2)}, ${r.hops} hops${r.enforceable ? ", enforceable" : ""}`,
        select: () => highlight(r.actors.map((a) => a.id), r.relationships.map((x) => x.id)),
      })),
      `No route from ${state.actors.get(from)?.name} to ${state.actors.get(to)?.name}.`,
    );
  } catch (e) {
    fail(list, "find routes", e);
  }
}

/** Brokers are drawn larger by the pairs that depend on them, and the
 * critical ones (the only route of some pair) get a ring. */
async function brokers(filter: Filter) {
  const list = $("brokers");
  try {
    const data = await state.api.query<{ workspace: { brokers: Broker[] } }>(brokersQuery, { ws: state.workspace, ...filter() });
    const bs = data.workspace.brokers;
    const most = Math.max(1, ...bs.map((b) => b.pairs));
    graph.forEachNode((n) => graph.removeNodeAttribute(n, "brokerSize"));
    state.brokersShown = true;
    for (const b of bs) {
      if (!graph.hasNode(b.actor.id)) continue;
      graph.setNodeAttribute(b.actor.id, "brokerSize", 8 + 16 * (b.pairs / most));
      graph.setNodeAttribute(b.actor.id, "critical", b.critical);
    }
    resultList(
      list,
      bs.map((b) => ({
        text: `${b.actor.name}: ${b.pairs} pairs depend on it${b.critical ? " (critical)" : ""}`,
        select: () => highlight([b.actor.id]),
      })),
      "No brokers.",
    );
    refresh();
  } catch (e) {
    fail(list, "find brokers", e);
  }
}

async function changes(filter: Filter) {
  const list = $("changes");
  const from = $<HTMLInputElement>("changes-from").value;
  const to = $<HTMLInputElement>("changes-to").value;
  if (!from || !to) {
    fail(list, "compare", new Error("choose both dates"));
    return;
  }
  try {
    const data = await state.api.query<{ workspace: { accountabilityChanges: Change[] } }>(changesQuery, {
      ws: state.workspace,
      from,
      to,
      minConfidence: filter().minConfidence,
    });
    resultList(
      list,
      data.workspace.accountabilityChanges.map((c) => ({
        text: `${c.community.name} → ${c.powerHolder.name}: ${label(c.before.status)} (${c.before.bestStrength.toFixed(2)}) became ${label(c.after.status)} (${c.after.bestStrength.toFixed(2)})`,
        select: () => highlight([c.community.id, c.powerHolder.id], c.causes.map((r) => r.id)),
      })),
      "Nothing changed between those dates.",
    );
  } catch (e) {
    fail(list, "compare the dates", e);
  }
}

async function trust(filter: Filter) {
  const list = $("trust");
  try {
    const data = await state.api.query<{ workspace: { trustGaps: { edges: { node: TrustFinding }[] } } }>(trustGapsQuery, {
      ws: state.workspace,
      ...filter(),
    });
    resultList(
      list,
      data.workspace.trustGaps.edges.map(({ node: f }) => ({
        text: `${label(f.kind)}: ${f.from.name} and ${f.to.name}, score ${f.score.toFixed(2)}`,
        select: () => highlight(f.actors.map((a) => a.id), f.relationships.map((r) => r.id)),
      })),
      "No trust gaps.",
    );
  } catch (e) {
    fail(list, "find trust gaps", e);
  }
}

/** Fills the route pickers with the map's actors. */
export function fillRoutePickers() {
  const actors = [...state.actors.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const id of ["route-from", "route-to"]) {
    const select = $<HTMLSelectElement>(id);
    const was = select.value;
    select.replaceChildren(...actors.map((a) => new Option(a.name, a.id)));
    if (was) select.value = was;
  }
}

export function wireAnalyses(filter: Filter) {
  $("routes-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void routes(filter);
  });
  $("brokers-show").addEventListener("click", () => void brokers(filter));
  $("changes-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void changes(filter);
  });
  $("trust-show").addEventListener("click", () => void trust(filter));
}
