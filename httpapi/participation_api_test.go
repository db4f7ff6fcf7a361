package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// participationGaps through GraphQL, on a small map made here:
//
//	w (MOVEMENT, women-led, public)      secret (MOVEMENT, women-led, CONFIDENTIAL)
//	w INFLUENCES council (0.8)           council at 1 step from w
//	council INFLUENCES court (0.5)       court at 2 steps: 0.8 × 0.5 = 0.4
//	court INFLUENCES ministry (0.5)      ministry at 3 steps from w: 0.2
//	secret INFLUENCES hub (0.9), hub (international) INFLUENCES ministry (0.9):
//	                                     ministry at 2 steps from secret: 0.81
//	w INFLUENCES elders (0.5), CONFIDENTIAL: elders' (south) only route
//	m (MOVEMENT, womenLed false) INFLUENCES elders (0.9): not women-led
//
// Worked out by hand:
//   - an editor (sees everything), 4 hops: every target is reached, no gaps;
//     1 hop: court BEYOND_LIMIT (w, 2 steps, 0.4) then ministry BEYOND_LIMIT
//     (secret, 2 steps, 0.81): equal hops, the weaker first.
//   - an analyst without CONFIDENTIAL clearance: neither secret nor the
//     w–elders relationship exists. 4 hops: elders NO_ROUTE (ministry is
//     reached by w in 3 steps); 1 hop: elders NO_ROUTE, ministry
//     BEYOND_LIMIT (w, 3 steps, 0.2), court BEYOND_LIMIT (w, 2 steps, 0.4).
type participationFixture struct {
	a                                                *apitest.API
	ws                                               string
	w, secret, hub, council, court, ministry, elders string
	toCouncil, toCourt, toMinistry, hidden           string
	secretToHub, hubToMinistry                       string
	analyst, editor, viewer                          string // tokens
}

func newParticipationFixture(t *testing.T) *participationFixture {
	st := storetest.Open(t)
	a := apitest.New(t, st)
	f := &participationFixture{a: a}
	f.ws = a.CreateWorkspace("participation")
	actor := func(in map[string]any) string { return a.CreateActor(f.ws, in) }
	rel := func(ty, from, to string, s float64, extra ...string) string {
		in := map[string]any{"type": ty, "from": from, "to": to, "strength": s}
		if len(extra) > 0 {
			in["sensitivity"] = extra[0]
		}
		return a.CreateRelationship(in)
	}
	f.w = actor(map[string]any{"kind": "MOVEMENT", "name": "Women's network", "womenLed": true, "region": "north"})
	f.secret = actor(map[string]any{"kind": "MOVEMENT", "name": "Survivors' network", "womenLed": true, "region": "north", "sensitivity": "CONFIDENTIAL"})
	m := actor(map[string]any{"kind": "MOVEMENT", "name": "Farmers' union", "womenLed": false, "region": "south"})
	f.hub = actor(map[string]any{"kind": "INTERNATIONAL", "name": "Donor", "region": "north"})
	f.council = actor(map[string]any{"kind": "STATE_INSTITUTION", "name": "District council", "region": "north"})
	f.court = actor(map[string]any{"kind": "STATE_INSTITUTION", "name": "Court", "region": "north"})
	f.ministry = actor(map[string]any{"kind": "STATE_INSTITUTION", "name": "Ministry", "region": "north"})
	f.elders = actor(map[string]any{"kind": "CUSTOMARY_AUTHORITY", "name": "Council of elders", "region": "south"})
	f.toCouncil = rel("INFLUENCES", f.w, f.council, 0.8)
	f.toCourt = rel("INFLUENCES", f.council, f.court, 0.5)
	f.toMinistry = rel("INFLUENCES", f.court, f.ministry, 0.5)
	f.secretToHub = rel("INFLUENCES", f.secret, f.hub, 0.9)
	f.hubToMinistry = rel("INFLUENCES", f.hub, f.ministry, 0.9)
	f.hidden = rel("INFLUENCES", f.w, f.elders, 0.5, "CONFIDENTIAL")
	rel("INFLUENCES", m, f.elders, 0.9)
	f.analyst, _ = a.CreateToken(f.ws, "ANALYST", "")
	f.editor, _ = a.CreateToken(f.ws, "EDITOR", "")
	f.viewer, _ = a.CreateToken(f.ws, "VIEWER", "")
	return f
}

const participationQuery = `query($ws: ID!, $hops: Int, $first: Int, $after: String, $region: String, $kinds: [ActorKind!]) {
  workspace(id: $ws) { participationGaps(maxHops: $hops, first: $first, after: $after, region: $region, kinds: $kinds) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { target { id } reason nearest { id } hops
      bestRoute { strength hops steps { from { id } to { id } relationship { id } } actors { id } relationships { id } } } } } } }`

type participationOut struct {
	Workspace struct {
		ParticipationGaps struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Cursor string
				Node   struct {
					Target    struct{ ID string }
					Reason    string
					Nearest   *struct{ ID string }
					Hops      *int
					BestRoute *struct {
						Strength float64
						Hops     int
						Steps    []struct {
							From, To     struct{ ID string }
							Relationship struct{ ID string }
						}
						Actors        []struct{ ID string }
						Relationships []struct{ ID string }
					}
				}
			}
		}
	}
}

// gaps asks participationGaps and writes each gap as
// "target reason [nearest hops strength rel>rel...]", joined by "; ".
func (f *participationFixture) gaps(t *testing.T, token string, vars map[string]any) (string, participationOut) {
	t.Helper()
	v := map[string]any{"ws": f.ws}
	for k, x := range vars {
		v[k] = x
	}
	var out participationOut
	f.a.As(token).OK(participationQuery, v, &out)
	var parts []string
	for _, e := range out.Workspace.ParticipationGaps.Edges {
		n := e.Node
		s := n.Target.ID + " " + n.Reason
		if (n.Nearest == nil) != (n.Reason != "BEYOND_LIMIT") || (n.Nearest == nil) != (n.Hops == nil) || (n.Nearest == nil) != (n.BestRoute == nil) {
			t.Errorf("%s: nearest %v, hops %v, route %v with reason %s", n.Target.ID, n.Nearest, n.Hops, n.BestRoute, n.Reason)
		}
		if r := n.BestRoute; r != nil {
			ids := make([]string, len(r.Steps))
			for i, st := range r.Steps {
				ids[i] = st.Relationship.ID
				if r.Relationships[i].ID != st.Relationship.ID || r.Actors[i].ID != st.From.ID || r.Actors[i+1].ID != st.To.ID {
					t.Errorf("%s: route's actors and relationships do not follow its steps: %+v", n.Target.ID, r)
				}
			}
			if r.Hops != *n.Hops || r.Actors[0].ID != n.Nearest.ID || r.Actors[len(r.Actors)-1].ID != n.Target.ID {
				t.Errorf("%s: route %+v does not lead from nearest %s in %d hops", n.Target.ID, r, n.Nearest.ID, *n.Hops)
			}
			s += fmt.Sprintf(" %s %d %.2f %s", n.Nearest.ID, *n.Hops, r.Strength, strings.Join(ids, ">"))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; "), out
}

func TestParticipationGapsAPI(t *testing.T) {
	storetest.Integration(t)
	t.Parallel()
	f := newParticipationFixture(t)
	court := fmt.Sprintf("%s BEYOND_LIMIT %s 2 0.40 %s>%s", f.court, f.w, f.toCouncil, f.toCourt)
	// Twice each, alternating, so that a cached projection cannot cross clearances.
	for i := 0; i < 2; i++ {
		if got, _ := f.gaps(t, f.editor, nil); got != "" {
			t.Errorf("editor, 4 hops: %s, want no gaps", got)
		}
		want := court + "; " + fmt.Sprintf("%s BEYOND_LIMIT %s 2 0.81 %s>%s", f.ministry, f.secret, f.secretToHub, f.hubToMinistry)
		if got, _ := f.gaps(t, f.editor, map[string]any{"hops": 1}); got != want {
			t.Errorf("editor, 1 hop:\n%s\nwant\n%s", got, want)
		}
		// The lower clearance: the CONFIDENTIAL relationship on the elders'
		// only route does not count, and the hidden movement never appears.
		if got, _ := f.gaps(t, f.analyst, nil); got != f.elders+" NO_ROUTE" {
			t.Errorf("analyst, 4 hops: %s, want %s NO_ROUTE", got, f.elders)
		}
		want = f.elders + " NO_ROUTE; " + fmt.Sprintf("%s BEYOND_LIMIT %s 3 0.20 %s>%s>%s", f.ministry, f.w, f.toCouncil, f.toCourt, f.toMinistry) + "; " + court
		got, raw := f.gaps(t, f.analyst, map[string]any{"hops": 1})
		if got != want {
			t.Errorf("analyst, 1 hop:\n%s\nwant\n%s", got, want)
		}
		if b, _ := json.Marshal(raw); strings.Contains(string(b), f.secret) || strings.Contains(string(b), f.hidden) || strings.Contains(string(b), f.hub) {
			t.Errorf("the analyst sees a record above its clearance: %s", b)
		}
	}

	t.Run("region, kinds and pages", func(t *testing.T) {
		if got, _ := f.gaps(t, f.analyst, map[string]any{"hops": 1, "region": "south"}); got != f.elders+" NO_ROUTE" {
			t.Errorf("region south: %s", got)
		}
		if got, _ := f.gaps(t, f.analyst, map[string]any{"hops": 1, "kinds": []string{"CUSTOMARY_AUTHORITY"}}); got != f.elders+" NO_ROUTE" {
			t.Errorf("customary authorities: %s", got)
		}
		if got, _ := f.gaps(t, f.analyst, map[string]any{"hops": 1, "kinds": []string{"STATE_INSTITUTION"}}); !strings.HasPrefix(got, f.ministry+" BEYOND_LIMIT") || strings.Contains(got, f.elders) {
			t.Errorf("state institutions: %s", got)
		}
		p1, o1 := f.gaps(t, f.analyst, map[string]any{"hops": 1, "first": 2})
		c := o1.Workspace.ParticipationGaps
		if c.TotalCount != 3 || !c.PageInfo.HasNextPage || !strings.HasPrefix(p1, f.elders) || len(c.Edges) != 2 {
			t.Fatalf("first page: %s %+v", p1, c)
		}
		p2, o2 := f.gaps(t, f.analyst, map[string]any{"hops": 1, "first": 2, "after": c.PageInfo.EndCursor})
		if p2 != court || o2.Workspace.ParticipationGaps.PageInfo.HasNextPage || o2.Workspace.ParticipationGaps.TotalCount != 3 {
			t.Errorf("second page: %s %+v", p2, o2.Workspace.ParticipationGaps.PageInfo)
		}
	})

	t.Run("a viewer is refused", func(t *testing.T) {
		r := f.a.As(f.viewer).Do(participationQuery, map[string]any{"ws": f.ws})
		if r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "ANALYST") {
			raw, _ := json.Marshal(r)
			t.Errorf("viewer: %s, want FORBIDDEN naming ANALYST", raw)
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		for _, c := range []struct {
			name, args, field string
			x                 any
		}{
			{"maxHops 0", `maxHops: 0`, "maxHops", nil},
			{"maxHops 9", `maxHops: 9`, "maxHops", nil},
			{"minConfidence NaN", `minConfidence: $x`, "minConfidence", "NaN"},
			{"minConfidence Infinity", `minConfidence: $x`, "minConfidence", "Infinity"},
			{"minConfidence 1.5", `minConfidence: 1.5`, "minConfidence", nil},
			{"kinds empty", `kinds: []`, "kinds", nil},
			{"kinds COMMUNITY", `kinds: [STATE_INSTITUTION, COMMUNITY]`, "kinds", nil},
			{"first 0", `first: 0`, "first", nil},
			{"first 501", `first: 501`, "first", nil},
			{"forged cursor", `after: "bm9wZQ"`, "after", nil},
		} {
			decl, vars := "", map[string]any{"ws": f.ws}
			if c.x != nil {
				decl, vars["x"] = ", $x: Float", c.x
			}
			r := f.a.As(f.analyst).Do(`query($ws: ID!`+decl+`) { workspace(id: $ws) { participationGaps(`+c.args+`) { totalCount } } }`, vars)
			if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != c.field {
				raw, _ := json.Marshal(r)
				t.Errorf("%s: %s, want BAD_USER_INPUT on %s", c.name, raw, c.field)
			}
		}
		if r := f.a.As(f.analyst).Do(`query($ws: ID!) { workspace(id: $ws) { participationGaps(kinds: [NO_IDEA]) { totalCount } } }`,
			map[string]any{"ws": f.ws}); r.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("unknown kind: %+v", r.Errors)
		}
	})

	t.Run("no women-led actor", func(t *testing.T) {
		// A workspace whose only movement is not women-led: its targets are
		// NO_WOMEN_LED_ACTOR, in id order (equal in every other key).
		ws := f.a.CreateWorkspace("participation without women-led actors")
		m := f.a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Union", "womenLed": false})
		x := f.a.CreateActor(ws, map[string]any{"kind": "STATE_INSTITUTION", "name": "Council"})
		y := f.a.CreateActor(ws, map[string]any{"kind": "CUSTOMARY_AUTHORITY", "name": "Elders"})
		f.a.CreateRelationship(map[string]any{"type": "INFLUENCES", "from": m, "to": x, "strength": 1})
		if x > y {
			x, y = y, x
		}
		var out participationOut
		f.a.OK(`query($ws: ID!) { workspace(id: $ws) { participationGaps { totalCount edges { node { target { id } reason nearest { id } hops bestRoute { hops } } } } } }`,
			map[string]any{"ws": ws}, &out)
		e := out.Workspace.ParticipationGaps.Edges
		if len(e) != 2 || e[0].Node.Target.ID != x || e[1].Node.Target.ID != y || e[0].Node.Reason != "NO_WOMEN_LED_ACTOR" || e[1].Node.Reason != "NO_WOMEN_LED_ACTOR" ||
			e[0].Node.Nearest != nil || e[0].Node.Hops != nil || e[0].Node.BestRoute != nil {
			t.Errorf("no women-led actor: %+v", e)
		}
	})
}
