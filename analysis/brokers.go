package analysis

import (
	"context"
	"fmt"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Pair is a community and an actor that holds power over it.
type Pair struct{ Community, PowerHolder *domain.Actor }

// Broker is an actor that accountability routes pass through.
type Broker struct {
	Actor *domain.Actor
	// Pairs is how many community–power-holder pairs have one of their
	// three strongest routes through the actor.
	Pairs int
	// CutOff are the pairs that have a route today and none without the
	// actor; Critical is true when there is at least one.
	CutOff   []Pair
	Critical bool
}

// brokerRoutes is how many of each pair's strongest routes count.
const brokerRoutes = 3

// Brokers ranks the intermediate actors of routes by how many pairs have
// one of their three strongest routes through them (then by id).
func (g *Graph) Brokers(ctx context.Context, first int) ([]*Broker, error) {
	if first < 1 || first > 500 {
		return nil, errs.Invalidf("brokers", "first", "first must be between 1 and 500, got %d", first)
	}
	return memoize(ctx, g, "brokers", fmt.Sprintf("brokers %d %d", g.opts.MaxHops, first), func() ([]*Broker, error) { return g.brokers(ctx, first) })
}

func (g *Graph) brokers(ctx context.Context, first int) ([]*Broker, error) {
	const op = "brokers"
	statuses, err := g.allStatuses(ctx, op, brokerRoutes)
	if err != nil {
		return nil, err
	}
	m := newMeter(ctx, op)
	through := map[int][]int{} // actor → indexes of pairs (in g.pairs) it brokers
	for i, s := range statuses {
		seen := map[int]bool{}
		for _, r := range s.Routes {
			for _, st := range r.Steps[:len(r.Steps)-1] { // the ends of a route are not brokers
				if to := int(st.To); !seen[to] {
					seen[to] = true
					through[to] = append(through[to], i)
				}
			}
		}
	}
	var out []*Broker
	for a, pairIdx := range through {
		out = append(out, &Broker{Actor: g.actors[a], Pairs: len(pairIdx)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pairs != out[j].Pairs {
			return out[i].Pairs > out[j].Pairs
		}
		return out[i].Actor.ID < out[j].Actor.ID
	})
	if len(out) > first {
		out = out[:first]
	}
	// Critical: a pair cut off without the actor had all its routes through
	// it, so its three strongest routes pass through it too: only those
	// pairs need a second search.
	bfs := newHopBFS(len(g.actors))
	for _, b := range out {
		a := g.index[b.Actor.ID]
		for _, i := range through[a] {
			p := g.pairs[i]
			ok, err := bfs.reaches(m, g, p.c, p.p, g.opts.MaxHops, func(w int) bool { return w == a })
			if err != nil {
				return nil, err
			}
			if !ok {
				b.CutOff = append(b.CutOff, Pair{g.actors[p.c], g.actors[p.p]})
			}
		}
		b.Critical = len(b.CutOff) > 0
	}
	return out, m.flush()
}

// hopBFS answers "is there a route of at most h steps that avoids some
// actors": the fewest-steps path found by breadth-first search is simple,
// so a hop-limited BFS decides it exactly.
type hopBFS struct {
	dist  []int
	reset []int
}

func newHopBFS(n int) *hopBFS {
	d := make([]int, n)
	for i := range d {
		d[i] = -1
	}
	return &hopBFS{dist: d}
}

func (b *hopBFS) reaches(m *meter, g *Graph, from, to, maxHops int, avoid func(int) bool) (bool, error) {
	defer func() {
		for _, v := range b.reset {
			b.dist[v] = -1
		}
		b.reset = b.reset[:0]
	}()
	b.dist[from] = 0
	b.reset = append(b.reset, from)
	frontier := []int{from}
	for h := 0; h < maxHops && len(frontier) > 0; h++ {
		var next []int
		for _, v := range frontier {
			if err := m.spend(1 + len(g.out[v])); err != nil {
				return false, err
			}
			for _, si := range g.out[v] {
				w := int(g.steps[si].To)
				if b.dist[w] >= 0 || avoid(w) {
					continue
				}
				if w == to {
					return true, nil
				}
				b.dist[w] = h + 1
				b.reset = append(b.reset, w)
				next = append(next, w)
			}
		}
		frontier = next
	}
	return false, nil
}
