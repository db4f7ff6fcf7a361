package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// Neo4j caches a plan under a statement's text and the types of its
// parameters (with the order of magnitude of a string's or a list's
// length). A list statement built from a filter must give Neo4j the same
// key whatever the filter sets, or each combination is planned afresh
// (seconds for ListRelationships): same text, same parameter names, and
// top-level parameters of the same types, the filter's values inside the
// one map $q.

// planKey is what of a statement Neo4j's plan cache tells apart.
func planKey(cypher string, params map[string]any) string {
	var b strings.Builder
	b.WriteString(cypher)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		fmt.Fprintf(&b, "\n$%s: %T", k, params[k])
		if s, ok := params[k].(string); ok {
			fmt.Fprintf(&b, " of length %d", len(s))
		}
	}
	return b.String()
}

func TestRelationshipListStatementIsTheSameForEveryFilter(t *testing.T) {
	t.Parallel()
	queries := map[string]RelationshipQuery{
		"no filter": {PageArgs: PageArgs{First: 10}},
		"types and strength": {Filter: domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Trusts, domain.Influences},
			MinStrength: new(0.5)}, PageArgs: PageArgs{First: 10}},
		"every field": {Filter: domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Controls},
			From: new("act_01"), To: new("act_02"), MinStrength: new(0.1), MinConfidence: new(0.2),
			PerceivedBy: new("women of the northern district markets"), ValidAt: new(domaintest.Date("2021-06-01")),
			CustomAttributes: []domain.CustomFilter{{Key: "wave"}, {Key: "fatalities", Value: new("12")}}},
			PageArgs: PageArgs{First: 50}},
	}
	afters := map[string]string{"no filter": "", "types and strength": "rel_01ABC", "every field": ""}
	var want, first string
	for name, q := range queries {
		cypher, params := relListStatement("wsp_01", q, afters[name])
		if want == "" {
			want, first = planKey(cypher, params), name
			continue
		}
		if got := planKey(cypher, params); got != want {
			t.Errorf("%q and %q give Neo4j different statements to plan:\n%s\n----\n%s", first, name, want, got)
		}
	}
	cypher, params := relListStatement("wsp_01", queries["every field"], "")
	for _, v := range []string{"act_01", "women", "2021", "0.1", "wave", "fatalities"} {
		if strings.Contains(cypher, v) {
			t.Errorf("a filter value, %q, is in the statement's text", v)
		}
	}
	for _, typ := range relTypes {
		if wanted := params["want_"+string(typ)]; wanted != (typ == domain.Controls) {
			t.Errorf("want_%s = %v with a filter on CONTROLS alone", typ, wanted)
		}
	}
}

// The actor lists' statements are one text for every filter, but for two
// cases that seek an index of their own (actorSeekOf): a region's actors
// by name, in one text for every filter that names a region, and an
// external id's actor, in one text for every filter that names one.
func TestActorListStatementIsTheSameForEveryFilter(t *testing.T) {
	t.Parallel()
	families := map[string][]domain.ActorFilter{
		"with neither": {
			{},
			{Tags: []string{"rural"}, Search: new("village of the long valley")},
			{CustomAttributes: []domain.CustomFilter{{Key: "survey wave"}, {Key: "armed", Value: new("true")}}},
		},
		"with a region": {
			{Kinds: []domain.ActorKind{domain.KindCommunity, domain.KindMovement}, Region: new("North")},
			{Region: new("South"), Tags: []string{"rural"}, CustomAttributes: []domain.CustomFilter{{Key: "armed", Value: new("true")}}},
		},
		"with an external id": {
			{ExternalID: new("X-1")},
			{ExternalID: new("X-2"), Region: new("North"), Search: new("village")},
		},
	}
	for _, order := range []domain.ActorOrder{{Field: domain.OrderByName, Direction: domain.Asc}, {Field: domain.OrderByCreatedAt, Direction: domain.Desc}} {
		ord := actorOrderOf(order)
		for _, c := range []*cursor{nil, {Key: "2024-05-01T10:00:00Z", ID: "act_01"}} {
			texts := map[string]string{}
			for family, filters := range families {
				for i, f := range filters {
					cypher, params, err := actorListStatement("wsp_01", ActorQuery{Filter: f, Order: order, PageArgs: PageArgs{First: 20}}, ord, c)
					if err != nil {
						t.Fatal(err)
					}
					got := planKey(cypher, params)
					if i == 0 {
						texts[family] = got
					} else if got != texts[family] {
						t.Errorf("order %v, cursor %v, %s: filters %d and 0 give Neo4j different statements to plan:\n%s\n----\n%s", order, c != nil, family, i, texts[family], got)
					}
				}
			}
			same := texts["with a region"] == texts["with neither"]
			if byName := order.Field == domain.OrderByName; same == byName {
				t.Errorf("order %v, cursor %v: a region's list and the others' have the same statement: %v, want %v", order, c != nil, same, !byName)
			}
			if texts["with an external id"] == texts["with neither"] || texts["with an external id"] == texts["with a region"] {
				t.Errorf("order %v, cursor %v: an external id's list has another list's statement", order, c != nil)
			}
		}
	}
}

// Parameters a statement does not use would split its plan too: an unused
// $wss, a list, would have it planned again for callers of one workspace,
// of a few, of many.
func TestScopeGivesOnlyTheParametersAStatementUses(t *testing.T) {
	t.Parallel()
	ctx := domain.WithCaller(context.Background(), &domain.Caller{Subject: "editor",
		Grants: map[string]domain.Grant{"wsp_1": {Role: domain.Editor, Clearance: domain.Confidential}}})
	for cypher, want := range map[string][]string{
		"MATCH (a:Actor) WHERE " + visible("a") + " RETURN a":              {"all", "vis"},
		"MATCH (w:Workspace) WHERE " + visibleWorkspace("w") + " RETURN w": {"all", "wss"},
		"RETURN 1": nil,
	} {
		params, err := scope(ctx, cypher, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(maps.Keys(params)); !slices.Equal(got, want) {
			t.Errorf("%s: given %v, want %v", cypher, got, want)
		}
	}
}
