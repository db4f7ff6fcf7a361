package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

// budgetCtx is a background context with a budget of limit units.
func budgetCtx(limit int64) (context.Context, *Budget) {
	b := NewBudget(limit)
	return WithBudget(context.Background(), b), b
}

// slack is how far past its limit a budget can be counted before the
// stages notice: each goroutine flushes every checkEvery units, and one
// spend may be a whole adjacency list (times searchWeight).
const slack = 64 * checkEvery

func cliqueGraph(t testing.TB, b *mapBuilder) *Graph {
	t.Helper()
	opts, err := Options{AsOf: domaintest.Date("2025-01-01"), Threshold: DefaultThreshold, MaxHops: MaxMaxHops}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return Build(b.actors, b.rels, opts)
}

// The crafted clique: each village's only route is village → gateway →
// force, so each gateway brokers one pair, which it cuts off. Before the
// dead-end check this took seconds (every simple path of the clique was
// tried for the second and third routes); now it must fit in a budget a
// thousand times smaller than the default, exactly.
func TestCraftedCliqueBrokersAreExactAndCheap(t *testing.T) {
	g := cliqueGraph(t, cliqueMap())
	ctx, b := budgetCtx(20_000_000)
	brokers, err := g.Brokers(ctx, 10)
	if err != nil {
		t.Fatalf("brokers on the crafted clique: %v (work %d)", err, b.Used())
	}
	if len(brokers) != 6 {
		t.Fatalf("%d brokers, want the 6 gateways", len(brokers))
	}
	for i, br := range brokers {
		gateway, village := fmt.Sprintf("clique%02d", i), fmt.Sprintf("village%d", i)
		if br.Actor.ID != gateway || br.Pairs != 1 || !br.Critical || len(br.CutOff) != 1 || br.CutOff[0].Community.ID != village {
			t.Errorf("broker %d: %s, %d pairs, critical %v, cut off %v; want %s brokering and cutting off %s", i, br.Actor.ID, br.Pairs, br.Critical, br.CutOff, gateway, village)
		}
	}
	if b.Used() > 10_000_000 {
		t.Errorf("the crafted clique took %d units of work, want under 10M", b.Used())
	}
}

// cliqueWithBackDoors adds, for each force, a very weak second way in
// from the far side of the clique: now a second route exists, so no
// state is a dead end, but the walk bounds (through the gateway) stay far
// above it, and the search still tries most simple paths of the clique.
// This is what the work budget is for.
func cliqueWithBackDoors() *mapBuilder {
	b := cliqueMap()
	for v := 0; v < 6; v++ {
		b.rel(fmt.Sprintf("back%d", v), domain.AccountableTo, fmt.Sprintf("force%d", v), "clique16", 0.01)
	}
	return b
}

func TestCraftedCliqueStopsAtTheBudget(t *testing.T) {
	const limit = 5_000_000
	for _, c := range []struct {
		name string
		run  func(context.Context, *Graph) error
	}{
		{"brokers", func(ctx context.Context, g *Graph) error { _, err := g.Brokers(ctx, 10); return err }},
		{"routes", func(ctx context.Context, g *Graph) error {
			_, err := g.Routes(ctx, "village0", "force0", 3)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, b := budgetCtx(limit)
			err := c.run(ctx, cliqueGraph(t, cliqueWithBackDoors()))
			if !errs.Is(err, errs.AnalysisLimit) {
				t.Fatalf("want ANALYSIS_LIMIT_EXCEEDED, got %v (work %d)", err, b.Used())
			}
			if used := b.Used(); used < limit || used > limit+slack {
				t.Errorf("work %d: it must stop just past the limit %d", used, limit)
			}
			if msg, _ := errs.Public(err); !containsAll(msg, "maxHops", "threshold", "one community") {
				t.Errorf("the message must say how to narrow the question: %q", msg)
			}
		})
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// Five gapClosures with distinct thresholds in one request (the attack:
// five aliases) spend from one budget: a budget that fits two of them
// refuses the rest, and the total stays at the budget.
func TestAliasedClosuresShareOneBudget(t *testing.T) {
	actors, rels := syntheticMap(1000, 3)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01"), Threshold: 0.2}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	thresholds := []float64{0.2, 0.25, 0.3, 0.35, 0.4}
	one := func(ctx context.Context, th float64) error {
		o := opts
		o.Threshold = th
		_, err := Build(actors, rels, o).GapClosures(ctx, 10, 0.5)
		return err
	}
	// Alone, each fits; measure the dearest.
	dearest := int64(0)
	for _, th := range thresholds {
		ctx, b := budgetCtx(DefaultWorkBudget)
		if err := one(ctx, th); err != nil {
			t.Fatalf("threshold %v alone: %v", th, err)
		}
		dearest = max(dearest, b.Used())
	}
	limit := dearest * 5 / 2
	ctx, b := budgetCtx(limit)
	var wg sync.WaitGroup
	results := make([]error, len(thresholds))
	for i, th := range thresholds {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = one(ctx, th) }()
	}
	wg.Wait()
	refused := 0
	for i, err := range results {
		switch {
		case errs.Is(err, errs.AnalysisLimit):
			refused++
		case err != nil:
			t.Errorf("threshold %v: %v", thresholds[i], err)
		}
	}
	if refused < 2 {
		t.Errorf("%d of 5 refused with a budget of 2.5 of them", refused)
	}
	if b.Used() > limit+int64(len(thresholds))*slack {
		t.Errorf("the request spent %d, budget %d", b.Used(), limit)
	}
}

// countdownCtx is a context that cancels itself when its Err has been
// asked n times: "cancelled during a stage", without a clock.
type countdownCtx struct {
	context.Context
	cancel context.CancelFunc
	left   atomic.Int64
}

func newCountdown(parent context.Context, n int64) *countdownCtx {
	ctx, cancel := context.WithCancel(parent)
	c := &countdownCtx{Context: ctx, cancel: cancel}
	c.left.Store(n)
	return c
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// Every stage stops when its request is cancelled: before it starts (no
// work at all) and during it (a small part of its full work).
func TestEveryStageStopsWithItsRequest(t *testing.T) {
	actors, rels := syntheticMap(1000, 5)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01"), Threshold: DefaultThreshold}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	later := opts
	later.AsOf = domaintest.Date("2025-06-01")
	// A route search with much to do: the clique with back doors.
	clique := cliqueGraph(t, cliqueWithBackDoors())
	stages := []struct {
		name string
		run  func(context.Context) error
	}{
		{"projection", func(ctx context.Context) error {
			_, err := BuildContext(ctx, actors, factsOf(rels), opts)
			return err
		}},
		{"gaps", func(ctx context.Context) error {
			_, err := Build(actors, rels, opts).Gaps(ctx, GapFilter{})
			return err
		}},
		{"brokers", func(ctx context.Context) error { _, err := Build(actors, rels, opts).Brokers(ctx, 10); return err }},
		{"closures", func(ctx context.Context) error {
			_, err := Build(actors, rels, opts).GapClosures(ctx, 10, 0.5)
			return err
		}},
		{"changes", func(ctx context.Context) error {
			_, err := Changes(ctx, Build(actors, rels, opts), Build(actors, rels, later))
			return err
		}},
		{"routes", func(ctx context.Context) error {
			_, err := clique.Routes(ctx, "village0", "force0", 2)
			return err
		}},
	}
	for _, s := range stages {
		t.Run(s.name, func(t *testing.T) {
			full, fb := budgetCtx(DefaultWorkBudget)
			if err := s.run(full); err != nil {
				t.Fatalf("uncancelled: %v", err)
			}
			before, bb := budgetCtx(DefaultWorkBudget)
			before, cancel := context.WithCancel(before)
			cancel()
			if err := s.run(before); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled before: %v", err)
			}
			if bb.Used() != 0 {
				t.Errorf("cancelled before, yet %d units of work done", bb.Used())
			}
			if fb.Used() < 16*checkEvery {
				t.Fatalf("the stage did only %d units of work: too little to cut short in the middle", fb.Used())
			}
			during, db := budgetCtx(DefaultWorkBudget)
			if err := s.run(newCountdown(during, 2)); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled during: %v", err)
			}
			if db.Used() > fb.Used()/4 || db.Used() > 8*slack {
				t.Errorf("cancelled during: %d units done, of %d in all", db.Used(), fb.Used())
			}
		})
	}
}

func TestNaNAndInfinitiesAreRefused(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name  string
		opts  Options
		field string
	}{
		{"threshold NaN", Options{Threshold: nan}, "threshold"},
		{"threshold +Inf", Options{Threshold: inf}, "threshold"},
		{"threshold -Inf", Options{Threshold: -inf}, "threshold"},
		{"minConfidence NaN", Options{MinConfidence: nan}, "minConfidence"},
		{"minConfidence +Inf", Options{MinConfidence: inf}, "minConfidence"},
	} {
		_, err := c.opts.Normalize()
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if _, field := errs.Public(err); field != c.field {
			t.Errorf("%s: field %q", c.name, field)
		}
	}
	g := gapMap().graph(t, Options{})
	for _, v := range []float64{nan, inf, -inf, -0.1, 1.1} {
		if _, err := g.Gaps(context.Background(), GapFilter{MinSeverity: v}); !errs.Is(err, errs.Invalid) {
			t.Errorf("minSeverity %v: %v", v, err)
		}
		if _, err := g.GapClosures(context.Background(), 10, v); !errs.Is(err, errs.Invalid) {
			t.Errorf("assumedStrength %v: %v", v, err)
		}
	}
}

// Many distinct thresholds and hops (and NaN) neither add projections nor
// grow one projection's memo without bound: they are per-question
// options, and the memo keeps maxMemo results.
func TestDistinctThresholdsDoNotFloodTheCache(t *testing.T) {
	src := &fakeSource{version: 1, b: gapMap()}
	e := NewEngine(src, 8)
	for i := 0; i < 200; i++ {
		o := Options{AsOf: domaintest.Date("2025-07-01"), Threshold: float64(i) / 200, MaxHops: 1 + i%MaxMaxHops}
		g, err := e.Graph(context.Background(), "ws", o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Gaps(context.Background(), GapFilter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := g.GapClosures(context.Background(), 3, 0.5); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			if _, err := e.Graph(context.Background(), "ws", Options{AsOf: o.AsOf, Threshold: math.NaN()}); !errs.Is(err, errs.Invalid) {
				t.Fatalf("NaN threshold: %v", err)
			}
		}
	}
	if n := e.Projections(); n != 1 {
		t.Errorf("%d projections cached, want 1", n)
	}
	if src.loads != 1 {
		t.Errorf("%d snapshot reads, want 1", src.loads)
	}
	for _, p := range e.graphs {
		if n := p.memoLen(); n > maxMemo {
			t.Errorf("%d results memoised, at most %d", n, maxMemo)
		}
	}
}

// The dead-end check must change no answer: the brute-force crosschecks
// and the plateau order again, with the check from the first expansion.
func TestDeadEndCheckChangesNoAnswer(t *testing.T) {
	old := pruneAfter
	pruneAfter = 0
	defer func() { pruneAfter = old }()
	TestRoutesMatchBruteForce(t)
	TestPlateauIsSearchedDepthFirst(t)
	TestStrongestEnforceableRouteIsSearchedBeyondTheBest(t)
	TestCyclesParallelRoutesAndTies(t)
	TestBrokers(t)
}

func callerCtx(subject string) context.Context {
	return domain.WithCaller(context.Background(), &domain.Caller{Subject: subject})
}

func TestLimiterSharesSlotsFairly(t *testing.T) {
	l := newLimiter(2, 1, 0) // no wait: refuse at once
	releaseA, err := l.acquire(callerCtx("token:a"), "brokers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.acquire(callerCtx("token:a"), "brokers"); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a second analysis of the same caller: %v", err)
	}
	releaseB, err := l.acquire(callerCtx("token:b"), "brokers")
	if err != nil {
		t.Fatalf("another caller's first analysis: %v", err)
	}
	if _, err := l.acquire(callerCtx("token:c"), "brokers"); !errs.Is(err, errs.Unavailable) {
		t.Errorf("every slot busy: %v", err)
	} else if msg, _ := errs.Public(err); !strings.Contains(msg, "retry") {
		t.Errorf("the message must say to retry: %q", msg)
	}
	releaseA()
	releaseA() // a second release frees nothing more
	if _, err := l.acquire(callerCtx("token:c"), "brokers"); err != nil {
		t.Errorf("after a release: %v", err)
	}
	if _, err := l.acquire(callerCtx("token:d"), "brokers"); !errs.Is(err, errs.Unavailable) {
		t.Errorf("a double release must not free a second slot: %v", err)
	}
	releaseB()
}

// A waiting analysis takes the slot freed by the caller's previous one;
// one whose request ends while it waits gives up with the request's error.
func TestLimiterWaitersGetFreedSlots(t *testing.T) {
	l := newLimiter(1, 1, time.Hour) // the wait never runs out in this test
	release, err := l.acquire(callerCtx("token:a"), "gaps")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error)
	go func() {
		r, err := l.acquire(callerCtx("token:a"), "gaps")
		if err == nil {
			r()
		}
		got <- err
	}()
	waitForWaiter(t, l)
	release()
	if err := <-got; err != nil {
		t.Errorf("the waiter: %v", err)
	}
	release, err = l.acquire(callerCtx("token:a"), "gaps")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(callerCtx("token:b"))
	go func() { _, err := l.acquire(ctx, "gaps"); got <- err }()
	waitForWaiter(t, l)
	cancel()
	if err := <-got; !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("a waiter whose request ends: %v", err)
	}
}

// waitForWaiter returns once some goroutine waits on the limiter's freed
// channel: the limiter counts waiters for this.
func waitForWaiter(t *testing.T, l *limiter) {
	t.Helper()
	for i := 0; l.waiting() == 0; i++ {
		if i > 1e6 {
			t.Fatal("no waiter came")
		}
		time.Sleep(time.Microsecond)
	}
}

// A request that finds another computing the same result waits for it;
// when that one fails (its request ran out of time or budget), the waiter
// computes under its own context rather than answer with the other's
// failure. Either interleaving must give the second caller its answer.
func TestMemoizedFailureIsNotHandedToWaiters(t *testing.T) {
	g := villageMap().graph(t, Options{})
	started, fail := make(chan struct{}), make(chan struct{})
	firstErr := make(chan error)
	go func() {
		_, err := memoize(context.Background(), g, "test", "k", func() (int, error) {
			close(started)
			<-fail
			return 0, tooLong("test", context.DeadlineExceeded)
		})
		firstErr <- err
	}()
	<-started
	second := make(chan int)
	go func() {
		v, err := memoize(context.Background(), g, "test", "k", func() (int, error) { return 42, nil })
		if err != nil {
			t.Errorf("the second caller got %v", err)
		}
		second <- v
	}()
	close(fail)
	if err := <-firstErr; !errs.Is(err, errs.Unavailable) {
		t.Errorf("the first caller: %v", err)
	}
	if v := <-second; v != 42 {
		t.Errorf("the second caller got %d, want its own 42", v)
	}
}

// A computation that panics fails its request with an internal error
// (the panic value is for the log, never the client) and is forgotten:
// the next request computes again rather than get an empty success.
func TestMemoizedPanicIsAnInternalErrorAndForgotten(t *testing.T) {
	g := villageMap().graph(t, Options{})
	v, err := memoize(context.Background(), g, "test", "k", func() (int, error) { panic("secret detail") })
	if !errs.Is(err, errs.Internal) || v != 0 {
		t.Fatalf("a panicking computation: %d, %v; want an internal error", v, err)
	}
	if msg, _ := errs.Public(err); strings.Contains(msg, "secret") {
		t.Errorf("the client is shown the panic: %q", msg)
	}
	if !strings.Contains(err.Error(), "secret detail") {
		t.Errorf("the log must get the panic value: %v", err)
	}
	if n := g.memoLen(); n != 0 {
		t.Errorf("%d entries kept after a panic", n)
	}
	if v, err := memoize(context.Background(), g, "test", "k", func() (int, error) { return 42, nil }); v != 42 || err != nil {
		t.Errorf("after the panic: %d, %v; want 42 computed afresh", v, err)
	}
}

// A request waiting for another's computation of the same result stops
// waiting when its own context ends, and the computation goes on for the
// request that started it.
func TestMemoWaiterStopsAtItsOwnDeadline(t *testing.T) {
	g := villageMap().graph(t, Options{})
	started, finish := make(chan struct{}), make(chan struct{})
	first := make(chan int)
	go func() {
		v, _ := memoize(context.Background(), g, "test", "k", func() (int, error) {
			close(started)
			<-finish
			return 42, nil
		})
		first <- v
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	waiter := make(chan error)
	go func() {
		_, err := memoize(ctx, g, "test", "k", func() (int, error) { return 0, errors.New("the waiter must not compute") })
		waiter <- err
	}()
	// finish is closed only after the waiter returned: a waiter that
	// waited for the computation would never return (the guard below
	// only turns that hang into a failure).
	select {
	case err := <-waiter:
		if !errs.Is(err, errs.Unavailable) {
			t.Errorf("the waiter whose request ended: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the waiter did not stop when its context ended")
	}
	close(finish)
	if v := <-first; v != 42 {
		t.Errorf("the computing request got %d", v)
	}
	if v, err := memoize(context.Background(), g, "test", "k", func() (int, error) { return 0, errors.New("recomputed") }); v != 42 || err != nil {
		t.Errorf("the result must be kept: %d, %v", v, err)
	}
}

// A panic in a gapClosures worker fails the request with an internal
// error instead of killing the process.
func TestGapClosuresWorkerPanicIsAnError(t *testing.T) {
	g := gapMap().graph(t, Options{AsOf: domaintest.Date("2025-07-01")})
	closureWorkerHook = func(int) { panic("worker bug") }
	defer func() { closureWorkerHook = nil }()
	if _, err := g.GapClosures(context.Background(), 10, 0.5); !errs.Is(err, errs.Internal) {
		t.Fatalf("a worker's panic: %v, want an internal error", err)
	}
	closureWorkerHook = nil
	if cls, err := g.GapClosures(context.Background(), 10, 0.5); err != nil || len(cls) == 0 {
		t.Errorf("after the panic: %d closures, %v", len(cls), err)
	}
}

// A request already over does not take a free slot.
func TestLimiterRefusesADoneRequest(t *testing.T) {
	l := newLimiter(1, 1, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if release, err := l.acquire(ctx, "brokers"); !errs.Is(err, errs.Unavailable) {
		if release != nil {
			release()
		}
		t.Fatalf("a cancelled request took a slot: %v", err)
	}
	if l.running != 0 {
		t.Errorf("%d slots taken", l.running)
	}
}
