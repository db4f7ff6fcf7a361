package httpapi_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// trustGaps through GraphQL on a small map made here (the demo map gains
// its cases later).

type trustGapJSON struct {
	Kind     string
	Score    float64
	From, To struct{ ID string }
	Values   []struct {
		Actor         struct{ ID string }
		Segment       *string
		Value         float64
		Relationships []struct{ ID string }
	}
	Actors        []struct{ ID string }
	Relationships []struct{ ID string }
}

const trustGapQuery = `query($ws: ID!, $after: String, $first: Int) { workspace(id: $ws) { trustGaps(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { kind score from { id } to { id } values { actor { id } segment value relationships { id } } actors { id } relationships { id } } } } } }`

type trustGapsOut struct {
	Workspace struct {
		TrustGaps struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Cursor string
				Node   trustGapJSON
			}
		}
	}
}

func TestTrustGapsThroughGraphQL(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("trust")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "region": "north"})
	market := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Market", "region": "south"})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police", "region": "north"})
	rel := func(in map[string]any) string { return a.CreateRelationship(in) }
	// The village depends on the police (0.8) and reports trust 0.25
	// (women 0 as CONFIDENTIAL, men 0.5): dependency 0.8 × 0.75 = 0.6, and
	// the segments diverge by 0.5.
	prov := rel(map[string]any{"type": "PROVIDES_SECURITY", "from": police, "to": village, "strength": 0.8})
	women := rel(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0, "perceivedBy": "Women", "sensitivity": "CONFIDENTIAL"})
	men := rel(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0.5, "perceivedBy": "men"})
	// The market trusts the police 1: polarised 1 − 0.25 = 0.75.
	rel(map[string]any{"type": "TRUSTS", "from": market, "to": police, "strength": 1})
	// Police protect and threaten the market: contested 0.25. An expired threat does not count.
	rel(map[string]any{"type": "PROVIDES_SECURITY", "from": police, "to": market, "strength": 0.5})
	rel(map[string]any{"type": "THREATENS", "from": police, "to": market, "strength": 0.25})
	rel(map[string]any{"type": "THREATENS", "from": police, "to": village, "strength": 1, "validTo": "2001-01-01"})

	var out trustGapsOut
	a.OK(trustGapQuery, map[string]any{"ws": ws, "first": 500}, &out)
	type row struct {
		kind, from, to string
		score          float64
	}
	want := []row{{"POLARISED", market, police, 0.75}, {"DEPENDENCY_WITHOUT_TRUST", village, police, 0.6},
		{"PERCEPTION_DIVERGENCE", village, police, 0.5}, {"CONTESTED", police, market, 0.25}}
	tg := out.Workspace.TrustGaps
	if tg.TotalCount != len(want) || len(tg.Edges) != len(want) {
		t.Fatalf("%d findings (%d edges), want %d: %+v", tg.TotalCount, len(tg.Edges), len(want), tg.Edges)
	}
	for i, w := range want {
		n := tg.Edges[i].Node
		if n.Kind != w.kind || n.From.ID != w.from || n.To.ID != w.to || math.Abs(n.Score-w.score) > 1e-9 {
			t.Errorf("finding %d: %s %s>%s %v, want %+v", i, n.Kind, n.From.ID, n.To.ID, n.Score, w)
		}
	}
	dep := tg.Edges[1].Node
	ids := map[string]bool{}
	for _, r := range dep.Relationships {
		ids[r.ID] = true
	}
	if !ids[prov] || !ids[women] || !ids[men] || len(dep.Values) != 1 || dep.Values[0].Value != 0.25 || dep.Values[0].Segment != nil {
		t.Errorf("dependency does not explain itself: %+v", dep)
	}
	div := tg.Edges[2].Node
	if len(div.Values) != 2 || *div.Values[0].Segment != "men" || div.Values[0].Value != 0.5 || *div.Values[1].Segment != "women" ||
		div.Values[1].Value != 0 || len(div.Values[1].Relationships) != 1 || div.Values[1].Relationships[0].ID != women {
		t.Errorf("divergence segments: %+v", div.Values)
	}

	t.Run("pages", func(t *testing.T) {
		var p1, p2 trustGapsOut
		a.OK(trustGapQuery, map[string]any{"ws": ws, "first": 3}, &p1)
		if !p1.Workspace.TrustGaps.PageInfo.HasNextPage || len(p1.Workspace.TrustGaps.Edges) != 3 {
			t.Fatalf("first page: %+v", p1.Workspace.TrustGaps)
		}
		a.OK(trustGapQuery, map[string]any{"ws": ws, "first": 3, "after": p1.Workspace.TrustGaps.PageInfo.EndCursor}, &p2)
		if e := p2.Workspace.TrustGaps.Edges; len(e) != 1 || e[0].Node.Kind != "CONTESTED" || p2.Workspace.TrustGaps.PageInfo.HasNextPage {
			t.Errorf("second page: %+v", p2.Workspace.TrustGaps)
		}
	})

	t.Run("kinds and region", func(t *testing.T) {
		var o struct {
			Workspace struct {
				TrustGaps struct{ Edges []struct{ Node trustGapJSON } }
			}
		}
		a.OK(`query($ws: ID!) { workspace(id: $ws) { trustGaps(region: "south") { edges { node { kind from { id } } } } } }`, map[string]any{"ws": ws}, &o)
		if e := o.Workspace.TrustGaps.Edges; len(e) != 2 || e[0].Node.Kind != "POLARISED" || e[1].Node.Kind != "CONTESTED" {
			t.Errorf("region south: %+v", e)
		}
		a.OK(`query($ws: ID!) { workspace(id: $ws) { trustGaps(kinds: [CONTESTED, ASYMMETRY]) { edges { node { kind from { id } } } } } }`, map[string]any{"ws": ws}, &o)
		if e := o.Workspace.TrustGaps.Edges; len(e) != 1 || e[0].Node.Kind != "CONTESTED" {
			t.Errorf("kinds: %+v", e)
		}
	})

	t.Run("the visible graph of a lower clearance", func(t *testing.T) {
		// An analyst without CONFIDENTIAL clearance does not see the women's
		// 0: the village's trust is 0.5 (not distrust), no divergence, and
		// polarisation is 0.5.
		secret, _ := a.CreateToken(ws, "ANALYST", "RESTRICTED")
		var o trustGapsOut
		a.As(secret).OK(trustGapQuery, map[string]any{"ws": ws, "first": 500}, &o)
		e := o.Workspace.TrustGaps.Edges
		if len(e) != 2 || e[0].Node.Kind != "POLARISED" || e[0].Node.Score != 0.5 || e[1].Node.Kind != "CONTESTED" {
			t.Errorf("lower clearance sees %+v", e)
		}
		for _, x := range e {
			for _, r := range x.Node.Relationships {
				if r.ID == women {
					t.Errorf("a CONFIDENTIAL relationship shown to a lower clearance: %+v", x.Node)
				}
			}
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		for _, c := range []struct {
			name, args, field string
			vars              map[string]any
		}{
			{"threshold above 1", `threshold: 1.5`, "threshold", nil},
			{"distrustBelow below 0", `distrustBelow: -0.1`, "distrustBelow", nil},
			{"first 0", `first: 0`, "first", nil},
			{"first 501", `first: 501`, "first", nil},
			{"forged cursor", `after: "bm9wZQ"`, "after", nil},
		} {
			r := a.Do(`query($ws: ID!) { workspace(id: $ws) { trustGaps(`+c.args+`) { totalCount } } }`, map[string]any{"ws": ws})
			if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != c.field {
				raw, _ := json.Marshal(r)
				t.Errorf("%s: %s", c.name, raw)
			}
		}
		for _, arg := range []string{"threshold", "distrustBelow", "minConfidence"} {
			for _, v := range []string{"NaN", "Infinity", "-Infinity"} {
				r := a.Do(`query($ws: ID!, $x: Float) { workspace(id: $ws) { trustGaps(`+arg+`: $x) { totalCount } } }`, map[string]any{"ws": ws, "x": v})
				if r.Code() != "BAD_USER_INPUT" {
					t.Errorf("%s = %s: %+v", arg, v, r.Errors)
				}
			}
		}
		if r := a.Do(`query($ws: ID!) { workspace(id: $ws) { trustGaps(kinds: [NO_IDEA]) { totalCount } } }`, map[string]any{"ws": ws}); r.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("unknown kind: %+v", r.Errors)
		}
	})
}
