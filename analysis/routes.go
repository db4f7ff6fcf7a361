package analysis

import (
	"container/heap"
	"context"
	"math"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Route is a simple path of leverage steps from a community (or any actor)
// to an actor that holds power over it.
type Route struct {
	Steps       []Step
	Strength    float64 // the product of the steps' strengths
	Enforceable bool    // at least one step can sanction
}

// Hops is the number of steps.
func (r *Route) Hops() int { return len(r.Steps) }

// Actors returns the actors along the route, in order.
func (r *Route) Actors(g *Graph) []*domain.Actor {
	if len(r.Steps) == 0 {
		return nil
	}
	out := []*domain.Actor{g.actors[r.Steps[0].From]}
	for _, s := range r.Steps {
		out = append(out, g.actors[s.To])
	}
	return out
}

// Relationships returns the relationships behind the steps, in order.
func (r *Route) Relationships() []*domain.RelationshipFacts {
	out := make([]*domain.RelationshipFacts, len(r.Steps))
	for i, s := range r.Steps {
		out[i] = s.Rel
	}
	return out
}

// searchWeight is what one expansion, and each step it looks at, costs
// from the work budget: a search allocates and heap-pushes a state per
// step, about four times the time of a table relaxation or a closure
// score (the budget's other units).
const searchWeight = 4

// pruneAfter is how many expansions a search makes before it starts to
// check, for each state it expands, that the target can still be reached
// without the actors the path already holds. The hop tables bound walks,
// not simple paths, so behind an actor the path has used (a village's
// only gateway) they can promise a completion no simple path gives; the
// search would then try every simple path of a dense neighbourhood (the
// crafted clique of 17 actors: millions) before giving up. A state that
// fails the check has no completion at all, so dropping it changes no
// answer and no order; the check costs a breadth-first search, which is
// why the many short searches of ordinary maps never make it. (A
// variable so that the crosschecks can run with the check always on.)
var pruneAfter = 256

// eps is the tolerance under which two strengths count as tied.
const eps = 1e-12

type state struct {
	parent   *state
	step     int32 // the step that led here; -1 at the start
	node     int32
	hops     int
	strength float64
	enf      bool
	prio     float64
	minTotal int // the fewest hops a completion reaching prio can have
	seq      int
}

type stateHeap []*state

func (h stateHeap) Len() int { return len(h) }

// Less orders the queue: highest priority first; among equal priorities,
// the fewest total hops a completion can have (so that complete routes
// come out with fewer hops first); then deeper paths first, so that a
// plateau of equal strengths is searched depth first instead of level by
// level.
func (h stateHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if math.Abs(a.prio-b.prio) > eps {
		return a.prio > b.prio
	}
	if a.minTotal != b.minTotal {
		return a.minTotal < b.minTotal
	}
	if a.hops != b.hops {
		return a.hops > b.hops
	}
	return a.seq < b.seq
}
func (h stateHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *stateHeap) Push(x any)   { *h = append(*h, x.(*state)) }
func (h *stateHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (s *state) visits(v int32) bool {
	for p := s; p != nil; p = p.parent {
		if p.node == v {
			return true
		}
	}
	return false
}

// route is the route s ends, its steps in a slice of their number (the
// gaps keep every pair's routes: grown by append, a route of three steps
// kept room for four).
func (s *state) route(g *Graph) Route {
	var steps []Step // nil for a route of no steps, as before
	if s.hops > 0 {
		steps = make([]Step, s.hops)
	}
	i := len(steps)
	for p := s; p.parent != nil; p = p.parent {
		i--
		steps[i] = g.steps[p.step]
	}
	return Route{Steps: steps, Strength: s.strength, Enforceable: s.enf}
}

// search returns the k strongest routes from c to the table's root
// (strongest first, then fewer hops, then a stable order), or only
// enforceable ones when needEnf. It is a best-first search whose priority
// is the route's strength so far times the best any completion can reach
// (the table): since that bound is exact and never grows along a path,
// complete routes come off the queue in the final order and the search
// stops after k of them.
//
// Each expansion, and each step it looks at, is spent from the request's
// budget through m: the bounds count walks, so on a crafted map (a dense
// clique behind a node the route has already used) a search may try
// every simple path before it learns there is no further route; the
// budget, shared by all the searches of a request, is what stops it.
func (g *Graph) search(m *meter, c int, t *table, k int, needEnf bool) ([]Route, error) {
	if t.forward {
		panic("analysis: search needs a table towards the target")
	}
	target := int32(t.root)
	// bound is the best a completion can reach, and the fewest extra hops
	// that reach it (the first level where the table attains it). A
	// route that needs an enforcement step and has none yet can complete
	// only through one.
	bound := func(v int32, hops int, enf bool) (float64, int) {
		row, left, useEnf := t.row(v), t.h-hops, needEnf && !enf
		b := row[left].value(useEnf)
		for x := 0; x < left; x++ {
			if row[x].value(useEnf) >= b-eps {
				return b, x
			}
		}
		return b, left
	}
	start := &state{step: -1, node: int32(c), strength: 1}
	b0, x0 := bound(start.node, 0, false)
	start.prio, start.minTotal = b0, x0
	if start.prio <= 0 || k <= 0 {
		return nil, nil
	}
	h := &stateHeap{start}
	var out []Route
	seq := 0
	var dead *deadEnds
	defer func() {
		if dead != nil {
			g.spaces.deadEnds.Put(dead) // clean: completes clears what it sets, even on an error or a panic
		}
	}()
	for expansions := 0; h.Len() > 0; expansions++ {
		s := heap.Pop(h).(*state)
		if err := m.spend(searchWeight * (1 + len(g.out[s.node]))); err != nil {
			return nil, err
		}
		if s.node == target {
			out = append(out, s.route(g))
			if len(out) == k {
				break
			}
			continue
		}
		if s.hops == t.h {
			continue
		}
		if expansions >= pruneAfter {
			if dead == nil {
				dead = g.getDeadEnds()
			}
			ok, err := dead.completes(m, g, s, target, t.h-s.hops)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		for _, si := range g.out[s.node] {
			st := &g.steps[si]
			w := int32(st.To)
			if s.visits(w) || (w == target && needEnf && !(s.enf || st.Enforcement)) {
				continue
			}
			n := &state{parent: s, step: si, node: w, hops: s.hops + 1, strength: s.strength * st.Strength, enf: s.enf || st.Enforcement}
			b, x := bound(w, n.hops, n.enf)
			n.prio, n.minTotal = n.strength*b, n.hops+x
			if n.prio <= 0 {
				continue
			}
			seq++
			n.seq = seq
			heap.Push(h, n)
		}
	}
	return out, nil
}

// deadEnds checks whether a state can still reach the target along a
// simple path: one that avoids the actors already on the state's path.
type deadEnds struct {
	bfs     *hopBFS
	onPath  []bool
	blocked func(int) bool
}

// getDeadEnds is the projection's deadEnds, reused when one is free.
func (p *projection) getDeadEnds() *deadEnds {
	if d, ok := p.spaces.deadEnds.Get().(*deadEnds); ok {
		return d
	}
	return newDeadEnds(len(p.actors))
}

func newDeadEnds(n int) *deadEnds {
	d := &deadEnds{bfs: newHopBFS(n), onPath: make([]bool, n)}
	d.blocked = func(w int) bool { return d.onPath[w] }
	return d
}

// completes reports whether the target is within left steps of s's actor
// without passing any actor of s's path.
func (d *deadEnds) completes(m *meter, g *Graph, s *state, target int32, left int) (bool, error) {
	for p := s.parent; p != nil; p = p.parent {
		d.onPath[p.node] = true
	}
	defer func() { // deferred, so that d is clean for reuse whatever happens
		for p := s.parent; p != nil; p = p.parent {
			d.onPath[p.node] = false
		}
	}()
	return d.bfs.reaches(m, g, int(s.node), int(target), left, d.blocked)
}

// sortRoutes orders routes strongest first, then by fewer hops, then by
// the ids of their relationships.
func sortRoutes(rs []Route) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if math.Abs(a.Strength-b.Strength) > eps {
			return a.Strength > b.Strength
		}
		if len(a.Steps) != len(b.Steps) {
			return len(a.Steps) < len(b.Steps)
		}
		for x := range a.Steps {
			if a.Steps[x].Rel.ID != b.Steps[x].Rel.ID {
				return a.Steps[x].Rel.ID < b.Steps[x].Rel.ID
			}
		}
		return false
	})
}

// Routes returns the k strongest accountability routes from one actor to
// another.
func (g *Graph) Routes(ctx context.Context, fromID, toID string, k int) ([]Route, error) {
	const op = "accountabilityRoutes"
	if k < 1 || k > 100 {
		return nil, errs.Invalidf(op, "first", "first must be between 1 and 100, got %d", k)
	}
	c, err := g.mustIndex(op, "from", fromID)
	if err != nil {
		return nil, err
	}
	p, err := g.mustIndex(op, "to", toID)
	if err != nil {
		return nil, err
	}
	if c == p {
		return nil, errs.Invalidf(op, "to", "from and to are the same actor")
	}
	m := newMeter(ctx, op)
	if err := m.check(); err != nil {
		return nil, err
	}
	t := g.getTable(g.opts.MaxHops)
	defer g.putTable(t) // the routes hold steps, not the table
	if err := t.compute(m, g, p, false); err != nil {
		return nil, err
	}
	routes, err := g.search(m, c, t, k, false)
	if err != nil {
		return nil, err
	}
	sortRoutes(routes)
	return routes, m.flush()
}
