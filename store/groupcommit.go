package store

import (
	"context"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Group commit: writes that arrive while one of their kind is being
// written wait here, in this process, and are written together by the
// next statement or transaction. A write that finds nothing running leads
// at once, so a lone writer waits for nobody. Written by hand: this is the
// classic group commit of databases, a few dozen lines over the store's
// own transactions, which no library offers over the Neo4j driver.
//
// Plain actor creations, grouped per workspace.
//
// Every write to a workspace holds the workspace's lock from its first
// statement to its commit (lock.go), so one workspace takes its writes one
// at a time, each paying three round trips and a commit under the lock:
// at eight callers creating actors at once, most of a write's time was
// waiting for the others' (docs/performance.md). Creations that arrive
// while one is being written therefore wait here, in this process, and
// are written together by the next transaction: one lock, one statement
// creating all of them with each one's audit record, one commit and one
// version.
//
// Only creations with nothing to check under the lock (no sources, no
// externalId) are grouped: any one of them can fail only for a reason
// that fails them all (the workspace gone, held by an import, Neo4j
// unreachable), so one member's bad input can never fail another's write.
//
// The audit records of confidential reads (RecordReads), grouped across
// workspaces: every request of the admin, and of anyone cleared for
// confidential records, that showed one writes its record before its
// answer, a commit each; grouped, eight such requests at once pay about
// one.

// maxGroup and maxGroupBytes bound what one group writes (at least one
// member, whatever its size), so that one statement stays small and many
// large rows cannot together reach Neo4j's memory limit of a
// transaction, which would fail them all.
const (
	maxGroup      = 64
	maxGroupBytes = 1 << 20
)

// member is a write waiting to be written with a group, with what its
// own request contributes: its row, the row's approximate size, what the
// change log is to note of it (an actor; nil for none), and its context.
type member struct {
	ctx  context.Context
	row  map[string]any
	size int
	note any
	done chan error     // its result, when another member led its group
	lead chan []*member // the group it is to write, when its turn to lead comes
}

func newMember(ctx context.Context, row map[string]any, note any) *member {
	return &member{ctx: ctx, row: row, size: approxSize(row), note: note, done: make(chan error, 1), lead: make(chan []*member, 1)}
}

// groups queues the writes of one kind, by key (a workspace, or "" for
// writes that do not lock one).
type groups struct {
	mu     sync.Mutex
	queues map[string]*queue
	before func() // tests: runs before each group is written
}

// queue is one key's: it exists while a group is being written, and holds
// the members that arrived since.
type queue struct{ waiting []*member }

// arrive queues m behind the group being written under key, and reports
// whether none is, in which case m leads a group of its own at once.
func (g *groups) arrive(key string, m *member) (leads bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q, busy := g.queues[key]; busy {
		q.waiting = append(q.waiting, m)
		return false
	}
	if g.queues == nil {
		g.queues = map[string]*queue{}
	}
	g.queues[key] = &queue{}
	return true
}

// leave takes m off key's queue, and reports whether it was still there:
// false once it belongs to a group.
func (g *groups) leave(key string, m *member) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queues[key]
	if q == nil {
		return false
	}
	for i, w := range q.waiting {
		if w == m {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// next takes the next group of key off its queue, or ends the queue when
// none waits. A member whose request has ended is told so by gone's
// error instead, and left out.
func (g *groups) next(key string, gone func(error) error) []*member {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queues[key]
	var group []*member
	size, taken := 0, 0
	for _, m := range q.waiting {
		if len(group) == maxGroup || (len(group) > 0 && size+m.size > maxGroupBytes) {
			break
		}
		taken++
		if err := m.ctx.Err(); err != nil {
			m.done <- gone(err)
			continue
		}
		group = append(group, m)
		size += m.size
	}
	q.waiting = q.waiting[taken:]
	if len(group) == 0 {
		delete(g.queues, key)
	}
	return group
}

// inGroup writes m with the next group of key's, by write (given the
// group's context and members), and returns m's result when that group's
// write has ended. A request that ends while m waits in the queue takes
// it off, unwritten; once in a group, m waits for the group's result (the
// group's time is bounded by its members' deadlines, see groupContext),
// so that its caller always learns whether it was written.
func (s *Neo4j) inGroup(g *groups, op, key string, m *member, write func(context.Context, []*member) error) error {
	if err := m.ctx.Err(); err != nil {
		return s.mapErr(op, err) // ended before it began: not written
	}
	group := []*member{m}
	if !g.arrive(key, m) {
		select {
		case err := <-m.done:
			return err
		case group = <-m.lead:
		case <-m.ctx.Done():
			if g.leave(key, m) {
				return s.mapErr(op, m.ctx.Err())
			}
			// Already in a group: its result, or the group to lead, comes.
			select {
			case err := <-m.done:
				return err
			case group = <-m.lead:
			}
		}
	}
	defer func() {
		// Even when the write panicked: the queue must not stall.
		if next := g.next(key, func(err error) error { return s.mapErr(op, err) }); next != nil {
			next[0].lead <- next // the first of the next group writes it
		}
	}()
	if g.before != nil {
		g.before()
	}
	writeGroup(op, group, write)
	return <-m.done
}

// writeGroup writes group by write and tells each member the result.
func writeGroup(op string, group []*member, write func(context.Context, []*member) error) {
	// Every member hears of the group's end, even of one that panicked.
	var err error = errs.E(op, errs.Internal, "the write stopped unexpectedly")
	defer func() {
		for _, m := range group {
			m.done <- err
		}
	}()
	ctx, cancel := groupContext(group)
	defer cancel()
	err = write(ctx, group)
}

// groupRows lists the rows of a group's members.
func groupRows(group []*member) []map[string]any {
	rows := make([]map[string]any, len(group))
	for i, m := range group {
		rows[i] = m.row
	}
	return rows
}

// createPlainActor writes a, an actor with nothing to check under the
// lock, with the next group of ws's creations.
func (s *Neo4j) createPlainActor(ctx context.Context, ws string, a *domain.Actor) error {
	const op = "store.CreateActor"
	c := domain.CallerFrom(ctx)
	if c == nil {
		return errNoCaller
	}
	if _, ok := c.Grant(ws); !ok {
		// What the lock's statement answers a caller who does not see ws
		// (visibleWorkspace): the group's transaction runs in the scope
		// of its leader, so each member is checked on its own first.
		return errs.NotFoundf(op, "no workspace has id %q", ws)
	}
	row := map[string]any{"props": actorProps(a), "audit": auditProps(newAuditRecord(ctx, ws, "createActor", domain.AuditWrite, []string{a.ID}))}
	return s.inGroup(&s.creations, op, ws, newMember(ctx, row, a), func(ctx context.Context, group []*member) error {
		// The lock stays a statement of its own, before the write: in one
		// statement with it, Neo4j may read the workspace's deleting flag
		// before it holds the lock, and the actors could land in a
		// workspace being deleted (TestDeleteWorkspaceLeavesNoOrphans met
		// that).
		return s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
			if err := s.lockWorkspace(ctx, tx, ws); err != nil {
				return err
			}
			if _, err := s.run(ctx, tx, `UNWIND $rows AS row
				CREATE (a:Actor) SET a = row.props
				CREATE (audit:AuditRecord) SET audit = row.audit`, map[string]any{"rows": groupRows(group)}); err != nil {
				return err
			}
			for _, m := range group {
				noteWritten(tx, m.note)
			}
			return nil
		})
	})
}

// approxSize is about how many bytes a row takes in a statement: the
// length of its texts, and a little for each other value.
func approxSize(row map[string]any) int {
	n := 0
	for k, v := range row {
		n += len(k) + 16
		switch v := v.(type) {
		case string:
			n += len(v)
		case []string:
			for _, x := range v {
				n += len(x) + 16
			}
		case map[string]any:
			n += approxSize(v)
		}
	}
	return n
}

// groupContext is what a group's transaction runs under: its leader's
// values (the caller, whose scope its statements take, and the request's
// logger), without the leader's cancellation, for the other members'
// writes must not fail because the leader's client left, and with the
// latest of the members' deadlines, so that Neo4j still stops a write
// that every member's request has outlived. A request that ends while its
// group is being written is not cancelled: its caller waits for the
// group's result and is told the truth, written or not.
func groupContext(group []*member) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(group[0].ctx)
	var latest time.Time
	for _, m := range group {
		d, ok := m.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}
