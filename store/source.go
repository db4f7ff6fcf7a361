package store

import (
	"context"
	"fmt"
	"time"

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
	err = s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		if err := s.lockWorkspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		if err := s.checkSourceExternalID(ctx, tx, src); err != nil {
			return err
		}
		if _, err := s.run(ctx, tx, "CREATE (x:Source) SET x = $props", map[string]any{"props": sourceProps(src)}); err != nil {
			return err
		}
		return s.auditWrite(ctx, tx, workspaceID, "createSource", []string{src.ID})
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

var sourcesByIDCypher = "UNWIND $ids AS id MATCH (x:Source {id: id}) WHERE " + visible("x") + " RETURN x"

// SourcesByIDs returns the sources that exist among ids.
func (s *Neo4j) SourcesByIDs(ctx context.Context, ids []string) ([]*domain.Source, error) {
	recs, err := s.readRecords(ctx, "store.SourcesByIDs", sourcesByIDCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	xs := nodesOf(recs, "x", decodeSource)
	noteSources(ctx, xs)
	return xs, nil
}

// UpdateSource changes a source's fields.
func (s *Neo4j) UpdateSource(ctx context.Context, id string, p domain.SourcePatch) (*domain.Source, error) {
	return updateRecord(ctx, s, id, recordUpdate[domain.Source]{
		op: "store.UpdateSource", audited: "updateSource",
		lock: s.lockSource, apply: p.Apply,
		check: func(ctx context.Context, tx neo4j.ManagedTransaction, _, next *domain.Source) error {
			return s.checkSourceExternalID(ctx, tx, next)
		},
		set: func(next *domain.Source) (string, map[string]any) {
			return "MATCH (x:Source {id: $id}) SET x = $props", sourceProps(next)
		},
		updatedAt: func(x *domain.Source) *time.Time { return &x.UpdatedAt },
		workspace: func(x *domain.Source) string { return x.WorkspaceID },
	})
}

// DeleteSource deletes a source and removes its id from every actor and
// relationship of the workspace that cited it, in the same transaction.
func (s *Neo4j) DeleteSource(ctx context.Context, id string) (*domain.DeleteResult, error) {
	const op = "store.DeleteSource"
	err := s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		cur, err := s.lockSource(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.unciteInTx(ctx, tx, cur.WorkspaceID, []string{id}); err != nil {
			return err
		}
		if _, err = s.run(ctx, tx, "MATCH (x:Source {id: $id}) DELETE x", map[string]any{"id": id}); err != nil {
			return err
		}
		return s.auditWrite(ctx, tx, cur.WorkspaceID, "deleteSource", []string{id})
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
	recs, err := s.readRecords(ctx, op, `CALL () { MATCH (x:Source) WHERE x.workspaceId = $ws AND `+visible("x")+` RETURN count(x) AS total }
CALL () { MATCH (x:Source) WHERE x.workspaceId = $ws AND `+visible("x")+` AND x.id > $after WITH x ORDER BY x.id LIMIT $limit RETURN collect(x) AS rows }
RETURN total, rows`, params)
	if err != nil {
		return nil, err
	}
	page := nodePage(recs, q.First, decodeSource, func(x *domain.Source) cursor {
		return cursor{Order: sourceOrder, ID: x.ID}
	})
	noteSources(ctx, page.Items)
	return page, nil
}
