package analysis

// Hop-bounded best strengths. For a fixed target t, best[h][v] (in the
// table, row(v)[h].best) is the strength of the strongest walk of at most
// h leverage steps from v to t, and enf[h][v] (row(v)[h].enf) the
// strongest such walk with at least one enforcement step.
// A walk may repeat actors, but cutting a cycle out of a walk leaves a
// simple path with no more steps and no smaller product (strengths are at
// most 1), so best[h][v] is also the strongest simple route within h
// steps. That makes these tables exact upper bounds for the best-first
// route search (routes.go), and exact answers for the "what if" sums of
// gapClosures (closures.go). Written by hand: no graph library computes
// hop-bounded max-product tables.

// table is a dense, reusable set of hop-bounded tables over every actor.
// An actor's values at every hop limit are side by side (its row), since
// every reader reads them together: the search's bound reads a row, and
// compute copies each level from the one before for every actor it
// reached (a slice per level cost a cache miss per level, and compute was
// most of the gaps' time at 100,000 actors).
type table struct {
	h       int
	cells   []cell // actor v's row is cells[v*(h+1) : (v+1)*(h+1)], by hops
	seen    []bool
	touched []int32 // actors with a non-zero value at some level
	changed []int32
	next    []int32
	// stamp and gen dedupe next into changed: an actor is in changed when
	// its stamp is gen (a map per level cost a third of the gaps' time at
	// 100,000 actors).
	stamp   []uint32
	gen     uint32
	root    int
	forward bool // from root to every actor (true) or from every actor to root (false)
}

// cell is an actor's best and best enforceable strength within some hops.
type cell struct{ best, enf float64 }

// value is c's best strength, or its best enforceable one.
func (c cell) value(enf bool) float64 {
	if enf {
		return c.enf
	}
	return c.best
}

func newTable(n, maxHops int) *table {
	return &table{h: maxHops, cells: make([]cell, n*(maxHops+1)), seen: make([]bool, n), stamp: make([]uint32, n)}
}

// row is actor v's values within 0..h hops.
func (t *table) row(v int32) []cell {
	i := int(v) * (t.h + 1)
	return t.cells[i : i+t.h+1 : i+t.h+1]
}

// getTable is a table of the projection's size for maxHops, reused when
// one is free. Give it back with putTable once nothing reads it.
func (p *projection) getTable(maxHops int) *table {
	if t, ok := p.spaces.tables[maxHops].Get().(*table); ok {
		return t
	}
	return newTable(len(p.actors), maxHops)
}

// putTable gives back t for reuse. Even a table whose computation
// stopped half-way (budget, deadline) is clean for the next: compute
// records every actor it sets (touch) before setting it, and clears what
// it recorded before it starts.
func (p *projection) putTable(t *table) { p.spaces.tables[t.h].Put(t) }

// reset clears what the previous computation touched.
func (t *table) reset() {
	for _, v := range t.touched {
		clear(t.row(v))
		t.seen[v] = false
	}
	t.touched = t.touched[:0]
}

func (t *table) touch(v int32) {
	if !t.seen[v] {
		t.seen[v] = true
		t.touched = append(t.touched, v)
	}
}

// compute fills the table for root: towards root over incoming steps
// (forward false), or away from it over outgoing steps (forward true).
func (t *table) compute(m *meter, g *Graph, root int, forward bool) error {
	t.reset()
	t.root, t.forward = root, forward
	r := int32(root)
	t.touch(r)
	rootRow := t.row(r)
	for h := range rootRow {
		rootRow[h].best = 1
	}
	t.changed = append(t.changed[:0], r)
	for h := 1; h <= t.h; h++ {
		// Level h starts as level h-1 (within h steps includes within h-1).
		for _, v := range t.touched {
			row := t.row(v)
			row[h] = row[h-1]
		}
		t.next = t.next[:0]
		// Only actors whose values changed at level h-1 can improve others.
		for _, v := range t.changed {
			prev := t.row(v)[h-1]
			b, e := prev.best, prev.enf
			adj := g.in[v]
			if forward {
				adj = g.out[v]
			}
			if err := m.spend(1 + len(adj)); err != nil {
				return err
			}
			for _, si := range adj {
				s := &g.steps[si]
				w := s.From
				if forward {
					w = s.To
				}
				cb := s.Strength * b
				ce := s.Strength * e
				if s.Enforcement {
					ce = cb
				}
				if w == r {
					// Walks back through the root add nothing to best (it is
					// 1 there) and would let enf count an enforcement step
					// that only a cycle supplies.
					continue
				}
				t.touch(w)
				c := &t.row(w)[h]
				improved := false
				if cb > c.best {
					c.best, improved = cb, true
				}
				if ce > c.enf {
					c.enf, improved = ce, true
				}
				if improved {
					t.next = append(t.next, w)
				}
			}
		}
		t.dedupeNext()
	}
	return nil
}

// dedupeNext copies next into changed without repeats, in order (changed
// and next keep backing arrays of their own: next is appended to while
// changed is read at the next level).
func (t *table) dedupeNext() {
	t.gen++
	if t.gen == 0 { // wrapped: no stamp may look current
		clear(t.stamp)
		t.gen = 1
	}
	t.changed = t.changed[:0]
	for _, v := range t.next {
		if t.stamp[v] != t.gen {
			t.stamp[v] = t.gen
			t.changed = append(t.changed, v)
		}
	}
}

// hopValues are one actor's best strengths within 0..MaxMaxHops steps.
type hopValues [MaxMaxHops + 1]float64

// sparse copies the table's best values (not the enforceable ones) for
// every actor it reached, to keep after the dense table is reused.
func (t *table) sparse() map[int32]*hopValues {
	out := make(map[int32]*hopValues, len(t.touched))
	for _, v := range t.touched {
		hv := &hopValues{}
		for h, c := range t.row(v) {
			hv[h] = c.best
		}
		if hv[t.h] > 0 {
			out[v] = hv
		}
	}
	return out
}
