package analysis

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Source is where the engine reads workspaces (the store). The snapshot
// holds the whole workspace, whatever the caller's clearance (the caller
// must see the workspace itself): the engine applies the clearance.
type Source interface {
	WorkspaceVersion(ctx context.Context, id string) (int64, error)
	AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error)
}

// ChangeLog is a Source that remembers what its writes changed (the store
// does: store.Neo4j.ChangesSince). The engine brings a snapshot it holds
// up to date from the changes, when the log has every one since the
// snapshot's version, instead of reading the workspace again.
type ChangeLog interface {
	ChangesSince(ws string, from, to int64) ([]domain.Change, bool)
}

// Engine builds projections of workspaces and caches them. A cached
// projection is keyed by workspace, the workspace's version (which every
// write bumps, see store/lock.go), the sensitivity levels its reader may
// see and the options that decide which relationships are in force (AsOf,
// MinConfidence), so a request never sees data older than the last write
// before it, nor anything above its clearance. The snapshot of the whole
// workspace is kept per version and shared by every clearance: a
// projection is built from the records the caller may see (visibleTo),
// exactly those the store's scoping would show it. The check costs one
// small query, a miss one read of the workspace (none when another
// clearance's projection read this version already). The per-question
// options (MaxHops, Threshold) are not part of the key: every question
// shares the projection, and its results are memoised in it (a bounded
// number, see maxMemo).
//
// The engine also bounds the work analyses do: how many run at once, and
// how much work one request may spend (see Limits, Begin).
type Engine struct {
	src    Source
	lim    *limiter
	budget int64

	mu        sync.Mutex
	reads     map[snapshotKey]*snapshotRead // snapshot reads under way
	snapshots map[string]*domain.Snapshot   // newest snapshot per workspace
	current   map[string]int64              // the version a request found last, per workspace (see noteVersion)
	graphs    map[graphKey]*projection
	order     []graphKey // least recently used first
	maxGraphs int
}

// Limits bound the engine's work.
type Limits struct {
	// MaxRunning is how many requests may run analyses at once in the
	// process (< 1: GOMAXPROCS, one per core: they are CPU bound). The
	// analyses of one request share its slot (see Begin).
	MaxRunning int
	// PerCaller is how many of them one caller (credential subject) may
	// hold (< 1: half of MaxRunning, at least one).
	PerCaller int
	// WorkBudget is how much work one request may spend on analyses, all
	// its fields together (< 1: DefaultWorkBudget).
	WorkBudget int64
	// Wait is how long an analysis waits for a slot before it is refused
	// (<= 0: DefaultSlotWait).
	Wait time.Duration
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxRunning < 1 {
		l.MaxRunning = runtime.GOMAXPROCS(0)
	}
	if l.PerCaller < 1 {
		l.PerCaller = max(1, l.MaxRunning/2)
	}
	if l.WorkBudget < 1 {
		l.WorkBudget = DefaultWorkBudget
	}
	if l.Wait <= 0 {
		l.Wait = DefaultSlotWait
	}
	return l
}

// viewKey is a workspace as seen with one clearance (domain.Caller.View).
type viewKey struct {
	ws   string
	view string
}

// graphKey is what a projection depends on: the view, its version, and
// the options that decide which relationships are in force.
type graphKey struct {
	viewKey
	version       int64
	asOf          domain.Date
	minConfidence float64
}

// NewEngine returns an engine over src that keeps up to maxGraphs
// projections (and the newest snapshot of each workspace they belong to),
// bounded by limits (at most one; none: the defaults).
func NewEngine(src Source, maxGraphs int, limits ...Limits) *Engine {
	if maxGraphs < 1 {
		maxGraphs = 8
	}
	var l Limits
	if len(limits) > 0 {
		l = limits[0]
	}
	l = l.withDefaults()
	return &Engine{src: src, lim: newLimiter(l.MaxRunning, l.PerCaller, l.Wait), budget: l.WorkBudget,
		snapshots: map[string]*domain.Snapshot{}, current: map[string]int64{}, reads: map[snapshotKey]*snapshotRead{}, graphs: map[graphKey]*projection{}, maxGraphs: maxGraphs}
}

// WithRequestBudget gives a request its work budget: every analysis it
// asks for, aliased fields included, spends from the one budget. The HTTP
// layer calls it once per GraphQL operation.
func (e *Engine) WithRequestBudget(ctx context.Context) context.Context {
	return WithBudget(ctx, NewBudget(e.budget))
}

// Begin admits one analysis (op names it in errors): it makes sure ctx
// carries a work budget (a fresh one when the request has none) and takes
// the request's analysis slot: the first analysis of a request takes one
// of the process's slots for the caller, waiting briefly for one, and the
// request's other analyses share it (see requestSlot). The analysis must
// call done when it is over.
func (e *Engine) Begin(ctx context.Context, op string) (_ context.Context, done func(), _ error) {
	b := BudgetFrom(ctx)
	if b == nil {
		ctx = e.WithRequestBudget(ctx)
		b = BudgetFrom(ctx)
	}
	leave, err := b.slot.join(ctx, e.lim, op)
	if err != nil {
		return ctx, func() {}, err
	}
	return ctx, leave, nil
}

// Graph returns the projection of workspace ws asked with opts (checked
// again here: a NaN in a cache key would never equal itself, and each
// request would leave a projection eviction cannot find).
func (e *Engine) Graph(ctx context.Context, ws string, opts Options) (*Graph, error) {
	opts, err := opts.Normalize()
	if err != nil {
		return nil, err
	}
	version, err := e.src.WorkspaceVersion(ctx, ws)
	if err != nil {
		return nil, err
	}
	view := viewKey{ws, domain.CallerFrom(ctx).View(ws)}
	key := graphKey{view, version, opts.AsOf, opts.MinConfidence}
	e.mu.Lock()
	e.noteVersion(ws, version)
	if p, ok := e.graphs[key]; ok {
		e.touch(key)
		e.mu.Unlock()
		p.noteConfidential(ctx)
		return &Graph{projection: p, opts: opts}, nil
	}
	snap := e.snapshots[ws]
	e.mu.Unlock()
	if snap == nil || snap.Version != version {
		if snap, err = e.readSnapshot(ctx, ws, version); err != nil {
			return nil, err
		}
	}
	actors, rels := visibleTo(domain.CallerFrom(ctx), snap)
	g, err := BuildContext(ctx, actors, rels, opts)
	if err != nil {
		return nil, err
	}
	g.workspace, g.confidential = ws, confidentialOf(actors, rels)
	g.noteConfidential(ctx)
	key.version = snap.Version // the snapshot may be newer than the version read above
	return &Graph{projection: e.keepProjection(key, g.projection), opts: opts}, nil
}

// noteVersion notes that a request found workspace ws at version, and
// when that is not the version found before, drops the workspace's
// projections of other versions (e.mu is held). Every request asks for
// the version it finds, and versions only grow (store/importstage.go),
// so those would never be found again, and until the cache evicted them
// they held memory: at 100,000 actors tens of megabytes each with their
// memoised results, and a workspace edited and analysed in turn filled
// the cache with them. It goes by the version requests find, not by the
// snapshot read last: a slow read of an older version, ending after a
// newer one, must not drop the newer version's projections.
//
// A request whose version came from Neo4j just before a write, and that
// gets here after requests that found the write's version, drops that
// version's projections all the same (the engine does not take a lower
// version for an older one: see snapshotAt): it costs a rebuild, never a
// stale answer, since a projection is found only under its own version.
func (e *Engine) noteVersion(ws string, version int64) {
	if v, ok := e.current[ws]; ok && v == version {
		return
	}
	e.current[ws] = version
	e.order = slices.DeleteFunc(e.order, func(k graphKey) bool {
		if k.ws == ws && k.version != version {
			delete(e.graphs, k)
			return true
		}
		return false
	})
}

// keepProjection caches p under key, and returns the projection to use:
// the one another request built meanwhile, to share its memoised
// results; p, not cached, when it is not of the version requests find
// now (a write came while it was built, or the snapshot was newer than
// the version its request found: see noteVersion); else p.
func (e *Engine) keepProjection(key graphKey, p *projection) *projection {
	e.mu.Lock()
	defer e.mu.Unlock()
	if q, ok := e.graphs[key]; ok {
		return q
	}
	if e.current[key.ws] != key.version {
		return p
	}
	e.graphs[key] = p
	e.order = append(e.order, key)
	e.evict()
	return p
}

// readSnapshot reads workspace ws for a request that found it at version.
// Requests that miss the cache for one version at once share one read (a
// workspace of 100,000 actors takes seconds to read: see
// docs/performance.md); one that finds another version reads again. A
// request that leaves before the read ends is told SERVICE_UNAVAILABLE;
// the read goes on while any request waits for it, and stops when the
// last one leaves. It has no deadline of its own: each request waits as
// long as its own allows (an analysis job, as long as it runs). Written by
// hand: golang.org/x/sync/singleflight, used first, cannot stop a call
// that every caller has left, so a call outlived its callers or died with
// the first.
//
// Sharing is safe for every caller who gets here: each has been through
// WorkspaceVersion, which answers only a caller who may see the
// workspace, and the snapshot holds the whole workspace whatever its
// reader's clearance (the engine applies each caller's in visibleTo).
func (e *Engine) readSnapshot(ctx context.Context, ws string, version int64) (*domain.Snapshot, error) {
	key := snapshotKey{ws, version}
	e.mu.Lock()
	f := e.reads[key]
	if f == nil {
		f = e.startRead(ctx, key)
	}
	f.waiting++
	e.mu.Unlock()
	select {
	case <-f.done:
		return f.snap, f.err
	case <-ctx.Done():
		e.mu.Lock()
		if f.waiting--; f.waiting == 0 && e.reads[key] == f {
			delete(e.reads, key) // a request arriving now starts a read of its own
			f.cancel()
		}
		e.mu.Unlock()
		return nil, &errs.Error{Op: "analysis.Graph", Kind: errs.Unavailable, Err: ctx.Err(),
			Msg: "the request ended before its workspace was read for analysis (a large workspace takes seconds to read); try again"}
	}
}

// snapshotKey is a workspace at one version.
type snapshotKey struct {
	ws      string
	version int64
}

// snapshotRead is a read of a workspace that requests share.
type snapshotRead struct {
	done    chan struct{} // closed when snap and err are set
	snap    *domain.Snapshot
	err     error
	waiting int // requests waiting for it (e.mu)
	cancel  context.CancelFunc
}

// startRead starts the read of key for the request of ctx (whose caller
// and values it keeps, not its deadline or cancellation); e.mu is held.
// The snapshot comes from the one kept when it is of this version (a read
// that ended after the request looked), from the kept one and the
// source's change log when the log has every change since, or from the
// source.
func (e *Engine) startRead(ctx context.Context, key snapshotKey) *snapshotRead {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &snapshotRead{done: make(chan struct{}), cancel: cancel}
	e.reads[key] = f
	go func() {
		defer cancel()
		defer close(f.done)
		defer func() {
			if p := recover(); p != nil {
				f.snap, f.err = nil, recovered("analysis.Graph", p)
			}
			e.mu.Lock()
			if e.reads[key] == f {
				delete(e.reads, key)
			}
			e.mu.Unlock()
		}()
		f.snap, f.err = e.snapshotOf(rctx, key)
	}()
	return f
}

// snapshotOf is the snapshot of key (see startRead), kept for the
// requests after.
func (e *Engine) snapshotOf(ctx context.Context, key snapshotKey) (*domain.Snapshot, error) {
	if snap := e.snapshotAt(key); snap != nil {
		return snap, nil
	}
	snap := e.updatedSnapshot(key.ws, key.version)
	if snap == nil {
		var err error
		if snap, err = e.src.AnalysisSnapshot(ctx, key.ws); err != nil {
			return nil, err
		}
	}
	e.keepSnapshot(snap)
	return snap, nil
}

// updatedSnapshot brings the snapshot kept of workspace ws up to version
// from the source's change log; nil when there is none to bring, or the
// log lacks a change (it answers only for consecutive versions, so never
// across an import's, which are not).
func (e *Engine) updatedSnapshot(ws string, version int64) *domain.Snapshot {
	log, ok := e.src.(ChangeLog)
	if !ok {
		return nil
	}
	e.mu.Lock()
	snap := e.snapshots[ws]
	e.mu.Unlock()
	if snap == nil || snap.Version >= version {
		return nil
	}
	changes, ok := log.ChangesSince(ws, snap.Version, version)
	if !ok {
		return nil
	}
	return applyChanges(snap, changes)
}

// snapshotAt returns the snapshot kept of key's workspace when it is of
// key's version, nil otherwise. Only that version will do. The store's
// versions only grow, and a version names one content for good
// (store/importstage.go), but the engine does not count on versions being
// ordered: a database restored from a backup sets them back (and an undo
// set them back before versions only grew), so a higher one is not taken
// for a newer copy of the workspace.
func (e *Engine) snapshotAt(key snapshotKey) *domain.Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	if snap := e.snapshots[key.ws]; snap != nil && snap.Version == key.version {
		return snap
	}
	return nil
}

// keepSnapshot keeps snap as its workspace's snapshot: the latest read
// (not the highest version, see snapshotAt), unless the one kept
// is of the version requests find now and snap is not: a slow read of a
// version requests have left must not replace the snapshot of the one
// they find (the next projection of it, for another clearance or day,
// would read the workspace again).
func (e *Engine) keepSnapshot(snap *domain.Snapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ws := snap.WorkspaceID
	kept := e.snapshots[ws]
	if cur, noted := e.current[ws]; noted && kept != nil && kept.Version == cur && snap.Version != cur {
		return
	}
	e.snapshots[ws] = snap
}

// Projections is how many projections the engine keeps (for tests and
// metrics).
func (e *Engine) Projections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.graphs)
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
	e.forgetVersions(used)
}

// maxVersionsNoted is how many workspaces' versions the engine notes
// (noteVersion) before it forgets those of workspaces it holds nothing
// of: one a workspace is a few bytes, but a workspace deleted or never
// analysed again would keep it for the life of the process.
const maxVersionsNoted = 1024

// forgetVersions forgets the noted versions of the workspaces of which
// the engine holds no projection (used), no snapshot and no read, once it
// notes more than maxVersionsNoted (e.mu is held). Forgetting is safe: the
// next request notes the version again, and a projection built meanwhile
// is used but not cached (keepProjection).
func (e *Engine) forgetVersions(used map[string]bool) {
	if len(e.current) <= maxVersionsNoted {
		return
	}
	reading := map[string]bool{}
	for k := range e.reads {
		reading[k.ws] = true
	}
	for ws := range e.current {
		if !used[ws] && e.snapshots[ws] == nil && !reading[ws] {
			delete(e.current, ws)
		}
	}
}

// visibleTo returns the actors and relationships of snap that caller c
// may see, in their order: the rule of the store's scoping
// (store/scope.go), applied to the shared snapshot. An admin sees every
// record; anyone else the records whose sensitivity is one of the levels
// its grant covers in the workspace (none without a grant), and a
// relationship only when both its ends are visible too (an edge to a
// hidden actor would reveal that actor). A caller who sees everything
// gets the snapshot's own slices. So does a context without a caller (the
// library used directly, as the tests do): the store reads nothing for
// one, so in the service no snapshot reaches the engine without a caller.
func visibleTo(c *domain.Caller, snap *domain.Snapshot) ([]*domain.Actor, []*domain.RelationshipFacts) {
	if c == nil || c.Admin {
		return snap.Actors, snap.Relationships
	}
	levels := c.Levels(snap.WorkspaceID)
	sees := func(s domain.Sensitivity) bool { return slices.Contains(levels, string(s)) }
	actors := make([]*domain.Actor, 0, len(snap.Actors))
	shown := make(map[string]bool, len(snap.Actors))
	for _, a := range snap.Actors {
		if sees(a.Sensitivity) {
			actors = append(actors, a)
			shown[a.ID] = true
		}
	}
	if len(actors) == len(snap.Actors) && len(levels) == len(domain.Sensitivities) && allSeen(snap.Relationships, sees) {
		return snap.Actors, snap.Relationships
	}
	rels := make([]*domain.RelationshipFacts, 0, len(snap.Relationships))
	for _, r := range snap.Relationships {
		if sees(r.Sensitivity) && shown[r.FromID] && shown[r.ToID] {
			rels = append(rels, r)
		}
	}
	return actors, rels
}

// allSeen reports whether every relationship's level is seen.
func allSeen(rels []*domain.RelationshipFacts, sees func(domain.Sensitivity) bool) bool {
	for _, r := range rels {
		if !sees(r.Sensitivity) {
			return false
		}
	}
	return true
}

// confidentialOf lists the confidential records among those a projection
// is built from, sorted: an analysis reads all of them, so each use of its
// projection is audited as a read of them (domain.ReadLog.NoteAll, which
// keeps the list itself).
func confidentialOf(actors []*domain.Actor, rels []*domain.RelationshipFacts) []string {
	var ids []string
	for _, a := range actors {
		if a.Sensitivity == domain.Confidential {
			ids = append(ids, a.ID)
		}
	}
	for _, r := range rels {
		if r.Sensitivity == domain.Confidential {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (p *projection) noteConfidential(ctx context.Context) {
	c := domain.CallerFrom(ctx)
	if c == nil || c.Reads == nil {
		return
	}
	c.Reads.NoteAll(p.workspace, p.confidential)
}
