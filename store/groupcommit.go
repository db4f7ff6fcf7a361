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

// maxGroup bounds how many creations one transaction writes, so that one
// statement stays small.
const maxGroup = 64

// pendingActor is a creation waiting to be written, with what its own
// request contributes: its caller's audit record, and its context.
type pendingActor struct {
	ctx   context.Context
	actor *domain.Actor
	audit map[string]any
	done  chan error           // its result, when another member's transaction wrote it
	lead  chan []*pendingActor // the group it is to write, when its turn to lead comes
}

// actorGroups queues the plain creations of each workspace.
type actorGroups struct {
	mu     sync.Mutex
	queues map[string]*actorQueue
}

// actorQueue is one workspace's: whether a group is being written, and
// the creations that arrived since.
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

// next takes the next group of ws off its queue, the creations whose
// requests are still waiting (the others are told their request ended),
// or ends the queue when none waits.
func (g *actorGroups) next(ws string) []*pendingActor {
	g.mu.Lock()
	defer g.mu.Unlock()
	q := g.queues[ws]
	for len(q.waiting) > 0 {
		n := min(len(q.waiting), maxGroup)
		group := make([]*pendingActor, 0, n)
		for _, p := range q.waiting[:n] {
			if err := p.ctx.Err(); err != nil {
				p.done <- err
				continue
			}
			group = append(group, p)
		}
		q.waiting = q.waiting[n:]
		if len(group) > 0 {
			return group
		}
	}
	delete(g.queues, ws)
	return nil
}

// createPlainActor writes a, an actor with nothing to check under the
// lock, with the next group of ws's creations, and returns when that
// group's transaction has ended.
func (s *Neo4j) createPlainActor(ctx context.Context, ws string, a *domain.Actor) error {
	if _, ok := domain.CallerFrom(ctx).Grant(ws); !ok {
		// What the lock's statement answers a caller who does not see ws
		// (visibleWorkspace): the group's transaction runs in the scope
		// of its leader, so each member is checked on its own first.
		return errs.NotFoundf("store.CreateActor", "no workspace has id %q", ws)
	}
	p := &pendingActor{ctx: ctx, actor: a, done: make(chan error, 1), lead: make(chan []*pendingActor, 1),
		audit: auditProps(newAuditRecord(ctx, ws, "createActor", domain.AuditWrite, []string{a.ID}))}
	group := []*pendingActor{p}
	if !s.actorGroups.arrive(ws, p) {
		select {
		case err := <-p.done:
			return err
		case group = <-p.lead:
		}
	}
	defer func() {
		// Even when the write panicked: the queue must not stall.
		if next := s.actorGroups.next(ws); next != nil {
			next[0].lead <- next // the first of the next group writes it
		}
	}()
	s.writeActorGroup(ws, group)
	return <-p.done
}

// writeActorGroup creates the actors of group in one transaction under
// ws's lock, and tells each member the result.
func (s *Neo4j) writeActorGroup(ws string, group []*pendingActor) {
	ctx, cancel := groupContext(group)
	defer cancel()
	rows := make([]map[string]any, len(group))
	for i, p := range group {
		rows[i] = map[string]any{"props": actorProps(p.actor), "audit": p.audit}
	}
	// The lock stays a statement of its own, before the write: in one
	// statement with it, Neo4j may read the workspace's deleting flag
	// before it holds the lock, and the actors could land in a workspace
	// being deleted (TestDeleteWorkspaceLeavesNoOrphans met that).
	// Every member hears of the group's end, even of one that panicked.
	var err error = errs.E("store.CreateActor", errs.Internal, "the write stopped unexpectedly")
	defer func() {
		for _, p := range group {
			p.done <- err
		}
	}()
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
// writes must not fail because the leader's client left; it ends when the
// last member's request has ended, and has the latest of their deadlines,
// so that Neo4j stops a write every member's request has outlived.
func groupContext(group []*pendingActor) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(group[0].ctx)
	var latest time.Time
	for _, p := range group {
		d, ok := p.ctx.Deadline()
		if !ok {
			latest = time.Time{}
			break
		}
		if d.After(latest) {
			latest = d
		}
	}
	cancelDeadline := context.CancelFunc(func() {})
	if !latest.IsZero() {
		ctx, cancelDeadline = context.WithDeadline(ctx, latest)
	}
	ctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	left := len(group)
	stops := make([]func() bool, len(group))
	for i, p := range group {
		stops[i] = context.AfterFunc(p.ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if left--; left == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
		cancelDeadline()
	}
}
