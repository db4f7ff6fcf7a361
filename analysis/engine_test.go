package analysis

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

// fakeSource is an in-memory workspace with a version, counting reads.
type fakeSource struct {
	version int64
	b       *mapBuilder
	loads   int
}

func (f *fakeSource) WorkspaceVersion(context.Context, string) (int64, error) { return f.version, nil }
func (f *fakeSource) AnalysisSnapshot(_ context.Context, ws string) (*domain.Snapshot, error) {
	f.loads++
	return &domain.Snapshot{WorkspaceID: ws, Version: f.version, Actors: f.b.actors, Relationships: factsOf(f.b.rels)}, nil
}

func TestEngineCachesByVersionAndOptions(t *testing.T) {
	src := &fakeSource{version: 1, b: villageMap()}
	e := NewEngine(src, 2)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01")}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	graph := func(o Options) *Graph {
		t.Helper()
		g, err := e.Graph(context.Background(), "ws", o)
		if err != nil || g == nil {
			t.Fatalf("Graph: %v, %v", g, err)
		}
		return g
	}
	g1 := graph(opts)
	g2 := graph(opts)
	if g1.projection != g2.projection || src.loads != 1 {
		t.Errorf("same version and options: %d loads, same projection %v", src.loads, g1.projection == g2.projection)
	}
	perQuestion := opts
	perQuestion.MaxHops, perQuestion.Threshold = 2, 0.7
	if g := graph(perQuestion); g.projection != g1.projection || g.Options() != perQuestion {
		t.Errorf("hops and threshold are per question: same projection %v, options %+v", g.projection == g1.projection, g.Options())
	}
	other := opts
	other.MinConfidence = 0.5
	g3 := graph(other)
	if g3.projection == g1.projection || src.loads != 1 {
		t.Errorf("another minConfidence reuses the snapshot but not the projection: %d loads", src.loads)
	}
	src.version = 2 // a write
	g4 := graph(opts)
	if g4.projection == g1.projection || src.loads != 2 {
		t.Errorf("a new version must reload: %d loads", src.loads)
	}
	if len(e.graphs) > 2 {
		t.Errorf("%d graphs kept, limit 2", len(e.graphs))
	}
}

// Once a workspace's new version has been read, the engine keeps no
// projection of its old ones, whatever the room in its cache: a
// workspace edited and analysed in turn filled it with projections no
// request would ask for. Other workspaces' stay.
func TestEngineDropsProjectionsOfOldVersions(t *testing.T) {
	src := &fakeSource{version: 1, b: villageMap()}
	other := &fakeSource{version: 1, b: villageMap()}
	e := NewEngine(routedSource{"ws": src, "other": other}, 8)
	graph := func(ws string, minConfidence float64) *Graph {
		t.Helper()
		g, err := e.Graph(context.Background(), ws, Options{MinConfidence: minConfidence})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	graph("other", 0)
	for v := int64(1); v <= 3; v++ {
		src.version = v // a write
		graph("ws", 0)
		graph("ws", 0.5)
		versions := map[int64]int{}
		for k := range e.graphs {
			if k.ws == "ws" {
				versions[k.version]++
			}
		}
		if !reflect.DeepEqual(versions, map[int64]int{v: 2}) {
			t.Errorf("version %d: projections kept by version %v, want only the two of version %d", v, versions, v)
		}
		if e.Projections() != 3 || len(e.order) != 3 {
			t.Errorf("version %d: %d projections (%d in the eviction order), want 3 with the other workspace's", v, e.Projections(), len(e.order))
		}
	}
	// A request that found version 2 and whose read ends after requests
	// found version 3 (a slow read, or a write while it built): its
	// snapshot and projection drop nothing of version 3, and its projection
	// is used, not kept.
	before := e.Projections()
	old := &domain.Snapshot{WorkspaceID: "ws", Version: 2, Actors: src.b.actors, Relationships: factsOf(src.b.rels)}
	e.keepSnapshot(old)
	if kept := e.snapshots["ws"]; kept == nil || kept.Version != 3 {
		t.Fatalf("after a late read of version 2 the engine keeps %v, want the snapshot of version 3", versionOf(kept))
	}
	loads := src.loads
	stale := graph("ws", 0.25).projection
	if src.loads != loads {
		t.Errorf("a new question at version 3 read the workspace again (%d reads, %d before): the late read replaced version 3's snapshot", src.loads, loads)
	}
	key := graphKey{viewKey{"ws", ""}, 2, domain.Date{}, 0.75}
	if got := e.keepProjection(key, stale); got != stale || e.graphs[key] != nil {
		t.Errorf("a projection of version 2 after version 3 was found: kept %v", e.graphs[key] != nil)
	}
	if e.Projections() != before+1 { // version 3's, and the one just asked at version 3
		t.Errorf("%d projections after a late read of version 2, want %d: version 3's were dropped", e.Projections(), before+1)
	}
}

// The engine notes the version of every workspace it is asked about, and
// forgets those of which it holds nothing once it notes more than
// maxVersionsNoted: a process that analyses many workspaces in turn (or
// workspaces since deleted) does not keep one each for ever, and still
// knows the versions of those it holds projections of.
func TestEngineForgetsVersionsOfWorkspacesItNoLongerHolds(t *testing.T) {
	src := routedSource{}
	e := NewEngine(src, 8)
	for i := range maxVersionsNoted + 100 {
		ws := fmt.Sprint("ws", i)
		src[ws] = &fakeSource{version: int64(i + 1), b: villageMap()}
		if _, err := e.Graph(context.Background(), ws, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.current); n > maxVersionsNoted+1 {
		t.Errorf("the engine notes the versions of %d workspaces, want at most %d", n, maxVersionsNoted+1)
	}
	for k := range e.graphs {
		if v, ok := e.current[k.ws]; !ok || v != k.version {
			t.Errorf("workspace %s, whose projection the engine holds, is noted at version %d (%v), want %d", k.ws, v, ok, k.version)
		}
	}
}

// versionOf says which version snap is of, for failures.
func versionOf(snap *domain.Snapshot) string {
	if snap == nil {
		return "no snapshot"
	}
	return fmt.Sprint("the snapshot of version ", snap.Version)
}

// routedSource is a Source of several workspaces, each its own.
type routedSource map[string]*fakeSource

func (r routedSource) WorkspaceVersion(ctx context.Context, ws string) (int64, error) {
	return r[ws].WorkspaceVersion(ctx, ws)
}
func (r routedSource) AnalysisSnapshot(ctx context.Context, ws string) (*domain.Snapshot, error) {
	return r[ws].AnalysisSnapshot(ctx, ws)
}

// Begin admits analyses through the engine's limiter, by caller, and
// gives each request one budget: the one it carries, or a fresh one.
func TestEngineBeginLimitsAndBudgets(t *testing.T) {
	e := NewEngine(&fakeSource{version: 1, b: villageMap()}, 2, Limits{MaxRunning: 2, PerCaller: 1, WorkBudget: 1234, Wait: time.Millisecond})
	as := func(subject string) context.Context {
		return domain.WithCaller(context.Background(), &domain.Caller{Subject: subject})
	}
	ctxA, doneA, err := e.Begin(as("token:a"), "brokers")
	if err != nil {
		t.Fatal(err)
	}
	if b := BudgetFrom(ctxA); b == nil || b.Limit() != 1234 {
		t.Errorf("a request without a budget gets the engine's: %v", b)
	}
	if _, _, err := e.Begin(as("token:a"), "brokers"); !errs.Is(err, errs.RateLimited) {
		t.Errorf("over the caller's share: %v", err)
	}
	own := NewBudget(99)
	ctxB, doneB, err := e.Begin(WithBudget(as("token:b"), own), "brokers")
	if err != nil {
		t.Fatal(err)
	}
	if BudgetFrom(ctxB) != own {
		t.Error("a request's own budget must be kept: its aliased fields share it")
	}
	if _, _, err := e.Begin(as("token:c"), "brokers"); !errs.Is(err, errs.Unavailable) {
		t.Errorf("every slot busy: %v", err)
	}
	doneA()
	doneB()
	_, doneC, err := e.Begin(as("token:c"), "brokers")
	if err != nil {
		t.Errorf("after both finished: %v", err)
	}
	doneC()
}

// The analyses of one request share its slot: on two cores (two slots,
// one per caller) a request asking brokers and gapClosures runs both,
// and the caller's share counts requests, not fields.
func TestAnalysesOfOneRequestShareItsSlot(t *testing.T) {
	e := NewEngine(&fakeSource{version: 1, b: villageMap()}, 2, Limits{MaxRunning: 2, PerCaller: 1, Wait: time.Millisecond})
	caller := domain.WithCaller(context.Background(), &domain.Caller{Subject: "token:a"})
	req := e.WithRequestBudget(caller)
	ctx1, done1, err := e.Begin(req, "brokers")
	if err != nil {
		t.Fatal(err)
	}
	ctx2, done2, err := e.Begin(req, "gapClosures")
	if err != nil {
		t.Fatalf("the request's second analysis: %v", err)
	}
	if BudgetFrom(ctx1) != BudgetFrom(ctx2) || BudgetFrom(ctx1) != BudgetFrom(req) {
		t.Error("the request's analyses must share its budget")
	}
	if n := e.lim.running; n != 1 {
		t.Errorf("%d slots for one request", n)
	}
	if _, _, err := e.Begin(e.WithRequestBudget(caller), "brokers"); !errs.Is(err, errs.RateLimited) {
		t.Errorf("the caller's second request, over its share: %v", err)
	}
	done1()
	if n := e.lim.running; n != 1 {
		t.Errorf("the slot must be held while one of the request's analyses runs: %d", n)
	}
	done2()
	done2() // done twice frees nothing more
	if n := e.lim.running; n != 0 {
		t.Errorf("%d slots held after the request's analyses finished", n)
	}
	if _, done, err := e.Begin(e.WithRequestBudget(caller), "brokers"); err != nil {
		t.Errorf("after the request finished: %v", err)
	} else {
		done()
	}
}

// Two analyses of one request beginning while every slot is busy: one
// waits in the limiter, the other waits for it and joins its slot rather
// than take (and wait for) one of its own.
func TestRequestWaitsForOneSlot(t *testing.T) {
	e := NewEngine(&fakeSource{version: 1, b: villageMap()}, 2, Limits{MaxRunning: 1, PerCaller: 1, Wait: time.Hour})
	as := func(subject string) context.Context {
		return e.WithRequestBudget(domain.WithCaller(context.Background(), &domain.Caller{Subject: subject}))
	}
	_, doneB, err := e.Begin(as("token:b"), "brokers")
	if err != nil {
		t.Fatal(err)
	}
	req := as("token:a")
	type result struct {
		done func()
		err  error
	}
	results := make(chan result, 2)
	for _, op := range []string{"brokers", "gapClosures"} {
		go func() {
			_, done, err := e.Begin(req, op)
			results <- result{done, err}
		}()
	}
	waitForWaiter(t, e.lim)
	doneB()
	var dones []func()
	for range 2 {
		select {
		case r := <-results:
			if r.err != nil {
				t.Fatalf("an analysis of the request: %v", r.err)
			}
			dones = append(dones, r.done)
		case <-time.After(10 * time.Second):
			// Only a field that took a slot of its own waits this long.
			t.Fatal("an analysis of the request waited for a slot of its own")
		}
	}
	if n := e.lim.running; n != 1 {
		t.Errorf("%d slots for one request", n)
	}
	for _, d := range dones {
		d()
	}
	if n := e.lim.running; n != 0 {
		t.Errorf("%d slots held after the request", n)
	}
}

// blockingSource is a fakeSource whose reads wait for release, counted
// atomically.
type blockingSource struct {
	snap    *domain.Snapshot
	loads   atomic.Int32
	release chan struct{}
}

func (s *blockingSource) WorkspaceVersion(context.Context, string) (int64, error) {
	return s.snap.Version, nil
}
func (s *blockingSource) AnalysisSnapshot(context.Context, string) (*domain.Snapshot, error) {
	s.loads.Add(1)
	<-s.release
	return s.snap, nil
}

// gatheringSource is a blockingSource whose WorkspaceVersion waits until
// every expected caller has asked it, so that they all miss the cache
// together, and whose read remembers whose request started it and fails
// when its context has ended.
type gatheringSource struct {
	blockingSource
	gather  sync.WaitGroup
	starter atomic.Value // the subject of the caller whose context the read got
}

func (s *gatheringSource) WorkspaceVersion(ctx context.Context, ws string) (int64, error) {
	s.gather.Done()
	s.gather.Wait()
	return s.blockingSource.WorkspaceVersion(ctx, ws)
}

func (s *gatheringSource) AnalysisSnapshot(ctx context.Context, ws string) (*domain.Snapshot, error) {
	s.starter.Store(domain.CallerFrom(ctx).Subject)
	s.loads.Add(1)
	select {
	case <-s.release:
		return s.snap, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Requests that miss the cache at once share one read of the workspace,
// whatever their clearance, and the read goes on for the others when the
// request that started it leaves: that one is told UNAVAILABLE.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	b := villageMap()
	src := &gatheringSource{blockingSource: blockingSource{release: make(chan struct{}),
		snap: &domain.Snapshot{WorkspaceID: "ws", Version: 1, Actors: b.actors, Relationships: factsOf(b.rels)}}}
	const callers = 4
	src.gather.Add(callers)
	e := NewEngine(src, 8)
	cancels := map[string]context.CancelFunc{}
	errc := map[string]chan error{}
	for i := range callers {
		c := domain.Operator(fmt.Sprintf("caller %d", i))
		if i%2 == 1 {
			c = &domain.Caller{Subject: c.Subject, Grants: map[string]domain.Grant{"ws": {Role: domain.Analyst, Clearance: domain.Restricted}}}
		}
		ctx, cancel := context.WithCancel(domain.WithCaller(context.Background(), c))
		defer cancel()
		cancels[c.Subject], errc[c.Subject] = cancel, make(chan error, 1)
		go func() {
			_, err := e.Graph(ctx, "ws", Options{})
			errc[c.Subject] <- err
		}()
	}
	// Once the read has begun, give the others time to join it: a
	// regression shows as more reads, and waiting cannot fail a correct
	// engine.
	for src.loads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	starter := src.starter.Load().(string)
	cancels[starter]()
	if err := <-errc[starter]; !errs.Is(err, errs.Unavailable) {
		t.Errorf("the request that left while the workspace was read: %v, want UNAVAILABLE", err)
	}
	close(src.release)
	for subject, c := range errc {
		if subject == starter {
			continue
		}
		if err := <-c; err != nil {
			t.Errorf("%s: %v", subject, err)
		}
	}
	if n := src.loads.Load(); n != 1 {
		t.Errorf("%d reads of the workspace for %d requests that missed the cache at once, want 1", n, callers)
	}
}

// A read that every waiting request has left stops: the source sees its
// context end. The next request reads again.
func TestReadStopsWhenEveryRequestHasLeft(t *testing.T) {
	b := villageMap()
	src := &gatheringSource{blockingSource: blockingSource{release: make(chan struct{}),
		snap: &domain.Snapshot{WorkspaceID: "ws", Version: 1, Actors: b.actors, Relationships: factsOf(b.rels)}}}
	src.gather.Add(1)
	e := NewEngine(src, 8)
	ctx, cancel := context.WithCancel(domain.WithCaller(context.Background(), domain.Operator("admin")))
	errc := make(chan error, 1)
	go func() {
		_, err := e.Graph(ctx, "ws", Options{})
		errc <- err
	}()
	for src.loads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errs.Is(err, errs.Unavailable) {
		t.Fatalf("the request that left: %v", err)
	}
	// The read's own context ends: the source returns (it would block
	// until release otherwise, and the engine would hold the read).
	for {
		e.mu.Lock()
		n := len(e.reads)
		e.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(src.release)
	src.gather.Add(1)
	if _, err := e.Graph(domain.WithCaller(context.Background(), domain.Operator("admin")), "ws", Options{}); err != nil {
		t.Fatal(err)
	}
	if n := src.loads.Load(); n != 2 {
		t.Errorf("%d reads, want 2: the abandoned one and the next request's", n)
	}
}

// A workspace's version can go down (a database restored from a backup;
// an undo, before versions only grew). The engine then reads the
// workspace again rather than take the copy it read at the higher version
// for it.
func TestEngineReadsAgainWhenTheVersionGoesDown(t *testing.T) {
	src := &fakeSource{version: 1<<32 + 7, b: villageMap()} // an import's versions are 2^32 past its base
	e := NewEngine(src, 8)
	if _, err := e.Graph(context.Background(), "ws", Options{}); err != nil {
		t.Fatal(err)
	}
	src.version = 7 // the import undone
	if _, err := e.Graph(context.Background(), "ws", Options{}); err != nil {
		t.Fatal(err)
	}
	if src.loads != 2 {
		t.Errorf("%d reads of the workspace, want 2: the one during the import, and one after its undo", src.loads)
	}
}

// The engine reads a workspace once and shows each caller what its
// clearance covers, exactly as the store's scoping would: records above
// it, unreadable levels and relationships to hidden actors left out, and
// only the confidential records it sees audited.
func TestEngineSharesOneSnapshotAcrossClearances(t *testing.T) {
	b := villageMap()
	for _, a := range b.actors {
		a.Sensitivity = domain.Public
	}
	for _, r := range b.rels {
		r.Sensitivity = domain.Public
	}
	b.set("council", func(a *domain.Actor) { a.Sensitivity = domain.Confidential })
	b.set("board", func(a *domain.Actor) { a.Sensitivity = "UNREADABLE" })
	level := map[string]domain.Sensitivity{"t1": domain.Restricted, "s1": domain.Confidential, "tw": "UNREADABLE"}
	for _, r := range b.rels {
		if l, ok := level[r.ID]; ok {
			r.Sensitivity = l
		}
	}
	src := &blockingSource{snap: &domain.Snapshot{WorkspaceID: "ws", Version: 1, Actors: b.actors, Relationships: factsOf(b.rels)},
		release: make(chan struct{})}
	close(src.release)
	e := NewEngine(src, 8)
	as := func(c *domain.Caller) (*Graph, *domain.ReadLog) {
		t.Helper()
		c.Reads = &domain.ReadLog{}
		g, err := e.Graph(domain.WithCaller(context.Background(), c), "ws", Options{})
		if err != nil {
			t.Fatal(err)
		}
		return g, c.Reads
	}
	seen := func(g *Graph) (actors, rels string) {
		var as, rs []string
		for _, a := range g.actors {
			as = append(as, a.ID)
		}
		for _, r := range g.Relationships() {
			rs = append(rs, r.ID)
		}
		sort.Strings(as) // villageMap adds them in a map's order
		return strings.Join(as, ","), strings.Join(rs, ",")
	}
	admin, adminReads := as(domain.Operator("admin"))
	if a, r := seen(admin); a != "board,council,network,police,village" || r != "a1,c1,d1,i1,p1,s1,t1,tm,tw" {
		t.Errorf("the admin sees actors %s and relationships %s, want everything", a, r)
	}
	if got := adminReads.Take()["ws"]; !reflect.DeepEqual(got, []string{"council", "s1"}) {
		t.Errorf("the admin's audited reads: %v", got)
	}
	grant := func(c domain.Sensitivity) *domain.Caller {
		return &domain.Caller{Subject: "analyst", Grants: map[string]domain.Grant{"ws": {Role: domain.Analyst, Clearance: c}}}
	}
	restricted, restrictedReads := as(grant(domain.Restricted))
	if a, r := seen(restricted); a != "network,police,village" || r != "p1,t1,tm" {
		t.Errorf("a RESTRICTED analyst sees actors %s and relationships %s", a, r)
	}
	if got := restrictedReads.Take()["ws"]; len(got) != 0 {
		t.Errorf("a RESTRICTED analyst read confidential records: %v", got)
	}
	confidential, _ := as(grant(domain.Confidential))
	if a, r := seen(confidential); a != "council,network,police,village" || r != "a1,i1,p1,s1,t1,tm" {
		t.Errorf("a CONFIDENTIAL analyst sees actors %s and relationships %s", a, r)
	}
	stranger := &domain.Caller{Subject: "stranger", Grants: map[string]domain.Grant{"other": {Role: domain.Owner, Clearance: domain.Confidential}}}
	outsider, _ := as(stranger)
	if a, r := seen(outsider); a != "" || r != "" {
		t.Errorf("a caller of another workspace sees actors %s and relationships %s", a, r)
	}
	if n := src.loads.Load(); n != 1 {
		t.Errorf("%d reads of the workspace for four clearances, want 1", n)
	}
}
