package analysis

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/actorgraph/actorgraph/errs"
)

// DefaultWorkBudget is how many units of work (hop-table relaxations,
// breadth-first visits, closure scores, projected relationships; a
// route-search step counts searchWeight) one request may spend on
// analyses, all of its fields together. A unit is 25 to 60 ns of one
// core, so the budget is 5 to 12 seconds. Measured (bench_test.go maps):
// 3,000 actors, gaps or brokers at 4 hops about 1.5M units, at 8 hops
// 20M, gapClosures at 4 hops 45M; 100,000 actors, gaps or brokers at 4
// hops about 50M (the projection 17M of it). gapClosures at 8 hops on
// 3,000 actors (870M, 45 s) and at 4 hops on 100,000 (1.8G, 75 s) are
// refused: they ran past the request timeout before.
const DefaultWorkBudget int64 = 200_000_000

// checkEvery is how many units a stage does between looks at its
// request's context and the shared budget: often enough to stop within a
// millisecond, rarely enough that an atomic add and a channel poll do not
// show in profiles.
const checkEvery = 1 << 12

// Budget is one request's allowance of analysis work, shared by every
// analysis the request asks for (aliased fields included) and by the
// goroutines of one analysis: it is counted with atomics. It also holds
// the request's analysis slot (see requestSlot).
type Budget struct {
	limit int64
	used  atomic.Int64
	slot  requestSlot
}

// requestSlot is the one limiter slot the analyses of a request share.
// gqlgen resolves a request's fields concurrently, so with a slot per
// field a request asking two analyses held two slots, and on a small
// machine (two cores: one slot per caller) its second field waited for
// its first and was refused as if the caller were running too much. The
// first field to begin takes the slot, the others join it, and the last
// to finish frees it: the limiter counts requests, and the budget (not
// the slot count) bounds what one request does. The fields share the
// request's cores too, which is what a request's analyses did before the
// limiter, one after the other or interleaved.
type requestSlot struct {
	mu      sync.Mutex
	holders int          // fields of the request inside the slot
	release func()       // frees the limiter slot; set while holders > 0
	taking  *slotAttempt // the field taking the slot for the others, if any
}

// slotAttempt is one field taking the slot; done is closed when it has
// it, or err says why not.
type slotAttempt struct {
	done chan struct{}
	err  error
}

// join takes the request's slot from l, or joins the field holding it.
// While one field waits in the limiter the others wait for it rather than
// take slots of their own, and share its failure: they are the same
// request, refused for the same reason (waiting again would only double
// the client's wait). The returned function leaves the slot, once.
func (s *requestSlot) join(ctx context.Context, l *limiter, op string) (leave func(), _ error) {
	for {
		s.mu.Lock()
		if s.holders > 0 {
			s.holders++
			s.mu.Unlock()
			return s.leaver(), nil
		}
		if at := s.taking; at != nil {
			s.mu.Unlock()
			select {
			case <-at.done:
			case <-ctx.Done():
				return nil, tooLong(op, ctx.Err())
			}
			if at.err != nil {
				return nil, at.err
			}
			continue // joins it, unless it has already been left
		}
		at := &slotAttempt{done: make(chan struct{})}
		s.taking = at
		s.mu.Unlock()
		release, err := l.acquire(ctx, op)
		s.mu.Lock()
		s.taking, at.err = nil, err
		if err == nil {
			s.holders, s.release = 1, release
		}
		close(at.done)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return s.leaver(), nil
	}
}

// leaver returns a function that leaves the slot once; the last field to
// leave frees it in the limiter.
func (s *requestSlot) leaver() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.holders--
			var release func()
			if s.holders == 0 {
				release, s.release = s.release, nil
			}
			s.mu.Unlock()
			if release != nil {
				release()
			}
		})
	}
}

// NewBudget returns a budget of limit units (limit < 1: DefaultWorkBudget).
func NewBudget(limit int64) *Budget {
	if limit < 1 {
		limit = DefaultWorkBudget
	}
	return &Budget{limit: limit}
}

// Used is the work spent so far.
func (b *Budget) Used() int64 { return b.used.Load() }

// Limit is the budget's size.
func (b *Budget) Limit() int64 { return b.limit }

type budgetKey struct{}

// WithBudget returns ctx carrying b: every analysis run under the result
// spends from b.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom returns the budget ctx carries, or nil.
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}

// meter counts one goroutine's work for one stage and, every checkEvery
// units, adds it to the request's budget and looks at the context. It is
// not safe for concurrent use: each worker has its own.
type meter struct {
	ctx     context.Context
	b       *Budget
	op      string
	pending int64
	// halt, for a worker of onEveryCore, is done when another worker has
	// failed: this one stops too (the other's error is the answer).
	halt context.Context
}

// newMeter meters work for op under ctx's budget; a context without one
// gets a fresh default budget, so that no caller of this package runs
// unbounded by accident.
func newMeter(ctx context.Context, op string) *meter {
	b := BudgetFrom(ctx)
	if b == nil {
		b = NewBudget(DefaultWorkBudget)
	}
	return &meter{ctx: ctx, b: b, op: op}
}

// spend counts n units; it fails when the request is done or the budget
// is spent (checked every checkEvery units, and at once for a context
// already done when the stage starts, see check).
func (m *meter) spend(n int) error {
	m.pending += int64(n)
	if m.pending < checkEvery {
		return nil
	}
	return m.flush()
}

// flush adds the pending work to the budget and checks both limits now.
func (m *meter) flush() error {
	used := m.b.used.Add(m.pending)
	m.pending = 0
	if err := m.ctx.Err(); err != nil {
		return tooLong(m.op, err)
	}
	if m.halt != nil && m.halt.Err() != nil {
		return tooLong(m.op, m.halt.Err())
	}
	if used > m.b.limit {
		return overBudget(m.op, m.b.limit)
	}
	return nil
}

// check fails at once when the request is already done or over budget:
// stages call it on entry, so that a request cancelled between two stages
// does no work at all.
func (m *meter) check() error { return m.flush() }

// tooLong is what an analysis cut short by its request's deadline (or its
// client going away) answers. The client can retry; nothing is kept.
func tooLong(op string, cause error) error {
	return &errs.Error{Op: op, Kind: errs.Unavailable, Err: cause,
		Msg: op + " took longer than the request allows on a map this size; try again later (the work done so far is not kept), or ask with a higher minConfidence or a lower maxHops"}
}

// overBudget is what an analysis answers when it needs more work than one
// request may do.
func overBudget(op string, limit int64) error {
	msg := fmt.Sprintf(
		"%s needs more work than one request may do (%d steps, shared by all the analyses of the request); narrow the question: fewer maxHops, a higher threshold or minConfidence, one community, or fewer analyses in one request", op, limit)
	if hint := jobHints[op]; hint != "" {
		msg += "; " + hint
	}
	return errs.E(op, errs.AnalysisLimit, msg)
}

// jobHints say, for the analyses that can run as a job, how to start it.
var jobHints = map[string]string{
	"gapClosures": "or run it as a job, which has a larger budget and no request timeout: the mutation startGapClosuresJob takes the same arguments and answers at once with a job, and analysisJob(id) gives its progress, then its answer",
}
