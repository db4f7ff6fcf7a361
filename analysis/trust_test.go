package analysis

import (
	"context"
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

func seg(s string) func(*domain.Relationship) {
	return func(r *domain.Relationship) { r.PerceivedBy = new(s) }
}

// trustGapsOf is every finding as "KIND from>to score", in order.
func trustGapsOf(t *testing.T, g *Graph, f TrustGapFilter) []string {
	t.Helper()
	gs, err := g.TrustGaps(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(gs))
	for i, x := range gs {
		out[i] = fmt.Sprintf("%s %s>%s %.4f", x.Kind, x.From.ID, x.To.ID, x.Score)
	}
	return out
}

func defaults() TrustGapFilter {
	return TrustGapFilter{Threshold: DefaultTrustThreshold, DistrustBelow: DefaultDistrustBelow}
}

func wantList(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestTrustGapsByHand(t *testing.T) {
	b := &mapBuilder{}
	for _, id := range []string{"v1", "v2", "v3"} {
		b.actor(id, domain.KindCommunity)
	}
	b.actor("police", domain.KindSecurityForce)
	b.actor("army", domain.KindSecurityForce)
	b.actor("ngo", domain.KindMovement)
	// DEPENDENCY_WITHOUT_TRUST: police protect v1 (0.8); v1's trust: segment
	// "women" 0.125, segment absent 0.375 → mean 0.25 < 0.4; score 0.8 × 0.75 = 0.6.
	// The segments differ by 0.25 < 0.5: no divergence.
	b.rel("r01", domain.ProvidesSecurity, "police", "v1", 0.8)
	b.rel("r02", domain.Trusts, "v1", "police", 0.125, seg(" Women "))
	b.rel("r03", domain.Trusts, "v1", "police", 0.375)
	// army protects v2, no trust reported: no finding.
	b.rel("r04", domain.ProvidesSecurity, "army", "v2", 0.9)
	// PERCEPTION_DIVERGENCE: v2's women 0.125 (two relationships, "women" and
	// "WOMEN", mean 0.125) and youth 0.75 in the army: 0.625 ≥ 0.5.
	b.rel("r05", domain.Trusts, "v2", "army", 0.0, seg("women"))
	b.rel("r06", domain.Trusts, "v2", "army", 0.25, seg("WOMEN"))
	b.rel("r07", domain.Trusts, "v2", "army", 0.75, seg("youth"))
	// v2's mean trust in the army = (0.125 + 0.75) / 2 = 0.4375: not below
	// 0.4, so its protection is no DEPENDENCY_WITHOUT_TRUST.
	// ASYMMETRY: ngo trusts v3 0.875, v3 trusts ngo 0.25: 0.625.
	b.rel("r08", domain.Trusts, "ngo", "v3", 0.875)
	b.rel("r09", domain.Trusts, "v3", "ngo", 0.25)
	// POLARISED on police: v1 0.25, v3 1.0: 0.75 (v3 most trusting).
	b.rel("r10", domain.Trusts, "v3", "police", 1.0)
	// CONTESTED: army protects v2 (0.9) and threatens it (0.5): 0.5.
	b.rel("r11", domain.Threatens, "army", "v2", 0.5)
	// CONTESTED: ngo cooperates with police (0.75), police in tension with ngo (0.375): 0.375.
	b.rel("r12", domain.CooperatesWith, "ngo", "police", 0.75)
	b.rel("r13", domain.InTensionWith, "police", "ngo", 0.375)
	// Mutual distrust is not asymmetry: police↔army 0.0 and 0.375 (with threshold 0.3 too).
	b.rel("r14", domain.Trusts, "police", "army", 0.0)
	b.rel("r15", domain.Trusts, "army", "police", 0.375)
	// Expired and low-confidence relationships do not count.
	b.rel("r16", domain.Threatens, "police", "v1", 1, validTo("2024-12-31"))
	b.rel("r17", domain.Trusts, "v1", "army", 1, confidence(0.2))
	b.rel("r18", domain.Trusts, "v3", "army", 0, confidence(0.2))
	g := b.graph(t, Options{MinConfidence: 0.5})
	wantList(t, trustGapsOf(t, g, defaults()),
		"POLARISED v3>police 0.7500",
		"ASYMMETRY ngo>v3 0.6250",
		"PERCEPTION_DIVERGENCE v2>army 0.6250",
		"DEPENDENCY_WITHOUT_TRUST v1>police 0.6000",
		"CONTESTED army>v2 0.5000",
		"CONTESTED ngo>police 0.3750",
	)
	gs, _ := g.TrustGaps(context.Background(), TrustGapFilter{Kinds: []TrustGapKind{PerceptionDivergence}, Threshold: 0.5, DistrustBelow: 0.4})
	if len(gs) != 1 || len(gs[0].Values) != 2 || *gs[0].Values[0].Segment != "women" || gs[0].Values[0].Value != 0.125 ||
		len(gs[0].Values[0].Relationships) != 2 || *gs[0].Values[1].Segment != "youth" {
		t.Errorf("divergence values: %+v", gs)
	}
	t.Run("threshold boundary", func(t *testing.T) {
		// At 0.625 the differences of exactly 0.625 still count; above, not.
		wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{Asymmetry, PerceptionDivergence}, Threshold: 0.625, DistrustBelow: 0.4}),
			"ASYMMETRY ngo>v3 0.6250", "PERCEPTION_DIVERGENCE v2>army 0.6250")
		wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{Asymmetry, PerceptionDivergence}, Threshold: 0.6250001, DistrustBelow: 0.4}))
		// distrustBelow 0.25 is not above v1's 0.25: no dependency; 0.44 makes v2's 0.4375 one.
		wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{DependencyWithoutTrust}, Threshold: 0.5, DistrustBelow: 0.25}))
		wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{DependencyWithoutTrust}, Threshold: 0.5, DistrustBelow: 0.44}),
			"DEPENDENCY_WITHOUT_TRUST v1>police 0.6000", "DEPENDENCY_WITHOUT_TRUST v2>army 0.5062")
		// Mutual distrust stays out however low the threshold.
		for _, x := range trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{Asymmetry}, Threshold: 0, DistrustBelow: 0.4}) {
			if strings.Contains(x, "army") {
				t.Errorf("mutual distrust counted as asymmetry: %s", x)
			}
		}
		// With distrustBelow 0.375, army's 0.375 is no longer distrust: asymmetry 0.375.
		wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{Asymmetry}, Threshold: 0.3, DistrustBelow: 0.375}),
			"ASYMMETRY ngo>v3 0.6250", "ASYMMETRY army>police 0.3750")
	})
	t.Run("in force", func(t *testing.T) {
		// Counting low confidence: v1 now trusts the army 1 and v3 0: POLARISED army 1.0.
		g0 := b.graph(t, Options{})
		got := trustGapsOf(t, g0, TrustGapFilter{Kinds: []TrustGapKind{Polarised}, Threshold: 0.5, DistrustBelow: 0.4})
		wantList(t, got, "POLARISED v1>army 1.0000", "POLARISED v3>police 0.7500")
		// Before r16 expired, police also threatened v1 (1.0) while protecting
		// it (0.8): their protection of v1 is CONTESTED, 0.8.
		g1 := b.graph(t, Options{AsOf: domaintest.Date("2024-06-01"), MinConfidence: 0.5})
		wantList(t, trustGapsOf(t, g1, TrustGapFilter{Kinds: []TrustGapKind{Contested}, Threshold: 0.5, DistrustBelow: 0.4}),
			"CONTESTED police>v1 0.8000", "CONTESTED army>v2 0.5000", "CONTESTED ngo>police 0.3750")
	})
	t.Run("region and paging", func(t *testing.T) {
		b.actors[2].Region = "south" // v3
		defer func() { b.actors[2].Region = "north" }()
		g := b.graph(t, Options{MinConfidence: 0.5})
		wantList(t, trustGapsOf(t, g, TrustGapFilter{Region: new("south"), Threshold: 0.5, DistrustBelow: 0.4}), "POLARISED v3>police 0.7500")
		all, _ := g.TrustGaps(context.Background(), defaults())
		rest, err := TrustGapsAfter(all, TrustGapCursor(all[2]))
		if err != nil || len(rest) != len(all)-3 || rest[0] != all[3] {
			t.Errorf("after the third: %v, %v", rest, err)
		}
		if _, err := TrustGapsAfter(all, "nonsense"); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		for _, f := range []TrustGapFilter{{Threshold: math.NaN()}, {Threshold: 1.5}, {DistrustBelow: -0.1}, {DistrustBelow: math.Inf(1)}} {
			if _, err := g.TrustGaps(context.Background(), f); !errs.Is(err, errs.Invalid) {
				t.Errorf("%+v: %v", f, err)
			}
		}
	})
}

// bruteTrustGaps reads each definition directly off the relationships:
// no tables, every ordered pair and every actor tried.
func bruteTrustGaps(actors []*domain.Actor, rels []*domain.Relationship, o Options, threshold, distrustBelow float64) []string {
	in := func(r *domain.Relationship, t domain.RelationshipType, from, to string) bool {
		// A TRUSTS of strength 0 reports no trust; a claim of strength 0 says nothing.
		return r.Type == t && r.FromID == from && r.ToID == to && r.ValidAt(o.AsOf) && r.Confidence >= o.MinConfidence &&
			(t == domain.Trusts || r.Strength > 0)
	}
	// segments of x's trust in y: segment → mean
	segs := func(x, y string) map[string]float64 {
		sum, n := map[string]float64{}, map[string]int{}
		for _, r := range rels {
			if in(r, domain.Trusts, x, y) {
				s := ""
				if r.PerceivedBy != nil {
					s = strings.ToLower(strings.TrimSpace(*r.PerceivedBy))
				}
				sum[s] += r.Strength
				n[s]++
			}
		}
		for s := range sum {
			sum[s] /= float64(n[s])
		}
		return sum
	}
	trust := func(x, y string) (float64, bool) {
		m := segs(x, y)
		if len(m) == 0 {
			return 0, false
		}
		t := 0.0
		for _, v := range m {
			t += v
		}
		return t / float64(len(m)), true
	}
	maxOf := func(t domain.RelationshipType, pairs [][2]string) (float64, bool) {
		best, ok := 0.0, false
		for _, r := range rels {
			for _, p := range pairs {
				if in(r, t, p[0], p[1]) && (!ok || r.Strength > best) {
					best, ok = r.Strength, true
				}
			}
		}
		return best, ok
	}
	var out []string
	f := func(k TrustGapKind, a, b string, s float64) {
		out = append(out, fmt.Sprintf("%s %s>%s %.6f", k, a, b, s))
	}
	for _, x := range actors {
		for _, y := range actors {
			if x == y {
				continue
			}
			if prov, ok := maxOf(domain.ProvidesSecurity, [][2]string{{x.ID, y.ID}}); ok {
				if y.Kind == domain.KindCommunity {
					if tr, ok := trust(y.ID, x.ID); ok && tr < distrustBelow {
						f(DependencyWithoutTrust, y.ID, x.ID, prov*(1-tr))
					}
				}
				if thr, ok := maxOf(domain.Threatens, [][2]string{{x.ID, y.ID}}); ok {
					f(Contested, x.ID, y.ID, math.Min(prov, thr))
				}
			}
			if x.ID < y.ID {
				both := [][2]string{{x.ID, y.ID}, {y.ID, x.ID}}
				c, ok1 := maxOf(domain.CooperatesWith, both)
				te, ok2 := maxOf(domain.InTensionWith, both)
				if ok1 && ok2 {
					f(Contested, x.ID, y.ID, math.Min(c, te))
				}
				txy, ok1 := trust(x.ID, y.ID)
				tyx, ok2 := trust(y.ID, x.ID)
				if ok1 && ok2 && !(txy < distrustBelow && tyx < distrustBelow) && math.Abs(txy-tyx) >= threshold {
					if txy >= tyx {
						f(Asymmetry, x.ID, y.ID, txy-tyx)
					} else {
						f(Asymmetry, y.ID, x.ID, tyx-txy)
					}
				}
			}
			if m := segs(x.ID, y.ID); len(m) >= 2 {
				lo, hi := 2.0, -1.0
				for _, v := range m {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
				if hi-lo >= threshold {
					f(PerceptionDivergence, x.ID, y.ID, hi-lo)
				}
			}
		}
	}
	for _, y := range actors {
		var most string
		lo, hi, n := 2.0, -1.0, 0
		for _, c := range actors {
			if c.Kind != domain.KindCommunity || c == y {
				continue
			}
			if tr, ok := trust(c.ID, y.ID); ok {
				n++
				lo = math.Min(lo, tr)
				if tr > hi {
					hi, most = tr, c.ID
				}
			}
		}
		if n >= 2 && hi-lo >= threshold {
			f(Polarised, most, y.ID, hi-lo)
		}
	}
	sort.Strings(out)
	return out
}

func TestTrustGapsAgreeWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 7))
	kinds := []domain.ActorKind{domain.KindCommunity, domain.KindCommunity, domain.KindSecurityForce, domain.KindMovement}
	types := []domain.RelationshipType{domain.Trusts, domain.Trusts, domain.Trusts, domain.ProvidesSecurity, domain.Threatens, domain.CooperatesWith, domain.InTensionWith}
	segments := []string{"women", " Women", "youth", "elders", ""}
	// Strengths on a grid of eighths, so that no difference sits within
	// rounding of a threshold by accident (both sides compute the same sums
	// in a different order).
	grid := func() float64 { return float64(rng.IntN(9)) / 8 }
	perKind := map[TrustGapKind]int{}
	for round := range 600 {
		b := &mapBuilder{}
		n := 3 + rng.IntN(4)
		for i := range n {
			b.actor(fmt.Sprintf("a%d", i), kinds[rng.IntN(len(kinds))])
		}
		for i := range rng.IntN(40) {
			from, to := rng.IntN(n), rng.IntN(n)
			if from == to {
				continue
			}
			var opts []func(*domain.Relationship)
			ty := types[rng.IntN(len(types))]
			if ty == domain.Trusts {
				if s := segments[rng.IntN(len(segments))]; s != "" {
					opts = append(opts, seg(s))
				}
			}
			switch rng.IntN(6) {
			case 0:
				opts = append(opts, validTo("2024-06-01"))
			case 1:
				opts = append(opts, confidence(0.3))
			}
			b.rel(fmt.Sprintf("r%03d", i), ty, fmt.Sprintf("a%d", from), fmt.Sprintf("a%d", to), grid(), opts...)
		}
		o := Options{MinConfidence: []float64{0, 0.5}[rng.IntN(2)]}
		g := b.graph(t, o)
		threshold, distrustBelow := float64(rng.IntN(8))/8+1.0/16, float64(rng.IntN(8))/8+1.0/16
		gs, err := g.TrustGaps(context.Background(), TrustGapFilter{Threshold: threshold, DistrustBelow: distrustBelow})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, x := range gs {
			got = append(got, fmt.Sprintf("%s %s>%s %.6f", x.Kind, x.From.ID, x.To.ID, x.Score))
			if x.Score < 0 || x.Score > 1 {
				t.Fatalf("score out of range: %+v", x)
			}
			if i > 0 && gs[i-1].Score < x.Score {
				t.Fatalf("round %d: not sorted by score", round)
			}
		}
		sort.Strings(got)
		want := bruteTrustGaps(b.actors, b.rels, g.opts, threshold, distrustBelow)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("round %d (threshold %v, distrustBelow %v): engine\n  %s\nbrute force\n  %s", round, threshold, distrustBelow,
				strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		for _, x := range gs {
			perKind[x.Kind]++
		}
	}
	for _, k := range trustGapKinds {
		if perKind[k] < 20 {
			t.Errorf("only %d findings of %s over all rounds: the random maps test too little", perKind[k], k)
		}
	}
}

func TestTrustGapsStopWhenCancelled(t *testing.T) {
	b := &mapBuilder{}
	b.actor("c", domain.KindCommunity)
	b.actor("p", domain.KindSecurityForce)
	b.rel("r1", domain.Trusts, "c", "p", 0)
	g := b.graph(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.TrustGaps(ctx, defaults()); !errs.Is(err, errs.Unavailable) {
		t.Errorf("cancelled: %v", err)
	}
}

// Figures written as decimals meet the thresholds they are written to
// meet: 0.7 − 0.2 is 0.49999999999999994 in binary floating point, yet a
// difference of 0.5 (the default threshold) must count; and 0.7 − 0.3 is
// 0.39999999999999997, yet a trust of 0.4 is not below distrustBelow 0.4.
// Tamal's women (0.2) and men (0.7) about the police on the demo map are
// the first case.
func TestTrustGapsDecimalFiguresAtTheBoundary(t *testing.T) {
	t.Parallel()
	seven, three, two := 0.7, 0.3, 0.2 // variables: Go's constant arithmetic is exact
	if seven-two >= 0.5 || seven-three >= 0.4 {
		t.Fatal("the premise changed: float64 rounding is not what this test is about")
	}
	b := &mapBuilder{}
	b.actor("village", domain.KindCommunity)
	b.actor("town", domain.KindCommunity)
	b.actor("police", domain.KindSecurityForce)
	b.rel("women", domain.Trusts, "village", "police", 0.2, seg("women"))
	b.rel("men", domain.Trusts, "village", "police", 0.7, seg("men"))
	b.rel("protects", domain.ProvidesSecurity, "police", "town", 0.5)
	b.rel("town-trust", domain.Trusts, "town", "police", seven-three)
	g := b.graph(t, Options{})
	// The village's segments differ by 0.5; the town's 0.4 is not below 0.4,
	// and the two communities' 0.45 and 0.4 are not polarised.
	wantList(t, trustGapsOf(t, g, defaults()), "PERCEPTION_DIVERGENCE village>police 0.5000")
	// Just above 0.4, the town's dependency is one: 0.5 × (1 − 0.4) = 0.3.
	wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{DependencyWithoutTrust}, Threshold: 0.5, DistrustBelow: 0.41}),
		"DEPENDENCY_WITHOUT_TRUST town>police 0.3000")
	// Just above 0.5, the divergence is not.
	wantList(t, trustGapsOf(t, g, TrustGapFilter{Kinds: []TrustGapKind{PerceptionDivergence}, Threshold: 0.51, DistrustBelow: 0.4}))
}
