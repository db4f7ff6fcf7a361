package analysis

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// BenchmarkTrustGaps is the workspace-wide trust gap analysis on the
// synthetic maps, with a second segment ("women") beside every TRUSTS and
// a reverse TRUSTS for one in three, so that every kind has work to do.
func BenchmarkTrustGaps(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			actors, rels := syntheticMap(n, 1)
			rng := rand.New(rand.NewPCG(2, 13))
			for _, r := range rels {
				if r.Type != domain.Trusts {
					continue
				}
				women := "women"
				rels = append(rels, &domain.Relationship{ID: r.ID + "w", Type: domain.Trusts, FromID: r.FromID, ToID: r.ToID,
					Strength: rng.Float64(), Confidence: 1, PerceivedBy: &women})
				if rng.IntN(3) == 0 {
					rels = append(rels, &domain.Relationship{ID: r.ID + "r", Type: domain.Trusts, FromID: r.ToID, ToID: r.FromID,
						Strength: rng.Float64(), Confidence: 1})
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
			found := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				g := Build(actors, rels, opts) // a fresh projection: results are memoised
				b.StartTimer()
				gs, err := g.TrustGaps(unbounded(), TrustGapFilter{Threshold: DefaultTrustThreshold, DistrustBelow: DefaultDistrustBelow})
				if err != nil {
					b.Fatal(err)
				}
				found = len(gs)
			}
			if found == 0 {
				b.Fatal("no trust gaps on the synthetic map")
			}
			b.ReportMetric(float64(found), "findings")
		})
	}
}
