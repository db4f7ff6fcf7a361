package analysis

import (
	"fmt"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// BenchmarkDoNoHarmFlags is the workspace-wide do-no-harm analysis on the
// synthetic maps, whose international actors support security forces,
// movements and institutions, whose forces threaten communities and are in
// tension with movements: both kinds fire. Forms are added to half the
// SUPPORTS and THREATENS. Each iteration asks a fresh projection (results
// are memoised) and makes the first page of 50, as the resolver does.
func BenchmarkDoNoHarmFlags(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			actors, rels := syntheticMap(n, 1)
			for i, r := range rels {
				switch {
				case i%2 == 1:
				case r.Type == domain.Supports:
					r.Form = new(domain.SupportForms[i/2%len(domain.SupportForms)])
				case r.Type == domain.Threatens:
					r.Form = new(domain.ThreatForms[i/2%len(domain.ThreatForms)])
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
			perKind := map[DoNoHarmKind]int{}
			var used int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				g := Build(actors, rels, opts)
				budget := NewBudget(DefaultWorkBudget)
				b.StartTimer()
				l, err := g.DoNoHarmFlags(WithBudget(unbounded(), budget), DoNoHarmFilter{})
				if err != nil {
					b.Fatal(err)
				}
				l.Flags(0, 50)
				used = budget.Used()
				clear(perKind)
				for j := range l.flags {
					perKind[doNoHarmKinds[l.flags[j].kind]]++
				}
			}
			if perKind[SupportToThreat] == 0 || perKind[SharedDependency] == 0 {
				b.Fatalf("a kind does not fire on the synthetic map: %v", perKind)
			}
			b.ReportMetric(float64(perKind[SupportToThreat]), "support-to-threat")
			b.ReportMetric(float64(perKind[SharedDependency]), "shared-dependency")
			b.ReportMetric(float64(used), "units")
		})
	}
}
