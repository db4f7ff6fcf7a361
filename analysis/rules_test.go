package analysis

// The leverage rules of the domain brief (docs: /work/shared/domain.md,
// "Relationships (edges)"), written out here by hand and NOT derived from
// the engine's own tables, and a reference walker that reads maps with
// nothing else. The engine is checked against this table by behaviour
// (one-relationship maps through Routes and Gaps), and the randomised
// cross-checks (crosscheck_test.go) enumerate routes with the reference
// walker, so a bug in the engine's step table cannot agree with itself.

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// leverage is how a relationship A → B of a type gives a leverage step
// (the last column of the brief's relationship table).
type leverage int

const (
	noLeverage  leverage = iota // none
	withEdge                    // A → B
	againstEdge                 // B → A
	bothWays                    // A → B and B → A
)

func (l leverage) String() string {
	return [...]string{"none", "A → B (with the edge)", "B → A (against the edge)", "both ways"}[l]
}

// forward and backward say whether the relationship gives a step from its
// from to its to, and from its to to its from.
func (l leverage) forward() bool  { return l == withEdge || l == bothWays }
func (l leverage) backward() bool { return l == againstEdge || l == bothWays }

// enforceability is when a relationship's steps can sanction: CONTROLS
// always ("enforcement by its nature"), the other leverage types only with
// power ENFORCEMENT, types without leverage never.
type enforceability int

const (
	neverEnforces enforceability = iota
	enforcesWithPower
	alwaysEnforces
)

func (e enforceability) String() string {
	return [...]string{"never", "only with power ENFORCEMENT", "always"}[e]
}

// domainRules is the brief's table, type by type. The types are spelled as
// the brief spells them (not through the domain package's constants), so
// a renamed type fails TestDomainRulesCoverEveryRelationshipType too.
var domainRules = []struct {
	t   domain.RelationshipType
	lev leverage
	enf enforceability
}{
	{"TRUSTS", noLeverage, neverEnforces},              // trust is an attitude, not a lever
	{"ACCOUNTABLE_TO", againstEdge, enforcesWithPower}, // A must answer to B: B → A
	{"CONTROLS", withEdge, alwaysEnforces},             // A commands or funds B: A → B
	{"PROVIDES_SECURITY", noLeverage, neverEnforces},   // B depends on A
	{"THREATENS", noLeverage, neverEnforces},           // A holds power over B
	{"REPRESENTS", againstEdge, enforcesWithPower},     // A speaks for B: B → A
	{"PARTICIPATES_IN", withEdge, enforcesWithPower},   // A takes part in B: A → B
	{"INFLUENCES", withEdge, enforcesWithPower},        // A moves B's decisions: A → B
	{"DIALOGUE", bothWays, enforcesWithPower},          // read in both directions
	{"SUPPORTS", noLeverage, neverEnforces},
	{"COOPERATES_WITH", noLeverage, neverEnforces},
	{"IN_TENSION_WITH", noLeverage, neverEnforces},
}

type domainRule struct {
	lev leverage
	enf enforceability
}

var domainRuleOf = func() map[domain.RelationshipType]domainRule {
	m := map[domain.RelationshipType]domainRule{}
	for _, r := range domainRules {
		m[r.t] = domainRule{r.lev, r.enf}
	}
	return m
}()

// refEnforces is whether r's steps can sanction, by the brief.
func refEnforces(r *domain.Relationship) bool {
	switch domainRuleOf[r.Type].enf {
	case alwaysEnforces:
		return true
	case enforcesWithPower:
		return r.Power != nil && *r.Power == domain.Enforcement
	}
	return false
}

// Every relationship type the domain package defines has its row, and
// every row is a type the domain package defines: a new type cannot be
// added without deciding how it reads as leverage.
func TestDomainRulesCoverEveryRelationshipType(t *testing.T) {
	if len(domainRules) != 12 || len(domainRuleOf) != 12 {
		t.Errorf("the brief's table has 12 relationship types; domainRules has %d rows (%d distinct)", len(domainRules), len(domainRuleOf))
	}
	defined := map[domain.RelationshipType]bool{}
	for _, ty := range domain.RelationshipTypes {
		defined[ty] = true
		if _, ok := domainRuleOf[ty]; !ok {
			t.Errorf("the domain package defines relationship type %s, which the leverage table of this test does not have: add its row from domain.md (leverage direction and enforceability)", ty)
		}
	}
	for _, r := range domainRules {
		if !defined[r.t] || !r.t.IsValid() {
			t.Errorf("relationship type %s of the brief is not a type the domain package defines (domain.RelationshipTypes)", r.t)
		}
	}
}

// The behavioural check of the table: for every type and every value of
// power, a map of two actors joined by that one relationship a → b. The
// engine must find a one-step route a → b exactly when the type gives a
// step with the edge, b → a exactly when it gives one against the edge,
// enforceable exactly when the brief says it can sanction; and with each
// actor threatening the other, the gaps (whose strongest enforceable route
// is searched separately) must say the same.
func TestLeverageStepsFollowTheDomainTable(t *testing.T) {
	powers := []struct {
		name string
		p    *domain.Power
	}{{"no power", nil}, {"power ANSWERABILITY", new(domain.Answerability)}, {"power ENFORCEMENT", new(domain.Enforcement)}}
	const strength = 0.7
	for _, rule := range domainRules {
		for _, pw := range powers {
			if rule.t == "CONTROLS" && pw.p != nil {
				continue // CONTROLS carries no power (domain validation refuses one)
			}
			name := string(rule.t) + "/" + pw.name
			t.Run(name, func(t *testing.T) {
				build := func(threats bool) *Graph {
					b := &mapBuilder{}
					b.actor("a", kComm)
					b.actor("b", kComm)
					b.rel("r", rule.t, "a", "b", strength, func(r *domain.Relationship) { r.Power = pw.p })
					if threats {
						b.rel("ta", domain.Threatens, "b", "a", 0.5)
						b.rel("tb", domain.Threatens, "a", "b", 0.5)
					}
					return b.graph(t, Options{Threshold: 1})
				}
				enforceable := rule.enf == alwaysEnforces || (rule.enf == enforcesWithPower && pw.p != nil && *pw.p == domain.Enforcement)
				why := fmt.Sprintf("domain.md: %s gives leverage %s, enforceable %s", rule.t, rule.lev, rule.enf)
				g := build(false)
				for _, d := range []struct {
					from, to string
					want     bool
				}{{"a", "b", rule.lev.forward()}, {"b", "a", rule.lev.backward()}} {
					routes, err := g.Routes(context.Background(), d.from, d.to, 5)
					if err != nil {
						t.Fatalf("Routes(%s, %s): %v", d.from, d.to, err)
					}
					switch {
					case !d.want && len(routes) != 0:
						t.Errorf("a %s b: route %s → %s found (%s), want none (%s)", rule.t, d.from, d.to, routeIDs(routes[0]), why)
					case d.want && len(routes) != 1:
						t.Errorf("a %s b: %d routes %s → %s, want exactly one, of one step (%s)", rule.t, len(routes), d.from, d.to, why)
					case d.want:
						r := routes[0]
						as := r.Actors(g)
						if r.Hops() != 1 || routeIDs(r) != "r" || as[0].ID != d.from || as[1].ID != d.to || !near(r.Strength, strength) {
							t.Errorf("a %s b: route %s → %s is %s through %v, strength %v; want the one step r of strength %v", rule.t, d.from, d.to, routeIDs(r), as, r.Strength, strength)
						}
						if r.Enforceable != enforceable {
							t.Errorf("a %s b (%s): route %s → %s enforceable = %v, want %v (%s)", rule.t, pw.name, d.from, d.to, r.Enforceable, enforceable, why)
						}
					}
				}
				// The gaps: b holds power over a and a over b.
				g = build(true)
				gaps := g.testGaps(t, GapFilter{})
				byPair := map[string]*Gap{}
				for _, gp := range gaps {
					byPair[gp.Community.ID+"–"+gp.PowerHolder.ID] = gp
				}
				if len(gaps) != 2 || len(byPair) != 2 {
					t.Fatalf("%d gaps, want one for a–b and one for b–a (threshold 1)", len(gaps))
				}
				for _, d := range []struct {
					c, p string
					want bool
				}{{"a", "b", rule.lev.forward()}, {"b", "a", rule.lev.backward()}} {
					gp := byPair[d.c+"–"+d.p]
					if gp == nil {
						t.Errorf("no gap %s–%s", d.c, d.p)
						continue
					}
					wantKind, wantEnf := NoRoute, false
					if d.want {
						wantKind, wantEnf = WeakRoute, enforceable
					}
					if gp.Kind != wantKind || (d.want && !near(gp.BestStrength(), strength)) {
						t.Errorf("gap %s–%s: %s, best %v; want %s (%s)", d.c, d.p, gp.Kind, gp.BestStrength(), wantKind, why)
					}
					if got := gp.StrongestEnforceableRoute; (got != nil) != wantEnf {
						want := "none"
						if wantEnf {
							want = "the one step r"
						}
						t.Errorf("gap %s–%s (%s): strongest enforceable route %v, want %s (%s)", d.c, d.p, pw.name, got, want, why)
					}
				}
			})
		}
	}
}

// refGraph is a map read with nothing but domainRules and the brief's
// definitions: the reference the engine's answers are checked against.
type refGraph struct {
	opts    Options
	actors  []*domain.Actor
	index   map[string]int
	out     [][]refStep
	inForce []*domain.Relationship // every relationship in force, leverage or not
}

type refStep struct {
	from, to int
	rel      *domain.Relationship
	enf      bool
}

// newRefGraph reads actors and relationships under opts (normalised).
func newRefGraph(actors []*domain.Actor, rels []*domain.Relationship, opts Options) *refGraph {
	r := &refGraph{opts: opts, actors: actors, index: map[string]int{}, out: make([][]refStep, len(actors))}
	for i, a := range actors {
		r.index[a.ID] = i
	}
	for _, rel := range rels {
		r.add(rel)
	}
	return r
}

// add takes one relationship into the map if it is in force (valid on
// AsOf, confidence at least MinConfidence), with the leverage steps the
// brief gives it. A leverage relationship of strength 0 gives no step: a
// route through it would have strength 0, no route at all (the engine's
// rule, pinned by TestExpiredFutureAndConfidence).
func (r *refGraph) add(rel *domain.Relationship) {
	from, ok1 := r.index[rel.FromID]
	to, ok2 := r.index[rel.ToID]
	if !ok1 || !ok2 || from == to || !rel.ValidAt(r.opts.AsOf) || rel.Confidence < r.opts.MinConfidence {
		return
	}
	r.inForce = append(r.inForce, rel)
	rule, ok := domainRuleOf[rel.Type]
	if !ok || rel.Strength <= 0 {
		return
	}
	if rule.lev.forward() {
		r.out[from] = append(r.out[from], refStep{from, to, rel, refEnforces(rel)})
	}
	if rule.lev.backward() {
		r.out[to] = append(r.out[to], refStep{to, from, rel, refEnforces(rel)})
	}
}

// with returns a copy of the map with one more relationship.
func (r *refGraph) with(rel *domain.Relationship) *refGraph {
	c := &refGraph{opts: r.opts, actors: r.actors, index: r.index, out: make([][]refStep, len(r.out)), inForce: r.inForce[:len(r.inForce):len(r.inForce)]}
	for i, s := range r.out {
		c.out[i] = s[:len(s):len(s)]
	}
	c.add(rel)
	return c
}

// has reports whether a relationship of type t from → to is in force.
func (r *refGraph) has(t domain.RelationshipType, from, to int) bool {
	for _, rel := range r.inForce {
		if rel.Type == t && rel.FromID == r.actors[from].ID && rel.ToID == r.actors[to].ID {
			return true
		}
	}
	return false
}

// refRoute is a simple route, identified by the actors and relationships
// along it ("a>r1>b>r2>c").
type refRoute struct {
	key      string
	strength float64
	hops     int
	enf      bool
	via      []int // the actors between its ends
}

// walk enumerates every simple path of leverage steps from c within
// MaxHops (the empty path included) and calls visit at its end.
func (r *refGraph) walk(c int, visit func(end int, path []refStep)) {
	onPath := make([]bool, len(r.actors))
	var path []refStep
	var rec func(v int)
	rec = func(v int) {
		visit(v, path)
		if len(path) == r.opts.MaxHops {
			return
		}
		onPath[v] = true
		for _, s := range r.out[v] {
			if !onPath[s.to] {
				path = append(path, s)
				rec(s.to)
				path = path[:len(path)-1]
			}
		}
		onPath[v] = false
	}
	rec(c)
}

// routes returns every route from c to p within MaxHops, strongest first,
// then fewer hops. A route's strength is the product of its steps'; it is
// enforceable when one of its steps is.
func (r *refGraph) routes(c, p int) []refRoute {
	var out []refRoute
	r.walk(c, func(end int, path []refStep) {
		if end != p || len(path) == 0 {
			return
		}
		out = append(out, refRouteOf(r, path))
	})
	sort.SliceStable(out, func(i, j int) bool {
		if math.Abs(out[i].strength-out[j].strength) > 1e-9 {
			return out[i].strength > out[j].strength
		}
		return out[i].hops < out[j].hops
	})
	return out
}

func refRouteOf(r *refGraph, path []refStep) refRoute {
	rt := refRoute{strength: 1, hops: len(path)}
	parts := []string{r.actors[path[0].from].ID}
	for i, s := range path {
		rt.strength *= s.rel.Strength
		rt.enf = rt.enf || s.enf
		parts = append(parts, s.rel.ID, r.actors[s.to].ID)
		if i < len(path)-1 {
			rt.via = append(rt.via, s.to)
		}
	}
	rt.key = strings.Join(parts, ">")
	return rt
}

// bestFrom returns, for every actor, the strength of the strongest route
// from c to it within MaxHops, and of the strongest enforceable one (0:
// none).
func (r *refGraph) bestFrom(c int) (best, bestEnf []float64) {
	best, bestEnf = make([]float64, len(r.actors)), make([]float64, len(r.actors))
	r.walk(c, func(end int, path []refStep) {
		if len(path) == 0 {
			return
		}
		rt := refRouteOf(r, path)
		best[end] = math.Max(best[end], rt.strength)
		if rt.enf {
			bestEnf[end] = math.Max(bestEnf[end], rt.strength)
		}
	})
	return best, bestEnf
}

// refPair is a community and an actor that holds power over it: P
// PROVIDES_SECURITY to C or P THREATENS C, in force.
type refPair struct{ c, p int }

func (r *refGraph) powerPairs() []refPair {
	seen := map[refPair]bool{}
	var out []refPair
	for _, rel := range r.inForce {
		if rel.Type != domain.ProvidesSecurity && rel.Type != domain.Threatens {
			continue
		}
		pr := refPair{r.index[rel.ToID], r.index[rel.FromID]}
		if r.actors[pr.c].Kind == domain.KindCommunity && !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	return out
}

// engineRouteKey identifies an engine route as refRoute does.
func engineRouteKey(g *Graph, rt Route) string {
	as, rels := rt.Actors(g), rt.Relationships()
	if len(as) == 0 {
		return ""
	}
	parts := []string{as[0].ID}
	for i, rel := range rels {
		parts = append(parts, rel.ID, as[i+1].ID)
	}
	return strings.Join(parts, ">")
}

// refGap is a gap by the reference, with the engine's gap for it.
type refGap struct {
	refPair
	best float64
	gap  *Gap
}

// checkGaps checks the engine's gaps against the reference: the same
// pairs (held power, no route within MaxHops or only ones weaker than the
// threshold), the same kinds, best strengths and strongest enforceable
// routes. It returns the reference's gaps.
func checkGaps(t *testing.T, label string, g *Graph, ref *refGraph) []refGap {
	t.Helper()
	engine := map[refPair]*Gap{}
	for _, gp := range g.testGaps(t, GapFilter{}) {
		pr := refPair{ref.index[gp.Community.ID], ref.index[gp.PowerHolder.ID]}
		if engine[pr] != nil {
			t.Errorf("%s: gap %s–%s listed twice", label, gp.Community.ID, gp.PowerHolder.ID)
		}
		engine[pr] = gp
	}
	var out []refGap
	bests := map[int][2][]float64{}
	for _, pr := range ref.powerPairs() {
		if _, ok := bests[pr.c]; !ok {
			b, e := ref.bestFrom(pr.c)
			bests[pr.c] = [2][]float64{b, e}
		}
		best, bestEnf := bests[pr.c][0][pr.p], bests[pr.c][1][pr.p]
		c, p := ref.actors[pr.c].ID, ref.actors[pr.p].ID
		gp := engine[pr]
		delete(engine, pr)
		// Both multiply a route's strengths in its order, so the values
		// compared with the threshold are the same to the bit.
		var want GapKind
		switch {
		case best == 0:
			want = NoRoute
		case best < ref.opts.Threshold:
			want = WeakRoute
		}
		if want == "" {
			if gp != nil {
				t.Errorf("%s: gap %s–%s (%s, best %v), but the reference's best route is %v, not below the threshold %v", label, c, p, gp.Kind, gp.BestStrength(), best, ref.opts.Threshold)
			}
			continue
		}
		out = append(out, refGap{pr, best, gp})
		if gp == nil {
			t.Errorf("%s: no gap %s–%s; the reference finds %s (best route %v, threshold %v)", label, c, p, want, best, ref.opts.Threshold)
			continue
		}
		if gp.Kind != want || math.Abs(gp.BestStrength()-best) > 1e-9 {
			t.Errorf("%s: gap %s–%s is %s with best %v; the reference: %s with best %v", label, c, p, gp.Kind, gp.BestStrength(), want, best)
		}
		if e := gp.StrongestEnforceableRoute; (e == nil) != (bestEnf == 0) || (e != nil && math.Abs(e.Strength-bestEnf) > 1e-9) {
			t.Errorf("%s: gap %s–%s: strongest enforceable route %v; the reference's is of strength %v (0: none)", label, c, p, e, bestEnf)
		}
	}
	for pr, gp := range engine {
		t.Errorf("%s: gap %s–%s (%s), but %s holds no power over %s by the reference", label, gp.Community.ID, gp.PowerHolder.ID, gp.Kind, ref.actors[pr.p].ID, ref.actors[pr.c].ID)
	}
	return out
}

// checkBrokers checks the engine's brokers against the reference. An
// actor brokers a pair when it lies between the ends of one of the pair's
// three strongest routes; where routes tie for third place either may
// count, so the reference gives each actor a least and a greatest number
// of pairs. A pair is cut off without an actor when it has routes and
// every one of them passes through the actor.
func checkBrokers(t *testing.T, label string, g *Graph, ref *refGraph) {
	t.Helper()
	type want struct {
		lower, upper int
		cutOff       map[refPair]bool
	}
	wants := map[int]*want{}
	get := func(a int) *want {
		if wants[a] == nil {
			wants[a] = &want{cutOff: map[refPair]bool{}}
		}
		return wants[a]
	}
	for _, pr := range ref.powerPairs() {
		all := ref.routes(pr.c, pr.p)
		if len(all) == 0 {
			continue
		}
		// Routes stronger than the third are surely among the three
		// strongest; those tied with it surely are when they fit.
		third := all[min(brokerRoutes, len(all))-1].strength
		above, tied := 0, 0
		for _, r := range all {
			if r.strength > third+1e-9 {
				above++
			} else if r.strength >= third-1e-9 {
				tied++
			}
		}
		sure, maybe := map[int]bool{}, map[int]bool{}
		var inEvery, inEveryTied map[int]bool // actors on every route, on every tied route
		for _, r := range all {
			on := map[int]bool{}
			for _, v := range r.via {
				on[v] = true
			}
			inEvery = intersect(inEvery, on)
			switch {
			case r.strength > third+1e-9 || (r.strength >= third-1e-9 && tied <= brokerRoutes-above):
				for v := range on {
					sure[v], maybe[v] = true, true
				}
			case r.strength >= third-1e-9:
				inEveryTied = intersect(inEveryTied, on)
				for v := range on {
					maybe[v] = true
				}
			}
		}
		for v := range inEveryTied {
			sure[v] = true
		}
		for v := range maybe {
			get(v).upper++
		}
		for v := range sure {
			get(v).lower++
		}
		for v := range inEvery {
			get(v).cutOff[pr] = true
		}
	}
	brs, err := g.Brokers(context.Background(), 500)
	if err != nil {
		t.Fatalf("%s: brokers: %v", label, err)
	}
	listed := map[int]bool{}
	for _, br := range brs {
		a := ref.index[br.Actor.ID]
		listed[a] = true
		w := get(a)
		if br.Pairs < w.lower || br.Pairs > w.upper {
			t.Errorf("%s: broker %s of %d pairs; by the reference between %d and %d", label, br.Actor.ID, br.Pairs, w.lower, w.upper)
		}
		cut := map[refPair]bool{}
		for _, p := range br.CutOff {
			pr := refPair{ref.index[p.Community.ID], ref.index[p.PowerHolder.ID]}
			cut[pr] = true
			if !w.cutOff[pr] {
				t.Errorf("%s: broker %s cuts %s–%s off, but by the reference that pair has no route or one avoiding %s", label, br.Actor.ID, p.Community.ID, p.PowerHolder.ID, br.Actor.ID)
			}
		}
		for pr := range w.cutOff {
			if !cut[pr] {
				t.Errorf("%s: broker %s does not cut %s–%s off, but by the reference every route of that pair passes through it", label, br.Actor.ID, ref.actors[pr.c].ID, ref.actors[pr.p].ID)
			}
		}
		if br.Critical != (len(br.CutOff) > 0) {
			t.Errorf("%s: broker %s critical %v with %d pairs cut off", label, br.Actor.ID, br.Critical, len(br.CutOff))
		}
	}
	for a, w := range wants {
		if w.lower > 0 && !listed[a] {
			t.Errorf("%s: %s is not listed as a broker; by the reference it brokers at least %d pairs", label, ref.actors[a].ID, w.lower)
		}
	}
}

// intersect returns the actors in both sets; a nil acc is the first set.
func intersect(acc, set map[int]bool) map[int]bool {
	if acc == nil {
		out := make(map[int]bool, len(set))
		for v := range set {
			out[v] = true
		}
		return out
	}
	for v := range acc {
		if !set[v] {
			delete(acc, v)
		}
	}
	return acc
}
