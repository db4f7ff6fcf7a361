package store

import (
	"context"
	"slices"
	"strings"

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

// AnalysisSnapshot reads a whole workspace for analysis, in one read
// transaction so that the version, the actors and the relationships
// agree: every actor and every relationship of the analysis types,
// whatever their sensitivity, each list in id order. It answers only a
// caller who may see the workspace (NotFound otherwise, like a workspace
// that does not exist); the engine applies the caller's clearance to it
// (analysis.Engine.Graph), so that callers of every clearance share one
// read of the workspace.
//
// The records are decoded as they arrive rather than collected first, and
// the strings every record repeats (the workspace, the ends' ids, the
// type, the sensitivity) share one copy.
func (s *Neo4j) AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error) {
	return readTx(ctx, s, "store.AnalysisSnapshot", func(tx neo4j.ManagedTransaction) (*domain.Snapshot, error) {
		version, err := s.workspaceVersionInTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		snap := &domain.Snapshot{WorkspaceID: id, Version: version}
		// The actors' ids, so that a relationship's ends share them.
		ids := map[string]string{}
		err = s.stream(ctx, tx, snapshotActorsCypher, map[string]any{"ws": id}, func(rec *neo4j.Record) error {
			a := decodeActor(nodeProps(rec, "a"))
			a.WorkspaceID, a.Sensitivity = id, internSensitivity(a.Sensitivity)
			ids[a.ID] = a.ID
			snap.Actors = append(snap.Actors, a)
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(snap.Actors, func(x, y *domain.Actor) int { return strings.Compare(x.ID, y.ID) })
		err = s.stream(ctx, tx, snapshotRelsCypher, map[string]any{"ws": id, "types": analysisTypeNames}, func(rec *neo4j.Record) error {
			r := decodeRelRow(rec)
			r.WorkspaceID = id
			if from, ok := ids[r.FromID]; ok {
				r.FromID = from
			}
			if to, ok := ids[r.ToID]; ok {
				r.ToID = to
			}
			r.Type, r.Sensitivity = internType(r.Type), internSensitivity(r.Sensitivity)
			snap.Relationships = append(snap.Relationships, r)
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(snap.Relationships, func(x, y *domain.Relationship) int { return strings.Compare(x.ID, y.ID) })
		return snap, nil
	})
}

// The snapshot's statements. They read the whole workspace, so they take
// no visibility parameters: the caller's access to the workspace is checked
// by the version's statement, its clearance by the engine. The
// relationships are found from the workspace's actors (the index on
// Actor.workspaceId) in one statement, rather than one indexed branch per
// type, and not sorted by Neo4j.
var (
	snapshotActorsCypher = "MATCH (a:Actor {workspaceId: $ws}) RETURN a"
	snapshotRelsCypher   = "MATCH (a:Actor {workspaceId: $ws})-[r]->(b) WHERE r.workspaceId = $ws AND type(r) IN $types RETURN " + relRow
	analysisTypeNames    = func() []string {
		out := make([]string, len(domain.AnalysisTypes))
		for i, t := range domain.AnalysisTypes {
			out[i] = string(t)
		}
		return out
	}()
)

// internType and internSensitivity return the one copy of a known value
// (the value itself when unknown).
func internType(t domain.RelationshipType) domain.RelationshipType {
	if i := slices.Index(domain.RelationshipTypes, t); i >= 0 {
		return domain.RelationshipTypes[i]
	}
	return t
}

func internSensitivity(s domain.Sensitivity) domain.Sensitivity {
	if i := slices.Index(domain.Sensitivities, s); i >= 0 {
		return domain.Sensitivities[i]
	}
	return s
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
