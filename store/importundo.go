package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Undoing imports that did not finish. An import that fails undoes itself
// before it answers (Import), but that undo needs Neo4j: an import cut
// off by an outage, or whose process died, leaves its workspace locked
// with its batches in it. The undoer is the one place that finds such
// imports and undoes them, and the only code that runs an undo:
//
//   - an import of this store whose undo failed (Neo4j went away) is
//     undone in the background, retried with a growing pause (at most
//     undoRetryMax) until Neo4j answers;
//   - when the store first reaches Neo4j, and whenever it reaches it again
//     after losing it (noteConnection), it looks in every workspace for
//     imports that nothing runs: this store's own that have ended, and
//     any whose heart has not beaten for importStale (a process that
//     died). One that is silent but not yet stale is looked at again
//     when it would be;
//   - an import that finds its workspace held by such an import undoes it
//     first (beginImport).
//
// An undo first claims the import, under the workspace's lock: it names
// this store as the import's holder and beats its heart while it works,
// so that no other process undoes it at the same time (one finds the
// heart beating and leaves it). In this process, one undo of a workspace
// runs at a time. Until an undo has finished the workspace stays locked
// against writers, and readers see what the import had written.

const (
	// undoRetryFirst and undoRetryMax bound the pause between two tries
	// of the background undo: it doubles from the first to the most.
	undoRetryFirst = time.Second
	undoRetryMax   = 30 * time.Second
)

// undoer owns the undo of imports that did not finish (see above).
type undoer struct {
	s  *Neo4j
	me string // this store, as an import's holder
	mu sync.Mutex
	// running holds the tokens of the imports this store is running: its
	// imports that are not, but whose workspace it still holds, are
	// abandoned and undone.
	running map[string]bool
	busy    map[string]chan struct{} // workspaces being undone here, closed when done
	wake    chan struct{}
	// stepped, when set (by tests only), is called after each step of an
	// undo of workspace ws (step of steps): a test takes the undo over
	// there, as another store would.
	stepped atomic.Pointer[func(ws string, step, steps int)]
}

func newUndoer(s *Neo4j) *undoer {
	return &undoer{s: s, me: "store_" + uuid.NewString(), running: map[string]bool{}, busy: map[string]chan struct{}{},
		wake: make(chan struct{}, 1)}
}

// start and end say that this store runs import token, and no longer.
func (u *undoer) start(token string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.running[token] = true
}

func (u *undoer) end(token string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.running, token)
}

// abandoned says whether an import held by holder is this store's and has
// ended: nothing will finish or undo it but the undoer.
func (u *undoer) abandoned(holder, token string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return holder == u.me && !u.running[token]
}

// undoable says whether an import found holding a workspace, silent for
// since, is to be undone now: it is this store's and has ended, or its
// heart has stopped, unless this store is still running it, whoever holds
// it now (another store may have claimed it and given up): the import
// would write on under this store's own undo. (When it fails, it ends,
// and then its own undo takes it.)
func (u *undoer) undoable(holder, token string, since time.Duration) bool {
	return u.abandoned(holder, token) || since >= importStale && !u.runs(token)
}

// runs says whether this store runs import token.
func (u *undoer) runs(token string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.running[token]
}

// kick has the background loop look for imports to undo now.
func (u *undoer) kick() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// loop undoes, in the background, the imports sweep finds, until the
// store closes: when kicked, again after a failure (with a growing
// pause), and when a silent import would become stale.
func (u *undoer) loop() {
	ctx := inBackground(domain.WithCaller(u.s.life, system))
	var next <-chan time.Time // nil: wait for a kick
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-u.wake:
		case <-next:
		}
		again, err := u.sweep(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			pause := min(undoRetryFirst<<min(failures-1, 10), undoRetryMax)
			u.s.log.Warn("store: undoing imports that did not finish failed; trying again", zap.Int("attempt", failures),
				zap.Duration("retryIn", pause), zap.String("error", errs.Trace(err)))
			next = time.After(pause)
		case again > 0:
			failures = 0
			next = time.After(again)
		default:
			failures = 0
			next = nil
		}
	}
}

// sweep undoes every import found holding a workspace that undoable
// says is to be undone. It returns how long until a silent import of
// another holder would become stale (0: none), and the first error.
func (u *undoer) sweep(ctx context.Context) (time.Duration, error) {
	const op = "store.UndoImports"
	recs, err := u.s.readRecords(ctx, op, `MATCH (w:Workspace) WHERE w.importing IS NOT NULL
		RETURN w.id AS id, w.importing AS token, w.importHolder AS holder, timestamp() - coalesce(w.importBeat, 0) AS since`, nil)
	if err != nil {
		return 0, err
	}
	var again time.Duration
	var first error
	for _, r := range recs {
		ws, token, holder := value[string](r, "id"), value[string](r, "token"), value[string](r, "holder")
		since := time.Duration(value[int64](r, "since")) * time.Millisecond
		if u.undoable(holder, token, since) {
			if err := u.undo(ctx, ws, token); err != nil && first == nil {
				first = err
			}
			continue
		}
		if holder != u.me { // another's, silent for since: look again when it would be stale
			if wait := importStale - since + time.Second; again == 0 || wait < again {
				again = wait
			}
		}
	}
	return again, first
}

// exclusive waits until no other undo of ws runs in this store, or ctx
// ends, and returns what ends its own.
func (u *undoer) exclusive(ctx context.Context, ws string) (func(), error) {
	for {
		u.mu.Lock()
		busy, ok := u.busy[ws]
		if !ok {
			mine := make(chan struct{})
			u.busy[ws] = mine
			u.mu.Unlock()
			return func() {
				u.mu.Lock()
				delete(u.busy, ws)
				u.mu.Unlock()
				close(mine)
			}, nil
		}
		u.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, errs.E("store.Import", errs.Unavailable,
				"an import into this workspace that did not finish is being undone; try again shortly")
		}
	}
}

// takeOver makes this store the holder of the import on ws, its heart
// beating now, and returns the version it gives the workspace. The undo
// changes the workspace step by step, and only its last step moves the
// version on: until then the version is one of the undo's own
// (moveVersion), so that nothing cached of the import, whole or half
// undone, is taken for the workspace meanwhile or after.
func (u *undoer) takeOver(ctx context.Context, tx neo4j.ManagedTransaction, ws string) (version int64, err error) {
	recs, err := u.s.run(ctx, tx, `MATCH (w:Workspace {id: $id})
		SET w.importHolder = $me, w.importBeat = timestamp()`+moveVersion+`
		RETURN w.version AS version`,
		map[string]any{"id": ws, "me": u.me, "step": 1})
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	return value[int64](recs[0], "version"), nil
}

// claim takes import token on ws for this store's undo, when undoable
// says it is to be undone: it becomes the import's holder, and its heart
// beats now. gone says that the import no longer holds ws (it finished,
// was undone, or ws is being deleted): only its undo records are left.
func (u *undoer) claim(ctx context.Context, ws, token string) (claimed, gone bool, was string, err error) {
	type result struct {
		claimed, gone bool
		was           string // the holder before the claim
	}
	res, err := writeTx(ctx, u.s, "store.Import", func(tx neo4j.ManagedTransaction) (result, error) {
		// The lock first, then the read: a filter before it could see
		// the import as it was before a concurrent undo ended it.
		recs, err := u.s.run(ctx, tx, `MATCH (w:Workspace {id: $id}) SET w.__lock = true REMOVE w.__lock
			RETURN w.importing AS importing, w.deleting AS deleting, w.importHolder AS holder,
				timestamp() - coalesce(w.importBeat, 0) AS since`, map[string]any{"id": ws})
		if err != nil {
			return result{}, err
		}
		if len(recs) == 0 || value[string](recs[0], "importing") != token || value[bool](recs[0], "deleting") {
			return result{gone: true}, nil
		}
		since := time.Duration(value[int64](recs[0], "since")) * time.Millisecond
		was := value[string](recs[0], "holder")
		if !u.undoable(was, token, since) {
			return result{}, nil
		}
		_, err = u.takeOver(ctx, tx, ws)
		return result{claimed: true, was: was}, err
	})
	return res.claimed, res.gone, res.was, err
}

// undo undoes import token on workspace ws, if it is still to be undone
// (see claim): deletes what it created, writes every before-image back,
// moves the version on and clears the lock, then deletes the undo
// records (restore, undoSteps). An import that no longer holds ws only
// loses its undo records; one that another live process holds is left to
// it, and so is one that another store claims while this one undoes it.
func (u *undoer) undo(ctx context.Context, ws, token string) error {
	const op = "store.Import"
	release, err := u.exclusive(ctx, ws)
	if err != nil {
		return err
	}
	defer release()
	claimed, gone, was, err := u.claim(ctx, ws, token)
	switch {
	case err != nil:
		return err
	case gone:
		return u.s.dropUndo(ctx, ws, token)
	case !claimed:
		return nil
	case was != u.me:
		u.s.log.Warn("store: undoing an import whose process died", zap.String("workspace", ws), zap.String("import", token))
	}
	stop := make(chan struct{})
	defer close(stop)
	go u.s.heartbeat(context.WithoutCancel(ctx), ws, token, stop)
	if err := u.restore(ctx, ws, token); err != nil {
		if errors.Is(err, errUndoTakenOver) {
			// The other store finishes it, from its undo records: they
			// stay, and so does its claim.
			u.s.log.Warn("store: another process took over the undo of an import; leaving it to that process",
				zap.String("workspace", ws), zap.String("import", token))
			return nil
		}
		// Let another process take it over at once, rather than after
		// importStale (this store tries again too). Neo4j may be away:
		// then this fails, and the import goes stale on its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = u.s.execWrite(rctx, op, func(tx neo4j.ManagedTransaction) error {
			_, err := u.s.run(rctx, tx, "MATCH (w:Workspace {id: $id})"+heldByMe+" SET w.importBeat = 0",
				map[string]any{"id": ws, "token": token, "me": u.me})
			return err
		})
		return err
	}
	u.s.log.Info("store: import undone", zap.String("workspace", ws), zap.String("import", token))
	return u.s.dropUndo(ctx, ws, token)
}

// restore runs the steps of an undo this store has claimed, and clears
// the lock.
//
// Each step commits on its own, so another store may claim the undo
// between two steps, or during one: when this store's heart stopped for
// importStale (a long pause, or Neo4j out of its reach). This store must
// then write no more, and leave the undo records to the claimer, which
// reads them from its first step on; were it to go on, the two would
// write the same before-images at once, and this one would end the
// import and delete the records under the other, or write before-images
// over what writers wrote after the claimer's undo ended. So every inner
// transaction of a step first locks the workspace, and writes nothing if
// this store no longer holds the import then (undoGuard, heldByMe: a
// claim locks the workspace too, so it comes before or after a whole
// inner transaction); before each step, stillHolds stops the undo once
// the claim is lost; and the last statement fails if it no longer holds.
func (u *undoer) restore(ctx context.Context, ws, token string) error {
	const op = "store.Import"
	p := map[string]any{"ws": ws, "token": token, "me": u.me}
	steps := undoSteps()
	for i, st := range steps {
		if err := u.stillHolds(ctx, ws, token); err != nil {
			return err
		}
		if _, err := u.s.autoCommit(ctx, op, st, p); err != nil {
			return u.s.mapErr(op, err)
		}
		if f := u.stepped.Load(); f != nil {
			(*f)(ws, i+1, len(steps))
		}
	}
	return u.s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		// The content is as before the import, but the version does not go
		// back: it moves on once more, above every version the import and
		// the undo took. A version names one content for good, so that a
		// read that began before the import and saw a batch of it is never
		// taken for the workspace after the undo (see beginImport).
		recs, err := u.s.run(ctx, tx, `MATCH (w:Workspace {id: $id})`+heldByMe+moveVersion+`
			REMOVE w.importing, w.importBeat, w.importBase, w.importHolder
			RETURN w.id`,
			map[string]any{"id": ws, "token": token, "me": u.me, "step": 1})
		if err == nil && len(recs) == 0 {
			err = errUndoTakenOver
		}
		return err
	})
}

// undoSteps are the statements of an undo, in order, over the undo
// records of import $token on workspace $ws, run by store $me: each a
// statement of inner transactions, and idempotent, so that an undo that
// stops half way can run again from the start. What the import created
// goes first: a record it removed may come back with an external id that
// a record it created took.
func undoSteps() []string {
	in := func(body string) string {
		return "MATCH (u:ImportUndo) WHERE u.__token = $token AND u.__ws = $ws AND " + body + " IN TRANSACTIONS OF " + fmt.Sprint(undoBatch) + " ROWS"
	}
	var steps []string
	for _, t := range relTypes {
		steps = append(steps, in(fmt.Sprintf("u.__kind = 'created' AND u.__label = '%s' UNWIND u.__ids AS id ", t)+
			undoGuard("id", fmt.Sprintf("MATCH ()-[r:%s]->() WHERE r.id = id DELETE r", t))))
	}
	steps = append(steps,
		in("u.__kind = 'created' AND u.__label = 'Actor' UNWIND u.__ids AS id "+
			undoGuard("id", "MATCH (x:Actor {id: id}) DETACH DELETE x")),
		in("u.__kind = 'created' AND u.__label = 'Source' UNWIND u.__ids AS id "+
			undoGuard("id", "MATCH (x:Source {id: id}) DELETE x")),
		in("u.__kind = 'source' "+
			undoGuard("u", "MERGE (x:Source {id: u.__key}) SET x = properties(u) REMOVE x.__token, x.__ws, x.__key, x.__kind")),
		in("u.__kind = 'actor' "+
			undoGuard("u", "MERGE (x:Actor {id: u.__key}) SET x = properties(u) REMOVE x.__token, x.__ws, x.__key, x.__kind")),
	)
	for _, t := range relTypes {
		steps = append(steps, in(fmt.Sprintf("u.__kind = 'relationship' AND u.__type = '%s' ", t)+
			undoGuard("u", fmt.Sprintf(`OPTIONAL MATCH ()-[old:%[1]s]->() WHERE old.id = u.__key
			DELETE old
			WITH u MATCH (a:Actor {id: u.__from}), (b:Actor {id: u.__to})
			CREATE (a)-[r:%[1]s]->(b) SET r = properties(u) REMOVE r.__token, r.__ws, r.__key, r.__kind, r.__type, r.__from, r.__to`, t))))
	}
	return steps
}

// undoGuard is the subquery of one row of an undo step: body, over
// variable v, run only while store $me holds import $token on workspace
// $ws, whose node it locks first (see restore).
func undoGuard(v, body string) string {
	return "CALL (" + v + ") { MATCH (w:Workspace {id: $ws})" + heldByMe + " WITH " + v + " " + body + " }"
}

// stillHolds fails with errUndoTakenOver when this store no longer holds
// import token on ws: another store claimed its undo (see restore).
func (u *undoer) stillHolds(ctx context.Context, ws, token string) error {
	const op = "store.Import"
	// A write transaction, though it writes nothing: it reads the state
	// the claims were written to (in a cluster, the leader's).
	holds, err := writeTx(ctx, u.s, op, func(tx neo4j.ManagedTransaction) (bool, error) {
		recs, err := u.s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) WHERE w.importing = $token AND w.importHolder = $me RETURN w.id",
			map[string]any{"id": ws, "token": token, "me": u.me})
		return len(recs) > 0, err
	})
	if err == nil && !holds {
		err = errUndoTakenOver
	}
	return err
}

// errUndoTakenOver stops an undo that another store claimed (stillHolds).
// It never reaches a client: undo answers nil, as when another store
// holds the import from the start.
var errUndoTakenOver = errs.E("", errs.Conflict, "another process took over the undo of this import")
