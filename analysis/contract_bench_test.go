package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// BenchmarkSocialContract is the whole social contract (every region and
// overall, at the default 4 hops) from a fresh projection each time, on
// the synthetic maps with a rightsAwareness for two communities in three
// and half the security forces state-affiliated. It includes the pairs'
// statuses and the trust tables, which accountabilityGaps and trustGaps
// would share on one projection. Run with -benchtime=3x.
func BenchmarkSocialContract(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			actors, rels := syntheticMap(n, 1)
			rng := rand.New(rand.NewPCG(3, 17))
			for _, a := range actors {
				switch {
				case a.Kind == domain.KindCommunity && rng.IntN(3) > 0:
					a.RightsAwareness = new(rng.Float64())
				case a.Kind == domain.KindSecurityForce:
					a.StateAffiliated = new(rng.IntN(2) == 0)
				}
			}
			opts, err := Options{AsOf: domaintest.Date("2025-01-01")}.Normalize()
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			Build(actors, rels, opts)
			b.Logf("%d actors, %d relationships; built in %v", n, len(rels), time.Since(start))
			b.ResetTimer()
			var units int64
			var sc *SocialContract
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				g := Build(actors, rels, opts) // a fresh projection: results are memoised
				budget := NewBudget(DefaultWorkBudget)
				ctx := WithBudget(context.Background(), budget)
				b.StartTimer()
				if sc, err = g.SocialContract(ctx, nil, nil); err != nil {
					b.Fatal(err)
				}
				units = budget.Used()
			}
			o := sc.Overall
			if o.Communities == 0 || o.Accountability.Denominator == 0 || o.TrustInState.Value == nil || o.Empowerment.Value == nil {
				b.Fatalf("the synthetic map gives an empty contract: %s", contractLine(o))
			}
			b.ReportMetric(float64(units), "units")
			b.ReportMetric(float64(len(sc.Regions)), "regions")
			b.ReportMetric(*o.Accountability.Value, "accountability")
		})
	}
}
