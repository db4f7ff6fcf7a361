package analysis

import (
	"context"
	"fmt"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// cliqueMap is the crafted map that made brokers(maxHops: 8) run for half
// a minute: a clique of 17 actors joined pairwise by DIALOGUE, and six
// villages, each linked to one clique member only (its gateway), and each
// threatened by a security force that answers to that gateway alone
// (ACCOUNTABLE_TO, a step gateway → force). The first route of each pair,
// village → gateway → force, is found at once; a second one does not
// exist, but the hop tables count walks, and a walk from any clique member
// back through the gateway reaches the force in two steps. So the search
// for the second and third routes, which may not revisit the gateway,
// tries every simple path through the clique before it gives up.
// 17 + 6 + 6 = 29 actors.
func cliqueMap() *mapBuilder {
	const cliqueSize, villages = 17, 6
	b := &mapBuilder{}
	member := func(i int) string { return fmt.Sprintf("clique%02d", i) }
	for i := 0; i < cliqueSize; i++ {
		b.actor(member(i), domain.KindCivilSociety)
	}
	for i := 0; i < cliqueSize; i++ {
		for j := i + 1; j < cliqueSize; j++ {
			b.rel(fmt.Sprintf("d%02d_%02d", i, j), domain.Dialogue, member(i), member(j), 0.9)
		}
	}
	for v := 0; v < villages; v++ {
		village, force, gateway := fmt.Sprintf("village%d", v), fmt.Sprintf("force%d", v), member(v)
		b.actor(village, domain.KindCommunity)
		b.actor(force, domain.KindSecurityForce)
		b.rel("gw"+village, domain.Dialogue, village, gateway, 0.8)
		b.rel("acc"+force, domain.AccountableTo, force, gateway, 0.7)
		b.rel("thr"+force, domain.Threatens, force, village, 0.9)
	}
	return b
}

// testGaps is Gaps for tests, which fail on an error.
func (g *Graph) testGaps(tb testing.TB, f GapFilter) []*Gap {
	tb.Helper()
	gaps, err := g.Gaps(context.Background(), f)
	if err != nil {
		tb.Fatal(err)
	}
	return gaps
}

// testMeter meters work under a fresh default budget, for tests that call
// the stages directly.
func testMeter() *meter { return newMeter(context.Background(), "test") }
