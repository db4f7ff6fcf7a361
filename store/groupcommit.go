package store

import (
	"context"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Group commit of plain actor creations.
//
// Every write to a workspace holds the workspace's lock from its first
// statement to its commit (lock.go), so one workspace takes its writes one
// at a time, each paying three round trips and a commit under the lock:
// at eight callers creating actors at once, most of a write's time was
// waiting for the others' (docs/performance.md). Creations that arrive
// while one is being written therefore wait here, in this process, and
// are written together by the next transaction: one lock, one statement
// creating all of them with each one's audit record, one commit and one
// version. A creation that finds nothing running leads at once, so a lone
// writer waits for nobody. Written by hand: this is the classic group
// commit of databases, a few dozen lines over the store's own
// transaction, which no library offers over the Neo4j driver.
//
// Only creations with nothing to check under the lock (no sources, no
// externalId) are grouped: any one of them can fail only for a reason
// that fails them all (the workspace gone, held by an import, Neo4j
// unreachable), so one member's bad input can never fail another's write.

// maxGroup and maxGroupBytes bound what one transaction writes (at least
// one creation, whatever its size), so that one statement stays small and
// many large creations cannot together reach Neo4j's memory limit of a
// transaction, which would fail them all.
const (
	maxGroup      = 64
	maxGroupBytes = 1 << 20
)

// pendingActor is a creation waiting to be written, with what its own
// request contributes: its row (the actor's properties and its caller's
// audit record), their approximate size, and its context.
type pendingActor struct {
	ctx   context.Context
	actor *domain.Actor
	row   map[string]any
	size  int
	done  chan error           // its result, when another member's transaction wrote it
	lead  chan []*pendingActor // the group it is to write, when its turn to lead comes
}

// actorGroups queues the plain creations of each workspace.
type actorGroups struct {
	mu     sync.Mutex
	queues map[string]*actorQueue
}

// actorQueue is one workspace's: it exists while a group is being
// written, and holds the creations that arrived since.
type actorQueue struct{ waiting []*pendingActor }

// arrive queues p behind the group being written to ws, and reports
// whether none is, in which case p leads a group of its own at once.
func (g *actorGroups) arrive(ws string, p *pendingActor) (leads bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q, busy := g.queues[ws]; busy {
		q.waiting = append(q.waiting, p)
		return false
	}
	if g.queues == nil {
		g.queues = map[string]*actorQueue{}
	}
	g.queues[ws] = &actorQueue{}
	return true
}

// leave takes p off ws's queue, and reports whether it was still there:
// false once it belongs to a group.
func (g *actorGroups) leave(ws string, p *pendingActor) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queues[ws]
	if q == nil {
		return false
	}
	for i, w := range q.waiting {
		if w == p {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// next takes the next group of ws off its queue, or ends the queue when
// none waits. A creation whose request has ended is told so by gone's
// error instead, and left out.
func (g *actorGroups) next(ws string, gone func(error) error) []*pendingActor {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queues[ws]
	var group []*pendingActor
	size, taken := 0, 0
	for _, p := range q.waiting {
		if len(group) == maxGroup || (len(group) > 0 && size+p.size > maxGroupBytes) {
			break
		}
		taken++
		if err := p.ctx.Err(); err != nil {
			p.done <- gone(err)
			continue
		}
		group = append(group, p)
		size += p.size
	}
	q.waiting = q.waiting[taken:]
	if len(group) == 0 {
		delete(g.queues, ws)
	}
	return group
}

// createPlainActor writes a, an actor with nothing to check under the
// lock, with the next group of ws's creations, and returns when that
// group's transaction has ended. A request that ends while its creation
// waits in the queue takes it off; once in a group, a creation waits for
// the group's result (the group's time is bounded by its members'
// deadlines, see groupContext), so that its caller always learns whether
// it was written.
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
	if err := ctx.Err(); err != nil {
		return s.mapErr(op, err) // ended before it began: not written
	}
	props := actorProps(a)
	p := &pendingActor{ctx: ctx, actor: a, done: make(chan error, 1), lead: make(chan []*pendingActor, 1),
		row:  map[string]any{"props": props, "audit": auditProps(newAuditRecord(ctx, ws, "createActor", domain.AuditWrite, []string{a.ID}))},
		size: approxSize(props)}
	group := []*pendingActor{p}
	if !s.actorGroups.arrive(ws, p) {
		select {
		case err := <-p.done:
			return err
		case group = <-p.lead:
		case <-ctx.Done():
			if s.actorGroups.leave(ws, p) {
				return s.mapErr(op, ctx.Err())
			}
			// Already in a group: its result, or the group to lead, comes.
			select {
			case err := <-p.done:
				return err
			case group = <-p.lead:
			}
		}
	}
	defer func() {
		// Even when the write panicked: the queue must not stall.
		if next := s.actorGroups.next(ws, func(err error) error { return s.mapErr(op, err) }); next != nil {
			next[0].lead <- next // the first of the next group writes it
		}
	}()
	s.writeActorGroup(ws, group)
	return <-p.done
}

// approxSize is about how many bytes props take in a statement: the
// length of its texts, and a little for each other value.
func approxSize(props map[string]any) int {
	n := 0
	for k, v := range props {
		n += len(k) + 16
		switch v := v.(type) {
		case string:
			n += len(v)
		case []string:
			for _, x := range v {
				n += len(x) + 16
			}
		}
	}
	return n
}

// writeActorGroup creates the actors of group in one transaction under
// ws's lock, and tells each member the result.
func (s *Neo4j) writeActorGroup(ws string, group []*pendingActor) {
	// Every member hears of the group's end, even of one that panicked.
	var err error = errs.E("store.CreateActor", errs.Internal, "the write stopped unexpectedly")
	defer func() {
		for _, p := range group {
			p.done <- err
		}
	}()
	ctx, cancel := groupContext(group)
	defer cancel()
	rows := make([]map[string]any, len(group))
	for i, p := range group {
		rows[i] = p.row
	}
	// The lock stays a statement of its own, before the write: in one
	// statement with it, Neo4j may read the workspace's deleting flag
	// before it holds the lock, and the actors could land in a workspace
	// being deleted (TestDeleteWorkspaceLeavesNoOrphans met that).
	err = s.execWrite(ctx, "store.CreateActor", func(tx neo4j.ManagedTransaction) error {
		if err := s.lockWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		if _, err := s.run(ctx, tx, `UNWIND $rows AS row
			CREATE (a:Actor) SET a = row.props
			CREATE (audit:AuditRecord) SET audit = row.audit`, map[string]any{"rows": rows}); err != nil {
			return err
		}
		for _, p := range group {
			noteWritten(tx, p.actor)
		}
		return nil
	})
}

// groupContext is what a group's transaction runs under: its leader's
// values (the caller, whose scope its statements take, and the request's
// logger), without the leader's cancellation, for the other members'
// writes must not fail because the leader's client left, and with the
// latest of the members' deadlines, so that Neo4j still stops a write
// that every member's request has outlived. A request that ends while its
// group is being written is not cancelled: its caller waits for the
// group's result and is told the truth, written or not.
func groupContext(group []*pendingActor) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(group[0].ctx)
	var latest time.Time
	for _, p := range group {
		d, ok := p.ctx.Deadline()
		if !ok {
			return ctx, func() {}
		}
		if d.After(latest) {
			latest = d
		}
	}
	return context.WithDeadline(ctx, latest)
}
