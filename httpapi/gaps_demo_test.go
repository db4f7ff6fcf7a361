package httpapi_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/demo"
)

// The relationship gaps of issue 13 through GraphQL on the demo map, which
// has at least one case of every kind. Every expectation is worked out by
// hand from demo/demo.json (the comments say how), as of 2026-06-01: the
// police's court route had expired (2026-03-01), the army's commission
// route and Haldo's seat in the women's network had not begun (2027).
//
// Three callers: the owner (clearance CONFIDENTIAL: sees every threat and
// the police's training of the riverside watch), an analyst (RESTRICTED by
// default: the trust survey and the movements, not the threats) and an
// analyst of clearance PUBLIC (neither trust nor movements nor civil
// society).

const demoAsOf = "2026-06-01"

type demoCallers struct {
	*demoFixture
	keyOf                     map[string]string // actor id → demo key
	restricted, publicAnalyst string            // tokens
}

func loadDemoCallers(t *testing.T) *demoCallers {
	f := &demoCallers{demoFixture: loadDemo(t), keyOf: map[string]string{}}
	for k, id := range f.ids {
		f.keyOf[id] = k
	}
	f.restricted, _ = f.a.CreateToken(f.ws, "ANALYST", "")
	f.publicAnalyst, _ = f.a.CreateToken(f.ws, "ANALYST", "PUBLIC")
	return f
}

// key is the demo key of an actor id, or the id itself when the demo has
// no such actor (so that a failure shows it).
func (f *demoCallers) key(id string) string {
	if k, ok := f.keyOf[id]; ok {
		return k
	}
	return id
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestTrustGapsOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	query := func(token string) []string {
		var out struct {
			Workspace struct {
				TrustGaps struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Kind          string
							Score         float64
							From, To      struct{ ID string }
							Relationships []struct{ ID string }
						}
					}
				}
			}
		}
		f.a.As(token).OK(`query($ws: ID!, $asOf: Date) { workspace(id: $ws) { trustGaps(asOf: $asOf) { totalCount
		  edges { node { kind score from { id } to { id } relationships { id } } } } } }`, map[string]any{"ws": f.ws, "asOf": demoAsOf}, &out)
		var lines []string
		for _, e := range out.Workspace.TrustGaps.Edges {
			n := e.Node
			lines = append(lines, fmt.Sprintf("%s %s>%s %.4f (%d relationships)", n.Kind, f.key(n.From.ID), f.key(n.To.ID), n.Score, len(n.Relationships)))
		}
		if out.Workspace.TrustGaps.TotalCount != len(lines) {
			t.Errorf("totalCount %d, %d edges", out.Workspace.TrustGaps.TotalCount, len(lines))
		}
		return lines
	}
	// By hand, at threshold 0.5 and distrustBelow 0.4:
	//   POLARISED: Tamal trusts the women's network 0.8, the Kessara youth 0.2: 0.6.
	//   ASYMMETRY: the council trusts the elders 0.9, the elders it 0.33: 0.57.
	//   CONTESTED: the army protects Besk (0.5) and threatens it (0.8): 0.5;
	//     the police protect the youth (0.3) and threaten them (0.6): 0.3.
	//   PERCEPTION_DIVERGENCE: Tamal's women trust the police 0.2, its men 0.7: 0.5.
	//   DEPENDENCY_WITHOUT_TRUST: Besk on the army, 0.5 × (1 − 0.1) = 0.45; the
	//     youth on the police, 0.3 × (1 − 0) = 0.3; Miren on the police,
	//     0.4 × (1 − 0.33) = 0.268. (Tamal on the police: 0.45 is not below
	//     0.4; Oruvi on the wardens 0.5, Miren on its watch 0.67, Haldo on the
	//     peacekeepers 0.6: none.)
	//   Ties by kind: CONTESTED before PERCEPTION_DIVERGENCE and DEPENDENCY.
	all := []string{
		"POLARISED c-tamal-village>m-womens-network 0.6000 (2 relationships)",
		"ASYMMETRY s-district-council>ca-council-of-elders 0.5700 (2 relationships)",
		"CONTESTED f-army-battalion>c-besk-highlands 0.5000 (2 relationships)",
		"PERCEPTION_DIVERGENCE c-tamal-village>f-district-police 0.5000 (2 relationships)",
		"DEPENDENCY_WITHOUT_TRUST c-besk-highlands>f-army-battalion 0.4500 (2 relationships)",
		"CONTESTED f-district-police>c-kessara-youth 0.3000 (2 relationships)",
		"DEPENDENCY_WITHOUT_TRUST c-kessara-youth>f-district-police 0.3000 (2 relationships)",
		"DEPENDENCY_WITHOUT_TRUST c-miren-riverside>f-district-police 0.2680 (2 relationships)",
	}
	wantLines(t, "trust gaps, owner", query(f.a.Token), all)
	// The threats are CONFIDENTIAL: an analyst sees no contested protection.
	var restricted []string
	for _, l := range all {
		if !strings.HasPrefix(l, "CONTESTED") {
			restricted = append(restricted, l)
		}
	}
	wantLines(t, "trust gaps, analyst", query(f.restricted), restricted)
	// The trust survey is RESTRICTED: a PUBLIC analyst has no trust to compare.
	wantLines(t, "trust gaps, public analyst", query(f.publicAnalyst), nil)
}

func TestCommunityChannelsOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	query := func(token string) []string {
		var out struct {
			Workspace struct {
				CommunityChannels []struct {
					Community      struct{ ID string }
					Status         string
					Channels       []struct{ ID string }
					AbsentState    bool
					StateProviders []struct{ ID string }
				}
			}
		}
		f.a.As(token).OK(`query($ws: ID!, $asOf: Date) { workspace(id: $ws) { communityChannels(asOf: $asOf) {
		  community { id } status channels { id } absentState stateProviders { id } } } }`, map[string]any{"ws": f.ws, "asOf": demoAsOf}, &out)
		var lines []string
		for _, c := range out.Workspace.CommunityChannels {
			var channels, providers []string
			for _, a := range c.Channels {
				channels = append(channels, f.key(a.ID))
			}
			for _, a := range c.StateProviders {
				providers = append(providers, f.key(a.ID))
			}
			sort.Strings(channels)
			lines = append(lines, fmt.Sprintf("%s %s [%s] absentState=%v [%s]", f.key(c.Community.ID), c.Status,
				strings.Join(channels, " "), c.AbsentState, strings.Join(providers, " ")))
		}
		sort.Strings(lines) // the API orders by id; the test reads by key
		return lines
	}
	// By hand: a community's steps out are its PARTICIPATES_IN and
	// INFLUENCES, and the ACCOUNTABLE_TO and REPRESENTS that point at it
	// (they run backwards). Haldo's only one begins in 2027 and Miren's
	// forum seat ended in 2023. State providers: the police, the army and
	// the market wardens are state-affiliated; the peacekeepers and the
	// riverside watch are not.
	wantLines(t, "channels, analyst", query(f.restricted), []string{
		"c-besk-highlands CONNECTED [ca-besk-chief ca-council-of-elders m-land-rights m-victims-association] absentState=false [f-army-battalion]",
		"c-haldo-camp ISOLATED [] absentState=true []",
		"c-kessara-youth CONNECTED [cs-legal-aid-clinic s-district-council] absentState=false [f-district-police]",
		"c-miren-riverside CONNECTED [cs-community-radio f-miren-vigilantes] absentState=false [f-district-police]",
		"c-oruvi-market CONNECTED [m-traders-union m-womens-network s-district-council] absentState=false [f-market-wardens]",
		"c-sefa-fishers SINGLE_CHANNEL [cs-community-radio] absentState=true []",
		"c-tamal-village CONNECTED [ca-council-of-elders m-womens-network] absentState=false [f-district-police]",
	})
	// Movements and civil society are RESTRICTED: for a PUBLIC analyst the
	// radio, the legal-aid clinic and the movements are not there, and
	// neither are the channels through them.
	wantLines(t, "channels, public analyst", query(f.publicAnalyst), []string{
		"c-besk-highlands CONNECTED [ca-besk-chief ca-council-of-elders] absentState=false [f-army-battalion]",
		"c-haldo-camp ISOLATED [] absentState=true []",
		"c-kessara-youth SINGLE_CHANNEL [s-district-council] absentState=false [f-district-police]",
		"c-miren-riverside SINGLE_CHANNEL [f-miren-vigilantes] absentState=false [f-district-police]",
		"c-oruvi-market SINGLE_CHANNEL [s-district-council] absentState=false [f-market-wardens]",
		"c-sefa-fishers ISOLATED [] absentState=true []",
		"c-tamal-village SINGLE_CHANNEL [ca-council-of-elders] absentState=false [f-district-police]",
	})
}

func TestUnaccountableActorsOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	query := func(token string, kinds []string) []string {
		var out struct {
			Workspace struct {
				UnaccountableActors []struct {
					Actor  struct{ ID string }
					Status string
					Steps  []struct{ From struct{ ID string } }
				}
			}
		}
		vars := map[string]any{"ws": f.ws, "asOf": demoAsOf}
		q := `query($ws: ID!, $asOf: Date) { workspace(id: $ws) { unaccountableActors(asOf: $asOf) { actor { id } status steps { from { id } } } } }`
		if kinds != nil {
			vars["kinds"] = kinds
			q = `query($ws: ID!, $asOf: Date, $kinds: [ActorKind!]) { workspace(id: $ws) { unaccountableActors(asOf: $asOf, kinds: $kinds) {
			  actor { id } status steps { from { id } } } } }`
		}
		f.a.As(token).OK(q, vars, &out)
		var lines []string
		for _, u := range out.Workspace.UnaccountableActors {
			var from []string
			for _, s := range u.Steps {
				from = append(from, f.key(s.From.ID))
			}
			lines = append(lines, fmt.Sprintf("%s %s [%s]", f.key(u.Actor.ID), u.Status, strings.Join(from, " ")))
		}
		sort.Strings(lines)
		return lines
	}
	// By hand: the police, the army, the wardens and the peacekeepers are
	// each CONTROLLED (enforcement). Only the elders' dialogue reaches the
	// ridge militia, and only Miren's social accountability its watch: both
	// answerability.
	wantLines(t, "security forces", query(f.restricted, nil), []string{
		"f-miren-vigilantes ANSWERABILITY_ONLY [c-miren-riverside]",
		"f-ridge-militia ANSWERABILITY_ONLY [ca-council-of-elders]",
	})
	// International actors: the relief INGO's influence on the donor, the
	// women's network's dialogue with the mission; nothing reaches the INGO.
	international := []string{"INTERNATIONAL"}
	wantLines(t, "international, analyst", query(f.restricted, international), []string{
		"i-northland-donor ANSWERABILITY_ONLY [i-relief-ingo]",
		"i-relief-ingo UNACCOUNTABLE []",
		"i-un-mission ANSWERABILITY_ONLY [m-womens-network]",
	})
	// The women's network is RESTRICTED: to a PUBLIC analyst the mission
	// answers to nobody.
	wantLines(t, "international, public analyst", query(f.publicAnalyst, international), []string{
		"i-northland-donor ANSWERABILITY_ONLY [i-relief-ingo]",
		"i-relief-ingo UNACCOUNTABLE []",
		"i-un-mission UNACCOUNTABLE []",
	})
}

func TestParticipationGapsOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	query := func(token string, maxHops int) []string {
		var out struct {
			Workspace struct {
				ParticipationGaps struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Target    struct{ ID string }
							Reason    string
							Nearest   *struct{ ID string }
							Hops      *int
							BestRoute *struct {
								Strength float64
								Steps    []struct{ Relationship struct{ ID string } }
							}
						}
					}
				}
			}
		}
		f.a.As(token).OK(`query($ws: ID!, $asOf: Date, $maxHops: Int) { workspace(id: $ws) { participationGaps(asOf: $asOf, maxHops: $maxHops) {
		  totalCount edges { node { target { id } reason nearest { id } hops bestRoute { strength steps { relationship { id } } } } } } } }`,
			map[string]any{"ws": f.ws, "asOf": demoAsOf, "maxHops": maxHops}, &out)
		relKey := map[string]string{}
		for k, id := range f.relIDs {
			relKey[id] = k
		}
		var unreached, beyond []string
		for _, e := range out.Workspace.ParticipationGaps.Edges {
			n := e.Node
			if n.Reason != "BEYOND_LIMIT" {
				if len(beyond) > 0 {
					t.Errorf("%s after a BEYOND_LIMIT gap: most out of reach must come first", n.Reason)
				}
				unreached = append(unreached, fmt.Sprintf("%s %s", f.key(n.Target.ID), n.Reason))
				continue
			}
			var steps []string
			for _, s := range n.BestRoute.Steps {
				steps = append(steps, relKey[s.Relationship.ID])
			}
			beyond = append(beyond, fmt.Sprintf("%s BEYOND_LIMIT %s %d %.2f [%s]", f.key(n.Target.ID), f.key(n.Nearest.ID), *n.Hops,
				n.BestRoute.Strength, strings.Join(steps, " ")))
		}
		if out.Workspace.ParticipationGaps.TotalCount != len(unreached)+len(beyond) {
			t.Errorf("totalCount %d, %d edges", out.Workspace.ParticipationGaps.TotalCount, len(unreached)+len(beyond))
		}
		sort.Strings(unreached) // in target id order within the reason
		return append(unreached, beyond...)
	}
	// By hand: the women-led actors are the women's network, the victims'
	// association and the legal-aid clinic. In one step they reach the
	// council, the oversight board (dialogue; the clinic's complaints), the
	// human-rights commission and the court; in two, through the council,
	// the district administration (it answers to the council) and the
	// elders (dialogue). Nothing leads into parliament, so neither into
	// the ministries it holds to account; nothing leads into Besk, the only
	// way to its chief.
	noRoute := []string{
		"ca-besk-chief NO_ROUTE",
		"s-defence-ministry NO_ROUTE",
		"s-interior-ministry NO_ROUTE",
		"s-parliament-security-committee NO_ROUTE",
	}
	wantLines(t, "participation gaps within 4 steps", query(f.restricted, 4), noRoute)
	// Within 1 step, the two that need two are beyond it: the weaker first
	// (0.6 × 0.3 = 0.18 to the administration, 0.6 × 0.6 = 0.36 to the elders).
	wantLines(t, "participation gaps within 1 step", query(f.restricted, 1), append(noRoute,
		"s-district-administration BEYOND_LIMIT m-womens-network 2 0.18 [inf-womens-network-council acc-administration-council]",
		"ca-council-of-elders BEYOND_LIMIT m-womens-network 2 0.36 [inf-womens-network-council dlg-elders-council]"))
	// Movements and civil society are RESTRICTED: a PUBLIC analyst sees no
	// women-led actor, and every one of the ten targets is a gap.
	var public []string
	for _, k := range []string{"ca-besk-chief", "ca-council-of-elders", "s-defence-ministry", "s-district-administration", "s-district-council",
		"s-district-court", "s-hr-commission", "s-interior-ministry", "s-parliament-security-committee", "s-police-oversight-board"} {
		public = append(public, k+" NO_WOMEN_LED_ACTOR")
	}
	wantLines(t, "participation gaps, public analyst", query(f.publicAnalyst, 4), public)
}

func TestSocialContractOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	type figures struct {
		Communities    int
		Responsiveness struct {
			Value       *float64
			Numerator   float64
			Denominator int
			Shortfall   []struct{ ID string }
		}
		Accountability struct {
			Value       *float64
			Numerator   float64
			Denominator int
			Shortfall   []struct{ Community, PowerHolder struct{ ID string } }
		}
		Representation, Participation struct {
			Value       *float64
			Numerator   float64
			Denominator int
		}
		Empowerment, TrustInState struct {
			Value       *float64
			Numerator   float64
			Denominator int
		}
	}
	const fields = `communities responsiveness { value numerator denominator shortfall(first: 50) { id } }
	  accountability { value numerator denominator shortfall(first: 50) { community { id } powerHolder { id } } }
	  representation { value numerator denominator } participation { value numerator denominator }
	  empowerment { value numerator denominator } trustInState { value numerator denominator }`
	query := func(token string, region any) figures {
		var out struct {
			Workspace struct{ SocialContract struct{ Overall figures } }
		}
		f.a.As(token).OK(`query($ws: ID!, $asOf: Date, $region: String) { workspace(id: $ws) { socialContract(asOf: $asOf, region: $region) {
		  overall { `+fields+` } } } }`, map[string]any{"ws": f.ws, "asOf": demoAsOf, "region": region}, &out)
		return out.Workspace.SocialContract.Overall
	}
	share := func(v *float64, n float64, d int) string {
		if v == nil {
			return fmt.Sprintf("null (%g/%d)", n, d)
		}
		return fmt.Sprintf("%.4f (%g/%d)", *v, n, d)
	}
	summary := func(c figures) []string {
		var short, pairs []string
		for _, a := range c.Responsiveness.Shortfall {
			short = append(short, f.key(a.ID))
		}
		for _, p := range c.Accountability.Shortfall {
			pairs = append(pairs, f.key(p.Community.ID)+"/"+f.key(p.PowerHolder.ID))
		}
		sort.Strings(short)
		sort.Strings(pairs)
		return []string{
			fmt.Sprintf("communities %d", c.Communities),
			"responsiveness " + share(c.Responsiveness.Value, c.Responsiveness.Numerator, c.Responsiveness.Denominator) + " without: " + strings.Join(short, " "),
			"accountability " + share(c.Accountability.Value, c.Accountability.Numerator, c.Accountability.Denominator),
			"  without an enforceable route: " + strings.Join(pairs, " "),
			"representation " + share(c.Representation.Value, c.Representation.Numerator, c.Representation.Denominator),
			"empowerment " + share(c.Empowerment.Value, c.Empowerment.Numerator, c.Empowerment.Denominator),
			"participation " + share(c.Participation.Value, c.Participation.Numerator, c.Participation.Denominator),
			"trustInState " + share(c.TrustInState.Value, c.TrustInState.Numerator, c.TrustInState.Denominator),
		}
	}
	// By hand, for the owner (every record), over the seven communities:
	//   responsiveness: the police (Tamal, Miren, the youth), the wardens
	//     (Oruvi) and the army (Besk) are state actors; Haldo has only the
	//     peacekeepers and Sefa nobody: 5/7.
	//   accountability: 12 pairs (7 protections, 7 threats, two of them on
	//     the same pairs). Enforceable: Tamal→police and Oruvi→police
	//     (through the women's network or the traders to the oversight
	//     board), the youth→police (the legal-aid clinic to the board),
	//     Oruvi→wardens (its electoral hold on the council, which controls
	//     them): 4/12.
	//   representation: the elders represent Besk and Tamal, the chief Besk: 2/7.
	//   empowerment: 0.6 + 0.55 + 0.3 + 0.2 + 0.4 + 0.5 = 2.55 over 6 (Sefa has none).
	//   participation: all but Haldo (its seat begins in 2027): 6/7.
	//   trustInState: Tamal 0.45 (the police: women 0.2, men 0.7), Oruvi 0.35
	//     (the police 0.2, the wardens 0.5), Besk 0.1, Miren 0.33, the youth
	//     0: 1.23 over 5 (Haldo trusts only non-state forces, Sefa none).
	enforceableless := "  without an enforceable route: c-besk-highlands/f-army-battalion c-besk-highlands/f-ridge-militia " +
		"c-haldo-camp/f-ridge-militia c-haldo-camp/f-un-peacekeepers c-haldo-camp/s-district-administration " +
		"c-kessara-youth/f-miren-vigilantes c-miren-riverside/f-district-police c-miren-riverside/f-miren-vigilantes"
	wantLines(t, "social contract, owner", summary(query(f.a.Token, nil)), []string{
		"communities 7",
		"responsiveness 0.7143 (5/7) without: c-haldo-camp c-sefa-fishers",
		"accountability 0.3333 (4/12)",
		enforceableless,
		"representation 0.2857 (2/7)",
		"empowerment 0.4250 (2.55/6)",
		"participation 0.8571 (6/7)",
		"trustInState 0.2460 (1.23/5)",
	})
	// An analyst sees no threat: 7 pairs, of which the same three
	// protections have an enforceable route.
	got := summary(query(f.restricted, nil))
	wantLines(t, "social contract, analyst", got[2:4], []string{
		"accountability 0.4286 (3/7)",
		"  without an enforceable route: c-besk-highlands/f-army-battalion c-haldo-camp/f-un-peacekeepers " +
			"c-miren-riverside/f-district-police c-miren-riverside/f-miren-vigilantes",
	})
	// A PUBLIC analyst sees neither the movements and civil society nor the
	// trust survey: only Oruvi's hold on the council remains enforceable;
	// Sefa's only channel (the radio) is gone; nobody reports trust.
	got = summary(query(f.publicAnalyst, nil))
	wantLines(t, "social contract, public analyst", []string{got[2], got[6], got[7]}, []string{
		"accountability 0.1429 (1/7)",
		"participation 0.7143 (5/7)",
		"trustInState null (0/0)",
	})
	// One region: Kessara Town is Oruvi market and the youth. Pairs: the
	// youth under the police and the watch, Oruvi under the wardens and the
	// police; enforceable all but the watch. Trust: (0.35 + 0) / 2.
	wantLines(t, "social contract, Kessara Town", summary(query(f.a.Token, "Kessara Town")), []string{
		"communities 2",
		"responsiveness 1.0000 (2/2) without: ",
		"accountability 0.7500 (3/4)",
		"  without an enforceable route: c-kessara-youth/f-miren-vigilantes",
		"representation 0.0000 (0/2)",
		"empowerment 0.5250 (1.05/2)",
		"participation 1.0000 (2/2)",
		"trustInState 0.1750 (0.35/2)",
	})
}

func TestDoNoHarmFlagsOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	relKey := map[string]string{}
	for k, id := range f.relIDs {
		relKey[id] = k
	}
	query := func(token string) ([]string, []string) {
		var out struct {
			Workspace struct {
				DoNoHarmFlags struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							Kind                      string
							Score                     float64
							Explanation               string
							Supporter                 struct{ ID string }
							Recipient, Community      *struct{ ID string }
							Sides                     []struct{ ID string }
							SupportForms, ThreatForms []string
							Relationships             []struct{ ID string }
						}
					}
				}
			}
		}
		f.a.As(token).OK(`query($ws: ID!, $asOf: Date) { workspace(id: $ws) { doNoHarmFlags(asOf: $asOf) { totalCount
		  edges { node { kind score explanation supporter { id } recipient { id } community { id } sides { id }
		    supportForms threatForms relationships { id } } } } } }`, map[string]any{"ws": f.ws, "asOf": demoAsOf}, &out)
		var lines, explanations []string
		for _, e := range out.Workspace.DoNoHarmFlags.Edges {
			n := e.Node
			who := []string{f.key(n.Supporter.ID)}
			for _, a := range []*struct{ ID string }{n.Recipient, n.Community} {
				if a != nil {
					who = append(who, f.key(a.ID))
				}
			}
			var sides []string
			for _, a := range n.Sides {
				sides = append(sides, f.key(a.ID))
			}
			sort.Strings(sides) // the API orders them by id
			who = append(who, sides...)
			var rels []string
			for _, r := range n.Relationships {
				rels = append(rels, relKey[r.ID])
			}
			sort.Strings(rels)
			lines = append(lines, fmt.Sprintf("%s %.2f %s forms %v/%v [%s]", n.Kind, n.Score, strings.Join(who, " "), n.SupportForms, n.ThreatForms,
				strings.Join(rels, " ")))
			explanations = append(explanations, n.Explanation)
		}
		if out.Workspace.DoNoHarmFlags.TotalCount != len(lines) {
			t.Errorf("totalCount %d, %d edges", out.Workspace.DoNoHarmFlags.TotalCount, len(lines))
		}
		return lines, explanations
	}
	// By hand: the donor trains the army battalion (0.6), which threatens
	// Besk with violence (0.8): 0.48. The police train the riverside watch
	// (0.5, CONFIDENTIAL), which abuses the Kessara youth (0.5): 0.25. The
	// youth and the watch are in tension (0.5) and both lean on the police:
	// the youth for security (0.3), the watch for training (0.5):
	// 0.5 × min(0.3, 0.5) = 0.15. (The donor's funding of the radio ended in
	// 2024; nobody it funds now threatens anyone; the INGO's services go to
	// Haldo, which threatens nobody.)
	lines, explanations := query(f.a.Token)
	wantLines(t, "do-no-harm flags, owner", lines, []string{
		"SUPPORT_TO_THREAT 0.48 i-northland-donor f-army-battalion c-besk-highlands forms [TRAINING]/[VIOLENCE] [sup-donor-army-training th-army-besk]",
		"SUPPORT_TO_THREAT 0.25 f-district-police f-miren-vigilantes c-kessara-youth forms [TRAINING]/[ABUSE] [sup-police-vigilantes th-vigilantes-youth]",
		"SHARED_DEPENDENCY 0.15 f-district-police c-kessara-youth f-miren-vigilantes forms [TRAINING]/[] [ps-police-youth sup-police-vigilantes ten-youth-vigilantes]",
	})
	m := demoNames(t)
	for i, want := range [][]string{
		{m["i-northland-donor"], m["f-army-battalion"], m["c-besk-highlands"], "TRAINING", "VIOLENCE"},
		{m["f-district-police"], m["f-miren-vigilantes"], m["c-kessara-youth"], "TRAINING", "ABUSE"},
		{m["f-district-police"], m["f-miren-vigilantes"], m["c-kessara-youth"]},
	} {
		for _, w := range want {
			if i < len(explanations) && !strings.Contains(explanations[i], w) {
				t.Errorf("flag %d's explanation %q does not name %q", i, explanations[i], w)
			}
		}
	}
	// The threats and the police's training of the watch are CONFIDENTIAL:
	// an analyst of clearance RESTRICTED gets no flag at all.
	lines, _ = query(f.restricted)
	wantLines(t, "do-no-harm flags, analyst", lines, nil)
}

// demoNames maps each demo actor's key to its name.
func demoNames(t *testing.T) map[string]string {
	t.Helper()
	m, err := demo.Parse()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, a := range m.Actors {
		names[a.Key] = a.Name
	}
	return names
}

// Every GraphQL example of the README's tour runs on the demo map without
// an error: a field renamed or an argument dropped breaks the first thing
// a new user tries. The caller is an owner of the demo workspace only (as
// the admin of a fresh dev/run, it sees one workspace; the admin here would
// see every test's).
func TestReadmeTourRunsOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	token, _ := f.a.CreateToken(f.ws, "OWNER", "")
	owner := f.a.As(token)
	vars := map[string]any{"ws": f.ws, "from": f.ids["c-tamal-village"], "to": f.ids["f-district-police"]}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) < 4 {
		t.Fatalf("the README has %d GraphQL examples", len(blocks))
	}
	declared := regexp.MustCompile(`\$(\w+):`)
	for _, m := range blocks {
		v := map[string]any{}
		for _, d := range declared.FindAllStringSubmatch(m[1], -1) {
			v[d[1]] = vars[d[1]]
		}
		var out map[string]any
		owner.OK(m[1], v, &out) // fails the test on any error
		if len(out) == 0 {
			t.Errorf("no data for\n%s", m[1])
		}
	}
}

// Every relationship-gap analysis filters by frameworks: a result is kept
// when an actor it names or a relationship behind it carries one. The
// demo tags the women's network PARTICIPATION and PREVENTION, the police
// and the oversight board SECURITY, the council LEGITIMATE_POLITICS, the
// Haldo camp and the victims' association RELIEF_AND_RECOVERY, Tamal's
// perception survey of the police and the army's threat to Besk
// PROTECTION, the donor's training of the army SECURITY (demo.json).
func TestFrameworkFiltersOnTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemoCallers(t)
	run := func(query string, vars map[string]any, out any) {
		t.Helper()
		vars["ws"], vars["asOf"] = f.ws, demoAsOf
		f.a.OK(query, vars, out)
	}
	t.Run("trustGaps", func(t *testing.T) {
		for _, c := range []struct {
			frameworks []string
			want       []string
		}{
			// The four findings about the police (SECURITY).
			{[]string{"SECURITY"}, []string{"PERCEPTION_DIVERGENCE c-tamal-village>f-district-police", "CONTESTED f-district-police>c-kessara-youth",
				"DEPENDENCY_WITHOUT_TRUST c-kessara-youth>f-district-police", "DEPENDENCY_WITHOUT_TRUST c-miren-riverside>f-district-police"}},
			// Tamal's survey and the army's threat (PROTECTION).
			{[]string{"PROTECTION"}, []string{"CONTESTED f-army-battalion>c-besk-highlands", "PERCEPTION_DIVERGENCE c-tamal-village>f-district-police"}},
			// Any of two: the council's asymmetry joins the survey and the threat.
			{[]string{"PROTECTION", "LEGITIMATE_POLITICS"}, []string{"ASYMMETRY s-district-council>ca-council-of-elders",
				"CONTESTED f-army-battalion>c-besk-highlands", "PERCEPTION_DIVERGENCE c-tamal-village>f-district-police"}},
			{[]string{"JUSTICE"}, nil},
		} {
			var out struct {
				Workspace struct {
					TrustGaps struct {
						TotalCount int
						Edges      []struct {
							Node struct {
								Kind     string
								From, To struct{ ID string }
							}
						}
					}
				}
			}
			run(`query($ws: ID!, $asOf: Date, $fw: [Framework!]) { workspace(id: $ws) { trustGaps(asOf: $asOf, frameworks: $fw) { totalCount
			  edges { node { kind from { id } to { id } } } } } }`, map[string]any{"fw": c.frameworks}, &out)
			var got []string
			for _, e := range out.Workspace.TrustGaps.Edges {
				got = append(got, fmt.Sprintf("%s %s>%s", e.Node.Kind, f.key(e.Node.From.ID), f.key(e.Node.To.ID)))
			}
			wantLines(t, fmt.Sprint(c.frameworks), got, c.want)
			if out.Workspace.TrustGaps.TotalCount != len(c.want) {
				t.Errorf("%v: totalCount %d", c.frameworks, out.Workspace.TrustGaps.TotalCount)
			}
		}
	})
	t.Run("trustGaps by clearance", func(t *testing.T) {
		// The army's threat to Besk (PROTECTION) is CONFIDENTIAL: an analyst
		// keeps only Tamal's survey; the survey is RESTRICTED: a PUBLIC
		// analyst keeps nothing. A tag on a hidden record keeps no finding.
		for token, want := range map[string][]string{
			f.restricted:    {"PERCEPTION_DIVERGENCE c-tamal-village>f-district-police"},
			f.publicAnalyst: nil,
		} {
			var out struct {
				Workspace struct {
					TrustGaps struct {
						Edges []struct {
							Node struct {
								Kind     string
								From, To struct{ ID string }
							}
						}
					}
				}
			}
			f.a.As(token).OK(`query($ws: ID!, $asOf: Date) { workspace(id: $ws) { trustGaps(asOf: $asOf, frameworks: [PROTECTION]) {
			  edges { node { kind from { id } to { id } } } } } }`, map[string]any{"ws": f.ws, "asOf": demoAsOf}, &out)
			var got []string
			for _, e := range out.Workspace.TrustGaps.Edges {
				got = append(got, fmt.Sprintf("%s %s>%s", e.Node.Kind, f.key(e.Node.From.ID), f.key(e.Node.To.ID)))
			}
			wantLines(t, "PROTECTION by clearance", got, want)
		}
	})
	t.Run("doNoHarmFlags", func(t *testing.T) {
		for fw, want := range map[string]int{"SECURITY": 3, "PROTECTION": 1, "JUSTICE": 0} {
			var out struct {
				Workspace struct {
					DoNoHarmFlags struct {
						TotalCount int
						Edges      []struct {
							Node struct{ Community *struct{ ID string } }
						}
					}
				}
			}
			run(`query($ws: ID!, $asOf: Date, $fw: [Framework!]) { workspace(id: $ws) { doNoHarmFlags(asOf: $asOf, frameworks: $fw) { totalCount
			  edges { node { community { id } } } } } }`, map[string]any{"fw": []string{fw}}, &out)
			if out.Workspace.DoNoHarmFlags.TotalCount != want {
				t.Errorf("%s: %d flags, want %d", fw, out.Workspace.DoNoHarmFlags.TotalCount, want)
			}
			// PROTECTION: the donor's training of the army that threatens Besk.
			if fw == "PROTECTION" && want == len(out.Workspace.DoNoHarmFlags.Edges) && f.key(out.Workspace.DoNoHarmFlags.Edges[0].Node.Community.ID) != "c-besk-highlands" {
				t.Errorf("PROTECTION flags %+v", out.Workspace.DoNoHarmFlags.Edges)
			}
		}
	})
	t.Run("communityChannels and unaccountableActors", func(t *testing.T) {
		for fw, want := range map[string]string{
			"PARTICIPATION":       "c-oruvi-market c-tamal-village", // the women's network is their channel
			"RELIEF_AND_RECOVERY": "c-besk-highlands c-haldo-camp",  // the victims' association; the camp itself
		} {
			var out struct {
				Workspace struct {
					CommunityChannels   []struct{ Community struct{ ID string } }
					UnaccountableActors []struct{ Actor struct{ ID string } }
				}
			}
			run(`query($ws: ID!, $asOf: Date, $fw: [Framework!]) { workspace(id: $ws) { communityChannels(asOf: $asOf, frameworks: $fw) { community { id } }
			  unaccountableActors(asOf: $asOf, kinds: [INTERNATIONAL], frameworks: $fw) { actor { id } } } }`, map[string]any{"fw": []string{fw}}, &out)
			var got []string
			for _, c := range out.Workspace.CommunityChannels {
				got = append(got, f.key(c.Community.ID))
			}
			sort.Strings(got)
			if strings.Join(got, " ") != want {
				t.Errorf("%s: channels of %v, want %s", fw, got, want)
			}
			// Only the mission's answerability runs through the women's network.
			var un []string
			for _, u := range out.Workspace.UnaccountableActors {
				un = append(un, f.key(u.Actor.ID))
			}
			if wantUn := map[string]string{"PARTICIPATION": "i-un-mission", "RELIEF_AND_RECOVERY": ""}[fw]; strings.Join(un, " ") != wantUn {
				t.Errorf("%s: unaccountable %v, want %q", fw, un, wantUn)
			}
		}
	})
	t.Run("participationGaps", func(t *testing.T) {
		var out struct {
			Workspace struct {
				ParticipationGaps struct {
					Edges []struct {
						Node struct{ Target struct{ ID string } }
					}
				}
			}
		}
		// Within one step, the administration and the elders are beyond
		// reach through the council (LEGITIMATE_POLITICS); the four
		// unreachable targets carry nothing.
		run(`query($ws: ID!, $asOf: Date, $fw: [Framework!]) { workspace(id: $ws) { participationGaps(asOf: $asOf, maxHops: 1, frameworks: $fw) {
		  edges { node { target { id } } } } } }`, map[string]any{"fw": []string{"LEGITIMATE_POLITICS"}}, &out)
		var got []string
		for _, e := range out.Workspace.ParticipationGaps.Edges {
			got = append(got, f.key(e.Node.Target.ID))
		}
		wantLines(t, "participation gaps of LEGITIMATE_POLITICS", got, []string{"s-district-administration", "ca-council-of-elders"})
	})
	t.Run("socialContract", func(t *testing.T) {
		for _, c := range []struct {
			fw   string
			want string
		}{
			// SECURITY: the four communities under the police, and Haldo,
			// whose peacekeepers' protection is tagged; all but Haldo have a
			// state protector and a channel; rights awareness 0.6 + 0.55 +
			// 0.4 + 0.5 + 0.2.
			{"SECURITY", "5 communities; responsiveness 4/5; participation 4/5; empowerment 2.25/5"},
			// RELIEF_AND_RECOVERY: the camp, and Besk through the victims'
			// association: (0.3 + 0.2) / 2 rights awareness.
			{"RELIEF_AND_RECOVERY", "2 communities; responsiveness 1/2; participation 1/2; empowerment 0.5/2"},
		} {
			var out struct {
				Workspace struct {
					SocialContract struct {
						Overall struct {
							Communities                                int
							Responsiveness, Participation, Empowerment struct {
								Numerator   float64
								Denominator int
							}
						}
					}
				}
			}
			run(`query($ws: ID!, $asOf: Date, $fw: [Framework!]) { workspace(id: $ws) { socialContract(asOf: $asOf, frameworks: $fw) { overall {
			  communities responsiveness { numerator denominator } participation { numerator denominator } empowerment { numerator denominator } } } } }`,
				map[string]any{"fw": []string{c.fw}}, &out)
			o := out.Workspace.SocialContract.Overall
			got := fmt.Sprintf("%d communities; responsiveness %g/%d; participation %g/%d; empowerment %.4g/%d", o.Communities,
				o.Responsiveness.Numerator, o.Responsiveness.Denominator, o.Participation.Numerator, o.Participation.Denominator,
				o.Empowerment.Numerator, o.Empowerment.Denominator)
			if got != c.want {
				t.Errorf("%s: %s, want %s", c.fw, got, c.want)
			}
		}
	})
}
