package analysis

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

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
func (g *Graph) GapClosures(ctx context.Context, first int, assumed float64) ([]*Closure, error) {
	const op = "gapClosures"
	if err := checkClosureArgs(op, first, assumed); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("closures %d %v %d %v", g.opts.MaxHops, g.opts.Threshold, first, assumed)
	return memoize(ctx, g, op, key, func() ([]*Closure, error) {
		return g.gapClosures(ctx, first, assumed)
	})
}

// checkClosureArgs checks gapClosures' own arguments.
func checkClosureArgs(op string, first int, assumed float64) error {
	if first < 1 || first > 500 {
		return errs.Invalidf(op, "first", "first must be between 1 and 500, got %d", first)
	}
	if !(assumed > 0 && assumed <= 1) { // NaN fails too
		return errs.Invalidf(op, "assumedStrength", "assumedStrength must be above 0 and at most 1, got %v", assumed)
	}
	return nil
}

// closureWorkerHook, when set, is called by a gapClosures worker before
// each anchor it scores. Only tests set it, to make a worker panic where
// no input can.
var closureWorkerHook func(anchor int)

func (g *Graph) gapClosures(ctx context.Context, first int, assumed float64) ([]*Closure, error) {
	const op = "gapClosures"
	m := newMeter(ctx, op)
	if err := m.check(); err != nil {
		return nil, err
	}
	ix, byAnchor, err := g.prepareClosures(ctx, m, assumed)
	if err != nil || ix == nil {
		return nil, err
	}
	refs := ix.refs
	// Score every proposal, keeping only the best `first` (a bounded heap:
	// a large map has millions of proposals), anchor by anchor on every
	// core; the survivors are then evaluated again in full, with the gaps
	// they change.
	anchors := make([]int, 0, len(byAnchor))
	for a := range byAnchor {
		anchors = append(anchors, a)
	}
	sort.Ints(anchors)
	prog := progressFrom(ctx)
	prog.enter(PhaseScoring, len(anchors))
	workers := runtime.GOMAXPROCS(0)
	heaps := make([]*closureHeap, workers)
	// The first worker to fail (deadline, budget) stops the others.
	// Workers look at the request's own context (a request's end reaches
	// them as it reaches any stage), and at halt, which stops them when one
	// of them fails.
	halt, stop := context.WithCancel(ctx)
	defer stop()
	werrs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		heaps[w] = &closureHeap{g: g}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// A panic here would kill the process (no recover above a
			// goroutine's own frames): it fails this request instead,
			// as the worker's error, and stops the others.
			defer func() {
				if p := recover(); p != nil {
					werrs[w] = recovered(op, p)
					stop()
				}
			}()
			wm := &meter{ctx: ctx, b: m.b, op: op, halt: halt}
			p := ix.newPusher(len(g.actors))
			for j := w; j < len(anchors); j += workers {
				a := anchors[j]
				if closureWorkerHook != nil {
					closureWorkerHook(a)
				}
				err := p.score(wm, a, byAnchor[a], func(k proposalKey, removed float64) {
					if removed > eps {
						heaps[w].offer(scored{k, removed}, first)
					}
				})
				if err == nil {
					err = wm.flush()
				}
				prog.step(1)
				if err != nil {
					werrs[w] = err
					stop()
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if err := firstWorkerError(ctx, op, werrs); err != nil {
		return nil, err
	}
	top := heaps[0]
	for _, h := range heaps[1:] {
		for _, sc := range h.items {
			top.offer(sc, first)
		}
	}
	prog.enter(PhaseRanking, top.Len())
	ev := ix.newEvaluator()
	newBest := ev.newBest
	out := make([]*Closure, 0, top.Len())
	for _, sc := range top.items {
		if err := ev.evaluate(m, sc.k); err != nil {
			return nil, err
		}
		cl := &Closure{Proposal: Proposal{Type: sc.k.t, From: g.actors[sc.k.from], To: g.actors[sc.k.to], Strength: assumed}}
		for _, i := range ev.touched {
			gp, nb := refs[i].gap, newBest[i]
			if nb <= refs[i].best+eps {
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
		sort.Slice(cl.Closes, func(i, j int) bool { return GapLess(cl.Closes[i].Gap, cl.Closes[j].Gap) })
		out = append(out, cl)
	}
	sort.Slice(out, func(i, j int) bool {
		return top.better(scored{keyOf(g, out[i]), out[i].SeverityRemoved}, scored{keyOf(g, out[j]), out[j].SeverityRemoved})
	})
	return out, m.flush()
}

// firstWorkerError is the error the workers stopped on: the request's own
// when it is done (a worker stopped by another sees only that), else the
// first a worker met.
func firstWorkerError(ctx context.Context, op string, werrs []error) error {
	if err := ctx.Err(); err != nil {
		return tooLong(op, err)
	}
	for _, err := range werrs {
		if err != nil && !errs.Is(err, errs.Unavailable) {
			return err
		}
	}
	for _, err := range werrs {
		if err != nil {
			return err
		}
	}
	return nil
}

// onEveryCore runs n tasks on every core: each worker makes its task
// function once (with its own scratch space) and takes tasks in turn,
// metering its work under m's budget. The first failure (deadline,
// budget, a panic, as an internal error) stops the others and is the
// answer (see firstWorkerError).
func onEveryCore(ctx context.Context, m *meter, n int, worker func() func(wm *meter, j int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	// Workers look at the request's own context (a request's end reaches
	// them as it reaches any stage), and at halt, which stops them when one
	// of them fails.
	halt, stop := context.WithCancel(ctx)
	defer stop()
	werrs := make([]error, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					werrs[w] = recovered(m.op, p)
					stop()
				}
			}()
			wm := &meter{ctx: ctx, b: m.b, op: m.op, halt: halt}
			task := worker()
			for {
				j := int(next.Add(1) - 1)
				if j >= n {
					break
				}
				if err := task(wm, j); err != nil {
					werrs[w] = err
					stop()
					return
				}
			}
			if err := wm.flush(); err != nil {
				werrs[w] = err
				stop()
			}
		}(w)
	}
	wg.Wait()
	return firstWorkerError(ctx, m.op, werrs)
}

// prepareClosures computes the tables and indexes gapClosures reads, and
// the proposals grouped by anchor; nil when there is no gap.
func (g *Graph) prepareClosures(ctx context.Context, m *meter, assumed float64) (*closureIndex, map[int][]proposalKey, error) {
	prog := progressFrom(ctx)
	prog.enter(PhaseGaps, 0)
	gaps, err := g.allGaps(ctx, "gapClosures")
	if err != nil || len(gaps) == 0 {
		return nil, nil, err
	}
	H := g.opts.MaxHops
	// The tables: forward from each gap community, backward to each power
	// holder, each computed once, on every core.
	type root struct {
		a       int
		forward bool
	}
	var roots []root
	idx := map[root]int{}
	for _, gp := range gaps {
		for _, r := range []root{{g.index[gp.Community.ID], true}, {g.index[gp.PowerHolder.ID], false}} {
			if _, ok := idx[r]; !ok {
				idx[r] = len(roots)
				roots = append(roots, r)
			}
		}
	}
	prog.enter(PhasePreparing, len(roots)+len(gaps)) // the tables, then the proposals
	tables := make([]map[int32]*hopValues, len(roots))
	lists := make([][]tableEntry, len(roots))
	err = onEveryCore(ctx, m, len(roots), func() func(wm *meter, j int) error {
		t := newTable(len(g.actors), H)
		return func(wm *meter, j int) error {
			if err := t.compute(wm, g, roots[j].a, roots[j].forward); err != nil {
				return err
			}
			tables[j] = t.sparse()
			lists[j] = entriesOf(tables[j], H)
			prog.step(1)
			return nil
		}
	})
	if err != nil {
		return nil, nil, err
	}
	fwd := map[int]map[int32]*hopValues{} // community → its forward table
	rev := map[int]map[int32]*hopValues{} // power holder → its reverse table
	refs := make([]gapRef, len(gaps))
	for i, gp := range gaps {
		c, p := g.index[gp.Community.ID], g.index[gp.PowerHolder.ID]
		jc, jp := idx[root{c, true}], idx[root{p, false}]
		fwd[c], rev[p] = tables[jc], tables[jp]
		refs[i] = gapRef{gap: gp, c: c, p: p, fwd: tables[jc], rev: tables[jp], fwdList: lists[jc], revList: lists[jp], best: gp.BestStrength()}
	}
	// Which gap communities reach each actor, with their tables; and the
	// gaps of each community. A new step u → v can only help the gaps of
	// communities that reach u.
	reachedFrom := map[int32][]reach{}
	for c, tb := range fwd {
		for v, hv := range tb {
			reachedFrom[v] = append(reachedFrom[v], reach{c, hv})
		}
	}
	gapsOf := map[int][]int{}
	for i := range refs {
		gapsOf[refs[i].c] = append(gapsOf[refs[i].c], i)
	}
	// The same from the other end: which holders each actor reaches, and
	// the gaps of each holder. For a step u → v, the gaps it can help are
	// the join of the communities reaching u and the holders v reaches;
	// evaluate walks whichever side is cheaper.
	reaching := map[int32][]reach{}
	for p, tb := range rev {
		for v, hv := range tb {
			reaching[v] = append(reaching[v], reach{p, hv})
		}
	}
	gapsOfHolder := map[int][]int{}
	for i := range refs {
		gapsOfHolder[refs[i].p] = append(gapsOfHolder[refs[i].p], i)
	}
	byBest := func(list []int) {
		sort.Slice(list, func(a, b int) bool { return refs[list[a]].best < refs[list[b]].best })
	}
	for _, list := range gapsOf {
		byBest(list)
	}
	for _, list := range gapsOfHolder {
		byBest(list)
	}
	// How many gaps each side of a step would walk, once per actor.
	costFrom := make(map[int32]int, len(reachedFrom))
	for u, list := range reachedFrom {
		for _, cf := range list {
			costFrom[u] += len(gapsOf[cf.c])
		}
	}
	costTo := make(map[int32]int, len(reaching))
	for v, list := range reaching {
		for _, pr := range list {
			costTo[v] += len(gapsOfHolder[pr.c])
		}
	}
	ix := &closureIndex{H: H, assumed: assumed, refs: refs, reachedFrom: reachedFrom, reaching: reaching,
		gapsOf: gapsOf, gapsOfHolder: gapsOfHolder, costFrom: costFrom, costTo: costTo}
	// Building the indexes above costs about one unit per table entry.
	if err := m.spend(len(reachedFrom) + len(reaching)); err != nil {
		return nil, nil, err
	}
	props, err := g.proposals(m, prog, refs, assumed)
	if err != nil {
		return nil, nil, err
	}
	return ix, props, nil
}

type scored struct {
	k       proposalKey
	removed float64
}

// closureHeap keeps the best proposals seen so far; its root is the worst
// of them, the one a better proposal replaces.
type closureHeap struct {
	g     *Graph
	items []scored
}

// better orders proposals by severity removed, then type, from and to ids.
func (h *closureHeap) better(a, b scored) bool {
	if math.Abs(a.removed-b.removed) > eps {
		return a.removed > b.removed
	}
	if a.k.t != b.k.t {
		return a.k.t < b.k.t
	}
	if a.k.from != b.k.from {
		return h.g.actors[a.k.from].ID < h.g.actors[b.k.from].ID
	}
	return h.g.actors[a.k.to].ID < h.g.actors[b.k.to].ID
}

func (h *closureHeap) Len() int           { return len(h.items) }
func (h *closureHeap) Less(i, j int) bool { return h.better(h.items[j], h.items[i]) }
func (h *closureHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *closureHeap) Push(x any)         { h.items = append(h.items, x.(scored)) }
func (h *closureHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func keyOf(g *Graph, c *Closure) proposalKey {
	return proposalKey{c.Type, g.index[c.From.ID], g.index[c.To.ID]}
}

// closureIndex is what evaluating a proposal reads; it is shared, read
// only, by the workers.
type closureIndex struct {
	H                    int
	assumed              float64
	refs                 []gapRef
	reachedFrom          map[int32][]reach // communities reaching each actor
	reaching             map[int32][]reach // holders each actor reaches
	gapsOf, gapsOfHolder map[int][]int
	costFrom, costTo     map[int32]int
}

// reach is one table's entry for an actor: whose table, and its values.
type reach struct {
	c  int // the community (or holder) the table belongs to
	hv *hopValues
}

// evaluator computes, for one proposal, each gap's best route with it.
type evaluator struct {
	*closureIndex
	newBest []float64
	touched []int
}

func (ix *closureIndex) newEvaluator() *evaluator {
	return &evaluator{closureIndex: ix, newBest: make([]float64, len(ix.refs))}
}

func (ev *evaluator) consider(i int, hvF, hvT *hopValues) {
	if cand := ev.combine(hvF, hvT); cand > ev.newBest[i] {
		if ev.newBest[i] == 0 {
			ev.touched = append(ev.touched, i)
		}
		ev.newBest[i] = cand
	}
}

// evaluate returns the severity a proposal removes in all, leaving each
// touched gap's new best in newBest.
func (ev *evaluator) evaluate(m *meter, pk proposalKey) error {
	for _, i := range ev.touched {
		ev.newBest[i] = 0
	}
	ev.touched = ev.touched[:0]
	for _, st := range pk.steps() {
		u, v := int32(st[0]), int32(st[1])
		// A route through the new step is at most as strong as the part
		// on the known side times the step, so a gap whose best route is
		// already that strong cannot gain: gap lists are sorted by best
		// route, weakest first, and the walk stops there.
		if err := m.spend(1 + min(ev.costFrom[u], ev.costTo[v])); err != nil {
			return err
		}
		if ev.costFrom[u] <= ev.costTo[v] {
			for _, cf := range ev.reachedFrom[u] {
				limit := cf.hv[ev.H-1] * ev.assumed
				for _, i := range ev.gapsOf[cf.c] {
					if ev.refs[i].best+eps >= limit {
						break
					}
					if hvT := ev.refs[i].rev[v]; hvT != nil {
						ev.consider(i, cf.hv, hvT)
					}
				}
			}
			continue
		}
		for _, pr := range ev.reaching[v] {
			limit := pr.hv[ev.H-1] * ev.assumed
			for _, i := range ev.gapsOfHolder[pr.c] {
				if ev.refs[i].best+eps >= limit {
					break
				}
				if hvF := ev.refs[i].fwd[u]; hvF != nil {
					ev.consider(i, hvF, pr.hv)
				}
			}
		}
	}
	return nil
}

// pusher scores all the proposals of one anchor (the gap's community or
// power holder they start or end at) at once. Rather than look each gap
// up for each proposal, it walks the gaps a step at the anchor can help
// and, for each, the table of every partner, adding each gap's drop in
// severity to the partner's total: "out" for a step anchor → partner,
// "in" for partner → anchor. A DIALOGUE proposal has both steps, and a gap
// helped by both counts once, at its larger drop: overlap holds the
// smaller drops to take back. The sums are the same as evaluate's, which
// a randomised test checks.
type pusher struct {
	*closureIndex
	accOut, accIn, overlap []float64
	marked                 []bool
	touched                []int32
	outBoth                map[int]map[int32]float64
}

func (ix *closureIndex) newPusher(n int) *pusher {
	return &pusher{closureIndex: ix, accOut: make([]float64, n), accIn: make([]float64, n), overlap: make([]float64, n),
		marked: make([]bool, n), outBoth: map[int]map[int32]float64{}}
}

func (p *pusher) touch(x int32) {
	if !p.marked[x] {
		p.marked[x] = true
		p.touched = append(p.touched, x)
	}
}

// drop is how much gap i's severity falls when its best route becomes val.
func (ix *closureIndex) drop(i int, val float64) float64 {
	gp := ix.refs[i].gap
	return gp.Severity - severity(gp.Exposure, gp.Distrust, val)
}

// combine is the strongest route through a new step of the assumed
// strength, from one side's table (hvF, to the step) and the other's (hvT,
// from it): max over h1 + 1 + h2 <= H of hvF[h1] × assumed × hvT[h2].
func (ix *closureIndex) combine(hvF, hvT *hopValues) float64 {
	v := 0.0
	for h1 := 0; h1 <= ix.H-1; h1++ {
		if x := hvF[h1] * ix.assumed * hvT[ix.H-1-h1]; x > v {
			v = x
		}
	}
	return v
}

// score reports the severity each proposal of anchor a removes.
func (p *pusher) score(m *meter, a int, props []proposalKey, report func(proposalKey, float64)) error {
	defer p.clear()
	needOut, needIn, needBoth := false, false, false
	for _, k := range props {
		o, i := stepsAt(k, a)
		needOut, needIn, needBoth = needOut || o, needIn || i, needBoth || (o && i)
	}
	A := int32(a)
	if needOut {
		for _, cf := range p.reachedFrom[A] {
			limit := cf.hv[p.H-1] * p.assumed
			for _, i := range p.gapsOf[cf.c] {
				best := p.refs[i].best
				if best+eps >= limit {
					break
				}
				if err := m.spend(1 + len(p.refs[i].rev)); err != nil {
					return err
				}
				var both map[int32]float64
				if needBoth && p.refs[i].rev[A] != nil {
					both = map[int32]float64{}
					p.outBoth[i] = both
				}
				for _, e := range p.refs[i].revList {
					// Every value is at most the two "within H-1" bests
					// times the step: most partners fail this at once.
					if limit*e.top <= best+eps {
						continue
					}
					if val := p.combine(cf.hv, e.hv); val > best+eps {
						x := e.x
						d := p.drop(i, val)
						p.touch(x)
						p.accOut[x] += d
						if both != nil {
							both[x] = d
						}
					}
				}
			}
		}
	}
	if needIn {
		for _, pr := range p.reaching[A] {
			limit := pr.hv[p.H-1] * p.assumed
			for _, i := range p.gapsOfHolder[pr.c] {
				best := p.refs[i].best
				if best+eps >= limit {
					break
				}
				if err := m.spend(1 + len(p.refs[i].fwd)); err != nil {
					return err
				}
				both := p.outBoth[i]
				for _, e := range p.refs[i].fwdList {
					if limit*e.top <= best+eps {
						continue
					}
					if val := p.combine(e.hv, pr.hv); val > best+eps {
						x := e.x
						d := p.drop(i, val)
						p.touch(x)
						p.accIn[x] += d
						if dOut, ok := both[x]; ok {
							p.overlap[x] += min(dOut, d)
						}
					}
				}
			}
		}
	}
	for _, k := range props {
		x := int32(k.to)
		if k.to == a {
			x = int32(k.from)
		}
		o, i := stepsAt(k, a)
		total := 0.0
		if o {
			total += p.accOut[x]
		}
		if i {
			total += p.accIn[x]
		}
		if o && i {
			total -= p.overlap[x]
		}
		report(k, total)
	}
	return nil
}

// clear resets the sums for the next anchor (also after a failure: the
// pusher may be reused).
func (p *pusher) clear() {
	for _, x := range p.touched {
		p.accOut[x], p.accIn[x], p.overlap[x], p.marked[x] = 0, 0, 0, false
	}
	p.touched = p.touched[:0]
	clear(p.outBoth)
}

// stepsAt says whether proposal k adds a step out of a, into a, or both.
func stepsAt(k proposalKey, a int) (out, in bool) {
	for _, st := range k.steps() {
		out = out || st[0] == a
		in = in || st[1] == a
	}
	return out, in
}

// offer keeps sc if it is among the best `first`.
func (h *closureHeap) offer(sc scored, first int) {
	if h.Len() < first {
		heap.Push(h, sc)
	} else if h.better(sc, h.items[0]) {
		h.items[0] = sc
		heap.Fix(h, 0)
	}
}

// gapRef is a gap with its two tables at hand: as maps to look an actor
// up, as lists to walk (faster than a map's iteration, and the value most
// entries are filtered on is in the list itself).
type gapRef struct {
	gap              *Gap
	c, p             int
	fwd, rev         map[int32]*hopValues
	fwdList, revList []tableEntry
	best             float64
}

// tableEntry is one actor of a sparse table, with its best within H-1
// steps (the value gapClosures filters on) beside its values.
type tableEntry struct {
	x   int32
	top float64
	hv  *hopValues
}

// entriesOf lists a sparse table, in actor order.
func entriesOf(tb map[int32]*hopValues, H int) []tableEntry {
	out := make([]tableEntry, 0, len(tb))
	for x, hv := range tb {
		out = append(out, tableEntry{x, hv[H-1], hv})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].x < out[j].x })
	return out
}

// steps are the leverage steps a proposal would add.
func (k proposalKey) steps() [][2]int {
	switch {
	case k.t == domain.Dialogue:
		return [][2]int{{k.from, k.to}, {k.to, k.from}}
	case LeverageDirections[k.t].Backward:
		return [][2]int{{k.to, k.from}}
	}
	return [][2]int{{k.from, k.to}}
}

// proposals lists the plausible new relationships that narrow at least
// the gap they are proposed for (their effect on other gaps is counted
// afterwards). Partners are limited to actors from which the power holder
// can be reached (community side) or which the community reaches (holder
// side), since elsewhere no route can come of it; relationships already in
// force are not proposed.
func (g *Graph) proposals(m *meter, prog *progress, refs []gapRef, assumed float64) (map[int][]proposalKey, error) {
	seen := map[uint64]bool{}
	inForce := g.inForceSet()
	out := map[int][]proposalKey{} // by anchor
	add := func(anchor int, k proposalKey) {
		key, rev := relKey(k.t, k.from, k.to), relKey(k.t, k.to, k.from)
		// DIALOGUE reads both ways: one proposal per pair of actors.
		if seen[key] || k.from == k.to || inForce[key] || (k.t == domain.Dialogue && (seen[rev] || inForce[rev])) {
			return
		}
		seen[key] = true
		out[anchor] = append(out[anchor], k)
	}
	for _, r := range refs {
		prog.step(1)
		for _, rule := range ClosureRules {
			anchor, partners := r.c, r.revList // community side: partners that reach P
			if rule.Holder {
				if !hasKind(g.actors[r.p].Kind, rule.AnchorKinds) {
					continue
				}
				anchor, partners = r.p, r.fwdList // holder side: partners C reaches
			}
			if err := m.spend(1 + len(partners)); err != nil {
				return nil, err
			}
			for _, e := range partners {
				x := e.x
				if int(x) == anchor || e.top*assumed <= r.best+eps || !hasKind(g.actors[x].Kind, rule.Partners) {
					continue
				}
				if rule.AnchorFrom {
					add(anchor, proposalKey{rule.Type, anchor, int(x)})
				} else {
					add(anchor, proposalKey{rule.Type, int(x), anchor})
				}
			}
		}
	}
	return out, nil
}
