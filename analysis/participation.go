package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// ParticipationReason says why no women-led actor reaches a target within
// maxHops (docs/analysis.md, "Participation gaps").
type ParticipationReason string

// The participation gap reasons.
const (
	// NoWomenLedActor: the (visible) map has no women-led actor at all.
	NoWomenLedActor ParticipationReason = "NO_WOMEN_LED_ACTOR"
	// NoParticipationRoute: no women-led actor has a route to the target
	// within MaxMaxHops steps.
	NoParticipationRoute ParticipationReason = "NO_ROUTE"
	// BeyondLimit: the nearest women-led actor needs more than maxHops
	// steps (and at most MaxMaxHops).
	BeyondLimit ParticipationReason = "BEYOND_LIMIT"
)

// ParticipationTargetKinds are the kinds of actor participationGaps
// examines (both by default).
var ParticipationTargetKinds = []domain.ActorKind{domain.KindStateInstitution, domain.KindCustomaryAuthority}

// ParticipationGap is a state institution or customary authority that no
// women-led actor reaches by a leverage route within maxHops.
type ParticipationGap struct {
	Target *domain.Actor
	Reason ParticipationReason
	// Nearest is, for BEYOND_LIMIT, the women-led actor with the fewest
	// steps to Target (ties: the stronger best route, then the smaller
	// actor id); Hops is that number of steps and BestRoute its strongest
	// route of that many steps. Nil and 0 for the other reasons.
	Nearest   *domain.Actor
	Hops      int
	BestRoute *Route
}

// farness orders gaps: a target no women-led actor reaches at all comes
// before every BEYOND_LIMIT one, and those by hops, farthest first.
func (p *ParticipationGap) farness() int {
	if p.Reason == BeyondLimit {
		return p.Hops
	}
	return MaxMaxHops + 1
}

func (p *ParticipationGap) strength() float64 {
	if p.BestRoute == nil {
		return 0
	}
	return p.BestRoute.Strength
}

// IsWomenLed reports whether a is a women-led actor: a MOVEMENT or a
// CIVIL_SOCIETY organisation with womenLed true (absent is not known to be
// women-led, and does not count).
func IsWomenLed(a *domain.Actor) bool {
	return (a.Kind == domain.KindMovement || a.Kind == domain.KindCivilSociety) && a.WomenLed != nil && *a.WomenLed
}

// ParticipationFilter selects participation gaps.
type ParticipationFilter struct {
	Region *string            // only targets of this region
	Kinds  []domain.ActorKind // nil: ParticipationTargetKinds; otherwise a non-empty subset of them
	// Frameworks: only gaps where the target, the nearest women-led actor,
	// or an actor or relationship of its best route carries one (empty:
	// every gap).
	Frameworks []domain.Framework
}

// participationReach is, for every actor v, the fewest leverage steps
// from any women-led actor to v (dist, -1 beyond MaxMaxHops or never),
// and among the women-led actors that need that few, the one whose
// strongest route of that many steps is strongest (ties: the smaller
// actor id): src, best, and the last step of that route (pred; -1 at a
// women-led actor itself). One multi-source breadth-first search gives
// it all: a route of dist[v] steps from the nearest women-led actors only
// passes actors at distances 1, 2, ... in turn (an actor at step i of it
// is at distance i, or v would be nearer), so the strongest such routes
// are found by relaxing, level by level, only the steps from level i to
// level i+1.
type participationReach struct {
	anyWomenLed bool
	dist        []int8
	src         []int32
	best        []float64
	pred        []int32
}

// participationReach computes the reach once per projection (it does not
// depend on maxHops: gaps for any maxHops read it).
func (g *Graph) participationReach(ctx context.Context, op string) (*participationReach, error) {
	return memoize(ctx, g, op, "participation reach", func() (*participationReach, error) {
		m := newMeter(ctx, op)
		if err := m.check(); err != nil {
			return nil, err
		}
		n := len(g.actors)
		r := &participationReach{dist: make([]int8, n), src: make([]int32, n), best: make([]float64, n), pred: make([]int32, n)}
		var frontier []int32
		for i, a := range g.actors {
			if err := m.spend(1); err != nil {
				return nil, err
			}
			r.dist[i], r.src[i], r.pred[i] = -1, -1, -1
			if IsWomenLed(a) {
				r.anyWomenLed = true
				r.dist[i], r.src[i], r.best[i] = 0, int32(i), 1
				frontier = append(frontier, int32(i))
			}
		}
		for d := 1; d <= MaxMaxHops && len(frontier) > 0; d++ {
			var next []int32
			for _, u := range frontier {
				if err := m.spend(1 + len(g.out[u])); err != nil {
					return nil, err
				}
				for _, si := range g.out[u] {
					st := &g.steps[si]
					v := int(st.To)
					if r.dist[v] == -1 {
						r.dist[v] = int8(d)
						next = append(next, st.To)
					}
					if int(r.dist[v]) != d {
						continue // not a step from level d-1 to level d
					}
					if r.better(g, r.best[u]*st.Strength, r.src[u], si, v) {
						r.best[v], r.src[v], r.pred[v] = r.best[u]*st.Strength, r.src[u], si
					}
				}
			}
			frontier = next
		}
		return r, m.flush()
	})
}

// better reports whether reaching v with strength s from women-led actor
// src through step si beats what v holds: stronger (beyond eps), then the
// smaller women-led actor id, then the smaller step (relationship id
// order: steps are made in it), so that ties between equally strong
// routes go to the one whose last relationship id is smallest, then the
// one before it, and so on.
func (r *participationReach) better(g *Graph, s float64, src int32, si int32, v int) bool {
	if r.pred[v] == -1 {
		return true
	}
	if math.Abs(s-r.best[v]) > eps {
		return s > r.best[v]
	}
	if src != r.src[v] {
		return g.actors[src].ID < g.actors[r.src[v]].ID
	}
	return si < r.pred[v]
}

// route is the strongest route of dist[v] steps from src[v] to v.
func (r *participationReach) route(g *Graph, v int) *Route {
	var steps []Step
	for x := v; r.pred[x] != -1; x = int(g.steps[r.pred[x]].From) {
		steps = append(steps, g.steps[r.pred[x]])
	}
	slices.Reverse(steps)
	rt := &Route{Steps: steps, Strength: 1}
	for _, s := range steps {
		rt.Strength *= s.Strength
		rt.Enforceable = rt.Enforceable || s.Enforcement
	}
	return rt
}

// ParticipationGaps returns the state institutions and customary
// authorities (those of f) that no women-led actor reaches by a leverage
// route within the graph's MaxHops, most out of reach first: those no
// women-led actor reaches at all, then by the nearest one's hops (most
// first), then by its best route's strength (weakest first), then by
// target id (see ParticipationGapCursor).
func (g *Graph) ParticipationGaps(ctx context.Context, f ParticipationFilter) ([]*ParticipationGap, error) {
	const op = "participationGaps"
	kinds := f.Kinds
	if kinds == nil {
		kinds = ParticipationTargetKinds
	}
	if len(kinds) == 0 {
		return nil, errs.Invalidf(op, "kinds", "kinds must name STATE_INSTITUTION, CUSTOMARY_AUTHORITY or both (or be left out for both)")
	}
	for _, k := range kinds {
		if !slices.Contains(ParticipationTargetKinds, k) {
			return nil, errs.Invalidf(op, "kinds", "kinds may only be STATE_INSTITUTION and CUSTOMARY_AUTHORITY (the actors women's participation is about), got %s", k)
		}
	}
	hops := g.opts.MaxHops
	all, err := memoize(ctx, g, op, fmt.Sprintf("participation gaps %d", hops), func() ([]*ParticipationGap, error) {
		r, err := g.participationReach(ctx, op)
		if err != nil {
			return nil, err
		}
		m := newMeter(ctx, op)
		var out []*ParticipationGap
		for i, a := range g.actors {
			if err := m.spend(1); err != nil {
				return nil, err
			}
			if !slices.Contains(ParticipationTargetKinds, a.Kind) {
				continue
			}
			d := int(r.dist[i])
			switch {
			case !r.anyWomenLed:
				out = append(out, &ParticipationGap{Target: a, Reason: NoWomenLedActor})
			case d == -1:
				out = append(out, &ParticipationGap{Target: a, Reason: NoParticipationRoute})
			case d > hops:
				if err := m.spend(d); err != nil {
					return nil, err
				}
				out = append(out, &ParticipationGap{Target: a, Reason: BeyondLimit, Nearest: g.actors[r.src[i]], Hops: d, BestRoute: r.route(g, i)})
			}
		}
		sort.Slice(out, func(i, j int) bool { return participationLess(out[i], out[j]) })
		return out, m.flush()
	})
	if err != nil {
		return nil, err
	}
	m := newMeter(ctx, op)
	var out []*ParticipationGap
	for _, p := range all {
		if err := m.spend(1); err != nil {
			return nil, err
		}
		if slices.Contains(kinds, p.Target.Kind) && (f.Region == nil || p.Target.Region == *f.Region) && p.carries(g, f.Frameworks) {
			out = append(out, p)
		}
	}
	return out, m.flush()
}

func participationLess(a, b *ParticipationGap) bool {
	if fa, fb := a.farness(), b.farness(); fa != fb {
		return fa > fb
	}
	if sa, sb := a.strength(), b.strength(); sa != sb {
		return sa < sb
	}
	return a.Target.ID < b.Target.ID
}

type participationCursor struct {
	Farness  int     `json:"f"`
	Strength float64 `json:"s"`
	Target   string  `json:"t"`
}

// ParticipationGapCursor is a keyset cursor for a participation gap
// (base64url JSON, opaque to clients): its place in the order.
func ParticipationGapCursor(p *ParticipationGap) string {
	return encodeCursor(participationCursor{p.farness(), p.strength(), p.Target.ID})
}

// ParticipationGapsAfter returns the gaps after the cursor's position in
// the order.
func ParticipationGapsAfter(gaps []*ParticipationGap, cursor string) ([]*ParticipationGap, error) {
	if cursor == "" {
		return gaps, nil
	}
	var c participationCursor
	if err := decodeCursor("participationGaps", cursor, &c, func() bool {
		return c.Target != "" && c.Farness >= 1 && c.Farness <= MaxMaxHops+1 && inUnit(c.Strength)
	}); err != nil {
		return nil, err
	}
	// A position: a gap with the cursor's sort key (only farness,
	// strength and id matter to the order).
	pos := &ParticipationGap{Target: &domain.Actor{ID: c.Target}, Reason: BeyondLimit, Hops: c.Farness, BestRoute: &Route{Strength: c.Strength}}
	if c.Farness > MaxMaxHops {
		pos.Reason, pos.Hops, pos.BestRoute = NoParticipationRoute, 0, nil
	}
	i := sort.Search(len(gaps), func(i int) bool { return participationLess(pos, gaps[i]) })
	return gaps[i:], nil
}

// carries reports whether the gap's target, its nearest women-led actor,
// or an actor or relationship of its best route carries one of frameworks
// (true when none are asked for).
func (p *ParticipationGap) carries(g *Graph, frameworks []domain.Framework) bool {
	if len(frameworks) == 0 {
		return true
	}
	actors := []*domain.Actor{p.Target, p.Nearest}
	var rels []*domain.RelationshipFacts
	if p.BestRoute != nil {
		actors = append(actors, p.BestRoute.Actors(g)...)
		rels = p.BestRoute.Relationships()
	}
	return carriesAny(frameworks, actors, rels)
}
