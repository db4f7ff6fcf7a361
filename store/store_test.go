package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The store's contract suite, against the real Neo4j.

var ctx = storetest.Ctx()

func mustActor(t *testing.T, st store.Store, ws string, in domain.ActorInput) *domain.Actor {
	t.Helper()
	a, err := st.CreateActor(ctx, ws, in)
	if err != nil {
		t.Fatalf("create actor %q: %v", in.Name, err)
	}
	return a
}

func mustRel(t *testing.T, st store.Store, in domain.RelationshipInput) *domain.Relationship {
	t.Helper()
	r, err := st.CreateRelationship(ctx, in)
	if err != nil {
		t.Fatalf("create relationship %s: %v", in.Type, err)
	}
	return r
}

// snapshot is everything a workspace holds, for "nothing changed" checks.
type snapshot struct {
	Actors        []*domain.Actor
	Relationships []*domain.Relationship
	Sources       []*domain.Source
}

func take(t *testing.T, st store.Store, ws string) snapshot {
	t.Helper()
	var s snapshot
	actors, err := st.ListActors(ctx, ws, store.ActorQuery{PageArgs: store.PageArgs{First: 500}, Order: domain.ActorOrder{Field: domain.OrderByCreatedAt, Direction: domain.Asc}})
	if err != nil {
		t.Fatal(err)
	}
	rels, err := st.ListRelationships(ctx, ws, store.RelationshipQuery{PageArgs: store.PageArgs{First: 500}})
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := st.ListSources(ctx, ws, store.PageArgs{First: 500})
	if err != nil {
		t.Fatal(err)
	}
	s.Actors, s.Relationships, s.Sources = actors.Items, rels.Items, srcs.Items
	return s
}

func assertUnchanged(t *testing.T, st store.Store, ws string, before snapshot) {
	t.Helper()
	if after := take(t, st, ws); !reflect.DeepEqual(before, after) {
		t.Errorf("the workspace changed after a failed write:\nbefore %+v\nafter  %+v", before, after)
	}
}

func wantKind(t *testing.T, err error, kind errs.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", kind.Code())
	}
	if !errs.Match(&errs.Error{Kind: kind}, err) {
		t.Fatalf("got %s (%v), want %s", errs.KindOf(err).Code(), err, kind.Code())
	}
}

func TestActorRoundTripEveryKind(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	src, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Survey", Kind: "SURVEY", PublishedOn: new(domaintest.Date("2024-03-01")), Reliability: new(0.8)})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []domain.ActorInput{
		{Kind: domain.KindCommunity, Name: "Village", Region: new("North"), Tags: []string{"rural", "UNSCR1325:protection"},
			ActorAttributes: domain.ActorAttributes{Population: new(1200), RightsAwareness: new(0.4),
				Marginalised: new(true), Displaced: new(false), Unregistered: new(true)}},
		{Kind: domain.KindStateInstitution, Name: "Council", ActorAttributes: domain.ActorAttributes{
			Level: new(domain.GovernanceLevel("LOCAL")), Branch: new(domain.Branch("LEGISLATIVE"))}},
		{Kind: domain.KindSecurityForce, Name: "Police", ActorAttributes: domain.ActorAttributes{
			ForceType: new(domain.ForceType("POLICE")), StateAffiliated: new(true)}},
		{Kind: domain.KindMovement, Name: "Women's network", ActorAttributes: domain.ActorAttributes{
			Focus: new("peace"), WomenLed: new(true), Membership: new(300)}},
		{Kind: domain.KindCivilSociety, Name: "Radio", ActorAttributes: domain.ActorAttributes{
			OrganizationType: new(domain.OrganizationType("MEDIA")), WomenLed: new(false)}},
		{Kind: domain.KindCustomaryAuthority, Name: "Elders", ActorAttributes: domain.ActorAttributes{
			AuthorityType: new(domain.AuthorityType("ELDERS_COUNCIL"))}},
		{Kind: domain.KindInternational, Name: "Donor", ExternalID: new("D-1"), SourceIDs: []string{src.ID},
			ActorAttributes: domain.ActorAttributes{InternationalType: new(domain.InternationalType("DONOR"))}},
	}
	for _, in := range inputs {
		t.Run(string(in.Kind), func(t *testing.T) {
			created := mustActor(t, st, ws.ID, in)
			got, err := st.ActorsByIDs(ctx, []string{created.ID})
			if err != nil || len(got) != 1 {
				t.Fatalf("read back: %v, %d actors", err, len(got))
			}
			if !reflect.DeepEqual(created, got[0]) {
				t.Errorf("read back differs:\ncreated %+v\nread    %+v", created, got[0])
			}
			if got[0].Kind != in.Kind || got[0].WorkspaceID != ws.ID || domain.IDKind(got[0].ID) != domain.PrefixActor {
				t.Errorf("kind/workspace/id wrong: %+v", got[0])
			}
		})
	}
}

func TestRelationshipRoundTripAndTypeFields(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	village := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	police := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police"})
	in := domain.RelationshipInput{Type: domain.AccountableTo, From: police.ID, To: village.ID, Strength: 0.3,
		Confidence: new(0.7), ExternalID: new("R-1"), Mechanism: new(domain.Mechanism("SOCIAL")),
		Power: new(domain.Answerability), ValidFrom: new(domaintest.Date("2020-01-01")),
		ValidTo: new(domaintest.Date("2030-01-01")), Notes: new("monthly forum")}
	r := mustRel(t, st, in)
	got, err := st.RelationshipsByIDs(ctx, []string{r.ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("read back: %v %d", err, len(got))
	}
	if !reflect.DeepEqual(r, got[0]) {
		t.Errorf("read back differs:\ncreated %+v\nread    %+v", r, got[0])
	}
	trust := mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: village.ID, To: police.ID, Strength: 0.2, PerceivedBy: new("women")})
	if trust.Confidence != 1 {
		t.Errorf("confidence defaults to 1, got %v", trust.Confidence)
	}
}

func TestBadWritesChangeNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	other := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("A")})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B", ExternalID: new("B")})
	foreign := mustActor(t, st, other.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Elsewhere"})
	foreignSrc, err := st.CreateSource(ctx, other.ID, domain.SourceInput{Title: "Other", Kind: "REPORT"})
	if err != nil {
		t.Fatal(err)
	}
	r := mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5, ExternalID: new("R")})
	dated := mustRel(t, st, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: b.ID, Strength: 0.5,
		ValidFrom: new(domaintest.Date("2025-01-01"))})
	before, beforeOther := take(t, st, ws.ID), take(t, st, other.ID)

	cases := []struct {
		name string
		kind errs.Kind
		do   func() error
	}{
		{"empty actor name", errs.Invalid, func() error {
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "  "})
			return err
		}},
		{"attribute of another kind", errs.Invalid, func() error {
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "X",
				ActorAttributes: domain.ActorAttributes{Population: new(10)}})
			return err
		}},
		{"duplicate actor externalId", errs.Conflict, func() error {
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A2", ExternalID: new("A")})
			return err
		}},
		{"actor in unknown workspace", errs.NotFound, func() error {
			_, err := st.CreateActor(ctx, "ws_nope", domain.ActorInput{Kind: domain.KindCommunity, Name: "X"})
			return err
		}},
		{"actor citing unknown source", errs.NotFound, func() error {
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "X", SourceIDs: []string{"src_nope"}})
			return err
		}},
		{"actor citing another workspace's source", errs.Invalid, func() error {
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "X", SourceIDs: []string{foreignSrc.ID}})
			return err
		}},
		{"strength above 1", errs.Invalid, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 1.5})
			return err
		}},
		{"confidence below 0", errs.Invalid, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.5, Confidence: new(-0.1)})
			return err
		}},
		{"self relationship", errs.Invalid, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: a.ID, Strength: 0.5})
			return err
		}},
		{"power on CONTROLS", errs.Invalid, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Controls, From: b.ID, To: a.ID, Strength: 0.5, Power: new(domain.Enforcement)})
			return err
		}},
		{"validTo not after validFrom", errs.Invalid, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: b.ID, Strength: 0.5,
				ValidFrom: new(domaintest.Date("2024-01-01")), ValidTo: new(domaintest.Date("2024-01-01"))})
			return err
		}},
		{"relationship across workspaces", errs.Invalid, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: foreign.ID, Strength: 0.5})
			return err
		}},
		{"relationship from unknown actor", errs.NotFound, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Dialogue, From: "act_nope", To: a.ID, Strength: 0.5})
			return err
		}},
		{"duplicate relationship externalId across types", errs.Conflict, func() error {
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: b.ID, Strength: 0.5, ExternalID: new("R")})
			return err
		}},
		{"update clears actor name", errs.Invalid, func() error {
			_, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Name: domaintest.Clear[string]()})
			return err
		}},
		{"update takes another actor's externalId", errs.Conflict, func() error {
			_, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{ExternalID: domaintest.Some("B")})
			return err
		}},
		{"update sets validTo before stored validFrom", errs.Invalid, func() error {
			_, err := st.UpdateRelationship(ctx, dated.ID, domain.RelationshipPatch{ValidTo: domaintest.Some(domaintest.Date("2024-01-01"))})
			return err
		}},
		{"update gives power to a THREATENS", errs.Invalid, func() error {
			_, err := st.UpdateRelationship(ctx, r.ID, domain.RelationshipPatch{Power: domaintest.Some(domain.Enforcement)})
			return err
		}},
		{"update unknown actor", errs.NotFound, func() error {
			_, err := st.UpdateActor(ctx, "act_nope", domain.ActorPatch{Name: domaintest.Some("x")})
			return err
		}},
		{"delete unknown relationship", errs.NotFound, func() error {
			_, err := st.DeleteRelationship(ctx, "rel_nope")
			return err
		}},
		{"delete unknown source", errs.NotFound, func() error {
			_, err := st.DeleteSource(ctx, "src_nope")
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantKind(t, c.do(), c.kind)
		})
	}
	assertUnchanged(t, st, ws.ID, before)
	assertUnchanged(t, st, other.ID, beforeOther)
}

func TestUpdatePatchSemantics(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village", Region: new("North"),
		Tags: []string{"x"}, ActorAttributes: domain.ActorAttributes{Population: new(10)}})
	up, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Name: domaintest.Some(" Village 2 "), Population: domaintest.Clear[int]()})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Village 2" || up.Population != nil || up.Region != "North" || !reflect.DeepEqual(up.Tags, []string{"x"}) {
		t.Errorf("patch applied wrongly: %+v", up)
	}
	if up.UpdatedAt.Before(a.UpdatedAt) || !up.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("timestamps: created %v→%v updated %v→%v", a.CreatedAt, up.CreatedAt, a.UpdatedAt, up.UpdatedAt)
	}
	got, _ := st.ActorsByIDs(ctx, []string{a.ID})
	if !reflect.DeepEqual(got[0], up) {
		t.Errorf("stored %+v, returned %+v", got[0], up)
	}
}

func TestDeletesCascade(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	src, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "S", Kind: "REPORT"})
	if err != nil {
		t.Fatal(err)
	}
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", SourceIDs: []string{src.ID}})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	c := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "C"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5})
	mustRel(t, st, domain.RelationshipInput{Type: domain.ParticipatesIn, From: a.ID, To: c.ID, Strength: 0.5})
	kept := mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: c.ID, To: b.ID, Strength: 0.5, SourceIDs: []string{src.ID}})

	res, err := st.DeleteSource(ctx, src.ID)
	if err != nil || res.SourcesDeleted != 1 {
		t.Fatalf("delete source: %v %+v", err, res)
	}
	as, _ := st.ActorsByIDs(ctx, []string{a.ID})
	rs, _ := st.RelationshipsByIDs(ctx, []string{kept.ID})
	if len(as[0].SourceIDs) != 0 || len(rs[0].SourceIDs) != 0 {
		t.Errorf("deleted source still cited: actor %v relationship %v", as[0].SourceIDs, rs[0].SourceIDs)
	}

	res, err = st.DeleteActor(ctx, a.ID)
	if err != nil || res.RelationshipsDeleted != 2 {
		t.Fatalf("delete actor: %v %+v", err, res)
	}
	counts, _ := st.WorkspaceCounts(ctx, []string{ws.ID})
	if counts[ws.ID] != (store.Counts{Actors: 2, Relationships: 1}) {
		t.Errorf("after deleting the actor: %+v", counts[ws.ID])
	}

	res, err = st.DeleteWorkspace(ctx, ws.ID)
	if err != nil || res.ActorsDeleted != 2 || res.RelationshipsDeleted != 1 {
		t.Fatalf("delete workspace: %v %+v", err, res)
	}
	left, _ := st.ActorsByIDs(ctx, []string{b.ID, c.ID})
	if len(left) != 0 {
		t.Errorf("actors survived their workspace: %v", left)
	}
	if _, err := st.DeleteWorkspace(ctx, ws.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("second delete: %v, want NOT_FOUND", err)
	}
}

// collectActors pages through every actor with the given page size.
func collectActors(t *testing.T, st store.Store, ws string, q store.ActorQuery) []*domain.Actor {
	t.Helper()
	var all []*domain.Actor
	for {
		page, err := st.ListActors(ctx, ws, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if !page.HasNextPage {
			return all
		}
		q.After = page.Cursors[len(page.Cursors)-1]
	}
}

func TestActorPagingOrdersAndFilters(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	names := []string{"delta", "Alpha", "charlie", "bravo", "echo", "alpha"} // a duplicate name, mixed case
	for i, n := range names {
		kind := domain.KindCommunity
		if i%2 == 1 {
			kind = domain.KindMovement
		}
		mustActor(t, st, ws.ID, domain.ActorInput{Kind: kind, Name: n, Region: new("R" + fmt.Sprint(i%3)), Tags: []string{"t" + fmt.Sprint(i%2), "all"}})
	}
	for _, dir := range []domain.OrderDirection{domain.Asc, domain.Desc} {
		for _, field := range []domain.ActorOrderField{domain.OrderByName, domain.OrderByCreatedAt} {
			t.Run(string(field)+"_"+string(dir), func(t *testing.T) {
				q := store.ActorQuery{Order: domain.ActorOrder{Field: field, Direction: dir}, PageArgs: store.PageArgs{First: 2}}
				got := collectActors(t, st, ws.ID, q)
				if len(got) != len(names) {
					t.Fatalf("paged through %d actors, want %d", len(got), len(names))
				}
				sorted := sort.SliceIsSorted(got, func(i, j int) bool {
					ki, kj := got[i].Name, got[j].Name
					if field == domain.OrderByCreatedAt {
						ki, kj = got[i].CreatedAt.Format(time.RFC3339Nano)+got[i].ID, got[j].CreatedAt.Format(time.RFC3339Nano)+got[j].ID
					} else if ki == kj {
						ki, kj = got[i].ID, got[j].ID
					}
					if dir == domain.Desc {
						return ki > kj
					}
					return ki < kj
				})
				if !sorted {
					t.Errorf("not sorted by %s %s: %v", field, dir, namesOf(got))
				}
			})
		}
	}
	filters := []struct {
		name string
		f    domain.ActorFilter
		want int
	}{
		{"kinds", domain.ActorFilter{Kinds: []domain.ActorKind{domain.KindMovement}}, 3},
		{"region", domain.ActorFilter{Region: new("R0")}, 2},
		{"tags all of", domain.ActorFilter{Tags: []string{"t0", "all"}}, 3},
		{"search ignores case", domain.ActorFilter{Search: new("ALPH")}, 2},
		{"no match", domain.ActorFilter{Search: new("zulu")}, 0},
		{"injection is literal", domain.ActorFilter{Search: new("') OR 1=1 //")}, 0},
		{"blank search is no filter", domain.ActorFilter{Search: new("  ")}, 6},
		// Fields combine (AND), whichever are set: one statement serves them all.
		{"kinds and region", domain.ActorFilter{Kinds: []domain.ActorKind{domain.KindMovement}, Region: new("R0")}, 1},
		{"kinds and tags", domain.ActorFilter{Kinds: []domain.ActorKind{domain.KindCommunity}, Tags: []string{"t0"}}, 3},
		{"search and region", domain.ActorFilter{Search: new("ALPH"), Region: new("R1")}, 1},
	}
	for _, f := range filters {
		t.Run("filter_"+f.name, func(t *testing.T) {
			page, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: f.f, PageArgs: store.PageArgs{First: 100}})
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount != f.want || len(page.Items) != f.want {
				t.Errorf("total %d items %d, want %d", page.TotalCount, len(page.Items), f.want)
			}
		})
	}
	t.Run("filtered pages", func(t *testing.T) {
		q := store.ActorQuery{Filter: domain.ActorFilter{Kinds: []domain.ActorKind{domain.KindMovement}, Tags: []string{"all"}},
			Order: domain.ActorOrder{Field: domain.OrderByName, Direction: domain.Desc}, PageArgs: store.PageArgs{First: 1}}
		if got := namesOf(collectActors(t, st, ws.ID, q)); !reflect.DeepEqual(got, []string{"bravo", "alpha", "Alpha"}) {
			t.Errorf("movements by name, descending, a page at a time: %v", got)
		}
	})
	t.Run("cursor of another ordering is refused", func(t *testing.T) {
		page, _ := st.ListActors(ctx, ws.ID, store.ActorQuery{PageArgs: store.PageArgs{First: 1}})
		_, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Order: domain.ActorOrder{Field: domain.OrderByCreatedAt},
			PageArgs: store.PageArgs{First: 1, After: page.Cursors[0]}})
		wantKind(t, err, errs.Invalid)
	})
}

func namesOf(as []*domain.Actor) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

// Paging by name while other actors are being added neither skips nor
// repeats any actor that existed when paging began.
func TestKeysetPagingIsStableUnderConcurrentInserts(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	const n = 300
	original := map[string]bool{}
	for i := 0; i < n; i++ {
		a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprintf("actor %03d", (i*7919)%n)})
		original[a.ID] = true
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Names that sort before, between and after the originals.
			name := []string{"aaa new", "actor 150 new", "zzz new"}[i%3] + fmt.Sprint(i)
			if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: name}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for _, order := range []domain.ActorOrder{{Field: domain.OrderByName, Direction: domain.Asc}, {Field: domain.OrderByName, Direction: domain.Desc},
		{Field: domain.OrderByCreatedAt, Direction: domain.Asc}, {Field: domain.OrderByCreatedAt, Direction: domain.Desc}} {
		got := collectActors(t, st, ws.ID, store.ActorQuery{Order: order, PageArgs: store.PageArgs{First: 25}})
		seen := map[string]int{}
		for _, a := range got {
			seen[a.ID]++
			if seen[a.ID] > 1 {
				t.Errorf("%v: actor %s (%s) returned twice", order, a.ID, a.Name)
			}
		}
		for id := range original {
			if seen[id] == 0 {
				t.Errorf("%v: actor %s skipped", order, id)
			}
		}
	}
	close(stop)
	wg.Wait()
}

func TestRelationshipPagingIsStableUnderConcurrentInserts(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	hub := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "Council"})
	var spokes []*domain.Actor
	for i := 0; i < 20; i++ {
		spokes = append(spokes, mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprint("c", i)}))
	}
	original := map[string]bool{}
	types := []domain.RelationshipType{domain.ParticipatesIn, domain.Trusts, domain.Dialogue, domain.Influences}
	for i := 0; i < 120; i++ {
		r := mustRel(t, st, domain.RelationshipInput{Type: types[i%4], From: spokes[i%20].ID, To: hub.ID, Strength: 0.5,
			PerceivedBy: map[bool]*string{true: new(fmt.Sprint("segment", i)), false: nil}[types[i%4] == domain.Trusts]})
		original[r.ID] = true
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.CooperatesWith, From: spokes[i%20].ID, To: hub.ID, Strength: 0.1}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	check := func(name string, ids []string) {
		seen := map[string]int{}
		for _, id := range ids {
			seen[id]++
			if seen[id] > 1 {
				t.Errorf("%s: relationship %s returned twice", name, id)
			}
		}
		for id := range original {
			if seen[id] == 0 {
				t.Errorf("%s: relationship %s skipped", name, id)
			}
		}
	}
	var ids []string
	q := store.RelationshipQuery{PageArgs: store.PageArgs{First: 7}}
	for {
		page, err := st.ListRelationships(ctx, ws.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		if !page.HasNextPage {
			break
		}
		q.After = page.Cursors[len(page.Cursors)-1]
	}
	check("workspace relationships", ids)
	ids = nil
	aq := store.ActorRelationshipsQuery{Direction: domain.Both, PageArgs: store.PageArgs{First: 9}}
	for {
		pages, err := st.RelationshipsOfActors(ctx, []string{hub.ID}, aq)
		if err != nil {
			t.Fatal(err)
		}
		page := pages[hub.ID]
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		if !page.HasNextPage {
			break
		}
		aq.After = page.Cursors[len(page.Cursors)-1]
	}
	check("actor relationships", ids)
	close(stop)
	wg.Wait()
}

// Two updates of different fields of one actor, at the same time, both
// land: updates lock before they read.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	const rounds = 15
	for i := 0; i < rounds; i++ {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Region: domaintest.Some(fmt.Sprint("region", i))}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Population: domaintest.Some(i)}); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		got, _ := st.ActorsByIDs(ctx, []string{a.ID})
		if got[0].Region != fmt.Sprint("region", i) || got[0].Population == nil || *got[0].Population != i {
			t.Fatalf("round %d: an update was lost: region %q population %v", i, got[0].Region, got[0].Population)
		}
	}
}

// Concurrent creates with one relationship externalId: exactly one wins,
// the others get CONFLICT, whatever their types.
func TestConcurrentExternalIDsConflict(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A"})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "B"})
	types := []domain.RelationshipType{domain.ParticipatesIn, domain.CooperatesWith, domain.Dialogue, domain.Influences, domain.Supports, domain.InTensionWith}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, conflicts := 0, 0
	for _, typ := range types {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: typ, From: a.ID, To: b.ID, Strength: 0.5, ExternalID: new("same")})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errs.Is(err, errs.Conflict):
				conflicts++
			default:
				t.Errorf("%s: %v", typ, err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || conflicts != len(types)-1 {
		t.Errorf("%d created, %d conflicts; want 1 and %d", created, conflicts, len(types)-1)
	}
}

// Creates racing a workspace delete either land before it (and are
// deleted with the workspace) or fail with NOT_FOUND: nothing is left
// without a workspace.
func TestDeleteWorkspaceLeavesNoOrphans(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws, err := st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	// The delete waits until creates are landing, so that it meets them
	// half way whatever the machine's speed (each writer has 40 to make).
	landing := make(chan struct{})
	var once sync.Once
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				a, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprint("c", w, i)})
				if errs.Is(err, errs.NotFound) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, a.ID)
				if len(ids) >= 3 {
					once.Do(func() { close(landing) })
				}
				mu.Unlock()
			}
		}()
	}
	go func() { wg.Wait(); once.Do(func() { close(landing) }) }() // writers that failed early
	<-landing
	res, err := st.DeleteWorkspace(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	left, err := st.ActorsByIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d actors outlived their workspace", len(left))
	}
	t.Logf("%d actors created, %d deleted with the workspace", len(ids), res.ActorsDeleted)
	if res.ActorsDeleted > len(ids) {
		t.Errorf("deleted %d actors but only %d were created", res.ActorsDeleted, len(ids))
	}
}

func TestListRelationshipsFilters(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	v := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	p := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police"})
	c := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "Council"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: v.ID, To: p.ID, Strength: 0.2, PerceivedBy: new("women")})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: v.ID, To: p.ID, Strength: 0.7, PerceivedBy: new("men"), Confidence: new(0.5)})
	mustRel(t, st, domain.RelationshipInput{Type: domain.AccountableTo, From: p.ID, To: c.ID, Strength: 0.6,
		ValidFrom: new(domaintest.Date("2020-01-01")), ValidTo: new(domaintest.Date("2023-01-01"))})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: v.ID, To: c.ID, Strength: 0.4,
		ValidFrom: new(domaintest.Date("2027-01-01"))})
	cases := []struct {
		name string
		f    domain.RelationshipFilter
		want int
	}{
		{"all", domain.RelationshipFilter{}, 4},
		{"types", domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Trusts, domain.Influences}}, 3},
		{"from", domain.RelationshipFilter{From: &v.ID}, 3},
		{"to", domain.RelationshipFilter{To: &c.ID}, 2},
		{"minStrength", domain.RelationshipFilter{MinStrength: new(0.5)}, 2},
		{"minConfidence", domain.RelationshipFilter{MinConfidence: new(0.9)}, 3},
		{"perceivedBy", domain.RelationshipFilter{PerceivedBy: new("women")}, 1},
		{"validAt inside", domain.RelationshipFilter{ValidAt: new(domaintest.Date("2021-06-01"))}, 3},
		{"validAt on validTo is out (exclusive)", domain.RelationshipFilter{ValidAt: new(domaintest.Date("2023-01-01"))}, 2},
		{"validAt on validFrom is in", domain.RelationshipFilter{ValidAt: new(domaintest.Date("2027-01-01"))}, 3},
		// Fields combine (AND), whichever are set: one statement serves them all.
		{"one type", domain.RelationshipFilter{Types: []domain.RelationshipType{domain.AccountableTo}}, 1},
		{"type, from and minStrength", domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Trusts}, From: &v.ID, MinStrength: new(0.5)}, 1},
		{"to and validAt", domain.RelationshipFilter{To: &c.ID, ValidAt: new(domaintest.Date("2021-06-01"))}, 1},
		{"from, to and perceivedBy", domain.RelationshipFilter{From: &v.ID, To: &p.ID, PerceivedBy: new("men")}, 1},
		{"every field", domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Trusts, domain.Influences}, From: &v.ID, To: &p.ID,
			MinStrength: new(0.5), MinConfidence: new(0.4), PerceivedBy: new("men"), ValidAt: new(domaintest.Date("2021-06-01"))}, 1},
		{"a type with none", domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Threatens}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			q := store.RelationshipQuery{Filter: tc.f, PageArgs: store.PageArgs{First: 1}}
			total := -1
			for {
				page, err := st.ListRelationships(ctx, ws.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				total = page.TotalCount
				for _, r := range page.Items {
					ids = append(ids, r.ID)
				}
				if !page.HasNextPage {
					break
				}
				q.After = page.Cursors[len(page.Cursors)-1]
			}
			if total != tc.want || len(ids) != tc.want {
				t.Errorf("total %d, paged %d, want %d", total, len(ids), tc.want)
			}
			if !sort.StringsAreSorted(ids) {
				t.Errorf("not in id order: %v", ids)
			}
		})
	}
}

func TestRelationshipsOfActorsBatch(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	hub := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "Hub"})
	var spokes []string
	for i := 0; i < 3; i++ {
		s := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprint("S", i)})
		spokes = append(spokes, s.ID)
		mustRel(t, st, domain.RelationshipInput{Type: domain.ParticipatesIn, From: s.ID, To: hub.ID, Strength: 0.5})
		mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: s.ID, To: hub.ID, Strength: 0.5})
	}
	before := st.QueryCount()
	pages, err := st.RelationshipsOfActors(ctx, append([]string{hub.ID}, spokes...), store.ActorRelationshipsQuery{
		Direction: domain.In, Types: []domain.RelationshipType{domain.ParticipatesIn}, PageArgs: store.PageArgs{First: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if n := st.QueryCount() - before; n != 1 {
		t.Errorf("batch took %d statements, want 1", n)
	}
	if p := pages[hub.ID]; p.TotalCount != 3 || len(p.Items) != 2 || !p.HasNextPage {
		t.Errorf("hub page: total %d items %d next %v", p.TotalCount, len(p.Items), p.HasNextPage)
	}
	if p := pages[spokes[0]]; p.TotalCount != 0 {
		t.Errorf("spoke has no incoming PARTICIPATES_IN, got %d", p.TotalCount)
	}
	out, _ := st.RelationshipsOfActors(ctx, spokes[:1], store.ActorRelationshipsQuery{Direction: domain.Out, PageArgs: store.PageArgs{First: 10}})
	if p := out[spokes[0]]; p.TotalCount != 2 {
		t.Errorf("spoke has 2 outgoing relationships of any type, got %d", p.TotalCount)
	}
	// Without the count: the same pages, TotalCount left at 0.
	skipped, err := st.RelationshipsOfActors(ctx, append([]string{hub.ID}, spokes...), store.ActorRelationshipsQuery{
		Direction: domain.In, Types: []domain.RelationshipType{domain.ParticipatesIn}, PageArgs: store.PageArgs{First: 2}, SkipCount: true})
	if err != nil {
		t.Fatal(err)
	}
	for id, p := range pages {
		q := skipped[id]
		if q == nil || q.TotalCount != 0 || q.HasNextPage != p.HasNextPage || !slices.Equal(q.Cursors, p.Cursors) {
			t.Errorf("actor %s without the count: %+v, want the page %+v with TotalCount 0", id, q, p)
		}
	}
}

func TestNeo4jDownIsUnavailable(t *testing.T) {
	t.Parallel()
	storetest.Config(t) // an integration test like the others
	st, err := store.Open(store.Config{URI: "bolt://127.0.0.1:1", TxRetryTime: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	start := time.Now()
	_, err = st.Workspaces(ctx)
	wantKind(t, err, errs.Unavailable)
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v to report Neo4j unavailable", d)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatal("not an errs.Error")
	}
}

// Every write to a workspace's content bumps its version, and a failed
// write does not: the analysis cache depends on it.
func TestWorkspaceVersionBumpsOnEveryWrite(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	version := func() int64 {
		v, err := st.WorkspaceVersion(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	last := version()
	step := func(name string, write func() error, wantBump bool) {
		t.Helper()
		err := write()
		if wantBump && err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v := version()
		if wantBump && v <= last {
			t.Errorf("%s did not bump the version (%d → %d)", name, last, v)
		}
		if !wantBump && v != last {
			t.Errorf("%s (which failed) bumped the version (%d → %d)", name, last, v)
		}
		last = v
	}
	var a, b *domain.Actor
	var r *domain.Relationship
	var src *domain.Source
	step("create actor", func() (err error) {
		a, err = st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("A")})
		return err
	}, true)
	step("create second actor", func() (err error) {
		b, err = st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
		return err
	}, true)
	step("failed create", func() error {
		_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "dup", ExternalID: new("A")})
		return err
	}, false)
	step("create relationship", func() (err error) {
		r, err = st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5})
		return err
	}, true)
	step("update relationship", func() error {
		_, err := st.UpdateRelationship(ctx, r.ID, domain.RelationshipPatch{Strength: domaintest.Some(0.9)})
		return err
	}, true)
	step("create source", func() (err error) {
		src, err = st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "S", Kind: "REPORT"})
		return err
	}, true)
	step("update source", func() error {
		_, err := st.UpdateSource(ctx, src.ID, domain.SourcePatch{Title: domaintest.Some("T")})
		return err
	}, true)
	step("update actor", func() error {
		_, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Region: domaintest.Some("R")})
		return err
	}, true)
	step("delete relationship", func() error { _, err := st.DeleteRelationship(ctx, r.ID); return err }, true)
	step("delete source", func() error { _, err := st.DeleteSource(ctx, src.ID); return err }, true)
	step("delete actor", func() error { _, err := st.DeleteActor(ctx, b.ID); return err }, true)
}

func TestAnalysisSnapshot(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A"})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	// Every fact a relationship can carry, on one or another.
	threat := mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5,
		Form: new(domain.Form("VIOLENCE")), ValidFrom: new(domaintest.Date("2020-01-01")), ValidTo: new(domaintest.Date("2030-01-01")),
		Notes: new("notes stay in the record"), ExternalID: new("t1")})
	support := mustRel(t, st, domain.RelationshipInput{Type: domain.Supports, From: b.ID, To: a.ID, Strength: 0.5, Confidence: new(0.75)})
	dialogue := mustRel(t, st, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: b.ID, Strength: 0.5, Power: new(domain.Enforcement),
		Frameworks: []domain.Framework{domain.FrameworkJustice}, Sensitivity: new(domain.Restricted)})
	trust := mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.25, PerceivedBy: new("women")})
	snap, err := st.AnalysisSnapshot(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := st.WorkspaceVersion(ctx, ws.ID)
	if snap.Version != v || len(snap.Actors) != 2 {
		t.Errorf("version %d (store %d), %d actors", snap.Version, v, len(snap.Actors))
	}
	got := map[string]*domain.RelationshipFacts{}
	for _, r := range snap.Relationships {
		got[r.ID] = r
	}
	// SUPPORTS is read by the do-no-harm flags. Each relationship's facts
	// are its record's.
	if len(got) != 4 {
		t.Errorf("snapshot relationships: %v", got)
	}
	for _, want := range []*domain.Relationship{threat, support, dialogue, trust} {
		if !reflect.DeepEqual(got[want.ID], want.Facts()) {
			t.Errorf("%s: facts %+v, want %+v", want.Type, got[want.ID], want.Facts())
		}
	}
	if _, err := st.AnalysisSnapshot(ctx, "ws_nope"); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown workspace: %v", err)
	}
}

// Relationships looked up by id and type are those looked up by id, as
// the caller may see them; an id under another type is not found.
func TestRelationshipsByTypedIDs(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", Sensitivity: new(domain.Public)})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B", Sensitivity: new(domain.Public)})
	trust := mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.5, Sensitivity: new(domain.Public), Notes: new("n")})
	threat := mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5, Sensitivity: new(domain.Confidential)})
	influence := mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: a.ID, To: b.ID, Strength: 0.5, Sensitivity: new(domain.Restricted)})
	analyst := domain.WithCaller(context.Background(), &domain.Caller{Subject: "token:analyst",
		Grants: map[string]domain.Grant{ws.ID: {Role: domain.Analyst, Clearance: domain.Restricted}}})
	all := map[domain.RelationshipType][]string{domain.Trusts: {trust.ID}, domain.Threatens: {threat.ID}, domain.Influences: {influence.ID, "rel_unknown"}}
	cases := []struct {
		name   string
		ctx    context.Context
		ids    map[domain.RelationshipType][]string
		wantBy []string // what RelationshipsByIDs finds of these ids
	}{
		{"the operator, every type", ctx, all, []string{trust.ID, threat.ID, influence.ID}},
		{"an analyst of clearance RESTRICTED", analyst, all, []string{trust.ID, threat.ID, influence.ID}},
		{"under another type", ctx, map[domain.RelationshipType][]string{domain.Threatens: {trust.ID}, domain.Trusts: {influence.ID}}, nil},
		{"none", ctx, map[domain.RelationshipType][]string{}, nil},
	}
	byID := func(rs []*domain.Relationship) map[string]*domain.Relationship {
		m := map[string]*domain.Relationship{}
		for _, r := range rs {
			m[r.ID] = r
		}
		return m
	}
	for _, c := range cases {
		got, err := st.RelationshipsByTypedIDs(c.ctx, c.ids)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want, err := st.RelationshipsByIDs(c.ctx, c.wantBy)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byID(got), byID(want)) {
			t.Errorf("%s: %d relationships %v, want %d %v", c.name, len(got), byID(got), len(want), byID(want))
		}
	}
	if got, _ := st.RelationshipsByTypedIDs(analyst, all); len(got) != 2 || byID(got)[threat.ID] != nil {
		t.Errorf("the analyst sees %v, want the PUBLIC and the RESTRICTED one", byID(got))
	}
}

// A snapshot read in several batches of actors, split between its
// transactions, holds every relationship once, in id order, with all its
// facts, its ends and type.
func TestAnalysisSnapshotInBatches(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	st.SetSnapshotBatch(2)
	ws := storetest.Workspace(t, st)
	var actors []*domain.Actor
	for i := range 7 {
		actors = append(actors, mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprint("actor ", i)}))
	}
	want := map[string]*domain.RelationshipFacts{}
	for i, a := range actors {
		for _, j := range []int{i + 1, i + 3} {
			if j < len(actors) {
				typ := []domain.RelationshipType{domain.Trusts, domain.Influences}[j%2]
				r := mustRel(t, st, domain.RelationshipInput{Type: typ, From: a.ID, To: actors[j].ID, Strength: 0.25 * float64(1+i%3)})
				want[r.ID] = r.Facts()
			}
		}
	}
	snap, err := st.AnalysisSnapshot(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Actors) != len(actors) || len(snap.Relationships) != len(want) {
		t.Fatalf("%d actors and %d relationships, want %d and %d", len(snap.Actors), len(snap.Relationships), len(actors), len(want))
	}
	if !slices.IsSortedFunc(snap.Relationships, func(x, y *domain.RelationshipFacts) int { return strings.Compare(x.ID, y.ID) }) {
		t.Error("the relationships are not in id order")
	}
	for _, r := range snap.Relationships {
		if !reflect.DeepEqual(r, want[r.ID]) {
			t.Errorf("relationship %s: %+v, want %+v", r.ID, r, want[r.ID])
		}
	}
}

// A chain a – b – c – d, with an expired relationship c – d and a TRUSTS b → a.
func TestSubgraph(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	var ids []string
	for _, n := range []string{"a", "b", "c", "d"} {
		ids = append(ids, mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: n}).ID)
	}
	mustRel(t, st, domain.RelationshipInput{Type: domain.Dialogue, From: ids[0], To: ids[1], Strength: 0.5})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: ids[1], To: ids[0], Strength: 0.5})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: ids[1], To: ids[2], Strength: 0.5})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: ids[2], To: ids[3], Strength: 0.5, ValidTo: new(domaintest.Date("2020-01-01"))})
	cases := []struct {
		name      string
		depth     int
		types     []domain.RelationshipType
		asOf      *domain.Date
		max       int
		actors    int
		rels      int
		truncated bool
	}{
		{"depth 1 from b", 1, nil, nil, 100, 3, 3, false},
		{"depth 2 from b", 2, nil, nil, 100, 4, 4, false},
		{"types", 2, []domain.RelationshipType{domain.Influences}, nil, 100, 3, 2, false},
		{"asOf drops the expired relationship", 2, nil, new(domaintest.Date("2024-01-01")), 100, 3, 3, false},
		{"limit", 2, nil, nil, 2, 2, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sg, err := st.Subgraph(ctx, ids[1], c.depth, c.types, c.asOf, c.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(sg.Actors) != c.actors || len(sg.Relationships) != c.rels || sg.Truncated != c.truncated || sg.Center.ID != ids[1] {
				t.Errorf("%d actors, %d relationships, truncated %v; want %d, %d, %v", len(sg.Actors), len(sg.Relationships), sg.Truncated, c.actors, c.rels, c.truncated)
			}
		})
	}
}

// Counts are cached per workspace version and view: a repeated count is
// one statement, a write is seen at once, and each clearance gets its own.
func TestWorkspaceCountsCachedPerVersionAndView(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", Sensitivity: new(domain.Public)})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "B", Sensitivity: new(domain.Confidential)})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.5})
	viewer := domain.WithCaller(context.Background(), &domain.Caller{Subject: "v",
		Grants: map[string]domain.Grant{ws.ID: {Role: domain.Viewer, Clearance: domain.Public}}})
	count := func(ctx context.Context) (store.Counts, int64) {
		t.Helper()
		before := st.QueryCount()
		c, err := st.WorkspaceCounts(ctx, []string{ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		return c[ws.ID], st.QueryCount() - before
	}
	if c, _ := count(ctx); c != (store.Counts{Actors: 2, Relationships: 1}) {
		t.Errorf("operator counts %+v", c)
	}
	if c, n := count(ctx); c != (store.Counts{Actors: 2, Relationships: 1}) || n != 1 {
		t.Errorf("repeated count: %+v in %d statements, want the same in 1", c, n)
	}
	if c, _ := count(viewer); c != (store.Counts{Actors: 1, Relationships: 0}) {
		t.Errorf("a viewer's counts %+v: the operator's cached counts leaked", c)
	}
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "C", Sensitivity: new(domain.Public)})
	if c, _ := count(viewer); c.Actors != 2 {
		t.Errorf("after a write the viewer counts %+v", c)
	}
	if c, _ := count(ctx); c.Actors != 3 {
		t.Errorf("after a write the operator counts %+v", c)
	}
}

// seekIndex finds the index a relationship index seek reads, as in
// "RANGE INDEX (a)-[r:TRUSTS(workspaceId, id)]->(b) WHERE …".
var seekIndex = regexp.MustCompile(`r:[A-Z_]+\([^)]*\)`)

// ListRelationships' one statement seeks each type's workspace index (the
// count) and (workspaceId, id) index (the page), whatever filter it was
// first planned for, and a type not asked for costs no read at all.
func TestListRelationshipsSeeksOnlyTheTypesAskedFor(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	v := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	p := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: v.ID, To: p.ID, Strength: 0.2})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: p.ID, To: v.ID, Strength: 0.8})
	steps, err := st.ProfileListRelationships(ctx, ws.ID, store.RelationshipQuery{
		Filter: domain.RelationshipFilter{Types: []domain.RelationshipType{domain.Trusts}}, PageArgs: store.PageArgs{First: 10}})
	if err != nil {
		t.Fatal(err)
	}
	seeks := map[string]int64{} // index → db hits
	for _, s := range steps {
		switch {
		case strings.Contains(s.Operator, "RelationshipIndexSeek"):
			seeks[seekIndex.FindString(s.Details)] += s.DBHits
		case strings.Contains(s.Operator, "Scan"):
			t.Errorf("the plan scans: %s %s", s.Operator, s.Details)
		}
	}
	for _, typ := range domain.RelationshipTypes {
		for _, idx := range []string{"r:" + string(typ) + "(workspaceId)", "r:" + string(typ) + "(workspaceId, id)"} {
			hits, ok := seeks[idx]
			switch {
			case !ok:
				t.Errorf("no seek of %s: %v", idx, seeks)
			case typ == domain.Trusts && hits == 0:
				t.Errorf("the seek of %s read nothing", idx)
			case typ != domain.Trusts && hits != 0:
				t.Errorf("the seek of %s, a type not asked for, read %d entries", idx, hits)
			}
		}
	}
}

// Records an import wrote without times (as imports once did) get the
// time of the next start, and records without a sensitivity the default, so that queries naming them work again; records
// with times keep theirs.
func TestEnsureSchemaMendsMissingTimes(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	broken, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Imported long ago"})
	if err != nil {
		t.Fatal(err)
	}
	fine, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Made today"})
	if err != nil {
		t.Fatal(err)
	}
	// Other test binaries run EnsureSchema as they start, so the repair
	// may come from one of them: either way it comes after this moment.
	before := time.Now().Add(-time.Second)
	version, err := st.WorkspaceVersion(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cleared, err := st.ClearTimes(ctx, broken.ID); err != nil || !cleared {
		t.Fatalf("the times were not cleared: %v", err)
	}
	if err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	// What readers see changed, so the version moved (caches go by it).
	if after, err := st.WorkspaceVersion(ctx, ws.ID); err != nil || after <= version {
		t.Errorf("mending a record left the workspace's version at %d (was %d; %v)", after, version, err)
	}
	got, err := st.ActorsByIDs(ctx, []string{broken.ID, fine.ID})
	if err != nil || len(got) != 2 {
		t.Fatalf("%v %v", got, err)
	}
	for _, a := range got {
		switch a.ID {
		case broken.ID:
			if a.CreatedAt.Before(before) || !a.UpdatedAt.Equal(a.CreatedAt) {
				t.Errorf("mended times: created %v, updated %v", a.CreatedAt, a.UpdatedAt)
			}
			if a.Sensitivity != domain.DefaultSensitivity {
				t.Errorf("a record without a sensitivity became %s, want %s", a.Sensitivity, domain.DefaultSensitivity)
			}
		case fine.ID:
			if !a.CreatedAt.Equal(fine.CreatedAt) || !a.UpdatedAt.Equal(fine.UpdatedAt) {
				t.Errorf("times that were there changed: %v/%v, were %v/%v", a.CreatedAt, a.UpdatedAt, fine.CreatedAt, fine.UpdatedAt)
			}
		}
	}
}

// Every update stamps updatedAt, in its answer and in the database, and
// keeps createdAt.
func TestUpdatesStampUpdatedAtAndKeepCreatedAt(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Riverside"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Women's network"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.ParticipatesIn, From: a.ID, To: b.ID, Strength: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Survey", Kind: domain.SourceKind("SURVEY")})
	if err != nil {
		t.Fatal(err)
	}
	type stamps struct{ created, updated time.Time }
	cases := []struct {
		name   string
		before stamps
		update func() (stamps, error)
		stored func() (stamps, error)
	}{
		{"actor", stamps{a.CreatedAt, a.UpdatedAt},
			func() (stamps, error) {
				x, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Name: domaintest.Some("Riverside village")})
				return stampsOf(x, err, func(x *domain.Actor) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			},
			func() (stamps, error) {
				xs, err := st.ActorsByIDs(ctx, []string{a.ID})
				return stampsOf(first(xs), err, func(x *domain.Actor) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			}},
		{"relationship", stamps{r.CreatedAt, r.UpdatedAt},
			func() (stamps, error) {
				x, err := st.UpdateRelationship(ctx, r.ID, domain.RelationshipPatch{Strength: domaintest.Some(0.7)})
				return stampsOf(x, err, func(x *domain.Relationship) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			},
			func() (stamps, error) {
				xs, err := st.RelationshipsByIDs(ctx, []string{r.ID})
				return stampsOf(first(xs), err, func(x *domain.Relationship) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			}},
		{"source", stamps{src.CreatedAt, src.UpdatedAt},
			func() (stamps, error) {
				x, err := st.UpdateSource(ctx, src.ID, domain.SourcePatch{Title: domaintest.Some("Household survey")})
				return stampsOf(x, err, func(x *domain.Source) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			},
			func() (stamps, error) {
				xs, err := st.SourcesByIDs(ctx, []string{src.ID})
				return stampsOf(first(xs), err, func(x *domain.Source) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			}},
		{"workspace", stamps{ws.CreatedAt, ws.UpdatedAt},
			func() (stamps, error) {
				x, err := st.UpdateWorkspace(ctx, ws.ID, domain.WorkspacePatch{Name: domaintest.Some(t.Name() + " renamed")})
				return stampsOf(x, err, func(x *domain.Workspace) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			},
			func() (stamps, error) {
				xs, err := st.WorkspacesByIDs(ctx, []string{ws.ID})
				return stampsOf(first(xs), err, func(x *domain.Workspace) (time.Time, time.Time) { return x.CreatedAt, x.UpdatedAt })
			}},
	}
	for _, c := range cases {
		got, err := c.update()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		stored, err := c.stored()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for what, s := range map[string]stamps{"answer": got, "stored": stored} {
			if !s.created.Equal(c.before.created) || !s.updated.After(c.before.updated) {
				t.Errorf("%s %s: created %v (was %v), updated %v (was %v); want created kept and updated later",
					c.name, what, s.created, c.before.created, s.updated, c.before.updated)
			}
		}
	}
}

func first[T any](xs []T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	return xs[0]
}

func stampsOf[T any](x T, err error, times func(T) (time.Time, time.Time)) (struct{ created, updated time.Time }, error) {
	var s struct{ created, updated time.Time }
	if err != nil {
		return s, err
	}
	s.created, s.updated = times(x)
	return s, nil
}

// What a writer adds to a workspace while it is being deleted, past the
// lock's check (a write that read the deleting flag as it was before),
// goes with the workspace: its last transaction, under the lock, deletes
// it before the workspace itself.
func TestDeleteWorkspaceDeletesLateWrites(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws, err := st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	late, err := st.WriteLate(ctx, ws.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.FinishDeleting(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.ActorsDeleted != 2 || res.RelationshipsDeleted != 1 {
		t.Errorf("deleted %d actors and %d relationships, want the 2 and the 1 left", res.ActorsDeleted, res.RelationshipsDeleted)
	}
	if left, err := st.ActorsByIDs(ctx, []string{a.ID, late}); err != nil || len(left) != 0 {
		t.Errorf("actors left: %v %v, want none", left, err)
	}
	if _, err := st.DeleteWorkspace(ctx, ws.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("the workspace after its deletion: %v, want NOT_FOUND", err)
	}
}
