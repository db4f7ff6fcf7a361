package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

func form(f string) func(*domain.Relationship) {
	return func(r *domain.Relationship) { r.Form = new(domain.Form(f)) }
}

// harmList runs the analysis and returns every flag, all made.
func harmList(t *testing.T, g *Graph, f DoNoHarmFilter) []*DoNoHarmFlag {
	t.Helper()
	l, err := g.DoNoHarmFlags(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return l.Flags(0, l.Len())
}

// harmLine writes a flag as "KIND id,id,id score".
func harmLine(f *DoNoHarmFlag) string {
	ids := f.pos.ids
	return fmt.Sprintf("%s %s,%s,%s %.4f", f.Kind, ids[0], ids[1], ids[2], f.Score)
}

func harmLines(t *testing.T, g *Graph, f DoNoHarmFilter) []string {
	t.Helper()
	var out []string
	for _, x := range harmList(t, g, f) {
		out = append(out, harmLine(x))
	}
	return out
}

// harmMap is worked by hand below; every relationship that must not count
// says why.
func harmMap() *mapBuilder {
	b := &mapBuilder{}
	for _, id := range []string{"v1", "v2", "v3"} {
		b.actor(id, domain.KindCommunity)
	}
	b.actor("donor", domain.KindInternational)
	b.actor("fund", domain.KindInternational)
	b.actor("unit", domain.KindSecurityForce)
	b.actor("militia", domain.KindSecurityForce)
	b.actor("ngo", domain.KindCivilSociety)
	b.actor("mov", domain.KindMovement)
	b.actor("net", domain.KindMovement)
	// SUPPORT_TO_THREAT. Supporters of the unit: donor (s1 0.8 TRAINING,
	// s2 0.5 FUNDING: strongest 0.8), ngo (s3 0.5, no form), v1 (s6 0.4
	// SERVICES). The unit threatens v1 (t1 0.5 EXTORTION, t2 0.25 no
	// form: strongest 0.5) and v2 (t3 1.0 VIOLENCE).
	b.rel("s1", domain.Supports, "donor", "unit", 0.8, form("TRAINING"))
	b.rel("s2", domain.Supports, "donor", "unit", 0.5, form("FUNDING"))
	b.rel("s3", domain.Supports, "ngo", "unit", 0.5)
	b.rel("s6", domain.Supports, "v1", "unit", 0.4, form("SERVICES"))
	b.rel("t1", domain.Threatens, "unit", "v1", 0.5, form("EXTORTION"))
	b.rel("t2", domain.Threatens, "unit", "v1", 0.25)
	b.rel("t3", domain.Threatens, "unit", "v2", 1, form("VIOLENCE"))
	// Not counted: a threat to a non-community (t4), expired (t5),
	// below minConfidence 0.5 (t6), of strength 0 (t7); self-loops (s4 the
	// unit supporting itself; s5 donor supports v2, which "threatens
	// itself" in t9).
	b.rel("t4", domain.Threatens, "unit", "ngo", 0.9)
	b.rel("t5", domain.Threatens, "unit", "v3", 0.7, validTo("2024-12-31"))
	b.rel("t6", domain.Threatens, "unit", "v3", 0.6, confidence(0.2))
	b.rel("t7", domain.Threatens, "unit", "v3", 0)
	b.rel("s4", domain.Supports, "unit", "unit", 1)
	b.rel("s5", domain.Supports, "donor", "v2", 0.5)
	b.rel("t9", domain.Threatens, "v2", "v2", 1)
	// SHARED_DEPENDENCY. militia and mov are in tension both ways (x1 0.5,
	// x2 0.75: strongest 0.75); fund supports militia (b1 0.8) and backs
	// mov (b2 PROVIDES_SECURITY 0.4, b3 SUPPORTS 0.2 FUNDING: strongest
	// 0.4).
	b.rel("x1", domain.InTensionWith, "militia", "mov", 0.5)
	b.rel("x2", domain.InTensionWith, "mov", "militia", 0.75)
	b.rel("b1", domain.Supports, "fund", "militia", 0.8)
	b.rel("b2", domain.ProvidesSecurity, "fund", "mov", 0.4)
	b.rel("b3", domain.Supports, "fund", "mov", 0.2, form("FUNDING"))
	// v3 is in tension with v2 (stored v3 → v2, against id order, x5 0.5);
	// donor supports v2 (s5 0.5) and protects v3 (b12 0.6).
	b.rel("x5", domain.InTensionWith, "v3", "v2", 0.5)
	b.rel("b12", domain.ProvidesSecurity, "donor", "v3", 0.6)
	// Not counted: donor backs only one side of militia–mov in force
	// (b4 0.6 to militia; b10 to mov has strength 0, b11 confidence 0.2);
	// militia "backs" both sides (b5 to mov, b7 itself, a self-loop), but
	// a side is not a third actor; the net–mov tension expired (x3) though
	// fund backs both (b8, b2/b3); the ngo–net tension has strength 0 (x4)
	// though fund backs both (b8, b9).
	b.rel("b4", domain.Supports, "donor", "militia", 0.6)
	b.rel("b10", domain.Supports, "donor", "mov", 0)
	b.rel("b11", domain.ProvidesSecurity, "donor", "mov", 0.9, confidence(0.2))
	b.rel("b5", domain.Supports, "militia", "mov", 0.9)
	b.rel("b7", domain.Supports, "militia", "militia", 1)
	b.rel("x3", domain.InTensionWith, "net", "mov", 0.9, validTo("2024-12-31"))
	b.rel("b8", domain.Supports, "fund", "net", 0.9)
	b.rel("x4", domain.InTensionWith, "ngo", "net", 0)
	b.rel("b9", domain.Supports, "fund", "ngo", 0.5)
	// Other types are not read.
	b.rel("o1", domain.CooperatesWith, "mov", "militia", 1)
	b.rel("o2", domain.Controls, "donor", "unit", 1)
	return b
}

func TestDoNoHarmFlagsByHand(t *testing.T) {
	b := harmMap()
	g := b.graph(t, Options{MinConfidence: 0.5})
	// Scores: strongest support × strongest threat, or strongest tension ×
	// the weaker side's strongest backing:
	//   donor→unit→v2  0.8 × 1.0  = 0.8
	//   ngo→unit→v2    0.5 × 1.0  = 0.5
	//   donor→unit→v1  0.8 × 0.5  = 0.4
	//   v1→unit→v2     0.4 × 1.0  = 0.4 (same score: by ids, donor < v1)
	//   fund: militia–mov  0.75 × min(0.8, 0.4) = 0.3
	//   donor: v2–v3   0.5 × min(0.5, 0.6) = 0.25
	//   ngo→unit→v1    0.5 × 0.5  = 0.25 (same score: SHARED_DEPENDENCY first)
	//   v1→unit→v1     0.4 × 0.5  = 0.2 (v1 supports the unit that threatens it)
	all := harmList(t, g, DoNoHarmFilter{})
	var got []string
	for _, f := range all {
		got = append(got, harmLine(f))
	}
	wantList(t, got,
		"SUPPORT_TO_THREAT donor,unit,v2 0.8000",
		"SUPPORT_TO_THREAT ngo,unit,v2 0.5000",
		"SUPPORT_TO_THREAT donor,unit,v1 0.4000",
		"SUPPORT_TO_THREAT v1,unit,v2 0.4000",
		"SHARED_DEPENDENCY fund,militia,mov 0.3000",
		"SHARED_DEPENDENCY donor,v2,v3 0.2500",
		"SUPPORT_TO_THREAT ngo,unit,v1 0.2500",
		"SUPPORT_TO_THREAT v1,unit,v1 0.2000",
	)
	if len(all) != 8 {
		t.FailNow()
	}

	// 0.75 × 0.4 is 0.30000000000000004 in floating point; the score is
	// rounded to 12 decimals.
	if all[4].Score != 0.3 {
		t.Errorf("fund's score is %v, want 0.3 exactly", all[4].Score)
	}

	t.Run("explained", func(t *testing.T) {
		for _, c := range []struct {
			f                                      *DoNoHarmFlag
			supporter, recipient, community, sides string
			supports, threats, tensions, actors    string
			supportForms, threatForms              string
			supportMissing, threatMissing          bool
			explanation                            string
		}{
			{all[2], "donor", "unit", "v1", "", "s1,s2", "t1,t2", "", "donor,unit,v1", "FUNDING,TRAINING", "EXTORTION", false, true,
				"donor supports unit (FUNDING, TRAINING), and unit threatens v1 (EXTORTION; form not recorded on 1 of 2)"},
			{all[6], "ngo", "unit", "v1", "", "s3", "t1,t2", "", "ngo,unit,v1", "", "EXTORTION", true, true,
				"ngo supports unit (form not recorded), and unit threatens v1 (EXTORTION; form not recorded on 1 of 2)"},
			{all[7], "v1", "unit", "v1", "", "s6", "t1,t2", "", "v1,unit", "SERVICES", "EXTORTION", false, true,
				"v1 supports unit (SERVICES), and unit threatens v1 (EXTORTION; form not recorded on 1 of 2)"},
			{all[0], "donor", "unit", "v2", "", "s1,s2", "t3", "", "donor,unit,v2", "FUNDING,TRAINING", "VIOLENCE", false, false,
				"donor supports unit (FUNDING, TRAINING), and unit threatens v2 (VIOLENCE)"},
			// b1 (SUPPORTS, no form) and b3 (FUNDING) are the supports; b2
			// is a protection and has no form to miss.
			{all[4], "fund", "", "", "militia,mov", "b1,b2,b3", "", "x1,x2", "fund,militia,mov", "FUNDING", "", true, false,
				"fund supports militia (form not recorded), and fund supports mov (FUNDING) and provides security to mov, while militia and mov are in tension with each other"},
			{all[5], "donor", "", "", "v2,v3", "s5,b12", "", "x5", "donor,v2,v3", "", "", true, false,
				"donor supports v2 (form not recorded), and donor provides security to v3, while v2 and v3 are in tension with each other"},
		} {
			f := c.f
			name := func(a *domain.Actor) string {
				if a == nil {
					return ""
				}
				return a.ID
			}
			ids := func(as []*domain.Actor) string {
				var s []string
				for _, a := range as {
					s = append(s, a.ID)
				}
				return strings.Join(s, ",")
			}
			forms := func(fs []domain.Form) string {
				var s []string
				for _, x := range fs {
					s = append(s, string(x))
				}
				return strings.Join(s, ",")
			}
			if name(f.Supporter) != c.supporter || name(f.Recipient) != c.recipient || name(f.Community) != c.community || ids(f.Sides) != c.sides {
				t.Errorf("%s: actors %s %s %s %s", harmLine(f), name(f.Supporter), name(f.Recipient), name(f.Community), ids(f.Sides))
			}
			if relIDs(f.Supports) != c.supports || relIDs(f.Threats) != c.threats || relIDs(f.Tensions) != c.tensions {
				t.Errorf("%s: relationships %s | %s | %s", harmLine(f), relIDs(f.Supports), relIDs(f.Threats), relIDs(f.Tensions))
			}
			if ids(f.Actors()) != c.actors || relIDs(f.Relationships()) != strings.Join(slices.DeleteFunc([]string{c.supports, c.threats, c.tensions}, func(s string) bool { return s == "" }), ",") {
				t.Errorf("%s: actors %s, relationships %s", harmLine(f), ids(f.Actors()), relIDs(f.Relationships()))
			}
			if forms(f.SupportForms) != c.supportForms || forms(f.ThreatForms) != c.threatForms || f.SupportFormMissing != c.supportMissing || f.ThreatFormMissing != c.threatMissing {
				t.Errorf("%s: forms %v %v %v %v", harmLine(f), f.SupportForms, f.SupportFormMissing, f.ThreatForms, f.ThreatFormMissing)
			}
			if f.Explanation != c.explanation {
				t.Errorf("%s: explanation\n  %s\nwant\n  %s", harmLine(f), f.Explanation, c.explanation)
			}
		}
	})

	t.Run("in force", func(t *testing.T) {
		// Counting low confidence: t6 (unit threatens v3 0.6) and b11 (donor
		// protects mov 0.9, beside b4 to militia 0.6) now count:
		// donor→unit→v3 0.8 × 0.6 = 0.48, ngo→unit→v3 0.3, v1→unit→v3 0.24;
		// donor: militia–mov 0.75 × min(0.6, 0.9) = 0.45.
		g0 := b.graph(t, Options{})
		got := harmLines(t, g0, DoNoHarmFilter{})
		for _, w := range []string{"SUPPORT_TO_THREAT donor,unit,v3 0.4800", "SUPPORT_TO_THREAT ngo,unit,v3 0.3000",
			"SUPPORT_TO_THREAT v1,unit,v3 0.2400", "SHARED_DEPENDENCY donor,militia,mov 0.4500"} {
			if !slices.Contains(got, w) {
				t.Errorf("minConfidence 0: missing %s in %v", w, got)
			}
		}
		if len(got) != 12 {
			t.Errorf("minConfidence 0: %d flags, want 8 + 4: %v", len(got), got)
		}
		// Before t5 and x3 expired: unit threatened v3 (0.7): donor→unit→v3
		// 0.56; net and mov were in tension (0.9), both backed by fund (b8
		// 0.9; mov 0.4): 0.9 × 0.4 = 0.36.
		g1 := b.graph(t, Options{AsOf: domaintest.Date("2024-06-01"), MinConfidence: 0.5})
		got = harmLines(t, g1, DoNoHarmFilter{})
		for _, w := range []string{"SUPPORT_TO_THREAT donor,unit,v3 0.5600", "SHARED_DEPENDENCY fund,mov,net 0.3600"} {
			if !slices.Contains(got, w) {
				t.Errorf("2024-06-01: missing %s in %v", w, got)
			}
		}
	})

	t.Run("kinds and region", func(t *testing.T) {
		wantList(t, harmLines(t, g, DoNoHarmFilter{Kinds: []DoNoHarmKind{SharedDependency}}),
			"SHARED_DEPENDENCY fund,militia,mov 0.3000", "SHARED_DEPENDENCY donor,v2,v3 0.2500")
		wantList(t, harmLines(t, g, DoNoHarmFilter{Kinds: []DoNoHarmKind{SupportToThreat, SharedDependency}}), got...)
		b.actors[1].Region = "south" // v2
		b.actors[4].Region = "east"  // fund
		defer func() { b.actors[1].Region, b.actors[4].Region = "north", "north" }()
		g := b.graph(t, Options{MinConfidence: 0.5})
		// South: the threats to v2, and the tension v2 is a side of.
		wantList(t, harmLines(t, g, DoNoHarmFilter{Region: new("south")}),
			"SUPPORT_TO_THREAT donor,unit,v2 0.8000", "SUPPORT_TO_THREAT ngo,unit,v2 0.5000",
			"SUPPORT_TO_THREAT v1,unit,v2 0.4000", "SHARED_DEPENDENCY donor,v2,v3 0.2500")
		// East: only the third actor is there.
		wantList(t, harmLines(t, g, DoNoHarmFilter{Region: new("east")}), "SHARED_DEPENDENCY fund,militia,mov 0.3000")
		// The supporter's and threatener's regions do not place a
		// SUPPORT_TO_THREAT: nothing of it is east.
		wantList(t, harmLines(t, g, DoNoHarmFilter{Region: new("east"), Kinds: []DoNoHarmKind{SupportToThreat}}))
		wantList(t, harmLines(t, g, DoNoHarmFilter{Region: new("nowhere")}))
	})

	t.Run("paging", func(t *testing.T) {
		l, err := g.DoNoHarmFlags(context.Background(), DoNoHarmFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// After each flag's cursor comes the next one, also among ties.
		for i, f := range all {
			at, err := l.After(DoNoHarmFlagCursor(f))
			if err != nil || at != i+1 {
				t.Errorf("after flag %d: %d, %v", i, at, err)
			}
		}
		if at, err := l.After(""); at != 0 || err != nil {
			t.Errorf("no cursor: %d, %v", at, err)
		}
		if page := l.Flags(6, 5); len(page) != 2 || harmLine(page[0]) != got[6] {
			t.Errorf("the last page: %v", page)
		}
		for _, bad := range []string{"nonsense", encodeCursor(harmCursor{0.5, "NO_SUCH_KIND", [3]string{"a", "b", "c"}}),
			encodeCursor(harmCursor{1.5, SupportToThreat, [3]string{"a", "b", "c"}}), encodeCursor(harmCursor{0.5, SupportToThreat, [3]string{"a", "", "c"}}),
			encodeCursor(trustCursor{0.5, "CONTESTED|x|y"})} {
			if _, err := l.After(bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("bad cursor %q: %v", bad, err)
			}
		}
	})

	t.Run("bad kind", func(t *testing.T) {
		if _, err := g.DoNoHarmFlags(context.Background(), DoNoHarmFilter{Kinds: []DoNoHarmKind{"HARM"}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown kind: %v", err)
		}
		var k DoNoHarmKind
		if err := k.UnmarshalGQL("SUPPORT_TO_THREAT"); err != nil || k != SupportToThreat {
			t.Errorf("SUPPORT_TO_THREAT: %v %v", k, err)
		}
		if err := k.UnmarshalGQL("HARM"); !errs.Is(err, errs.Invalid) {
			t.Errorf("HARM: %v", err)
		}
	})
}

func TestDoNoHarmFlagsBounded(t *testing.T) {
	t.Run("too many flags", func(t *testing.T) {
		defer func(n int) { maxDoNoHarmFlags = n }(maxDoNoHarmFlags)
		maxDoNoHarmFlags = 5 // the hand-worked map raises 8: 6 + 2
		if _, err := harmMap().graph(t, Options{MinConfidence: 0.5}).DoNoHarmFlags(context.Background(), DoNoHarmFilter{}); !errs.Is(err, errs.AnalysisLimit) {
			t.Errorf("8 flags over a limit of 5: %v", err)
		}
		// One kind at a time fits.
		g := harmMap().graph(t, Options{MinConfidence: 0.5})
		if _, err := g.DoNoHarmFlags(context.Background(), DoNoHarmFilter{Kinds: []DoNoHarmKind{SharedDependency}}); err != nil {
			t.Errorf("2 flags: %v", err)
		}
		if _, err := g.DoNoHarmFlags(context.Background(), DoNoHarmFilter{Kinds: []DoNoHarmKind{SupportToThreat}}); !errs.Is(err, errs.AnalysisLimit) {
			t.Errorf("6 flags: %v", err)
		}
	})
	t.Run("budget", func(t *testing.T) {
		// A donor supporting a unit that threatens 2,000 villages: 2,000
		// flags, more work than a budget of 1,000 units.
		b := &mapBuilder{}
		b.actor("donor", domain.KindInternational)
		b.actor("unit", domain.KindSecurityForce)
		b.rel("s", domain.Supports, "donor", "unit", 1)
		for i := range 2000 {
			v := fmt.Sprintf("v%04d", i)
			b.actor(v, domain.KindCommunity)
			b.rel("t"+v, domain.Threatens, "unit", v, 0.5)
		}
		g := b.graph(t, Options{})
		// The tables first (one unit a relationship and its sort), so that
		// what follows measures the flags alone.
		if _, err := g.DoNoHarmFlags(unbounded(), DoNoHarmFilter{Kinds: []DoNoHarmKind{SharedDependency}}); err != nil {
			t.Fatal(err)
		}
		stt := DoNoHarmFilter{Kinds: []DoNoHarmKind{SupportToThreat}}
		if _, err := g.DoNoHarmFlags(WithBudget(context.Background(), NewBudget(1000)), stt); !errs.Is(err, errs.AnalysisLimit) {
			t.Errorf("over budget: %v", err)
		}
		// The refusal is not kept: with budget enough, the same projection answers.
		budget := NewBudget(1_000_000)
		l, err := g.DoNoHarmFlags(WithBudget(context.Background(), budget), stt)
		if err != nil || l.Len() != 2000 {
			t.Fatalf("with budget: %v", err)
		}
		// At least a unit a flag is spent.
		if budget.Used() < 2000 {
			t.Errorf("2,000 flags spent %d units", budget.Used())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := harmMap().graph(t, Options{}).DoNoHarmFlags(ctx, DoNoHarmFilter{}); !errs.Is(err, errs.Unavailable) {
			t.Errorf("cancelled: %v", err)
		}
	})
}

// bruteHarmFlags reads the definitions directly off the relationships:
// every triple of actors tried, no tables. Lines are
// "KIND a,b,c score supports|threats|tensions supportForms" in the order
// the definition gives (score descending, kind, ids).
func bruteHarmFlags(actors []*domain.Actor, rels []*domain.Relationship, o Options, kinds []DoNoHarmKind, region *string) []string {
	counts := func(r *domain.Relationship, types []domain.RelationshipType, from, to string) bool {
		return slices.Contains(types, r.Type) && r.FromID == from && r.ToID == to && from != to &&
			r.Strength > 0 && r.ValidAt(o.AsOf) && r.Confidence >= o.MinConfidence
	}
	of := func(types []domain.RelationshipType, pairs ...[2]string) (best float64, ids []string, forms map[domain.Form]bool, missing bool) {
		forms = map[domain.Form]bool{}
		for _, r := range rels {
			for _, p := range pairs {
				if counts(r, types, p[0], p[1]) {
					best = math.Max(best, r.Strength)
					ids = append(ids, r.ID)
					if r.Type == domain.Supports || r.Type == domain.Threatens {
						if r.Form == nil {
							missing = true
						} else {
							forms[*r.Form] = true
						}
					}
				}
			}
		}
		return best, ids, forms, missing
	}
	formList := func(fs ...map[domain.Form]bool) string {
		var s []string
		for _, m := range fs {
			for f := range m {
				if !slices.Contains(s, string(f)) {
					s = append(s, string(f))
				}
			}
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	inRegion := func(as ...*domain.Actor) bool {
		if region == nil {
			return true
		}
		for _, a := range as {
			if a.Region == *region {
				return true
			}
		}
		return false
	}
	want := func(k DoNoHarmKind) bool { return len(kinds) == 0 || slices.Contains(kinds, k) }
	type flag struct {
		score float64
		kind  DoNoHarmKind
		ids   [3]string
		line  string
	}
	var out []flag
	sup := []domain.RelationshipType{domain.Supports}
	back := []domain.RelationshipType{domain.Supports, domain.ProvidesSecurity}
	for _, a := range actors {
		for _, p := range actors {
			for _, c := range actors {
				if want(SupportToThreat) && c.Kind == domain.KindCommunity && inRegion(c) {
					s, sids, sf, sm := of(sup, [2]string{a.ID, p.ID})
					th, tids, tf, tm := of([]domain.RelationshipType{domain.Threatens}, [2]string{p.ID, c.ID})
					if len(sids) > 0 && len(tids) > 0 {
						sort.Strings(sids)
						sort.Strings(tids)
						out = append(out, flag{s * th, SupportToThreat, [3]string{a.ID, p.ID, c.ID}, fmt.Sprintf("%s %s,%s,%s %.6f %s|%s| %s %v %s %v",
							SupportToThreat, a.ID, p.ID, c.ID, s*th, strings.Join(sids, ","), strings.Join(tids, ","), formList(sf), sm, formList(tf), tm)})
					}
				}
				// SHARED_DEPENDENCY: a is X, p and c the sides (p's id below c's).
				if want(SharedDependency) && p.ID < c.ID && a != p && a != c && inRegion(a, p, c) {
					te, xids, _, _ := of([]domain.RelationshipType{domain.InTensionWith}, [2]string{p.ID, c.ID}, [2]string{c.ID, p.ID})
					bp, pids, pf, pm := of(back, [2]string{a.ID, p.ID})
					bc, cids, cf, cm := of(back, [2]string{a.ID, c.ID})
					if len(xids) > 0 && len(pids) > 0 && len(cids) > 0 {
						sort.Strings(pids)
						sort.Strings(cids)
						sort.Strings(xids)
						score := te * math.Min(bp, bc)
						out = append(out, flag{score, SharedDependency, [3]string{a.ID, p.ID, c.ID}, fmt.Sprintf("%s %s,%s,%s %.6f %s||%s %s %v  false",
							SharedDependency, a.ID, p.ID, c.ID, score, strings.Join(append(pids, cids...), ","), strings.Join(xids, ","), formList(pf, cf), pm || cm)})
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.score != y.score {
			return x.score > y.score
		}
		if x.kind != y.kind {
			return x.kind < y.kind
		}
		return strings.Join(x.ids[:], "\x00") < strings.Join(y.ids[:], "\x00")
	})
	lines := make([]string, len(out))
	for i, f := range out {
		lines[i] = f.line
	}
	return lines
}

func TestDoNoHarmFlagsAgreeWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 31))
	kinds := []domain.ActorKind{domain.KindCommunity, domain.KindCommunity, domain.KindSecurityForce, domain.KindInternational, domain.KindMovement}
	types := []domain.RelationshipType{domain.Supports, domain.Supports, domain.Threatens, domain.Threatens, domain.ProvidesSecurity,
		domain.InTensionWith, domain.InTensionWith, domain.CooperatesWith}
	supportForms := []string{"", "FUNDING", "TRAINING", "SERVICES"}
	threatForms := []string{"", "ABUSE", "EXTORTION"}
	// Strengths on a grid of quarters: products are exact, so ties (and
	// the tie-break) are frequent.
	grid := func() float64 { return float64(rng.IntN(5)) / 4 }
	perKind := map[DoNoHarmKind]int{}
	for round := range 1000 {
		b := &mapBuilder{}
		n := 3 + rng.IntN(5)
		for i := range n {
			b.actor(fmt.Sprintf("a%d", i), kinds[rng.IntN(len(kinds))])
			b.actors[i].Region = []string{"north", "south"}[rng.IntN(2)]
		}
		for i := range rng.IntN(40) {
			from, to := rng.IntN(n), rng.IntN(n)
			if rng.IntN(15) != 0 && from == to {
				continue // a few self-loops stay
			}
			var opts []func(*domain.Relationship)
			ty := types[rng.IntN(len(types))]
			switch ty {
			case domain.Supports:
				if f := supportForms[rng.IntN(len(supportForms))]; f != "" {
					opts = append(opts, form(f))
				}
			case domain.Threatens:
				if f := threatForms[rng.IntN(len(threatForms))]; f != "" {
					opts = append(opts, form(f))
				}
			}
			switch rng.IntN(6) {
			case 0:
				opts = append(opts, validTo("2024-06-01"))
			case 1:
				opts = append(opts, confidence(0.3))
			}
			b.rel(fmt.Sprintf("r%03d", i), ty, fmt.Sprintf("a%d", from), fmt.Sprintf("a%d", to), grid(), opts...)
		}
		g := b.graph(t, Options{MinConfidence: []float64{0, 0.5}[rng.IntN(2)]})
		var f DoNoHarmFilter
		switch rng.IntN(4) {
		case 0:
			f.Region = new([]string{"north", "south"}[rng.IntN(2)])
		case 1:
			f.Kinds = []DoNoHarmKind{[]DoNoHarmKind{SupportToThreat, SharedDependency}[rng.IntN(2)]}
		}
		flags := harmList(t, g, f)
		var got []string
		for _, x := range flags {
			if x.Score < 0 || x.Score > 1 {
				t.Fatalf("score out of range: %+v", x)
			}
			forms := func(fs []domain.Form) string {
				s := make([]string, len(fs))
				for i, f := range fs {
					s[i] = string(f)
				}
				sort.Strings(s)
				return strings.Join(s, ",")
			}
			ids := x.pos.ids
			got = append(got, fmt.Sprintf("%s %s,%s,%s %.6f %s|%s|%s %s %v %s %v", x.Kind, ids[0], ids[1], ids[2], x.Score,
				relIDs(x.Supports), relIDs(x.Threats), relIDs(x.Tensions), forms(x.SupportForms), x.SupportFormMissing, forms(x.ThreatForms), x.ThreatFormMissing))
			perKind[x.Kind]++
		}
		want := bruteHarmFlags(b.actors, b.rels, g.opts, f.Kinds, f.Region)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("round %d (%+v): engine\n  %s\nbrute force\n  %s", round, f, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	for _, k := range doNoHarmKinds {
		if perKind[k] < 100 {
			t.Errorf("only %d flags of %s over all rounds: the random maps test too little", perKind[k], k)
		}
	}
}
