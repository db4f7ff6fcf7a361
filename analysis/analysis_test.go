package analysis

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

// Small maps whose answers are worked out by hand in the comments.

type mapBuilder struct {
	actors []*domain.Actor
	rels   []*domain.Relationship
}

func (b *mapBuilder) actor(id string, kind domain.ActorKind) {
	b.actors = append(b.actors, &domain.Actor{ID: id, Kind: kind, Name: id, Region: "north"})
}

// rel adds a relationship; ids are given so that orders are predictable.
func (b *mapBuilder) rel(id string, t domain.RelationshipType, from, to string, s float64, opts ...func(*domain.Relationship)) *domain.Relationship {
	r := &domain.Relationship{ID: id, Type: t, FromID: from, ToID: to, Strength: s, Confidence: 1}
	for _, o := range opts {
		o(r)
	}
	b.rels = append(b.rels, r)
	return r
}

func enforcement(r *domain.Relationship) { r.Power = new(domain.Enforcement) }
func validTo(d string) func(*domain.Relationship) {
	return func(r *domain.Relationship) { r.ValidTo = new(domaintest.Date(d)) }
}
func validFrom(d string) func(*domain.Relationship) {
	return func(r *domain.Relationship) { r.ValidFrom = new(domaintest.Date(d)) }
}
func confidence(c float64) func(*domain.Relationship) {
	return func(r *domain.Relationship) { r.Confidence = c }
}

func (b *mapBuilder) graph(t *testing.T, o Options) *Graph {
	t.Helper()
	if o.AsOf.IsZero() {
		o.AsOf = domaintest.Date("2025-01-01")
	}
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	o, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return Build(b.actors, b.rels, o)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// routeIDs writes a route as its relationship ids joined by ">".
func routeIDs(r Route) string {
	ids := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		ids[i] = s.Rel.ID
	}
	return strings.Join(ids, ">")
}

// The village map:
//
//	police THREATENS village (0.8), PROVIDES_SECURITY village (0.5)
//	village PARTICIPATES_IN network (0.8)       step village → network
//	network INFLUENCES council (0.5)            step network → council
//	police ACCOUNTABLE_TO council (0.6)         step council → police
//	board DIALOGUE village (0.5), stored board→village: steps both ways
//	board CONTROLS police (0.9, until 2025-06-01): step board → police, enforcement
//
// Routes village → police:
//
//	d1>c1 (village→board→police): 0.5 × 0.9        = 0.45, 2 hops, enforceable
//	p1>i1>a1 (village→network→council→police): 0.8 × 0.5 × 0.6 = 0.24, 3 hops
func villageMap() *mapBuilder {
	b := &mapBuilder{}
	for id, k := range map[string]domain.ActorKind{"village": domain.KindCommunity, "network": domain.KindMovement,
		"council": domain.KindStateInstitution, "police": domain.KindSecurityForce, "board": domain.KindStateInstitution} {
		b.actor(id, k)
	}
	b.rel("t1", domain.Threatens, "police", "village", 0.8)
	b.rel("s1", domain.ProvidesSecurity, "police", "village", 0.5)
	b.rel("p1", domain.ParticipatesIn, "village", "network", 0.8)
	b.rel("i1", domain.Influences, "network", "council", 0.5)
	b.rel("a1", domain.AccountableTo, "police", "council", 0.6)
	b.rel("d1", domain.Dialogue, "board", "village", 0.5)
	b.rel("c1", domain.Controls, "board", "police", 0.9, validTo("2025-06-01"))
	b.rel("tw", domain.Trusts, "village", "police", 0.2, func(r *domain.Relationship) { r.PerceivedBy = new("women") })
	b.rel("tm", domain.Trusts, "village", "police", 0.6, func(r *domain.Relationship) { r.PerceivedBy = new("men") })
	return b
}

func TestRoutesRankedAndExplained(t *testing.T) {
	g := villageMap().graph(t, Options{})
	routes, err := g.Routes(context.Background(), "village", "police", 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ids         string
		strength    float64
		enforceable bool
	}{{"d1>c1", 0.45, true}, {"p1>i1>a1", 0.24, false}}
	if len(routes) != len(want) {
		t.Fatalf("%d routes, want %d", len(routes), len(want))
	}
	for i, w := range want {
		r := routes[i]
		if routeIDs(r) != w.ids || !near(r.Strength, w.strength) || r.Enforceable != w.enforceable {
			t.Errorf("route %d = %s %.4f enforceable=%v, want %s %.4f %v", i, routeIDs(r), r.Strength, r.Enforceable, w.ids, w.strength, w.enforceable)
		}
	}
	// The DIALOGUE stored board → village is walked village → board.
	if s := routes[0].Steps[0]; g.actors[s.From].ID != "village" || g.actors[s.To].ID != "board" {
		t.Errorf("first step runs %s → %s", g.actors[s.From].ID, g.actors[s.To].ID)
	}
	// ACCOUNTABLE_TO police → council is walked council → police.
	if s := routes[1].Steps[2]; g.actors[s.From].ID != "council" || g.actors[s.To].ID != "police" {
		t.Errorf("last step runs %s → %s", g.actors[s.From].ID, g.actors[s.To].ID)
	}
	if got := routes[1].Actors(g); len(got) != 4 || got[0].ID != "village" || got[3].ID != "police" {
		t.Errorf("actors of the route: %v", got)
	}
}

func TestMaxHopsBoundary(t *testing.T) {
	for _, c := range []struct {
		maxHops int
		want    []string
	}{{1, nil}, {2, []string{"d1>c1"}}, {3, []string{"d1>c1", "p1>i1>a1"}}, {8, []string{"d1>c1", "p1>i1>a1"}}} {
		g := villageMap().graph(t, Options{MaxHops: c.maxHops})
		routes, err := g.Routes(context.Background(), "village", "police", 5)
		if err != nil {
			t.Fatalf("maxHops %d: %v", c.maxHops, err)
		}
		var got []string
		for _, r := range routes {
			got = append(got, routeIDs(r))
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("maxHops %d: %v, want %v", c.maxHops, got, c.want)
		}
	}
	if _, err := (Options{MaxHops: 9}).Normalize(); !errs.Is(err, errs.Invalid) {
		t.Errorf("maxHops 9: %v", err)
	}
}

func TestExpiredFutureAndConfidence(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		add  func(*mapBuilder)
		want string // the strongest route
	}{
		{"before the CONTROLS expires", Options{AsOf: domaintest.Date("2025-05-31")}, nil, "d1>c1"},
		{"on its validTo (exclusive)", Options{AsOf: domaintest.Date("2025-06-01")}, nil, "p1>i1>a1"},
		{"a relationship from the future does not count", Options{AsOf: domaintest.Date("2026-01-01")}, func(b *mapBuilder) {
			b.rel("c2", domain.Controls, "council", "police", 1, validFrom("2026-01-02"))
		}, "p1>i1>a1"},
		{"it counts from its validFrom", Options{AsOf: domaintest.Date("2026-01-02")}, func(b *mapBuilder) {
			b.rel("c2", domain.Controls, "council", "police", 1, validFrom("2026-01-02"))
		}, "p1>i1>c2"},
		{"below minConfidence", Options{MinConfidence: 0.7}, func(b *mapBuilder) {
			b.rels[5].Confidence = 0.6 // d1
		}, "p1>i1>a1"},
		{"at minConfidence", Options{MinConfidence: 0.6}, func(b *mapBuilder) {
			b.rels[5].Confidence = 0.6
		}, "d1>c1"},
		{"a leverage relationship of strength 0 gives no step", Options{}, func(b *mapBuilder) {
			b.rels[6].Strength = 0 // c1
		}, "p1>i1>a1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := villageMap()
			if c.add != nil {
				c.add(b)
			}
			routes, err := b.graph(t, c.opts).Routes(context.Background(), "village", "police", 1)
			if err != nil || len(routes) == 0 || routeIDs(routes[0]) != c.want {
				t.Errorf("got %v (error %v), want %s", routes, err, c.want)
			}
		})
	}
}

// Cycles never make a route visit an actor twice, and parallel
// relationships each make their own route; ties go to fewer hops.
func TestCyclesParallelRoutesAndTies(t *testing.T) {
	b := &mapBuilder{}
	for _, id := range []string{"v", "m", "x", "p"} {
		b.actor(id, domain.KindMovement)
	}
	b.actors[0].Kind = domain.KindCommunity
	b.rel("r1", domain.ParticipatesIn, "v", "m", 0.5)
	b.rel("r2", domain.Dialogue, "v", "m", 0.5) // parallel to r1, and back m → v
	b.rel("r3", domain.Dialogue, "m", "x", 1)   // m ↔ x: a cycle
	b.rel("r4", domain.Influences, "x", "p", 0.8)
	b.rel("r5", domain.Influences, "m", "p", 0.4) // 2 hops, 0.5 × 0.4 = 0.2
	b.rel("r6", domain.Influences, "v", "x", 0.25)
	// Routes v → p within 4 hops (simple paths):
	//   r1>r3>r4  0.5 × 1 × 0.8 = 0.4 (3 hops)      r2>r3>r4  0.4 (3 hops)
	//   r6>r4     0.25 × 0.8    = 0.2 (2 hops)      r1>r5     0.2 (2 hops)   r2>r5 0.2 (2 hops)
	//   r6>r3>r5  0.25 × 1 × 0.4 = 0.1 (3 hops)
	// Ties: the 0.2 routes with 2 hops come in id order.
	g := b.graph(t, Options{})
	routes, err := g.Routes(context.Background(), "v", "p", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range routes {
		got = append(got, routeIDs(r))
		seen := map[int]bool{}
		for _, a := range r.Actors(g) {
			if seen[g.index[a.ID]] {
				t.Errorf("route %s visits %s twice", routeIDs(r), a.ID)
			}
			seen[g.index[a.ID]] = true
		}
	}
	want := "r1>r3>r4 r2>r3>r4 r1>r5 r2>r5 r6>r4 r6>r3>r5"
	if strings.Join(got, " ") != want {
		t.Errorf("routes %v\nwant   %s", got, want)
	}
	// Fewer hops win a tie in strength.
	b.rel("r7", domain.Influences, "v", "p", 0.4) // 1 hop, 0.4: ties with the 3-hop ones
	routes, err = b.graph(t, Options{}).Routes(context.Background(), "v", "p", 1)
	if err != nil || len(routes) != 1 || routeIDs(routes[0]) != "r7" {
		t.Fatalf("the 1-hop route r7 should win the tie, got %v (error %v)", routes, err)
	}
}

// Gaps and severities, by hand:
//
// village–police after the CONTROLS expired (as of 2025-07-01):
//
//	exposure  = 1 − (1 − 0.8)(1 − 0.6 × 0.5) = 1 − 0.2 × 0.7 = 0.86
//	distrust  = 1 − mean(0.2, 0.6)           = 0.6
//	best      = 0.24 < 0.25                  → WEAK_ROUTE
//	severity  = 0.86 × (0.5 + 0.3) × 0.76    = 0.52288
//
// camp–militia: militia THREATENS camp (0.9), nothing else:
//
//	exposure 0.9, distrust 0.5 (no trust reported), no route → NO_ROUTE
//	severity = 0.9 × 0.75 × 1 = 0.675
func gapMap() *mapBuilder {
	b := villageMap()
	b.actor("camp", domain.KindCommunity)
	b.actor("militia", domain.KindSecurityForce)
	b.rel("t2", domain.Threatens, "militia", "camp", 0.9)
	return b
}

func TestGapsAndSeverity(t *testing.T) {
	g := gapMap().graph(t, Options{AsOf: domaintest.Date("2025-07-01")})
	gaps := g.testGaps(t, GapFilter{})
	if len(gaps) != 2 {
		t.Fatalf("%d gaps, want 2", len(gaps))
	}
	camp, village := gaps[0], gaps[1]
	if camp.Community.ID != "camp" || camp.Kind != NoRoute || !near(camp.Severity, 0.675) || camp.BestRoute() != nil ||
		!near(camp.Exposure, 0.9) || !near(camp.Distrust, 0.5) {
		t.Errorf("camp gap: %+v severity %v", camp.PairStatus, camp.Severity)
	}
	if village.Community.ID != "village" || village.Kind != WeakRoute || !near(village.Severity, 0.52288) ||
		!near(village.Exposure, 0.86) || !near(village.Distrust, 0.6) || routeIDs(*village.BestRoute()) != "p1>i1>a1" {
		t.Errorf("village gap: kind %s severity %v exposure %v distrust %v", village.Kind, village.Severity, village.Exposure, village.Distrust)
	}
	if len(village.PowerRelationships) != 2 || village.StrongestEnforceableRoute != nil {
		t.Errorf("village gap explains itself badly: %+v", village.PairStatus)
	}
	// While the CONTROLS held, the village had an enforceable route of 0.45: no gap.
	before := gapMap().graph(t, Options{AsOf: domaintest.Date("2025-01-01")}).testGaps(t, GapFilter{})
	if len(before) != 1 || before[0].Community.ID != "camp" {
		t.Errorf("gaps before the CONTROLS expired: %d", len(before))
	}
	// Filters.
	if got := g.testGaps(t, GapFilter{Kinds: []GapKind{WeakRoute}}); len(got) != 1 || got[0].Community.ID != "village" {
		t.Errorf("kinds filter: %v", got)
	}
	if got := g.testGaps(t, GapFilter{MinSeverity: 0.6}); len(got) != 1 || got[0].Community.ID != "camp" {
		t.Errorf("minSeverity filter: %v", got)
	}
	if got := g.testGaps(t, GapFilter{Region: new("south")}); len(got) != 0 {
		t.Errorf("region filter: %v", got)
	}
	// A higher threshold makes more weak routes; a route at the threshold is no gap.
	if got := gapMap().graph(t, Options{AsOf: domaintest.Date("2025-07-01"), Threshold: 0.24}).testGaps(t, GapFilter{}); len(got) != 1 {
		t.Errorf("threshold 0.24: %d gaps, want 1 (0.24 is not weaker than 0.24)", len(got))
	}
}

func TestStrongestEnforceableRouteIsSearchedBeyondTheBest(t *testing.T) {
	b := villageMap()
	// A stronger answerability-only route, so the enforceable one is second.
	b.rel("i2", domain.Influences, "village", "police", 0.7)
	g := b.graph(t, Options{})
	gaps := g.testGaps(t, GapFilter{})
	if len(gaps) != 0 {
		t.Fatalf("no gap expected, got %d", len(gaps))
	}
	st := g.newAnalyzer()
	if err := st.t.compute(testMeter(), g, g.index["police"], false); err != nil {
		t.Fatal(err)
	}
	s, err := st.status(testMeter(), pair{g.index["village"], g.index["police"]}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if routeIDs(*s.BestRoute()) != "i2" || s.StrongestEnforceableRoute == nil || routeIDs(*s.StrongestEnforceableRoute) != "d1>c1" {
		t.Errorf("best %v enforceable %v", s.BestRoute(), s.StrongestEnforceableRoute)
	}
}

// gapClosures on the gap map as of 2025-07-01:
//
//	camp–militia (0.675): nothing reaches the militia, so only a direct step
//	  from the camp helps: camp DIALOGUE militia or camp INFLUENCES militia at
//	  0.5 → best 0.5 ≥ 0.25, closed; severity after 0.9 × 0.75 × 0.5 = 0.3375.
//	village–police (0.52288): village INFLUENCES police or DIALOGUE police at
//	  0.5 → best 0.5, closed; after 0.86 × 0.8 × 0.5 = 0.344, removed 0.17888.
//	  council CONTROLS police: 0.8 × 0.5 (village → council) × 0.5 = 0.2 < 0.24,
//	  no improvement, so it is not proposed.
func TestGapClosures(t *testing.T) {
	g := gapMap().graph(t, Options{AsOf: domaintest.Date("2025-07-01")})
	cls, err := g.GapClosures(context.Background(), 50, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(cls) < 4 {
		t.Fatalf("%d closures", len(cls))
	}
	top := cls[0]
	if !near(top.SeverityRemoved, 0.3375) || top.From.ID != "camp" || top.To.ID != "militia" || top.Type != domain.Dialogue {
		t.Errorf("top closure: %s %s→%s removes %v", top.Type, top.From.ID, top.To.ID, top.SeverityRemoved)
	}
	if len(top.Closes) != 1 || top.Closes[0].KindAfter != "" || !near(top.Closes[0].SeverityAfter, 0.3375) || !near(top.Closes[0].Gap.Severity, 0.675) {
		t.Errorf("top closure's effect: %+v", top.Closes)
	}
	seen := map[string]bool{}
	for _, c := range cls {
		key := string(c.Type) + " " + c.From.ID + " " + c.To.ID
		if seen[key] {
			t.Errorf("proposed twice: %s", key)
		}
		seen[key] = true
		if c.Type == domain.Dialogue && seen[string(c.Type)+" "+c.To.ID+" "+c.From.ID] {
			t.Errorf("a DIALOGUE proposed in both directions: %s", key)
		}
		if c.Type == domain.Controls && c.From.ID == "council" {
			t.Errorf("council CONTROLS police does not narrow any gap and must not be proposed")
		}
		if c.From.Kind == domain.KindSecurityForce && c.Type == domain.ParticipatesIn {
			t.Errorf("implausible proposal: %s", key)
		}
		for _, ch := range c.Closes {
			if ch.SeverityAfter >= ch.Gap.Severity {
				t.Errorf("%s does not narrow %s–%s", key, ch.Gap.Community.ID, ch.Gap.PowerHolder.ID)
			}
		}
	}
	if !seen["INFLUENCES village police"] {
		t.Errorf("village INFLUENCES police missing: %v", seen)
	}
	for _, c := range cls {
		if c.Type == domain.Influences && c.From.ID == "village" && c.To.ID == "police" && !near(c.SeverityRemoved, 0.17888) {
			t.Errorf("village INFLUENCES police removes %v, want 0.17888", c.SeverityRemoved)
		}
	}
	if _, err := g.GapClosures(context.Background(), 10, 0); !errs.Is(err, errs.Invalid) {
		t.Errorf("assumedStrength 0: %v", err)
	}
}

// Brokers: two communities, one power holder.
//
//	village → police: d1>c1 (via board), p1>i1>a1 (via network, council)
//	hamlet → police: h1>i1>a1 only (via network, council)
//
// network and council broker both pairs; removing either cuts the hamlet
// off (critical); the board brokers one pair and cuts nobody off.
func TestBrokers(t *testing.T) {
	b := villageMap()
	b.actor("hamlet", domain.KindCommunity)
	b.rel("h1", domain.ParticipatesIn, "hamlet", "network", 0.7)
	b.rel("t3", domain.Threatens, "police", "hamlet", 0.4)
	g := b.graph(t, Options{})
	brokers, err := g.Brokers(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Broker{}
	for _, br := range brokers {
		got[br.Actor.ID] = br
	}
	if len(brokers) != 3 || brokers[0].Pairs != 2 || brokers[1].Pairs != 2 || brokers[2].Actor.ID != "board" {
		t.Fatalf("brokers: %v", brokers)
	}
	for _, id := range []string{"network", "council"} {
		br := got[id]
		if !br.Critical || len(br.CutOff) != 1 || br.CutOff[0].Community.ID != "hamlet" {
			t.Errorf("%s: critical %v cutOff %v", id, br.Critical, br.CutOff)
		}
	}
	if got["board"].Critical || got["board"].Pairs != 1 {
		t.Errorf("board: %+v", got["board"])
	}
}

// Changes between two dates: the CONTROLS expires on 2025-06-01.
func TestAccountabilityChanges(t *testing.T) {
	b := gapMap()
	before := b.graph(t, Options{AsOf: domaintest.Date("2025-01-01")})
	after := b.graph(t, Options{AsOf: domaintest.Date("2025-12-31")})
	changes, err := Changes(context.Background(), before, after)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 {
		t.Fatalf("%d changes, want 1 (the camp's status did not change)", len(changes))
	}
	c := changes[0]
	if c.Community.ID != "village" || c.Before.Status != StatusOK || !c.Before.HasEnforceableRoute || !near(c.Before.BestStrength, 0.45) ||
		c.After.Status != StatusWeakRoute || c.After.HasEnforceableRoute || !near(c.After.BestStrength, 0.24) {
		t.Errorf("change: %+v → %+v", c.Before, c.After)
	}
	if len(c.Causes) != 1 || c.Causes[0].ID != "c1" {
		t.Errorf("causes: %v, want the CONTROLS that expired", c.Causes)
	}
	// A power relationship that starts in the window opens a pair from NO_POWER.
	b.rel("t9", domain.Threatens, "militia", "village", 0.5, validFrom("2025-03-01"))
	after = b.graph(t, Options{AsOf: domaintest.Date("2025-12-31")})
	before = b.graph(t, Options{AsOf: domaintest.Date("2025-01-01")})
	if changes, err = Changes(context.Background(), before, after); err != nil {
		t.Fatal(err)
	}
	var opened *Change
	for _, ch := range changes {
		if ch.PowerHolder.ID == "militia" && ch.Community.ID == "village" {
			opened = ch
		}
	}
	if opened == nil || opened.Before.Status != StatusNoPower || opened.After.Status != StatusNoRoute || len(opened.Causes) != 1 || opened.Causes[0].ID != "t9" {
		t.Errorf("opened pair: %+v", opened)
	}
	if _, err := Changes(context.Background(), after, before); !errs.Is(err, errs.Invalid) {
		t.Errorf("from after to: %v", err)
	}
}

func TestUnknownActorsAreNotFound(t *testing.T) {
	g := villageMap().graph(t, Options{})
	if _, err := g.Routes(context.Background(), "village", "nobody", 3); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown to: %v", err)
	}
	if _, err := g.Routes(context.Background(), "village", "village", 3); !errs.Is(err, errs.Invalid) {
		t.Errorf("same actor: %v", err)
	}
}

// A request that is gone stops the closures search, and the failure is not
// memoised: the next request computes afresh.
func TestGapClosuresStopWithTheirRequest(t *testing.T) {
	g := gapMap().graph(t, Options{AsOf: domaintest.Date("2025-07-01")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.GapClosures(ctx, 10, 0.5); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("cancelled request: %v", err)
	}
	cls, err := g.GapClosures(context.Background(), 10, 0.5)
	if err != nil || len(cls) == 0 {
		t.Errorf("after a cancelled request: %d closures, %v", len(cls), err)
	}
}
