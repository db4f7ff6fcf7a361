package store

import (
	"context"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ClearTimes gives an actor the times imports once wrote, a zero
// createdAt and no updatedAt, and no sensitivity (as records written
// before it existed), and says whether the actor now has them
// (read in the same statement: another test binary's start-up may mend
// them at any moment after).
func (s *Neo4j) ClearTimes(ctx context.Context, actorID string) (bool, error) {
	recs, err := writeTx(ctx, s, "test.ClearTimes", func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return s.run(ctx, tx, "MATCH (a:Actor {id: $id}) SET a.createdAt = $zero REMOVE a.updatedAt, a.sensitivity "+
			"RETURN a.createdAt < $epoch AND a.updatedAt IS NULL AND a.sensitivity IS NULL AS cleared",
			map[string]any{"id": actorID, "zero": time.Time{}, "epoch": time.Unix(0, 0).UTC()})
	})
	return len(recs) == 1 && value[bool](recs[0], "cleared"), err
}
