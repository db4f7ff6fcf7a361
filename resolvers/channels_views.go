package resolvers

import (
	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/graph/model"
)

func stepViews(g *analysis.Graph, steps []analysis.Step, recs *records) []*model.RouteStep {
	out := make([]*model.RouteStep, len(steps))
	for i, s := range steps {
		out[i] = &model.RouteStep{From: g.ActorAt(s.From).Typed(), To: g.ActorAt(s.To).Typed(),
			Relationship: recs.rel(s.Rel), Strength: s.Strength, Enforcement: s.Enforcement}
	}
	return out
}

func actorViews(as []*domain.Actor) []domain.ActorNode {
	out := make([]domain.ActorNode, len(as))
	for i, a := range as {
		out[i] = a.Typed()
	}
	return out
}

func channelsView(g *analysis.Graph, c *analysis.CommunityChannels, recs *records) *model.CommunityChannels {
	return &model.CommunityChannels{
		Community: &domain.Community{Actor: c.Community}, Status: model.ChannelStatus(c.Status),
		Steps: stepViews(g, c.Steps, recs), Channels: actorViews(c.Channels), AbsentState: c.AbsentState,
		StateProviders: actorViews(c.StateProviders), SecurityRelationships: recs.rels(c.Security),
	}
}
