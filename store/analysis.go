package store

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// WorkspaceVersion is a workspace's version: every write to its content
// bumps it, so a cached copy with the same version is current.
func (s *Neo4j) WorkspaceVersion(ctx context.Context, id string) (int64, error) {
	return readTx(ctx, s, "store.WorkspaceVersion", func(tx neo4j.ManagedTransaction) (int64, error) {
		return s.workspaceVersionInTx(ctx, tx, id)
	})
}

// AnalysisSnapshot reads a workspace for analysis, in one read transaction
// so that the version, the actors and the relationships agree.
func (s *Neo4j) AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error) {
	return readTx(ctx, s, "store.AnalysisSnapshot", func(tx neo4j.ManagedTransaction) (*domain.Snapshot, error) {
		version, err := s.workspaceVersionInTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		snap := &domain.Snapshot{WorkspaceID: id, Version: version}
		if snap.Actors, err = s.workspaceActorsInTx(ctx, tx, id); err != nil {
			return nil, err
		}
		snap.Relationships, err = s.workspaceRelationshipsInTx(ctx, tx, id, snapshotRelsCypher)
		return snap, err
	})
}

// Subgraph returns the actors within depth relationships of center (in
// either direction, of the given types, in force on asOf when it is set),
// and the relationships among them: breadth first, one statement per
// level, stopping at maxActors.
func (s *Neo4j) Subgraph(ctx context.Context, center string, depth int, types []domain.RelationshipType, asOf *domain.Date, maxActors int) (*domain.Subgraph, error) {
	const op = "store.Subgraph"
	typeNames := make([]string, 0, len(types))
	for _, t := range types {
		typeNames = append(typeNames, string(t))
	}
	var at any
	if asOf != nil {
		at = neo4j.DateOf(asOf.Time())
	}
	const relCond = `(size($types) = 0 OR type(r) IN $types) AND ($at IS NULL OR
		((r.validFrom IS NULL OR r.validFrom <= $at) AND (r.validTo IS NULL OR r.validTo > $at)))`
	sg, err := readTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (*domain.Subgraph, error) {
		centerActors, err := s.actorsByIDsInTx(ctx, tx, []string{center})
		if err != nil {
			return nil, err
		}
		if len(centerActors) == 0 {
			return nil, errs.NotFoundf("", "no actor has id %q", center)
		}
		sg := &domain.Subgraph{Center: centerActors[0]}
		ids := []string{center}
		seen := map[string]bool{center: true}
		frontier := []string{center}
		for d := 0; d < depth && len(frontier) > 0 && !sg.Truncated; d++ {
			recs, err := s.run(ctx, tx, `UNWIND $frontier AS fid MATCH (a:Actor {id: fid})-[r]-(b:Actor)
				WHERE `+relCond+` AND `+visible("r")+` AND `+visible("b")+` RETURN DISTINCT b.id AS id ORDER BY id`,
				map[string]any{"frontier": frontier, "types": typeNames, "at": at})
			if err != nil {
				return nil, err
			}
			var next []string
			for _, r := range recs {
				id := value[string](r, "id")
				if seen[id] {
					continue
				}
				if len(ids) >= maxActors {
					sg.Truncated = true
					break
				}
				seen[id] = true
				ids = append(ids, id)
				next = append(next, id)
			}
			frontier = next
		}
		if sg.Actors, err = s.actorsByIDsInTx(ctx, tx, ids); err != nil {
			return nil, err
		}
		recs, err := s.run(ctx, tx, `UNWIND $ids AS aid MATCH (a:Actor {id: aid})-[r]->(b:Actor)
			WHERE b.id IN $ids AND `+relCond+` AND `+visible("r")+` RETURN `+relRow+` ORDER BY r.id`,
			map[string]any{"ids": ids, "types": typeNames, "at": at})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			sg.Relationships = append(sg.Relationships, decodeRelRow(r))
		}
		return sg, nil
	})
	if err != nil {
		return nil, err
	}
	noteActors(ctx, sg.Actors)
	noteRelationships(ctx, sg.Relationships)
	return sg, nil
}
