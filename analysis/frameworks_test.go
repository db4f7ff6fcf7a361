package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// tagged reports, independently of carriesAny, whether any of the actors
// or relationships carries one of wanted.
func tagged(wanted []domain.Framework, actors []*domain.Actor, rels []*domain.RelationshipFacts) bool {
	for _, a := range actors {
		if a == nil {
			continue
		}
		for _, f := range a.Frameworks {
			if slices.Contains(wanted, f) {
				return true
			}
		}
	}
	for _, r := range rels {
		for _, f := range r.Frameworks {
			if slices.Contains(wanted, f) {
				return true
			}
		}
	}
	return false
}

func TestCarriesAny(t *testing.T) {
	t.Parallel()
	justice := &domain.Actor{ID: "court", Frameworks: []domain.Framework{domain.FrameworkJustice}}
	plain := &domain.Actor{ID: "village"}
	security := &domain.RelationshipFacts{ID: "r", Frameworks: []domain.Framework{domain.FrameworkSecurity, domain.FrameworkProtection}}
	cases := []struct {
		name   string
		wanted []domain.Framework
		actors []*domain.Actor
		rels   []*domain.RelationshipFacts
		want   bool
	}{
		{"no frameworks asked: everything is kept", nil, []*domain.Actor{plain}, nil, true},
		{"an actor carries it", []domain.Framework{domain.FrameworkJustice}, []*domain.Actor{plain, justice}, nil, true},
		{"a relationship carries one of two", []domain.Framework{domain.FrameworkParticipation, domain.FrameworkProtection}, []*domain.Actor{plain}, []*domain.RelationshipFacts{security}, true},
		{"nothing carries it", []domain.Framework{domain.FrameworkParticipation}, []*domain.Actor{plain, justice}, []*domain.RelationshipFacts{security}, false},
		{"a missing actor (no nearest) is skipped", []domain.Framework{domain.FrameworkJustice}, []*domain.Actor{nil, plain}, nil, false},
	}
	for _, c := range cases {
		if got := carriesAny(c.wanted, c.actors, c.rels); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

// On random maps whose actors and relationships carry random frameworks,
// every analysis asked with frameworks answers exactly the results it
// gives without them whose actors or relationships (as the result itself
// lists them) carry one, in the same order.
func TestEveryAnalysisFiltersByFrameworks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 1325))
	kinds := []domain.ActorKind{domain.KindCommunity, domain.KindCommunity, domain.KindStateInstitution, domain.KindSecurityForce,
		domain.KindMovement, domain.KindCivilSociety, domain.KindCustomaryAuthority, domain.KindInternational}
	pick := func() []domain.Framework {
		if rng.IntN(3) != 0 {
			return nil
		}
		return []domain.Framework{domain.Frameworks[rng.IntN(len(domain.Frameworks))]}
	}
	kept, dropped := map[string]int{}, map[string]int{}
	count := func(name string, all, filtered int) {
		kept[name] += filtered
		dropped[name] += all - filtered
	}
	for round := range 800 {
		b := &mapBuilder{}
		n := 4 + rng.IntN(7)
		for i := range n {
			id := fmt.Sprintf("a%d", i)
			b.actor(id, kinds[rng.IntN(len(kinds))])
			b.set(id, func(a *domain.Actor) {
				a.Frameworks = pick()
				a.Region = []string{"north", "south"}[rng.IntN(2)]
				switch a.Kind {
				case domain.KindSecurityForce:
					a.StateAffiliated = new(rng.IntN(2) == 0)
				case domain.KindMovement, domain.KindCivilSociety:
					a.WomenLed = new(rng.IntN(2) == 0)
				case domain.KindCommunity:
					a.RightsAwareness = new(float64(rng.IntN(5)) / 4)
				}
			})
		}
		for i := range 10 + rng.IntN(40) {
			from, to := rng.IntN(n), rng.IntN(n)
			if from == to {
				continue
			}
			ty := domain.RelationshipTypes[rng.IntN(len(domain.RelationshipTypes))]
			r := b.rel(fmt.Sprintf("r%02d", i), ty, fmt.Sprintf("a%d", from), fmt.Sprintf("a%d", to), float64(1+rng.IntN(4))/4)
			r.Frameworks = pick()
			if ty == domain.Trusts && rng.IntN(2) == 0 {
				r.PerceivedBy = new([]string{"women", "men"}[rng.IntN(2)])
			}
		}
		g := b.graph(t, Options{MaxHops: 1 + rng.IntN(3)})
		wanted := []domain.Framework{domain.Frameworks[rng.IntN(len(domain.Frameworks))], domain.Frameworks[rng.IntN(len(domain.Frameworks))]}
		ctx := context.Background()
		where := fmt.Sprintf("round %d, frameworks %v", round, wanted)

		// trustGaps
		tf := TrustGapFilter{Threshold: 0.25, DistrustBelow: 0.5}
		all, err := g.TrustGaps(ctx, tf)
		if err != nil {
			t.Fatal(err)
		}
		tf.Frameworks = wanted
		got, err := g.TrustGaps(ctx, tf)
		if err != nil {
			t.Fatal(err)
		}
		// Each call makes its findings anew: compare them by what they say.
		line := func(x *TrustGap) string { return fmt.Sprintf("%s %s>%s %v", x.Kind, x.From.ID, x.To.ID, x.Score) }
		var want, gotLines []string
		for _, x := range all {
			actors := []*domain.Actor{x.From, x.To}
			for _, v := range x.Values {
				actors = append(actors, v.Actor)
			}
			if tagged(wanted, actors, x.Relationships) {
				want = append(want, line(x))
			}
		}
		for _, x := range got {
			gotLines = append(gotLines, line(x))
		}
		if !slices.Equal(gotLines, want) {
			t.Fatalf("%s: trustGaps %d, want %d of %d", where, len(got), len(want), len(all))
		}
		count("trustGaps", len(all), len(got))

		// communityChannels
		allC, err := g.CommunityChannels(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		gotC, err := g.CommunityChannels(ctx, nil, wanted)
		if err != nil {
			t.Fatal(err)
		}
		var wantC []*CommunityChannels
		for _, c := range allC {
			actors := append(append([]*domain.Actor{c.Community}, c.Channels...), c.StateProviders...)
			rels := append([]*domain.RelationshipFacts{}, c.Security...)
			for _, s := range c.Steps {
				rels = append(rels, s.Rel)
			}
			if tagged(wanted, actors, rels) {
				wantC = append(wantC, c)
			}
		}
		if !slices.Equal(gotC, wantC) {
			t.Fatalf("%s: communityChannels %d, want %d of %d", where, len(gotC), len(wantC), len(allC))
		}
		count("communityChannels", len(allC), len(gotC))

		// unaccountableActors
		every := []domain.ActorKind{domain.KindSecurityForce, domain.KindStateInstitution, domain.KindInternational}
		allU, err := g.UnaccountableActors(ctx, every, nil)
		if err != nil {
			t.Fatal(err)
		}
		gotU, err := g.UnaccountableActors(ctx, every, wanted)
		if err != nil {
			t.Fatal(err)
		}
		var wantU []*UnaccountableActor
		for _, u := range allU {
			actors := []*domain.Actor{u.Actor}
			var rels []*domain.RelationshipFacts
			for _, s := range u.Steps {
				actors = append(actors, g.actors[s.From])
				rels = append(rels, s.Rel)
			}
			if tagged(wanted, actors, rels) {
				wantU = append(wantU, u)
			}
		}
		if !slices.Equal(gotU, wantU) {
			t.Fatalf("%s: unaccountableActors %d, want %d of %d", where, len(gotU), len(wantU), len(allU))
		}
		count("unaccountableActors", len(allU), len(gotU))

		// doNoHarmFlags
		allH, err := g.DoNoHarmFlags(ctx, DoNoHarmFilter{})
		if err != nil {
			t.Fatal(err)
		}
		gotH, err := g.DoNoHarmFlags(ctx, DoNoHarmFilter{Frameworks: wanted})
		if err != nil {
			t.Fatal(err)
		}
		var wantH, gotHs []string
		for _, f := range allH.Flags(0, allH.Len()) {
			actors := append([]*domain.Actor{f.Supporter, f.Recipient, f.Community}, f.Sides...)
			rels := append(append(append([]*domain.RelationshipFacts{}, f.Supports...), f.Threats...), f.Tensions...)
			if tagged(wanted, actors, rels) {
				wantH = append(wantH, f.Explanation)
			}
		}
		for _, f := range gotH.Flags(0, gotH.Len()) {
			gotHs = append(gotHs, f.Explanation)
		}
		if !slices.Equal(gotHs, wantH) {
			t.Fatalf("%s: doNoHarmFlags\n%v\nwant\n%v", where, gotHs, wantH)
		}
		count("doNoHarmFlags", allH.Len(), gotH.Len())

		// participationGaps
		allP, err := g.ParticipationGaps(ctx, ParticipationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		gotP, err := g.ParticipationGaps(ctx, ParticipationFilter{Frameworks: wanted})
		if err != nil {
			t.Fatal(err)
		}
		var wantP []*ParticipationGap
		for _, p := range allP {
			actors := []*domain.Actor{p.Target, p.Nearest}
			var rels []*domain.RelationshipFacts
			if p.BestRoute != nil {
				for _, s := range p.BestRoute.Steps {
					actors = append(actors, g.actors[s.From], g.actors[s.To])
					rels = append(rels, s.Rel)
				}
			}
			if tagged(wanted, actors, rels) {
				wantP = append(wantP, p)
			}
		}
		if !slices.Equal(gotP, wantP) {
			t.Fatalf("%s: participationGaps %d, want %d of %d", where, len(gotP), len(wantP), len(allP))
		}
		count("participationGaps", len(allP), len(gotP))

		// socialContract: the communities in scope, read from the map itself.
		sc, err := g.SocialContract(ctx, nil, wanted)
		if err != nil {
			t.Fatal(err)
		}
		scope := contractScope(g, b, wanted)
		if sc.Overall.Communities != len(scope) {
			t.Fatalf("%s: socialContract counts %d communities, want %d (%v)", where, sc.Overall.Communities, len(scope), scope)
		}
		for _, a := range sc.Overall.Responsiveness.Shortfall {
			if !scope[a.ID] {
				t.Fatalf("%s: %s out of scope in the shortfall", where, a.ID)
			}
		}
		all0, err := g.SocialContract(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		count("socialContract", all0.Overall.Communities, sc.Overall.Communities)
	}
	for _, name := range []string{"trustGaps", "communityChannels", "unaccountableActors", "doNoHarmFlags", "participationGaps", "socialContract"} {
		if kept[name] < 10 || dropped[name] < 10 {
			t.Errorf("%s: %d results kept and %d dropped over all rounds: the random maps test too little", name, kept[name], dropped[name])
		}
	}
}

// contractScope is the set of communities in the social contract's scope
// of wanted, read from the map's relationships: the community carries one,
// or an in-force relationship behind its figures, or the actor at its
// other end, does: a leverage relationship of strength above 0 that gives
// a step out of it, a protection or threat of it, or its trust in a state
// actor.
func contractScope(g *Graph, b *mapBuilder, wanted []domain.Framework) map[string]bool {
	byID := map[string]*domain.Actor{}
	for _, a := range b.actors {
		byID[a.ID] = a
	}
	out := map[string]bool{}
	for _, c := range b.actors {
		if c.Kind != domain.KindCommunity {
			continue
		}
		if tagged(wanted, []*domain.Actor{c}, nil) {
			out[c.ID] = true
			continue
		}
		for _, r := range b.rels {
			other := byID[r.FromID]
			if other == c {
				other = byID[r.ToID]
			}
			if !InForce(r.Facts(), g.opts) || !tagged(wanted, []*domain.Actor{other}, []*domain.RelationshipFacts{r.Facts()}) || r.FromID == r.ToID {
				continue
			}
			stepOut := r.Strength > 0 && ((r.FromID == c.ID && slices.Contains([]domain.RelationshipType{domain.Controls, domain.ParticipatesIn, domain.Influences, domain.Dialogue}, r.Type)) ||
				(r.ToID == c.ID && slices.Contains([]domain.RelationshipType{domain.AccountableTo, domain.Represents, domain.Dialogue}, r.Type)))
			power := r.ToID == c.ID && (r.Type == domain.ProvidesSecurity || r.Type == domain.Threatens)
			trust := r.FromID == c.ID && r.Type == domain.Trusts && IsStateActor(byID[r.ToID])
			if stepOut || power || trust {
				out[c.ID] = true
			}
		}
	}
	return out
}

// A tag on a record a result does not rest on keeps nothing: the police's
// protection of the village is tagged SECURITY, but the village's divergent
// perceptions of the council rest only on its TRUSTS of the council; a
// community's TRUSTS of its channel is not one of its channels' steps.
func TestFrameworksOnRecordsAResultDoesNotRestOn(t *testing.T) {
	t.Parallel()
	b := &mapBuilder{}
	b.actor("village", domain.KindCommunity)
	b.actor("council", domain.KindStateInstitution)
	b.actor("police", domain.KindSecurityForce)
	b.rel("ps", domain.ProvidesSecurity, "police", "village", 0.5).Frameworks = []domain.Framework{domain.FrameworkSecurity}
	b.rel("women", domain.Trusts, "village", "council", 0.1, seg("women"))
	b.rel("men", domain.Trusts, "village", "council", 0.9, seg("men")).Frameworks = []domain.Framework{domain.FrameworkParticipation}
	b.rel("voice", domain.Influences, "village", "council", 0.5)
	g := b.graph(t, Options{})
	ctx := context.Background()
	security := TrustGapFilter{Threshold: 0.5, DistrustBelow: 0.4, Frameworks: []domain.Framework{domain.FrameworkSecurity}}
	wantList(t, trustGapsOf(t, g, security))
	security.Frameworks = []domain.Framework{domain.FrameworkParticipation}
	wantList(t, trustGapsOf(t, g, security), "PERCEPTION_DIVERGENCE village>council 0.8000")
	// The village's channel is the council (INFLUENCES, untagged); its
	// tagged TRUSTS of the council is no step. Its protection (SECURITY)
	// is behind its absentState, so SECURITY keeps it.
	for fw, want := range map[domain.Framework]int{domain.FrameworkParticipation: 0, domain.FrameworkSecurity: 1} {
		ccs, err := g.CommunityChannels(ctx, nil, []domain.Framework{fw})
		if err != nil || len(ccs) != want {
			t.Errorf("%s: %d communities (%v), want %d", fw, len(ccs), err, want)
		}
	}
}
