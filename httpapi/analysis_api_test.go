package httpapi_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
)

// The analyses through GraphQL, on the demo map in Neo4j.

type demoFixture struct {
	a      *apitest.API
	ws     string
	ids    map[string]string  // demo key → actor id
	rels   map[string]float64 // demo key → strength
	relIDs map[string]string  // demo key → relationship id
}

func loadDemo(t *testing.T) *demoFixture {
	t.Helper()
	st, ws := demoMap(t)
	a := apitest.New(t, st)
	f := &demoFixture{a: a, ws: ws, ids: map[string]string{}, rels: map[string]float64{}, relIDs: map[string]string{}}
	var out struct {
		Workspace struct {
			Actors struct {
				Edges []struct {
					Node struct{ ID, ExternalID string }
				}
			}
			Relationships struct {
				Edges []struct {
					Node struct {
						ID, ExternalID string
						Strength       float64
					}
				}
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { actors(first: 500) { edges { node { id externalId } } }
	  relationships(first: 500) { edges { node { id externalId strength } } } } }`, map[string]any{"ws": ws}, &out)
	for _, e := range out.Workspace.Actors.Edges {
		f.ids[e.Node.ExternalID] = e.Node.ID
	}
	for _, e := range out.Workspace.Relationships.Edges {
		f.rels[e.Node.ExternalID], f.relIDs[e.Node.ExternalID] = e.Node.Strength, e.Node.ID
	}
	return f
}

const gapFields = `kind severity exposure distrust community { id } powerHolder { id }
  powerRelationships { type strength from { id } to { id } } trustRelationships { strength from { id } to { id } }
  bestRoute { strength hops enforceable steps { from { id } to { id } strength relationship { id } } }
  hasEnforceableRoute strongestEnforceableRoute { enforceable } actors { id } relationships { id }`

type routeJSON struct {
	Strength    float64
	Hops        int
	Enforceable bool
	Steps       []struct {
		From, To     struct{ ID string }
		Strength     float64
		Relationship struct{ ID string }
	}
}

type gapJSON struct {
	Kind                         string
	Severity, Exposure, Distrust float64
	Community, PowerHolder       struct{ ID string }
	PowerRelationships           []struct {
		Type     string
		Strength float64
		From, To struct{ ID string }
	}
	TrustRelationships []struct {
		Strength float64
		From, To struct{ ID string }
	}
	BestRoute                 *routeJSON
	HasEnforceableRoute       bool
	StrongestEnforceableRoute *struct{ Enforceable bool }
	Actors, Relationships     []struct{ ID string }
}

func TestGapsExplainThemselves(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	var out struct {
		Workspace struct {
			AccountabilityGaps struct {
				TotalCount int
				Edges      []struct {
					Cursor string
					Node   gapJSON
				}
			}
		}
	}
	f.a.OK(`query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(first: 500) { totalCount edges { cursor node { `+gapFields+` } } } } }`,
		map[string]any{"ws": f.ws}, &out)
	gaps := out.Workspace.AccountabilityGaps
	if gaps.TotalCount == 0 || gaps.TotalCount != len(gaps.Edges) {
		t.Fatalf("%d gaps, %d edges", gaps.TotalCount, len(gaps.Edges))
	}
	foundCampMilitia := false
	for i, e := range gaps.Edges {
		g := e.Node
		best := 0.0
		if g.BestRoute != nil {
			best = g.BestRoute.Strength
		}
		if want := g.Exposure * (0.5 + 0.5*g.Distrust) * (1 - best); math.Abs(g.Severity-want) > 1e-9 {
			t.Errorf("gap %d: severity %v, want %v from its parts", i, g.Severity, want)
		}
		if i > 0 && g.Severity > gaps.Edges[i-1].Node.Severity+1e-12 {
			t.Errorf("gap %d is more severe than gap %d", i, i-1)
		}
		if (g.Kind == "NO_ROUTE") != (g.BestRoute == nil) || (g.Kind == "WEAK_ROUTE" && best >= 0.25) {
			t.Errorf("gap %d: kind %s with best %v", i, g.Kind, best)
		}
		if g.HasEnforceableRoute != (g.StrongestEnforceableRoute != nil) {
			t.Errorf("gap %d: hasEnforceableRoute disagrees with strongestEnforceableRoute", i)
		}
		keep := 1.0
		for _, p := range g.PowerRelationships {
			if p.From.ID != g.PowerHolder.ID || p.To.ID != g.Community.ID || (p.Type != "THREATENS" && p.Type != "PROVIDES_SECURITY") {
				t.Errorf("gap %d: power relationship %+v does not explain the gap", i, p)
			}
			w := 0.6
			if p.Type == "THREATENS" {
				w = 1
			}
			keep *= 1 - w*p.Strength
		}
		if math.Abs(g.Exposure-(1-keep)) > 1e-9 {
			t.Errorf("gap %d: exposure %v, want %v from its power relationships", i, g.Exposure, 1-keep)
		}
		if len(g.PowerRelationships) == 0 {
			t.Errorf("gap %d has no power relationship behind it", i)
		}
		if r := g.BestRoute; r != nil {
			if r.Hops != len(r.Steps) || r.Steps[0].From.ID != g.Community.ID || r.Steps[len(r.Steps)-1].To.ID != g.PowerHolder.ID {
				t.Errorf("gap %d: best route does not run from the community to the power holder", i)
			}
			product := 1.0
			for j, s := range r.Steps {
				product *= s.Strength
				if j > 0 && s.From.ID != r.Steps[j-1].To.ID {
					t.Errorf("gap %d: the route's steps do not chain", i)
				}
			}
			if math.Abs(product-r.Strength) > 1e-9 {
				t.Errorf("gap %d: route strength %v, product of steps %v", i, r.Strength, product)
			}
		}
		if g.Community.ID == f.ids["c-haldo-camp"] && g.PowerHolder.ID == f.ids["f-ridge-militia"] {
			foundCampMilitia = g.Kind == "NO_ROUTE"
		}
	}
	if !foundCampMilitia {
		t.Error("the demo's camp has no route to the militia that threatens it; that gap is missing")
	}
	// Paging with cursors gives the same list.
	var ids []string
	after := ""
	for {
		var page struct {
			Workspace struct {
				AccountabilityGaps struct {
					Edges []struct {
						Node struct{ Community, PowerHolder struct{ ID string } }
					}
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		vars := map[string]any{"ws": f.ws}
		if after != "" {
			vars["after"] = after
		}
		f.a.OK(`query($ws: ID!, $after: String) { workspace(id: $ws) { accountabilityGaps(first: 2, after: $after) {
		  edges { node { community { id } powerHolder { id } } } pageInfo { hasNextPage endCursor } } } }`, vars, &page)
		for _, e := range page.Workspace.AccountabilityGaps.Edges {
			ids = append(ids, e.Node.Community.ID+e.Node.PowerHolder.ID)
		}
		if !page.Workspace.AccountabilityGaps.PageInfo.HasNextPage {
			break
		}
		after = page.Workspace.AccountabilityGaps.PageInfo.EndCursor
	}
	if len(ids) != len(gaps.Edges) {
		t.Fatalf("paging gave %d gaps, one page %d", len(ids), len(gaps.Edges))
	}
	for i, e := range gaps.Edges {
		if ids[i] != e.Node.Community.ID+e.Node.PowerHolder.ID {
			t.Errorf("paging order differs at %d", i)
		}
	}
}

func TestRoutesOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	var out struct {
		Workspace struct{ AccountabilityRoutes []routeJSON }
	}
	f.a.OK(`query($ws: ID!, $from: ID!, $to: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $from, to: $to, first: 5) {
	  strength hops enforceable steps { from { id } to { id } strength relationship { id } } } } }`,
		map[string]any{"ws": f.ws, "from": f.ids["c-tamal-village"], "to": f.ids["f-district-police"]}, &out)
	routes := out.Workspace.AccountabilityRoutes
	if len(routes) < 2 {
		t.Fatalf("%d routes from Tamal to the police", len(routes))
	}
	// The designed best route: Tamal → women's network → oversight board → police.
	keys := []string{"par-tamal-womens-network", "dlg-oversight-womens-network", "acc-police-oversight"}
	want := f.rels[keys[0]] * f.rels[keys[1]] * f.rels[keys[2]]
	best := routes[0]
	if math.Abs(best.Strength-want) > 1e-9 || !best.Enforceable || best.Hops != 3 {
		t.Errorf("best route %.4f enforceable=%v hops=%d, want %.4f enforceable 3 hops", best.Strength, best.Enforceable, best.Hops, want)
	}
	for i, k := range keys {
		if best.Steps[i].Relationship.ID != f.relIDs[k] {
			t.Errorf("step %d is %s, want %s", i, best.Steps[i].Relationship.ID, k)
		}
	}
	for i := 1; i < len(routes); i++ {
		if routes[i].Strength > routes[i-1].Strength+1e-12 {
			t.Errorf("routes out of order at %d", i)
		}
	}
	// maxHops 2 leaves no 3-step route.
	f.a.OK(`query($ws: ID!, $from: ID!, $to: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $from, to: $to, maxHops: 2) { hops } } }`,
		map[string]any{"ws": f.ws, "from": f.ids["c-tamal-village"], "to": f.ids["f-district-police"]}, &out)
	for _, r := range out.Workspace.AccountabilityRoutes {
		if r.Hops > 2 {
			t.Errorf("a %d-hop route with maxHops 2", r.Hops)
		}
	}
}

func TestChangesBrokersClosuresAndSubgraphOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	var out struct {
		Workspace struct {
			AccountabilityChanges []struct {
				Community, PowerHolder struct{ ID string }
				Before, After          struct {
					Status              string
					HasEnforceableRoute bool
				}
				Causes []struct{ ID string }
			}
			Brokers []struct {
				Actor    struct{ ID string }
				Pairs    int
				Critical bool
				CutOff   []struct{ Community struct{ ID string } }
			}
			GapClosures []struct {
				SeverityRemoved float64
				Relationship    struct {
					Type     string
					From, To struct{ ID string }
				}
				Closes []struct {
					SeverityBefore, SeverityAfter float64
					Closed                        bool
				}
			}
			Subgraph struct {
				Center        struct{ ID string }
				Actors        []struct{ ID string }
				Relationships []struct{ From, To struct{ ID string } }
				Truncated     bool
			}
		}
	}
	f.a.OK(`query($ws: ID!, $center: ID!) { workspace(id: $ws) {
	  accountabilityChanges(from: "2023-01-01", to: "2025-01-01") { community { id } powerHolder { id } before { status hasEnforceableRoute } after { status hasEnforceableRoute } causes { id } }
	  brokers(first: 5) { actor { id } pairs critical cutOff { community { id } } }
	  gapClosures(first: 5) { severityRemoved relationship { type from { id } to { id } } closes { severityBefore severityAfter closed } }
	  subgraph(center: $center, depth: 1) { center { id } actors { id } relationships { from { id } to { id } } truncated } } }`,
		map[string]any{"ws": f.ws, "center": f.ids["c-tamal-village"]}, &out)
	w := out.Workspace

	// The Miren forum seat ended on 2023-06-01: Miren lost its enforceable route to the police.
	var miren bool
	for _, c := range w.AccountabilityChanges {
		if c.Community.ID == f.ids["c-miren-riverside"] && c.PowerHolder.ID == f.ids["f-district-police"] {
			miren = c.Before.HasEnforceableRoute && !c.After.HasEnforceableRoute && len(c.Causes) == 1 && c.Causes[0].ID == f.relIDs["par-miren-oversight-forum"]
		}
	}
	if !miren {
		t.Errorf("the lost Miren route is missing or unexplained: %+v", w.AccountabilityChanges)
	}

	if len(w.Brokers) == 0 || w.Brokers[0].Actor.ID != f.ids["s-district-council"] || !w.Brokers[0].Critical {
		t.Errorf("brokers: %+v; the district council should lead and be critical", w.Brokers)
	}
	for i := 1; i < len(w.Brokers); i++ {
		if w.Brokers[i].Pairs > w.Brokers[i-1].Pairs {
			t.Errorf("brokers out of order")
		}
	}

	if len(w.GapClosures) == 0 {
		t.Fatal("no gap closures on a map with gaps")
	}
	for _, c := range w.GapClosures {
		sum := 0.0
		for _, ch := range c.Closes {
			if ch.SeverityAfter >= ch.SeverityBefore {
				t.Errorf("%+v narrows nothing", c.Relationship)
			}
			sum += ch.SeverityBefore - ch.SeverityAfter
		}
		if math.Abs(sum-c.SeverityRemoved) > 1e-9 {
			t.Errorf("severityRemoved %v, sum of drops %v", c.SeverityRemoved, sum)
		}
		if c.Relationship.From.ID != "" && c.Relationship.From.ID == c.Relationship.To.ID {
			t.Errorf("a self relationship proposed")
		}
	}

	sg := w.Subgraph
	in := map[string]bool{}
	for _, a := range sg.Actors {
		in[a.ID] = true
	}
	if sg.Center.ID != f.ids["c-tamal-village"] || !in[sg.Center.ID] || sg.Truncated || len(sg.Actors) < 3 {
		t.Errorf("subgraph: %+v", sg)
	}
	touchesCenter := 0
	for _, r := range sg.Relationships {
		if !in[r.From.ID] || !in[r.To.ID] {
			t.Errorf("a relationship leaves the subgraph: %+v", r)
		}
		if r.From.ID == sg.Center.ID || r.To.ID == sg.Center.ID {
			touchesCenter++
		}
	}
	var rels struct {
		Actor struct{ Relationships struct{ TotalCount int } }
	}
	f.a.OK(`query($id: ID!) { actor(id: $id) { relationships(first: 1) { totalCount } } }`, map[string]any{"id": sg.Center.ID}, &rels)
	if touchesCenter != rels.Actor.Relationships.TotalCount {
		t.Errorf("the subgraph holds %d of the centre's %d relationships", touchesCenter, rels.Actor.Relationships.TotalCount)
	}
}

// A write changes what the analyses answer at once: the cache is keyed by
// the workspace's version.
func TestAnalysesSeeWrites(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	gapCount := func() int {
		var out struct {
			Workspace struct{ AccountabilityGaps struct{ TotalCount int } }
		}
		f.a.OK(`query($ws: ID!) { workspace(id: $ws) { accountabilityGaps { totalCount } } }`, map[string]any{"ws": f.ws}, &out)
		return out.Workspace.AccountabilityGaps.TotalCount
	}
	before := gapCount()
	f.a.CreateRelationship(map[string]any{"type": "INFLUENCES", "from": f.ids["c-haldo-camp"], "to": f.ids["f-ridge-militia"], "strength": 0.9})
	if after := gapCount(); after != before-1 {
		t.Errorf("%d gaps before, %d after giving the camp a strong route to the militia", before, after)
	}
}

func TestAnalysisBadArguments(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	other := f.a.CreateWorkspace("other")
	stranger := f.a.CreateActor(other, map[string]any{"kind": "COMMUNITY", "name": "Elsewhere"})
	tamal, police := f.ids["c-tamal-village"], f.ids["f-district-police"]
	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"maxHops above 8", `query($ws: ID!, $a: ID!, $b: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $a, to: $b, maxHops: 9) { hops } } }`,
			map[string]any{"a": tamal, "b": police}, "BAD_USER_INPUT"},
		{"maxHops 0", `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(maxHops: 0) { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"unknown actor", `query($ws: ID!, $a: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $a, to: "act_nope") { hops } } }`,
			map[string]any{"a": tamal}, "NOT_FOUND"},
		{"actor of another workspace", `query($ws: ID!, $a: ID!, $b: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $a, to: $b) { hops } } }`,
			map[string]any{"a": stranger, "b": police}, "BAD_USER_INPUT"},
		{"from after to", `query($ws: ID!) { workspace(id: $ws) { accountabilityChanges(from: "2025-01-02", to: "2025-01-01") { causes { id } } } }`, nil, "BAD_USER_INPUT"},
		{"threshold above 1", `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(threshold: 2) { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"minConfidence below 0", `query($ws: ID!) { workspace(id: $ws) { brokers(minConfidence: -1) { pairs } } }`, nil, "BAD_USER_INPUT"},
		{"assumedStrength 0", `query($ws: ID!) { workspace(id: $ws) { gapClosures(assumedStrength: 0) { severityRemoved } } }`, nil, "BAD_USER_INPUT"},
		{"depth 5", `query($ws: ID!, $a: ID!) { workspace(id: $ws) { subgraph(center: $a, depth: 5) { truncated } } }`, map[string]any{"a": tamal}, "BAD_USER_INPUT"},
		{"forged gap cursor", `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(after: "bm9wZQ") { totalCount } } }`, nil, "BAD_USER_INPUT"},
		{"unknown gap kind", `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(kinds: [NO_IDEA]) { totalCount } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]any{"ws": f.ws}
			for k, v := range c.vars {
				vars[k] = v
			}
			r := f.a.Do(c.query, vars)
			if r.Code() != c.code {
				raw, _ := json.Marshal(r)
				t.Errorf("code %q, want %q: %s", r.Code(), c.code, raw)
			}
		})
	}
}
