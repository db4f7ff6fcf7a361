package analysis

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// GapKind says why a pair is a gap.
type GapKind string

const (
	NoRoute   GapKind = "NO_ROUTE"   // the community has no route to the power holder
	WeakRoute GapKind = "WEAK_ROUTE" // its strongest route is weaker than the threshold
)

// Weights of the power relationships in exposure: a threat weighs more
// than dependence on protection.
const (
	threatWeight     = 1.0
	protectionWeight = 0.6
	noTrust          = 0.5 // the trust assumed when a community reports none
)

// PairStatus is how one community stands towards one power holder.
type PairStatus struct {
	Community, PowerHolder *domain.Actor
	PowerRelationships     []*domain.RelationshipFacts
	TrustRelationships     []*domain.RelationshipFacts
	Exposure, Distrust     float64
	// Routes are the strongest routes (up to three), strongest first.
	Routes                    []Route
	StrongestEnforceableRoute *Route
}

// BestRoute is the strongest route, or nil.
func (s *PairStatus) BestRoute() *Route {
	if len(s.Routes) == 0 {
		return nil
	}
	return &s.Routes[0]
}

// BestStrength is the strongest route's strength (0 when there is none).
func (s *PairStatus) BestStrength() float64 {
	if r := s.BestRoute(); r != nil {
		return r.Strength
	}
	return 0
}

// Severity is exposure × (0.5 + 0.5 × distrust) × (1 − best), in [0,1].
func (s *PairStatus) Severity() float64 { return severity(s.Exposure, s.Distrust, s.BestStrength()) }

func severity(exposure, distrust, best float64) float64 {
	return exposure * (0.5 + 0.5*distrust) * (1 - best)
}

// Gap returns the pair's gap kind under threshold, and false when the pair
// is not a gap.
func (s *PairStatus) Gap(threshold float64) (GapKind, bool) {
	switch best := s.BestStrength(); {
	case s.BestRoute() == nil:
		return NoRoute, true
	case best < threshold:
		return WeakRoute, true
	}
	return "", false
}

// Gap is a pair with no route or only weak ones.
type Gap struct {
	*PairStatus
	Kind     GapKind
	Severity float64
}

// exposure = 1 − Π(1 − w·s) over the pair's power relationships.
func exposure(power []*domain.RelationshipFacts) float64 {
	keep := 1.0
	for _, r := range power {
		w := protectionWeight
		if r.Type == domain.Threatens {
			w = threatWeight
		}
		keep *= 1 - w*r.Strength
	}
	return 1 - keep
}

// distrust = 1 − the mean strength of the community's trust in the power
// holder over all segments (0.5 when it reports none).
func distrust(trust []*domain.RelationshipFacts) float64 {
	if len(trust) == 0 {
		return 1 - noTrust
	}
	sum := 0.0
	for _, r := range trust {
		sum += r.Strength
	}
	return 1 - sum/float64(len(trust))
}

// analyzer holds the per-target tables while statuses are computed; it
// reuses one dense table for every power holder.
type analyzer struct {
	g *Graph
	t *table
}

func (g *Graph) newAnalyzer() *analyzer {
	return &analyzer{g: g, t: newTable(len(g.actors), g.opts.MaxHops)}
}

// allStatuses is the status of every pair with k routes each, computed
// once per projection, hops and k (a threshold only decides which of them
// are gaps, so every threshold shares them).
func (g *Graph) allStatuses(ctx context.Context, op string, k int) ([]*PairStatus, error) {
	return memoize(ctx, g, op, fmt.Sprintf("statuses %d %d", g.opts.MaxHops, k), func() ([]*PairStatus, error) {
		m := newMeter(ctx, op)
		if err := m.check(); err != nil {
			return nil, err
		}
		st, err := g.statuses(ctx, m, g.pairs, k)
		if err != nil {
			return nil, err
		}
		return st, m.flush()
	})
}

// statuses computes the status of every pair, grouped by power holder so
// that each holder's table is computed once, the holders on every core
// (each worker with a table of its own; at 100,000 actors this is most of
// the gaps' time). k is how many routes to keep.
func (g *Graph) statuses(ctx context.Context, m *meter, pairs []pair, k int) ([]*PairStatus, error) {
	byHolder := map[int][]int{} // holder → its pairs' indexes
	var holders []int
	for i, p := range pairs {
		if _, ok := byHolder[p.p]; !ok {
			holders = append(holders, p.p)
		}
		byHolder[p.p] = append(byHolder[p.p], i)
	}
	res := make([]*PairStatus, len(pairs))
	err := onEveryCore(ctx, m, len(holders), func() func(wm *meter, j int) error {
		a := g.newAnalyzer()
		return func(wm *meter, j int) error {
			if err := a.t.compute(wm, g, holders[j], false); err != nil {
				return err
			}
			for _, i := range byHolder[holders[j]] {
				s, err := a.status(wm, pairs[i], k)
				if err != nil {
					return err
				}
				res[i] = s
			}
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// status computes one pair's status; a.t must be computed for p.p.
func (a *analyzer) status(m *meter, p pair, k int) (*PairStatus, error) {
	g := a.g
	s := &PairStatus{Community: g.actors[p.c], PowerHolder: g.actors[p.p],
		PowerRelationships: g.power[p], TrustRelationships: g.trust[p]}
	s.Exposure, s.Distrust = exposure(s.PowerRelationships), distrust(s.TrustRelationships)
	var err error
	if s.Routes, err = g.search(m, p.c, a.t, k, false); err != nil {
		return nil, err
	}
	for i := range s.Routes {
		if s.Routes[i].Enforceable {
			r := s.Routes[i]
			s.StrongestEnforceableRoute = &r
			break
		}
	}
	if s.StrongestEnforceableRoute == nil {
		rs, err := g.search(m, p.c, a.t, 1, true)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			s.StrongestEnforceableRoute = &rs[0]
		}
	}
	return s, nil
}

// GapFilter selects gaps.
type GapFilter struct {
	Region      *string   // the community's region
	Kinds       []GapKind // empty: both
	MinSeverity float64
}

// Gaps returns every gap, most severe first (then by community and power
// holder id, so the order is total and cursors are stable). The full list
// is computed once per projection, hops and threshold, and filtered on
// each call.
func (g *Graph) Gaps(ctx context.Context, f GapFilter) ([]*Gap, error) {
	const op = "accountabilityGaps"
	if !inUnit(f.MinSeverity) {
		return nil, errs.Invalidf(op, "minSeverity", "minSeverity must be a number between 0 and 1, got %v", f.MinSeverity)
	}
	all, err := g.allGaps(ctx, op)
	if err != nil {
		return nil, err
	}
	var out []*Gap
	for _, gap := range all {
		if (f.Region == nil || gap.Community.Region == *f.Region) && kindWanted(gap.Kind, f.Kinds) && gap.Severity >= f.MinSeverity {
			out = append(out, gap)
		}
	}
	return out, nil
}

// allGaps is every gap under the graph's hops and threshold, sorted.
func (g *Graph) allGaps(ctx context.Context, op string) ([]*Gap, error) {
	return memoize(ctx, g, op, fmt.Sprintf("gaps %d %v", g.opts.MaxHops, g.opts.Threshold), func() ([]*Gap, error) {
		statuses, err := g.allStatuses(ctx, op, 1)
		if err != nil {
			return nil, err
		}
		var gaps []*Gap
		for _, s := range statuses {
			if kind, isGap := s.Gap(g.opts.Threshold); isGap {
				gaps = append(gaps, &Gap{PairStatus: s, Kind: kind, Severity: s.Severity()})
			}
		}
		SortGaps(gaps)
		return gaps, nil
	})
}

// SortGaps orders gaps most severe first, then by community and power holder id.
func SortGaps(gs []*Gap) {
	sort.SliceStable(gs, func(i, j int) bool { return GapLess(gs[i], gs[j]) })
}

// GapLess is the order of SortGaps.
func GapLess(a, b *Gap) bool {
	if math.Abs(a.Severity-b.Severity) > eps {
		return a.Severity > b.Severity
	}
	if a.Community.ID != b.Community.ID {
		return a.Community.ID < b.Community.ID
	}
	return a.PowerHolder.ID < b.PowerHolder.ID
}

// gapCursor is a gap's position in the gap order: its severity and ids.
type gapCursor struct {
	Severity    float64 `json:"s"`
	Community   string  `json:"c"`
	PowerHolder string  `json:"p"`
}

// GapCursor is a keyset cursor for a gap (base64url JSON, opaque to clients).
func GapCursor(g *Gap) string {
	return encodeCursor(gapCursor{g.Severity, g.Community.ID, g.PowerHolder.ID})
}

// GapsAfter returns the gaps that come after the cursor's position in the
// gap order. The list is computed afresh for every page, so a gap that
// appeared meanwhile takes its place by severity; none is repeated.
func GapsAfter(gaps []*Gap, cursor string) ([]*Gap, error) {
	if cursor == "" {
		return gaps, nil
	}
	var c gapCursor
	if err := decodeCursor("accountabilityGaps", cursor, &c, func() bool { return c.Community != "" && c.PowerHolder != "" }); err != nil {
		return nil, err
	}
	pos := &Gap{PairStatus: &PairStatus{Community: &domain.Actor{ID: c.Community}, PowerHolder: &domain.Actor{ID: c.PowerHolder}}, Severity: c.Severity}
	i := sort.Search(len(gaps), func(i int) bool { return GapLess(pos, gaps[i]) })
	return gaps[i:], nil
}

// Enum plumbing for GraphQL: GapKind and Status are the schema's GapKind
// and AccountabilityStatus.

func (k GapKind) MarshalGQL(w io.Writer) { marshalKind(w, k) }
func (k *GapKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalKind(v, "gap kind", []GapKind{NoRoute, WeakRoute})
	return err
}

func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }
func (s *Status) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	switch Status(str) {
	case StatusOK, StatusWeakRoute, StatusNoRoute, StatusNoPower:
		*s = Status(str)
		return nil
	}
	return errs.Invalidf("", "status", "%q is not a status", str)
}
