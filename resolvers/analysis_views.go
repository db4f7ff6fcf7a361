package resolvers

import (
	"context"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/graph/model"
	"github.com/actorgraph/actorgraph/loaders"
)

// beginAnalysis takes an analysis slot for op (analysis.Engine.Begin:
// the request's share, under its work budget) and builds the projection
// the analysis reads; the caller calls done when the analysis is over.
func (r *Resolver) beginAnalysis(ctx context.Context, op, ws string, asOf *domain.Date, minConfidence, threshold *float64, maxHops *int) (context.Context, *analysis.Graph, func(), error) {
	ctx, done, err := r.Analysis.Begin(ctx, op)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := r.analysisGraph(ctx, ws, asOf, minConfidence, threshold, maxHops)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return ctx, g, done, nil
}

// analysisGraph checks the common analysis arguments and returns the
// workspace's projection under them.
func (r *Resolver) analysisGraph(ctx context.Context, ws string, asOf *domain.Date, minConfidence, threshold *float64, maxHops *int) (*analysis.Graph, error) {
	opts, err := analysisOptions(asOf, minConfidence, threshold, maxHops)
	if err != nil {
		return nil, err
	}
	return r.Analysis.Graph(ctx, ws, opts)
}

// analysisOptions checks the common analysis arguments.
func analysisOptions(asOf *domain.Date, minConfidence, threshold *float64, maxHops *int) (analysis.Options, error) {
	opts := analysis.Options{Threshold: analysis.DefaultThreshold}
	if asOf != nil {
		opts.AsOf = *asOf
	}
	if minConfidence != nil {
		opts.MinConfidence = *minConfidence
	}
	if threshold != nil {
		opts.Threshold = *threshold
	}
	if maxHops != nil {
		if *maxHops < 1 || *maxHops > analysis.MaxMaxHops {
			return opts, errs.Invalidf("analysis", "maxHops", "maxHops must be between 1 and %d, got %d", analysis.MaxMaxHops, *maxHops)
		}
		opts.MaxHops = *maxHops
	}
	return opts.Normalize()
}

// actorOfWorkspace checks that id names an actor of the workspace: an
// unknown id is NOT_FOUND, an actor of another workspace BAD_USER_INPUT.
func actorOfWorkspace(ctx context.Context, ws, field, id string) (*domain.Actor, error) {
	a, err := loadOne(ctx, loaders.For(ctx).Actors, id)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errs.NotFoundf(field, "%s: no actor has id %q", field, id)
	}
	if a.WorkspaceID != ws {
		return nil, errs.Invalidf(field, field, "%s: actor %q belongs to another workspace", field, id)
	}
	return a, nil
}

// The views below show an analysis's answer; the relationships they show
// come from recs, which the resolver loads once the views are built (see
// records).

func routeView(g *analysis.Graph, rt *analysis.Route, recs *records) *model.AccountabilityRoute {
	if rt == nil {
		return nil
	}
	v := &model.AccountabilityRoute{Strength: rt.Strength, Hops: rt.Hops(), Enforceable: rt.Enforceable,
		Relationships: recs.rels(rt.Relationships())}
	actors := rt.Actors(g)
	for _, a := range actors {
		v.Actors = append(v.Actors, a.Typed())
	}
	for i, s := range rt.Steps {
		v.Steps = append(v.Steps, &model.RouteStep{From: actors[i].Typed(), To: actors[i+1].Typed(),
			Relationship: recs.rel(s.Rel), Strength: s.Strength, Enforcement: s.Enforcement})
	}
	return v
}

func routeViews(g *analysis.Graph, rs []analysis.Route, recs *records) []*model.AccountabilityRoute {
	out := make([]*model.AccountabilityRoute, len(rs))
	for i := range rs {
		out[i] = routeView(g, &rs[i], recs)
	}
	return out
}

// gapView shows a gap with everything behind it; actors and relationships
// gather, without repeats, all that the gap's parts mention.
func gapView(g *analysis.Graph, gp *analysis.Gap, recs *records) *model.AccountabilityGap {
	v := &model.AccountabilityGap{
		Community: &domain.Community{Actor: gp.Community}, PowerHolder: gp.PowerHolder.Typed(), Kind: gp.Kind,
		Severity: gp.Severity, Exposure: gp.Exposure, Distrust: gp.Distrust,
		PowerRelationships: recs.rels(gp.PowerRelationships), TrustRelationships: recs.rels(gp.TrustRelationships),
		BestRoute: routeView(g, gp.BestRoute(), recs), HasEnforceableRoute: gp.StrongestEnforceableRoute != nil,
		StrongestEnforceableRoute: routeView(g, gp.StrongestEnforceableRoute, recs),
	}
	seenA, seenR := map[string]bool{}, map[string]bool{}
	addA := func(a *domain.Actor) {
		if !seenA[a.ID] {
			seenA[a.ID] = true
			v.Actors = append(v.Actors, a.Typed())
		}
	}
	addR := func(rs []*domain.RelationshipFacts) {
		for _, r := range rs {
			if !seenR[r.ID] {
				seenR[r.ID] = true
				v.Relationships = append(v.Relationships, recs.rel(r))
			}
		}
	}
	addA(gp.Community)
	addA(gp.PowerHolder)
	addR(gp.PowerRelationships)
	addR(gp.TrustRelationships)
	for _, rt := range []*analysis.Route{gp.BestRoute(), gp.StrongestEnforceableRoute} {
		if rt != nil {
			for _, a := range rt.Actors(g) {
				addA(a)
			}
			addR(rt.Relationships())
		}
	}
	return v
}

// nonNil is rs, or an empty list for none (GraphQL's [Relationship!]!).
func nonNil(rs []*domain.Relationship) []*domain.Relationship {
	if rs == nil {
		return []*domain.Relationship{}
	}
	return rs
}

func closureView(g *analysis.Graph, c *analysis.Closure, recs *records) *model.GapClosure {
	v := &model.GapClosure{
		Relationship:    &model.ProposedRelationship{Type: c.Type, From: c.From.Typed(), To: c.To.Typed(), Strength: c.Strength},
		SeverityRemoved: c.SeverityRemoved,
	}
	for _, ch := range c.Closes {
		gc := &model.GapChange{Gap: gapView(g, ch.Gap, recs), SeverityBefore: ch.Gap.Severity, SeverityAfter: ch.SeverityAfter,
			BestStrengthAfter: ch.BestAfter, Closed: ch.KindAfter == ""}
		if ch.KindAfter != "" {
			k := ch.KindAfter
			gc.KindAfter = &k
		}
		v.Closes = append(v.Closes, gc)
	}
	return v
}

func pairView(p analysis.Pair) *model.CommunityPowerPair {
	return &model.CommunityPowerPair{Community: &domain.Community{Actor: p.Community}, PowerHolder: p.PowerHolder.Typed()}
}

func statusView(s analysis.DatedStatus) *model.PairStatus {
	return &model.PairStatus{Status: s.Status, HasEnforceableRoute: s.HasEnforceableRoute, BestStrength: s.BestStrength}
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func floatOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
