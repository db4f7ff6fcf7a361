package store

import (
	"context"

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
	_, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		return s.run(ctx, tx, "CREATE (w:Workspace) SET w = $props", map[string]any{"props": workspaceProps(w)})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// UpdateWorkspace changes a workspace's name or description.
func (s *Neo4j) UpdateWorkspace(ctx context.Context, id string, p domain.WorkspacePatch) (*domain.Workspace, error) {
	const op = "store.UpdateWorkspace"
	res, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		cur, err := s.workspaceInTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		next, err := p.Apply(*cur)
		if err != nil {
			return nil, err
		}
		next.UpdatedAt = now()
		_, err = s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w = $props", map[string]any{"id": id, "props": workspaceProps(next)})
		return next, err
	})
	if err != nil {
		return nil, err
	}
	return res.(*domain.Workspace), nil
}

func (s *Neo4j) workspaceInTx(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Workspace, error) {
	recs, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) RETURN w", map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no workspace has id %q", id)
	}
	return decodeWorkspace(nodeProps(recs[0], "w")), nil
}

// deleteBatch is how many records one inner transaction of a workspace
// deletion removes, so that deleting a million relationships does not need
// one huge transaction.
const deleteBatch = 10000

// DeleteWorkspace deletes a workspace and everything in it. A large
// workspace is deleted in batches (CALL … IN TRANSACTIONS); the workspace
// node goes last, so an interrupted delete leaves a workspace that a
// second delete finishes, never orphaned data without a workspace.
func (s *Neo4j) DeleteWorkspace(ctx context.Context, id string) (*domain.DeleteResult, error) {
	const op = "store.DeleteWorkspace"
	counts, err := s.WorkspaceCounts(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	c, ok := counts[id]
	if !ok {
		return nil, errs.NotFoundf(op, "no workspace has id %q", id)
	}
	res, err := s.read(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := s.run(ctx, tx, "MATCH (x:Source {workspaceId: $id}) RETURN count(x) AS n", map[string]any{"id": id})
		if err != nil {
			return 0, err
		}
		return int(value[int64](recs[0], "n")), nil
	})
	if err != nil {
		return nil, err
	}
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.db})
	defer sess.Close(context.WithoutCancel(ctx))
	// CALL { } IN TRANSACTIONS only runs in an auto-commit transaction.
	for _, stmt := range []string{
		"MATCH (a:Actor {workspaceId: $id}) CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF $batch ROWS",
		"MATCH (x:Source {workspaceId: $id}) CALL (x) { DELETE x } IN TRANSACTIONS OF $batch ROWS",
		"MATCH (w:Workspace {id: $id}) DELETE w",
	} {
		s.queries.Add(1)
		r, err := sess.Run(ctx, stmt, map[string]any{"id": id, "batch": deleteBatch})
		if err == nil {
			_, err = r.Consume(ctx)
		}
		if err != nil {
			return nil, s.mapErr(op, err)
		}
	}
	return &domain.DeleteResult{ID: id, ActorsDeleted: c.Actors, RelationshipsDeleted: c.Relationships, SourcesDeleted: res.(int)}, nil
}

// Workspaces lists every workspace by name.
func (s *Neo4j) Workspaces(ctx context.Context) ([]*domain.Workspace, error) {
	res, err := s.read(ctx, "store.Workspaces", func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := s.run(ctx, tx, "MATCH (w:Workspace) RETURN w ORDER BY w.name, w.id", nil)
		if err != nil {
			return nil, err
		}
		out := make([]*domain.Workspace, len(recs))
		for i, r := range recs {
			out[i] = decodeWorkspace(nodeProps(r, "w"))
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]*domain.Workspace), nil
}

// WorkspacesByIDs returns the workspaces that exist among ids.
func (s *Neo4j) WorkspacesByIDs(ctx context.Context, ids []string) ([]*domain.Workspace, error) {
	res, err := s.read(ctx, "store.WorkspacesByIDs", func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := s.run(ctx, tx, "UNWIND $ids AS id MATCH (w:Workspace {id: id}) RETURN w", map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		out := make([]*domain.Workspace, len(recs))
		for i, r := range recs {
			out[i] = decodeWorkspace(nodeProps(r, "w"))
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]*domain.Workspace), nil
}

// WorkspaceCounts counts the actors and relationships of each workspace
// among ids (absent ids have no entry). Relationships are counted per type
// through the (workspaceId, id) relationship indexes.
func (s *Neo4j) WorkspaceCounts(ctx context.Context, ids []string) (map[string]Counts, error) {
	res, err := s.read(ctx, "store.WorkspaceCounts", func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := s.run(ctx, tx, workspaceCountsCypher, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		out := make(map[string]Counts, len(recs))
		for _, r := range recs {
			out[value[string](r, "id")] = Counts{Actors: int(value[int64](r, "actors")), Relationships: int(value[int64](r, "rels"))}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(map[string]Counts), nil
}

var workspaceCountsCypher = `UNWIND $ids AS wid
MATCH (w:Workspace {id: wid})
CALL (wid) { MATCH (a:Actor {workspaceId: wid}) RETURN count(a) AS actors }
CALL (wid) { ` + unionOverTypes(relTypes, "MATCH ()-[r:%s]->() WHERE r.workspaceId = wid RETURN count(r) AS c") + ` }
RETURN wid AS id, actors, sum(c) AS rels`

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
