package analysis

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// DoNoHarmKind says why a do-no-harm flag is raised (docs/analysis.md,
// "Do-no-harm flags").
type DoNoHarmKind string

const (
	// SupportToThreat: A SUPPORTS P while P THREATENS a community C.
	SupportToThreat DoNoHarmKind = "SUPPORT_TO_THREAT"
	// SharedDependency: A and B are IN_TENSION_WITH each other and a
	// third actor X SUPPORTS or PROVIDES_SECURITY to both.
	SharedDependency DoNoHarmKind = "SHARED_DEPENDENCY"
)

// doNoHarmKinds in the order of the tie-break (the kinds' names); a
// harmFlag's kind is its index here.
var doNoHarmKinds = []DoNoHarmKind{SharedDependency, SupportToThreat}

const (
	sharedDependencyIdx uint8 = 0
	supportToThreatIdx  uint8 = 1
)

// maxDoNoHarmFlags is how many flags one question may raise: the flags
// are kept (compactly, about 40 bytes each) for paging, so a map that
// raises more is refused rather than held in memory. A variable so that
// tests can lower it.
var maxDoNoHarmFlags = 1_000_000

// DoNoHarmFilter selects do-no-harm flags. Both narrow the computation
// itself, not only its output, so a map too large to flag at once can be
// asked one kind or one region at a time.
type DoNoHarmFilter struct {
	Kinds  []DoNoHarmKind // empty: every kind
	Region *string        // SUPPORT_TO_THREAT: C's region; SHARED_DEPENDENCY: X's, A's or B's
	// Frameworks: only flags where one of the actors or relationships
	// behind it carries one (empty: every flag).
	Frameworks []domain.Framework
}

// DoNoHarmFlag is one flag with everything behind it. For
// SUPPORT_TO_THREAT, Supporter is A, Recipient P and Community C; for
// SHARED_DEPENDENCY, Supporter is X and Sides are A and B (by id), with
// Recipient and Community nil.
type DoNoHarmFlag struct {
	Kind        DoNoHarmKind
	Score       float64
	Explanation string
	Supporter   *domain.Actor
	Recipient   *domain.Actor
	Community   *domain.Actor
	Sides       []*domain.Actor
	// Supports: SUPPORT_TO_THREAT every in-force SUPPORTS from A to P;
	// SHARED_DEPENDENCY every in-force SUPPORTS and PROVIDES_SECURITY from
	// X to A, then to B. Threats: every in-force THREATENS from P to C.
	// Tensions: every in-force IN_TENSION_WITH between A and B, either
	// direction. Each list in relationship id order; empty when the kind
	// has none.
	Supports, Threats, Tensions []*domain.RelationshipFacts
	// The distinct forms recorded on the SUPPORTS of Supports and on
	// Threats, in the enum's order; the Missing flags say that at least
	// one of those relationships records none.
	SupportForms, ThreatForms             []domain.Form
	SupportFormMissing, ThreatFormMissing bool
	pos                                   harmPos
}

// Actors are the actors behind the flag: A, P, C or X, A, B (an actor
// named twice, as when A is also C, once).
func (f *DoNoHarmFlag) Actors() []*domain.Actor {
	out := []*domain.Actor{f.Supporter}
	for _, a := range append([]*domain.Actor{f.Recipient, f.Community}, f.Sides...) {
		if a != nil && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Relationships are every relationship behind the flag: Supports, then
// Threats, then Tensions.
func (f *DoNoHarmFlag) Relationships() []*domain.RelationshipFacts {
	return slices.Concat(f.Supports, f.Threats, f.Tensions)
}

// harmGroup is the in-force relationships (strength above 0) from one
// actor to another that one kind reads, in relationship id order, with
// the strongest strength.
type harmGroup struct {
	from, to int32
	rels     []*domain.RelationshipFacts
	best     float64
}

// harmTables are the in-force relationships the flags read, built once
// per projection.
type harmTables struct {
	groups    []harmGroup
	supportIn [][]int32          // by actor: groups of SUPPORTS into it
	threatOut [][]int32          // by actor: groups of THREATENS out of it to a community
	backingIn [][]int32          // by actor: groups of SUPPORTS and PROVIDES_SECURITY into it
	backing   map[[2]int32]int32 // (X, A) → its group in backingIn
	tensions  []int32            // groups of IN_TENSION_WITH by unordered pair (from: the smaller id)
}

func (g *Graph) harmTables(ctx context.Context, op string) (*harmTables, error) {
	return memoize(ctx, g, op, "harm tables", func() (*harmTables, error) {
		m := newMeter(ctx, op)
		if err := m.check(); err != nil {
			return nil, err
		}
		n := len(g.actors)
		t := &harmTables{supportIn: make([][]int32, n), threatOut: make([][]int32, n), backingIn: make([][]int32, n), backing: map[[2]int32]int32{}}
		support, threat, tension := map[[2]int32]int32{}, map[[2]int32]int32{}, map[[2]int32]int32{}
		// add puts r into the group of (from, to) in idx, making it (and
		// listing it in by[list]) when it is new.
		add := func(idx map[[2]int32]int32, from, to int32, r *domain.RelationshipFacts, by [][]int32, list int32) {
			k := [2]int32{from, to}
			gi, ok := idx[k]
			if !ok {
				gi = int32(len(t.groups))
				idx[k] = gi
				t.groups = append(t.groups, harmGroup{from: from, to: to})
				if by != nil {
					by[list] = append(by[list], gi)
				}
			}
			grp := &t.groups[gi]
			grp.rels = append(grp.rels, r)
			grp.best = max(grp.best, r.Strength)
		}
		// In the order given: only each group's relationships need the id
		// order (sorted below), and the groups are small.
		for _, r := range g.rels {
			if err := m.spend(1); err != nil {
				return nil, err
			}
			switch r.Type {
			case domain.Supports, domain.ProvidesSecurity, domain.Threatens, domain.InTensionWith:
			default:
				continue
			}
			// Two lookups by id and a group's: a few units more.
			if err := m.spend(4); err != nil {
				return nil, err
			}
			fi, ok1 := g.index[r.FromID]
			ti, ok2 := g.index[r.ToID]
			if !ok1 || !ok2 || fi == ti || !claimCounts(r) || !InForce(r, g.opts) {
				continue
			}
			from, to := int32(fi), int32(ti)
			switch r.Type {
			case domain.Supports:
				add(support, from, to, r, t.supportIn, to)
				add(t.backing, from, to, r, t.backingIn, to)
			case domain.ProvidesSecurity:
				add(t.backing, from, to, r, t.backingIn, to)
			case domain.Threatens:
				if g.actors[to].Kind == domain.KindCommunity {
					add(threat, from, to, r, t.threatOut, from)
				}
			case domain.InTensionWith:
				if g.actors[from].ID > g.actors[to].ID {
					from, to = to, from
				}
				if _, ok := tension[[2]int32{from, to}]; !ok {
					t.tensions = append(t.tensions, int32(len(t.groups)))
				}
				add(tension, from, to, r, nil, 0)
			}
		}
		for i := range t.groups {
			rs := t.groups[i].rels
			if err := m.spend(len(rs) * bitsLen(len(rs))); err != nil {
				return nil, err
			}
			slices.SortFunc(rs, func(x, y *domain.RelationshipFacts) int { return strings.Compare(x.ID, y.ID) })
		}
		return t, m.flush()
	})
}

// harmFlag is a flag as kept for paging: its score, kind, actors (A, P,
// C or X, A, B) and groups (support, threat or backing of A, backing of
// B, tension); DoNoHarmFlag is made from it for the page shown.
type harmFlag struct {
	score   float64
	kind    uint8 // index in doNoHarmKinds
	a, b, c int32
	groups  [3]int32
}

// harmPos is a flag's place in the order: score descending, then kind,
// then the three actors' ids.
type harmPos struct {
	score float64
	kind  DoNoHarmKind
	ids   [3]string
}

func harmLess(x, y *harmPos) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	if x.kind != y.kind {
		return x.kind < y.kind
	}
	for i := range x.ids {
		if x.ids[i] != y.ids[i] {
			return x.ids[i] < y.ids[i]
		}
	}
	return false
}

// HarmFlagList is the flags of one question, in order; the flags are made
// on demand, a page at a time.
type HarmFlagList struct {
	actors []*domain.Actor
	t      *harmTables
	flags  []harmFlag
}

// Len is how many flags the question raises.
func (l *HarmFlagList) Len() int { return len(l.flags) }

func (l *HarmFlagList) pos(i int) harmPos {
	f := &l.flags[i]
	return harmPos{score: f.score, kind: doNoHarmKinds[f.kind], ids: [3]string{l.actors[f.a].ID, l.actors[f.b].ID, l.actors[f.c].ID}}
}

// DoNoHarmFlags returns the flags under f, highest score first, then by
// kind and the ids of the actors (A, P, C or X, A, B): a total order.
func (g *Graph) DoNoHarmFlags(ctx context.Context, f DoNoHarmFilter) (*HarmFlagList, error) {
	const op = "doNoHarmFlags"
	wanted := [2]bool{}
	for i, k := range doNoHarmKinds {
		wanted[i] = kindWanted(k, f.Kinds)
	}
	for _, k := range f.Kinds {
		if !slices.Contains(doNoHarmKinds, k) {
			return nil, errs.Invalidf(op, "kinds", "%q is not a do-no-harm kind (allowed: SUPPORT_TO_THREAT, SHARED_DEPENDENCY)", k)
		}
	}
	compute := func() (*HarmFlagList, error) {
		t, err := g.harmTables(ctx, op)
		if err != nil {
			return nil, err
		}
		m := newMeter(ctx, op)
		if err := m.check(); err != nil {
			return nil, err
		}
		flags, err := g.harmFlags(m, t, wanted, f.Region)
		if err != nil {
			return nil, err
		}
		return &HarmFlagList{actors: g.actors, t: t, flags: flags}, m.flush()
	}
	var l *HarmFlagList
	var err error
	if f.Region == nil {
		// Memoised per kind set (three keys at most). One region's flags
		// are computed on each call instead: a key per region name a
		// caller types would let ever new names evict the projection's
		// costly results.
		l, err = memoize(ctx, g, op, fmt.Sprintf("harm flags %v", wanted), compute)
	} else {
		l, err = runRecovered(op, compute)
	}
	if err != nil || len(f.Frameworks) == 0 {
		return l, err
	}
	return l.carrying(ctx, f.Frameworks)
}

// carrying is the flags of l where one of the actors or relationships
// behind the flag carries one of frameworks, in the same order.
func (l *HarmFlagList) carrying(ctx context.Context, frameworks []domain.Framework) (*HarmFlagList, error) {
	m := newMeter(ctx, "doNoHarmFlags")
	out := &HarmFlagList{actors: l.actors, t: l.t}
	for _, f := range l.flags {
		if err := m.spend(4); err != nil {
			return nil, err
		}
		actors := []*domain.Actor{l.actors[f.a], l.actors[f.b], l.actors[f.c]}
		var rels []*domain.RelationshipFacts
		for _, gi := range f.groups {
			if gi >= 0 {
				rels = append(rels, l.t.groups[gi].rels...)
			}
		}
		if carriesAny(frameworks, actors, rels) {
			out.flags = append(out.flags, f)
		}
	}
	return out, m.flush()
}

func (g *Graph) harmFlags(m *meter, t *harmTables, wanted [2]bool, region *string) ([]harmFlag, error) {
	const op = "doNoHarmFlags"
	in := func(a int32) bool { return region == nil || g.actors[a].Region == *region }
	var out []harmFlag
	tooMany := func() error {
		return errs.E(op, errs.AnalysisLimit, fmt.Sprintf(
			"doNoHarmFlags raises more than %d flags on this map; narrow the question: one kind, one region, or a higher minConfidence", maxDoNoHarmFlags))
	}
	if wanted[supportToThreatIdx] {
		for p := range g.actors {
			sup, thr := t.supportIn[p], t.threatOut[p]
			if err := m.spend(1 + len(thr)); err != nil {
				return nil, err
			}
			if len(sup) == 0 {
				continue
			}
			for _, ti := range thr {
				tg := &t.groups[ti]
				if !in(tg.to) {
					continue
				}
				if err := m.spend(len(sup)); err != nil {
					return nil, err
				}
				if len(out)+len(sup) > maxDoNoHarmFlags {
					return nil, tooMany()
				}
				for _, si := range sup {
					sg := &t.groups[si]
					out = append(out, harmFlag{score: scoreOf(sg.best * tg.best), kind: supportToThreatIdx, a: sg.from, b: int32(p), c: tg.to, groups: [3]int32{si, ti, -1}})
				}
			}
		}
	}
	if wanted[sharedDependencyIdx] {
		for _, ti := range t.tensions {
			tg := &t.groups[ti]
			a, b := tg.from, tg.to // a's id < b's
			// Walk the side with fewer backers, look the other up.
			small, large := a, b
			if len(t.backingIn[b]) < len(t.backingIn[a]) {
				small, large = b, a
			}
			if err := m.spend(1 + len(t.backingIn[small])); err != nil {
				return nil, err
			}
			for _, gs := range t.backingIn[small] {
				// x is neither side: backing x → side with x the
				// side would be a self-loop, and those are dropped.
				x := t.groups[gs].from
				gl, ok := t.backing[[2]int32{x, large}]
				if !ok || !(in(x) || in(a) || in(b)) {
					continue
				}
				ga, gb := gs, gl
				if small == b {
					ga, gb = gl, gs
				}
				if len(out) >= maxDoNoHarmFlags {
					return nil, tooMany()
				}
				score := tg.best * min(t.groups[ga].best, t.groups[gb].best)
				out = append(out, harmFlag{score: scoreOf(score), kind: sharedDependencyIdx, a: x, b: a, c: b, groups: [3]int32{ga, gb, ti}})
			}
		}
	}
	// Sorting costs about log n comparisons a flag.
	if err := m.spend(len(out) * bitsLen(len(out)) / 2); err != nil {
		return nil, err
	}
	ids := func(f *harmFlag) [3]string { return [3]string{g.actors[f.a].ID, g.actors[f.b].ID, g.actors[f.c].ID} }
	slices.SortFunc(out, func(x, y harmFlag) int {
		if x.score != y.score || x.kind != y.kind {
			// Kinds are numbered in the order of their names.
			px, py := harmPos{score: x.score, kind: doNoHarmKinds[x.kind]}, harmPos{score: y.score, kind: doNoHarmKinds[y.kind]}
			if harmLess(&px, &py) {
				return -1
			}
			return 1
		}
		ix, iy := ids(&x), ids(&y)
		return slices.Compare(ix[:], iy[:])
	})
	return out, m.flush()
}

// Flags makes the flags from..from+n-1 (fewer at the end of the list).
func (l *HarmFlagList) Flags(from, n int) []*DoNoHarmFlag {
	from = max(0, min(from, len(l.flags)))
	to := min(len(l.flags), from+max(n, 0))
	out := make([]*DoNoHarmFlag, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, l.flag(i))
	}
	return out
}

func (l *HarmFlagList) flag(i int) *DoNoHarmFlag {
	f := &l.flags[i]
	grp := func(k int) []*domain.RelationshipFacts { return slices.Clone(l.t.groups[f.groups[k]].rels) }
	d := &DoNoHarmFlag{Kind: doNoHarmKinds[f.kind], Score: f.score, Sides: []*domain.Actor{}, pos: l.pos(i),
		Supports: []*domain.RelationshipFacts{}, Threats: []*domain.RelationshipFacts{}, Tensions: []*domain.RelationshipFacts{}}
	switch d.Kind {
	case SupportToThreat:
		a, p, c := l.actors[f.a], l.actors[f.b], l.actors[f.c]
		d.Supporter, d.Recipient, d.Community = a, p, c
		d.Supports, d.Threats = grp(0), grp(1)
		d.Explanation = fmt.Sprintf("%s supports %s (%s), and %s threatens %s (%s)",
			a.Name, p.Name, formsText(d.Supports), p.Name, c.Name, formsText(d.Threats))
	case SharedDependency:
		x, a, b := l.actors[f.a], l.actors[f.b], l.actors[f.c]
		d.Supporter, d.Sides = x, []*domain.Actor{a, b}
		toA, toB := grp(0), grp(1)
		d.Supports, d.Tensions = slices.Concat(toA, toB), grp(2)
		d.Explanation = fmt.Sprintf("%s %s, and %s %s, while %s and %s are in tension with each other",
			x.Name, backingText(toA, a), x.Name, backingText(toB, b), a.Name, b.Name)
	}
	var sup []*domain.RelationshipFacts
	for _, r := range d.Supports {
		if r.Type == domain.Supports {
			sup = append(sup, r)
		}
	}
	d.SupportForms, d.SupportFormMissing = formsOf(sup)
	d.ThreatForms, d.ThreatFormMissing = formsOf(d.Threats)
	return d
}

// formsOf is the distinct forms rs record, in the enum's order, and
// whether one of them records none.
func formsOf(rs []*domain.RelationshipFacts) (forms []domain.Form, missing bool) {
	forms = []domain.Form{}
	for _, f := range domain.Forms {
		for _, r := range rs {
			if r.Form != nil && *r.Form == f {
				forms = append(forms, f)
				break
			}
		}
	}
	for _, r := range rs {
		missing = missing || r.Form == nil
	}
	return forms, missing
}

// formsText says which forms rs take, and when some do not say.
func formsText(rs []*domain.RelationshipFacts) string {
	forms, missing := formsOf(rs)
	names := make([]string, len(forms))
	for i, f := range forms {
		names[i] = string(f)
	}
	switch {
	case len(forms) == 0:
		return "form not recorded"
	case missing:
		n := 0
		for _, r := range rs {
			if r.Form == nil {
				n++
			}
		}
		return fmt.Sprintf("%s; form not recorded on %d of %d", strings.Join(names, ", "), n, len(rs))
	}
	return strings.Join(names, ", ")
}

// backingText says how X backs a side: "supports A (FUNDING)", "provides
// security to A", or both.
func backingText(rs []*domain.RelationshipFacts, side *domain.Actor) string {
	var sup, sec []*domain.RelationshipFacts
	for _, r := range rs {
		if r.Type == domain.Supports {
			sup = append(sup, r)
		} else {
			sec = append(sec, r)
		}
	}
	var parts []string
	if len(sup) > 0 {
		parts = append(parts, fmt.Sprintf("supports %s (%s)", side.Name, formsText(sup)))
	}
	if len(sec) > 0 {
		parts = append(parts, "provides security to "+side.Name)
	}
	return strings.Join(parts, " and ")
}

type harmCursor struct {
	Score float64      `json:"s"`
	Kind  DoNoHarmKind `json:"k"`
	IDs   [3]string    `json:"i"`
}

// DoNoHarmFlagCursor is a keyset cursor for a flag (base64url JSON, opaque to clients).
func DoNoHarmFlagCursor(f *DoNoHarmFlag) string {
	return encodeCursor(harmCursor{f.pos.score, f.pos.kind, f.pos.ids})
}

// After returns the index of the first flag after the cursor's position
// in the order (0 without a cursor).
func (l *HarmFlagList) After(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	var c harmCursor
	if err := decodeCursor("doNoHarmFlags", cursor, &c, func() bool {
		return inUnit(c.Score) && slices.Contains(doNoHarmKinds, c.Kind) && c.IDs[0] != "" && c.IDs[1] != "" && c.IDs[2] != ""
	}); err != nil {
		return 0, err
	}
	at := harmPos{score: c.Score, kind: c.Kind, ids: c.IDs}
	return sort.Search(len(l.flags), func(i int) bool {
		p := l.pos(i)
		return harmLess(&at, &p)
	}), nil
}

func (k DoNoHarmKind) MarshalGQL(w io.Writer) { marshalKind(w, k) }
func (k *DoNoHarmKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalKind(v, "do-no-harm kind", []DoNoHarmKind{SupportToThreat, SharedDependency}) // in the schema's order
	return err
}
