package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// socialContract through GraphQL, on a small map made here:
//
//	village (north, rightsAwareness 0.6), hamlet (north, none), camp (no
//	region, 0.2), secret (south, 1.0, a CONFIDENTIAL actor); council
//	(STATE_INSTITUTION), police (state-affiliated), militia (not), net
//	(MOVEMENT).
//	police PROVIDES_SECURITY village 0.6, hamlet 0.5 (confidence 0.3), secret 0.5
//	militia THREATENS camp 0.8
//	village PARTICIPATES_IN net 0.8, net INFLUENCES council 0.5,
//	police ACCOUNTABLE_TO council 0.6 ENFORCEMENT: village → net → council →
//	police, 3 hops, enforceable
//	council REPRESENTS village 0.7, CONFIDENTIAL: village → council → police, 2 hops
//	hamlet INFLUENCES police 0.4: a route that can only ask for answers
//	TRUSTS village → police 0.2 "women", 0.8 "men" (0.5), village → council
//	0.9: village 0.7; hamlet → police 0.3 expired in 2020; camp → militia
//	0.1 (not state); secret → council 0.4.
//
// By hand, for a caller who sees everything (editor), minConfidence 0:
// resp 3/4 (not camp), acc 1/4 (village>police; camp>militia no route,
// hamlet>police answerability only, secret>police no route), rep 1/4
// (village), emp (0.6 + 0.2 + 1.0)/3, part 2/4 (village, hamlet), trust
// (0.7 + 0.4)/2. For an analyst, who sees neither secret nor the
// representation: resp 2/3, acc 1/3, rep 0/3, emp 0.8/2, part 2/3, trust
// 0.7/1.
type contractFixture struct {
	a                                    *apitest.API
	ws                                   string
	village, hamlet, camp, secret        string
	council, police, militia, net        string
	represents, influence, provideHamlet string
	analyst, editor, viewer              string
}

func newContractFixture(t *testing.T) *contractFixture {
	st := storetest.Open(t)
	a := apitest.New(t, st)
	f := &contractFixture{a: a}
	f.ws = a.CreateWorkspace("contract")
	f.village = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "region": "north", "rightsAwareness": 0.6})
	f.hamlet = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Hamlet", "region": "north"})
	f.camp = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Camp", "rightsAwareness": 0.2})
	f.secret = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Secret", "region": "south", "rightsAwareness": 1.0,
		"sensitivity": "CONFIDENTIAL"})
	f.council = a.CreateActor(f.ws, map[string]any{"kind": "STATE_INSTITUTION", "name": "Council"})
	f.police = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police", "stateAffiliated": true})
	f.militia = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Militia", "stateAffiliated": false})
	f.net = a.CreateActor(f.ws, map[string]any{"kind": "MOVEMENT", "name": "Network"})
	rel := func(in map[string]any) string { return a.CreateRelationship(in) }
	rel(map[string]any{"type": "PROVIDES_SECURITY", "from": f.police, "to": f.village, "strength": 0.6})
	f.provideHamlet = rel(map[string]any{"type": "PROVIDES_SECURITY", "from": f.police, "to": f.hamlet, "strength": 0.5, "confidence": 0.3})
	rel(map[string]any{"type": "PROVIDES_SECURITY", "from": f.police, "to": f.secret, "strength": 0.5})
	rel(map[string]any{"type": "THREATENS", "from": f.militia, "to": f.camp, "strength": 0.8})
	rel(map[string]any{"type": "PARTICIPATES_IN", "from": f.village, "to": f.net, "strength": 0.8})
	rel(map[string]any{"type": "INFLUENCES", "from": f.net, "to": f.council, "strength": 0.5})
	rel(map[string]any{"type": "ACCOUNTABLE_TO", "from": f.police, "to": f.council, "strength": 0.6, "power": "ENFORCEMENT"})
	f.represents = rel(map[string]any{"type": "REPRESENTS", "from": f.council, "to": f.village, "strength": 0.7, "sensitivity": "CONFIDENTIAL"})
	f.influence = rel(map[string]any{"type": "INFLUENCES", "from": f.hamlet, "to": f.police, "strength": 0.4})
	rel(map[string]any{"type": "TRUSTS", "from": f.village, "to": f.police, "strength": 0.2, "perceivedBy": "women"})
	rel(map[string]any{"type": "TRUSTS", "from": f.village, "to": f.police, "strength": 0.8, "perceivedBy": "men"})
	rel(map[string]any{"type": "TRUSTS", "from": f.village, "to": f.council, "strength": 0.9})
	rel(map[string]any{"type": "TRUSTS", "from": f.hamlet, "to": f.police, "strength": 0.3, "validTo": "2020-01-01"})
	rel(map[string]any{"type": "TRUSTS", "from": f.camp, "to": f.militia, "strength": 0.1})
	rel(map[string]any{"type": "TRUSTS", "from": f.secret, "to": f.council, "strength": 0.4})
	f.analyst, _ = a.CreateToken(f.ws, "ANALYST", "")
	f.editor, _ = a.CreateToken(f.ws, "EDITOR", "")
	f.viewer, _ = a.CreateToken(f.ws, "VIEWER", "")
	return f
}

type contractIDJSON struct{ ID string }

type contractShareJSON struct {
	Value          *float64
	Numerator      float64
	Denominator    int
	ShortfallCount int
	Shortfall      []contractIDJSON
}

type contractPairShareJSON struct {
	Value          *float64
	Numerator      float64
	Denominator    int
	ShortfallCount int
	Shortfall      []struct {
		Community, PowerHolder contractIDJSON
		PowerRelationships     []contractIDJSON
		BestRoute              *struct {
			Strength      float64
			Hops          int
			Enforceable   bool
			Relationships []contractIDJSON
		}
	}
}

type contractMeanJSON struct {
	Value       *float64
	Numerator   float64
	Denominator int
	Communities []struct {
		Community     contractIDJSON
		Value         float64
		Relationships []contractIDJSON
	}
}

type contractFiguresJSON struct {
	Region                                        *string
	Communities                                   int
	Responsiveness, Representation, Participation contractShareJSON
	Accountability                                contractPairShareJSON
	Empowerment, TrustInState                     contractMeanJSON
}

type contractJSON struct {
	Overall contractFiguresJSON
	Regions []contractFiguresJSON
}

const contractMeasures = `communities
  responsiveness { value numerator denominator shortfallCount shortfall(first: $first) { id } }
  accountability { value numerator denominator shortfallCount shortfall(first: $first) {
    community { id } powerHolder { id } powerRelationships { id } bestRoute { strength hops enforceable relationships { id } } } }
  representation { value numerator denominator shortfallCount shortfall(first: $first) { id } }
  empowerment { value numerator denominator communities(first: $first) { community { id } value relationships { id } } }
  participation { value numerator denominator shortfallCount shortfall(first: $first) { id } }
  trustInState { value numerator denominator communities(first: $first) { community { id } value relationships { id } } }`

const contractQuery = `query($ws: ID!, $region: String, $minConfidence: Float, $maxHops: Int, $first: Int) { workspace(id: $ws) {
  socialContract(region: $region, minConfidence: $minConfidence, maxHops: $maxHops) {
    overall { ` + contractMeasures + ` } regions { region ` + contractMeasures + ` } } } }`

func (f *contractFixture) contract(t *testing.T, token string, vars map[string]any) (contractJSON, string) {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	vars["ws"] = f.ws
	r := f.a.As(token).Do(contractQuery, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("socialContract %v: %+v", vars, r.Errors)
	}
	var out struct {
		Workspace struct{ SocialContract contractJSON }
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Workspace.SocialContract, string(r.Data)
}

// line writes the figures as numerator/denominator per measure, and checks
// that each value is the one over the other (null when the denominator is 0).
func (c contractFiguresJSON) line(t *testing.T) string {
	t.Helper()
	parts := []string{fmt.Sprintf("n%d", c.Communities)}
	for _, m := range []struct {
		name string
		v    *float64
		n    float64
		d    int
	}{
		{"resp", c.Responsiveness.Value, c.Responsiveness.Numerator, c.Responsiveness.Denominator},
		{"acc", c.Accountability.Value, c.Accountability.Numerator, c.Accountability.Denominator},
		{"rep", c.Representation.Value, c.Representation.Numerator, c.Representation.Denominator},
		{"emp", c.Empowerment.Value, c.Empowerment.Numerator, c.Empowerment.Denominator},
		{"part", c.Participation.Value, c.Participation.Numerator, c.Participation.Denominator},
		{"trust", c.TrustInState.Value, c.TrustInState.Numerator, c.TrustInState.Denominator},
	} {
		if (m.d == 0) != (m.v == nil) || (m.v != nil && math.Abs(*m.v-m.n/float64(m.d)) > 1e-9) {
			t.Errorf("%s: value %v for %v/%d", m.name, m.v, m.n, m.d)
		}
		parts = append(parts, fmt.Sprintf("%s %.4g/%d", m.name, m.n, m.d))
	}
	return strings.Join(parts, " ")
}

func contractIDs(xs []contractIDJSON) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = x.ID
	}
	return strings.Join(s, ",")
}

// inIDOrder joins ids sorted, as the shortfall lists come.
func contractIDOrder(xs ...string) string {
	out := append([]string(nil), xs...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return strings.Join(out, ",")
}

func TestSocialContractAPI(t *testing.T) {
	storetest.Integration(t)
	t.Parallel()
	f := newContractFixture(t)
	// Twice each, alternating, so that a cached projection cannot cross clearances.
	for i := 0; i < 2; i++ {
		ed, _ := f.contract(t, f.editor, nil)
		if got, want := ed.Overall.line(t), "n4 resp 3/4 acc 1/4 rep 1/4 emp 1.8/3 part 2/4 trust 1.1/2"; got != want {
			t.Errorf("editor overall: %s, want %s", got, want)
		}
		if got := contractIDs(ed.Overall.Responsiveness.Shortfall); got != f.camp || ed.Overall.Responsiveness.ShortfallCount != 1 {
			t.Errorf("editor: responsiveness falls short for %s, want the camp", got)
		}
		if got := contractIDs(ed.Overall.Representation.Shortfall); got != contractIDOrder(f.camp, f.hamlet, f.secret) {
			t.Errorf("editor: representation falls short for %s", got)
		}
		var regions []string
		for _, r := range ed.Regions {
			name := "<none>"
			if r.Region != nil {
				name = *r.Region
			}
			regions = append(regions, name+" "+r.line(t))
		}
		// north: village and hamlet; south: secret; then the camp, without a region.
		if got, want := strings.Join(regions, "; "), "north n2 resp 2/2 acc 1/2 rep 1/2 emp 0.6/1 part 2/2 trust 0.7/1; "+
			"south n1 resp 1/1 acc 0/1 rep 0/1 emp 1/1 part 0/1 trust 0.4/1; "+
			"<none> n1 resp 0/1 acc 0/1 rep 0/1 emp 0.2/1 part 0/1 trust 0/0"; got != want {
			t.Errorf("editor regions:\n got %s\nwant %s", got, want)
		}

		an, raw := f.contract(t, f.analyst, nil)
		if got, want := an.Overall.line(t), "n3 resp 2/3 acc 1/3 rep 0/3 emp 0.8/2 part 2/3 trust 0.7/1"; got != want {
			t.Errorf("analyst overall (secret and the representation hidden): %s, want %s", got, want)
		}
		if strings.Contains(raw, f.secret) || strings.Contains(raw, f.represents) || strings.Contains(raw, `"south"`) {
			t.Errorf("the analyst's answer names a record above its clearance: %s", raw)
		}
		if len(an.Regions) != 2 || an.Regions[0].Region == nil || *an.Regions[0].Region != "north" || an.Regions[1].Region != nil {
			t.Errorf("analyst regions: %+v", an.Regions)
		}
		// The village's trust in the state: mean(police (0.2 + 0.8)/2, council 0.9) = 0.7,
		// on its three TRUSTS.
		tr := an.Overall.TrustInState.Communities
		if len(tr) != 1 || tr[0].Community.ID != f.village || math.Abs(tr[0].Value-0.7) > 1e-9 || len(tr[0].Relationships) != 3 {
			t.Errorf("analyst trust in the state: %+v", tr)
		}
		emp := an.Overall.Empowerment.Communities
		if len(emp) != 2 || contractIDs([]contractIDJSON{emp[0].Community, emp[1].Community}) != contractIDOrder(f.camp, f.village) {
			t.Errorf("analyst empowerment counts %+v", emp)
		}
		// Accountability falls short for camp>militia (no route) and
		// hamlet>police (one INFLUENCES, answerability only).
		acc := an.Overall.Accountability
		if acc.ShortfallCount != 2 || len(acc.Shortfall) != 2 {
			t.Fatalf("analyst accountability shortfall: %+v", acc)
		}
		for _, p := range acc.Shortfall {
			switch p.Community.ID {
			case f.camp:
				if p.PowerHolder.ID != f.militia || p.BestRoute != nil || len(p.PowerRelationships) != 1 {
					t.Errorf("camp: %+v", p)
				}
			case f.hamlet:
				if p.PowerHolder.ID != f.police || p.BestRoute == nil || p.BestRoute.Enforceable || p.BestRoute.Hops != 1 ||
					contractIDs(p.BestRoute.Relationships) != f.influence || contractIDs(p.PowerRelationships) != f.provideHamlet {
					t.Errorf("hamlet: %+v", p)
				}
			default:
				t.Errorf("unexpected pair %+v", p)
			}
		}
		if acc.Shortfall[0].Community.ID > acc.Shortfall[1].Community.ID {
			t.Errorf("the shortfall is not in community id order")
		}
	}

	// maxHops 2: the analyst's only enforceable route (3 hops) is out of
	// reach; the editor keeps village → council → police (2 hops, through
	// the confidential representation).
	an, _ := f.contract(t, f.analyst, map[string]any{"maxHops": 2})
	ed, _ := f.contract(t, f.editor, map[string]any{"maxHops": 2})
	if an.Overall.Accountability.Numerator != 0 || ed.Overall.Accountability.Numerator != 1 {
		t.Errorf("maxHops 2: analyst %v, editor %v enforceable pairs; want 0 and 1", an.Overall.Accountability.Numerator, ed.Overall.Accountability.Numerator)
	}
	// minConfidence 0.5 drops the hamlet's protection (confidence 0.3), and
	// with it the pair hamlet>police.
	an, _ = f.contract(t, f.analyst, map[string]any{"minConfidence": 0.5})
	if got, want := an.Overall.line(t), "n3 resp 1/3 acc 1/2 rep 0/3 emp 0.8/2 part 2/3 trust 0.7/1"; got != want {
		t.Errorf("minConfidence 0.5: %s, want %s", got, want)
	}
	// first limits the lists, not the counts.
	an, _ = f.contract(t, f.analyst, map[string]any{"first": 1})
	if a := an.Overall.Accountability; len(a.Shortfall) != 1 || a.ShortfallCount != 2 || len(an.Overall.Empowerment.Communities) != 1 {
		t.Errorf("first 1: %+v", an.Overall)
	}
}

func TestSocialContractRegionAPI(t *testing.T) {
	storetest.Integration(t)
	t.Parallel()
	f := newContractFixture(t)
	for _, c := range []struct {
		region, want string
		regions      int
	}{
		{"north", "n2 resp 2/2 acc 1/2 rep 1/2 emp 0.6/1 part 2/2 trust 0.7/1", 1},
		{"", "n1 resp 0/1 acc 0/1 rep 0/1 emp 0.2/1 part 0/1 trust 0/0", 1}, // the camp, without a region
		{"east", "n0 resp 0/0 acc 0/0 rep 0/0 emp 0/0 part 0/0 trust 0/0", 0},
	} {
		sc, _ := f.contract(t, f.editor, map[string]any{"region": c.region})
		if got := sc.Overall.line(t); got != c.want || len(sc.Regions) != c.regions {
			t.Errorf("region %q: %s and %d regions, want %s and %d", c.region, got, len(sc.Regions), c.want, c.regions)
		}
		if c.regions == 1 && sc.Regions[0].line(t) != c.want {
			t.Errorf("region %q: its entry %s differs from overall", c.region, sc.Regions[0].line(t))
		}
	}
	// The analyst asking for the region only a hidden community has gets nothing.
	if sc, _ := f.contract(t, f.analyst, map[string]any{"region": "south"}); sc.Overall.Communities != 0 || len(sc.Regions) != 0 {
		t.Errorf("analyst, south: %+v", sc)
	}
}

func TestSocialContractRefusals(t *testing.T) {
	storetest.Integration(t)
	t.Parallel()
	f := newContractFixture(t)
	for _, c := range []struct {
		name  string
		vars  map[string]any
		field string
	}{
		{"minConfidence NaN", map[string]any{"minConfidence": "NaN"}, "minConfidence"},
		{"minConfidence 1.5", map[string]any{"minConfidence": 1.5}, "minConfidence"},
		{"minConfidence -Infinity", map[string]any{"minConfidence": "-Infinity"}, "minConfidence"},
		{"maxHops 9", map[string]any{"maxHops": 9}, "maxHops"},
		{"maxHops 0", map[string]any{"maxHops": 0}, "maxHops"},
		{"first 0", map[string]any{"first": 0}, "first"},
		{"first 501", map[string]any{"first": 501}, "first"},
	} {
		c.vars["ws"] = f.ws
		q := contractQuery
		if c.field == "first" {
			// One list only: the whole query at first 501 is refused by the
			// operation limits before the resolver sees it.
			q = `query($ws: ID!, $first: Int) { workspace(id: $ws) { socialContract { overall { responsiveness { shortfall(first: $first) { id } } } } } }`
		}
		r := f.a.As(f.analyst).Do(q, c.vars)
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != c.field {
			raw, _ := json.Marshal(r)
			t.Errorf("%s: %s, want BAD_USER_INPUT on %s", c.name, raw, c.field)
		}
	}
	r := f.a.As(f.viewer).Do(`query($ws: ID!) { workspace(id: $ws) { socialContract { overall { communities } } } }`, map[string]any{"ws": f.ws})
	if r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "ANALYST") {
		raw, _ := json.Marshal(r)
		t.Errorf("viewer: %s, want FORBIDDEN naming the role needed", raw)
	}
}
