package store

import (
	"context"
	"time"
)

// ClearTimes gives an actor the times imports once wrote: a zero
// createdAt and no updatedAt (for tests of the repair at start-up).
func (s *Neo4j) ClearTimes(ctx context.Context, actorID string) error {
	_, err := s.autoCommit(ctx, "test.ClearTimes", "MATCH (a:Actor {id: $id}) SET a.createdAt = $zero REMOVE a.updatedAt",
		map[string]any{"id": actorID, "zero": time.Time{}})
	return err
}
