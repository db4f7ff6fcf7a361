package store

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// CreationsQueued says whether a group of plain actor creations is being
// written to ws, and how many creations wait behind it. Test-only.
func (s *Neo4j) CreationsQueued(ws string) (busy bool, waiting int) { return s.creations.queued(ws) }

// ReadAuditsQueued is CreationsQueued for the audit records of reads.
// Test-only.
func (s *Neo4j) ReadAuditsQueued() (busy bool, waiting int) { return s.readAudits.queued("") }

// BeforeReadAuditGroup has f run before each group of read audit records
// is written. Test-only.
func (s *Neo4j) BeforeReadAuditGroup(f func()) { s.readAudits.before = f }

// queued says whether a group is being written under key, and how many
// members wait behind it.
func (g *groups) queued(key string) (busy bool, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	q, busy := g.queues[key]
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
