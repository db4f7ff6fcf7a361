package httpapi_test

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// doNoHarmFlags through GraphQL on a small map made here (the demo map
// gains its cases later):
//
//	Donor X SUPPORTS Unit P 0.8 TRAINING (citing a source)
//	Unit P THREATENS Village C (north) 0.5 EXTORTION; 0.7 until 2001 (expired)
//	Unit P THREATENS Market (south) 1.0, no form, CONFIDENTIAL
//	Movement IN_TENSION_WITH Unit P 0.5; Donor X PROVIDES_SECURITY Movement 0.6
//	Militia (a CONFIDENTIAL actor): Donor X SUPPORTS it 0.9 FUNDING; it
//	THREATENS Market 0.5 ABUSE and is IN_TENSION_WITH Movement 1.0
//
// Flags, worked by hand (score = strongest support × strongest threat, or
// tension × the weaker side's strongest backing):
//
//	SUPPORT_TO_THREAT Donor X, Unit P, Market     0.8 × 1.0           = 0.8  (rests on the CONFIDENTIAL threat)
//	SHARED_DEPENDENCY Donor X, Militia, Movement  1.0 × min(0.9, 0.6) = 0.6  (rests on the CONFIDENTIAL actor)
//	SUPPORT_TO_THREAT Donor X, Militia, Market    0.9 × 0.5           = 0.45 (rests on the CONFIDENTIAL actor)
//	SUPPORT_TO_THREAT Donor X, Unit P, Village C  0.8 × 0.5           = 0.4
//	SHARED_DEPENDENCY Donor X, Movement, Unit P   0.5 × min(0.6, 0.8) = 0.3
type harmFixture struct {
	a                                                        *apitest.API
	ws                                                       string
	donor, unit, village, market, movement, militia          string
	support, threat, expired, hiddenThreat, tension, protect string
	militiaSupport, militiaThreat, militiaTension, source    string
}

func newHarmFixture(t *testing.T) *harmFixture {
	st := storetest.Open(t)
	a := apitest.New(t, st)
	f := &harmFixture{a: a}
	f.ws = a.CreateWorkspace("harm")
	f.donor = a.CreateActor(f.ws, map[string]any{"kind": "INTERNATIONAL", "name": "Donor X", "region": "north"})
	f.unit = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Unit P", "region": "north"})
	f.village = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Village C", "region": "north"})
	f.market = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Market", "region": "south"})
	f.movement = a.CreateActor(f.ws, map[string]any{"kind": "MOVEMENT", "name": "Movement", "region": "north"})
	f.militia = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Militia", "region": "north", "sensitivity": "CONFIDENTIAL"})
	f.source = a.CreateSource(f.ws, "Field report", "PUBLIC")
	rel := func(in map[string]any) string { return a.CreateRelationship(in) }
	f.support = rel(map[string]any{"type": "SUPPORTS", "from": f.donor, "to": f.unit, "strength": 0.8, "form": "TRAINING", "sourceIds": []string{f.source}})
	f.threat = rel(map[string]any{"type": "THREATENS", "from": f.unit, "to": f.village, "strength": 0.5, "form": "EXTORTION"})
	f.expired = rel(map[string]any{"type": "THREATENS", "from": f.unit, "to": f.village, "strength": 0.7, "validTo": "2001-01-01"})
	f.hiddenThreat = rel(map[string]any{"type": "THREATENS", "from": f.unit, "to": f.market, "strength": 1, "sensitivity": "CONFIDENTIAL"})
	f.tension = rel(map[string]any{"type": "IN_TENSION_WITH", "from": f.movement, "to": f.unit, "strength": 0.5})
	f.protect = rel(map[string]any{"type": "PROVIDES_SECURITY", "from": f.donor, "to": f.movement, "strength": 0.6})
	f.militiaSupport = rel(map[string]any{"type": "SUPPORTS", "from": f.donor, "to": f.militia, "strength": 0.9, "form": "FUNDING"})
	f.militiaThreat = rel(map[string]any{"type": "THREATENS", "from": f.militia, "to": f.market, "strength": 0.5, "form": "ABUSE"})
	f.militiaTension = rel(map[string]any{"type": "IN_TENSION_WITH", "from": f.militia, "to": f.movement, "strength": 1})
	return f
}

type harmFlagJSON struct {
	Kind               string
	Score              float64
	Explanation        string
	Supporter          struct{ ID string }
	Recipient          *struct{ ID string }
	Community          *struct{ ID string }
	Sides              []struct{ ID string }
	Supports           []struct{ ID string }
	Threats            []struct{ ID string }
	Tensions           []struct{ ID string }
	SupportForms       []string
	SupportFormMissing bool
	ThreatForms        []string
	ThreatFormMissing  bool
	Actors             []struct{ ID string }
	Relationships      []struct {
		ID      string
		Sources []struct{ ID string }
	}
}

const harmQuery = `query($ws: ID!, $first: Int, $after: String, $kinds: [DoNoHarmKind!], $region: String, $asOf: Date) {
  workspace(id: $ws) { doNoHarmFlags(first: $first, after: $after, kinds: $kinds, region: $region, asOf: $asOf) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { kind score explanation supporter { id } recipient { id } community { id } sides { id }
      supports { id } threats { id } tensions { id } supportForms supportFormMissing threatForms threatFormMissing
      actors { id } relationships { id sources { id } } } } } } }`

type harmOut struct {
	Workspace struct {
		DoNoHarmFlags struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				EndCursor                    string
			}
			Edges []struct {
				Cursor string
				Node   harmFlagJSON
			}
		}
	}
}

func (f *harmFixture) flags(t *testing.T, token string, vars map[string]any) harmOut {
	t.Helper()
	v := map[string]any{"ws": f.ws, "first": 500}
	for k, x := range vars {
		v[k] = x
	}
	var out harmOut
	a := f.a
	if token != "" {
		a = a.As(token)
	}
	a.OK(harmQuery, v, &out)
	return out
}

// line writes a flag as "KIND supporter recipient community sides score".
func (f *harmFixture) line(n harmFlagJSON) string {
	name := map[string]string{f.donor: "donor", f.unit: "unit", f.village: "village", f.market: "market", f.movement: "movement", f.militia: "militia"}
	s := []string{n.Kind, name[n.Supporter.ID]}
	if n.Recipient != nil {
		s = append(s, name[n.Recipient.ID])
	}
	if n.Community != nil {
		s = append(s, name[n.Community.ID])
	}
	for _, x := range n.Sides {
		s = append(s, name[x.ID])
	}
	return strings.Join(s, " ") + " " + strconv.FormatFloat(math.Round(n.Score*1e9)/1e9, 'f', -1, 64)
}

func (f *harmFixture) lines(out harmOut) []string {
	var s []string
	for _, e := range out.Workspace.DoNoHarmFlags.Edges {
		s = append(s, f.line(e.Node))
	}
	return s
}

// sides orders two actor ids as the flags do (the smaller id first) and
// names them.
func (f *harmFixture) sides(a, b, na, nb string) string {
	if a > b {
		return nb + " " + na
	}
	return na + " " + nb
}

func TestDoNoHarmFlagsThroughGraphQL(t *testing.T) {
	t.Parallel()
	f := newHarmFixture(t)
	all := f.flags(t, "", nil)
	want := []string{
		"SUPPORT_TO_THREAT donor unit market 0.8",
		"SHARED_DEPENDENCY donor " + f.sides(f.militia, f.movement, "militia", "movement") + " 0.6",
		"SUPPORT_TO_THREAT donor militia market 0.45",
		"SUPPORT_TO_THREAT donor unit village 0.4",
		"SHARED_DEPENDENCY donor " + f.sides(f.movement, f.unit, "movement", "unit") + " 0.3",
	}
	got := f.lines(all)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || all.Workspace.DoNoHarmFlags.TotalCount != 5 {
		t.Fatalf("flags (total %d)\n  %s\nwant\n  %s", all.Workspace.DoNoHarmFlags.TotalCount, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	edges := all.Workspace.DoNoHarmFlags.Edges

	t.Run("explained", func(t *testing.T) {
		v := edges[3].Node
		if v.Explanation != "Donor X supports Unit P (TRAINING), and Unit P threatens Village C (EXTORTION)" {
			t.Errorf("explanation: %q", v.Explanation)
		}
		if len(v.Supports) != 1 || v.Supports[0].ID != f.support || len(v.Threats) != 1 || v.Threats[0].ID != f.threat || len(v.Tensions) != 0 ||
			len(v.Sides) != 0 || strings.Join(v.SupportForms, ",") != "TRAINING" || strings.Join(v.ThreatForms, ",") != "EXTORTION" ||
			v.SupportFormMissing || v.ThreatFormMissing || len(v.Actors) != 3 || v.Actors[0].ID != f.donor || v.Actors[1].ID != f.unit || v.Actors[2].ID != f.village {
			t.Errorf("village flag: %+v", v)
		}
		// The sources are reachable through the relationships.
		if len(v.Relationships) != 2 || v.Relationships[0].ID != f.support || len(v.Relationships[0].Sources) != 1 || v.Relationships[0].Sources[0].ID != f.source {
			t.Errorf("relationships and sources: %+v", v.Relationships)
		}
		m := edges[0].Node
		if m.Explanation != "Donor X supports Unit P (TRAINING), and Unit P threatens Market (form not recorded)" ||
			!m.ThreatFormMissing || len(m.ThreatForms) != 0 {
			t.Errorf("market flag: %+v", m)
		}
		sd := edges[4].Node
		a, b := "Movement", "Unit P"
		if f.unit < f.movement {
			a, b = b, a
		}
		wantSD := "Donor X provides security to Movement, and Donor X supports Unit P (TRAINING), while " + a + " and " + b + " are in tension with each other"
		if f.unit < f.movement {
			wantSD = "Donor X supports Unit P (TRAINING), and Donor X provides security to Movement, while " + a + " and " + b + " are in tension with each other"
		}
		if sd.Explanation != wantSD || sd.Recipient != nil || sd.Community != nil || len(sd.Tensions) != 1 || sd.Tensions[0].ID != f.tension ||
			len(sd.Supports) != 2 || len(sd.Threats) != 0 || strings.Join(sd.SupportForms, ",") != "TRAINING" || sd.SupportFormMissing {
			t.Errorf("shared dependency: %+v\nwant explanation %q", sd, wantSD)
		}
	})

	t.Run("as of a day", func(t *testing.T) {
		// In 2000 the expired threat (0.7) was in force: the village flag is
		// 0.8 × 0.7 = 0.56 and lists both threats.
		out := f.flags(t, "", map[string]any{"asOf": "2000-06-01", "kinds": []string{"SUPPORT_TO_THREAT"}, "region": "north"})
		e := out.Workspace.DoNoHarmFlags.Edges
		if len(e) != 1 || f.line(e[0].Node) != "SUPPORT_TO_THREAT donor unit village 0.56" || len(e[0].Node.Threats) != 2 {
			t.Errorf("2000-06-01: %v", f.lines(out))
		}
	})

	t.Run("pages", func(t *testing.T) {
		var seen []string
		after := ""
		for page := 0; ; page++ {
			vars := map[string]any{"first": 2}
			if after != "" {
				vars["after"] = after
			}
			out := f.flags(t, "", vars)
			c := out.Workspace.DoNoHarmFlags
			if c.TotalCount != 5 || c.PageInfo.HasPreviousPage != (after != "") {
				t.Errorf("page %d: %+v", page, c.PageInfo)
			}
			seen = append(seen, f.lines(out)...)
			if !c.PageInfo.HasNextPage {
				if len(c.Edges) != 1 {
					t.Errorf("last page has %d flags, want 1", len(c.Edges))
				}
				break
			}
			if page > 3 {
				t.Fatal("paging does not end")
			}
			after = c.PageInfo.EndCursor
		}
		if strings.Join(seen, "\n") != strings.Join(want, "\n") {
			t.Errorf("pages give\n  %s", strings.Join(seen, "\n  "))
		}
	})

	t.Run("kinds and region", func(t *testing.T) {
		if got := f.lines(f.flags(t, "", map[string]any{"kinds": []string{"SHARED_DEPENDENCY"}})); len(got) != 2 || got[0] != want[1] || got[1] != want[4] {
			t.Errorf("SHARED_DEPENDENCY: %v", got)
		}
		if got := f.lines(f.flags(t, "", map[string]any{"kinds": []string{}})); len(got) != 5 {
			t.Errorf("no kinds is every kind: %v", got)
		}
		// South: the threats to the market; no shared dependency has an actor there.
		if got := f.lines(f.flags(t, "", map[string]any{"region": "south"})); len(got) != 2 || got[0] != want[0] || got[1] != want[2] {
			t.Errorf("south: %v", got)
		}
	})

	t.Run("the visible graph of a lower clearance", func(t *testing.T) {
		// Without CONFIDENTIAL clearance: no threat to the market by the
		// unit, no militia; only the village flag and the movement–unit
		// tension remain, and nothing hidden shows in them.
		restricted, _ := f.a.CreateToken(f.ws, "ANALYST", "RESTRICTED")
		out := f.flags(t, restricted, nil)
		got := f.lines(out)
		if len(got) != 2 || got[0] != want[3] || got[1] != want[4] || out.Workspace.DoNoHarmFlags.TotalCount != 2 {
			t.Errorf("lower clearance sees %v", got)
		}
		hidden := map[string]bool{f.militia: true, f.hiddenThreat: true, f.militiaSupport: true, f.militiaThreat: true, f.militiaTension: true}
		for _, e := range out.Workspace.DoNoHarmFlags.Edges {
			raw, _ := json.Marshal(e.Node)
			for id := range hidden {
				if strings.Contains(string(raw), id) {
					t.Errorf("a CONFIDENTIAL record (%s) shown to a lower clearance: %s", id, raw)
				}
			}
			if strings.Contains(e.Node.Explanation, "Militia") || strings.Contains(e.Node.Explanation, "Market") {
				t.Errorf("a hidden actor named: %s", e.Node.Explanation)
			}
		}
	})

	t.Run("a viewer is refused", func(t *testing.T) {
		viewer, _ := f.a.CreateToken(f.ws, "VIEWER", "")
		r := f.a.As(viewer).Do(`query($ws: ID!) { workspace(id: $ws) { doNoHarmFlags { totalCount } } }`, map[string]any{"ws": f.ws})
		if r.Code() != "FORBIDDEN" {
			t.Errorf("viewer: %+v", r.Errors)
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		for _, c := range []struct{ name, args, field string }{
			{"minConfidence above 1", `minConfidence: 1.5`, "minConfidence"},
			{"minConfidence below 0", `minConfidence: -0.5`, "minConfidence"},
			{"first 0", `first: 0`, "first"},
			{"first 501", `first: 501`, "first"},
			{"forged cursor", `after: "bm9wZQ"`, "after"},
			{"another list's cursor", `after: "eyJzIjowLjUsImsiOiJDT05URVNURUR8eHx5In0"`, "after"},
		} {
			r := f.a.Do(`query($ws: ID!) { workspace(id: $ws) { doNoHarmFlags(`+c.args+`) { totalCount } } }`, map[string]any{"ws": f.ws})
			if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != c.field {
				raw, _ := json.Marshal(r)
				t.Errorf("%s: %s", c.name, raw)
			}
		}
		for _, v := range []string{"NaN", "Infinity", "-Infinity"} {
			r := f.a.Do(`query($ws: ID!, $x: Float) { workspace(id: $ws) { doNoHarmFlags(minConfidence: $x) { totalCount } } }`, map[string]any{"ws": f.ws, "x": v})
			if r.Code() != "BAD_USER_INPUT" {
				t.Errorf("minConfidence = %s: %+v", v, r.Errors)
			}
		}
		if r := f.a.Do(`query($ws: ID!) { workspace(id: $ws) { doNoHarmFlags(kinds: [NO_IDEA]) { totalCount } } }`, map[string]any{"ws": f.ws}); r.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("unknown kind: %+v", r.Errors)
		}
		// A cursor's position is checked: a score outside [0,1] is refused.
		r := f.a.Do(`query($ws: ID!) { workspace(id: $ws) { doNoHarmFlags(after: "eyJzIjoyLCJrIjoiU1VQUE9SVF9UT19USFJFQVQiLCJpIjpbImEiLCJiIiwiYyJdfQ") { totalCount } } }`, map[string]any{"ws": f.ws})
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a cursor with score 2: %+v", r.Errors)
		}
		for _, e := range r.Errors {
			if strings.Contains(strings.ToLower(e.Message), "json") || strings.Contains(e.Message, "base64") {
				t.Errorf("an internal detail leaks: %q", e.Message)
			}
		}
	})
}

// The analysis snapshot carries COOPERATES_WITH and IN_TENSION_WITH (added
// with the do-no-harm flags): trustGaps' contested cooperation and
// tension, which read both, fires through the API too. By hand: the
// weaker claim is the tension, 0.5.
func TestTrustGapsSeeCooperationAndTension(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("contested")
	m1 := a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Network"})
	m2 := a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Union"})
	coop := a.CreateRelationship(map[string]any{"type": "COOPERATES_WITH", "from": m1, "to": m2, "strength": 0.75})
	tension := a.CreateRelationship(map[string]any{"type": "IN_TENSION_WITH", "from": m2, "to": m1, "strength": 0.5})
	var out struct {
		Workspace struct {
			TrustGaps struct {
				Edges []struct {
					Node struct {
						Kind          string
						Score         float64
						Relationships []struct{ ID string }
					}
				}
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { trustGaps(kinds: [CONTESTED]) { edges { node { kind score relationships { id } } } } } }`,
		map[string]any{"ws": ws}, &out)
	e := out.Workspace.TrustGaps.Edges
	if len(e) != 1 || e[0].Node.Score != 0.5 || len(e[0].Node.Relationships) != 2 ||
		e[0].Node.Relationships[0].ID != coop || e[0].Node.Relationships[1].ID != tension {
		t.Errorf("contested cooperation: %+v", e)
	}
}
