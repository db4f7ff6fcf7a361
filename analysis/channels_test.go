package analysis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

func stateAffiliated(v bool) func(*domain.Actor) {
	return func(a *domain.Actor) { a.StateAffiliated = new(v) }
}

func (b *mapBuilder) set(id string, f func(*domain.Actor)) {
	for _, a := range b.actors {
		if a.ID == id {
			f(a)
		}
	}
}

func stepIDs(steps []Step) string {
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = s.Rel.ID
	}
	return strings.Join(ids, ",")
}

func actorIDs(as []*domain.Actor) string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return strings.Join(ids, ",")
}

// The channels map (as of 2025-01-01):
//
//	iso: only an expired PARTICIPATES_IN (e1), a low-confidence INFLUENCES
//	     (l1, confidence 0.3 < 0.5) and an INFLUENCES of strength 0 (z1):
//	     no step, ISOLATED; protected by police (state-affiliated): not absent.
//	single: PARTICIPATES_IN net (p1) and INFLUENCES net (p2), two parallel
//	     relationships to one actor: SINGLE_CHANNEL; protected only by the
//	     militia (not state-affiliated): absentState.
//	conn: INFLUENCES council (i1), and council REPRESENTS conn (r1, a step
//	     conn → council, backward), and DIALOGUE elders–conn (d1, stored
//	     elders → conn): CONNECTED to council and elders; protected by the
//	     council (a STATE_INSTITUTION) and by an expired police provision.
//	lost: INFLUENCES net only with confidence 0.3 and police PROVIDES_SECURITY
//	     with confidence 0.3: ISOLATED and absentState at minConfidence 0.5.
func channelsMap() *mapBuilder {
	b := &mapBuilder{}
	for _, a := range []struct {
		id string
		k  domain.ActorKind
	}{{"conn", kComm}, {"iso", kComm}, {"lost", kComm}, {"single", kComm}, {"net", kMov}, {"council", kInst},
		{"elders", kCust}, {"police", kSec}, {"militia", kSec}, {"army", kSec}} {
		b.actor(a.id, a.k)
	}
	b.set("police", stateAffiliated(true))
	b.set("militia", stateAffiliated(false))
	b.rel("e1", domain.ParticipatesIn, "iso", "net", 0.8, validTo("2024-06-01"))
	b.rel("l1", domain.Influences, "iso", "council", 0.8, confidence(0.3))
	b.rel("z1", domain.Influences, "iso", "council", 0)
	b.rel("s1", domain.ProvidesSecurity, "police", "iso", 0.5)
	b.rel("p1", domain.ParticipatesIn, "single", "net", 0.8)
	b.rel("p2", domain.Influences, "single", "net", 0.4)
	b.rel("s2", domain.ProvidesSecurity, "militia", "single", 0.9)
	b.rel("i1", domain.Influences, "conn", "council", 0.5)
	b.rel("r1", domain.Represents, "council", "conn", 0.6)
	b.rel("d1", domain.Dialogue, "elders", "conn", 0.5)
	b.rel("s3", domain.ProvidesSecurity, "council", "conn", 0.4)
	b.rel("s4", domain.ProvidesSecurity, "police", "conn", 0.4, validTo("2024-01-01"))
	b.rel("l2", domain.Influences, "lost", "net", 0.5, confidence(0.3))
	b.rel("s5", domain.ProvidesSecurity, "police", "lost", 0.5, confidence(0.3))
	// Unaccountable actors:
	//	police: council CONTROLS police (c1) but it is expired; police
	//	        ACCOUNTABLE_TO council (a1, answerability): ANSWERABILITY_ONLY.
	//	militia: nothing leads onto it but a CONTROLS of strength 0 (c2):
	//	        UNACCOUNTABLE.
	//	army: ACCOUNTABLE_TO council with power ENFORCEMENT (a2): accountable,
	//	        not listed; at minConfidence 0.5 a2 (confidence 0.3) is out:
	//	        UNACCOUNTABLE.
	b.rel("c1", domain.Controls, "council", "police", 0.9, validTo("2024-06-01"))
	b.rel("a1", domain.AccountableTo, "police", "council", 0.6)
	b.rel("c2", domain.Controls, "council", "militia", 0)
	b.rel("a2", domain.AccountableTo, "army", "council", 0.6, enforcement, confidence(0.3))
	return b
}

func TestCommunityChannelsHandWorked(t *testing.T) {
	b := channelsMap()
	ctx := context.Background()
	for _, c := range []struct {
		minConf float64
		want    []string // id status steps channels absent providers security
	}{
		{0, []string{
			"conn CONNECTED d1,i1,r1 council,elders false council s3",
			"iso SINGLE_CHANNEL l1 council false police s1", // l1 counts below no minimum; z1 (strength 0) does not
			"lost SINGLE_CHANNEL l2 net false police s5",
			"single SINGLE_CHANNEL p1,p2 net true  s2",
		}},
		{0.5, []string{
			"conn CONNECTED d1,i1,r1 council,elders false council s3",
			"iso ISOLATED   false police s1",
			"lost ISOLATED   true  ",
			"single SINGLE_CHANNEL p1,p2 net true  s2",
		}},
	} {
		g := b.graph(t, Options{MinConfidence: c.minConf})
		got, err := g.CommunityChannels(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, cc := range got {
			lines = append(lines, fmt.Sprintf("%s %s %s %s %v %s %s", cc.Community.ID, cc.Status, stepIDs(cc.Steps),
				actorIDs(cc.Channels), cc.AbsentState, actorIDs(cc.StateProviders), relIDs(cc.Security)))
		}
		want := c.want
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("minConfidence %v:\n got %s\nwant %s", c.minConf, strings.Join(lines, "\n     "), strings.Join(want, "\n     "))
		}
	}
	// The region filter.
	b.set("conn", func(a *domain.Actor) { a.Region = "south" })
	g := b.graph(t, Options{})
	got, err := g.CommunityChannels(ctx, new("south"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Community.ID != "conn" {
		t.Errorf("region south: %d results", len(got))
	}
	// The steps of conn: r1 and d1 run against/along their direction onto conn's side.
	for _, cc := range got {
		for _, s := range cc.Steps {
			if g.ActorAt(s.From).ID != "conn" {
				t.Errorf("step %s runs from %s", s.Rel.ID, g.ActorAt(s.From).ID)
			}
		}
	}
}

func relIDs(rs []*domain.RelationshipFacts) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return strings.Join(ids, ",")
}

func TestUnaccountableActorsHandWorked(t *testing.T) {
	b := channelsMap()
	ctx := context.Background()
	for _, c := range []struct {
		minConf float64
		kinds   []domain.ActorKind
		want    string
	}{
		{0, []domain.ActorKind{kSec}, "militia UNACCOUNTABLE ; police ANSWERABILITY_ONLY a1"},
		{0.5, []domain.ActorKind{kSec}, "army UNACCOUNTABLE ; militia UNACCOUNTABLE ; police ANSWERABILITY_ONLY a1"},
		// council: steps onto it (i1, l1 below no minimum, r1 conn → council against its direction) none enforcing; elders: d1 backward.
		{0, []domain.ActorKind{kInst, kCust}, "council ANSWERABILITY_ONLY i1,l1,r1 ; elders ANSWERABILITY_ONLY d1"},
		{0, []domain.ActorKind{kIntl}, ""},
	} {
		g := b.graph(t, Options{MinConfidence: c.minConf})
		got, err := g.UnaccountableActors(ctx, c.kinds, nil)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, u := range got {
			parts = append(parts, strings.TrimSpace(fmt.Sprintf("%s %s %s", u.Actor.ID, u.Status, stepIDs(u.Steps))))
			for _, s := range u.Steps {
				if s.Enforcement || g.ActorAt(s.To) != u.Actor {
					t.Errorf("%s: step %s", u.Actor.ID, s.Rel.ID)
				}
			}
		}
		if got := strings.Join(parts, " ; "); got != c.want {
			t.Errorf("minConfidence %v kinds %v:\n got %s\nwant %s", c.minConf, c.kinds, got, c.want)
		}
	}
	g := b.graph(t, Options{})
	if _, err := g.UnaccountableActors(ctx, nil, nil); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "kinds") {
		t.Errorf("no kinds: %v", err)
	}
}

// Brute force: read the relationships directly, with the leverage table
// written out again here.
var bruteLeverage = map[domain.RelationshipType][2]bool{ // forward, backward
	domain.AccountableTo:  {false, true},
	domain.Controls:       {true, false},
	domain.Represents:     {false, true},
	domain.ParticipatesIn: {true, false},
	domain.Influences:     {true, false},
	domain.Dialogue:       {true, true},
}

type bruteStep struct {
	from, to string
	rel      *domain.Relationship
}

func bruteSteps(b *mapBuilder, asOf domain.Date, minConf float64) []bruteStep {
	var out []bruteStep
	for _, r := range b.rels {
		d, ok := bruteLeverage[r.Type]
		if !ok || r.Strength <= 0 || r.Confidence < minConf || !r.ValidAt(asOf) {
			continue
		}
		if d[0] {
			out = append(out, bruteStep{r.FromID, r.ToID, r})
		}
		if d[1] {
			out = append(out, bruteStep{r.ToID, r.FromID, r})
		}
	}
	return out
}

func bruteChannels(b *mapBuilder, asOf domain.Date, minConf float64) string {
	steps := bruteSteps(b, asOf, minConf)
	kind := map[string]*domain.Actor{}
	for _, a := range b.actors {
		kind[a.ID] = a
	}
	var lines []string
	for _, a := range b.actors { // actor ids are made in order
		if a.Kind != kComm {
			continue
		}
		targets := map[string]bool{}
		n := 0
		for _, s := range steps {
			if s.from == a.ID {
				targets[s.to] = true
				n++
			}
		}
		status := map[int]string{0: "ISOLATED", 1: "SINGLE_CHANNEL"}[len(targets)]
		if len(targets) > 1 {
			status = "CONNECTED"
		}
		absent := true
		for _, r := range b.rels {
			p := kind[r.FromID]
			if r.Type == domain.ProvidesSecurity && r.ToID == a.ID && r.Confidence >= minConf && r.ValidAt(asOf) && r.Strength > 0 &&
				(p.Kind == kInst || (p.Kind == kSec && p.StateAffiliated != nil && *p.StateAffiliated)) {
				absent = false
			}
		}
		lines = append(lines, fmt.Sprintf("%s %s %d %d %v", a.ID, status, n, len(targets), absent))
	}
	return strings.Join(lines, "\n")
}

func bruteUnaccountable(b *mapBuilder, asOf domain.Date, minConf float64, kinds []domain.ActorKind) string {
	steps := bruteSteps(b, asOf, minConf)
	var lines []string
	for _, a := range b.actors {
		if !slices.Contains(kinds, a.Kind) {
			continue
		}
		n, enf := 0, false
		for _, s := range steps {
			if s.to == a.ID {
				n++
				enf = enf || s.rel.Type == domain.Controls || (s.rel.Power != nil && *s.rel.Power == domain.Enforcement)
			}
		}
		switch {
		case enf:
		case n == 0:
			lines = append(lines, a.ID+" UNACCOUNTABLE 0")
		default:
			lines = append(lines, fmt.Sprintf("%s ANSWERABILITY_ONLY %d", a.ID, n))
		}
	}
	return strings.Join(lines, "\n")
}

func TestChannelsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 21))
	ctx := context.Background()
	asOf := domaintest.Date("2025-01-01")
	statuses := map[string]int{}
	absent := map[bool]int{}
	for iter := 0; iter < 400; iter++ {
		b := randMap(rng, 6+rng.IntN(8), 5+rng.IntN(25))
		for _, a := range b.actors {
			if a.Kind == kSec && rng.IntN(2) == 0 {
				a.StateAffiliated = new(rng.IntN(2) == 0)
			}
		}
		for j := 0; j < 3; j++ {
			r := b.rel(fmt.Sprintf("ps%d", j), domain.ProvidesSecurity, b.actors[rng.IntN(len(b.actors))].ID, b.actors[rng.IntN(2)].ID, 0.5,
				confidence([]float64{1, 0.4}[rng.IntN(2)]))
			if rng.IntN(4) == 0 {
				validTo("2024-06-01")(r)
			}
		}
		o := randOptions(rng, 4)
		g := b.graph(t, o)
		ccs, err := g.CommunityChannels(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, cc := range ccs {
			lines = append(lines, fmt.Sprintf("%s %s %d %d %v", cc.Community.ID, cc.Status, len(cc.Steps), len(cc.Channels), cc.AbsentState))
			statuses[string(cc.Status)]++
			absent[cc.AbsentState]++
		}
		if got, want := strings.Join(lines, "\n"), bruteChannels(b, asOf, o.MinConfidence); got != want {
			t.Fatalf("map %d channels:\n got %s\nwant %s\n%s", iter, got, want, b.describe())
		}
		kinds := []domain.ActorKind{kSec}
		if rng.IntN(2) == 0 {
			kinds = []domain.ActorKind{kInst, kMov, kComm}
		}
		us, err := g.UnaccountableActors(ctx, kinds, nil)
		if err != nil {
			t.Fatal(err)
		}
		lines = nil
		for _, u := range us {
			lines = append(lines, fmt.Sprintf("%s %s %d", u.Actor.ID, u.Status, len(u.Steps)))
			statuses[string(u.Status)]++
		}
		if got, want := strings.Join(lines, "\n"), bruteUnaccountable(b, asOf, o.MinConfidence, kinds); got != want {
			t.Fatalf("map %d unaccountable %v:\n got %s\nwant %s\n%s", iter, kinds, got, want, b.describe())
		}
	}
	// The random maps must exercise every outcome.
	for _, s := range []string{"ISOLATED", "SINGLE_CHANNEL", "CONNECTED", "UNACCOUNTABLE", "ANSWERABILITY_ONLY"} {
		if statuses[s] < 10 {
			t.Errorf("only %d results %s", statuses[s], s)
		}
	}
	if absent[true] < 10 || absent[false] < 10 {
		t.Errorf("absentState true %d times, false %d", absent[true], absent[false])
	}
}

// BenchmarkChannels is communityChannels and unaccountableActors from a
// fresh projection each time, under the default work budget (the units
// they spend are reported; the projection's own are not counted).
func BenchmarkChannels(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fresh := benchGraphs(b, n)
			b.ResetTimer()
			var units int64
			var isolated, unaccountable int
			for i := 0; i < b.N; i++ {
				g := fresh()
				budget := NewBudget(DefaultWorkBudget)
				ctx := WithBudget(context.Background(), budget)
				ccs, err := g.CommunityChannels(ctx, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				us, err := g.UnaccountableActors(ctx, []domain.ActorKind{kSec, kInst}, nil)
				if err != nil {
					b.Fatal(err)
				}
				isolated, unaccountable = 0, len(us)
				for _, c := range ccs {
					if c.Status == Isolated {
						isolated++
					}
				}
				units = budget.Used()
			}
			b.ReportMetric(float64(units), "units")
			b.ReportMetric(float64(isolated), "isolated")
			b.ReportMetric(float64(unaccountable), "unaccountable")
		})
	}
}

// Both analyses stop when their request is cancelled (before or during)
// or its work budget is spent, and a stopped run is not cached.
func TestChannelsStopOnCancelAndBudget(t *testing.T) {
	actors, rels := syntheticMap(30_000, 3)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01")}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		run  func(context.Context, *Graph) error
	}{
		{"communityChannels", func(ctx context.Context, g *Graph) error { _, err := g.CommunityChannels(ctx, nil, nil); return err }},
		{"unaccountableActors", func(ctx context.Context, g *Graph) error {
			_, err := g.UnaccountableActors(ctx, []domain.ActorKind{kSec}, nil)
			return err
		}},
	} {
		t.Run(s.name, func(t *testing.T) {
			full, fb := budgetCtx(DefaultWorkBudget)
			if err := s.run(full, Build(actors, rels, opts)); err != nil {
				t.Fatal(err)
			}
			if fb.Used() < 16*checkEvery {
				t.Fatalf("only %d units: too little to cut short", fb.Used())
			}
			before, bb := budgetCtx(DefaultWorkBudget)
			before, cancel := context.WithCancel(before)
			cancel()
			if err := s.run(before, Build(actors, rels, opts)); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled before: %v", err)
			}
			if bb.Used() != 0 {
				t.Errorf("cancelled before, yet %d units done", bb.Used())
			}
			during, db := budgetCtx(DefaultWorkBudget)
			if err := s.run(newCountdown(during, 2), Build(actors, rels, opts)); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled during: %v", err)
			}
			if db.Used() > fb.Used()/2 {
				t.Errorf("cancelled during: %d units of %d", db.Used(), fb.Used())
			}
			g := Build(actors, rels, opts)
			small, _ := budgetCtx(fb.Used() / 4)
			if err := s.run(small, g); !errs.Is(err, errs.AnalysisLimit) {
				t.Errorf("over budget: %v", err)
			}
			// The failure is forgotten: the same graph answers a request with budget.
			if err := s.run(unbounded(), g); err != nil {
				t.Errorf("after a refusal: %v", err)
			}
		})
	}
}

// A PROVIDES_SECURITY, THREATENS, SUPPORTS, COOPERATES_WITH or
// IN_TENSION_WITH of strength 0 says nothing in any relationship-gap
// analysis, as a leverage relationship of strength 0 gives no step; a
// TRUSTS of strength 0 is a report of no trust at all. Here the police
// "protect" the village with strength 0 and the village trusts them 0.
func TestClaimsOfStrengthZeroSayNothing(t *testing.T) {
	t.Parallel()
	b := &mapBuilder{}
	b.actor("village", domain.KindCommunity)
	b.actor("police", domain.KindSecurityForce)
	b.set("police", stateAffiliated(true))
	b.actor("donor", domain.KindInternational)
	b.actor("militia", domain.KindSecurityForce)
	b.rel("ps", domain.ProvidesSecurity, "police", "village", 0)
	b.rel("th", domain.Threatens, "police", "village", 0.8)
	b.rel("trust", domain.Trusts, "village", "police", 0)
	b.rel("sup-police", domain.Supports, "donor", "police", 0.5)
	b.rel("sup-militia", domain.Supports, "donor", "militia", 0)
	b.rel("ten", domain.InTensionWith, "police", "militia", 0.9)
	b.rel("coop", domain.CooperatesWith, "police", "militia", 0)
	g := b.graph(t, Options{})
	ctx := context.Background()
	ccs, err := g.CommunityChannels(ctx, nil, nil)
	if err != nil || len(ccs) != 1 || !ccs[0].AbsentState || len(ccs[0].Security) != 0 {
		t.Errorf("channels: %+v %v: the strength-0 protection must not count", ccs, err)
	}
	sc, err := g.SocialContract(ctx, nil, nil)
	if err != nil || sc.Overall.Responsiveness.Numerator != 0 || sc.Overall.Responsiveness.Denominator != 1 {
		t.Errorf("responsiveness %+v %v, want 0/1", sc.Overall.Responsiveness, err)
	}
	// No dependency (no protection), no contested protection (no
	// protection), no contested cooperation (no cooperation).
	if got := trustGapsOf(t, g, TrustGapFilter{Threshold: 0, DistrustBelow: 1}); len(got) != 0 {
		t.Errorf("trust gaps %v, want none", got)
	}
	// The donor's support of the militia (0) backs nobody: no shared
	// dependency; its support of the police, which threatens the village
	// (0.8), is a flag: 0.5 × 0.8.
	l, err := g.DoNoHarmFlags(ctx, DoNoHarmFilter{})
	if err != nil {
		t.Fatal(err)
	}
	flags := l.Flags(0, l.Len())
	if len(flags) != 1 || flags[0].Kind != SupportToThreat || flags[0].Score != 0.4 {
		t.Errorf("flags %+v, want one SUPPORT_TO_THREAT of 0.4", flags)
	}
}
