package analysis

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// A synthetic map shaped like real ones: actors in regions of about a
// hundred, most relationships inside a region, national institutions and
// forces linked across regions; about ten relationships per actor, so 100k
// actors carry about a million relationships.
func syntheticMap(n int, seed uint64) ([]*domain.Actor, []*domain.Relationship) {
	rng := rand.New(rand.NewPCG(seed, 7))
	const regionSize = 100
	kinds := []struct {
		k     domain.ActorKind
		share int
	}{{domain.KindCommunity, 40}, {domain.KindSecurityForce, 10}, {domain.KindStateInstitution, 20}, {domain.KindMovement, 15},
		{domain.KindCivilSociety, 8}, {domain.KindCustomaryAuthority, 4}, {domain.KindInternational, 3}}
	actors := make([]*domain.Actor, n)
	byKind := map[domain.ActorKind][]int{}
	byRegionKind := map[[2]int][]int{}
	kindIdx := map[domain.ActorKind]int{}
	for i, kd := range kinds {
		kindIdx[kd.k] = i
	}
	for i := range actors {
		r := rng.IntN(100)
		var k domain.ActorKind
		for _, kd := range kinds {
			if r < kd.share {
				k = kd.k
				break
			}
			r -= kd.share
		}
		region := i / regionSize
		actors[i] = &domain.Actor{ID: fmt.Sprintf("act_%08d", i), Kind: k, Name: fmt.Sprint("actor ", i), Region: fmt.Sprint("region ", region)}
		byKind[k] = append(byKind[k], i)
		byRegionKind[[2]int{region, kindIdx[k]}] = append(byRegionKind[[2]int{region, kindIdx[k]}], i)
	}
	var rels []*domain.Relationship
	pick := func(region int, k domain.ActorKind) int {
		// Mostly local, sometimes anywhere (national bodies, cross-region links).
		if l := byRegionKind[[2]int{region, kindIdx[k]}]; len(l) > 0 && rng.IntN(10) < 8 {
			return l[rng.IntN(len(l))]
		}
		all := byKind[k]
		return all[rng.IntN(len(all))]
	}
	add := func(t domain.RelationshipType, from, to int) {
		if from == to {
			return
		}
		r := &domain.Relationship{ID: fmt.Sprintf("rel_%09d", len(rels)), Type: t, FromID: actors[from].ID, ToID: actors[to].ID,
			Strength: 0.1 + 0.9*rng.Float64(), Confidence: 0.5 + 0.5*rng.Float64()}
		if t == domain.AccountableTo && rng.IntN(3) == 0 {
			r.Power = new(domain.Enforcement)
		}
		if rng.IntN(20) == 0 {
			r.ValidTo = new(domaintest.Date("2023-01-01"))
		}
		rels = append(rels, r)
	}
	for i, a := range actors {
		region := i / regionSize
		switch a.Kind {
		case domain.KindCommunity:
			add(domain.Threatens, pick(region, domain.KindSecurityForce), i)
			add(domain.ProvidesSecurity, pick(region, domain.KindSecurityForce), i)
			add(domain.Trusts, i, pick(region, domain.KindSecurityForce))
			add(domain.Trusts, i, pick(region, domain.KindStateInstitution))
			add(domain.ParticipatesIn, i, pick(region, domain.KindMovement))
			if rng.IntN(2) == 0 {
				add(domain.ParticipatesIn, i, pick(region, domain.KindCivilSociety))
			}
			add(domain.Represents, pick(region, domain.KindStateInstitution), i)
			add(domain.CooperatesWith, i, pick(region, domain.KindCommunity))
			add(domain.Dialogue, i, pick(region, domain.KindCustomaryAuthority))
			if rng.IntN(3) == 0 {
				add(domain.Threatens, pick(region, domain.KindStateInstitution), i)
			}
		case domain.KindSecurityForce:
			for j := 0; j < 3; j++ {
				add(domain.AccountableTo, i, pick(region, domain.KindStateInstitution))
			}
			add(domain.Controls, pick(region, domain.KindStateInstitution), i)
			add(domain.Dialogue, i, pick(region, domain.KindCommunity))
			add(domain.InTensionWith, i, pick(region, domain.KindMovement))
			for j := 0; j < 4; j++ {
				add(domain.Supports, pick(region, domain.KindInternational), i)
			}
		case domain.KindMovement, domain.KindCivilSociety:
			for j := 0; j < 4; j++ {
				add(domain.Influences, i, pick(region, domain.KindStateInstitution))
			}
			add(domain.Dialogue, i, pick(region, domain.KindSecurityForce))
			add(domain.CooperatesWith, i, pick(region, domain.KindMovement))
			add(domain.Supports, pick(region, domain.KindInternational), i)
			add(domain.Trusts, i, pick(region, domain.KindStateInstitution))
		case domain.KindStateInstitution:
			add(domain.AccountableTo, i, pick(region, domain.KindStateInstitution))
			add(domain.Influences, i, pick(region, domain.KindStateInstitution))
			add(domain.CooperatesWith, i, pick(region, domain.KindCivilSociety))
			add(domain.Supports, pick(region, domain.KindInternational), i)
			add(domain.Dialogue, i, pick(region, domain.KindCivilSociety))
		default:
			add(domain.Influences, i, pick(region, domain.KindStateInstitution))
			add(domain.Supports, i, pick(region, domain.KindCivilSociety))
			add(domain.CooperatesWith, i, pick(region, domain.KindMovement))
		}
	}
	return actors, rels
}

// unbounded is a context whose work budget never runs out.
func unbounded() context.Context {
	return WithBudget(context.Background(), NewBudget(math.MaxInt64))
}

var benchSizes = []int{1_000, 3_000, 10_000, 100_000}

// benchGraphs returns a function that builds a fresh projection of one
// synthetic map with the timer stopped: results are memoised per graph,
// and a benchmark must measure a first request, not a cache hit.
func benchGraphs(b *testing.B, n int) func() *Graph {
	b.Helper()
	actors, rels := syntheticMap(n, 1)
	opts, err := Options{AsOf: domaintest.Date("2025-01-01"), Threshold: DefaultThreshold}.Normalize()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	g := Build(actors, rels, opts)
	b.Logf("%d actors, %d relationships: %s; built in %v", n, len(rels), g, time.Since(start))
	return func() *Graph {
		b.StopTimer()
		defer b.StartTimer()
		return Build(actors, rels, opts)
	}
}

// BenchmarkGaps is the workspace-wide gap analysis (every pair's best and
// strongest enforceable route, severities, sorting).
func BenchmarkGaps(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fresh := benchGraphs(b, n)
			b.ResetTimer()
			var gaps int
			for i := 0; i < b.N; i++ {
				gaps = len(fresh().testGaps(b, GapFilter{}))
			}
			b.ReportMetric(float64(gaps), "gaps")
		})
	}
}

func BenchmarkGapClosures(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fresh := benchGraphs(b, n)
			b.ResetTimer()
			var k int
			var cpu time.Duration
			var units int64
			for i := 0; i < b.N; i++ {
				// From a fresh projection: the workspace's gaps, then the
				// proposals; with no work budget, to measure the algorithm
				// on the largest maps (the default budget refuses them).
				g := fresh()
				ctx := unbounded()
				before := cpuTime()
				cls, err := g.GapClosures(ctx, 10, 0.5)
				cpu += cpuTime() - before
				units += BudgetFrom(ctx).Used()
				if err != nil {
					b.Fatal(err)
				}
				k = len(cls)
			}
			b.ReportMetric(float64(k), "closures")
			// On a shared machine the wall clock varies with the load; the
			// process's CPU time and the work units vary much less.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(units)/float64(b.N), "units/op")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuild is the projection itself (what a cache miss costs on top
// of reading the workspace from Neo4j).
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			actors, rels := syntheticMap(n, 1)
			opts, err := Options{AsOf: domaintest.Date("2025-01-01")}.Normalize()
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Build(actors, rels, opts)
			}
		})
	}
}

func BenchmarkBrokers(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fresh := benchGraphs(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := fresh().Brokers(unbounded(), 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCraftedClique is the crafted map of cliqueMap: brokers and
// gaps with eight hops, from a fresh projection each time.
func BenchmarkCraftedClique(b *testing.B) {
	m := cliqueMap()
	opts, err := Options{AsOf: domaintest.Date("2025-01-01"), Threshold: DefaultThreshold, MaxHops: MaxMaxHops}.Normalize()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("brokers", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Build(m.actors, m.rels, opts).Brokers(context.Background(), 10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gaps", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Build(m.actors, m.rels, opts).testGaps(b, GapFilter{})
		}
	})
}

// BenchmarkAliasedClosures is the attack on the 3,000-actor map: five
// gapClosures at 8 hops with distinct thresholds in one request, sharing
// the default budget (each alone needed about 870M units, 45 s).
func BenchmarkAliasedClosures(b *testing.B) {
	actors, rels := syntheticMap(3_000, 1)
	for i := 0; i < b.N; i++ {
		ctx := WithBudget(context.Background(), NewBudget(DefaultWorkBudget))
		g := Build(actors, rels, Options{AsOf: domaintest.Date("2025-01-01"), MaxHops: MaxMaxHops})
		refused := 0
		for _, th := range []float64{0.2, 0.25, 0.3, 0.35, 0.4} {
			o := g.Options()
			o.Threshold = th
			if _, err := g.With(o).GapClosures(ctx, 10, 0.5); err != nil {
				refused++
			}
		}
		b.ReportMetric(float64(refused), "refused")
		b.ReportMetric(float64(BudgetFrom(ctx).Used()), "units")
	}
}
