package analysis

import (
	"math"
	"sort"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Which new leverage relationships gapClosures may propose. A proposal has
// the gap's community or its power holder at one end (the anchor): these
// are the interventions analysts can act on. The community joins,
// petitions, meets or is represented by someone; the power holder is made
// to answer to, be controlled by, or meet someone. The partner's kind must
// make the relationship plausible: a community can join a movement or
// influence a council; a security force can be made accountable to an
// oversight body; a security force does not "participate in" a village.
// This table is part of the API contract (README, schema description).
type closureRule struct {
	Type domain.RelationshipType
	// AnchorFrom: the anchor is the relationship's from (else its to).
	AnchorFrom bool
	// Holder: the anchor is the power holder (else the community).
	Holder bool
	// AnchorKinds restricts the power holder's kind (holder rules only).
	AnchorKinds []domain.ActorKind
	Partners    []domain.ActorKind
}

var (
	kInst = domain.KindStateInstitution
	kSec  = domain.KindSecurityForce
	kMov  = domain.KindMovement
	kCSO  = domain.KindCivilSociety
	kCust = domain.KindCustomaryAuthority
	kIntl = domain.KindInternational
	kComm = domain.KindCommunity
)

// ClosureRules is the table of plausible proposals.
var ClosureRules = []closureRule{
	// The community acts.
	{Type: domain.ParticipatesIn, AnchorFrom: true, Partners: []domain.ActorKind{kMov, kCSO, kInst, kCust}},
	{Type: domain.Influences, AnchorFrom: true, Partners: []domain.ActorKind{kInst, kSec, kCust, kIntl, kCSO}},
	{Type: domain.Dialogue, AnchorFrom: true, Partners: []domain.ActorKind{kInst, kSec, kCust, kMov, kCSO, kIntl}},
	{Type: domain.Represents, AnchorFrom: false, Partners: []domain.ActorKind{kInst, kCust, kMov, kCSO}},
	// The power holder is made to answer.
	{Type: domain.AccountableTo, AnchorFrom: true, Holder: true, AnchorKinds: []domain.ActorKind{kSec}, Partners: []domain.ActorKind{kInst}},
	{Type: domain.AccountableTo, AnchorFrom: true, Holder: true, AnchorKinds: []domain.ActorKind{kInst, kCust, kMov, kCSO, kIntl}, Partners: []domain.ActorKind{kInst, kComm}},
	{Type: domain.Controls, AnchorFrom: false, Holder: true, AnchorKinds: []domain.ActorKind{kSec}, Partners: []domain.ActorKind{kInst}},
	{Type: domain.Dialogue, AnchorFrom: true, Holder: true, AnchorKinds: []domain.ActorKind{kSec, kInst, kCust}, Partners: []domain.ActorKind{kComm, kMov, kCSO, kInst, kCust}},
}

func hasKind(k domain.ActorKind, ks []domain.ActorKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Proposal is a new relationship, not stored.
type Proposal struct {
	Type     domain.RelationshipType
	From, To *domain.Actor
	Strength float64
}

// GapChange is what a proposal does to one gap.
type GapChange struct {
	Gap           *Gap
	BestAfter     float64
	SeverityAfter float64
	KindAfter     GapKind // "" when the proposal closes the gap
}

// Closure is a proposal and the gaps it closes or narrows.
type Closure struct {
	Proposal
	Closes          []GapChange
	SeverityRemoved float64
}

type proposalKey struct {
	t        domain.RelationshipType
	from, to int
}

// GapClosures proposes single new leverage relationships that would close
// or narrow gaps, best first (by the total drop in severity).
//
// The new best route of a gap (C', P') with a new step u → v of strength s
// is max(old best, F[h1][u] × s × T[h2][v]) over h1 + 1 + h2 ≤ maxHops,
// where F are C's forward tables and T P's reverse ones (bounds.go). It is
// exact: a walk through the new step that repeats an actor contains a
// simple route no weaker, which is either counted or already the old best.
func (g *Graph) GapClosures(first int, assumed float64) ([]*Closure, error) {
	const op = "gapClosures"
	if first < 1 || first > 500 {
		return nil, errs.Invalidf(op, "first", "first must be between 1 and 500, got %d", first)
	}
	if assumed <= 0 || assumed > 1 || math.IsNaN(assumed) {
		return nil, errs.Invalidf(op, "assumedStrength", "assumedStrength must be above 0 and at most 1, got %v", assumed)
	}
	gaps := g.Gaps(GapFilter{})
	if len(gaps) == 0 {
		return nil, nil
	}
	H := g.opts.MaxHops
	n := len(g.actors)
	gapAt := map[pair]*Gap{}
	fwd := map[int]map[int32]*hopValues{} // community → its forward table
	rev := map[int]map[int32]*hopValues{} // power holder → its reverse table
	t := newTable(n, H)
	for _, gp := range gaps {
		c, p := g.index[gp.Community.ID], g.index[gp.PowerHolder.ID]
		gapAt[pair{c, p}] = gp
		if fwd[c] == nil {
			t.compute(g, c, true)
			fwd[c] = t.sparse()
		}
		if rev[p] == nil {
			t.compute(g, p, false)
			rev[p] = t.sparse()
		}
	}
	// Inverted: which communities reach u, which holders v reaches.
	type reach struct {
		who int
		hv  *hopValues
	}
	reachedFrom := map[int32][]reach{}
	for c, tb := range fwd {
		for v, hv := range tb {
			reachedFrom[v] = append(reachedFrom[v], reach{c, hv})
		}
	}
	reaching := map[int32][]reach{}
	for p, tb := range rev {
		for v, hv := range tb {
			reaching[v] = append(reaching[v], reach{p, hv})
		}
	}

	proposals := g.proposals(gaps, fwd, rev)
	var out []*Closure
	for _, pk := range proposals {
		best := map[pair]float64{}
		steps := [][2]int{{pk.from, pk.to}}
		if pk.t == domain.Dialogue {
			steps = append(steps, [2]int{pk.to, pk.from})
		} else if dir := LeverageDirections[pk.t]; dir.Backward {
			steps = [][2]int{{pk.to, pk.from}}
		}
		for _, st := range steps {
			u, v := int32(st[0]), int32(st[1])
			for _, cf := range reachedFrom[u] {
				for _, pr := range reaching[v] {
					gp := gapAt[pair{cf.who, pr.who}]
					if gp == nil || cf.who == pr.who {
						continue
					}
					cand := 0.0
					for h1 := 0; h1 <= H-1; h1++ {
						if x := cf.hv[h1] * assumed * pr.hv[H-1-h1]; x > cand {
							cand = x
						}
					}
					key := pair{cf.who, pr.who}
					if cand > best[key] {
						best[key] = cand
					}
				}
			}
		}
		cl := &Closure{Proposal: Proposal{Type: pk.t, From: g.actors[pk.from], To: g.actors[pk.to], Strength: assumed}}
		for key, nb := range best {
			gp := gapAt[key]
			if nb <= gp.BestStrength()+eps {
				continue
			}
			after := severity(gp.Exposure, gp.Distrust, nb)
			change := GapChange{Gap: gp, BestAfter: nb, SeverityAfter: after}
			if nb < g.opts.Threshold {
				change.KindAfter = WeakRoute
			}
			cl.Closes = append(cl.Closes, change)
			cl.SeverityRemoved += gp.Severity - after
		}
		if len(cl.Closes) == 0 {
			continue
		}
		sort.Slice(cl.Closes, func(i, j int) bool { return GapLess(cl.Closes[i].Gap, cl.Closes[j].Gap) })
		out = append(out, cl)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if math.Abs(a.SeverityRemoved-b.SeverityRemoved) > eps {
			return a.SeverityRemoved > b.SeverityRemoved
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.From.ID != b.From.ID {
			return a.From.ID < b.From.ID
		}
		return a.To.ID < b.To.ID
	})
	if len(out) > first {
		out = out[:first]
	}
	return out, nil
}

// proposals lists the plausible new relationships for the gaps: partners
// are limited to actors from which the power holder can be reached
// (community side) or which the community reaches (holder side), since a
// proposal elsewhere cannot make a route. Relationships already in force
// are not proposed.
func (g *Graph) proposals(gaps []*Gap, fwd, rev map[int]map[int32]*hopValues) []proposalKey {
	H := g.opts.MaxHops
	seen := map[proposalKey]bool{}
	var out []proposalKey
	add := func(k proposalKey) {
		// DIALOGUE reads both ways: one proposal per pair of actors.
		rev := proposalKey{k.t, k.to, k.from}
		if seen[k] || k.from == k.to || g.inForce[relKey{k.t, k.from, k.to}] ||
			(k.t == domain.Dialogue && (seen[rev] || g.inForce[relKey{k.t, k.to, k.from}])) {
			return
		}
		seen[k] = true
		out = append(out, k)
	}
	for _, gp := range gaps {
		c, p := g.index[gp.Community.ID], g.index[gp.PowerHolder.ID]
		for _, rule := range ClosureRules {
			anchor, partners := c, rev[p] // community side: partners that reach P
			if rule.Holder {
				if !hasKind(g.actors[p].Kind, rule.AnchorKinds) {
					continue
				}
				anchor, partners = p, fwd[c] // holder side: partners C reaches
			}
			for x, hv := range partners {
				if int(x) == anchor || hv[H-1] <= 0 || !hasKind(g.actors[x].Kind, rule.Partners) {
					continue
				}
				if rule.AnchorFrom {
					add(proposalKey{rule.Type, anchor, int(x)})
				} else {
					add(proposalKey{rule.Type, int(x), anchor})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.t != b.t {
			return a.t < b.t
		}
		if a.from != b.from {
			return g.actors[a.from].ID < g.actors[b.from].ID
		}
		return g.actors[a.to].ID < g.actors[b.to].ID
	})
	return out
}
