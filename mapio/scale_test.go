package mapio_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// syntheticMap writes CSV files of a map with the given numbers of actors
// and relationships (every relationship with an external id, between
// random actors, of every type), reproducibly.
func syntheticMap(actors, relationships int) func() []mapio.File {
	rng := rand.New(rand.NewPCG(7, uint64(actors)))
	var a, r bytes.Buffer
	a.WriteString("externalId,name,kind,region,tags\n")
	kinds := domain.ActorKinds
	for i := range actors {
		fmt.Fprintf(&a, "a%d,Actor %d,%s,Region %d,t%d|u%d\n", i, i, kinds[i%len(kinds)], i%17, i%5, i%3)
	}
	r.WriteString("externalId,from,to,type,strength,confidence,validFrom\n")
	types := domain.RelationshipTypes
	for j := range relationships {
		from := rng.IntN(actors)
		to := (from + 1 + rng.IntN(actors-1)) % actors
		fmt.Fprintf(&r, "r%d,a%d,a%d,%s,%.2f,0.8,%d\n", j, from, to, types[j%len(types)], rng.Float64(), 2000+j%25)
	}
	ab, rb := a.Bytes(), r.Bytes()
	return func() []mapio.File {
		return []mapio.File{{Name: "actors.csv", Data: bytes.NewReader(ab)}, {Name: "relationships.csv", Data: bytes.NewReader(rb)}}
	}
}

// cancelAfter cancels ctx once the store has sent n more statements than
// when it was called: an import killed half way through its writing.
func cancelAfter(ctx context.Context, st *store.Neo4j, n int64) (context.Context, func() int64) {
	ctx, cancel := context.WithCancel(ctx)
	start := st.QueryCount()
	done := make(chan int64, 1)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				done <- st.QueryCount() - start
				return
			case <-time.After(200 * time.Microsecond):
				if st.QueryCount()-start >= n {
					done <- st.QueryCount() - start
					return
				}
			}
		}
	}()
	return ctx, func() int64 { return <-done }
}

// An import killed half way, after some of its batches were written in
// its transaction, leaves the workspace exactly as before: not one actor
// or relationship, and the same version. The same import then runs whole.
func TestImportKilledHalfWayLeavesNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	files := syntheticMap(3_000, 40_000) // relationships go in batches of 10,000 per statement
	before := contents(t, st, ws.ID)

	// The reads before writing (workspace check, contents) take a few
	// statements; the writes start with the lock and the actors. Cancel
	// once the first relationship batch has gone in.
	kctx, sent := cancelAfter(ctx, st, 10)
	_, err := mapio.Import(kctx, st, ws.ID, files(), mapio.Options{})
	n := sent()
	if err == nil {
		t.Fatalf("the killed import succeeded (%d statements before the kill)", n)
	}
	after := contents(t, st, ws.ID)
	if len(after.Actors) != 0 || len(after.Relationships) != 0 || after.Version <= before.Version {
		t.Fatalf("the killed import left %d actors, %d relationships, version %d (was %d; an undo moves it on)", len(after.Actors), len(after.Relationships), after.Version, before.Version)
	}

	start := st.QueryCount()
	rep, err := mapio.Import(ctx, st, ws.ID, files(), mapio.Options{})
	if err != nil || !rep.Written || rep.Relationships.Created != 40_000 {
		t.Fatalf("the whole import: %v %+v", err, rep)
	}
	if total := st.QueryCount() - start; n >= total {
		t.Errorf("the kill came after %d statements, but the whole import takes %d: it did not stop half way", n, total)
	}
	if got := contents(t, st, ws.ID); len(got.Actors) != 3_000 || len(got.Relationships) != 40_000 {
		t.Errorf("stored %d actors, %d relationships", len(got.Actors), len(got.Relationships))
	}
}

// Benchmarks of import and export at 10k and 1M relationships (imports
// commit a transaction per batch, so Neo4j's default heap does; the 1M
// exports build the whole workspace in memory).
// Run them with
//
//	go test ./mapio -run '^$' -bench 'Import|Export' -benchtime 1x
//
// Each reports rows per second and the peak Go heap while it ran.

var scales = []struct {
	name                  string
	actors, relationships int
}{{"10k", 1_000, 10_000}, {"1M", 100_000, 1_000_000}}

func BenchmarkImport(b *testing.B) {
	st := storetest.Open(b)
	for _, sc := range scales {
		b.Run(sc.name, func(b *testing.B) {
			files := syntheticMap(sc.actors, sc.relationships)
			for b.Loop() {
				b.StopTimer()
				ws := storetest.Workspace(b, st)
				peak := watchHeap()
				b.StartTimer()
				start := time.Now()
				rep, err := mapio.Import(ctx, st, ws.ID, files(), mapio.Options{})
				elapsed := time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatalf("import after %v: %v", elapsed, err)
				}
				if len(rep.Problems) > 0 || !rep.Written {
					b.Fatalf("import: %v", rep.Problems)
				}
				b.ReportMetric(float64(sc.actors+sc.relationships)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
				b.StartTimer()
			}
		})
	}
}

// BenchmarkSmallImport compares the two ways a write import commits, on
// a spreadsheet's size (100 actors, 300 relationships): one transaction,
// which every import within store.Config.ImportInOneTx takes, and the
// batches larger ones move to (here forced for every import). It reports
// the statements each import sends.
func BenchmarkSmallImport(b *testing.B) {
	files := syntheticMap(100, 300)
	for _, mode := range []struct {
		name string
		cfg  func(testing.TB) store.Config
	}{{"one-transaction", storetest.Config}, {"batches", storetest.BatchedImports}} {
		b.Run(mode.name, func(b *testing.B) {
			st := storetest.OpenWith(b, mode.cfg(b))
			var statements int64
			for b.Loop() {
				b.StopTimer()
				ws := storetest.Workspace(b, st)
				before := st.QueryCount()
				b.StartTimer()
				rep, err := mapio.Import(ctx, st, ws.ID, files(), mapio.Options{})
				b.StopTimer()
				if err != nil || !rep.Written || len(rep.Problems) > 0 {
					b.Fatalf("import: %v %v", err, rep)
				}
				statements += st.QueryCount() - before
				b.StartTimer()
			}
			b.ReportMetric(float64(statements)/float64(b.N), "statements/op")
		})
	}
}

func BenchmarkExport(b *testing.B) {
	st := storetest.Open(b)
	for _, sc := range scales {
		ws := storetest.Workspace(b, st)
		if rep, err := mapio.Import(ctx, st, ws.ID, syntheticMap(sc.actors, sc.relationships)(), mapio.Options{}); err != nil || !rep.Written {
			b.Fatalf("loading %s: %v", sc.name, err)
		}
		for _, f := range mapio.Formats {
			b.Run(sc.name+"/"+string(f), func(b *testing.B) {
				for b.Loop() {
					peak := watchHeap()
					start := time.Now()
					c, err := st.Contents(ctx, ws.ID)
					if err != nil {
						b.Fatal(err)
					}
					var n countingWriter
					if err := mapio.Export(c, f, &n); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(sc.actors+sc.relationships)/time.Since(start).Seconds(), "rows/s")
					b.ReportMetric(float64(n)/(1<<20), "MB")
					b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
				}
			})
		}
	}
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

// watchHeap samples the live Go heap until the returned function is
// called, which gives the largest sample.
func watchHeap() func() uint64 {
	stop, out := make(chan struct{}), make(chan uint64)
	runtime.GC()
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-out }
}

// BenchmarkImportGrowing imports a million rows into one workspace in ten
// imports of 100k rows (10k actors and 90k relationships each, whose ends
// are drawn from every actor imported so far), as a map grows over time.
// It logs each chunk's rows per second and the peak Go heap while it ran,
// and reports the first and last chunks' rates, the largest chunk peak and
// the process's peak RSS (VmHWM): with imports that look up only what
// their files name, the rate and the memory stay flat as the workspace
// grows. Run it with
//
//	go test ./mapio -run '^$' -bench ImportGrowing -benchtime 1x -timeout 60m
//
// IMPORT_GROWING_CHUNKS and IMPORT_GROWING_ACTORS shrink it for a quick look.
func BenchmarkImportGrowing(b *testing.B) {
	st := storetest.Open(b)
	chunks, actors := envInt("IMPORT_GROWING_CHUNKS", 10), envInt("IMPORT_GROWING_ACTORS", 10_000)
	rels := 9 * actors
	for b.Loop() {
		b.StopTimer()
		ws := storetest.Workspace(b, st)
		var rates []float64
		var peakHeap uint64
		for c := range chunks {
			files := growingChunk(c, actors, rels)
			peak := watchHeap()
			start := time.Now()
			b.StartTimer()
			rep, err := mapio.Import(ctx, st, ws.ID, files, mapio.Options{})
			b.StopTimer()
			elapsed := time.Since(start)
			heap := peak()
			if err != nil || len(rep.Problems) > 0 || rep.Actors.Created != actors || rep.Relationships.Created != rels {
				b.Fatalf("chunk %d after %v: %v %+v", c+1, elapsed, err, rep.Problems)
			}
			rate := float64(actors+rels) / elapsed.Seconds()
			rates = append(rates, rate)
			peakHeap = max(peakHeap, heap)
			b.Logf("chunk %2d: workspace %7d → %7d rows, %6.0f rows/s, %5.1f s, peak heap %4.0f MB",
				c+1, c*(actors+rels), (c+1)*(actors+rels), rate, elapsed.Seconds(), float64(heap)/(1<<20))
		}
		b.ReportMetric(rates[0], "rows/s-first")
		b.ReportMetric(rates[len(rates)-1], "rows/s-last")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
		b.ReportMetric(vmHWM()/(1<<20), "VmHWM-MB")
		b.StartTimer()
	}
}

// growingChunk is chunk c of BenchmarkImportGrowing: actors a<c*n>… and
// relationships between random actors of chunks 0..c.
func growingChunk(c, actors, rels int) []mapio.File {
	rng := rand.New(rand.NewPCG(11, uint64(c)))
	var a, r bytes.Buffer
	a.WriteString("externalId,name,kind,region,tags\n")
	kinds := domain.ActorKinds
	for i := c * actors; i < (c+1)*actors; i++ {
		fmt.Fprintf(&a, "a%d,Actor %d,%s,Region %d,t%d|u%d\n", i, i, kinds[i%len(kinds)], i%17, i%5, i%3)
	}
	r.WriteString("externalId,from,to,type,strength,confidence,validFrom\n")
	types, all := domain.RelationshipTypes, (c+1)*actors
	for j := c * rels; j < (c+1)*rels; j++ {
		from := rng.IntN(all)
		to := (from + 1 + rng.IntN(all-1)) % all
		fmt.Fprintf(&r, "r%d,a%d,a%d,%s,%.2f,0.8,%d\n", j, from, to, types[j%len(types)], rng.Float64(), 2000+j%25)
	}
	return []mapio.File{{Name: "actors.csv", Data: bytes.NewReader(a.Bytes())}, {Name: "relationships.csv", Data: bytes.NewReader(r.Bytes())}}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// vmHWM is the process's peak resident set, in bytes (0 where /proc is
// not there).
func vmHWM() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) * 1024
		}
	}
	return 0
}
