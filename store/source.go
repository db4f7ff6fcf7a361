package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// CreateSource adds a source to a workspace.
func (s *Neo4j) CreateSource(ctx context.Context, workspaceID string, in domain.SourceInput) (*domain.Source, error) {
	const op = "store.CreateSource"
	src, err := domain.NewSource(workspaceID, in)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	t := now()
	src.ID, src.CreatedAt, src.UpdatedAt = domain.NewID(domain.PrefixSource), t, t
	_, err = s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		if err := s.lockWorkspace(ctx, tx, workspaceID); err != nil {
			return nil, err
		}
		if err := s.checkSourceExternalID(ctx, tx, src); err != nil {
			return nil, err
		}
		if _, err := s.run(ctx, tx, "CREATE (x:Source) SET x = $props", map[string]any{"props": sourceProps(src)}); err != nil {
			return nil, err
		}
		return nil, s.auditWrite(ctx, tx, workspaceID, "createSource", []string{src.ID})
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}

func (s *Neo4j) checkSourceExternalID(ctx context.Context, tx neo4j.ManagedTransaction, src *domain.Source) error {
	if src.ExternalID == nil {
		return nil
	}
	recs, err := s.run(ctx, tx, "MATCH (o:Source {workspaceId: $ws, externalId: $ext}) WHERE o.id <> $id RETURN o.id LIMIT 1",
		map[string]any{"ws": src.WorkspaceID, "ext": *src.ExternalID, "id": src.ID})
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		return &errs.Error{Kind: errs.Conflict, Field: "externalId",
			Msg: fmt.Sprintf("externalId %q is already used by another source in this workspace", *src.ExternalID)}
	}
	return nil
}

func (s *Neo4j) sourcesByIDsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) ([]*domain.Source, error) {
	recs, err := s.run(ctx, tx, "UNWIND $ids AS id MATCH (x:Source {id: id}) WHERE "+visible("x")+" RETURN x", map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "x", decodeSource), nil
}

// SourcesByIDs returns the sources that exist among ids.
func (s *Neo4j) SourcesByIDs(ctx context.Context, ids []string) ([]*domain.Source, error) {
	res, err := s.read(ctx, "store.SourcesByIDs", func(tx neo4j.ManagedTransaction) (any, error) {
		return s.sourcesByIDsInTx(ctx, tx, ids)
	})
	if err != nil {
		return nil, err
	}
	noteSources(ctx, res.([]*domain.Source))
	return res.([]*domain.Source), nil
}

// UpdateSource changes a source's fields.
func (s *Neo4j) UpdateSource(ctx context.Context, id string, p domain.SourcePatch) (*domain.Source, error) {
	const op = "store.UpdateSource"
	res, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		cur, err := s.lockSource(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		next, err := p.Apply(*cur)
		if err != nil {
			return nil, err
		}
		next.UpdatedAt = now()
		if err := s.checkSourceExternalID(ctx, tx, next); err != nil {
			return nil, err
		}
		if _, err = s.run(ctx, tx, "MATCH (x:Source {id: $id}) SET x = $props", map[string]any{"id": id, "props": sourceProps(next)}); err != nil {
			return nil, err
		}
		return next, s.auditWrite(ctx, tx, next.WorkspaceID, "updateSource", []string{id})
	})
	if err != nil {
		return nil, err
	}
	return res.(*domain.Source), nil
}

// DeleteSource deletes a source and removes its id from every actor and
// relationship of the workspace that cited it, in the same transaction.
func (s *Neo4j) DeleteSource(ctx context.Context, id string) (*domain.DeleteResult, error) {
	const op = "store.DeleteSource"
	_, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		cur, err := s.lockSource(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := s.unciteInTx(ctx, tx, cur.WorkspaceID, []string{id}); err != nil {
			return nil, err
		}
		if _, err = s.run(ctx, tx, "MATCH (x:Source {id: $id}) DELETE x", map[string]any{"id": id}); err != nil {
			return nil, err
		}
		return nil, s.auditWrite(ctx, tx, cur.WorkspaceID, "deleteSource", []string{id})
	})
	if err != nil {
		return nil, err
	}
	return &domain.DeleteResult{ID: id, SourcesDeleted: 1}, nil
}

// Statements that remove the ids $ids from the sources every actor and
// relationship of workspace $ws cites.
var (
	uncitesActors        = "MATCH (a:Actor {workspaceId: $ws}) WHERE any(x IN a.sourceIds WHERE x IN $ids) SET a.sourceIds = [x IN a.sourceIds WHERE NOT x IN $ids]"
	uncitesRelationships = "CALL () {\n" + unionOverTypes(relTypes,
		"MATCH ()-[r:%s]->() WHERE r.workspaceId = $ws AND any(x IN r.sourceIds WHERE x IN $ids) SET r.sourceIds = [x IN r.sourceIds WHERE NOT x IN $ids] RETURN count(r) AS c") +
		"\n} RETURN sum(c) AS n"
)

// unciteInTx removes sources' ids from everything in workspace ws that
// cites them: what deleting a source, or an import removing sources,
// does before the sources go.
func (s *Neo4j) unciteInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string, ids []string) error {
	p := map[string]any{"ws": ws, "ids": ids}
	for _, stmt := range []string{uncitesActors, uncitesRelationships} {
		if _, err := s.run(ctx, tx, stmt, p); err != nil {
			return err
		}
	}
	return nil
}

const sourceOrder = "source:id"

// ListSources pages through a workspace's sources in id (creation) order.
func (s *Neo4j) ListSources(ctx context.Context, workspaceID string, q PageArgs) (*Page[*domain.Source], error) {
	const op = "store.ListSources"
	c, err := decodeCursor(q.After, sourceOrder)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	params := map[string]any{"ws": workspaceID, "limit": q.First + 1, "after": ""}
	if c != nil {
		params["after"] = c.ID
	}
	res, err := s.read(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		return s.run(ctx, tx, `CALL () { MATCH (x:Source) WHERE x.workspaceId = $ws AND `+visible("x")+` RETURN count(x) AS total }
CALL () { MATCH (x:Source) WHERE x.workspaceId = $ws AND `+visible("x")+` AND x.id > $after WITH x ORDER BY x.id LIMIT $limit RETURN collect(x) AS rows }
RETURN total, rows`, params)
	})
	if err != nil {
		return nil, err
	}
	page := nodePage(res.([]*neo4j.Record), q.First, decodeSource, func(x *domain.Source) cursor {
		return cursor{Order: sourceOrder, ID: x.ID}
	})
	noteSources(ctx, page.Items)
	return page, nil
}
