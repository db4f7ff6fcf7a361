package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkPages measures the cost of a page of 50 near the start of a
// list and deep in it (page 200, or the page at 90% of what the caller
// sees when the list is shorter), with and without totalCount, for the
// operator (who sees everything) and an analyst of clearance RESTRICTED,
// on a workspace of 10,000 actors (PAGE_BENCH_SIZES=10000,100000 adds
// 100,000), 60/30/10% PUBLIC/RESTRICTED/CONFIDENTIAL, with 7.5
// relationships per actor. Each workspace is built once.
//
//	NEO4J_URI=bolt://… go test ./store -run '^$' -bench Pages -benchtime 20x
//
// The count is cached per workspace version, filter and view, so "count"
// after the first iteration measures the page plus a cached count; the
// "count/cold" runs bump the version before each iteration (a write to
// the workspace: a new source) and so count afresh every time. Each
// benchmark runs its read once before it starts timing.
func BenchmarkPages(b *testing.B) {
	st := storetest.Open(b)
	sizes := []int{10_000}
	if env := os.Getenv("PAGE_BENCH_SIZES"); env != "" {
		sizes = nil
		for f := range strings.SplitSeq(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("PAGE_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("actors=%d", size), func(b *testing.B) {
			ws := storetest.Workspace(b, st)
			actors, rels := bulkMap(ws.ID, size, size*15/2)
			for i, a := range actors {
				a.Sensitivity = benchLevel(i)
			}
			for i, r := range rels {
				r.Sensitivity = benchLevel(i)
			}
			if err := st.BulkBaseline(storetest.Ctx(), actors, rels); err != nil {
				b.Fatal(err)
			}
			callers := []struct {
				name   string
				caller *domain.Caller
			}{
				{"admin", domain.Operator("bench")},
				{"restricted", &domain.Caller{Subject: "bench analyst",
					Grants: map[string]domain.Grant{ws.ID: {Role: domain.Analyst, Clearance: domain.Restricted}}}},
			}
			for _, c := range callers {
				ctx := domain.WithCaller(context.Background(), c.caller)
				benchPageList(b, "actors/"+c.name, ctx, st, ws.ID, func(ctx context.Context, first int, after string, count bool) ([]string, int, error) {
					p, err := st.ListActors(ctx, ws.ID, store.ActorQuery{PageArgs: store.PageArgs{First: first, After: after}, SkipCount: !count,
						Order: domain.ActorOrder{Field: domain.OrderByName, Direction: domain.Asc}})
					if err != nil {
						return nil, 0, err
					}
					return p.Cursors, p.TotalCount, nil
				})
				benchPageList(b, "relationships/"+c.name, ctx, st, ws.ID, func(ctx context.Context, first int, after string, count bool) ([]string, int, error) {
					p, err := st.ListRelationships(ctx, ws.ID, store.RelationshipQuery{PageArgs: store.PageArgs{First: first, After: after}, SkipCount: !count})
					if err != nil {
						return nil, 0, err
					}
					return p.Cursors, p.TotalCount, nil
				})
			}
		})
	}
}

// benchLevel spreads records 60/30/10% over the three levels.
func benchLevel(i int) domain.Sensitivity {
	switch i % 10 {
	case 0:
		return domain.Confidential
	case 1, 2, 3:
		return domain.Restricted
	}
	return domain.Public
}

// benchPageList runs the page benchmarks of one list for one caller.
// list returns a page's cursors and its total count.
func benchPageList(b *testing.B, name string, ctx context.Context, st *store.Neo4j, ws string,
	list func(ctx context.Context, first int, after string, count bool) ([]string, int, error)) {
	const per = 50
	_, total, err := list(ctx, 1, "", true)
	if err != nil {
		b.Fatal(err)
	}
	deep := min(200, total*9/10/per) // the page number of the deep page
	cursors, _, err := list(ctx, (deep-1)*per, "", false)
	if err != nil {
		b.Fatal(err)
	}
	after := map[string]string{"page1": "", fmt.Sprintf("page%d", deep): cursors[len(cursors)-1]}
	for _, page := range []string{"page1", fmt.Sprintf("page%d", deep)} {
		for _, count := range []string{"nocount", "count", "count/cold"} {
			b.Run(name+"/"+page+"/"+count, func(b *testing.B) {
				// Once untimed: the first run of a statement after the map
				// grew may have Neo4j plan it again, which no later
				// request pays.
				if _, _, err := list(ctx, per, after[page], count != "nocount"); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if count == "count/cold" {
						b.StopTimer()
						// A new source bumps the workspace's version and changes
						// no list measured here.
						if _, err := st.CreateSource(storetest.Ctx(), ws, domain.SourceInput{Title: "bump", Kind: domain.SourceKinds[0]}); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					got, n, err := list(ctx, per, after[page], count != "nocount")
					if err != nil {
						b.Fatal(err)
					}
					if len(got) != per || (count != "nocount" && n != total) {
						b.Fatalf("%d items of %d, total %d of %d", len(got), per, n, total)
					}
				}
			})
		}
	}
}
