package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// DieMidImport begins an import into ws, commits ch as its first batch
// and stops there, as a process killed just now would: the import is
// held by another process than s, and its heart beat a moment ago.
// Test-only.
func (s *Neo4j) DieMidImport(ctx context.Context, ws string, ch *domain.Changes) error {
	token := newImportToken()
	if err := s.beginImport(ctx, ws, token, -1); err != nil {
		return err
	}
	tx := &importTx{s: s, ws: ws, write: true, token: token, written: &auditedIDs{}}
	if err := tx.Apply(ctx, ch); err != nil {
		return err
	}
	return s.execWrite(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.importHolder = 'store_of_a_dead_process'", map[string]any{"id": ws})
		return err
	})
}

// ClaimImport takes over the import holding ws for an undo, as the
// undoer does once it finds the import to be undone (claim), whether or
// not it is, and leaves it claimed, not undone (s's own undoer may then
// undo it at any moment); it returns the version the claim gave ws. A
// test needs not make the import look dead, which would let another
// store of the test binary undo it first. Test-only.
func (s *Neo4j) ClaimImport(ctx context.Context, ws string) (int64, error) {
	return writeTx(ctx, s, "test", func(tx neo4j.ManagedTransaction) (int64, error) {
		recs, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) WHERE w.importing IS NOT NULL SET w.__lock = true REMOVE w.__lock RETURN w.id", map[string]any{"id": ws})
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 {
			return 0, fmt.Errorf("no import holds %s", ws)
		}
		return s.undo.takeOver(ctx, tx, ws)
	})
}

// SilenceImport makes the import holding ws look silent for long (its
// heart stopped beating long ago), as if importStale had passed.
// Test-only.
func (s *Neo4j) SilenceImport(ctx context.Context, ws string) error {
	return s.execWrite(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.importBeat = 0", map[string]any{"id": ws})
		return err
	})
}

// ImportHolding is the token of the import that holds ws ("" for none).
// Test-only.
func (s *Neo4j) ImportHolding(ctx context.Context, ws string) (string, error) {
	recs, err := s.readRecords(ctx, "test", "MATCH (w:Workspace {id: $id}) RETURN w.importing AS importing", map[string]any{"id": ws})
	if err != nil || len(recs) == 0 {
		return "", err
	}
	return value[string](recs[0], "importing"), nil
}

// BeforeMovingToBatches has f run when an import moves to batches, after
// its one transaction was rolled back and before it takes the import
// lock. Test-only.
func (s *Neo4j) BeforeMovingToBatches(f func()) { s.beforeBatches = f }

// SetSnapshotBatch sets how many actors, or actors' relationships, one
// record of an analysis snapshot carries (at least one). Test-only.
func (s *Neo4j) SetSnapshotBatch(n int) {
	if n < 1 {
		panic(fmt.Sprintf("SetSnapshotBatch(%d): a batch holds at least one", n))
	}
	s.snapshotBatch = n
}

// UndoRecords counts the ImportUndo nodes of ws. Test-only.
func (s *Neo4j) UndoRecords(ctx context.Context, ws string) (int64, error) {
	recs, err := s.readRecords(ctx, "test", "MATCH (u:ImportUndo) WHERE u.__ws = $ws RETURN count(u) AS n", map[string]any{"ws": ws})
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	return value[int64](recs[0], "n"), nil
}

// SweepImports looks for imports to undo, as the store's undoer does, and
// undoes them; in the background (as the undoer) or not. Test-only.
func (s *Neo4j) SweepImports(background bool) error {
	ctx := domain.WithCaller(context.Background(), system)
	if background {
		ctx = inBackground(ctx)
	}
	_, err := s.undo.sweep(ctx)
	return err
}

// OnUndoStep has f called after each step of every undo s runs, with the
// undone workspace's id and the step's number of all (nil: no more).
// Test-only.
func (s *Neo4j) OnUndoStep(f func(ws string, step, steps int)) {
	if f == nil {
		s.undo.stepped.Store(nil)
		return
	}
	s.undo.stepped.Store(&f)
}

// PassImportTo has holder, a store of another process whose heart beats
// now, claim the import holding ws for its undo, as takeOver would (the
// version moves), but without undoing it: no store of this test binary
// takes it while its heart is fresh. Test-only.
func (s *Neo4j) PassImportTo(ctx context.Context, ws, holder string) error {
	return s.execWrite(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		recs, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) WHERE w.importing IS NOT NULL SET w.__lock = true REMOVE w.__lock RETURN w.id", map[string]any{"id": ws})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("no import holds %s", ws)
		}
		if _, err := s.undo.takeOver(ctx, tx, ws); err != nil {
			return err
		}
		_, err = s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.importHolder = $holder", map[string]any{"id": ws, "holder": holder})
		return err
	})
}

// RunUndoSteps runs every step of an undo of the import holding ws, as s
// would once it had claimed it, but without claiming it, checking that it
// holds it, or ending it. Test-only.
func (s *Neo4j) RunUndoSteps(ctx context.Context, ws string) error {
	token, err := s.ImportHolding(ctx, ws)
	if err != nil {
		return err
	}
	for _, st := range undoSteps() {
		if _, err := s.autoCommit(ctx, "test", st, map[string]any{"ws": ws, "token": token, "me": s.undo.me}); err != nil {
			return err
		}
	}
	return nil
}
