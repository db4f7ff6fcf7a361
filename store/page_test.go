package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// pagedMap stores a workspace of n actors (bulkMap's: regions of
// seventeen, kinds in turn), a tenth of them CONFIDENTIAL and three tenths
// RESTRICTED (benchLevel), one in seven named alike so that the name's
// ties are broken by id; and gives a caller of clearance RESTRICTED in it.
func pagedMap(t *testing.T, n int) (*store.Neo4j, *domain.Workspace, []*domain.Actor, context.Context) {
	t.Helper()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	actors, _ := bulkMap(ws.ID, n, 0)
	for i, a := range actors {
		a.Sensitivity = benchLevel(i)
		if i%7 == 0 {
			a.Name = "Same name"
		}
	}
	if err := st.BulkBaseline(ctx, actors, nil); err != nil {
		t.Fatal(err)
	}
	restricted := domain.WithCaller(context.Background(), &domain.Caller{Subject: "analyst",
		Grants: map[string]domain.Grant{ws.ID: {Role: domain.Analyst, Clearance: domain.Restricted}}})
	return st, ws, actors, restricted
}

// A deep page of actors reads about as many index entries as it returns,
// in every order, for the operator and for a caller of lower clearance,
// even where many actors share the sort key (here every createdAt, and
// one name in seven): the two seeks of the (workspaceId, key, id) index
// from the cursor (the cursor's key past its id, then the keys past it)
// give their rows in order, the filter is tested on what they read, and
// each stops at a page; only those two pages are sorted.
func TestDeepActorPageReadsOnlyThePage(t *testing.T) {
	t.Parallel()
	st, ws, _, restricted := pagedMap(t, 600)
	const first = 20
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"operator", ctx}, {"restricted", restricted}} {
		for _, order := range []domain.ActorOrder{
			{Field: domain.OrderByName, Direction: domain.Asc}, {Field: domain.OrderByName, Direction: domain.Desc},
			{Field: domain.OrderByCreatedAt, Direction: domain.Asc}, {Field: domain.OrderByCreatedAt, Direction: domain.Desc},
		} {
			q := store.ActorQuery{Order: order, PageArgs: store.PageArgs{First: 400}, SkipCount: true}
			before, err := st.ListActors(who.ctx, ws.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			q.First, q.After = first, before.Cursors[len(before.Cursors)-1]
			// A caller of clearance RESTRICTED sees 90% of the actors, so
			// reads a few more than the page; the count (not asked for)
			// seeks another index.
			checkPageSeeks(t, fmt.Sprintf("%s, %v", who.name, order), st, who.ctx, ws.ID, q, ", id)", first, 2*first, 2)
		}
	}
}

// A page of one region's actors by name seeks the (workspaceId, region,
// name, id) index: the first page and a deep one each read about a page
// of index entries, though the region's actors are one in seventeen of
// the workspace's in name order (which the (workspaceId, name, id) index
// would read through), and the count seeks it too; and the pages, walked
// from first to last in both directions, alone and with other filters,
// are exactly the region's actors the caller sees that the filter
// matches, in order, with their totalCount.
func TestRegionPageSeeksTheRegion(t *testing.T) {
	t.Parallel()
	st, ws, actors, restricted := pagedMap(t, 680) // 17 regions of 40
	region := "Region 3"
	kinds := []domain.ActorKind{domain.ActorKinds[0], domain.ActorKinds[3]}
	const first, regionSize = 4, 40
	// reads bounds the index entries a page's seek reads: about a page of
	// the region alone; with another filter, at most the region's actors,
	// never the workspace's.
	filters := []struct {
		name    string
		filter  domain.ActorFilter
		matches func(*domain.Actor) bool
		reads   int64
	}{
		{"the region", domain.ActorFilter{Region: &region}, func(*domain.Actor) bool { return true }, 2 * first},
		{"the region and two kinds", domain.ActorFilter{Region: &region, Kinds: kinds},
			func(a *domain.Actor) bool { return slices.Contains(kinds, a.Kind) }, regionSize},
		{"the region and a tag", domain.ActorFilter{Region: &region, Tags: []string{"u1"}},
			func(a *domain.Actor) bool { return slices.Contains(a.Tags, "u1") }, regionSize},
	}
	for _, who := range []struct {
		name      string
		ctx       context.Context
		clearance domain.Sensitivity
	}{{"operator", ctx, domain.Confidential}, {"restricted", restricted, domain.Restricted}} {
		for _, f := range filters {
			for _, dir := range []domain.OrderDirection{domain.Asc, domain.Desc} {
				var want []string
				for _, a := range actors {
					if a.Region == region && who.clearance.Covers(a.Sensitivity) && f.matches(a) {
						want = append(want, a.Name+"\x00"+a.ID)
					}
				}
				slices.Sort(want)
				if dir == domain.Desc {
					slices.Reverse(want)
				}
				what := fmt.Sprintf("%s, %s, %s", who.name, f.name, dir)
				q := store.ActorQuery{Filter: f.filter, Order: domain.ActorOrder{Field: domain.OrderByName, Direction: dir},
					PageArgs: store.PageArgs{First: first}}
				var got []string
				for page := 0; ; page++ {
					if page == 0 || page == 2 {
						checkPageSeeks(t, fmt.Sprintf("%s, page %d", what, page+1), st, who.ctx, ws.ID, q, "region, name, id)", first, f.reads, 2+min(page, 1))
					}
					p, err := st.ListActors(who.ctx, ws.ID, q)
					if err != nil {
						t.Fatal(err)
					}
					if p.TotalCount != len(want) {
						t.Errorf("%s: totalCount %d, want %d", what, p.TotalCount, len(want))
					}
					for _, a := range p.Items {
						got = append(got, a.Name+"\x00"+a.ID)
					}
					if !p.HasNextPage {
						break
					}
					q.After = p.Cursors[len(p.Cursors)-1]
				}
				if len(want) <= 2*first {
					t.Fatalf("%s: %d actors, too few for a deep page", what, len(want))
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: the pages gave %d actors %q, want %d %q", what, len(got), got, len(want), want)
				}
			}
		}
	}
}

// checkPageSeeks profiles q's page (its count planned, not run) and
// checks that it seeks the index whose description ends in index seeks
// times, each reading at most reads entries, sorts no more than a page,
// and neither scans nor deduplicates.
func checkPageSeeks(t *testing.T, what string, st *store.Neo4j, ctx context.Context, ws string, q store.ActorQuery, index string, first int, reads int64, seeks int) {
	t.Helper()
	steps, err := st.ProfileListActors(ctx, ws, q)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range steps {
		switch {
		case strings.Contains(s.Operator, "Top") || strings.Contains(s.Operator, "Sort"):
			if s.Rows > int64(first)+1 {
				t.Errorf("%s: %s of %d rows", what, s.Operator, s.Rows)
			}
		case strings.Contains(s.Operator, "Scan"), strings.Contains(s.Operator, "Distinct"):
			t.Errorf("%s: the plan has %s %s", what, s.Operator, s.Details)
		case strings.Contains(s.Operator, "NodeIndexSeek") && strings.Contains(s.Details, index):
			n++
			if s.Rows > reads {
				t.Errorf("%s: the seek read %d index entries for a page of %d: %s", what, s.Rows, first, s.Details)
			}
		}
	}
	if n != seeks {
		t.Errorf("%s: %d seeks of the index %q, want %d: %+v", what, n, index, seeks, steps)
	}
}

// A page of an external id's actor seeks the (workspaceId, externalId)
// index in every order, with its count, and reads one entry, where the
// order's index would read the whole workspace looking for a second; it
// gives the actor the caller sees (none to a caller not cleared for it),
// its totalCount, no next page, and, after a cursor, the actor only when
// it comes after the cursor.
func TestExternalIDPageSeeksItsIndex(t *testing.T) {
	t.Parallel()
	st, ws, actors, restricted := pagedMap(t, 300)
	// The id as a researcher may type it, spaces around (it is stored
	// trimmed); and with a filter the actor fails, nothing.
	padded := "  " + *actors[123].ExternalID + " "
	for _, c := range []struct {
		filter domain.ActorFilter
		want   int
	}{
		{domain.ActorFilter{ExternalID: &padded}, 1},
		{domain.ActorFilter{ExternalID: &padded, Kinds: []domain.ActorKind{domain.ActorKinds[(123+1)%len(domain.ActorKinds)]}}, 0},
		{domain.ActorFilter{ExternalID: &padded, Search: new("no such name")}, 0},
	} {
		p, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: c.filter, PageArgs: store.PageArgs{First: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != c.want || p.TotalCount != c.want || (c.want == 1 && p.Items[0].ID != actors[123].ID) {
			t.Errorf("filter %+v: %d actors, totalCount %d; want %d", c.filter, len(p.Items), p.TotalCount, c.want)
		}
	}
	for _, target := range []*domain.Actor{actors[123], actors[120]} { // RESTRICTED, CONFIDENTIAL
		for _, who := range []struct {
			name      string
			ctx       context.Context
			clearance domain.Sensitivity
		}{{"operator", ctx, domain.Confidential}, {"restricted", restricted, domain.Restricted}} {
			for _, order := range []domain.ActorOrder{
				{Field: domain.OrderByName, Direction: domain.Asc}, {Field: domain.OrderByName, Direction: domain.Desc},
				{Field: domain.OrderByCreatedAt, Direction: domain.Asc}, {Field: domain.OrderByCreatedAt, Direction: domain.Desc},
			} {
				what := fmt.Sprintf("%s, %s (%s), %v", who.name, *target.ExternalID, target.Sensitivity, order)
				seen := who.clearance.Covers(target.Sensitivity)
				// The actors the caller sees in this order, for cursors
				// just before and at the target.
				all, err := st.ListActors(who.ctx, ws.ID, store.ActorQuery{Order: order, PageArgs: store.PageArgs{First: len(actors)}, SkipCount: true})
				if err != nil {
					t.Fatal(err)
				}
				at := slices.IndexFunc(all.Items, func(a *domain.Actor) bool { return a.ID == target.ID })
				if seen != (at >= 0) {
					t.Fatalf("%s: the unfiltered list has the target at %d", what, at)
				}
				pages := []struct {
					after string
					want  bool
				}{{"", seen}}
				if at > 0 {
					pages = append(pages, struct {
						after string
						want  bool
					}{all.Cursors[at-1], true}, struct {
						after string
						want  bool
					}{all.Cursors[at], false})
				}
				for _, pg := range pages {
					q := store.ActorQuery{Filter: domain.ActorFilter{ExternalID: target.ExternalID}, Order: order,
						PageArgs: store.PageArgs{First: 10, After: pg.after}}
					p, err := st.ListActors(who.ctx, ws.ID, q)
					if err != nil {
						t.Fatal(err)
					}
					if got := len(p.Items) == 1 && p.Items[0].ID == target.ID; got != pg.want || len(p.Items) > 1 || p.HasNextPage {
						t.Errorf("%s, after %q: %d actors (the target: %v), next page %v; want the target: %v", what, pg.after, len(p.Items), got, p.HasNextPage, pg.want)
					}
					if want := map[bool]int{true: 1, false: 0}[seen]; p.TotalCount != want {
						t.Errorf("%s: totalCount %d, want %d", what, p.TotalCount, want)
					}
					steps, err := st.ProfileListActors(who.ctx, ws.ID, q)
					if err != nil {
						t.Fatal(err)
					}
					seeks := 0
					for _, s := range steps {
						switch {
						case strings.Contains(s.Operator, "Scan"):
							t.Errorf("%s: the plan has %s %s", what, s.Operator, s.Details)
						case strings.Contains(s.Operator, "IndexSeek") && strings.Contains(s.Details, "(workspaceId, externalId)"):
							seeks++
							if s.Rows > 1 {
								t.Errorf("%s: the seek read %d entries: %s", what, s.Rows, s.Details)
							}
						}
					}
					// The page's (after a cursor, Neo4j may seek once per
					// branch of the cursor's condition) and the count's.
					if seeks < 2 || seeks > 3 {
						t.Errorf("%s: %d seeks of the external ids' index, want 2 or 3: %+v", what, seeks, steps)
					}
				}
			}
		}
	}
}

// totalCount is exact: counted for each view and filter, counted again
// after a write, and not counted at all when not asked for.
func TestActorTotalCountCachedPerVersionViewAndFilter(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	for i, level := range []domain.Sensitivity{domain.Public, domain.Public, domain.Confidential} {
		mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.ActorKinds[i], Name: string(rune('A' + i)), Sensitivity: new(level)})
	}
	viewer := domain.WithCaller(context.Background(), &domain.Caller{Subject: "v",
		Grants: map[string]domain.Grant{ws.ID: {Role: domain.Viewer, Clearance: domain.Public}}})
	total := func(ctx context.Context, f domain.ActorFilter, skip bool) (int, int64) {
		t.Helper()
		before := st.QueryCount()
		p, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: f, PageArgs: store.PageArgs{First: 1}, SkipCount: skip})
		if err != nil {
			t.Fatal(err)
		}
		return p.TotalCount, st.QueryCount() - before
	}
	community := domain.ActorFilter{Kinds: []domain.ActorKind{domain.ActorKinds[0]}}
	for range 2 {
		if n, q := total(ctx, domain.ActorFilter{}, false); n != 3 || q != 1 {
			t.Errorf("operator: total %d in %d statements, want 3 in 1", n, q)
		}
	}
	if n, _ := total(viewer, domain.ActorFilter{}, false); n != 2 {
		t.Errorf("viewer: total %d, want 2 (the operator's total leaked?)", n)
	}
	if n, _ := total(ctx, community, false); n != 1 {
		t.Errorf("filtered: total %d, want 1", n)
	}
	if n, _ := total(ctx, domain.ActorFilter{}, true); n != 0 {
		t.Errorf("not asked for: total %d, want 0", n)
	}
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.ActorKinds[0], Name: "D", Sensitivity: new(domain.Public)})
	if n, q := total(ctx, domain.ActorFilter{}, false); n != 4 || q != 2 {
		t.Errorf("after a write: total %d in %d statements, want 4 in 2 (the page, then the count)", n, q)
	}
	if n, _ := total(viewer, domain.ActorFilter{}, false); n != 3 {
		t.Errorf("viewer after a write: total %d, want 3", n)
	}
	if n, _ := total(ctx, community, false); n != 2 {
		t.Errorf("filtered after a write: total %d, want 2", n)
	}
}

// Relationships' totalCount is exact in the same way: per view, filter
// (types included) and version, and not counted when not asked for.
func TestRelationshipTotalCountCachedPerVersionViewAndFilter(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	v := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	p := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: v.ID, To: p.ID, Strength: 0.2})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: p.ID, To: v.ID, Strength: 0.8, Sensitivity: new(domain.Confidential)})
	viewer := domain.WithCaller(context.Background(), &domain.Caller{Subject: "v",
		Grants: map[string]domain.Grant{ws.ID: {Role: domain.Viewer, Clearance: domain.Restricted}}})
	total := func(ctx context.Context, f domain.RelationshipFilter, skip bool) (int, int64) {
		t.Helper()
		before := st.QueryCount()
		p, err := st.ListRelationships(ctx, ws.ID, store.RelationshipQuery{Filter: f, PageArgs: store.PageArgs{First: 1}, SkipCount: skip})
		if err != nil {
			t.Fatal(err)
		}
		return p.TotalCount, st.QueryCount() - before
	}
	trusts := domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Trusts}}
	for range 2 {
		if n, q := total(ctx, domain.RelationshipFilter{}, false); n != 2 || q != 1 {
			t.Errorf("operator: total %d in %d statements, want 2 in 1", n, q)
		}
	}
	if n, _ := total(viewer, domain.RelationshipFilter{}, false); n != 1 {
		t.Errorf("viewer: total %d, want 1", n)
	}
	if n, _ := total(ctx, trusts, false); n != 1 {
		t.Errorf("TRUSTS alone: total %d, want 1", n)
	}
	if n, _ := total(ctx, domain.RelationshipFilter{}, true); n != 0 {
		t.Errorf("not asked for: total %d, want 0", n)
	}
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: p.ID, To: v.ID, Strength: 0.9})
	if n, q := total(ctx, domain.RelationshipFilter{}, false); n != 3 || q != 2 {
		t.Errorf("after a write: total %d in %d statements, want 3 in 2", n, q)
	}
	if n, _ := total(viewer, domain.RelationshipFilter{}, false); n != 2 {
		t.Errorf("viewer after a write: total %d, want 2", n)
	}
	if n, _ := total(ctx, trusts, false); n != 2 {
		t.Errorf("TRUSTS after a write: total %d, want 2", n)
	}
}

// A page of relationships reads about a page per type asked for: each
// type's (workspaceId, id) seek gives its rows in id order and stops.
func TestRelationshipPageReadsOnlyAPagePerType(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	actors, rels := bulkMap(ws.ID, 100, 2400) // 200 of each type
	for i, r := range rels {
		r.Sensitivity = benchLevel(i)
	}
	if err := st.BulkBaseline(ctx, actors, rels); err != nil {
		t.Fatal(err)
	}
	const first = 10
	steps, err := st.ProfileListRelationships(ctx, ws.ID, store.RelationshipQuery{PageArgs: store.PageArgs{First: first}})
	if err != nil {
		t.Fatal(err)
	}
	seeks := 0
	for _, s := range steps {
		if strings.Contains(s.Operator, "RelationshipIndexSeek") && strings.Contains(s.Details, ", id)") {
			seeks++
			if s.Rows > first+1 {
				t.Errorf("the page's seek read %d entries for a page of %d: %s", s.Rows, first, s.Details)
			}
		}
	}
	if seeks != len(domain.RelationshipTypes) {
		t.Errorf("%d seeks of a (workspaceId, id) index, want one per type", seeks)
	}
}
