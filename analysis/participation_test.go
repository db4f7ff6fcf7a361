package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

func womenLed(v bool) func(*domain.Actor) {
	return func(a *domain.Actor) { a.WomenLed = new(v) }
}

func region(r string) func(*domain.Actor) {
	return func(a *domain.Actor) { a.Region = r }
}

// describeParticipation writes gaps one a line: target, reason, nearest,
// hops, best route strength and its relationship ids.
func describeParticipation(gaps []*ParticipationGap) string {
	var lines []string
	for _, p := range gaps {
		line := p.Target.ID + " " + string(p.Reason)
		if p.Nearest != nil {
			line += fmt.Sprintf(" %s %d %.6f %s", p.Nearest.ID, p.Hops, p.BestRoute.Strength, routeIDs(*p.BestRoute))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func participation(t *testing.T, g *Graph, f ParticipationFilter) string {
	t.Helper()
	gaps, err := g.ParticipationGaps(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range gaps {
		// Every answer explains itself: nearest, hops and route agree.
		if (p.Reason == BeyondLimit) != (p.Nearest != nil) || (p.Nearest == nil) != (p.BestRoute == nil) {
			t.Errorf("%s: reason %s with nearest %v and route %v", p.Target.ID, p.Reason, p.Nearest, p.BestRoute)
		}
		if p.BestRoute != nil {
			as := p.BestRoute.Actors(g)
			if as[0] != p.Nearest || as[len(as)-1] != p.Target || p.BestRoute.Hops() != p.Hops || p.Hops <= g.opts.MaxHops {
				t.Errorf("%s: route %s from %s, %d hops, does not match nearest %s and hops %d", p.Target.ID, routeIDs(*p.BestRoute), as[0].ID, p.BestRoute.Hops(), p.Nearest.ID, p.Hops)
			}
		}
	}
	return describeParticipation(gaps)
}

// The participation map (as of 2025-01-01), all in region north but i4
// (south):
//
//	w (MOVEMENT, women-led)
//	w INFLUENCES i1 (r01, 0.8)              i1 at 1 step
//	i1 INFLUENCES i2 (r02, 0.5)             i2 at 2 steps
//	e3 DIALOGUE i2 (r03, 0.5)               e3 (CUSTOMARY_AUTHORITY) at 3 steps (a DIALOGUE reads both ways)
//	e3 PARTICIPATES_IN i4 (r04, 0.4)        i4 at 4 steps: 0.8 × 0.5 × 0.5 × 0.4 = 0.08
//	x1: w INFLUENCES x1 expired (x01, until 2024-06-01), with confidence
//	    0.3 (x02) and of strength 0 (x03): at minConfidence 0.5 no step, NO_ROUTE;
//	    at minConfidence 0 (x02 counts) reached in 1 step.
//	y1: only m0 (MOVEMENT, womenLed false) and c0 (CIVIL_SOCIETY, womenLed
//	    absent) INFLUENCE it (y01, y02): neither is women-led, NO_ROUTE.
//	p1 (a COMMUNITY, not a target) is reached by nobody and never listed.
//
// So with maxHops 4 (the default): x1 and y1 NO_ROUTE (by id); with 3: also
// i4 (4 hops, exactly one past the limit; e3 exactly at it is reached);
// with 2: e3 (3 hops, 0.2) and i4 (4 hops, 0.08), i4 first (more hops).
func participationMap() *mapBuilder {
	b := &mapBuilder{}
	for _, a := range []struct {
		id string
		k  domain.ActorKind
	}{{"w", kMov}, {"i1", kInst}, {"i2", kInst}, {"e3", kCust}, {"i4", kInst}, {"x1", kInst}, {"y1", kInst},
		{"m0", kMov}, {"c0", kCSO}, {"p1", kComm}} {
		b.actor(a.id, a.k)
	}
	b.set("w", womenLed(true))
	b.set("m0", womenLed(false))
	b.set("i4", region("south"))
	b.rel("r01", domain.Influences, "w", "i1", 0.8)
	b.rel("r02", domain.Influences, "i1", "i2", 0.5)
	b.rel("r03", domain.Dialogue, "e3", "i2", 0.5)
	b.rel("r04", domain.ParticipatesIn, "e3", "i4", 0.4)
	b.rel("x01", domain.Influences, "w", "x1", 0.9, validTo("2024-06-01"))
	b.rel("x02", domain.Influences, "w", "x1", 0.9, confidence(0.3))
	b.rel("x03", domain.Influences, "w", "x1", 0)
	b.rel("y01", domain.Influences, "m0", "y1", 0.9)
	b.rel("y02", domain.Influences, "c0", "y1", 0.9)
	return b
}

func TestParticipationGapsHandWorked(t *testing.T) {
	b := participationMap()
	for _, c := range []struct {
		name string
		o    Options
		f    ParticipationFilter
		want []string
	}{
		{"default 4 hops: i4 exactly at the limit is reached", Options{MinConfidence: 0.5}, ParticipationFilter{},
			[]string{"x1 NO_ROUTE", "y1 NO_ROUTE"}},
		{"3 hops: e3 at the limit reached, i4 one past it", Options{MaxHops: 3, MinConfidence: 0.5}, ParticipationFilter{},
			[]string{"x1 NO_ROUTE", "y1 NO_ROUTE", "i4 BEYOND_LIMIT w 4 0.080000 r01>r02>r03>r04"}},
		{"2 hops: most hops first", Options{MaxHops: 2, MinConfidence: 0.5}, ParticipationFilter{},
			[]string{"x1 NO_ROUTE", "y1 NO_ROUTE", "i4 BEYOND_LIMIT w 4 0.080000 r01>r02>r03>r04", "e3 BEYOND_LIMIT w 3 0.200000 r01>r02>r03"}},
		{"minConfidence 0: the low-confidence x02 reaches x1", Options{MaxHops: 3}, ParticipationFilter{},
			[]string{"y1 NO_ROUTE", "i4 BEYOND_LIMIT w 4 0.080000 r01>r02>r03>r04"}},
		{"before the x01 expired, x1 is reached", Options{MinConfidence: 0.5, AsOf: domaintest.Date("2024-01-01")}, ParticipationFilter{},
			[]string{"y1 NO_ROUTE"}},
		{"region south", Options{MaxHops: 2, MinConfidence: 0.5}, ParticipationFilter{Region: new("south")},
			[]string{"i4 BEYOND_LIMIT w 4 0.080000 r01>r02>r03>r04"}},
		{"customary authorities only", Options{MaxHops: 2, MinConfidence: 0.5}, ParticipationFilter{Kinds: []domain.ActorKind{kCust}},
			[]string{"e3 BEYOND_LIMIT w 3 0.200000 r01>r02>r03"}},
		{"1 hop", Options{MaxHops: 1, MinConfidence: 0.5}, ParticipationFilter{Kinds: []domain.ActorKind{kInst, kCust}},
			[]string{"x1 NO_ROUTE", "y1 NO_ROUTE", "i4 BEYOND_LIMIT w 4 0.080000 r01>r02>r03>r04", "e3 BEYOND_LIMIT w 3 0.200000 r01>r02>r03",
				"i2 BEYOND_LIMIT w 2 0.400000 r01>r02"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, want := participation(t, b.graph(t, c.o), c.f), strings.Join(c.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
	t.Run("one projection, several maxHops", func(t *testing.T) {
		// The reach is computed once per projection; each maxHops reads it.
		g := b.graph(t, Options{MinConfidence: 0.5})
		first := participation(t, g, ParticipationFilter{})
		o := g.Options()
		o.MaxHops = 2
		if got := participation(t, g.With(o), ParticipationFilter{}); !strings.Contains(got, "e3 BEYOND_LIMIT") {
			t.Errorf("2 hops on the shared projection: %s", got)
		}
		if again := participation(t, g, ParticipationFilter{}); again != first || strings.Contains(first, "BEYOND") {
			t.Errorf("4 hops again: %s, first %s", again, first)
		}
	})
	t.Run("a women-led actor only counts as a movement or civil-society organisation", func(t *testing.T) {
		// womenLed true on a community (the domain refuses it; the analysis
		// does not count it either): y1 stays unreached, and once c0 is
		// women-led, y1 is reached.
		b := participationMap()
		b.actor("cw", kComm)
		b.set("cw", womenLed(true))
		b.rel("y03", domain.Influences, "cw", "y1", 0.9)
		if got := participation(t, b.graph(t, Options{MinConfidence: 0.5}), ParticipationFilter{}); got != "x1 NO_ROUTE\ny1 NO_ROUTE" {
			t.Errorf("community with womenLed: %s", got)
		}
		b.set("c0", womenLed(true))
		if got := participation(t, b.graph(t, Options{MinConfidence: 0.5}), ParticipationFilter{}); got != "x1 NO_ROUTE" {
			t.Errorf("c0 women-led: %s", got)
		}
	})
}

// The ties map, asked with maxHops 1, so that every target is BEYOND_LIMIT:
//
//	wa (MOVEMENT, women-led), wb (CIVIL_SOCIETY, women-led); hub, k1..k4 international
//	t1: wa INFLUENCES hub (b1, 0.5), wb INFLUENCES hub (b2, 0.5), hub INFLUENCES t1 (b3, 0.8):
//	    both 2 steps, both 0.4: the smaller id, wa, by b1>b3.
//	t2: wa INFLUENCES k1 (b4, 0.5), k1 INFLUENCES t2 (b5, 0.6): 2 steps, 0.3;
//	    wb INFLUENCES k2 (b6, 1) and PARTICIPATES_IN k2 (b0, 1), k2 INFLUENCES t2 (b7, 0.6): 2 steps, 0.6;
//	    wa INFLUENCES k3 (b8), k3 INFLUENCES k4 (b9), k4 INFLUENCES t2 (b10), all 1: 3 steps, 1.
//	    Fewest steps first: 2; then the stronger: wb, 0.6; of its two equally
//	    strong routes, both end with b7, and b0 comes before b6: b0>b7.
//
// Order: same hops, the weaker first: t1 (0.4), then t2 (0.6).
func TestParticipationNearestTies(t *testing.T) {
	b := &mapBuilder{}
	for _, a := range []struct {
		id string
		k  domain.ActorKind
	}{{"wa", kMov}, {"wb", kCSO}, {"hub", kIntl}, {"k1", kIntl}, {"k2", kIntl}, {"k3", kIntl}, {"k4", kIntl}, {"t1", kInst}, {"t2", kCust}} {
		b.actor(a.id, a.k)
	}
	b.set("wa", womenLed(true))
	b.set("wb", womenLed(true))
	b.rel("b1", domain.Influences, "wa", "hub", 0.5)
	b.rel("b2", domain.Influences, "wb", "hub", 0.5)
	b.rel("b3", domain.Influences, "hub", "t1", 0.8)
	b.rel("b4", domain.Influences, "wa", "k1", 0.5)
	b.rel("b5", domain.Influences, "k1", "t2", 0.6)
	b.rel("b6", domain.Influences, "wb", "k2", 1)
	b.rel("b0", domain.ParticipatesIn, "wb", "k2", 1)
	b.rel("b7", domain.Influences, "k2", "t2", 0.6)
	b.rel("b8", domain.Influences, "wa", "k3", 1)
	b.rel("b9", domain.Influences, "k3", "k4", 1)
	b.rel("b10", domain.Influences, "k4", "t2", 1)
	want := "t1 BEYOND_LIMIT wa 2 0.400000 b1>b3\nt2 BEYOND_LIMIT wb 2 0.600000 b0>b7"
	if got := participation(t, b.graph(t, Options{MaxHops: 1}), ParticipationFilter{}); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// With wb's routes weakened to 0.2, wa's 0.3 wins t2 (and t2, now the
	// weaker, comes first); t1 is still a tie.
	b.rels[6].Strength, b.rels[5].Strength = 0.2, 0.2 // b0, b6: 0.2 × 0.6 = 0.12
	want = "t2 BEYOND_LIMIT wa 2 0.300000 b4>b5\nt1 BEYOND_LIMIT wa 2 0.400000 b1>b3"
	if got := participation(t, b.graph(t, Options{MaxHops: 1}), ParticipationFilter{}); got != want {
		t.Errorf("weakened: got\n%s\nwant\n%s", got, want)
	}
	// Within 2 steps both are reached.
	if got := participation(t, b.graph(t, Options{MaxHops: 2}), ParticipationFilter{}); got != "" {
		t.Errorf("2 hops: %s", got)
	}
}

// A map without any women-led actor: every target is NO_WOMEN_LED_ACTOR,
// in id order (m is a movement with womenLed false, c a civil-society
// organisation with womenLed absent).
func TestParticipationNoWomenLedActor(t *testing.T) {
	b := &mapBuilder{}
	b.actor("m", kMov)
	b.actor("c", kCSO)
	b.actor("i", kInst)
	b.actor("e", kCust)
	b.set("m", womenLed(false))
	b.rel("q1", domain.Influences, "m", "i", 1)
	b.rel("q2", domain.Influences, "c", "e", 1)
	if got, want := participation(t, b.graph(t, Options{}), ParticipationFilter{}), "e NO_WOMEN_LED_ACTOR\ni NO_WOMEN_LED_ACTOR"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A women-led movement without any step makes it NO_ROUTE.
	b.actor("w", kMov)
	b.set("w", womenLed(true))
	if got, want := participation(t, b.graph(t, Options{}), ParticipationFilter{}), "e NO_ROUTE\ni NO_ROUTE"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParticipationBadArgumentsAndCursor(t *testing.T) {
	g := participationMap().graph(t, Options{MaxHops: 1, MinConfidence: 0.5})
	ctx := context.Background()
	for _, kinds := range [][]domain.ActorKind{{}, {kComm}, {kInst, kSec}} {
		if _, err := g.ParticipationGaps(ctx, ParticipationFilter{Kinds: kinds}); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "kinds") {
			t.Errorf("kinds %v: %v", kinds, err)
		}
	}
	gaps, err := g.ParticipationGaps(ctx, ParticipationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// x1, y1 (NO_ROUTE), i4, e3, i2: each cursor leads to the gaps after it.
	if len(gaps) != 5 {
		t.Fatalf("%d gaps: %s", len(gaps), describeParticipation(gaps))
	}
	for i, p := range gaps {
		rest, err := ParticipationGapsAfter(gaps, ParticipationGapCursor(p))
		if err != nil || len(rest) != len(gaps)-i-1 || (len(rest) > 0 && rest[0] != gaps[i+1]) {
			t.Errorf("after gap %d (%s): %d left, %v", i, p.Target.ID, len(rest), err)
		}
	}
	for _, c := range []string{"bm9wZQ", encodeCursor(participationCursor{Farness: 0, Target: "x"}), encodeCursor(participationCursor{Farness: 3, Strength: 1.5, Target: "x"}), encodeCursor(participationCursor{Farness: 10, Target: "x"})} {
		if _, err := ParticipationGapsAfter(gaps, c); !errs.Is(err, errs.Invalid) {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
}

// The analysis spends from the request's budget and stops when the
// request is cancelled; a stopped run is not cached.
func TestParticipationStopsOnCancelAndBudget(t *testing.T) {
	actors, rels := syntheticMap(30_000, 3)
	markWomenLed(actors)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01"), MaxHops: 2}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, g *Graph) error {
		_, err := g.ParticipationGaps(ctx, ParticipationFilter{})
		return err
	}
	full, fb := budgetCtx(DefaultWorkBudget)
	if err := run(full, Build(actors, rels, opts)); err != nil {
		t.Fatal(err)
	}
	if fb.Used() < 16*checkEvery {
		t.Fatalf("only %d units: too little to cut short", fb.Used())
	}
	before, bb := budgetCtx(DefaultWorkBudget)
	before, cancel := context.WithCancel(before)
	cancel()
	if err := run(before, Build(actors, rels, opts)); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	if bb.Used() != 0 {
		t.Errorf("cancelled before, yet %d units done", bb.Used())
	}
	during, db := budgetCtx(DefaultWorkBudget)
	if err := run(newCountdown(during, 2), Build(actors, rels, opts)); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during: %v", err)
	}
	if db.Used() > fb.Used()/2 {
		t.Errorf("cancelled during: %d units of %d", db.Used(), fb.Used())
	}
	g := Build(actors, rels, opts)
	small, _ := budgetCtx(fb.Used() / 4)
	if err := run(small, g); !errs.Is(err, errs.AnalysisLimit) {
		t.Errorf("over budget: %v", err)
	}
	if err := run(unbounded(), g); err != nil {
		t.Errorf("after a refusal: %v", err)
	}
}

// markWomenLed makes every second movement and every third civil-society
// organisation women-led, and leaves womenLed false or absent on the rest.
func markWomenLed(actors []*domain.Actor) int {
	n := 0
	for i, a := range actors {
		switch {
		case a.Kind == kMov && i%2 == 0, a.Kind == kCSO && i%3 == 0:
			a.WomenLed = new(true)
			n++
		case a.Kind == kMov:
			a.WomenLed = new(false)
		}
	}
	return n
}

// bruteParticipation is the definition read directly: every simple path
// of leverage steps (the reference walker of rules_test.go, whose steps
// come from the brief's table) of at most MaxMaxHops steps from every
// women-led actor; for each state institution and customary authority,
// the best path by fewest steps, then strength, then women-led actor id,
// then relationship ids from the last step back; a gap when there is none
// or it is longer than maxHops; ordered most out of reach first, then the
// weaker route, then target id.
func bruteParticipation(b *mapBuilder, o Options) string {
	ref := newRefGraph(b.actors, b.rels, Options{AsOf: o.AsOf, MinConfidence: o.MinConfidence, MaxHops: MaxMaxHops})
	type cand struct {
		hops     int
		strength float64
		src      string
		ids      []string // relationship ids, last step first
	}
	better := func(a, c *cand) bool {
		if c == nil {
			return true
		}
		if a.hops != c.hops {
			return a.hops < c.hops
		}
		if math.Abs(a.strength-c.strength) > 1e-12 {
			return a.strength > c.strength
		}
		if a.src != c.src {
			return a.src < c.src
		}
		for i := range a.ids {
			if a.ids[i] != c.ids[i] {
				return a.ids[i] < c.ids[i]
			}
		}
		return false
	}
	isTarget := func(a *domain.Actor) bool { return a.Kind == kInst || a.Kind == kCust }
	best := make([]*cand, len(b.actors))
	anyWomenLed := false
	for w, a := range b.actors {
		if (a.Kind != kMov && a.Kind != kCSO) || a.WomenLed == nil || !*a.WomenLed {
			continue
		}
		anyWomenLed = true
		ref.walk(w, func(end int, path []refStep) {
			if len(path) == 0 || !isTarget(b.actors[end]) {
				return
			}
			c := &cand{hops: len(path), strength: 1, src: a.ID}
			for i := range path {
				c.strength *= path[i].rel.Strength
				c.ids = append(c.ids, path[len(path)-1-i].rel.ID)
			}
			if better(c, best[end]) {
				best[end] = c
			}
		})
	}
	type row struct {
		id, line string
		far      int
		strength float64
	}
	var rows []row
	for i, a := range b.actors {
		c := best[i]
		switch {
		case !isTarget(a):
		case !anyWomenLed:
			rows = append(rows, row{a.ID, a.ID + " NO_WOMEN_LED_ACTOR", 99, 0})
		case c == nil:
			rows = append(rows, row{a.ID, a.ID + " NO_ROUTE", 99, 0})
		case c.hops > o.MaxHops:
			ids := make([]string, len(c.ids))
			for j := range c.ids {
				ids[j] = c.ids[len(c.ids)-1-j]
			}
			rows = append(rows, row{a.ID, fmt.Sprintf("%s BEYOND_LIMIT %s %d %.6f %s", a.ID, c.src, c.hops, c.strength, strings.Join(ids, ">")), c.hops, c.strength})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].far != rows[j].far {
			return rows[i].far > rows[j].far
		}
		if rows[i].strength != rows[j].strength {
			return rows[i].strength < rows[j].strength
		}
		return rows[i].id < rows[j].id
	})
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = r.line
	}
	return strings.Join(lines, "\n")
}

func TestParticipationGapsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 7))
	seen := map[ParticipationReason]int{}
	for iter := 0; iter < 3000; iter++ {
		b := randMap(rng, 7+rng.IntN(6), 8+rng.IntN(30))
		for _, a := range b.actors {
			if a.Kind == kMov || a.Kind == kCSO {
				switch rng.IntN(4) {
				case 0, 1:
					a.WomenLed = new(true)
				case 2:
					a.WomenLed = new(false)
				}
			}
		}
		g := b.graph(t, randOptions(rng, 3))
		gaps, err := g.ParticipationGaps(context.Background(), ParticipationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range gaps {
			seen[p.Reason]++
		}
		if got, want := describeParticipation(gaps), bruteParticipation(b, g.Options()); got != want {
			t.Fatalf("iter %d (maxHops %d, minConfidence %v): got\n%s\nwant\n%s\nmap: %s", iter, g.opts.MaxHops, g.opts.MinConfidence, got, want, b.describe())
		}
	}
	for _, r := range []ParticipationReason{NoWomenLedActor, NoParticipationRoute, BeyondLimit} {
		if seen[r] < 50 {
			t.Errorf("only %d %s gaps in the random maps: the cross-check hardly tests them", seen[r], r)
		}
	}
	t.Logf("gaps seen: %v", seen)
}
