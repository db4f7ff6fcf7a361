package analysis

import (
	"context"
	"slices"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// ChannelStatus says how many actors a community's leverage steps reach.
type ChannelStatus string

// The channel statuses.
const (
	Isolated      ChannelStatus = "ISOLATED"       // no leverage step out of the community
	SingleChannel ChannelStatus = "SINGLE_CHANNEL" // its steps out all lead to one actor
	Connected     ChannelStatus = "CONNECTED"      // its steps out lead to two actors or more
)

// CommunityChannels is one community's channels: the leverage steps out
// of it, and whether a state actor provides security to it.
type CommunityChannels struct {
	Community *domain.Actor
	Status    ChannelStatus
	// Steps are the in-force leverage steps out of the community, in
	// relationship id order.
	Steps []Step
	// Channels are the distinct actors the steps lead to, by id.
	Channels []*domain.Actor
	// Security are the in-force PROVIDES_SECURITY relationships to the
	// community (from any actor), in relationship id order; StateProviders
	// are the state actors among their sources, by id.
	Security       []*domain.RelationshipFacts
	StateProviders []*domain.Actor
	// AbsentState is true when no state actor provides security to it.
	AbsentState bool
}

// claimCounts reports whether a PROVIDES_SECURITY, THREATENS, SUPPORTS,
// COOPERATES_WITH or IN_TENSION_WITH counts in the relationship-gap
// analyses: its strength is above 0. A claim of strength 0 says nothing,
// as a leverage relationship of strength 0 gives no step (a TRUSTS of
// strength 0, by contrast, reports no trust at all, and counts). The
// accountability pairs keep their own rule (docs/analysis.md).
func claimCounts(r *domain.RelationshipFacts) bool { return r.Strength > 0 }

// IsStateActor reports whether a is a state actor: a STATE_INSTITUTION,
// or a SECURITY_FORCE with stateAffiliated true.
func IsStateActor(a *domain.Actor) bool {
	switch a.Kind {
	case domain.KindStateInstitution:
		return true
	case domain.KindSecurityForce:
		return a.StateAffiliated != nil && *a.StateAffiliated
	}
	return false
}

// CommunityChannels returns every community (of region, when given) with
// its channels, in community id order; with frameworks, only those where
// the community, a channel, a state provider or a relationship behind
// them carries one (see carriesAny).
func (g *Graph) CommunityChannels(ctx context.Context, region *string, frameworks []domain.Framework) ([]*CommunityChannels, error) {
	const op = "communityChannels"
	all, err := memoize(ctx, g, op, "channels", func() ([]*CommunityChannels, error) { return g.communityChannels(ctx) })
	if err != nil {
		return nil, err
	}
	if region == nil && len(frameworks) == 0 {
		return all, nil
	}
	var out []*CommunityChannels
	for _, c := range all {
		if region != nil && c.Community.Region != *region {
			continue
		}
		if len(frameworks) > 0 {
			actors := append(append([]*domain.Actor{c.Community}, c.Channels...), c.StateProviders...)
			if !carriesAny(frameworks, actors, append(stepRelationships(c.Steps), c.Security...)) {
				continue
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (g *Graph) communityChannels(ctx context.Context) ([]*CommunityChannels, error) {
	m := newMeter(ctx, "communityChannels")
	if err := m.check(); err != nil {
		return nil, err
	}
	// The in-force PROVIDES_SECURITY relationships to each community.
	security := map[int][]*domain.RelationshipFacts{}
	for _, pr := range g.pairs { // sorted by community id, then provider id
		if err := m.spend(1); err != nil {
			return nil, err
		}
		for _, r := range g.power[pr] {
			if r.Type == domain.ProvidesSecurity && claimCounts(r) {
				security[pr.c] = append(security[pr.c], r)
			}
		}
	}
	var out []*CommunityChannels
	// mark[w] == i+1 once community i's steps have reached w: no map per
	// community.
	mark := make([]int32, len(g.actors))
	for i, a := range g.actors {
		if a.Kind != domain.KindCommunity {
			continue
		}
		if err := m.spend(1 + len(g.out[i])); err != nil {
			return nil, err
		}
		cc := &CommunityChannels{Community: a, Steps: []Step{}, Channels: []*domain.Actor{}, StateProviders: []*domain.Actor{}}
		for _, si := range g.out[i] {
			st := g.steps[si]
			cc.Steps = append(cc.Steps, st)
			if mark[st.To] != int32(i+1) {
				mark[st.To] = int32(i + 1)
				cc.Channels = append(cc.Channels, g.actors[st.To])
			}
		}
		switch len(cc.Channels) {
		case 0:
			cc.Status = Isolated
		case 1:
			cc.Status = SingleChannel
		default:
			cc.Status = Connected
		}
		cc.Security = slices.Clone(security[i])
		if cc.Security == nil {
			cc.Security = []*domain.RelationshipFacts{}
		}
		sort.Slice(cc.Security, func(x, y int) bool { return cc.Security[x].ID < cc.Security[y].ID })
		for _, r := range cc.Security {
			p := g.actors[g.index[r.FromID]]
			if IsStateActor(p) && !slices.Contains(cc.StateProviders, p) {
				cc.StateProviders = append(cc.StateProviders, p)
			}
		}
		cc.AbsentState = len(cc.StateProviders) == 0
		sortActors(cc.Channels)
		sortActors(cc.StateProviders)
		out = append(out, cc)
	}
	sort.Slice(out, func(x, y int) bool { return out[x].Community.ID < out[y].Community.ID })
	return out, m.flush()
}

func sortActors(as []*domain.Actor) {
	sort.Slice(as, func(i, j int) bool { return as[i].ID < as[j].ID })
}

// Accountability of an actor with no enforcement step onto it.
type Accountability string

// The statuses of UnaccountableActors.
const (
	Unaccountable     Accountability = "UNACCOUNTABLE"      // no leverage step leads onto the actor
	AnswerabilityOnly Accountability = "ANSWERABILITY_ONLY" // steps lead onto it, none with enforcement
)

// UnaccountableActor is an actor no leverage step with enforcement leads
// onto, with the steps (all without enforcement) that do.
type UnaccountableActor struct {
	Actor  *domain.Actor
	Status Accountability
	Steps  []Step // in relationship id order; empty when Unaccountable
}

// UnaccountableActors returns the actors of kinds (at least one) that no
// enforcement step leads onto, in actor id order; with frameworks, only
// those where the actor, or a step onto it (its relationship or the actor
// it comes from), carries one.
func (g *Graph) UnaccountableActors(ctx context.Context, kinds []domain.ActorKind, frameworks []domain.Framework) ([]*UnaccountableActor, error) {
	const op = "unaccountableActors"
	if len(kinds) == 0 {
		return nil, errs.Invalidf(op, "kinds", "kinds must name at least one actor kind")
	}
	all, err := memoize(ctx, g, op, "unaccountable", func() ([]*UnaccountableActor, error) { return g.unaccountableActors(ctx) })
	if err != nil {
		return nil, err
	}
	var out []*UnaccountableActor
	for _, u := range all {
		if !slices.Contains(kinds, u.Actor.Kind) {
			continue
		}
		if len(frameworks) > 0 {
			actors := []*domain.Actor{u.Actor}
			for _, s := range u.Steps {
				actors = append(actors, g.actors[s.From])
			}
			if !carriesAny(frameworks, actors, stepRelationships(u.Steps)) {
				continue
			}
		}
		out = append(out, u)
	}
	return out, nil
}

func (g *Graph) unaccountableActors(ctx context.Context) ([]*UnaccountableActor, error) {
	m := newMeter(ctx, "unaccountableActors")
	if err := m.check(); err != nil {
		return nil, err
	}
	var out []*UnaccountableActor
	for i, a := range g.actors {
		if err := m.spend(1 + len(g.in[i])); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(g.in[i], func(si int32) bool { return g.steps[si].Enforcement }) {
			continue
		}
		u := &UnaccountableActor{Actor: a, Status: Unaccountable, Steps: make([]Step, 0, len(g.in[i]))}
		for _, si := range g.in[i] {
			u.Steps = append(u.Steps, g.steps[si])
		}
		if len(u.Steps) > 0 {
			u.Status = AnswerabilityOnly
		}
		out = append(out, u)
	}
	sort.Slice(out, func(x, y int) bool { return out[x].Actor.ID < out[y].Actor.ID })
	return out, m.flush()
}

// ActorAt returns the actor a Step's From or To names.
func (g *Graph) ActorAt(i int32) *domain.Actor { return g.actors[i] }
