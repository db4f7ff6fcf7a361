package store_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkBulkBaseline writes maps of the import benchmark's sizes (see
// mapio/scale_test.go) with Neo4j's bulk path alone (batched UNWIND, a
// transaction per batch): the rows per second an import can approach.
//
//	go test ./store -run '^$' -bench BulkBaseline -benchtime 1x
func BenchmarkBulkBaseline(b *testing.B) {
	st := storetest.Open(b)
	ctx := storetest.Ctx()
	for _, sc := range []struct {
		name                  string
		actors, relationships int
	}{{"10k", 1_000, 10_000}, {"1M", 100_000, 1_000_000}} {
		b.Run(sc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ws := storetest.Workspace(b, st)
				actors, rels := bulkMap(ws.ID, sc.actors, sc.relationships)
				b.StartTimer()
				start := time.Now()
				if err := st.BulkBaseline(ctx, actors, rels); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(sc.actors+sc.relationships)/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}

// bulkMap builds the same shape of map as the import benchmark's files.
func bulkMap(ws string, nActors, nRels int) ([]*domain.Actor, []*domain.Relationship) {
	rng := rand.New(rand.NewPCG(7, uint64(nActors)))
	actors := make([]*domain.Actor, nActors)
	for i := range actors {
		a, err := domain.NewActor(ws, domain.ActorInput{Kind: domain.ActorKinds[i%len(domain.ActorKinds)], Name: fmt.Sprintf("Actor %d", i),
			Region: new(fmt.Sprintf("Region %d", i%17)), Tags: []string{fmt.Sprintf("t%d", i%5), fmt.Sprintf("u%d", i%3)},
			ExternalID: new(fmt.Sprintf("a%d", i))})
		if err != nil {
			panic(err)
		}
		a.ID = domain.NewID(domain.PrefixActor)
		actors[i] = a
	}
	rels := make([]*domain.Relationship, nRels)
	for j := range rels {
		from := rng.IntN(nActors)
		to := (from + 1 + rng.IntN(nActors-1)) % nActors
		vf := domaintest.Date(fmt.Sprintf("%d-01-01", 2000+j%25))
		r, err := domain.NewRelationship(ws, domain.RelationshipInput{From: actors[from].ID, To: actors[to].ID,
			Type: domain.RelationshipTypes[j%len(domain.RelationshipTypes)], Strength: rng.Float64(), Confidence: new(0.8),
			ValidFrom: &vf, ExternalID: new(fmt.Sprintf("r%d", j))})
		if err != nil {
			panic(err)
		}
		r.ID = domain.NewID(domain.PrefixRelationship)
		rels[j] = r
	}
	return actors, rels
}
