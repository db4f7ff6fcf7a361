package store

import (
	"context"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// CreateWorkspace creates an empty workspace.
func (s *Neo4j) CreateWorkspace(ctx context.Context, in domain.WorkspaceInput) (*domain.Workspace, error) {
	const op = "store.CreateWorkspace"
	t := now()
	w := &domain.Workspace{ID: domain.NewID(domain.PrefixWorkspace), Name: in.Name, Description: derefStr(in.Description), CreatedAt: t, UpdatedAt: t}
	if err := w.Validate(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	err := s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		if _, err := s.run(ctx, tx, "CREATE (w:Workspace) SET w = $props", map[string]any{"props": workspaceProps(w)}); err != nil {
			return err
		}
		return s.auditWrite(ctx, tx, w.ID, "createWorkspace", []string{w.ID})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// UpdateWorkspace changes a workspace's name or description, and nothing
// else of its node: `SET w += $props`, for the node holds the service's
// own state beside them (its version, an import's lock, a deletion under
// way), which a rename must keep.
func (s *Neo4j) UpdateWorkspace(ctx context.Context, id string, p domain.WorkspacePatch) (*domain.Workspace, error) {
	return updateRecord(ctx, s, id, recordUpdate[domain.Workspace]{
		op: "store.UpdateWorkspace", audited: "updateWorkspace",
		lock: s.workspaceInTx, apply: p.Apply,
		set: func(next *domain.Workspace) (string, map[string]any) {
			return "MATCH (w:Workspace {id: $id}) SET w += $props", workspaceProps(next)
		},
		updatedAt: func(w *domain.Workspace) *time.Time { return &w.UpdatedAt },
		workspace: func(w *domain.Workspace) string { return w.ID },
	})
}

// workspaceInTx locks a workspace and returns it as it is now.
func (s *Neo4j) workspaceInTx(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Workspace, error) {
	recs, err := s.run(ctx, tx, `MATCH (w:Workspace {id: $id})
		WHERE `+visibleWorkspace("w")+`
		SET w.__lock = true REMOVE w.__lock RETURN w, w.deleting AS deleting`, map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || value[bool](recs[0], "deleting") {
		return nil, errs.NotFoundf("", "no workspace has id %q", id)
	}
	return decodeWorkspace(nodeProps(recs[0], "w")), nil
}

// deleteBatch is how many records one inner transaction of a workspace
// deletion removes, so that deleting a million relationships does not need
// one huge transaction.
const deleteBatch = 10000

// DeleteWorkspace deletes a workspace and everything in it.
//
// First it marks the workspace as being deleted, under the workspace's
// lock: creates in flight finish first, and later ones see no workspace.
// Then the content goes in batches (CALL … IN TRANSACTIONS, which needs
// auto-commit transactions), and the workspace node last, so an interrupted
// delete leaves a workspace marked for deletion that a second delete
// finishes, never data without a workspace. The counts come from Neo4j's
// own summary of what was deleted.
func (s *Neo4j) DeleteWorkspace(ctx context.Context, id string) (*domain.DeleteResult, error) {
	defer s.access.forget() // its memberships and tokens end
	const op = "store.DeleteWorkspace"
	err := s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		// Under the lock, as every writer: refused (CONFLICT) while an
		// import runs or is being undone, since an undo puts back what
		// the import removed, and would put it back into a deleted
		// workspace.
		if err := s.lockWorkspace(ctx, tx, id); err != nil {
			return err
		}
		if _, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.deleting = true", map[string]any{"id": id}); err != nil {
			return err
		}
		// The record outlives the workspace (it names ids, never content),
		// so that who deleted it stays on file.
		return s.auditWrite(ctx, tx, id, "deleteWorkspace", []string{id})
	})
	if err != nil {
		return nil, err
	}
	params := map[string]any{"id": id, "batch": deleteBatch}
	res := &domain.DeleteResult{ID: id}
	sum, err := s.autoCommit(ctx, op, "MATCH (a:Actor {workspaceId: $id}) CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF $batch ROWS", params)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	res.ActorsDeleted, res.RelationshipsDeleted = sum.Counters().NodesDeleted(), sum.Counters().RelationshipsDeleted()
	if sum, err = s.autoCommit(ctx, op, "MATCH (x:Source {workspaceId: $id}) CALL (x) { DELETE x } IN TRANSACTIONS OF $batch ROWS", params); err != nil {
		return nil, s.mapErr(op, err)
	}
	res.SourcesDeleted = sum.Counters().NodesDeleted()
	if err := s.deleteWorkspaceNode(ctx, op, id, res); err != nil {
		return nil, err
	}
	return res, nil
}

// deleteWorkspaceNode ends a workspace whose actors and sources have
// been deleted in batches: in one transaction under the workspace's lock,
// it deletes what a writer still added meanwhile (a write that took the
// lock before the deleting flag was set, or read the flag as it was
// before: TestDeleteWorkspaceLeavesNoOrphans met that, once in many
// runs), then the workspace itself. A writer after it finds no workspace.
// Its memberships go, any import undo records with the workspace's
// content, and its tokens stop working (they stay listed for
// `actorgraph token list`, revoked).
func (s *Neo4j) deleteWorkspaceNode(ctx context.Context, op, id string, res *domain.DeleteResult) error {
	var actors, rels, sources int64
	err := s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		params := map[string]any{"id": id}
		if _, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.version = coalesce(w.version, 0) + 1", params); err != nil {
			return err
		}
		late, err := s.run(ctx, tx, `MATCH (a:Actor {workspaceId: $id})
			OPTIONAL MATCH (a)-[r]-()
			WITH collect(DISTINCT a) AS late, count(DISTINCT r) AS rels
			FOREACH (a IN late | DETACH DELETE a)
			RETURN size(late) AS actors, rels`, params)
		if err != nil {
			return err
		}
		lateSources, err := s.run(ctx, tx, "MATCH (x:Source {workspaceId: $id}) DELETE x RETURN count(x) AS n", params)
		if err != nil {
			return err
		}
		for _, stmt := range []string{
			"MATCH (m:Member {workspaceId: $id}) DELETE m",
			"MATCH (k:PseudonymKey {workspaceId: $id}) DELETE k",
			"MATCH (u:ImportUndo) WHERE u.__ws = $id DELETE u",
			"MATCH (t:ApiToken {workspaceId: $id}) WHERE t.revokedAt IS NULL SET t.revokedAt = datetime()",
			"MATCH (w:Workspace {id: $id}) DELETE w",
		} {
			if _, err := s.run(ctx, tx, stmt, params); err != nil {
				return err
			}
		}
		// Set, not added: a retried transaction runs this function again.
		actors, rels, sources = value[int64](late[0], "actors"), value[int64](late[0], "rels"), value[int64](lateSources[0], "n")
		return nil
	})
	if err != nil {
		return err
	}
	res.ActorsDeleted += int(actors)
	res.RelationshipsDeleted += int(rels)
	res.SourcesDeleted += int(sources)
	return nil
}

// Workspaces lists every workspace by name.
func (s *Neo4j) Workspaces(ctx context.Context) ([]*domain.Workspace, error) {
	recs, err := s.readRecords(ctx, "store.Workspaces", "MATCH (w:Workspace) WHERE w.deleting IS NULL AND "+visibleWorkspace("w")+" RETURN w ORDER BY w.name, w.id", nil)
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "w", decodeWorkspace), nil
}

// WorkspacesByIDs returns the workspaces that exist among ids.
func (s *Neo4j) WorkspacesByIDs(ctx context.Context, ids []string) ([]*domain.Workspace, error) {
	recs, err := s.readRecords(ctx, "store.WorkspacesByIDs", "UNWIND $ids AS id MATCH (w:Workspace {id: id}) WHERE w.deleting IS NULL AND "+visibleWorkspace("w")+" RETURN w", map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "w", decodeWorkspace), nil
}

var workspaceCountsCypher = `UNWIND $ids AS wid
MATCH (w:Workspace {id: wid}) WHERE w.deleting IS NULL AND ` + visibleWorkspace("w") + `
CALL (wid) { MATCH (a:Actor {workspaceId: wid}) WHERE ` + visible("a") + ` RETURN count(a) AS actors }
CALL (wid) { ` + unionOverTypes(relTypes, "MATCH (a)-[r:%s]->(b) WHERE r.workspaceId = wid AND "+visibleRel("r", "a", "b")+" RETURN count(r) AS c") + ` }
RETURN wid AS id, actors, sum(c) AS rels`

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Whole-workspace reads, shared by the analysis snapshot and imports.

var workspaceVersionCypher = "MATCH (w:Workspace {id: $id}) WHERE w.deleting IS NULL AND " + visibleWorkspace("w") + " RETURN coalesce(w.version, 0) AS v"

// workspaceVersionInTx reads a workspace's version (NotFound for a
// workspace that does not exist or is being deleted).
func (s *Neo4j) workspaceVersionInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string) (int64, error) {
	recs, err := s.run(ctx, tx, workspaceVersionCypher, map[string]any{"id": ws})
	if err != nil {
		return 0, err
	}
	return versionOf(recs, ws)
}

// versionOf is the version the rows of workspaceVersionCypher say.
func versionOf(recs []*neo4j.Record, ws string) (int64, error) {
	if len(recs) == 0 {
		return 0, errs.NotFoundf("", "no workspace has id %q", ws)
	}
	return value[int64](recs[0], "v"), nil
}

// workspaceActorsInTx reads every actor of a workspace, in id order.
func (s *Neo4j) workspaceActorsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string) ([]*domain.Actor, error) {
	recs, err := s.run(ctx, tx, "MATCH (a:Actor) WHERE a.workspaceId = $ws AND "+visible("a")+" RETURN a ORDER BY a.id", map[string]any{"ws": ws})
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "a", decodeActor), nil
}

// workspaceRelsCypher reads every relationship of the given types of a
// workspace, one indexed branch per type, in id order.
func workspaceRelsCypher(types []domain.RelationshipType) string {
	return "CALL () {\n" + unionOverTypes(types, "MATCH (a)-[r:%s]->(b) WHERE r.workspaceId = $ws AND "+visibleRel("r", "a", "b")+" RETURN "+relRow) +
		"\n} RETURN r, relType, fromId, toId ORDER BY r.id"
}

var allRelsCypher = workspaceRelsCypher(relTypes)

// workspaceRelationshipsInTx runs one of the statements above.
func (s *Neo4j) workspaceRelationshipsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws, cypher string) ([]*domain.Relationship, error) {
	recs, err := s.run(ctx, tx, cypher, map[string]any{"ws": ws})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Relationship, len(recs))
	for i, r := range recs {
		out[i] = decodeRelRow(r)
	}
	return out, nil
}
