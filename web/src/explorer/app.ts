// What every part of the explorer shares: the API client, the state of
// the page, the graph being drawn, and how to tell the analyst something.
import Graph from "graphology";
import type Sigma from "sigma";
import { Api, ApiError } from "./api";
import { Actor, Gap, Relationship, Viewer } from "./model";
import { tokenFromPage } from "./token";

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export interface State {
  api: Api;
  viewer: Viewer | null;
  workspace: string;
  role: string;
  actors: Map<string, Actor>;
  relationships: Map<string, Relationship>;
  gaps: Gap[];
  /** What is highlighted (a gap, a route); everything else is dimmed. */
  selected: { nodes: Set<string>; edges: Set<string> } | null;
  /** The actor or relationship whose details are shown (and edited). */
  focus: { actor?: string; relationship?: string };
  hiddenKinds: Set<string>;
  hiddenFamilies: Set<string>;
  region: string;
  tag: string;
  sensitivity: string;
  search: string;
  /** Whether brokers are sized by the pairs that depend on them. */
  brokersShown: boolean;
  /** How many times the relationships have been read (tests wait on it). */
  loads: number;
  /** How many answers (or errors) arrived for a workspace, date or
   * confidence since left, and were dropped (tests wait on it). */
  dropped: number;
}

export const state: State = {
  api: new Api(tokenFromPage()),
  viewer: null,
  workspace: "",
  role: "",
  actors: new Map(),
  relationships: new Map(),
  gaps: [],
  selected: null,
  focus: {},
  hiddenKinds: new Set(),
  hiddenFamilies: new Set(),
  region: "",
  tag: "",
  sensitivity: "",
  search: "",
  brokersShown: false,
  loads: 0,
  dropped: 0,
};

export const graph = new Graph({ multi: true, type: "directed" });

export const view: { renderer: Sigma | null } = { renderer: null };

export function refresh() {
  view.renderer?.refresh();
}

export function status(text: string, error = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
}

export function explain(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
