package store

import (
	"context"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// An update of a record (an actor, relationship, source or workspace) is
// a read-modify-write, and every kind does it in the same steps, in one
// write transaction: lock the record (with its workspace, see lock.go)
// and read it as it is now, apply the patch, stamp the update time, check
// the new version against the rest of the workspace, write it whole, and
// audit the write. updateRecord does the steps; a recordUpdate says what
// one kind of record does at each.
type recordUpdate[T any] struct {
	op      string // the store operation, for errors
	audited string // the operation the audit record names
	// lock locks the record with id (and its workspace) and returns it
	// as it is now; NotFound when the caller cannot see it.
	lock func(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*T, error)
	// apply returns a copy of the record with the patch applied and validated.
	apply func(cur T) (*T, error)
	// check checks next, the record as it is about to be written, against
	// the store, and may complete it from cur; nil when there is nothing
	// to check.
	check func(ctx context.Context, tx neo4j.ManagedTransaction, cur, next *T) error
	// set is the statement that writes $props over the record whose id is
	// $id, and next's properties.
	set func(next *T) (cypher string, props map[string]any)
	// updatedAt is where next keeps its update time.
	updatedAt func(next *T) *time.Time
	// workspace is the workspace next belongs to, for the audit record.
	workspace func(next *T) string
}

// updateRecord updates the record with id as u says, and returns it as it
// was written.
func updateRecord[T any](ctx context.Context, s *Neo4j, id string, u recordUpdate[T]) (*T, error) {
	return writeTx(ctx, s, u.op, func(tx neo4j.ManagedTransaction) (*T, error) {
		cur, err := u.lock(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		next, err := u.apply(*cur)
		if err != nil {
			return nil, err
		}
		*u.updatedAt(next) = now()
		if u.check != nil {
			if err := u.check(ctx, tx, cur, next); err != nil {
				return nil, err
			}
		}
		cypher, props := u.set(next)
		if _, err := s.run(ctx, tx, cypher, map[string]any{"id": id, "props": props}); err != nil {
			return nil, err
		}
		noteWritten(tx, next)
		return next, s.auditWrite(ctx, tx, u.workspace(next), u.audited, []string{id})
	})
}
