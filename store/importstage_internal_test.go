package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// DeadImportHolder is the store that holds the imports DieMidImport
// leaves: one of another process. Test-only.
const DeadImportHolder = "store_of_a_dead_process"

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
		_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.importHolder = $holder", map[string]any{"id": ws, "holder": DeadImportHolder})
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

// RunUndoStepsAs runs every step of an undo of the import holding ws, as
// store me would once it had claimed it, but without claiming it,
// checking that me holds it, or ending it. Test-only.
func (s *Neo4j) RunUndoStepsAs(ctx context.Context, ws, me string) error {
	token, err := s.ImportHolding(ctx, ws)
	if err != nil {
		return err
	}
	for _, st := range undoSteps() {
		if _, err := s.autoCommit(ctx, "test", st, map[string]any{"ws": ws, "token": token, "me": me}); err != nil {
			return err
		}
	}
	return nil
}

// PassImportToWhile has holder (another process's live store, as in
// PassImportTo) claim the import on ws in a transaction that stays open
// while during runs, and commits it once one of during's transactions
// waits for the workspace's lock, which the claim holds (SHOW
// TRANSACTIONS says so); then it returns what during returns. It fails if
// during ends without ever waiting. Test-only.
func (s *Neo4j) PassImportToWhile(ctx context.Context, ws, holder string, during func() error) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		return err
	}
	defer tx.Close(ctx)
	res, err := tx.Run(ctx, `MATCH (w:Workspace {id: $id}) WHERE w.importing IS NOT NULL
		SET w.importHolder = $holder, w.importBeat = timestamp()`+moveVersion+` RETURN w.id`,
		map[string]any{"id": ws, "holder": holder, "step": 1})
	if err != nil {
		return err
	}
	if _, err := res.Single(ctx); err != nil {
		return fmt.Errorf("no import holds %s: %w", ws, err)
	}
	done := make(chan error, 1)
	go func() { done <- during() }()
	// giveUp rolls the claim back, which lets during go on, and waits for
	// it: no test's failure leaves it running behind the test.
	giveUp := func(err error) error {
		_ = tx.Rollback(ctx)
		<-done
		return err
	}
	// A generous bound, reached only when SHOW TRANSACTIONS never shows
	// the wait (a failure, not slowness): the claim has no timeout, and
	// during would wait for it for ever.
	deadline := time.After(2 * time.Minute)
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			_ = tx.Rollback(ctx)
			return fmt.Errorf("what ran during the claim never waited for it (it answered %v)", err)
		case <-deadline:
			return giveUp(errors.New("SHOW TRANSACTIONS never showed what ran during the claim waiting for its lock"))
		case <-time.After(10 * time.Millisecond):
		}
		if waiting, err = s.waitsOnLock(ctx, ws); err != nil {
			return giveUp(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return giveUp(err)
	}
	return <-done
}

// waitsOnLock says whether a transaction of a statement over workspace
// $ws (an undo step), or an inner transaction of one, is blocked on a
// lock. Test-only.
func (s *Neo4j) waitsOnLock(ctx context.Context, ws string) (bool, error) {
	recs, err := s.readRecords(ctx, "test", "SHOW TRANSACTIONS YIELD transactionId, outerTransactionId, status, parameters", nil)
	if err != nil {
		return false, err
	}
	ours := map[string]bool{}
	for _, r := range recs {
		if p, _ := r.AsMap()["parameters"].(map[string]any); p["ws"] == ws {
			ours[fmt.Sprint(r.AsMap()["transactionId"])] = true
		}
	}
	for _, r := range recs {
		m := r.AsMap()
		status, _ := m["status"].(string)
		if strings.HasPrefix(status, "Blocked") && (ours[fmt.Sprint(m["transactionId"])] || ours[fmt.Sprint(m["outerTransactionId"])]) {
			return true, nil
		}
	}
	return false, nil
}
