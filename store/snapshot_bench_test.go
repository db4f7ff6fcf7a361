package store_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/bench/gen"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkAnalysisSnapshot measures what a workspace-wide
// accountabilityGaps costs on the benchmark's generated map
// (bench/gen: 7.5 relationships per actor, 60/30/10%
// PUBLIC/RESTRICTED/CONFIDENTIAL) of 10,000 actors, or
// SNAPSHOT_BENCH_SIZE actors:
//
//	NEO4J_URI=bolt://… SNAPSHOT_BENCH_SIZE=100000 go test ./store -run '^$' -bench AnalysisSnapshot -benchtime 3x
//
// It runs:
//
//   - snapshot: the store's AnalysisSnapshot alone, for the operator;
//   - gaps/cold/admin: a new engine's first workspace-wide gaps for the
//     operator (snapshot, projection, gaps);
//   - gaps/cold/admin+analyst: the same, then the same question from an
//     analyst of clearance RESTRICTED, as bench/run asks them;
//   - gaps/warm/admin, gaps/warm/analyst: the question again on an engine
//     that has answered it;
//   - gaps/after a write/admin: one relationship updated, then the
//     question again on that engine (brought up to date from the store's
//     change log, not read again).
//
// Each reports peak-heap-MB, the most heap (live objects and garbage
// not yet collected) sampled during its iterations above what was in use
// before them; the warm ones also engine-retained-MB, the live heap the
// engine keeps after answering both callers (SNAPSHOT_BENCH_HEAPPROFILE
// names a file for the heap profile at that point).
//
// The map is loaded once into a workspace named after its size and seed,
// and found again by later runs against the same database (loading
// 100,000 actors takes minutes).
func BenchmarkAnalysisSnapshot(b *testing.B) {
	st := storetest.Open(b)
	size := 10_000
	if env := os.Getenv("SNAPSHOT_BENCH_SIZE"); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil || n <= 0 || n%gen.RegionSize != 0 {
			b.Fatalf("SNAPSHOT_BENCH_SIZE: want a positive multiple of %d, got %q", gen.RegionSize, env)
		}
		size = n
	}
	ws := snapshotBenchWorkspace(b, st, size)
	admin := domain.WithCaller(context.Background(), domain.Operator("bench"))
	analyst := domain.WithCaller(context.Background(), &domain.Caller{Subject: "bench analyst",
		Grants: map[string]domain.Grant{ws: {Role: domain.Analyst, Clearance: domain.Restricted}}})
	gaps := func(b *testing.B, e *analysis.Engine, ctx context.Context) int {
		ctx, done, err := e.Begin(ctx, "accountabilityGaps")
		if err != nil {
			b.Fatal(err)
		}
		defer done()
		g, err := e.Graph(ctx, ws, analysis.Options{Threshold: analysis.DefaultThreshold})
		if err != nil {
			b.Fatal(err)
		}
		gs, err := g.Gaps(ctx, analysis.GapFilter{})
		if err != nil {
			b.Fatal(err)
		}
		return len(gs)
	}
	b.Run("snapshot", func(b *testing.B) {
		var rels int
		measureHeap(b, func() {
			snap, err := st.AnalysisSnapshot(admin, ws)
			if err != nil {
				b.Fatal(err)
			}
			rels = len(snap.Relationships)
		})
		b.ReportMetric(float64(rels), "rels")
	})
	b.Run("gaps/cold/admin", func(b *testing.B) {
		measureHeap(b, func() { gaps(b, analysis.NewEngine(st, 8), admin) })
	})
	b.Run("gaps/cold/admin+analyst", func(b *testing.B) {
		measureHeap(b, func() {
			e := analysis.NewEngine(st, 8)
			gaps(b, e, admin)
			gaps(b, e, analyst)
		})
	})
	before := heapInUse()
	warm := analysis.NewEngine(st, 8)
	callers := []struct {
		name string
		ctx  context.Context
	}{{"admin", admin}, {"analyst", analyst}}
	found := map[string]int{}
	for _, c := range callers {
		found[c.name] = gaps(b, warm, c.ctx)
	}
	// What the engine keeps for the two callers: the snapshot, their
	// projections and their memoised gaps.
	retained := float64(heapInUse()-min(before, heapInUse())) / (1 << 20)
	if path := os.Getenv("SNAPSHOT_BENCH_HEAPPROFILE"); path != "" {
		writeHeapProfile(b, path)
	}
	for _, c := range callers {
		b.Run("gaps/warm/"+c.name, func(b *testing.B) {
			measureHeap(b, func() { gaps(b, warm, c.ctx) })
			b.ReportMetric(float64(found[c.name]), "gaps")
			b.ReportMetric(retained, "engine-retained-MB")
		})
	}
	// A write, then the question again: the engine brings its snapshot up
	// to date from the store's change log instead of reading the
	// workspace, then builds the projection and the gaps afresh.
	g, err := warm.Graph(admin, ws, analysis.Options{Threshold: analysis.DefaultThreshold})
	if err != nil {
		b.Fatal(err)
	}
	edited := g.Relationships()[0]
	b.Run("gaps/after a write/admin", func(b *testing.B) {
		strength := edited.Strength
		measureHeap(b, func() {
			strength = 1.5 - strength // a different value each time: 0.5 ↔ 1.0, or back
			if _, err := st.UpdateRelationship(admin, edited.ID, domain.RelationshipPatch{Strength: domain.Opt[float64]{Set: true, Value: &strength}}); err != nil {
				b.Fatal(err)
			}
			gaps(b, warm, admin)
		})
	})
	runtime.KeepAlive(warm)
}

// heapInUse is the heap's live objects after a collection.
func heapInUse() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// writeHeapProfile writes the live heap's profile to path.
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// snapshotBenchWorkspace returns the workspace holding the generated map
// of size actors, loading it when no workspace of its name holds it whole.
func snapshotBenchWorkspace(b *testing.B, st *store.Neo4j, size int) string {
	const seed = 14
	ctx := storetest.Ctx()
	name := fmt.Sprintf("snapshot bench %d seed %d", size, seed)
	wss, err := st.Workspaces(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range wss {
		if w.Name != name {
			continue
		}
		counts, err := st.WorkspaceCounts(ctx, []string{w.ID})
		if err != nil {
			b.Fatal(err)
		}
		if c, ok := counts[w.ID]; ok && c.Actors == size && c.Relationships == size*15/2 {
			return w.ID
		}
	}
	w, err := st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	m, err := gen.Generate(w.ID, size, seed)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Load(ctx, st, w.ID, m, b.Logf); err != nil {
		b.Fatal(err)
	}
	return w.ID
}

// measureHeap runs f b.N times and reports the peak heap above the heap
// in use before, sampled every millisecond.
func measureHeap(b *testing.B, f func()) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		f()
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > base {
		b.ReportMetric(float64(p-base)/(1<<20), "peak-heap-MB")
	} else {
		b.ReportMetric(0, "peak-heap-MB")
	}
}
