package analysis

import (
	"context"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Status is a pair's standing on one date.
type Status string

const (
	StatusOK        Status = "OK"
	StatusWeakRoute Status = "WEAK_ROUTE"
	StatusNoRoute   Status = "NO_ROUTE"
	StatusNoPower   Status = "NO_POWER" // the actor holds no power over the community that day
)

// DatedStatus is a pair's status on one date.
type DatedStatus struct {
	Status              Status
	HasEnforceableRoute bool
	BestStrength        float64
	pair                *PairStatus // nil for NO_POWER
}

// Change is a pair whose status changed between two dates, with the
// relationships that caused it.
type Change struct {
	Pair
	Before, After DatedStatus
	Causes        []*domain.RelationshipFacts
}

// Changes compares the pairs' statuses on two dates. before and after are
// the same workspace built as of from and to.
func Changes(ctx context.Context, before, after *Graph) ([]*Change, error) {
	rels := after.rels
	from, to := before.opts.AsOf, after.opts.AsOf
	if from.After(to) {
		return nil, errs.Invalidf("accountabilityChanges", "from", "from (%s) must not be after to (%s)", from, to)
	}
	b, err := before.datedStatuses(ctx)
	if err != nil {
		return nil, err
	}
	a, err := after.datedStatuses(ctx)
	if err != nil {
		return nil, err
	}
	keys := map[[2]string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []*Change
	for k := range keys {
		sb, sa := orNoPower(b[k]), orNoPower(a[k])
		if sb.Status == sa.Status && sb.HasEnforceableRoute == sa.HasEnforceableRoute {
			continue
		}
		c := &Change{Before: sb, After: sa}
		// An actor created between the two reads exists only in after.
		c.Community, c.PowerHolder = actorIn(k[0], before, after), actorIn(k[1], before, after)
		c.Causes = causes(from, to, rels, sb.pair, sa.pair)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Community.ID != out[j].Community.ID {
			return out[i].Community.ID < out[j].Community.ID
		}
		return out[i].PowerHolder.ID < out[j].PowerHolder.ID
	})
	return out, nil
}

func orNoPower(s *DatedStatus) DatedStatus {
	if s == nil {
		return DatedStatus{Status: StatusNoPower}
	}
	return *s
}

func (g *Graph) datedStatuses(ctx context.Context) (map[[2]string]*DatedStatus, error) {
	statuses, err := g.allStatuses(ctx, "accountabilityChanges", 1)
	if err != nil {
		return nil, err
	}
	out := map[[2]string]*DatedStatus{}
	for _, s := range statuses {
		d := &DatedStatus{Status: StatusOK, HasEnforceableRoute: s.StrongestEnforceableRoute != nil, BestStrength: s.BestStrength(), pair: s}
		if kind, isGap := s.Gap(g.opts.Threshold); isGap {
			d.Status = Status(kind)
		}
		out[[2]string{s.Community.ID, s.PowerHolder.ID}] = d
	}
	return out, nil
}

// causes are the relationships whose validFrom or validTo falls after from
// and on or before to, and that are among the pair's power relationships
// or on its best or strongest enforceable route on either date.
func causes(from, to domain.Date, rels []*domain.RelationshipFacts, statuses ...*PairStatus) []*domain.RelationshipFacts {
	involved := map[string]bool{}
	for _, s := range statuses {
		if s == nil {
			continue
		}
		for _, r := range s.PowerRelationships {
			involved[r.ID] = true
		}
		for _, rt := range []*Route{s.BestRoute(), s.StrongestEnforceableRoute} {
			if rt != nil {
				for _, st := range rt.Steps {
					involved[st.Rel.ID] = true
				}
			}
		}
	}
	between := func(d *domain.Date) bool { return d != nil && d.After(from) && !d.After(to) }
	var out []*domain.RelationshipFacts
	for _, r := range rels {
		if involved[r.ID] && (between(r.ValidFrom) || between(r.ValidTo)) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func actorIn(id string, gs ...*Graph) *domain.Actor {
	for _, g := range gs {
		if a := g.Actor(id); a != nil {
			return a
		}
	}
	return nil
}
