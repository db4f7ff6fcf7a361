package analysis

import (
	"fmt"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// BenchmarkParticipationGaps is participationGaps at 1 hop and at the
// default 4 hops on the synthetic maps, every second movement and every third civil-society
// organisation women-led, from a fresh projection each time (the reach is
// memoised per projection). Run with -benchtime=3x: the 100k map takes a
// while to make.
func BenchmarkParticipationGaps(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		actors, rels := syntheticMap(n, 1)
		wl := markWomenLed(actors)
		for _, hops := range []int{1, 4} {
			b.Run(fmt.Sprintf("%d/hops%d", n, hops), func(b *testing.B) {
				opts, err := Options{AsOf: domaintest.Date("2025-01-01"), MaxHops: hops}.Normalize()
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				g := Build(actors, rels, opts)
				b.Logf("%d actors (%d women-led), %d relationships: %s; built in %v", n, wl, len(rels), g, time.Since(start))
				b.ResetTimer()
				var gaps, beyond int
				var units int64
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					g := Build(actors, rels, opts)
					ctx, budget := budgetCtx(DefaultWorkBudget)
					b.StartTimer()
					ps, err := g.ParticipationGaps(ctx, ParticipationFilter{})
					if err != nil {
						b.Fatal(err)
					}
					gaps, beyond, units = len(ps), 0, budget.Used()
					for _, p := range ps {
						if p.Reason == BeyondLimit {
							beyond++
						}
					}
				}
				if gaps == 0 {
					b.Fatal("no participation gaps on the synthetic map")
				}
				b.ReportMetric(float64(gaps), "gaps")
				b.ReportMetric(float64(beyond), "beyond")
				b.ReportMetric(float64(units), "units")
			})
		}
	}
}
