package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// importBatch is how many rows one UNWIND statement of an import takes.
const importBatch = 10_000

// Contents reads everything a workspace holds, in one read transaction:
// what an export writes.
func (s *Neo4j) Contents(ctx context.Context, ws string) (*domain.Contents, error) {
	c, err := readTx(ctx, s, "store.Contents", func(tx neo4j.ManagedTransaction) (*domain.Contents, error) {
		return s.contentsInTx(ctx, tx, ws)
	})
	if err != nil {
		return nil, err
	}
	noteSources(ctx, c.Sources)
	noteActors(ctx, c.Actors)
	noteRelationships(ctx, c.Relationships)
	return c, nil
}

func (s *Neo4j) contentsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string) (*domain.Contents, error) {
	version, err := s.workspaceVersionInTx(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	c := &domain.Contents{Version: version}
	recs, err := s.run(ctx, tx, "MATCH (x:Source) WHERE x.workspaceId = $ws AND "+visible("x")+" RETURN x ORDER BY x.id", map[string]any{"ws": ws})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		c.Sources = append(c.Sources, decodeSource(nodeProps(r, "x")))
	}
	if c.Actors, err = s.workspaceActorsInTx(ctx, tx, ws); err != nil {
		return nil, err
	}
	c.Relationships, err = s.workspaceRelationshipsInTx(ctx, tx, ws, allRelsCypher)
	return c, err
}

// Import runs import fn on workspace ws, all or nothing: all that fn
// writes is kept when it returns nil, and none of it when it returns an
// error (which Import returns), when Neo4j goes away or when ctx ends.
// Nothing is retried as a whole: fn reads the import's files as it goes.
//
// A dry run (write false) reads in one read transaction and may not
// write. A write import begins as any other write: one transaction that
// locks the workspace, reads, checks and writes, and commits at the end.
// Most imports end there. One whose changes grow past importInOneTx
// moves to batches (see importstage.go): it rolls its transaction back,
// takes the workspace's import lock (refused should the workspace have
// changed meanwhile), writes what it had written again, and goes on a
// transaction per Apply, each with what undoes it; a failure then undoes
// every batch already committed. One known to be large before it starts
// (domain.ImportRows) goes in batches from its start.
func (s *Neo4j) Import(ctx context.Context, ws string, write bool, fn func(ctx context.Context, tx domain.ImportTx) error) error {
	const op = "store.Import"
	if !write {
		sess := s.session(ctx, neo4j.AccessModeRead)
		defer sess.Close(context.WithoutCancel(ctx))
		tx, err := sess.BeginTransaction(ctx, txTimeout(ctx)...)
		if err != nil {
			return s.mapErr(op, err)
		}
		defer tx.Close(context.WithoutCancel(ctx))
		otx := &opTx{ManagedTransaction: tx, op: op, n: 1} // names the import in run's log
		return fn(ctx, &importTx{s: s, ws: ws, read: inTxOf(s, otx)})
	}
	itx := &importTx{s: s, ws: ws, write: true, written: &auditedIDs{}}
	// Should fn panic: the transaction is rolled back, or the import ends
	// (its heart stops, and the undoer undoes it).
	defer func() {
		if itx.one != nil {
			itx.one.close()
		}
		if itx.ended != nil {
			itx.ended()
		}
	}()
	// An import known to be large goes in batches from its start: moving
	// part way, it would hold the workspace's lock while it reads and
	// plans, and a write that queued meanwhile would change the workspace
	// before the import could take its import lock.
	large := domain.ImportRows(ctx) > s.importInOneTx
	var one *oneTx
	var err error
	if !large {
		one, err = s.beginOneTx(ctx, ws)
	}
	switch {
	case large || errors.Is(err, errImporting):
		// Large, or another import holds the workspace: perhaps one that
		// nothing runs any more, which beginImport undoes first.
		if err := itx.toBatches(ctx, -1); err != nil {
			return itx.finishBatches(ctx, err)
		}
	case err != nil:
		return err
	default:
		itx.one, itx.read = one, inTxOf(s, one.tx)
	}
	err = fn(ctx, itx)
	if itx.one != nil {
		return itx.one.finish(ctx, s, ws, itx.written, err)
	}
	return itx.finishBatches(ctx, err)
}

// inTxOf runs an import's reads in its one transaction.
func inTxOf(s *Neo4j, tx *opTx) func(func(neo4j.ManagedTransaction) error) error {
	return func(f func(neo4j.ManagedTransaction) error) error {
		return s.mapErr("store.Import", f(tx), tx.failedStatement()...)
	}
}

// oneTx is a write import's one transaction, while it has one.
type oneTx struct {
	etx     neo4j.ExplicitTransaction
	tx      *opTx             // etx, named for run's log
	base    int64             // the workspace's version before the import
	applied int               // changes written so far
	kept    []*domain.Changes // what was written, to write again in batches
	close   func()            // rolls back, unless committed
}

// importInOneTx is Config.ImportInOneTx with its default.
func importInOneTx(n int) int {
	if n == 0 {
		return 20_000
	}
	return n // a negative one: no import fits
}

// beginOneTx opens a write import's transaction and locks its workspace.
func (s *Neo4j) beginOneTx(ctx context.Context, ws string) (*oneTx, error) {
	const op = "store.Import"
	sess := s.session(ctx, neo4j.AccessModeWrite)
	tx, err := sess.BeginTransaction(ctx, txTimeout(ctx)...)
	if err != nil {
		s.noteConnection(err)
		sess.Close(context.WithoutCancel(ctx))
		return nil, s.mapErr(op, err)
	}
	one := &oneTx{etx: tx, tx: &opTx{ManagedTransaction: tx, op: op, n: 1}}
	one.close = sync.OnceFunc(func() {
		tx.Close(context.WithoutCancel(ctx))
		sess.Close(context.WithoutCancel(ctx))
	})
	version, err := s.lockWorkspaceVersion(ctx, one.tx, ws)
	if err != nil {
		one.close()
		return nil, s.mapErr(op, err, one.tx.failedStatement()...)
	}
	one.base = version - 1
	return one, nil
}

// finish commits the import's one transaction, with its audit record, when
// the import's work ended without error (err nil), and rolls it back
// otherwise.
func (one *oneTx) finish(ctx context.Context, s *Neo4j, ws string, written *auditedIDs, err error) error {
	const op = "store.Import"
	defer one.close()
	if err != nil {
		return err
	}
	if written.count > 0 {
		if _, err := s.run(ctx, one.tx, createAudit, map[string]any{"props": auditProps(written.record(ctx, ws, "importActorMap"))}); err != nil {
			return s.mapErr(op, err, one.tx.failedStatement()...)
		}
	}
	err = one.etx.Commit(ctx)
	s.noteConnection(err)
	return s.mapErr(op, err)
}

// toBatches moves the import to batches: its one transaction, if it has
// one, is rolled back, the workspace's import lock taken (refused unless
// the workspace is still at version base; -1: whatever its version), and
// what the transaction had written is written again as the first batches.
func (t *importTx) toBatches(ctx context.Context, base int64) error {
	var kept []*domain.Changes
	if t.one != nil {
		base, kept = t.one.base, t.one.kept
		t.one.close()
		t.one = nil
	}
	if t.s.beforeBatches != nil {
		t.s.beforeBatches() // a test's write between the two
	}
	token := newImportToken()
	t.s.undo.start(token)
	if err := t.s.beginImport(ctx, t.ws, token, base); err != nil {
		// Should the lock have been taken all the same (its commit
		// answered, but the answer lost), the undoer releases it.
		t.s.undo.end(token)
		return err
	}
	t.token = token
	// The heart beats until the import is kept or has ended, whatever ctx
	// does (and even should the import's work panic: it then ends, and
	// the undoer undoes it); an undo beats its own.
	stop := make(chan struct{})
	var once sync.Once
	t.ended = func() { once.Do(func() { close(stop); t.s.undo.end(token) }) }
	go t.s.heartbeat(context.WithoutCancel(ctx), t.ws, token, stop)
	t.read = func(f func(neo4j.ManagedTransaction) error) error { return t.s.execRead(ctx, "store.Import", f) }
	for _, ch := range kept {
		if err := t.applyBatches(ctx, ch); err != nil {
			return err
		}
	}
	return nil
}

// finishBatches ends an import that moved to batches: when its work ended
// without error (err nil), one last transaction writes its audit record
// and releases the lock; otherwise, or should that fail, the workspace
// goes back to what it held (its version moves on) before the import answers,
// even when ctx was cancelled (but not past its deadline). When that
// fails, the undoer tries again in the background until Neo4j answers,
// and the answer is the import's own error.
func (t *importTx) finishBatches(ctx context.Context, err error) error {
	const op = "store.Import"
	s, ws, token := t.s, t.ws, t.token
	if token == "" { // the move to batches failed before it took the lock
		return err
	}
	defer t.ended()
	if err == nil && t.written.count > 0 {
		err = s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
			if err := s.lockImport(ctx, tx, ws, token); err != nil {
				return err
			}
			if _, err := s.run(ctx, tx, createAudit, map[string]any{"props": auditProps(t.written.record(ctx, ws, "importActorMap"))}); err != nil {
				return err
			}
			_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) REMOVE w.importing, w.importBeat, w.importBase, w.importHolder", map[string]any{"id": ws})
			return err
		})
		if err == nil {
			t.ended()
			// The import is kept: its undo records are garbage, which the
			// next import into the workspace drops if this cannot.
			if err := s.dropUndo(ctx, ws, token); err != nil {
				s.log.Warn("store: an import's undo records were not deleted; the next import deletes them",
					zap.String("workspace", ws), zap.String("import", token), zap.String("error", errs.Trace(err)))
			}
			return nil
		}
	}
	t.ended()
	uctx, cancel := undoContext(ctx)
	defer cancel()
	if uerr := s.undo.undo(uctx, ws, token); uerr != nil {
		s.log.Warn("store: an import failed and could not be undone yet; undoing it in the background",
			zap.String("workspace", ws), zap.String("import", token), zap.String("error", errs.Trace(uerr)))
		s.undo.kick()
		if err == nil {
			err = uerr
		}
	}
	return err
}

// undoContext is the context a failed import's own undo runs in: ctx's
// values and deadline, without its cancellation (a client that leaves
// does not stop the undo; a request out of time leaves it to the
// background).
func undoContext(ctx context.Context) (context.Context, context.CancelFunc) {
	u := context.WithoutCancel(ctx)
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(u, d)
	}
	return u, func() {}
}

// importTx is an import's view of the store: one read transaction for a
// dry run; for a write import, one write transaction (one) until its
// changes outgrow it, then a read transaction per lookup and a write
// transaction per Apply, under the import's lock (token).
type importTx struct {
	s       *Neo4j
	ws      string
	write   bool
	one     *oneTx // the write import's one transaction, until it moves to batches
	token   string // the import's lock, once it has moved to batches
	ended   func() // ends the import's heartbeat, once it has moved to batches
	read    func(func(neo4j.ManagedTransaction) error) error
	written *auditedIDs // what the import wrote, for its audit record
}

// execRead runs fn, a read, in a read transaction of its own.
func (s *Neo4j) execRead(ctx context.Context, op string, fn func(tx neo4j.ManagedTransaction) error) error {
	_, err := readTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, fn(tx)
	})
	return err
}

// The statements an import's lookups send. Each finds records through an
// index (the id constraints, (workspaceId, externalId), per relationship
// type), a batch of keys at a time: an import's reads cost what its rows
// name, whatever the size of the workspace. Only ActorNames reads the
// workspace's actors (through the workspace index, in Neo4j): a name is
// matched in any case, and Neo4j has no index on an expression. Records
// the caller may not see are not found, as they were not read before.
// Every seek names its index: planned once for a batch, with $ws known
// and the keys not, Neo4j would otherwise seek the workspace index and
// filter every record of the workspace for every key (as in applyInTx),
// which made the second chunk of a growing import 30 times slower.
var (
	lookupSourcesCypher = `UNWIND $keys AS k CALL (k) {
		MATCH (x:Source {workspaceId: $ws, externalId: k}) USING INDEX x:Source(workspaceId, externalId) RETURN x
		UNION
		MATCH (x:Source {id: k}) USING INDEX x:Source(id) WHERE x.workspaceId = $ws AND x.externalId IS NULL RETURN x
	} WITH DISTINCT x WHERE ` + visible("x") + ` RETURN x`
	lookupActorsCypher = `UNWIND $keys AS k CALL (k) {
		MATCH (a:Actor {workspaceId: $ws, externalId: k}) USING INDEX a:Actor(workspaceId, externalId) RETURN a
		UNION
		MATCH (a:Actor {id: k}) USING INDEX a:Actor(id) WHERE a.workspaceId = $ws AND a.externalId IS NULL RETURN a
	} WITH DISTINCT a WHERE ` + visible("a") + ` RETURN a`
	lookupActorIDsCypher   = "UNWIND $ids AS id MATCH (a:Actor {id: id}) USING INDEX a:Actor(id) WHERE a.workspaceId = $ws AND " + visible("a") + " RETURN a"
	lookupActorNamesCypher = "MATCH (a:Actor) WHERE a.workspaceId = $ws AND toLower(a.name) IN $names AND " + visible("a") + " RETURN a"
	lookupRelKeysCypher    = "UNWIND $keys AS k CALL (k) {\n" + unionOverTypes(relTypes,
		"MATCH (a)-[r:%[1]s]->(b) USING INDEX r:%[1]s(workspaceId, externalId) WHERE r.workspaceId = $ws AND r.externalId = k AND "+visibleRel("r", "a", "b")+" RETURN "+relRow+
			"\nUNION ALL\nMATCH (a)-[r:%[1]s]->(b) USING INDEX r:%[1]s(id) WHERE r.id = k AND r.workspaceId = $ws AND r.externalId IS NULL AND "+visibleRel("r", "a", "b")+" RETURN "+relRow) +
		"\n} RETURN r, relType, fromId, toId"
	lookupRelEndsCypher = `UNWIND $ends AS e MATCH (a:Actor {id: e[0]})-[r]->(b:Actor {id: e[1]}) USING INDEX a:Actor(id)
		WHERE a.workspaceId = $ws AND r.workspaceId = $ws AND r.externalId IS NULL AND ` + visibleRel("r", "a", "b") + " RETURN " + relRow
	lookupRelsOfCypher = `UNWIND $ids AS id MATCH (x:Actor {id: id})-[r]-() USING INDEX x:Actor(id) WHERE x.workspaceId = $ws
		WITH DISTINCT r WITH r, startNode(r) AS a, endNode(r) AS b WHERE ` + visibleRel("r", "a", "b") + " RETURN " + relRow

	restSourcesCypher = "MATCH (x:Source) WHERE x.workspaceId = $ws AND NOT x.id IN $keep AND " + visible("x") + " RETURN x ORDER BY x.id"
	restActorsCypher  = "MATCH (a:Actor) WHERE a.workspaceId = $ws AND NOT a.id IN $keep AND " + visible("a") + " RETURN a ORDER BY a.id"
	restRelsCypher    = "CALL () {\n" + unionOverTypes(relTypes, "MATCH (a)-[r:%s]->(b) WHERE r.workspaceId = $ws AND NOT r.id IN $keep AND "+
		visibleRel("r", "a", "b")+" RETURN "+relRow) + "\n} RETURN r, relType, fromId, toId ORDER BY r.id"
)

// lookupBatch is how many keys one lookup statement takes.
const lookupBatch = 10_000

// Lookup reads the records q names, a batch of keys per statement.
func (t *importTx) Lookup(ctx context.Context, q *domain.ImportLookup) (*domain.Contents, error) {
	c := &domain.Contents{}
	// Each step sends its statement a batch of keys at a time and keeps
	// what it finds.
	type step struct {
		cypher, param string
		n             int
		arg           func(start, end int) any
		keep          func(r *neo4j.Record)
	}
	strs := func(xs []string) func(int, int) any { return func(s, e int) any { return xs[s:e] } }
	source := func(r *neo4j.Record) { c.Sources = append(c.Sources, decodeSource(nodeProps(r, "x"))) }
	actor := func(r *neo4j.Record) { c.Actors = append(c.Actors, decodeActor(nodeProps(r, "a"))) }
	rel := func(r *neo4j.Record) { c.Relationships = append(c.Relationships, decodeRelRow(r)) }
	ends := func(start, end int) any {
		out := make([][]string, 0, end-start)
		for _, e := range q.RelationshipEnds[start:end] {
			out = append(out, []string{e[0], e[1]})
		}
		return out
	}
	steps := []step{
		{lookupSourcesCypher, "keys", len(q.SourceKeys), strs(q.SourceKeys), source},
		{lookupActorsCypher, "keys", len(q.ActorKeys), strs(q.ActorKeys), actor},
		{lookupActorIDsCypher, "ids", len(q.ActorIDs), strs(q.ActorIDs), actor},
		{lookupActorNamesCypher, "names", len(q.ActorNames), strs(q.ActorNames), actor},
		{lookupRelKeysCypher, "keys", len(q.RelationshipKeys), strs(q.RelationshipKeys), rel},
		{lookupRelEndsCypher, "ends", len(q.RelationshipEnds), ends, rel},
		{lookupRelsOfCypher, "ids", len(q.RelationshipsOf), strs(q.RelationshipsOf), rel},
	}
	for _, st := range steps {
		for start := 0; start < st.n; start += lookupBatch {
			var recs []*neo4j.Record
			err := t.read(func(tx neo4j.ManagedTransaction) (err error) {
				recs, err = t.s.run(ctx, tx, st.cypher, map[string]any{"ws": t.ws, st.param: st.arg(start, min(start+lookupBatch, st.n))})
				return err
			})
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				st.keep(r)
			}
		}
	}
	t.note(ctx, c)
	return c, nil
}

// Rest reads the workspace's records of one kind that are not among
// keep: what a sync removes. Neo4j tests NOT IN against a large list as a
// set, so this is one pass over the workspace's records of that kind, in
// Neo4j, returning only those that go.
func (t *importTx) Rest(ctx context.Context, kind string, keep []string) (*domain.Contents, error) {
	c := &domain.Contents{}
	params := map[string]any{"ws": t.ws, "keep": keep}
	cyphers := map[string]string{"sources": restSourcesCypher, "actors": restActorsCypher, "relationships": restRelsCypher}
	cypher, ok := cyphers[kind]
	if !ok {
		return nil, &errs.Error{Op: "store.Import", Kind: errs.Internal, Msg: fmt.Sprintf("no kind of record is called %q", kind)}
	}
	var recs []*neo4j.Record
	err := t.read(func(tx neo4j.ManagedTransaction) (err error) {
		recs, err = t.s.run(ctx, tx, cypher, params)
		return err
	})
	if err == nil {
		switch kind {
		case "sources":
			c.Sources = nodesOf(recs, "x", decodeSource)
		case "actors":
			c.Actors = nodesOf(recs, "a", decodeActor)
		default:
			for _, r := range recs {
				c.Relationships = append(c.Relationships, decodeRelRow(r))
			}
		}
	}
	if err != nil {
		return nil, err
	}
	t.note(ctx, c)
	return c, nil
}

// note audits what an import read: its report can name what it matched
// or would remove, so its read of confidential records is audited like
// any other.
func (t *importTx) note(ctx context.Context, c *domain.Contents) {
	noteSources(ctx, c.Sources)
	noteActors(ctx, c.Actors)
	noteRelationships(ctx, c.Relationships)
}

func (t *importTx) Apply(ctx context.Context, ch *domain.Changes) error {
	const op = "store.Import"
	if !t.write {
		return &errs.Error{Op: op, Kind: errs.Internal, Msg: "a dry run tried to write"}
	}
	t.written.addChanges(ch)
	stampTimes(ch, now())
	if one := t.one; one != nil {
		if one.applied+ch.Size() <= t.s.importInOneTx {
			if err := t.s.applyInTx(ctx, one.tx, t.ws, ch); err != nil {
				return t.s.mapErr(op, err, one.tx.failedStatement()...)
			}
			one.applied += ch.Size()
			one.kept = append(one.kept, ch)
			return nil
		}
		if err := t.toBatches(ctx, -1); err != nil {
			return err
		}
	}
	return t.applyBatches(ctx, ch)
}

// applyBatches writes ch in transactions of at most applyBatch changes,
// each with what undoes it.
func (t *importTx) applyBatches(ctx context.Context, ch *domain.Changes) error {
	for _, part := range splitChanges(ch, applyBatch) {
		err := t.s.execWrite(ctx, "store.Import", func(tx neo4j.ManagedTransaction) error {
			if err := t.s.lockImport(ctx, tx, t.ws, t.token); err != nil {
				return err
			}
			if err := t.s.stageUndo(ctx, tx, t.ws, t.token, part); err != nil {
				return err
			}
			if err := t.s.applyInTx(ctx, tx, t.ws, part); err != nil {
				return err
			}
			return t.s.beatInTx(ctx, tx, t.ws)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// applyBatch is how many changes one transaction of an import commits at
// most: a file's 100,000 actors in one transaction need more than the
// transaction memory of a 1g Neo4j heap.
const applyBatch = 20_000

// splitChanges cuts ch into parts of at most n changes of one kind each,
// in the order applyInTx writes them (removals, then sources, actors and
// relationships). Removed sources stop being cited as soon as they go,
// rather than after what ch creates and updates: nothing an import writes
// cites a source it removes (the planner reports such a row as a problem).
func splitChanges(ch *domain.Changes, n int) []*domain.Changes {
	if ch.Size() <= n {
		return []*domain.Changes{ch}
	}
	var out []*domain.Changes
	add := func(size int, part func(lo, hi int) *domain.Changes) {
		for lo := 0; lo < size; lo += n {
			out = append(out, part(lo, min(lo+n, size)))
		}
	}
	add(len(ch.RemoveRelationships), func(lo, hi int) *domain.Changes {
		return &domain.Changes{RemoveRelationships: ch.RemoveRelationships[lo:hi]}
	})
	add(len(ch.RemoveActors), func(lo, hi int) *domain.Changes { return &domain.Changes{RemoveActors: ch.RemoveActors[lo:hi]} })
	add(len(ch.RemoveSources), func(lo, hi int) *domain.Changes { return &domain.Changes{RemoveSources: ch.RemoveSources[lo:hi]} })
	add(len(ch.CreateSources), func(lo, hi int) *domain.Changes { return &domain.Changes{CreateSources: ch.CreateSources[lo:hi]} })
	add(len(ch.UpdateSources), func(lo, hi int) *domain.Changes { return &domain.Changes{UpdateSources: ch.UpdateSources[lo:hi]} })
	add(len(ch.CreateActors), func(lo, hi int) *domain.Changes { return &domain.Changes{CreateActors: ch.CreateActors[lo:hi]} })
	add(len(ch.UpdateActors), func(lo, hi int) *domain.Changes { return &domain.Changes{UpdateActors: ch.UpdateActors[lo:hi]} })
	add(len(ch.CreateRelationships), func(lo, hi int) *domain.Changes {
		return &domain.Changes{CreateRelationships: ch.CreateRelationships[lo:hi]}
	})
	add(len(ch.UpdateRelationships), func(lo, hi int) *domain.Changes {
		return &domain.Changes{UpdateRelationships: ch.UpdateRelationships[lo:hi]}
	})
	return out
}

// stampTimes gives what an import creates its createdAt and what it
// creates or updates its updatedAt, as the store's own writes do (the
// planner keeps an updated record's createdAt).
func stampTimes(ch *domain.Changes, t time.Time) {
	for _, x := range ch.CreateSources {
		x.CreatedAt, x.UpdatedAt = t, t
	}
	for _, x := range ch.UpdateSources {
		x.UpdatedAt = t
	}
	for _, a := range ch.CreateActors {
		a.CreatedAt, a.UpdatedAt = t, t
	}
	for _, a := range ch.UpdateActors {
		a.UpdatedAt = t
	}
	for _, r := range ch.CreateRelationships {
		r.CreatedAt, r.UpdatedAt = t, t
	}
	for _, r := range ch.UpdateRelationships {
		r.UpdatedAt = t
	}
}

// applyInTx writes changes in tx. Rows go in with UNWIND, a statement per
// kind of change (and per relationship type, which Cypher cannot take as
// a parameter).
func (s *Neo4j) applyInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string, ch *domain.Changes) error {
	// Every statement names the id index it must use: planned once for
	// the whole batch, with $ws known and row.id not, Neo4j otherwise
	// picks the workspace index and filters every actor of the
	// workspace for every row, which is quadratic in the import's size.
	//
	// Large imports go in batches of statements, all in this one
	// transaction, so that no single parameter list is huge and the
	// all-or-nothing guarantee still holds.
	runBatches := func(cypher string, rows rowSource) (int64, error) {
		var n int64
		for start := 0; start < rows.n; start += importBatch {
			batch := make([]map[string]any, 0, min(importBatch, rows.n-start))
			for i := start; i < start+cap(batch); i++ {
				batch = append(batch, rows.row(i))
			}
			params := map[string]any{"rows": batch, "ws": ws}
			recs, err := s.run(ctx, tx, cypher, params)
			// The driver keeps every statement's parameters until its
			// transaction ends; emptying the map lets this batch's rows go,
			// so that a long import's memory does not grow with its rows.
			clear(params)
			if err != nil {
				return n, err
			}
			if len(recs) == 1 {
				c, _ := recs[0].Get("n")
				v, _ := c.(int64)
				n += v
			}
		}
		return n, nil
	}
	run := func(cypher string, rows rowSource) error {
		_, err := runBatches(cypher, rows)
		return err
	}
	steps := []struct {
		cypher string
		rows   rowSource
	}{
		{"UNWIND $rows AS row MATCH (a:Actor {id: row.id}) USING INDEX a:Actor(id) WHERE a.workspaceId = $ws DETACH DELETE a", rowsOf(ch.RemoveActors, idRow)},
		{"UNWIND $rows AS row MATCH (x:Source {id: row.id}) USING INDEX x:Source(id) WHERE x.workspaceId = $ws DELETE x", rowsOf(ch.RemoveSources, idRow)},
		{"UNWIND $rows AS row CREATE (x:Source) SET x = row", rowsOf(ch.CreateSources, sourceProps)},
		{"UNWIND $rows AS row MATCH (x:Source {id: row.id}) USING INDEX x:Source(id) WHERE x.workspaceId = $ws SET x = row", rowsOf(ch.UpdateSources, sourceProps)},
		{"UNWIND $rows AS row CREATE (a:Actor) SET a = row", rowsOf(ch.CreateActors, actorProps)},
		{"UNWIND $rows AS row MATCH (a:Actor {id: row.id}) USING INDEX a:Actor(id) WHERE a.workspaceId = $ws SET a = row", rowsOf(ch.UpdateActors, actorProps)},
	}
	for _, t := range relTypes {
		if err := run(fmt.Sprintf("UNWIND $rows AS row MATCH ()-[r:%s]->() USING INDEX r:%s(id) WHERE r.id = row.id AND r.workspaceId = $ws DELETE r", t, t),
			rowsOf(ofType(ch.RemoveRelationships, t), func(r *domain.Relationship) map[string]any { return idRow(r.ID) })); err != nil {
			return err
		}
	}
	for _, st := range steps {
		if err := run(st.cypher, st.rows); err != nil {
			return err
		}
	}
	for _, t := range relTypes {
		creates, updates := ofType(ch.CreateRelationships, t), ofType(ch.UpdateRelationships, t)
		// t is one of relTypes, never client text. Every row must
		// write: one that finds no ends (or no relationship) means the
		// plan and the workspace disagree, and the whole import fails.
		created, err := runBatches(fmt.Sprintf(`UNWIND $rows AS row MATCH (a:Actor {id: row.from}), (b:Actor {id: row.to})
			USING INDEX a:Actor(id) USING INDEX b:Actor(id) WHERE a.workspaceId = $ws AND b.workspaceId = $ws
			CREATE (a)-[r:%s]->(b) SET r = row.props RETURN count(r) AS n`, t),
			rowsOf(creates, func(r *domain.Relationship) map[string]any {
				return map[string]any{"from": r.FromID, "to": r.ToID, "props": relationshipProps(r)}
			}))
		if err != nil {
			return err
		}
		updated, err := runBatches(fmt.Sprintf("UNWIND $rows AS row MATCH ()-[r:%s]->() USING INDEX r:%s(id) WHERE r.id = row.id SET r = row.props RETURN count(r) AS n", t, t),
			rowsOf(updates, func(r *domain.Relationship) map[string]any {
				return map[string]any{"id": r.ID, "props": relationshipProps(r)}
			}))
		if err != nil {
			return err
		}
		if created != int64(len(creates)) || updated != int64(len(updates)) {
			return &errs.Error{Kind: errs.Conflict,
				Msg: "the import's relationships no longer match the workspace's actors; nothing was written, run the import again"}
		}
	}
	// Removed sources leave no dangling citations (as DeleteSource).
	if len(ch.RemoveSources) > 0 {
		return s.unciteInTx(ctx, tx, ws, ch.RemoveSources)
	}
	return nil
}

// rowSource gives a statement's rows one at a time, so that a batch's
// parameter maps exist only while the batch is sent (a million
// relationships' maps at once would take gigabytes).
type rowSource struct {
	n   int
	row func(i int) map[string]any
}

func rowsOf[T any](items []T, props func(T) map[string]any) rowSource {
	return rowSource{len(items), func(i int) map[string]any { return props(items[i]) }}
}

func idRow(id string) map[string]any { return map[string]any{"id": id} }

// ofType picks the relationships of one type.
func ofType(rs []*domain.Relationship, t domain.RelationshipType) []*domain.Relationship {
	var out []*domain.Relationship
	for _, r := range rs {
		if r.Type == t {
			out = append(out, r)
		}
	}
	return out
}
