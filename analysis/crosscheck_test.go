package analysis

// Randomised cross-checks against brute force: on thousands of small random
// maps (every relationship type, power, validity dates, confidences), the
// route search and the gaps must agree with enumerating every simple path
// with the reference walker of rules_test.go, which takes its leverage
// steps from the domain brief's table and not from the engine's; and
// gapClosures must propose exactly the plausible relationships that narrow
// a gap, each removing the severity that the reference finds on the map
// with the relationship added.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// leverageTypes are the types with a leverage step, by the brief's table.
var leverageTypes = func() []domain.RelationshipType {
	var out []domain.RelationshipType
	for _, r := range domainRules {
		if r.lev != noLeverage {
			out = append(out, r.t)
		}
	}
	return out
}()

// randMap is a random map of n actors (a00 and a01 communities, a02 and a03
// security forces that threaten them) and about m relationships: two in
// three of a leverage type, the rest of any type; leverage types that may
// carry power often do; a few have strength 0; some have expired or not
// yet begun on 2025-01-01 (the AsOf of mapBuilder.graph), and confidences
// vary.
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
	confidences := []float64{1, 1, 0.8, 0.5, 0.4}
	for j := 0; j < m; j++ {
		f, t := rng.IntN(n), rng.IntN(n)
		if f == t {
			continue
		}
		ty := leverageTypes[rng.IntN(len(leverageTypes))]
		if rng.IntN(3) == 0 {
			ty = domain.RelationshipTypes[rng.IntN(len(domain.RelationshipTypes))]
		}
		s := strengths[rng.IntN(len(strengths))]
		if rng.IntN(20) == 0 {
			s = 0 // no step, however it reads
		}
		r := b.rel(fmt.Sprintf("r%03d", j), ty, b.actors[f].ID, b.actors[t].ID, s, confidence(confidences[rng.IntN(len(confidences))]))
		if domainRuleOf[ty].enf == enforcesWithPower {
			switch rng.IntN(6) {
			case 0, 1:
				enforcement(r)
			case 2:
				r.Power = new(domain.Answerability)
			}
		}
		switch rng.IntN(10) {
		case 0:
			validTo("2024-06-01")(r)
		case 1:
			validFrom("2025-06-01")(r)
		}
	}
	for j := 0; j < 4; j++ {
		b.rel(fmt.Sprintf("t%03d", j), domain.Threatens, b.actors[2+rng.IntN(2)].ID, b.actors[rng.IntN(2)].ID, strengths[rng.IntN(len(strengths))])
	}
	return b
}

// describe writes a map's relationships, for failure messages.
func (b *mapBuilder) describe() string {
	var sb strings.Builder
	for _, a := range b.actors {
		fmt.Fprintf(&sb, "%s:%s ", a.ID, a.Kind)
	}
	for _, r := range b.rels {
		fmt.Fprintf(&sb, "\n  %s %s %s→%s s=%v c=%v", r.ID, r.Type, r.FromID, r.ToID, r.Strength, r.Confidence)
		if r.Power != nil {
			fmt.Fprintf(&sb, " power=%s", *r.Power)
		}
		if r.ValidFrom != nil {
			fmt.Fprintf(&sb, " from=%s", r.ValidFrom)
		}
		if r.ValidTo != nil {
			fmt.Fprintf(&sb, " to=%s", r.ValidTo)
		}
	}
	return sb.String()
}

// randOptions draws a hop limit up to maxHops and a minimum confidence.
func randOptions(rng *rand.Rand, maxHops int) Options {
	return Options{MaxHops: 1 + rng.IntN(maxHops), MinConfidence: []float64{0, 0.5}[rng.IntN(2)]}
}

func TestRoutesMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	found, enforceable := 0, 0
	for iter := 0; iter < 3000; iter++ {
		b := randMap(rng, 7+rng.IntN(5), 10+rng.IntN(30))
		g := b.graph(t, randOptions(rng, 5))
		o := g.Options()
		ref := newRefGraph(b.actors, b.rels, o)
		label := fmt.Sprintf("iter %d (maxHops %d, minConfidence %v)", iter, o.MaxHops, o.MinConfidence)
		for c := 0; c < 2; c++ {
			for p := 2; p < 4; p++ {
				cID, pID := b.actors[c].ID, b.actors[p].ID
				all := ref.routes(c, p)
				k := 1 + rng.IntN(5)
				got, err := g.Routes(context.Background(), cID, pID, k)
				if err != nil {
					t.Fatalf("%s: Routes(%s, %s, %d): %v", label, cID, pID, k, err)
				}
				checkRoutes(t, fmt.Sprintf("%s %s→%s first %d", label, cID, pID, k), g, got, all, k)
				found += len(got)
				// The strongest enforceable route (what gaps report).
				var we *refRoute
				for i := range all {
					if all[i].enf {
						we = &all[i]
						break
					}
				}
				tb := newTable(len(g.actors), o.MaxHops)
				m := testMeter()
				if err := tb.compute(m, g, p, false); err != nil {
					t.Fatal(err)
				}
				rs, err := g.search(m, c, tb, 1, true)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case we == nil && len(rs) > 0:
					t.Errorf("%s %s→%s: strongest enforceable route %s (%v), but by the domain table no route is enforceable", label, cID, pID, engineRouteKey(g, rs[0]), rs[0].Strength)
				case we != nil && len(rs) == 0:
					t.Errorf("%s %s→%s: no enforceable route; the reference's strongest is %s (%v)", label, cID, pID, we.key, we.strength)
				case we != nil && (math.Abs(we.strength-rs[0].Strength) > 1e-9 || !rs[0].Enforceable):
					t.Errorf("%s %s→%s: strongest enforceable route %s (%v, enforceable %v); the reference's is %s (%v)", label, cID, pID, engineRouteKey(g, rs[0]), rs[0].Strength, rs[0].Enforceable, we.key, we.strength)
				case we != nil:
					enforceable++
				}
			}
		}
		checkGaps(t, label, g, ref)
		checkBrokers(t, label, g, ref)
		if t.Failed() {
			t.Fatalf("%s: stopping at the first map that disagrees:\n%s", label, b.describe())
		}
	}
	// The maps must exercise what they check.
	if found < 3000 || enforceable < 1000 {
		t.Errorf("the random maps gave only %d routes and %d enforceable ones", found, enforceable)
	}
}

// checkRoutes checks an engine's answer to Routes(c, p, k) against every
// route the reference finds from c to p (strongest first).
func checkRoutes(t *testing.T, label string, g *Graph, got []Route, all []refRoute, k int) {
	t.Helper()
	want := all[:min(k, len(all))]
	if len(got) != len(want) {
		var gk, wk []string
		for _, r := range got {
			gk = append(gk, fmt.Sprintf("%s (%v)", engineRouteKey(g, r), r.Strength))
		}
		for _, r := range want {
			wk = append(wk, fmt.Sprintf("%s (%v)", r.key, r.strength))
		}
		t.Errorf("%s: %d routes %v; the reference finds %d of %d: %v", label, len(got), gk, len(want), len(all), wk)
		return
	}
	byKey := make(map[string]refRoute, len(all))
	for _, r := range all {
		byKey[r.key] = r
	}
	seen := map[string]bool{}
	for i, r := range got {
		key := engineRouteKey(g, r)
		rr, ok := byKey[key]
		switch {
		case !ok:
			t.Errorf("%s: route %d %s is not a route by the domain table (or is not in force, or longer than maxHops)", label, i, key)
			continue
		case seen[key]:
			t.Errorf("%s: route %s returned twice", label, key)
		}
		seen[key] = true
		if math.Abs(r.Strength-rr.strength) > 1e-9 || r.Hops() != rr.hops {
			t.Errorf("%s: route %s has strength %v in %d hops; the product of its steps is %v in %d", label, key, r.Strength, r.Hops(), rr.strength, rr.hops)
		}
		if r.Enforceable != rr.enf {
			t.Errorf("%s: route %s enforceable = %v; by the domain table %v", label, key, r.Enforceable, rr.enf)
		}
		if math.Abs(r.Strength-want[i].strength) > 1e-9 || r.Hops() != want[i].hops {
			t.Errorf("%s: route %d is %s (%v, %d hops); the reference's route %d is %s (%v, %d hops)", label, i, key, r.Strength, r.Hops(), i, want[i].key, want[i].strength, want[i].hops)
		}
	}
}

// refClosure is a proposal by the reference: the new relationship, the
// gaps it narrows (with their best route after it) and the severity it
// removes.
type refClosure struct {
	t        domain.RelationshipType
	from, to int
	after    map[refPair]float64
	removed  float64
}

// closureKey identifies a proposal; a DIALOGUE reads both ways, so its two
// directions are one proposal.
func closureKey(ty domain.RelationshipType, from, to string) string {
	if ty == domain.Dialogue && to < from {
		from, to = to, from
	}
	return string(ty) + " " + from + " " + to
}

// refClosures are the proposals gapClosures must make: for each gap and
// each plausible rule (ClosureRules, the API contract) with the gap's
// community or power holder as anchor, the new relationship of the
// assumed strength to any partner of a plausible kind, if no relationship
// of its type already joins the two that way (a DIALOGUE either way), and
// if it narrows that gap; a proposal's effect is then summed over every
// gap. The new best routes come from the reference walker on the map with
// the relationship added.
func refClosures(ref *refGraph, gaps []refGap, assumed float64) map[string]*refClosure {
	evaluated := map[string]*refClosure{}
	out := map[string]*refClosure{}
	for _, gi := range gaps {
		for _, rule := range ClosureRules {
			anchor := gi.c
			if rule.Holder {
				if !hasKind(ref.actors[gi.p].Kind, rule.AnchorKinds) {
					continue
				}
				anchor = gi.p
			}
			for x, partner := range ref.actors {
				if x == anchor || !hasKind(partner.Kind, rule.Partners) {
					continue
				}
				from, to := anchor, x
				if !rule.AnchorFrom {
					from, to = x, anchor
				}
				if ref.has(rule.Type, from, to) || (rule.Type == domain.Dialogue && ref.has(rule.Type, to, from)) {
					continue
				}
				key := closureKey(rule.Type, ref.actors[from].ID, ref.actors[to].ID)
				cl := evaluated[key]
				if cl == nil {
					cl = &refClosure{t: rule.Type, from: from, to: to, after: map[refPair]float64{}}
					ref2 := ref.with(&domain.Relationship{ID: "zzz-proposed", Type: rule.Type, FromID: ref.actors[from].ID, ToID: ref.actors[to].ID, Strength: assumed, Confidence: 1})
					bests := map[int][]float64{}
					for _, gp := range gaps {
						if bests[gp.c] == nil {
							bests[gp.c], _ = ref2.bestFrom(gp.c)
						}
						if nb := bests[gp.c][gp.p]; nb > gp.best+eps {
							cl.after[gp.refPair] = nb
							cl.removed += gp.gap.Severity - severity(gp.gap.Exposure, gp.gap.Distrust, nb)
						}
					}
					evaluated[key] = cl
				}
				if _, narrows := cl.after[gi.refPair]; narrows && cl.removed > eps {
					out[key] = cl
				}
			}
		}
	}
	return out
}

func TestGapClosuresMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const iters = 400
	withProposals := 0
	for iter := 0; iter < iters; iter++ {
		b := randMap(rng, 7+rng.IntN(5), 6+rng.IntN(15))
		g := b.graph(t, randOptions(rng, 4))
		o := g.Options()
		assumed := []float64{0.5, 0.3, 1}[rng.IntN(3)]
		label := fmt.Sprintf("iter %d (maxHops %d, minConfidence %v, assumedStrength %v)", iter, o.MaxHops, o.MinConfidence, assumed)
		ref := newRefGraph(b.actors, b.rels, o)
		gaps := checkGaps(t, label, g, ref)
		if t.Failed() {
			t.Fatalf("%s: stopping at the first map that disagrees:\n%s", label, b.describe())
		}
		want := refClosures(ref, gaps, assumed)
		if len(want) > 500 {
			t.Fatalf("%s: %d proposals, more than one page of gapClosures: make the maps smaller", label, len(want))
		}
		cls, err := g.GapClosures(context.Background(), 500, assumed)
		if err != nil {
			t.Fatalf("%s: gapClosures: %v", label, err)
		}
		if len(want) > 0 {
			withProposals++
			if len(cls) == 0 {
				var some []string
				for k, cl := range want {
					some = append(some, fmt.Sprintf("%s (removes %.4f)", k, cl.removed))
				}
				sort.Strings(some)
				t.Fatalf("%s: gapClosures proposed nothing; %d gaps, and %d proposals narrow them, e.g. %v\n%s", label, len(gaps), len(want), some[:min(3, len(some))], b.describe())
			}
		}
		seen := map[string]bool{}
		for i, cl := range cls {
			key := closureKey(cl.Type, cl.From.ID, cl.To.ID)
			if seen[key] {
				t.Errorf("%s: %s proposed twice", label, key)
			}
			seen[key] = true
			if i > 0 && cl.SeverityRemoved > cls[i-1].SeverityRemoved+eps {
				t.Errorf("%s: proposals not in order of severity removed: %s removes %v after %v", label, key, cl.SeverityRemoved, cls[i-1].SeverityRemoved)
			}
			if cl.Strength != assumed {
				t.Errorf("%s: %s has strength %v, assumed %v", label, key, cl.Strength, assumed)
			}
			w := want[key]
			if w == nil {
				t.Errorf("%s: %s (removes %v) is not a plausible proposal that narrows the gap it is anchored at", label, key, cl.SeverityRemoved)
				continue
			}
			if math.Abs(cl.SeverityRemoved-w.removed) > 1e-9 {
				t.Errorf("%s: %s removes %v; on the map with it added the reference finds %v", label, key, cl.SeverityRemoved, w.removed)
			}
			if len(cl.Closes) != len(w.after) {
				t.Errorf("%s: %s changes %d gaps; the reference: %d", label, key, len(cl.Closes), len(w.after))
			}
			for _, ch := range cl.Closes {
				pr := refPair{ref.index[ch.Gap.Community.ID], ref.index[ch.Gap.PowerHolder.ID]}
				nb, ok := w.after[pr]
				if !ok {
					t.Errorf("%s: %s narrows %s–%s by the engine, not by the reference", label, key, ch.Gap.Community.ID, ch.Gap.PowerHolder.ID)
					continue
				}
				wantKind := GapKind("")
				if nb < o.Threshold {
					wantKind = WeakRoute
				}
				if math.Abs(ch.BestAfter-nb) > 1e-9 || math.Abs(ch.SeverityAfter-severity(ch.Gap.Exposure, ch.Gap.Distrust, nb)) > 1e-9 ||
					(ch.KindAfter != wantKind && math.Abs(nb-o.Threshold) > 1e-9) {
					t.Errorf("%s: %s on %s–%s: best after %v, severity after %v, kind after %q; the reference: best after %v, kind %q",
						label, key, ch.Gap.Community.ID, ch.Gap.PowerHolder.ID, ch.BestAfter, ch.SeverityAfter, ch.KindAfter, nb, wantKind)
				}
			}
		}
		for key, w := range want {
			if !seen[key] {
				t.Errorf("%s: %s is missing (it removes %v)", label, key, w.removed)
			}
		}
		if t.Failed() {
			t.Fatalf("%s: stopping at the first map that disagrees:\n%s", label, b.describe())
		}
	}
	if withProposals < iters/2 {
		t.Errorf("only %d of %d random maps had a gap a proposal could narrow", withProposals, iters)
	}
}

// Concurrent questions on one graph (its memoised results) get the answers
// a graph asked one question at a time gives.
func TestConcurrentQueriesOnOneGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 6))
	b := randMap(rng, 12, 40)
	// ask writes the answers to four questions down, to compare.
	ask := func(g *Graph) (string, error) {
		var sb strings.Builder
		for _, gp := range g.testGaps(t, GapFilter{}) {
			fmt.Fprintf(&sb, "gap %s–%s %s %.12f\n", gp.Community.ID, gp.PowerHolder.ID, gp.Kind, gp.Severity)
		}
		brs, err := g.Brokers(context.Background(), 5)
		if err != nil {
			return "", err
		}
		for _, br := range brs {
			fmt.Fprintf(&sb, "broker %s %d %v\n", br.Actor.ID, br.Pairs, br.Critical)
		}
		cls, err := g.GapClosures(context.Background(), 5, 0.5)
		if err != nil {
			return "", err
		}
		for _, cl := range cls {
			fmt.Fprintf(&sb, "closure %s %.12f\n", closureKey(cl.Type, cl.From.ID, cl.To.ID), cl.SeverityRemoved)
		}
		rs, err := g.Routes(context.Background(), "a00", "a02", 3)
		if err != nil {
			return "", err
		}
		for _, r := range rs {
			fmt.Fprintf(&sb, "route %s %.12f\n", engineRouteKey(g, r), r.Strength)
		}
		return sb.String(), nil
	}
	want, err := ask(b.graph(t, Options{MaxHops: 4}))
	if err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"gap ", "broker ", "closure ", "route "} {
		if !strings.Contains(want, what) {
			t.Fatalf("the map should give every kind of answer, but gives no %q:\n%s", what, want)
		}
	}
	g := b.graph(t, Options{MaxHops: 4})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := ask(g); err != nil || got != want {
				t.Errorf("concurrently (error %v):\n%s\none at a time:\n%s", err, got, want)
			}
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
	routes, err := g.Routes(context.Background(), "c", "p", 1)
	if err != nil || len(routes) != 1 || routes[0].Hops() != 7 || !near(routes[0].Strength, math.Pow(0.9, 7)) {
		t.Fatalf("routes %v, err %v; want one 7-hop route of 0.9^7", routes, err)
	}
	if gaps := g.testGaps(t, GapFilter{}); len(gaps) != 0 {
		t.Errorf("%d gaps; the route is stronger than the threshold", len(gaps))
	}
}

// The anchor-by-anchor sums of gapClosures equal evaluating each proposal
// on its own, for every proposal of many random maps.
func TestClosureSumsMatchEvaluation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	scored := 0
	for iter := 0; iter < 400; iter++ {
		b := randMap(rng, 7+rng.IntN(6), 6+rng.IntN(25))
		g := b.graph(t, Options{MaxHops: 1 + rng.IntN(4)})
		ix, byAnchor, err := g.prepareClosures(context.Background(), testMeter(), 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if ix == nil {
			if n := len(g.testGaps(t, GapFilter{})); n > 0 {
				t.Fatalf("iter %d: %d gaps, but nothing prepared for gapClosures", iter, n)
			}
			continue
		}
		ev, p := ix.newEvaluator(), ix.newPusher(len(g.actors))
		for a, props := range byAnchor {
			err := p.score(testMeter(), a, props, func(k proposalKey, pushed float64) {
				scored++
				if err := ev.evaluate(testMeter(), k); err != nil {
					t.Fatal(err)
				}
				if want := ev.removed(); math.Abs(pushed-want) > 1e-9 {
					t.Fatalf("iter %d: %s %d→%d (anchor %d): summed %v, evaluated %v", iter, k.t, k.from, k.to, a, pushed, want)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if scored < 1000 {
		t.Errorf("only %d proposals scored on 400 random maps", scored)
	}
}
