package analysis

import (
	"context"
	"sync"

	"github.com/actorgraph/actorgraph/domain"
)

// Source is where the engine reads workspaces (the store).
type Source interface {
	WorkspaceVersion(ctx context.Context, id string) (int64, error)
	AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error)
}

// Engine builds projections of workspaces and caches them. A cached
// projection is keyed by workspace, the workspace's version (which every
// write bumps, see store/lock.go) and the options it was built with, so a
// request never sees data older than the last write before it: the check
// costs one small query, a miss one read of the workspace.
type Engine struct {
	src Source

	mu        sync.Mutex
	snapshots map[string]*domain.Snapshot // newest snapshot per workspace
	graphs    map[graphKey]*Graph
	order     []graphKey // least recently used first
	maxGraphs int
}

type graphKey struct {
	ws      string
	version int64
	opts    Options
}

// NewEngine returns an engine over src that keeps up to maxGraphs
// projections (and the newest snapshot of each workspace they belong to).
func NewEngine(src Source, maxGraphs int) *Engine {
	if maxGraphs < 1 {
		maxGraphs = 8
	}
	return &Engine{src: src, snapshots: map[string]*domain.Snapshot{}, graphs: map[graphKey]*Graph{}, maxGraphs: maxGraphs}
}

// Graph returns the projection of workspace ws under opts (normalised).
func (e *Engine) Graph(ctx context.Context, ws string, opts Options) (*Graph, error) {
	version, err := e.src.WorkspaceVersion(ctx, ws)
	if err != nil {
		return nil, err
	}
	key := graphKey{ws, version, opts}
	e.mu.Lock()
	if g, ok := e.graphs[key]; ok {
		e.touch(key)
		e.mu.Unlock()
		return g, nil
	}
	snap := e.snapshots[ws]
	e.mu.Unlock()
	if snap == nil || snap.Version != version {
		if snap, err = e.src.AnalysisSnapshot(ctx, ws); err != nil {
			return nil, err
		}
	}
	g := Build(snap.Actors, snap.Relationships, opts)
	key.version = snap.Version // the snapshot may be newer than the version read above
	e.mu.Lock()
	defer e.mu.Unlock()
	if cur := e.snapshots[ws]; cur == nil || cur.Version <= snap.Version {
		e.snapshots[ws] = snap
	}
	if _, ok := e.graphs[key]; !ok {
		e.graphs[key] = g
		e.order = append(e.order, key)
		e.evict()
	}
	return g, nil
}

func (e *Engine) touch(k graphKey) {
	for i, x := range e.order {
		if x == k {
			e.order = append(append(e.order[:i:i], e.order[i+1:]...), k)
			return
		}
	}
}

// evict drops the least recently used projections beyond the limit, and
// snapshots no projection uses any more.
func (e *Engine) evict() {
	for len(e.order) > e.maxGraphs {
		delete(e.graphs, e.order[0])
		e.order = e.order[1:]
	}
	used := map[string]bool{}
	for k := range e.graphs {
		used[k.ws] = true
	}
	for ws := range e.snapshots {
		if !used[ws] {
			delete(e.snapshots, ws)
		}
	}
}
