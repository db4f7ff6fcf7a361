// What the explorer reads from the API, and the queries that read it.

export interface Actor {
  id: string;
  kind: string;
  name: string;
  description: string;
  region: string;
  tags: string[];
  sensitivity: string;
  layout: { x: number | null; y: number | null } | null;
  sources: Source[];
}

export interface Source {
  title: string;
  url: string | null;
}

export interface Relationship {
  id: string;
  type: string;
  from: { id: string };
  to: { id: string };
  strength: number;
  confidence: number;
  sensitivity: string;
  validFrom: string | null;
  validTo: string | null;
  notes: string;
  sources: Source[];
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
      edges { node { id kind name description region tags sensitivity layout { x y } sources { title url } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

export const relationshipsQuery = `query Relationships($ws: ID!, $first: Int, $after: String, $filter: RelationshipFilter) {
  workspace(id: $ws) {
    relationships(first: $first, after: $after, filter: $filter) {
      edges { node { id type from { id } to { id } strength confidence sensitivity validFrom validTo notes sources { title url } } }
      pageInfo { hasNextPage endCursor }
    }
  }
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
  return role === "EDITOR" || role === "OWNER";
}
