package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// routesText describes routes by their strengths and relationships.
func routesText(rs []Route) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("%.12f", r.Strength)
		for _, st := range r.Steps {
			s += " " + st.Rel.ID
		}
		s += "\n"
	}
	return s
}

// Route searches reuse the projection's tables (getTable). A question
// stopped half-way by its budget leaves no trace: every question after it
// answers as a new projection of the same map does.
func TestRoutesAfterStoppedQuestions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	b := randMap(rng, 2000, 14000)
	g := b.graph(t, Options{MaxHops: 5})
	stopped, answered := 0, 0
	for i, limit := range []int64{1, 3000, 6000, 12000, 24000, 48000, 96000, 192000, 384000} {
		// Questions of several hop limits share the projection, each limit
		// its own tables.
		o := g.Options()
		o.MaxHops = 2 + i%4
		gh := g.With(o)
		from, to := b.actors[i%2].ID, b.actors[2+i%7].ID
		ctx, _ := budgetCtx(limit)
		if _, err := gh.Routes(ctx, from, to, 3); err != nil {
			stopped++
		}
		for _, p := range [][2]string{{from, to}, {b.actors[(i+1)%2].ID, b.actors[2+(i+3)%7].ID}} {
			got, err := gh.Routes(context.Background(), p[0], p[1], 3)
			if err != nil {
				t.Fatal(err)
			}
			want, err := b.graph(t, Options{MaxHops: o.MaxHops}).Routes(context.Background(), p[0], p[1], 3)
			if err != nil {
				t.Fatal(err)
			}
			if routesText(got) != routesText(want) {
				t.Fatalf("after a question with budget %d, %d hops: %s→%s\n%s\nwant\n%s", limit, o.MaxHops, p[0], p[1], routesText(got), routesText(want))
			}
			answered += len(got)
		}
	}
	if stopped == 0 || stopped == 9 || answered == 0 {
		t.Fatalf("%d of 9 questions stopped, %d routes found: the test checks nothing", stopped, answered)
	}
}

// A table whose computation was stopped half-way holds, once computed
// again for another root, exactly what a new table computed for that
// root holds: compute records every actor it sets before setting it, and
// clears what it recorded before it starts. (The answers of
// TestRoutesAfterStoppedQuestions cannot show a stale value: it only
// loosens a bound.)
func TestTableReusedAfterAStop(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	b := randMap(rng, 2000, 14000)
	g := b.graph(t, Options{MaxHops: 5})
	tb := newTable(len(g.actors), 5)
	stops := 0
	for i := range 12 {
		root, next := i*37%len(g.actors), (i*37+11)%len(g.actors)
		ctx, _ := budgetCtx(int64(1000 << i))
		if err := tb.compute(newMeter(ctx, "test"), g, root, i%2 == 0); err != nil {
			stops++
		}
		if err := tb.compute(testMeter(), g, next, false); err != nil {
			t.Fatal(err)
		}
		fresh := newTable(len(g.actors), 5)
		if err := fresh.compute(testMeter(), g, next, false); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tb.cells, fresh.cells) {
			t.Fatalf("after a computation for %d with budget %d, the table for %d differs from a new one's", root, 1000<<i, next)
		}
	}
	if stops == 0 || stops == 12 {
		t.Fatalf("%d of 12 computations stopped: the test checks nothing", stops)
	}
}
