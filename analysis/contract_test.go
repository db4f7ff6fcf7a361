package analysis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

func withRightsAwareness(v float64) func(*domain.Actor) {
	return func(a *domain.Actor) { a.RightsAwareness = new(v) }
}

func withRegion(r string) func(*domain.Actor) {
	return func(a *domain.Actor) { a.Region = r }
}

func withSegment(s string) func(*domain.Relationship) {
	return func(r *domain.Relationship) { r.PerceivedBy = new(s) }
}

// contractLine writes figures compactly: each measure as numerator/denominator
// (value checked separately), with its shortfall or its counted communities.
func contractLine(f *ContractFigures) string {
	ids := func(as []*domain.Actor) string { return actorIDs(as) }
	pairs := func(ps []*PairStatus) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.Community.ID+">"+p.PowerHolder.ID)
		}
		return strings.Join(s, ",")
	}
	counted := func(cs []CommunityValue) string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s=%.4g", c.Community.ID, c.Value))
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprintf("n%d resp %.4g/%d [%s] acc %.4g/%d [%s] rep %.4g/%d [%s] emp %.4g/%d [%s] part %.4g/%d [%s] trust %.4g/%d [%s]",
		f.Communities,
		f.Responsiveness.Numerator, f.Responsiveness.Denominator, ids(f.Responsiveness.Shortfall),
		f.Accountability.Numerator, f.Accountability.Denominator, pairs(f.Accountability.Shortfall),
		f.Representation.Numerator, f.Representation.Denominator, ids(f.Representation.Shortfall),
		f.Empowerment.Numerator, f.Empowerment.Denominator, counted(f.Empowerment.Counted),
		f.Participation.Numerator, f.Participation.Denominator, ids(f.Participation.Shortfall),
		f.TrustInState.Numerator, f.TrustInState.Denominator, counted(f.TrustInState.Counted))
}

// checkValues checks that every value is numerator/denominator in [0,1],
// nil exactly when the denominator is 0, and that the shortfall counts add up.
func checkContractValues(t *testing.T, label string, f *ContractFigures) {
	t.Helper()
	for _, m := range []struct {
		name string
		v    *float64
		n    float64
		d    int
	}{
		{"responsiveness", f.Responsiveness.Value, f.Responsiveness.Numerator, f.Responsiveness.Denominator},
		{"accountability", f.Accountability.Value, f.Accountability.Numerator, f.Accountability.Denominator},
		{"representation", f.Representation.Value, f.Representation.Numerator, f.Representation.Denominator},
		{"empowerment", f.Empowerment.Value, f.Empowerment.Numerator, f.Empowerment.Denominator},
		{"participation", f.Participation.Value, f.Participation.Numerator, f.Participation.Denominator},
		{"trustInState", f.TrustInState.Value, f.TrustInState.Numerator, f.TrustInState.Denominator},
	} {
		switch {
		case m.d == 0 && m.v != nil:
			t.Errorf("%s %s: value %v with denominator 0, want null", label, m.name, *m.v)
		case m.d > 0 && (m.v == nil || !near(*m.v, m.n/float64(m.d)) || *m.v < 0 || *m.v > 1):
			t.Errorf("%s %s: value %v, want %v/%d in [0,1]", label, m.name, m.v, m.n, m.d)
		}
	}
	for _, s := range []*CommunityShare{&f.Responsiveness, &f.Representation, &f.Participation} {
		if s.ShortfallCount() != s.Denominator-int(s.Numerator) || s.Denominator != f.Communities {
			t.Errorf("%s: shortfall %d of %v/%d over %d communities", label, s.ShortfallCount(), s.Numerator, s.Denominator, f.Communities)
		}
	}
	if a := f.Accountability; a.ShortfallCount() != a.Denominator-int(a.Numerator) {
		t.Errorf("%s: accountability shortfall %d of %v/%d", label, a.ShortfallCount(), a.Numerator, a.Denominator)
	}
}

// The contract map (as of 2025-01-01). Communities: c1 and c2 in "north",
// c3 in "south", c4 without a region; rightsAwareness c1 0.8, c2 0.4, c4
// 0.3, c3 none. Others: police (state-affiliated), militia (not), gend
// (stateAffiliated unset: not state), council (STATE_INSTITUTION), net
// (MOVEMENT), elders (CUSTOMARY_AUTHORITY).
//
//	s1 police PROVIDES_SECURITY c1 0.6
//	s2 militia PROVIDES_SECURITY c2 0.8             not state
//	s3 council PROVIDES_SECURITY c3 0.5, expired 2024-06-01
//	s4 gend PROVIDES_SECURITY c4 0.7                not state (unset)
//	s5 police PROVIDES_SECURITY c2 0.5, confidence 0.3
//	t1 police THREATENS c3 0.9                      power, not protection
//	p1 c1 PARTICIPATES_IN net 0.8                   step c1 → net
//	i1 net INFLUENCES council 0.5                   step net → council
//	a1 police ACCOUNTABLE_TO council 0.6, ENFORCEMENT   step council → police, enforcement
//	d1 elders DIALOGUE c2 0.5                       steps c2 ↔ elders
//	a2 militia ACCOUNTABLE_TO elders 0.7            step elders → militia, answerability
//	r1 council REPRESENTS c3 0.6                    step c3 → council
//	r2 elders REPRESENTS c4, strength 0             no step, no representation
//	r3 net REPRESENTS c2 0.5, from 2025-06-01       not yet in force
//	e1 c4 INFLUENCES council 0.5, expired 2024-01-01
//	l1 c4 INFLUENCES gend 0.6, confidence 0.3       step c4 → gend, answerability
//	TRUSTS: c1 → police 0.2 "Women", 0.6 " women ", 0.8 (no segment); c1 →
//	council 0.3; c1 → militia 0.9 (not state); c2 → militia 0.1; c2 → council
//	0.7, confidence 0.3; c3 → police 0 ("none at all" is a report); c4 →
//	council 0.9 expired 2024-01-01; c4 → gend 0.5 (not state).
//
// By hand, minConfidence 0, maxHops 4:
//
//	responsiveness: c1 (s1), c2 (s5); not c3 (s3 expired, t1 a threat), c4 (gend): 2/4.
//	accountability: pairs c1>police, c2>militia, c2>police (s5), c3>police (t1),
//	  c4>gend. Enforceable: c1>police by p1,i1,a1 (3 hops), c3>police by r1,a1
//	  (2 hops). c2>militia only d1,a2 (answerability), c2>police no route,
//	  c4>gend only l1 (answerability): 2/5.
//	representation: c3 only (r1): 1/4.
//	empowerment: (0.8 + 0.4 + 0.3) / 3 = 1.5/3 = 0.5; c3 not counted.
//	participation: every community has a step out (c4 by l1): 4/4.
//	trust in state: c1 in police = mean("women" (0.2+0.6)/2 = 0.4, "" 0.8) =
//	  0.6, in council 0.3: c1 = 0.45; c2 = 0.7 (council); c3 = 0 (police);
//	  c4 reports on no state actor in force: (0.45 + 0.7 + 0) / 3 = 1.15/3.
//
// Regions: north (c1, c2): resp 2/2, acc 1/3 (c1>police), rep 0/2, emp
// 1.2/2, part 2/2, trust 1.15/2; south (c3): resp 0/1, acc 1/1, rep 1/1, emp
// null 0/0, part 1/1, trust 0/1; no region (c4): resp 0/1, acc 0/1, rep 0/1,
// emp 0.3/1, part 1/1, trust null 0/0.
//
// minConfidence 0.5 drops s5, l1 and c2's trust in the council: resp 1/4;
// pairs c1>police ✓, c2>militia, c3>police ✓, c4>gend (no route now): 2/4;
// part 3/4 (c4 isolated); trust (0.45 + 0) / 2.
//
// maxHops 2 (minConfidence 0): c1>police needs 3 hops: acc 1/5.
func contractMap() *mapBuilder {
	b := &mapBuilder{}
	for _, a := range []struct {
		id string
		k  domain.ActorKind
	}{{"c1", kComm}, {"c2", kComm}, {"c3", kComm}, {"c4", kComm}, {"police", kSec}, {"militia", kSec}, {"gend", kSec},
		{"council", kInst}, {"net", kMov}, {"elders", kCust}} {
		b.actor(a.id, a.k)
	}
	b.set("c1", withRightsAwareness(0.8))
	b.set("c2", withRightsAwareness(0.4))
	b.set("c3", withRegion("south"))
	b.set("c4", withRegion(""))
	b.set("c4", withRightsAwareness(0.3))
	b.set("police", stateAffiliated(true))
	b.set("militia", stateAffiliated(false))
	b.rel("s1", domain.ProvidesSecurity, "police", "c1", 0.6)
	b.rel("s2", domain.ProvidesSecurity, "militia", "c2", 0.8)
	b.rel("s3", domain.ProvidesSecurity, "council", "c3", 0.5, validTo("2024-06-01"))
	b.rel("s4", domain.ProvidesSecurity, "gend", "c4", 0.7)
	b.rel("s5", domain.ProvidesSecurity, "police", "c2", 0.5, confidence(0.3))
	b.rel("t1", domain.Threatens, "police", "c3", 0.9)
	b.rel("p1", domain.ParticipatesIn, "c1", "net", 0.8)
	b.rel("i1", domain.Influences, "net", "council", 0.5)
	b.rel("a1", domain.AccountableTo, "police", "council", 0.6, enforcement)
	b.rel("d1", domain.Dialogue, "elders", "c2", 0.5)
	b.rel("a2", domain.AccountableTo, "militia", "elders", 0.7)
	b.rel("r1", domain.Represents, "council", "c3", 0.6)
	b.rel("r2", domain.Represents, "elders", "c4", 0)
	b.rel("r3", domain.Represents, "net", "c2", 0.5, validFrom("2025-06-01"))
	b.rel("e1", domain.Influences, "c4", "council", 0.5, validTo("2024-01-01"))
	b.rel("l1", domain.Influences, "c4", "gend", 0.6, confidence(0.3))
	b.rel("tw1", domain.Trusts, "c1", "police", 0.2, withSegment("Women"))
	b.rel("tw2", domain.Trusts, "c1", "police", 0.6, withSegment(" women "))
	b.rel("tx1", domain.Trusts, "c1", "police", 0.8)
	b.rel("tc1", domain.Trusts, "c1", "council", 0.3)
	b.rel("tm1", domain.Trusts, "c1", "militia", 0.9)
	b.rel("tm2", domain.Trusts, "c2", "militia", 0.1)
	b.rel("tc2", domain.Trusts, "c2", "council", 0.7, confidence(0.3))
	b.rel("tp3", domain.Trusts, "c3", "police", 0)
	b.rel("tc4", domain.Trusts, "c4", "council", 0.9, validTo("2024-01-01"))
	b.rel("tg4", domain.Trusts, "c4", "gend", 0.5)
	return b
}

func TestSocialContractHandWorked(t *testing.T) {
	b := contractMap()
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		opts    Options
		overall string
		regions []string
	}{
		{"minConfidence 0", Options{}, "n4 resp 2/4 [c3,c4] acc 2/5 [c2>militia,c2>police,c4>gend] rep 1/4 [c1,c2,c4] emp 1.5/3 [c1=0.8,c2=0.4,c4=0.3] part 4/4 [] trust 1.15/3 [c1=0.45,c2=0.7,c3=0]",
			[]string{
				"north n2 resp 2/2 [] acc 1/3 [c2>militia,c2>police] rep 0/2 [c1,c2] emp 1.2/2 [c1=0.8,c2=0.4] part 2/2 [] trust 1.15/2 [c1=0.45,c2=0.7]",
				"south n1 resp 0/1 [c3] acc 1/1 [] rep 1/1 [] emp 0/0 [] part 1/1 [] trust 0/1 [c3=0]",
				"<none> n1 resp 0/1 [c4] acc 0/1 [c4>gend] rep 0/1 [c4] emp 0.3/1 [c4=0.3] part 1/1 [] trust 0/0 []",
			}},
		{"minConfidence 0.5", Options{MinConfidence: 0.5}, "n4 resp 1/4 [c2,c3,c4] acc 2/4 [c2>militia,c4>gend] rep 1/4 [c1,c2,c4] emp 1.5/3 [c1=0.8,c2=0.4,c4=0.3] part 3/4 [c4] trust 0.45/2 [c1=0.45,c3=0]",
			[]string{
				"north n2 resp 1/2 [c2] acc 1/2 [c2>militia] rep 0/2 [c1,c2] emp 1.2/2 [c1=0.8,c2=0.4] part 2/2 [] trust 0.45/1 [c1=0.45]",
				"south n1 resp 0/1 [c3] acc 1/1 [] rep 1/1 [] emp 0/0 [] part 1/1 [] trust 0/1 [c3=0]",
				"<none> n1 resp 0/1 [c4] acc 0/1 [c4>gend] rep 0/1 [c4] emp 0.3/1 [c4=0.3] part 0/1 [c4] trust 0/0 []",
			}},
		{"maxHops 2", Options{MaxHops: 2}, "n4 resp 2/4 [c3,c4] acc 1/5 [c1>police,c2>militia,c2>police,c4>gend] rep 1/4 [c1,c2,c4] emp 1.5/3 [c1=0.8,c2=0.4,c4=0.3] part 4/4 [] trust 1.15/3 [c1=0.45,c2=0.7,c3=0]",
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := b.graph(t, c.opts)
			sc, err := g.SocialContract(ctx, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := contractLine(sc.Overall); got != c.overall {
				t.Errorf("overall\n got %s\nwant %s", got, c.overall)
			}
			checkContractValues(t, "overall", sc.Overall)
			if c.regions == nil {
				return
			}
			var regions []string
			for _, f := range sc.Regions {
				name := "<none>"
				if f.Region != nil {
					name = *f.Region
				}
				regions = append(regions, name+" "+contractLine(f))
				checkContractValues(t, name, f)
			}
			if got, want := strings.Join(regions, "\n"), strings.Join(c.regions, "\n"); got != want {
				t.Errorf("regions\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestSocialContractExplainsItself(t *testing.T) {
	g := contractMap().graph(t, Options{})
	sc, err := g.SocialContract(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := sc.Overall
	// The values by hand (see contractMap): 2/4, 2/5, 1/4, 1.5/3, 4/4, 1.15/3.
	for _, m := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"responsiveness", o.Responsiveness.Value, 0.5}, {"accountability", o.Accountability.Value, 0.4},
		{"representation", o.Representation.Value, 0.25}, {"empowerment", o.Empowerment.Value, 0.5},
		{"participation", o.Participation.Value, 1}, {"trustInState", o.TrustInState.Value, 1.15 / 3},
	} {
		if m.got == nil || !near(*m.got, m.want) {
			t.Errorf("%s = %v, want %v", m.name, m.got, m.want)
		}
	}
	// c2>militia has a route that can only ask for answers (d1, a2);
	// c2>police none; each pair names its power relationships.
	short := map[string]*PairStatus{}
	for _, p := range o.Accountability.Shortfall {
		short[p.PowerHolder.ID+" "+p.Community.ID] = p
	}
	if p := short["militia c2"]; p == nil || p.BestRoute() == nil || routeIDs(*p.BestRoute()) != "d1>a2" || p.BestRoute().Enforceable || relIDs(p.PowerRelationships) != "s2" {
		t.Errorf("c2>militia: %+v", p)
	}
	if p := short["police c2"]; p == nil || p.BestRoute() != nil || relIDs(p.PowerRelationships) != "s5" {
		t.Errorf("c2>police: %+v", p)
	}
	if o.Accountability.Graph() == nil || len(firstPairOf(o.Accountability.Shortfall).BestRoute().Actors(o.Accountability.Graph())) != 3 {
		t.Errorf("the shortfall's routes must be drawable from the share's graph")
	}
	// c1's trust in the state rests on its TRUSTS to council, then police
	// (state actors in id order), every segment (by segment name: the
	// unnamed one, tx1, before "women"); not on the militia.
	for _, v := range o.TrustInState.Counted {
		if v.Community.ID == "c1" && relIDs(v.Relationships) != "tc1,tx1,tw1,tw2" {
			t.Errorf("c1's trust in the state rests on %s", relIDs(v.Relationships))
		}
	}
	for _, v := range o.Empowerment.Counted {
		if len(v.Relationships) != 0 {
			t.Errorf("empowerment of %s rests on relationships %s", v.Community.ID, relIDs(v.Relationships))
		}
	}
}

func firstPairOf(ps []*PairStatus) *PairStatus { return ps[0] }

func TestSocialContractRegionArgument(t *testing.T) {
	g := contractMap().graph(t, Options{})
	ctx := context.Background()
	all, err := g.SocialContract(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		region string
		want   int // index in all.Regions; -1: no community
	}{{"north", 0}, {"south", 1}, {"", 2}, {"east", -1}, {"North", -1}} {
		sc, err := g.SocialContract(ctx, new(c.region), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.want < 0 {
			if len(sc.Regions) != 0 || sc.Overall.Communities != 0 {
				t.Errorf("region %q: %d regions, %d communities; want none", c.region, len(sc.Regions), sc.Overall.Communities)
			}
			checkContractValues(t, c.region, sc.Overall)
			continue
		}
		want := contractLine(all.Regions[c.want])
		if len(sc.Regions) != 1 || contractLine(sc.Regions[0]) != want || contractLine(sc.Overall) != want {
			t.Errorf("region %q: overall %s, regions %d; want %s", c.region, contractLine(sc.Overall), len(sc.Regions), want)
		}
	}
}

func TestSocialContractWithoutCommunities(t *testing.T) {
	b := &mapBuilder{}
	b.actor("police", kSec)
	b.actor("council", kInst)
	b.set("police", stateAffiliated(true))
	b.rel("a1", domain.AccountableTo, "police", "council", 0.6, enforcement)
	b.rel("t1", domain.Trusts, "council", "police", 0.5)
	for _, bb := range []*mapBuilder{b, {}} {
		sc, err := bb.graph(t, Options{}).SocialContract(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		o := sc.Overall
		if got, want := contractLine(o), "n0 resp 0/0 [] acc 0/0 [] rep 0/0 [] emp 0/0 [] part 0/0 [] trust 0/0 []"; got != want || len(sc.Regions) != 0 {
			t.Errorf("got %s and %d regions, want %s and none", got, len(sc.Regions), want)
		}
		for _, v := range []*float64{o.Responsiveness.Value, o.Accountability.Value, o.Representation.Value, o.Empowerment.Value, o.Participation.Value, o.TrustInState.Value} {
			if v != nil {
				t.Errorf("a value %v without communities, want null", *v)
			}
		}
	}
}

// An independent reading of the definitions, straight from the
// relationships: simple paths are enumerated by depth-first search, the
// leverage table is bruteLeverage (written from the brief), segments are
// grouped here again.

type bruteContractFigures struct {
	n                           int
	resp, rep, part             [2]int // met, of
	respShort, repShort, pShort []string
	accMet, accOf               int
	accShort                    []string
	emp, trust                  []string // id=value, id order
	empSum, trustSum            float64
}

func bruteStateActor(a *domain.Actor) bool {
	return a.Kind == domain.KindStateInstitution || (a.Kind == domain.KindSecurityForce && a.StateAffiliated != nil && *a.StateAffiliated)
}

// bruteEnforceable reports whether a simple path of at most maxHops steps
// leads from c to p with at least one enforcement step.
func bruteEnforceableRoute(steps []bruteStep, c, p string, maxHops int) bool {
	var walk func(at string, seen map[string]bool, hops int, enf bool) bool
	walk = func(at string, seen map[string]bool, hops int, enf bool) bool {
		if at == p {
			return enf
		}
		if hops == maxHops {
			return false
		}
		for _, s := range steps {
			if s.from != at || seen[s.to] {
				continue
			}
			e := s.rel.Type == domain.Controls || (s.rel.Power != nil && *s.rel.Power == domain.Enforcement)
			seen[s.to] = true
			ok := walk(s.to, seen, hops+1, enf || e)
			delete(seen, s.to)
			if ok {
				return true
			}
		}
		return false
	}
	return walk(c, map[string]bool{c: true}, 0, false)
}

func bruteContract(b *mapBuilder, asOf domain.Date, minConf float64, maxHops int) map[string]*bruteContractFigures {
	byID := map[string]*domain.Actor{}
	for _, a := range b.actors {
		byID[a.ID] = a
	}
	in := func(r *domain.Relationship) bool { return r.ValidAt(asOf) && r.Confidence >= minConf }
	steps := bruteSteps(b, asOf, minConf)
	var comms []*domain.Actor
	for _, a := range b.actors {
		if a.Kind == domain.KindCommunity {
			comms = append(comms, a)
		}
	}
	sort.Slice(comms, func(i, j int) bool { return comms[i].ID < comms[j].ID })
	out := map[string]*bruteContractFigures{}
	group := func(name string) *bruteContractFigures {
		if out[name] == nil {
			out[name] = &bruteContractFigures{}
		}
		return out[name]
	}
	for _, c := range comms {
		protected, represented, participates := false, false, false
		holders := map[string]bool{}
		trust := map[string]map[string][]float64{} // state actor -> segment -> strengths
		for _, r := range b.rels {
			if !in(r) || r.FromID == r.ToID {
				continue
			}
			if r.ToID == c.ID && (r.Type == domain.ProvidesSecurity || r.Type == domain.Threatens) {
				holders[r.FromID] = true
				if r.Type == domain.ProvidesSecurity && bruteStateActor(byID[r.FromID]) && r.Strength > 0 { // a claim of strength 0 says nothing
					protected = true
				}
			}
			if r.Type == domain.Represents && r.ToID == c.ID && r.Strength > 0 {
				represented = true
			}
			if r.Type == domain.Trusts && r.FromID == c.ID && bruteStateActor(byID[r.ToID]) {
				seg := ""
				if r.PerceivedBy != nil {
					seg = strings.ToLower(strings.TrimSpace(*r.PerceivedBy))
				}
				if trust[r.ToID] == nil {
					trust[r.ToID] = map[string][]float64{}
				}
				trust[r.ToID][seg] = append(trust[r.ToID][seg], r.Strength)
			}
		}
		for _, s := range steps {
			if s.from == c.ID {
				participates = true
			}
		}
		var hs []string
		for h := range holders {
			hs = append(hs, h)
		}
		sort.Strings(hs)
		trustValue, reports := 0.0, len(trust)
		for _, segs := range trust {
			v := 0.0
			for _, ss := range segs {
				m := 0.0
				for _, x := range ss {
					m += x
				}
				v += m / float64(len(ss))
			}
			trustValue += v / float64(len(segs))
		}
		for _, f := range []*bruteContractFigures{group("*"), group("=" + c.Region)} {
			f.n++
			for _, m := range []struct {
				met   bool
				tally *[2]int
				short *[]string
			}{{protected, &f.resp, &f.respShort}, {represented, &f.rep, &f.repShort}, {participates, &f.part, &f.pShort}} {
				m.tally[1]++
				if m.met {
					m.tally[0]++
				} else {
					*m.short = append(*m.short, c.ID)
				}
			}
			for _, h := range hs {
				f.accOf++
				if bruteEnforceableRoute(steps, c.ID, h, maxHops) {
					f.accMet++
				} else {
					f.accShort = append(f.accShort, c.ID+">"+h)
				}
			}
			if c.RightsAwareness != nil {
				f.empSum += *c.RightsAwareness
				f.emp = append(f.emp, fmt.Sprintf("%s=%.6f", c.ID, *c.RightsAwareness))
			}
			if reports > 0 {
				f.trustSum += trustValue / float64(reports)
				f.trust = append(f.trust, fmt.Sprintf("%s=%.6f", c.ID, trustValue/float64(reports)))
			}
		}
	}
	return out
}

func (f *bruteContractFigures) line() string {
	return fmt.Sprintf("n%d resp %d/%d [%s] acc %d/%d [%s] rep %d/%d [%s] emp %.6f/%d [%s] part %d/%d [%s] trust %.6f/%d [%s]",
		f.n, f.resp[0], f.resp[1], strings.Join(f.respShort, ","), f.accMet, f.accOf, strings.Join(f.accShort, ","),
		f.rep[0], f.rep[1], strings.Join(f.repShort, ","), f.empSum, len(f.emp), strings.Join(f.emp, ","),
		f.part[0], f.part[1], strings.Join(f.pShort, ","), f.trustSum, len(f.trust), strings.Join(f.trust, ","))
}

// exactLine is contractLine with six decimals, to compare with the brute force.
func contractExactLine(f *ContractFigures) string {
	var short []string
	for _, p := range f.Accountability.Shortfall {
		short = append(short, p.Community.ID+">"+p.PowerHolder.ID)
	}
	counted := func(cs []CommunityValue) string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s=%.6f", c.Community.ID, c.Value))
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprintf("n%d resp %d/%d [%s] acc %d/%d [%s] rep %d/%d [%s] emp %.6f/%d [%s] part %d/%d [%s] trust %.6f/%d [%s]",
		f.Communities, int(f.Responsiveness.Numerator), f.Responsiveness.Denominator, actorIDs(f.Responsiveness.Shortfall),
		int(f.Accountability.Numerator), f.Accountability.Denominator, strings.Join(short, ","),
		int(f.Representation.Numerator), f.Representation.Denominator, actorIDs(f.Representation.Shortfall),
		f.Empowerment.Numerator, f.Empowerment.Denominator, counted(f.Empowerment.Counted),
		int(f.Participation.Numerator), f.Participation.Denominator, actorIDs(f.Participation.Shortfall),
		f.TrustInState.Numerator, f.TrustInState.Denominator, counted(f.TrustInState.Counted))
}

func TestSocialContractMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 31))
	ctx := context.Background()
	asOf := domaintest.Date("2025-01-01")
	segments := []string{"Women", " women", "men", "YOUTH "}
	regions := []string{"north", "south", ""}
	var seen struct{ accMet, accShort, trust, emp, respShort, repMet, isolated, noRegion int }
	for iter := 0; iter < 300; iter++ {
		b := randMap(rng, 6+rng.IntN(8), 5+rng.IntN(25))
		for _, a := range b.actors {
			a.Region = regions[rng.IntN(len(regions))]
			if a.Kind == kSec && rng.IntN(2) == 0 {
				a.StateAffiliated = new(rng.IntN(2) == 0)
			}
			if a.Kind == kComm && rng.IntN(2) == 0 {
				a.RightsAwareness = new(float64(rng.IntN(11)) / 10)
			}
		}
		// Protection, representation and trust, some expired or low-confidence.
		for j := 0; j < 6; j++ {
			ty := []domain.RelationshipType{domain.ProvidesSecurity, domain.Represents, domain.Trusts, domain.Trusts}[rng.IntN(4)]
			from, to := b.actors[rng.IntN(len(b.actors))].ID, b.actors[rng.IntN(2)].ID
			if ty == domain.Trusts {
				from, to = to, from
			}
			if from == to {
				continue
			}
			r := b.rel(fmt.Sprintf("x%d", j), ty, from, to, []float64{0, 0.3, 0.5, 1}[rng.IntN(4)], confidence([]float64{1, 0.4}[rng.IntN(2)]))
			if rng.IntN(4) == 0 {
				validTo("2024-06-01")(r)
			}
			if ty == domain.Trusts && rng.IntN(3) > 0 {
				withSegment(segments[rng.IntN(len(segments))])(r)
			}
		}
		o := randOptions(rng, 4)
		g := b.graph(t, o)
		sc, err := g.SocialContract(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := bruteContract(b, asOf, o.MinConfidence, g.opts.MaxHops)
		got := map[string]string{"*": contractExactLine(sc.Overall)}
		checkContractValues(t, fmt.Sprintf("map %d overall", iter), sc.Overall)
		var order []string
		for _, f := range sc.Regions {
			name := ""
			if f.Region != nil {
				name = *f.Region
			}
			got["="+name] = contractExactLine(f)
			order = append(order, name)
			checkContractValues(t, fmt.Sprintf("map %d region %q", iter, name), f)
		}
		// Named regions in order, then the communities without one.
		var wantOrder []string
		for _, r := range []string{"north", "south", ""} {
			if want["="+r] != nil {
				wantOrder = append(wantOrder, r)
			}
		}
		if fmt.Sprint(order) != fmt.Sprint(wantOrder) {
			t.Fatalf("map %d: regions %q, want %q", iter, order, wantOrder)
		}
		for k, w := range want {
			if got[k] != w.line() {
				t.Fatalf("map %d (hops %d, minConfidence %v) group %q:\n got %s\nwant %s\n%s", iter, g.opts.MaxHops, o.MinConfidence, k, got[k], w.line(), b.describe())
			}
		}
		w := want["*"]
		seen.accMet += w.accMet
		seen.accShort += len(w.accShort)
		seen.trust += len(w.trust)
		seen.emp += len(w.emp)
		seen.respShort += len(w.respShort)
		seen.repMet += w.rep[0]
		seen.isolated += len(w.pShort)
		if want["="] != nil {
			seen.noRegion++
		}
	}
	// The random maps must exercise every measure both ways.
	if seen.accMet < 20 || seen.accShort < 20 || seen.trust < 20 || seen.emp < 20 || seen.respShort < 20 || seen.repMet < 20 || seen.isolated < 20 || seen.noRegion < 20 {
		t.Errorf("too few cases: %+v", seen)
	}
}

// The social contract stops when its request is cancelled or its budget
// is spent, and a stopped run is not kept.
func TestSocialContractStopsOnCancelAndBudget(t *testing.T) {
	actors, rels := syntheticMap(3_000, 5)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01")}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	full, fb := budgetCtx(DefaultWorkBudget)
	if _, err := Build(actors, rels, opts).SocialContract(full, nil, nil); err != nil {
		t.Fatal(err)
	}
	before, bb := budgetCtx(DefaultWorkBudget)
	before, cancel := context.WithCancel(before)
	cancel()
	if _, err := Build(actors, rels, opts).SocialContract(before, nil, nil); !errs.Is(err, errs.Unavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	if bb.Used() != 0 {
		t.Errorf("cancelled before, yet %d units done", bb.Used())
	}
	g := Build(actors, rels, opts)
	small, _ := budgetCtx(fb.Used() / 4)
	if _, err := g.SocialContract(small, nil, nil); !errs.Is(err, errs.AnalysisLimit) {
		t.Errorf("over budget: %v", err)
	}
	sc, err := g.SocialContract(unbounded(), nil, nil)
	if err != nil || sc.Overall.Communities == 0 {
		t.Errorf("after a refusal: %v", err)
	}
	// Memoised: asking again (another region) spends nothing.
	again, ab := budgetCtx(DefaultWorkBudget)
	if _, err := g.SocialContract(again, new("region 3"), nil); err != nil || ab.Used() != 0 {
		t.Errorf("a second question: %v, %d units", err, ab.Used())
	}
}
