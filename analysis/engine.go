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
// write bumps, see store/lock.go), the sensitivity levels its reader may
// see and the options it was built with, so a request never sees data
// older than the last write before it, nor anything above its clearance:
// the snapshot is read through the store as the caller, so it holds only
// the caller's visible graph. The check costs one small query, a miss one
// read of the workspace.
type Engine struct {
	src Source

	mu        sync.Mutex
	snapshots map[viewKey]*domain.Snapshot // newest snapshot per workspace and clearance
	graphs    map[graphKey]*Graph
	order     []graphKey // least recently used first
	maxGraphs int
}

// viewKey is a workspace as seen with one clearance (domain.Caller.View).
type viewKey struct {
	ws   string
	view string
}

type graphKey struct {
	viewKey
	version int64
	opts    Options
}

// NewEngine returns an engine over src that keeps up to maxGraphs
// projections (and the newest snapshot of each workspace they belong to).
func NewEngine(src Source, maxGraphs int) *Engine {
	if maxGraphs < 1 {
		maxGraphs = 8
	}
	return &Engine{src: src, snapshots: map[viewKey]*domain.Snapshot{}, graphs: map[graphKey]*Graph{}, maxGraphs: maxGraphs}
}

// Graph returns the projection of workspace ws under opts (normalised).
func (e *Engine) Graph(ctx context.Context, ws string, opts Options) (*Graph, error) {
	version, err := e.src.WorkspaceVersion(ctx, ws)
	if err != nil {
		return nil, err
	}
	view := viewKey{ws, domain.CallerFrom(ctx).View(ws)}
	key := graphKey{view, version, opts}
	e.mu.Lock()
	if g, ok := e.graphs[key]; ok {
		e.touch(key)
		e.mu.Unlock()
		g.noteConfidential(ctx)
		return g, nil
	}
	snap := e.snapshots[view]
	e.mu.Unlock()
	if snap == nil || snap.Version != version {
		if snap, err = e.src.AnalysisSnapshot(ctx, ws); err != nil {
			return nil, err
		}
	}
	g := Build(snap.Actors, snap.Relationships, opts)
	g.workspace, g.confidential = ws, confidentialOf(snap)
	g.noteConfidential(ctx)
	key.version = snap.Version // the snapshot may be newer than the version read above
	e.mu.Lock()
	defer e.mu.Unlock()
	if cur := e.snapshots[view]; cur == nil || cur.Version <= snap.Version {
		e.snapshots[view] = snap
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
	used := map[viewKey]bool{}
	for k := range e.graphs {
		used[k.viewKey] = true
	}
	for ws := range e.snapshots {
		if !used[ws] {
			delete(e.snapshots, ws)
		}
	}
}

// confidentialOf lists the confidential records of a snapshot: an
// analysis reads all of them, so each use of its projection is audited as
// a read of them (domain.ReadLog).
func confidentialOf(snap *domain.Snapshot) []string {
	var ids []string
	for _, a := range snap.Actors {
		if a.Sensitivity == domain.Confidential {
			ids = append(ids, a.ID)
		}
	}
	for _, r := range snap.Relationships {
		if r.Sensitivity == domain.Confidential {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func (g *Graph) noteConfidential(ctx context.Context) {
	c := domain.CallerFrom(ctx)
	if c == nil || c.Reads == nil {
		return
	}
	for _, id := range g.confidential {
		c.Reads.Note(g.workspace, id)
	}
}
