package analysis

import (
	"context"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
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
	return &domain.Snapshot{WorkspaceID: ws, Version: f.version, Actors: f.b.actors, Relationships: f.b.rels}, nil
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
