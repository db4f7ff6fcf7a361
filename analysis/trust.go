package analysis

import (
	"context"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// TrustGapKind says why a trust gap is raised (docs/analysis.md, "Trust gaps").
type TrustGapKind string

const (
	DependencyWithoutTrust TrustGapKind = "DEPENDENCY_WITHOUT_TRUST"
	Asymmetry              TrustGapKind = "ASYMMETRY"
	PerceptionDivergence   TrustGapKind = "PERCEPTION_DIVERGENCE"
	Polarised              TrustGapKind = "POLARISED"
	Contested              TrustGapKind = "CONTESTED"
)

var trustGapKinds = []TrustGapKind{DependencyWithoutTrust, Asymmetry, PerceptionDivergence, Polarised, Contested}

// Defaults of the trust gap arguments (part of the API contract).
const (
	DefaultTrustThreshold = 0.5
	DefaultDistrustBelow  = 0.4
)

// TrustValue is one trust figure behind a finding: Actor's trust in the
// finding's To, as one segment (Segment set; "" is the segment of
// relationships without perceivedBy) or over all its segments (Segment
// nil), with the TRUSTS relationships it is the mean of.
type TrustValue struct {
	Actor         *domain.Actor
	Segment       *string
	Value         float64
	Relationships []*domain.RelationshipFacts
}

// TrustGap is one finding. From and To are, by kind:
// DEPENDENCY_WITHOUT_TRUST the community and its provider; ASYMMETRY the
// more trusting actor and the less trusting one; PERCEPTION_DIVERGENCE the
// actor whose segments diverge and the actor they see; POLARISED the most
// trusting community and the actor trusted (the least trusting community is
// in Values); CONTESTED the two ends of the claims (the provider or
// threatener and the actor it protects and threatens, or for cooperation
// and tension the actor with the smaller id first).
type TrustGap struct {
	Kind          TrustGapKind
	Score         float64
	From, To      *domain.Actor
	Community     *domain.Actor // the community the region filter looks at; nil: From
	Values        []TrustValue
	Relationships []*domain.RelationshipFacts
	key           string // kind|claim|from|to: unique, the tie-break of the order
}

// Actors are the actors behind the finding, From and To first, without repeats.
func (t *TrustGap) Actors() []*domain.Actor {
	out := []*domain.Actor{t.From, t.To}
	seen := map[string]bool{t.From.ID: true, t.To.ID: true}
	for _, v := range t.Values {
		if !seen[v.Actor.ID] {
			seen[v.Actor.ID] = true
			out = append(out, v.Actor)
		}
	}
	return out
}

// TrustGapFilter selects trust gaps.
type TrustGapFilter struct {
	Kinds         []TrustGapKind // empty: every kind
	Region        *string
	Threshold     float64
	DistrustBelow float64
	Frameworks    []domain.Framework // empty: every finding; otherwise one whose actors or relationships carry one
}

// segmentOf is the segment a TRUSTS relationship speaks for: perceivedBy
// trimmed and lower-cased; "" when absent or blank.
func segmentOf(r *domain.RelationshipFacts) string {
	if r.PerceivedBy == nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(*r.PerceivedBy))
}

// trustOf is X's trust in Y: per segment and overall.
type trustOf struct {
	x, y     int
	segments []TrustValue // sorted by segment
	value    float64      // mean over segments
	rels     []*domain.RelationshipFacts
}

// trustTables are the in-force relationships the trust gaps read, built
// once per projection.
type trustTables struct {
	trust     map[[2]int]*trustOf
	pairs     [][2]int                                                           // keys of trust, in id order
	claims    map[domain.RelationshipType]map[[2]int][]*domain.RelationshipFacts // PROVIDES_SECURITY, THREATENS, COOPERATES_WITH, IN_TENSION_WITH by (from, to)
	claimKeys map[domain.RelationshipType][][2]int
}

func (g *Graph) trustTables(ctx context.Context, op string) (*trustTables, error) {
	return memoize(ctx, g, op, "trust tables", func() (*trustTables, error) {
		m := newMeter(ctx, op)
		if err := m.check(); err != nil {
			return nil, err
		}
		t := &trustTables{trust: map[[2]int]*trustOf{}, claims: map[domain.RelationshipType]map[[2]int][]*domain.RelationshipFacts{}, claimKeys: map[domain.RelationshipType][][2]int{}}
		bySeg := map[[2]int]map[string][]*domain.RelationshipFacts{}
		for _, r := range g.rels { // in id order
			if err := m.spend(1); err != nil {
				return nil, err
			}
			from, ok1 := g.index[r.FromID]
			to, ok2 := g.index[r.ToID]
			if !ok1 || !ok2 || from == to || !InForce(r, g.opts) {
				continue
			}
			k := [2]int{from, to}
			switch r.Type {
			case domain.Trusts:
				if bySeg[k] == nil {
					bySeg[k] = map[string][]*domain.RelationshipFacts{}
					t.pairs = append(t.pairs, k)
				}
				s := segmentOf(r)
				bySeg[k][s] = append(bySeg[k][s], r)
			case domain.ProvidesSecurity, domain.Threatens, domain.CooperatesWith, domain.InTensionWith:
				if !claimCounts(r) {
					continue
				}
				if t.claims[r.Type] == nil {
					t.claims[r.Type] = map[[2]int][]*domain.RelationshipFacts{}
				}
				if t.claims[r.Type][k] == nil {
					t.claimKeys[r.Type] = append(t.claimKeys[r.Type], k)
				}
				t.claims[r.Type][k] = append(t.claims[r.Type][k], r)
			}
		}
		for _, k := range t.pairs {
			segs := bySeg[k]
			names := make([]string, 0, len(segs))
			for s := range segs {
				names = append(names, s)
			}
			sort.Strings(names)
			to := &trustOf{x: k[0], y: k[1]}
			sum := 0.0
			for _, s := range names {
				v := 0.0
				for _, r := range segs[s] {
					v += r.Strength
				}
				v = roundFigure(v / float64(len(segs[s])))
				sum += v
				seg := s
				to.segments = append(to.segments, TrustValue{Actor: g.actors[k[0]], Segment: &seg, Value: v, Relationships: segs[s]})
				to.rels = append(to.rels, segs[s]...)
			}
			to.value = roundFigure(sum / float64(len(names)))
			t.trust[k] = to
		}
		return t, m.flush()
	})
}

// TrustGaps returns every trust gap under f, highest score first, then by
// kind and the ids of the actors (a total order: see TrustGapCursor).
func (g *Graph) TrustGaps(ctx context.Context, f TrustGapFilter) ([]*TrustGap, error) {
	const op = "trustGaps"
	if !inUnit(f.Threshold) {
		return nil, errs.Invalidf(op, "threshold", "threshold must be a number between 0 and 1, got %v", f.Threshold)
	}
	if !inUnit(f.DistrustBelow) {
		return nil, errs.Invalidf(op, "distrustBelow", "distrustBelow must be a number between 0 and 1, got %v", f.DistrustBelow)
	}
	// The tables are memoised; the findings are not: they are linear in
	// the tables, and memoising them per threshold would let requests
	// with ever new thresholds evict the projection's costly results.
	t, err := g.trustTables(ctx, op)
	if err != nil {
		return nil, err
	}
	m := newMeter(ctx, op)
	all, err := g.trustGaps(m, t, f.Threshold, f.DistrustBelow)
	if err != nil {
		return nil, err
	}
	// Sorting and filtering cost about log n comparisons a finding, and
	// one look at each.
	if err := m.spend(len(all) * (1 + bitsLen(len(all)))); err != nil {
		return nil, err
	}
	if err := m.flush(); err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return trustGapLess(all[i], all[j]) })
	var out []*TrustGap
	for _, tg := range all {
		if !kindWanted(tg.Kind, f.Kinds) || (len(f.Frameworks) > 0 && !carriesAny(f.Frameworks, tg.Actors(), tg.Relationships)) {
			continue
		}
		if f.Region != nil {
			c := tg.Community
			if c == nil {
				c = tg.From
			}
			if c.Region != *f.Region {
				continue
			}
		}
		out = append(out, tg)
	}
	return out, nil
}

// strongest is the strongest relationship of rs (ties: the smallest id,
// as rs is in id order).
func strongest(rs []*domain.RelationshipFacts) *domain.RelationshipFacts {
	best := rs[0]
	for _, r := range rs[1:] {
		if r.Strength > best.Strength {
			best = r
		}
	}
	return best
}

func (g *Graph) trustGaps(m *meter, t *trustTables, threshold, distrustBelow float64) ([]*TrustGap, error) {
	var out []*TrustGap
	add := func(tg *TrustGap, claim string) {
		if tg.Values == nil {
			tg.Values = []TrustValue{}
		}
		tg.key = string(tg.Kind) + "|" + claim + "|" + tg.From.ID + "|" + tg.To.ID
		out = append(out, tg)
	}
	overall := func(to *trustOf) TrustValue {
		return TrustValue{Actor: g.actors[to.x], Value: to.value, Relationships: to.rels}
	}
	// DEPENDENCY_WITHOUT_TRUST and CONTESTED (protection and threat).
	for _, k := range t.claimKeys[domain.ProvidesSecurity] {
		if err := m.spend(1); err != nil {
			return nil, err
		}
		p, c := k[0], k[1]
		prov := t.claims[domain.ProvidesSecurity][k]
		if g.actors[c].Kind == domain.KindCommunity {
			if tr := t.trust[[2]int{c, p}]; tr != nil && fallsBelow(tr.value, distrustBelow) {
				best := strongest(prov)
				add(&TrustGap{Kind: DependencyWithoutTrust, Score: scoreOf(best.Strength * (1 - tr.value)),
					From: g.actors[c], To: g.actors[p], Community: g.actors[c], Values: []TrustValue{overall(tr)},
					Relationships: append(append([]*domain.RelationshipFacts{}, prov...), tr.rels...)}, "")
			}
		}
		if thr := t.claims[domain.Threatens][k]; thr != nil {
			a, b := strongest(prov), strongest(thr)
			add(&TrustGap{Kind: Contested, Score: min(a.Strength, b.Strength), From: g.actors[p], To: g.actors[c],
				Community: g.actors[c], Relationships: append(append([]*domain.RelationshipFacts{}, prov...), thr...)}, "security")
		}
	}
	// CONTESTED (cooperation and tension, either direction).
	coop := map[[2]int][]*domain.RelationshipFacts{}
	var coopKeys [][2]int
	for _, k := range t.claimKeys[domain.CooperatesWith] {
		u := g.unordered(k)
		if coop[u] == nil {
			coopKeys = append(coopKeys, u)
		}
		coop[u] = append(coop[u], t.claims[domain.CooperatesWith][k]...)
	}
	tension := map[[2]int][]*domain.RelationshipFacts{}
	for _, k := range t.claimKeys[domain.InTensionWith] {
		u := g.unordered(k)
		tension[u] = append(tension[u], t.claims[domain.InTensionWith][k]...)
	}
	for _, u := range coopKeys {
		if err := m.spend(1); err != nil {
			return nil, err
		}
		if ten := tension[u]; ten != nil {
			a, b := strongest(coop[u]), strongest(ten)
			add(&TrustGap{Kind: Contested, Score: min(a.Strength, b.Strength), From: g.actors[u[0]], To: g.actors[u[1]],
				Relationships: append(append([]*domain.RelationshipFacts{}, coop[u]...), ten...)}, "cooperation")
		}
	}
	// ASYMMETRY and PERCEPTION_DIVERGENCE; trusting communities by trusted actor for POLARISED.
	byTrusted := map[int][]*trustOf{}
	var trusted []int
	for _, k := range t.pairs {
		if err := m.spend(1 + len(t.trust[k].segments)); err != nil {
			return nil, err
		}
		ab := t.trust[k]
		if g.actors[k[0]].Kind == domain.KindCommunity {
			if byTrusted[k[1]] == nil {
				trusted = append(trusted, k[1])
			}
			byTrusted[k[1]] = append(byTrusted[k[1]], ab)
		}
		if len(ab.segments) >= 2 {
			lo, hi := ab.segments[0].Value, ab.segments[0].Value
			for _, s := range ab.segments[1:] {
				lo, hi = min(lo, s.Value), max(hi, s.Value)
			}
			if reachesThreshold(hi-lo, threshold) {
				add(&TrustGap{Kind: PerceptionDivergence, Score: scoreOf(hi - lo), From: g.actors[k[0]], To: g.actors[k[1]],
					Values: ab.segments, Relationships: ab.rels}, "")
			}
		}
		ba := t.trust[[2]int{k[1], k[0]}]
		if ba == nil || g.actors[k[0]].ID > g.actors[k[1]].ID {
			continue // each mutual pair once, from the smaller id
		}
		if fallsBelow(ab.value, distrustBelow) && fallsBelow(ba.value, distrustBelow) {
			continue // mutual distrust is not asymmetry
		}
		hiT, loT := ab, ba
		if ba.value > ab.value {
			hiT, loT = ba, ab
		}
		if d := hiT.value - loT.value; reachesThreshold(d, threshold) {
			add(&TrustGap{Kind: Asymmetry, Score: scoreOf(d), From: g.actors[hiT.x], To: g.actors[loT.x],
				Values: []TrustValue{overall(hiT), overall(loT)}, Relationships: append(append([]*domain.RelationshipFacts{}, hiT.rels...), loT.rels...)}, "")
		}
	}
	// POLARISED.
	for _, y := range trusted {
		cs := byTrusted[y]
		if err := m.spend(len(cs)); err != nil {
			return nil, err
		}
		if len(cs) < 2 {
			continue
		}
		hiT, loT := cs[0], cs[0]
		for _, c := range cs[1:] {
			if c.value > hiT.value || (c.value == hiT.value && g.actors[c.x].ID < g.actors[hiT.x].ID) {
				hiT = c
			}
			if c.value < loT.value || (c.value == loT.value && g.actors[c.x].ID < g.actors[loT.x].ID) {
				loT = c
			}
		}
		if d := hiT.value - loT.value; reachesThreshold(d, threshold) && hiT != loT {
			add(&TrustGap{Kind: Polarised, Score: scoreOf(d), From: g.actors[hiT.x], To: g.actors[y], Community: g.actors[hiT.x],
				Values: []TrustValue{overall(hiT), overall(loT)}, Relationships: append(append([]*domain.RelationshipFacts{}, hiT.rels...), loT.rels...)}, "")
		}
	}
	return out, nil
}

// unordered orders a pair by actor id.
func (g *Graph) unordered(k [2]int) [2]int {
	if g.actors[k[0]].ID > g.actors[k[1]].ID {
		return [2]int{k[1], k[0]}
	}
	return k
}

// scoreOf is a finding's score: x in [0,1], rounded as roundFigure does.
func scoreOf(x float64) float64 { return roundFigure(max(0, min(1, x))) }

// roundFigure rounds a computed figure to 12 decimals, so that an analyst
// reads the 0.5 that 0.7 − 0.2 means rather than 0.49999999999999994. The
// figures in a map have a few decimals at most; 12 keep every difference
// that means anything.
func roundFigure(x float64) float64 { return math.Round(x*1e12) / 1e12 }

// decimalTolerance absorbs the rounding of decimal figures in binary floating
// point: 0.7 − 0.2 is 0.49999999999999994, and an analyst who asks for
// differences of at least 0.5 means that one to count (and a mean trust
// of 0.4 computed as 0.39999999999999997 not to fall below 0.4).
const decimalTolerance = 1e-9

// reachesThreshold reports whether x reaches t, up to decimalTolerance.
func reachesThreshold(x, t float64) bool { return x >= t-decimalTolerance }

// fallsBelow reports whether x is below t by more than decimalTolerance.
func fallsBelow(x, t float64) bool { return x < t-decimalTolerance }

func trustGapLess(a, b *TrustGap) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.key < b.key
}

type trustCursor struct {
	Score float64 `json:"s"`
	Key   string  `json:"k"`
}

// TrustGapCursor is a keyset cursor for a trust gap (base64url JSON, opaque to clients).
func TrustGapCursor(t *TrustGap) string {
	return encodeCursor(trustCursor{t.Score, t.key})
}

// TrustGapsAfter returns the gaps after the cursor's position in the order.
func TrustGapsAfter(gaps []*TrustGap, cursor string) ([]*TrustGap, error) {
	if cursor == "" {
		return gaps, nil
	}
	var c trustCursor
	if err := decodeCursor("trustGaps", cursor, &c, func() bool { return c.Key != "" && inUnit(c.Score) }); err != nil {
		return nil, err
	}
	pos := &TrustGap{Score: c.Score, key: c.Key}
	i := sort.Search(len(gaps), func(i int) bool { return trustGapLess(pos, gaps[i]) })
	return gaps[i:], nil
}

func (k TrustGapKind) MarshalGQL(w io.Writer) { marshalKind(w, k) }
func (k *TrustGapKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalKind(v, "trust gap kind", trustGapKinds)
	return err
}
