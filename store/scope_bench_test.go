package store_test

import (
	"context"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkScopedReads measures what scoping costs: the same reads of a
// map of 10,000 actors and 100,000 relationships (a third of each at each
// sensitivity) by the operator, who sees everything without a per-record
// test, and by members (an editor, who passes every test, and an analyst,
// who sees two levels), whose every record is tested against their grant
// in the statement.
//
//	go test ./store -run '^$' -bench ScopedReads -benchtime 5x
func BenchmarkScopedReads(b *testing.B) {
	st := storetest.Open(b)
	ws := storetest.Workspace(b, st)
	actors, rels := bulkMap(ws.ID, 10_000, 100_000)
	for i, a := range actors {
		a.Sensitivity = domain.Sensitivities[i%3]
	}
	for i, r := range rels {
		r.Sensitivity = domain.Sensitivities[i%3]
	}
	if err := st.BulkBaseline(storetest.Ctx(), actors, rels); err != nil {
		b.Fatal(err)
	}
	callers := map[string]*domain.Caller{
		"operator": domain.Operator("bench"),
		"editor":   {Subject: "bench editor", Grants: map[string]domain.Grant{ws.ID: {Role: domain.Editor, Clearance: domain.Confidential}}},
		"analyst":  {Subject: "bench analyst", Grants: map[string]domain.Grant{ws.ID: {Role: domain.Analyst, Clearance: domain.Restricted}}},
	}
	reads := map[string]func(ctx context.Context) error{
		"counts": func(ctx context.Context) error { _, err := st.WorkspaceCounts(ctx, []string{ws.ID}); return err },
		"actors page": func(ctx context.Context) error {
			_, err := st.ListActors(ctx, ws.ID, store.ActorQuery{PageArgs: store.PageArgs{First: 50}})
			return err
		},
		"relationships page": func(ctx context.Context) error {
			_, err := st.ListRelationships(ctx, ws.ID, store.RelationshipQuery{PageArgs: store.PageArgs{First: 50}})
			return err
		},
		"snapshot": func(ctx context.Context) error { _, err := st.AnalysisSnapshot(ctx, ws.ID); return err },
	}
	for _, read := range []string{"counts", "actors page", "relationships page", "snapshot"} {
		for _, who := range []string{"operator", "editor", "analyst"} {
			b.Run(read+"/"+who, func(b *testing.B) {
				ctx := domain.WithCaller(context.Background(), callers[who])
				for b.Loop() {
					if err := reads[read](ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
