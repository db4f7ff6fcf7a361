package mapio_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
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
	if len(after.Actors) != 0 || len(after.Relationships) != 0 || after.Version != before.Version {
		t.Fatalf("the killed import left %d actors, %d relationships, version %d (was %d)", len(after.Actors), len(after.Relationships), after.Version, before.Version)
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

// Benchmarks of import and export at 10k and 1M relationships (the 1M
// cases need a Neo4j with a large heap: NEO4J_HEAP=8g dev/neo4j/neo4j.sh).
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
