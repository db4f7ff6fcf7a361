// What the explorer reads from the API, and the queries that read it.

export interface Actor {
  id: string;
  kind: string;
  name: string;
  /** Read with the actor's details, when it is selected. */
  description?: string;
  region: string;
  tags: string[];
  sensitivity: string;
  layout: { x: number | null; y: number | null } | null;
  /** Read with the actor's details, when it is selected. */
  sources?: Source[];
}

export interface Source {
  title: string;
  url: string | null;
}

export interface Relationship {
  id: string;
  type: string;
  fromId: string;
  toId: string;
  strength: number;
  confidence: number;
  sensitivity: string;
  validFrom: string | null;
  validTo: string | null;
  /** Read with the relationship's details, when it is selected. */
  notes?: string;
  sources?: Source[];
}

export interface Gap {
  kind: string;
  severity: number;
  exposure: number;
  distrust: number;
  community: { id: string; name: string };
  powerHolder: { id: string; name: string };
  powerRelationships: { id: string }[];
  bestRoute: { strength: number; hops: number; relationships: { id: string }[]; actors: { id: string }[] } | null;
}

export interface Membership {
  workspace: { id: string; name: string };
  role: string;
  clearance: string;
}

export interface Viewer {
  subject: string;
  admin: boolean;
  memberships: Membership[];
}

export const viewerQuery = `query Viewer {
  viewer { subject admin memberships { workspace { id name } role clearance } }
}`;

export const actorsQuery = `query Actors($ws: ID!, $first: Int, $after: String) {
  workspace(id: $ws) {
    actors(first: $first, after: $after) {
      edges { node { id kind name region tags sensitivity layout { x y } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const relationshipsQuery = `query Relationships($ws: ID!, $first: Int, $after: String, $filter: RelationshipFilter) {
  workspace(id: $ws) {
    relationships(first: $first, after: $after, filter: $filter) {
      edges { node { id type fromId toId strength confidence sensitivity validFrom validTo } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const relationshipCountQuery = `query RelationshipCount($ws: ID!, $filter: RelationshipFilter) {
  workspace(id: $ws) { relationships(first: 1, filter: $filter) { totalCount } }
}`;

// The map reads only what it draws; what the details show is read when an
// actor or a relationship is selected.
export const actorDetailsQuery = `query ActorDetails($id: ID!) {
  actor(id: $id) { description sources { title url } }
}`;

export const relationshipDetailsQuery = `query RelationshipDetails($id: ID!) {
  relationship(id: $id) { notes sources { title url } }
}`;

export const gapsQuery = `query Gaps($ws: ID!, $asOf: Date, $minConfidence: Float) {
  workspace(id: $ws) {
    accountabilityGaps(first: 50, asOf: $asOf, minConfidence: $minConfidence) {
      edges { node {
        kind severity exposure distrust
        community { id name }
        powerHolder { id name }
        powerRelationships { id }
        bestRoute { strength hops relationships { id } actors { id } }
      } }
    }
  }
}`;

/** Roles that may change the map (see docs/access-control.md). */
export function canEdit(role: string): boolean {
  return role === "EDITOR" || role === "OWNER" || role === "ADMIN";
}

/** Roles that may run analyses (viewers read the map only). */
export function canAnalyse(role: string): boolean {
  return role !== "VIEWER";
}

export interface Route {
  strength: number;
  hops: number;
  enforceable: boolean;
  actors: { id: string; name: string }[];
  relationships: { id: string }[];
}

export const routesQuery = `query Routes($ws: ID!, $from: ID!, $to: ID!, $asOf: Date, $minConfidence: Float) {
  workspace(id: $ws) {
    accountabilityRoutes(from: $from, to: $to, first: 5, asOf: $asOf, minConfidence: $minConfidence) {
      strength hops enforceable actors { id name } relationships { id }
    }
  }
}`;

export interface Closure {
  severityRemoved: number;
  relationship: { type: string; from: { id: string; name: string }; to: { id: string; name: string }; strength: number };
  closes: { gap: { community: { id: string }; powerHolder: { id: string } } }[];
}

export const closuresQuery = `query Closures($ws: ID!, $asOf: Date, $minConfidence: Float) {
  workspace(id: $ws) {
    gapClosures(first: 20, asOf: $asOf, minConfidence: $minConfidence) {
      severityRemoved
      relationship { type from { id name } to { id name } strength }
      closes { gap { community { id } powerHolder { id } } }
    }
  }
}`;

export interface Broker {
  actor: { id: string; name: string };
  pairs: number;
  critical: boolean;
}

export const brokersQuery = `query Brokers($ws: ID!, $asOf: Date, $minConfidence: Float) {
  workspace(id: $ws) {
    brokers(first: 20, asOf: $asOf, minConfidence: $minConfidence) { actor { id name } pairs critical }
  }
}`;

export interface Change {
  community: { id: string; name: string };
  powerHolder: { id: string; name: string };
  before: { status: string; bestStrength: number };
  after: { status: string; bestStrength: number };
  causes: { id: string }[];
}

export const changesQuery = `query Changes($ws: ID!, $from: Date!, $to: Date!, $minConfidence: Float) {
  workspace(id: $ws) {
    accountabilityChanges(from: $from, to: $to, minConfidence: $minConfidence) {
      community { id name } powerHolder { id name }
      before { status bestStrength } after { status bestStrength } causes { id }
    }
  }
}`;

export interface TrustFinding {
  kind: string;
  score: number;
  from: { id: string; name: string };
  to: { id: string; name: string };
  actors: { id: string }[];
  relationships: { id: string }[];
}

export const trustGapsQuery = `query TrustGaps($ws: ID!, $asOf: Date, $minConfidence: Float) {
  workspace(id: $ws) {
    trustGaps(first: 50, asOf: $asOf, minConfidence: $minConfidence) {
      edges { node { kind score from { id name } to { id name } actors { id } relationships { id } } }
    }
  }
}`;

export const workspacesQuery = `query Workspaces { workspaces { id name } }`;

export const exportLinkMutation = `mutation Export($ws: ID!, $format: MapFormat!) {
  createExportLink(workspace: $ws, format: $format) { url expiresAt }
}`;

export const formats = ["CSV", "XLSX", "KUMU", "GRAPHML", "GEXF", "JGF", "CYTOSCAPE"];
export const kinds = ["COMMUNITY", "STATE_INSTITUTION", "SECURITY_FORCE", "MOVEMENT", "CIVIL_SOCIETY", "CUSTOMARY_AUTHORITY", "INTERNATIONAL"];
export const relationshipTypes = [
  "TRUSTS", "ACCOUNTABLE_TO", "CONTROLS", "PROVIDES_SECURITY", "THREATENS", "REPRESENTS",
  "PARTICIPATES_IN", "INFLUENCES", "DIALOGUE", "SUPPORTS", "COOPERATES_WITH", "IN_TENSION_WITH",
];
export const sensitivities = ["PUBLIC", "RESTRICTED", "CONFIDENTIAL"];
