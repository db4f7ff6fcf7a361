package analysis

import (
	"context"
	"fmt"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
)

// The social contract (docs/analysis.md, "The social contract"): six
// measures in [0,1] per region and overall, three on the state's side
// (responsiveness, accountability, representation) and three on the
// citizens' (empowerment, participation, trust in the state).

// CommunityShare is a share of communities: Numerator of the Denominator
// communities meet the measure; Shortfall are those that do not.
type CommunityShare struct {
	Value       *float64 // Numerator / Denominator; nil when Denominator is 0
	Numerator   float64
	Denominator int
	Shortfall   []*domain.Actor // the communities counted but not met, in id order
}

// ShortfallCount is how many communities fall short.
func (s *CommunityShare) ShortfallCount() int { return len(s.Shortfall) }

// PairShare is the share of community–power-holder pairs with an
// enforceable route; Shortfall are the pairs without one.
type PairShare struct {
	Value       *float64
	Numerator   float64
	Denominator int
	// Shortfall are the pairs with no enforceable route within maxHops, by
	// community id then power holder id; each status's Routes hold its
	// strongest route (which cannot sanction), if it has one.
	Shortfall []*PairStatus
	g         *Graph
}

// ShortfallCount is how many pairs have no enforceable route.
func (s *PairShare) ShortfallCount() int { return len(s.Shortfall) }

// Graph is the projection the pairs' routes index into.
func (s *PairShare) Graph() *Graph { return s.g }

// CommunityValue is one community's figure in a mean, with the
// relationships behind it.
type CommunityValue struct {
	Community     *domain.Actor
	Value         float64
	Relationships []*domain.RelationshipFacts // the TRUSTS behind trust in the state; empty for empowerment
}

// CommunityMean is a mean over the Denominator communities that have a
// figure (Counted, in id order); Numerator is the sum of their figures.
type CommunityMean struct {
	Value       *float64
	Numerator   float64
	Denominator int
	Counted     []CommunityValue
}

// ContractFigures are the six measures over one group of communities.
type ContractFigures struct {
	// Region is the group's region; nil for the communities without one
	// (and for the overall figures).
	Region         *string
	Communities    int
	Responsiveness CommunityShare
	Accountability PairShare
	Representation CommunityShare
	Empowerment    CommunityMean
	Participation  CommunityShare
	TrustInState   CommunityMean
}

// SocialContract is the summary: Overall and one entry per region that
// has a community, in region order, the communities without a region last.
type SocialContract struct {
	Overall *ContractFigures
	Regions []*ContractFigures
}

// SocialContract returns the social contract of every community, or of
// region's only (overall is then that region's figures; "" names the
// communities without a region). Accountability reads the routes within
// the graph's MaxHops. With frameworks, only the communities in their
// scope count (see inScope).
func (g *Graph) SocialContract(ctx context.Context, region *string, frameworks []domain.Framework) (*SocialContract, error) {
	const op = "socialContract"
	all, err := memoize(ctx, g, op, fmt.Sprintf("social contract %d", g.opts.MaxHops), func() (*contractTables, error) {
		return g.socialContract(ctx, op)
	})
	if err != nil {
		return nil, err
	}
	if len(frameworks) > 0 {
		// Not memoised: a pass over the communities and pairs, spent
		// from the request's budget like the rest.
		m := newMeter(ctx, op)
		if err := m.spend(3 * (len(all.comms) + len(g.pairs))); err != nil {
			return nil, err
		}
		all = g.contractOf(g.inScope(all.comms, frameworks))
		if err := m.flush(); err != nil {
			return nil, err
		}
	}
	if region == nil {
		return &SocialContract{Overall: all.overall, Regions: all.regions}, nil
	}
	for _, f := range all.regions {
		if (f.Region == nil && *region == "") || (f.Region != nil && *f.Region == *region) {
			return &SocialContract{Overall: f, Regions: []*ContractFigures{f}}, nil
		}
	}
	return &SocialContract{Overall: g.figures(nil, nil), Regions: []*ContractFigures{}}, nil
}

type contractTables struct {
	overall *ContractFigures
	regions []*ContractFigures
	comms   []*communityFacts // every community, in id order
}

// inScope are the communities of comms in the scope of frameworks: the
// community carries one, or a relationship behind its figures, or the
// actor at its other end, does (a leverage step out of it, a protection
// or threat of it, its trust in a state actor).
func (g *Graph) inScope(comms []*communityFacts, frameworks []domain.Framework) []*communityFacts {
	var out []*communityFacts
	for _, c := range comms {
		actors := []*domain.Actor{g.actors[c.i]}
		steps := g.stepsOut(c.i)
		rels := stepRelationships(steps)
		for _, st := range steps {
			actors = append(actors, g.actors[st.To])
		}
		for _, s := range c.pairs {
			actors = append(actors, s.PowerHolder)
			rels = append(rels, s.PowerRelationships...)
		}
		if c.trustInState != nil {
			for _, r := range c.trustInState.Relationships {
				actors = append(actors, g.actors[g.index[r.ToID]])
			}
			rels = append(rels, c.trustInState.Relationships...)
		}
		if carriesAny(frameworks, actors, rels) {
			out = append(out, c)
		}
	}
	return out
}

// stepsOut are the leverage steps out of actor i.
func (g *Graph) stepsOut(i int) []Step {
	out := make([]Step, len(g.out[i]))
	for k, si := range g.out[i] {
		out[k] = g.steps[si]
	}
	return out
}

// communityFacts is what the measures need to know of one community.
type communityFacts struct {
	i               int
	protected       bool // a state actor provides security to it
	represented     bool // an in-force REPRESENTS of strength above 0 leads to it
	participates    bool // a leverage step leads out of it
	trustInState    *CommunityValue
	rightsAwareness *float64
	pairs           []*PairStatus // its pairs, by power holder id
}

func (g *Graph) socialContract(ctx context.Context, op string) (*contractTables, error) {
	statuses, err := g.allStatuses(ctx, op, 1) // shared with accountabilityGaps
	if err != nil {
		return nil, err
	}
	t, err := g.trustTables(ctx, op) // shared with trustGaps
	if err != nil {
		return nil, err
	}
	m := newMeter(ctx, op)
	if err := m.check(); err != nil {
		return nil, err
	}
	facts := map[int]*communityFacts{}
	var comms []*communityFacts
	for i, a := range g.actors {
		if err := m.spend(1); err != nil {
			return nil, err
		}
		if a.Kind != domain.KindCommunity {
			continue
		}
		f := &communityFacts{i: i, rightsAwareness: a.RightsAwareness}
		for _, si := range g.out[i] {
			st := g.steps[si]
			f.participates = true
			if st.Rel.Type == domain.Represents && st.Rel.ToID == a.ID {
				f.represented = true
			}
		}
		if err := m.spend(len(g.out[i])); err != nil {
			return nil, err
		}
		facts[i] = f
		comms = append(comms, f)
	}
	sort.Slice(comms, func(x, y int) bool { return g.actors[comms[x].i].ID < g.actors[comms[y].i].ID })
	// Responsiveness and accountability, from the pairs (in community,
	// then power holder id order).
	for k, pr := range g.pairs {
		if err := m.spend(1); err != nil {
			return nil, err
		}
		f := facts[pr.c]
		f.pairs = append(f.pairs, statuses[k])
		if IsStateActor(g.actors[pr.p]) {
			for _, r := range g.power[pr] {
				if r.Type == domain.ProvidesSecurity && claimCounts(r) {
					f.protected = true
				}
			}
		}
	}
	// Trust in the state: each community's mean over the state actors it
	// reports trust in (trust of X in Y as the trust gaps define it).
	reports := map[int][]*trustOf{}
	for _, k := range t.pairs {
		if err := m.spend(1); err != nil {
			return nil, err
		}
		if facts[k[0]] != nil && IsStateActor(g.actors[k[1]]) {
			reports[k[0]] = append(reports[k[0]], t.trust[k])
		}
	}
	for c, rs := range reports {
		sort.Slice(rs, func(x, y int) bool { return g.actors[rs[x].y].ID < g.actors[rs[y].y].ID })
		cv := &CommunityValue{Community: g.actors[c], Relationships: []*domain.RelationshipFacts{}}
		sum := 0.0
		for _, r := range rs {
			sum += r.value
			cv.Relationships = append(cv.Relationships, r.rels...)
		}
		cv.Value = roundFigure(sum / float64(len(rs)))
		facts[c].trustInState = cv
	}
	// Each group costs its communities and pairs, the overall figures once more.
	if err := m.spend(2 * (len(comms) + len(g.pairs))); err != nil {
		return nil, err
	}
	out := g.contractOf(comms)
	return out, m.flush()
}

// contractOf is the figures over comms (in id order), overall and by
// region: named regions in order, then the communities without one.
func (g *Graph) contractOf(comms []*communityFacts) *contractTables {
	byRegion := map[string][]*communityFacts{}
	var names []string
	for _, f := range comms {
		r := g.actors[f.i].Region
		if byRegion[r] == nil {
			names = append(names, r)
		}
		byRegion[r] = append(byRegion[r], f)
	}
	sort.Slice(names, func(x, y int) bool {
		if (names[x] == "") != (names[y] == "") {
			return names[y] == ""
		}
		return names[x] < names[y]
	})
	out := &contractTables{overall: g.figures(nil, comms), regions: []*ContractFigures{}, comms: comms}
	for _, name := range names {
		var region *string
		if name != "" {
			region = &name
		}
		out.regions = append(out.regions, g.figures(region, byRegion[name]))
	}
	return out
}

// figures computes the six measures over comms (in id order).
func (g *Graph) figures(region *string, comms []*communityFacts) *ContractFigures {
	f := &ContractFigures{Region: region, Communities: len(comms),
		Responsiveness: CommunityShare{Shortfall: []*domain.Actor{}}, Representation: CommunityShare{Shortfall: []*domain.Actor{}},
		Participation: CommunityShare{Shortfall: []*domain.Actor{}}, Accountability: PairShare{Shortfall: []*PairStatus{}, g: g},
		Empowerment: CommunityMean{Counted: []CommunityValue{}}, TrustInState: CommunityMean{Counted: []CommunityValue{}}}
	share := func(s *CommunityShare, a *domain.Actor, met bool) {
		s.Denominator++
		if met {
			s.Numerator++
		} else {
			s.Shortfall = append(s.Shortfall, a)
		}
	}
	for _, c := range comms {
		a := g.actors[c.i]
		share(&f.Responsiveness, a, c.protected)
		share(&f.Representation, a, c.represented)
		share(&f.Participation, a, c.participates)
		for _, s := range c.pairs {
			f.Accountability.Denominator++
			if s.StrongestEnforceableRoute != nil {
				f.Accountability.Numerator++
			} else {
				f.Accountability.Shortfall = append(f.Accountability.Shortfall, s)
			}
		}
		if c.rightsAwareness != nil {
			f.Empowerment.Denominator++
			f.Empowerment.Numerator += *c.rightsAwareness
			f.Empowerment.Counted = append(f.Empowerment.Counted, CommunityValue{Community: a, Value: *c.rightsAwareness, Relationships: []*domain.RelationshipFacts{}})
		}
		if c.trustInState != nil {
			f.TrustInState.Denominator++
			f.TrustInState.Numerator += c.trustInState.Value
			f.TrustInState.Counted = append(f.TrustInState.Counted, *c.trustInState)
		}
	}
	// Sums of decimals, rounded as every figure is (1.23, not 1.2300000000000002).
	f.Empowerment.Numerator, f.TrustInState.Numerator = roundFigure(f.Empowerment.Numerator), roundFigure(f.TrustInState.Numerator)
	f.Responsiveness.Value = ratio(f.Responsiveness.Numerator, f.Responsiveness.Denominator)
	f.Representation.Value = ratio(f.Representation.Numerator, f.Representation.Denominator)
	f.Participation.Value = ratio(f.Participation.Numerator, f.Participation.Denominator)
	f.Accountability.Value = ratio(f.Accountability.Numerator, f.Accountability.Denominator)
	f.Empowerment.Value = ratio(f.Empowerment.Numerator, f.Empowerment.Denominator)
	f.TrustInState.Value = ratio(f.TrustInState.Numerator, f.TrustInState.Denominator)
	return f
}

// ratio is n/d in [0,1] (rounded as roundFigure does), or nil when d is 0.
func ratio(n float64, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := scoreOf(n / float64(d)) // in [0,1], rounded to 12 decimals
	return &v
}
