package analysis

// Randomised cross-checks against brute force: on thousands of small random
// maps, the route search must return exactly what enumerating every simple
// path returns, and gapClosures must remove exactly the severity that
// rebuilding the map with the proposed relationship removes.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

var levTypes = []domain.RelationshipType{domain.AccountableTo, domain.Controls, domain.Represents, domain.ParticipatesIn, domain.Influences, domain.Dialogue}

func randMap(rng *rand.Rand, n, m int) *mapBuilder {
	b := &mapBuilder{}
	kinds := []domain.ActorKind{kComm, kSec, kInst, kMov, kCSO, kCust, kIntl}
	for i := 0; i < n; i++ {
		k := kinds[rng.IntN(len(kinds))]
		if i < 2 {
			k = kComm
		}
		if i == 2 || i == 3 {
			k = kSec
		}
		b.actor(fmt.Sprintf("a%02d", i), k)
	}
	strengths := []float64{0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1}
	for j := 0; j < m; j++ {
		f, t := rng.IntN(n), rng.IntN(n)
		if f == t {
			continue
		}
		ty := levTypes[rng.IntN(len(levTypes))]
		r := b.rel(fmt.Sprintf("r%03d", j), ty, b.actors[f].ID, b.actors[t].ID, strengths[rng.IntN(len(strengths))])
		if rng.IntN(3) == 0 && ty != domain.Controls {
			r.Power = domain.Ptr(domain.Enforcement)
		}
	}
	for j := 0; j < 4; j++ {
		b.rel(fmt.Sprintf("t%03d", j), domain.Threatens, b.actors[2+rng.IntN(2)].ID, b.actors[rng.IntN(2)].ID, strengths[rng.IntN(len(strengths))])
	}
	return b
}

type bfRoute struct {
	ids  string
	s    float64
	hops int
	enf  bool
}

func bruteRoutes(g *Graph, c, p int) []bfRoute {
	var out []bfRoute
	var rec func(v int, vis map[int]bool, ids []string, s float64, enf bool)
	rec = func(v int, vis map[int]bool, ids []string, s float64, enf bool) {
		if v == p {
			out = append(out, bfRoute{fmt.Sprint(ids), s, len(ids), enf})
			return
		}
		if len(ids) == g.opts.MaxHops {
			return
		}
		for _, si := range g.out[v] {
			st := g.steps[si]
			if vis[st.To] {
				continue
			}
			vis[st.To] = true
			rec(st.To, vis, append(append([]string{}, ids...), st.Rel.ID), s*st.Strength, enf || st.Enforcement)
			vis[st.To] = false
		}
	}
	rec(c, map[int]bool{c: true}, nil, 1, false)
	sort.SliceStable(out, func(i, j int) bool {
		if math.Abs(out[i].s-out[j].s) > 1e-9 {
			return out[i].s > out[j].s
		}
		return out[i].hops < out[j].hops
	})
	return out
}

func TestRoutesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	bad := 0
	for iter := 0; iter < 3000; iter++ {
		b := randMap(rng, 7+rng.IntN(5), 10+rng.IntN(30))
		h := 1 + rng.IntN(5)
		g := b.graph(t, Options{MaxHops: h})
		for c := 0; c < 2; c++ {
			for p := 2; p < 4; p++ {
				bf := bruteRoutes(g, c, p)
				k := 1 + rng.IntN(5)
				got, _ := g.Routes(g.actors[c].ID, g.actors[p].ID, k)
				want := bf
				if len(want) > k {
					want = want[:k]
				}
				if len(got) != len(want) {
					t.Errorf("iter %d: %d routes, want %d", iter, len(got), len(want))
					bad++
					continue
				}
				for i := range got {
					if math.Abs(got[i].Strength-want[i].s) > 1e-9 || got[i].Hops() != want[i].hops {
						t.Errorf("iter %d route %d: %v/%d want %v/%d", iter, i, got[i].Strength, got[i].Hops(), want[i].s, want[i].hops)
						bad++
					}
				}
				// The strongest enforceable route.
				var we *bfRoute
				for i := range bf {
					if bf[i].enf {
						we = &bf[i]
						break
					}
				}
				tb := newTable(len(g.actors), h)
				tb.compute(g, p, false)
				rs := g.search(c, tb, 1, true)
				if (we == nil) != (len(rs) == 0) || (we != nil && math.Abs(we.s-rs[0].Strength) > 1e-9) {
					t.Errorf("iter %d enforceable mismatch %v %v", iter, we, rs)
					bad++
				}
			}
		}
		if bad > 10 {
			t.FailNow()
		}
	}
}

func TestGapClosuresMatchRebuiltMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bad := 0
	for iter := 0; iter < 400; iter++ {
		b := randMap(rng, 7+rng.IntN(5), 6+rng.IntN(15))
		h := 1 + rng.IntN(4)
		g := b.graph(t, Options{MaxHops: h})
		cls, _ := g.GapClosures(context.Background(), 500, 0.5)
		for _, cl := range cls {
			b2 := &mapBuilder{actors: b.actors, rels: append(append([]*domain.Relationship{}, b.rels...), &domain.Relationship{ID: "zzz", Type: cl.Type, FromID: cl.From.ID, ToID: cl.To.ID, Strength: 0.5, Confidence: 1})}
			g2 := b2.graph(t, Options{MaxHops: h})
			sum := 0.0
			for _, gp := range g.Gaps(GapFilter{}) {
				rs, _ := g2.Routes(gp.Community.ID, gp.PowerHolder.ID, 1)
				nb := 0.0
				if len(rs) > 0 {
					nb = rs[0].Strength
				}
				if nb > gp.BestStrength()+eps {
					sum += gp.Severity - severity(gp.Exposure, gp.Distrust, nb)
				}
			}
			if math.Abs(sum-cl.SeverityRemoved) > 1e-9 {
				t.Errorf("iter %d %s %s->%s removed %v rebuilt %v", iter, cl.Type, cl.From.ID, cl.To.ID, cl.SeverityRemoved, sum)
				bad++
			}
		}
		if bad > 10 {
			t.FailNow()
		}
	}
}

func TestConcurrentQueriesOnOneGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := randMap(rng, 12, 40)
	g := b.graph(t, Options{MaxHops: 4})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.Gaps(GapFilter{})
			_, _ = g.Brokers(5)
			_, _ = g.GapClosures(context.Background(), 5, 0.5)
			_, _ = g.Routes("a00", "a02", 3)
		}()
	}
	wg.Wait()
}

// A plateau of equal strengths (survey-coded maps are full of them) must
// not turn the search breadth first: 6 layers of 12 actors, every strength
// 0.9, one 7-hop route.
func TestPlateauIsSearchedDepthFirst(t *testing.T) {
	b := &mapBuilder{}
	b.actor("c", kComm)
	b.actor("p", kSec)
	const layers, width = 6, 12
	prev := []string{"c"}
	n := 0
	for l := 0; l < layers; l++ {
		var cur []string
		for w := 0; w < width; w++ {
			id := fmt.Sprintf("l%dw%02d", l, w)
			b.actor(id, kMov)
			cur = append(cur, id)
			for _, from := range prev {
				n++
				b.rel(fmt.Sprintf("r%05d", n), domain.Influences, from, id, 0.9)
			}
		}
		prev = cur
	}
	b.rel("last", domain.Influences, prev[0], "p", 0.9)
	b.rel("threat", domain.Threatens, "p", "c", 0.9)
	g := b.graph(t, Options{MaxHops: 8})
	routes, err := g.Routes("c", "p", 1)
	if err != nil || len(routes) != 1 || routes[0].Hops() != 7 || !near(routes[0].Strength, math.Pow(0.9, 7)) {
		t.Fatalf("routes %v, err %v; want one 7-hop route of 0.9^7", routes, err)
	}
	if gaps := g.Gaps(GapFilter{}); len(gaps) != 0 {
		t.Errorf("%d gaps; the route is stronger than the threshold", len(gaps))
	}
}

// The anchor-by-anchor sums of gapClosures equal evaluating each proposal
// on its own, for every proposal of many random maps.
func TestClosureSumsMatchEvaluation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 400; iter++ {
		b := randMap(rng, 7+rng.IntN(6), 6+rng.IntN(25))
		g := b.graph(t, Options{MaxHops: 1 + rng.IntN(4)})
		ix, byAnchor := g.prepareClosures(0.5)
		if ix == nil {
			continue
		}
		ev, p := ix.newEvaluator(), ix.newPusher(len(g.actors))
		for a, props := range byAnchor {
			p.score(a, props, func(k proposalKey, pushed float64) {
				if want := ev.evaluate(k); math.Abs(pushed-want) > 1e-9 {
					t.Fatalf("iter %d: %s %d→%d (anchor %d): summed %v, evaluated %v", iter, k.t, k.from, k.to, a, pushed, want)
				}
			})
		}
	}
}
