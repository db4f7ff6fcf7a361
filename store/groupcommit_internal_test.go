package store

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// CreationsQueued says whether a group of plain actor creations is being
// written to ws, and how many creations wait behind it. Test-only.
func (s *Neo4j) CreationsQueued(ws string) (busy bool, waiting int) {
	s.actorGroups.mu.Lock()
	defer s.actorGroups.mu.Unlock()
	q, busy := s.actorGroups.queues[ws]
	if busy {
		waiting = len(q.waiting)
	}
	return busy, waiting
}

// Hold runs cypher in a transaction of its own and keeps it open, with
// the locks it took, until end is called (which commits it). Test-only.
func (s *Neo4j) Hold(ctx context.Context, cypher string, params map[string]any) (end func() error, err error) {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		sess.Close(ctx)
		return nil, err
	}
	res, err := tx.Run(ctx, cypher, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	if err != nil {
		_ = tx.Rollback(ctx)
		sess.Close(ctx)
		return nil, err
	}
	return func() error {
		defer sess.Close(ctx)
		return tx.Commit(ctx)
	}, nil
}
