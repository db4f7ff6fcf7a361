package store

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
)

// Transactions. Every statement of the store is sent by run, inside a
// transaction opened by readTx or writeTx (or Import's explicit one), or
// in an auto-commit transaction of its own by readRecords (a read of one
// statement) or autoCommit: these few functions are the only ones that talk
// to the driver, so they are where the store counts its round trips, logs
// what an operator needs to see (slow statements, retries, unexpected
// errors; see log.go) and maps driver errors to errs kinds.

// readTx runs fn in a read transaction, so that a routing driver may send
// it to a read replica, and returns what fn returns.
func readTx[T any](ctx context.Context, s *Neo4j, op string, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	return inTx(ctx, s, op, neo4j.AccessModeRead, fn)
}

// writeTx runs fn in a write transaction and returns what fn returns.
func writeTx[T any](ctx context.Context, s *Neo4j, op string, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	return inTx(ctx, s, op, neo4j.AccessModeWrite, fn)
}

// inTx runs fn in a managed transaction: in a session that shares the
// driver's bookmark manager, with the request's remaining time as the
// transaction's timeout, and with driver errors mapped to errs kinds.
//
// The driver calls fn again when a transient failure (a deadlock, a
// cluster leader switch, a lost connection) ends an attempt. Each call
// after the first is logged: retries that become frequent are the first
// sign of contention or of an unstable database.
func inTx[T any](ctx context.Context, s *Neo4j, op string, mode neo4j.AccessMode, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	sess := s.session(ctx, mode)
	defer sess.Close(context.WithoutCancel(ctx))
	var attempt *opTx // the latest call of fn
	work := func(tx neo4j.ManagedTransaction) (T, error) {
		if attempt != nil {
			s.logRetry(attempt)
		}
		attempt = &opTx{ManagedTransaction: tx, op: op, n: attempt.number() + 1}
		res, err := fn(attempt)
		attempt.err = err
		return res, err
	}
	execute := neo4j.ExecuteRead[T]
	if mode == neo4j.AccessModeWrite {
		execute = neo4j.ExecuteWrite[T]
	}
	res, err := execute(ctx, sess, work, txTimeout(ctx)...)
	s.noteConnection(err)
	if err == nil {
		s.logChange(attempt)
	}
	return res, s.mapErr(op, err, attempt.failedStatement()...)
}

// opTx is a transaction that knows the operation it serves, so that run
// can name the operation when it logs a statement, and that remembers the
// statement that failed in it, if one did, for the log of the failure.
type opTx struct {
	neo4j.ManagedTransaction
	op     string
	n      int    // which attempt of its operation this is: 1, 2, ...
	failed string // the fingerprint of the statement that failed
	err    error  // what the attempt's work returned
	// What the attempt wrote, for the change log (changes.go): how many
	// times it bumped a workspace's version, and the change it noted.
	bumps  int
	noted  bool
	change domain.Change
}

// opOf is the operation tx serves ("" for a transaction not opened by
// inTx or Import).
func opOf(tx neo4j.ManagedTransaction) string {
	if t, ok := tx.(*opTx); ok {
		return t.op
	}
	return ""
}

func (t *opTx) number() int {
	if t == nil {
		return 0
	}
	return t.n
}

// noteFailure remembers that cypher failed in tx.
func noteFailure(tx neo4j.ManagedTransaction, cypher string) {
	if t, ok := tx.(*opTx); ok {
		t.failed = fingerprint(cypher)
	}
}

// txTimeout gives a transaction the time its request has left, less the
// interval at which Neo4j checks for timed-out transactions (2s by
// default), so that Neo4j itself stops a statement that would outlive the
// request, before the request gives up on it: a cancelled client alone
// would leave the database working, and the client would hear only that
// it gave up.
func txTimeout(ctx context.Context) []func(*neo4j.TransactionConfig) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	left := time.Until(deadline)
	margin := min(neo4jTimeoutCheck+neo4jStopSlack, left/2)
	return []func(*neo4j.TransactionConfig){neo4j.WithTxTimeout(max(left-margin, time.Millisecond))}
}

// neo4jTimeoutCheck is how often Neo4j looks for transactions past their
// timeout (db.transaction.monitor.check.interval, 2s by default).
const neo4jTimeoutCheck = 2 * time.Second

// neo4jStopSlack is the time left, after Neo4j's check, for it to stop
// the transaction and tell the driver: on a busy machine that has taken
// over half a second.
const neo4jStopSlack = 2 * time.Second

// session opens a session that shares the driver's bookmark manager, so
// that on a cluster every read sees the writes that came before it (read
// your own writes), even when it is routed to another member.
func (s *Neo4j) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: mode, DatabaseName: s.db,
		BookmarkManager: s.driver.ExecuteQueryBookmarkManager()})
}

// run sends one statement and collects its records. Every statement of the
// store that runs in a transaction goes through here, which is what
// QueryCount counts and where slow statements are logged.
func (s *Neo4j) run(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	params, err := scope(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	s.count(ctx)
	start := time.Now()
	recs, err := collect(ctx, tx, cypher, params)
	s.logIfSlow(opOf(tx), cypher, time.Since(start))
	if err != nil {
		noteFailure(tx, cypher)
	}
	return recs, err
}

// stream sends one statement like run, but hands each record to each as
// it arrives instead of collecting them: a whole workspace's records
// never sit in memory at once.
func (s *Neo4j) stream(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any, each func(*neo4j.Record) error) error {
	params, err := scope(ctx, cypher, params)
	if err != nil {
		return err
	}
	s.count(ctx)
	start := time.Now()
	err = streamRecords(ctx, tx, cypher, params, each)
	s.logIfSlow(opOf(tx), cypher, time.Since(start))
	if err != nil {
		noteFailure(tx, cypher)
	}
	return err
}

func streamRecords(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any, each func(*neo4j.Record) error) error {
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return err
	}
	for res.Next(ctx) {
		if err := each(res.Record()); err != nil {
			return err
		}
	}
	return res.Err()
}

func collect(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

// autoCommit runs one statement of operation op in its own auto-commit
// transaction (the only kind CALL … IN TRANSACTIONS runs in) and returns
// its summary.
func (s *Neo4j) autoCommit(ctx context.Context, op, cypher string, params map[string]any) (neo4j.ResultSummary, error) {
	params, err := scope(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	s.count(ctx)
	start := time.Now()
	defer func() { s.logIfSlow(op, cypher, time.Since(start)) }()
	// With the request's remaining time as its timeout, as inTx: Neo4j
	// stops the statement rather than go on after its caller gave up.
	res, err := sess.Run(ctx, cypher, params, txTimeout(ctx)...)
	if err != nil {
		return nil, err
	}
	return res.Consume(ctx)
}

// execWrite runs fn, whose work is all in what it writes, in a write
// transaction.
func (s *Neo4j) execWrite(ctx context.Context, op string, fn func(tx neo4j.ManagedTransaction) error) error {
	_, err := writeTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, fn(tx)
	})
	return err
}

// readRecords runs one read statement in an auto-commit transaction of
// its own and collects its records (see oneStatement).
func (s *Neo4j) readRecords(ctx context.Context, op, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	return s.oneStatement(ctx, op, neo4j.AccessModeRead, cypher, params)
}

// oneStatement runs one statement in an auto-commit transaction of its
// own, in a session of mode, and collects its records.
//
// One statement needs no explicit transaction: it reads one consistent
// state, and writes all or nothing, either way. An explicit one costs a
// round trip more (BEGIN, RUN and PULL go together, then COMMIT waits for
// its own answer), which was a third of a lookup by id
// (docs/performance.md). A failure the driver calls retryable (a
// transient error, a lost connection) is retried as ExecuteRead and
// ExecuteWrite would, within the store's retry time: at once the first
// time (most often a pooled connection that died with a restarted
// Neo4j), then after 1 s, 2 s, ... (jittered). Each attempt counts in
// QueryCount. A read is safe to send
// again; a write only when sending it twice does no harm (RecordReads).
func (s *Neo4j) oneStatement(ctx context.Context, op string, mode neo4j.AccessMode, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	params, err := scope(ctx, cypher, params)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	sess := s.session(ctx, mode)
	defer sess.Close(context.WithoutCancel(ctx))
	var recs []*neo4j.Record
	start := time.Now()
	var wait, delay time.Duration // the backoff, and it jittered: before the next attempt
	for attempt := 1; ; attempt++ {
		s.count(ctx)
		began := time.Now()
		recs, err = collectAutoCommit(ctx, sess, cypher, params)
		s.logIfSlow(op, cypher, time.Since(began))
		if err == nil || !neo4j.IsRetryable(err) || time.Since(start)+delay > s.retryTime || sleep(ctx, delay) != nil {
			break
		}
		s.logRetry(&opTx{op: op, n: attempt, err: err, failed: fingerprint(cypher)})
		wait = max(time.Second, 2*wait)
		delay = wait + rand.N(wait/5) // up to a fifth more, so that retries spread out
	}
	s.noteConnection(err)
	if err == nil {
		return recs, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		// The request ended (its client gone, its time up): say so, as
		// ExecuteRead does, rather than blame the connection the driver
		// dropped because of it.
		err = ctxErr
	}
	return nil, s.mapErr(op, err, zap.String("statement", fingerprint(cypher)))
}

// collectAutoCommit runs cypher in an auto-commit transaction of sess,
// with the request's remaining time as its timeout (as inTx), and
// collects its records.
func collectAutoCommit(ctx context.Context, sess neo4j.SessionWithContext, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := sess.Run(ctx, cypher, params, txTimeout(ctx)...)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

// backgroundKey marks a context whose statements are the store's own
// background work (undoing imports that did not finish, planning the list
// statements again after an outage), which QueryCount leaves out: they run
// whenever they must, and a test that counts one request's round trips
// must not count them (the undoer of one test's store may sweep every
// workspace while another test's request runs).
type backgroundKey struct{}

// inBackground marks ctx as the store's background work.
func inBackground(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// count counts a statement sent in ctx, unless it is background work.
func (s *Neo4j) count(ctx context.Context) {
	if ctx.Value(backgroundKey{}) == nil {
		s.queries.Add(1)
	}
}

// sleep waits for d, or fails when ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
