// Package analysis answers the accountability questions ActorGraph exists
// for (routes, gaps, brokers, the relationships that would close gaps, and
// what changed between two dates) on an in-memory projection of one
// workspace. It has no database code: the store hands it actors and
// relationships, so every algorithm here is tested on small hand-checked
// graphs without Neo4j.
//
// Why a projection into Go rather than Cypher: routes are hop-bounded
// simple paths ranked by the product of their strengths. Cypher's
// variable-length patterns enumerate every path before ranking them, which
// explodes on dense maps (a hub with a few hundred leverage relationships
// already gives millions of 4-hop paths). Here a best-first search bounded
// by exact hop-limited upper bounds (see bounds.go) expands only the paths
// that can still win. gonum's Dijkstra and Yen implementations were
// considered and not used: they have no hop limit (the strongest path
// within N hops is not the strongest path filtered by length), and gonum's
// simple graphs merge parallel relationships, which here must each make
// their own route.
package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Defaults and limits of the analysis arguments (part of the API contract).
const (
	DefaultMaxHops   = 4
	MaxMaxHops       = 8
	DefaultThreshold = 0.25
)

// Options are the arguments every analysis takes. Only AsOf and
// MinConfidence shape the projection (which relationships are in force);
// MaxHops and Threshold are per-question parameters, so the engine shares
// one projection between them (see graphKey in engine.go).
type Options struct {
	AsOf          domain.Date // relationships in force on this day count; zero: today (UTC)
	MinConfidence float64     // relationships below this confidence do not count
	MaxHops       int         // longest route, in steps; zero: DefaultMaxHops
	Threshold     float64     // routes weaker than this leave a WEAK_ROUTE gap
}

// Normalize fills defaults and checks ranges.
func (o Options) Normalize() (Options, error) {
	const op = "analysis options"
	if o.AsOf.IsZero() {
		o.AsOf = domain.Today()
	}
	if o.MaxHops == 0 {
		o.MaxHops = DefaultMaxHops
	}
	if o.MaxHops < 1 || o.MaxHops > MaxMaxHops {
		return o, errs.Invalidf(op, "maxHops", "maxHops must be between 1 and %d, got %d", MaxMaxHops, o.MaxHops)
	}
	if !inUnit(o.MinConfidence) {
		return o, errs.Invalidf(op, "minConfidence", "minConfidence must be a number between 0 and 1, got %v", o.MinConfidence)
	}
	if !inUnit(o.Threshold) {
		return o, errs.Invalidf(op, "threshold", "threshold must be a number between 0 and 1, got %v", o.Threshold)
	}
	return o, nil
}

// inUnit reports whether x is a number in [0,1]. Written so that NaN,
// for which every comparison is false, fails it: a NaN threshold once
// passed "x < 0 || x > 1" and then made cache keys that never equal
// themselves.
func inUnit(x float64) bool { return x >= 0 && x <= 1 && !math.IsNaN(x) }

// LeverageDirections says, for each leverage type, which way its steps
// run: forward (from → to), backward (to → from), or both. The table is the
// definition of a leverage step (README, schema descriptions).
var LeverageDirections = map[domain.RelationshipType]struct{ Forward, Backward bool }{
	domain.AccountableTo:  {Backward: true},
	domain.Controls:       {Forward: true},
	domain.Represents:     {Backward: true},
	domain.ParticipatesIn: {Forward: true},
	domain.Influences:     {Forward: true},
	domain.Dialogue:       {Forward: true, Backward: true},
}

// IsEnforcement reports whether a relationship's steps can sanction:
// CONTROLS always, the others when they carry power ENFORCEMENT.
func IsEnforcement(r *domain.RelationshipFacts) bool {
	return r.Type == domain.Controls || (r.Power != nil && *r.Power == domain.Enforcement)
}

// Step is one leverage step: through Rel, From can hold To to account.
type Step struct {
	From, To    int32 // actor indexes (int32: a projection holds a million steps at 100,000 actors, each 8 bytes smaller)
	Rel         *domain.RelationshipFacts
	Strength    float64
	Enforcement bool
}

// pair is a community and an actor that holds power over it.
type pair struct{ c, p int }

// projection is one workspace projected for analysis as of one day and
// above one confidence: the leverage steps in force, and the power and
// trust relationships. It is shared, read only, by every Graph (question)
// asked of it; results are memoised in it, keyed by the question.
type projection struct {
	rels   []*domain.RelationshipFacts // every relationship given to Build, in id order
	actors []*domain.Actor
	index  map[string]int
	steps  []Step
	out    [][]int32 // step indexes by From
	in     [][]int32 // step indexes by To

	power map[pair][]*domain.RelationshipFacts // in-force PROVIDES_SECURITY/THREATENS from p to community c
	trust map[pair][]*domain.RelationshipFacts // in-force TRUSTS from community c to p
	pairs []pair                               // keys of power, sorted
	// inForce is every in-force relationship (relKey), for closures' "not
	// yet in the map" (inForceSet): built when first asked, for no other
	// analysis needs it, and a set of a map's relationships was the
	// largest cost of building the projection (about a third at 100k).
	inForce     map[uint64]bool
	inForceOnce sync.Once

	// spaces keeps the per-question work space of route searches for
	// reuse (getTable, getDeadEnds).
	spaces *searchSpaces

	workspace    string   // set by the engine
	confidential []string // the confidential records the graph was built from (set by the engine)

	// Results computed once per projection and question: the engine caches
	// projections by workspace version, so a repeated question costs
	// nothing. At most maxMemo are kept, so that many distinct questions
	// (thresholds, hops) cannot grow a cached projection without bound.
	memoMu    sync.Mutex
	memo      map[string]*memoEntry
	memoOrder []string // oldest first
}

// searchSpaces are a projection's route searches' work spaces, free for
// reuse: a table is (hops+1) × 2 floats per actor, 8 MB at 100,000
// actors, and each accountabilityRoutes made one. Under the benchmark's
// routes (130 requests a second at 100k) that was a gigabyte a second for
// the collector, and about 400 MB more at the server's peak. (Apart from
// the projection: the runtime holds on to a pool for a while after its
// last use, and should not hold an evicted projection with it.)
type searchSpaces struct {
	tables   [MaxMaxHops + 1]sync.Pool // by hop limit
	deadEnds sync.Pool
}

// maxMemo is how many results one projection keeps.
const maxMemo = 32

// Graph is a projection with the options of one question (hops,
// threshold): cheap to make, so each request gets its own.
type Graph struct {
	*projection
	opts Options
}

// With returns the same projection asked with other per-question options
// (MaxHops, Threshold); AsOf and MinConfidence must be those it was built
// with.
func (g *Graph) With(opts Options) *Graph { return &Graph{projection: g.projection, opts: opts} }

// memoEntry is one memoised result. done is closed once v and err are
// set: a channel rather than a sync.Once so that a request waiting for
// another's computation can stop waiting when its own context ends (a
// sync.Once waiter cannot), and so that a panicking computation cannot
// leave the entry marked done with neither a result nor an error.
type memoEntry struct {
	done chan struct{}
	v    any
	err  error
}

// memoize returns the cached result for key, computing it once even when
// several requests ask at the same time (they wait for the first, each
// only as long as its own ctx allows; op names the analysis in the error
// a waiter whose request ends first gets). A failure is not kept: the
// next call computes again, and a request that waited for another's
// computation which failed (that request ran out of time or budget)
// computes once itself, under its own context and budget, rather than
// answer with the other's failure. A panic in compute is a failure too:
// it is answered as an internal error (see recovered) and forgotten.
// Results must be treated as read-only by callers.
func memoize[T any](ctx context.Context, g *Graph, op, key string, compute func() (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		e, mine := g.memoEntry(key)
		if mine {
			e.v, e.err = runRecovered(op, compute)
			if e.err != nil {
				// Forgotten before done is closed, so that a waiter
				// retrying finds no failed entry.
				g.forget(key, e)
			}
			close(e.done)
		} else {
			select {
			case <-e.done:
			case <-ctx.Done():
				// The computation goes on for its own request; this
				// one stops waiting and frees its slot.
				return zero, tooLong(op, ctx.Err())
			}
			// A panic would only repeat: no second try for it.
			if e.err != nil && attempt == 0 && !errs.Is(e.err, errs.Internal) {
				continue
			}
		}
		v, _ := e.v.(T)
		return v, e.err
	}
}

// runRecovered runs compute, turning a panic into an internal error: a
// bug in one analysis must fail that request, not the process, and must
// not be cached as an empty success.
func runRecovered[T any](op string, compute func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, recovered(op, p)
		}
	}()
	return compute()
}

// recovered is the error a recovered panic becomes: Internal, so that the
// client sees only the generic message (errs.Public) while the log gets
// the panic value and the stack, which a panic's recovery would lose.
func recovered(op string, p any) error {
	return &errs.Error{Op: op, Kind: errs.Internal, Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
}

// memoEntry returns key's entry, making it (and dropping the oldest entry
// beyond maxMemo) when there is none; mine tells the caller it made the
// entry and must compute it and close its done.
func (p *projection) memoEntry(key string) (_ *memoEntry, mine bool) {
	p.memoMu.Lock()
	defer p.memoMu.Unlock()
	if p.memo == nil {
		p.memo = map[string]*memoEntry{}
	}
	e, ok := p.memo[key]
	if !ok {
		e, mine = &memoEntry{done: make(chan struct{})}, true
		p.memo[key] = e
		p.memoOrder = append(p.memoOrder, key)
		for len(p.memoOrder) > maxMemo {
			// A request still computing the dropped entry keeps its
			// pointer and finishes; only later requests compute afresh.
			delete(p.memo, p.memoOrder[0])
			p.memoOrder = p.memoOrder[1:]
		}
	}
	return e, mine
}

// forget drops a failed entry, unless it was replaced meanwhile.
func (p *projection) forget(key string, e *memoEntry) {
	p.memoMu.Lock()
	defer p.memoMu.Unlock()
	if p.memo[key] == e {
		delete(p.memo, key)
		for i, k := range p.memoOrder {
			if k == key {
				p.memoOrder = append(p.memoOrder[:i:i], p.memoOrder[i+1:]...)
				break
			}
		}
	}
}

// typeCode numbers the relationship types, for compact keys.
var typeCode = func() map[domain.RelationshipType]uint64 {
	m := map[domain.RelationshipType]uint64{}
	for i, t := range domain.RelationshipTypes {
		m[t] = uint64(i)
	}
	return m
}()

// relKey packs a type and two actor indexes into one map key (hashing
// integers is much cheaper than hashing a struct holding a string).
func relKey(t domain.RelationshipType, from, to int) uint64 {
	return typeCode[t]<<58 | uint64(from)<<29 | uint64(to)
}

// InForce reports whether r counts under opts.
func InForce(r *domain.RelationshipFacts, opts Options) bool {
	return r.ValidAt(opts.AsOf) && r.Confidence >= opts.MinConfidence
}

// BuildContext is Build as part of a request: it stops when ctx is done
// or the request's work budget is spent.
func BuildContext(ctx context.Context, actors []*domain.Actor, rels []*domain.RelationshipFacts, opts Options) (*Graph, error) {
	m := newMeter(ctx, "analysis")
	if err := m.check(); err != nil {
		return nil, err
	}
	p := &projection{rels: rels, actors: actors, index: make(map[string]int, len(actors)), spaces: &searchSpaces{},
		power: map[pair][]*domain.RelationshipFacts{}, trust: map[pair][]*domain.RelationshipFacts{}}
	g := &Graph{projection: p, opts: opts}
	for i, a := range actors {
		g.index[a.ID] = i
	}
	if err := m.spend(len(actors)); err != nil {
		return nil, err
	}
	// Each relationship costs its share of the sort (about log n) too.
	perRel := 1 + bitsLen(len(rels))
	g.out = make([][]int32, len(actors))
	g.in = make([][]int32, len(actors))
	// Relationships in id order, so that searches are deterministic. A
	// snapshot's are in id order already: the check costs a pass, the sort
	// of 750,000 a fifth of a second.
	sorted := rels
	if !slices.IsSortedFunc(rels, func(x, y *domain.RelationshipFacts) int { return strings.Compare(x.ID, y.ID) }) {
		sorted = append([]*domain.RelationshipFacts(nil), rels...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	}
	p.rels = sorted // the analyses that read every relationship read them in id order too
	ends, err := inForceEnds(ctx, m, g.index, sorted, opts, perRel)
	if err != nil {
		return nil, err
	}
	for i, r := range sorted {
		if ends[i].from < 0 {
			continue
		}
		from, to := int(ends[i].from), int(ends[i].to)
		switch r.Type {
		case domain.ProvidesSecurity, domain.Threatens:
			if actors[to].Kind == domain.KindCommunity {
				g.power[pair{to, from}] = append(g.power[pair{to, from}], r)
			}
		case domain.Trusts:
			if actors[from].Kind == domain.KindCommunity {
				g.trust[pair{from, to}] = append(g.trust[pair{from, to}], r)
			}
		}
		dir, leverage := LeverageDirections[r.Type]
		if !leverage || r.Strength <= 0 {
			continue // a leverage relationship of strength 0 gives no step
		}
		if dir.Forward {
			g.addStep(from, to, r)
		}
		if dir.Backward {
			g.addStep(to, from, r)
		}
	}
	for p := range g.power {
		g.pairs = append(g.pairs, p)
	}
	sort.Slice(g.pairs, func(i, j int) bool { return g.lessPair(g.pairs[i], g.pairs[j]) })
	return g, m.flush()
}

// relEnds are a relationship's ends by actor index; from is -1 when the
// relationship is not in force or an end is not among the actors.
type relEnds struct{ from, to int32 }

// inForceEnds finds the ends of rels among the actors of index, those in
// force under opts, on every core: the lookups by id were the largest
// part of building a projection (a third of a second at 100,000 actors,
// on one core), and they only read. Each relationship costs perRel.
func inForceEnds(ctx context.Context, m *meter, index map[string]int, rels []*domain.RelationshipFacts, opts Options, perRel int) ([]relEnds, error) {
	const chunk = 1 << 14
	ends := make([]relEnds, len(rels))
	err := onEveryCore(ctx, m, (len(rels)+chunk-1)/chunk, func() func(wm *meter, j int) error {
		return func(wm *meter, j int) error {
			part := rels[j*chunk : min((j+1)*chunk, len(rels))]
			for i, r := range part {
				if err := wm.spend(perRel); err != nil {
					return err // the budget, checked every checkEvery units: a stop comes soon
				}
				from, ok1 := index[r.FromID]
				to, ok2 := index[r.ToID]
				e := relEnds{-1, -1}
				if ok1 && ok2 && InForce(r, opts) {
					e = relEnds{int32(from), int32(to)}
				}
				ends[j*chunk+i] = e
			}
			return nil
		}
	})
	return ends, err
}

// inForceSet is the set of the projection's in-force relationships by
// relKey: those BuildContext made steps, power or trust of, and the
// others in force between two of its actors.
func (g *Graph) inForceSet() map[uint64]bool {
	g.inForceOnce.Do(func() {
		set := make(map[uint64]bool, len(g.rels))
		for _, r := range g.rels {
			from, ok1 := g.index[r.FromID]
			to, ok2 := g.index[r.ToID]
			if ok1 && ok2 && InForce(r, g.opts) {
				set[relKey(r.Type, from, to)] = true
			}
		}
		g.inForce = set
	})
	return g.inForce
}

// bitsLen is the number of bits of n (about log2 n).
func bitsLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

func (p *projection) addStep(from, to int, r *domain.RelationshipFacts) {
	i := int32(len(p.steps))
	p.steps = append(p.steps, Step{From: int32(from), To: int32(to), Rel: r, Strength: r.Strength, Enforcement: IsEnforcement(r)})
	p.out[from] = append(p.out[from], i)
	p.in[to] = append(p.in[to], i)
}

func (p *projection) lessPair(a, b pair) bool {
	if a.c != b.c {
		return p.actors[a.c].ID < p.actors[b.c].ID
	}
	return p.actors[a.p].ID < p.actors[b.p].ID
}

// Relationships returns every relationship the graph was built from,
// in force or not.
func (g *Graph) Relationships() []*domain.RelationshipFacts { return g.rels }

// Options returns the options the graph was built with.
func (g *Graph) Options() Options { return g.opts }

// Actor returns the actor with the given id, or nil.
func (g *Graph) Actor(id string) *domain.Actor {
	if i, ok := g.index[id]; ok {
		return g.actors[i]
	}
	return nil
}

func (g *Graph) mustIndex(op, field, id string) (int, error) {
	i, ok := g.index[id]
	if !ok {
		return 0, errs.NotFoundf(op, "%s: no actor of this workspace has id %q", field, id)
	}
	return i, nil
}

// String describes the projection's size, for logs and benchmarks.
func (g *Graph) String() string {
	return fmt.Sprintf("%d actors, %d leverage steps, %d community–power-holder pairs", len(g.actors), len(g.steps), len(g.pairs))
}
