package store_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

type fw = domain.Framework

// TestFrameworksPersistUpdateClear writes frameworks on an actor and a
// relationship, reads them back (through ActorsByIDs, the lists and the
// analysis snapshot), replaces and clears them.
func TestFrameworksPersistUpdateClear(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village",
		Frameworks: []fw{"SECURITY", "PROTECTION", "SECURITY"}})
	p := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police"})
	r := mustRel(t, st, domain.RelationshipInput{Type: domain.ProvidesSecurity, From: p.ID, To: a.ID, Strength: 0.5,
		Frameworks: []fw{"JUSTICE", "RELIEF_AND_RECOVERY"}})
	wantA, wantR := []fw{"PROTECTION", "SECURITY"}, []fw{"RELIEF_AND_RECOVERY", "JUSTICE"}

	readActor := func() *domain.Actor {
		t.Helper()
		got, err := st.ActorsByIDs(ctx, []string{a.ID})
		if err != nil || len(got) != 1 {
			t.Fatalf("read actor: %v, %d", err, len(got))
		}
		return got[0]
	}
	readRel := func() *domain.Relationship {
		t.Helper()
		got, err := st.RelationshipsByIDs(ctx, []string{r.ID})
		if err != nil || len(got) != 1 {
			t.Fatalf("read relationship: %v, %d", err, len(got))
		}
		return got[0]
	}
	if got := readActor().Frameworks; !reflect.DeepEqual(got, wantA) {
		t.Errorf("actor frameworks read back %v, want %v", got, wantA)
	}
	if got := readRel().Frameworks; !reflect.DeepEqual(got, wantR) {
		t.Errorf("relationship frameworks read back %v, want %v", got, wantR)
	}
	if got := p.Frameworks; got != nil {
		t.Errorf("an actor created without frameworks has %v", got)
	}
	snap, err := st.AnalysisSnapshot(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range snap.Actors {
		if x.ID == a.ID && !reflect.DeepEqual(x.Frameworks, wantA) {
			t.Errorf("snapshot actor frameworks %v, want %v", x.Frameworks, wantA)
		}
	}
	if len(snap.Relationships) != 1 || !reflect.DeepEqual(snap.Relationships[0].Frameworks, wantR) {
		t.Errorf("snapshot relationships %+v, want one with %v", snap.Relationships, wantR)
	}

	// Replace, then clear (with null and with an empty list).
	up, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Frameworks: domaintest.Some([]fw{"REVENUES_AND_SERVICES", "PARTICIPATION"})})
	if err != nil {
		t.Fatal(err)
	}
	if want := []fw{"PARTICIPATION", "REVENUES_AND_SERVICES"}; !reflect.DeepEqual(up.Frameworks, want) || !reflect.DeepEqual(readActor().Frameworks, want) {
		t.Errorf("after update: returned %v, stored %v, want %v", up.Frameworks, readActor().Frameworks, want)
	}
	// A patch that does not name frameworks keeps them.
	if up, err = st.UpdateActor(ctx, a.ID, domain.ActorPatch{Region: domaintest.Some("East")}); err != nil || len(up.Frameworks) != 2 {
		t.Errorf("an update of another field changed frameworks: %v, %v", up, err)
	}
	if up, err = st.UpdateActor(ctx, a.ID, domain.ActorPatch{Frameworks: domaintest.Clear[[]fw]()}); err != nil || up.Frameworks != nil {
		t.Fatalf("clear: %v, %v", up, err)
	}
	if got := readActor().Frameworks; got != nil {
		t.Errorf("cleared actor frameworks read back %v", got)
	}
	ur, err := st.UpdateRelationship(ctx, r.ID, domain.RelationshipPatch{Frameworks: domaintest.Some([]fw{"PREVENTION"})})
	if err != nil || !reflect.DeepEqual(ur.Frameworks, []fw{"PREVENTION"}) || !reflect.DeepEqual(readRel().Frameworks, []fw{"PREVENTION"}) {
		t.Fatalf("relationship update: %v, %v; stored %v", ur, err, readRel().Frameworks)
	}
	if ur, err = st.UpdateRelationship(ctx, r.ID, domain.RelationshipPatch{Frameworks: domaintest.Some([]fw{})}); err != nil || ur.Frameworks != nil {
		t.Fatalf("relationship clear with an empty list: %v, %v", ur, err)
	}
	if got := readRel().Frameworks; got != nil {
		t.Errorf("cleared relationship frameworks read back %v", got)
	}

	// An unknown value is refused and changes nothing.
	before := take(t, st, ws.ID)
	if _, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Frameworks: domaintest.Some([]fw{"PEACE"})}); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown framework on update: %v, want invalid", err)
	}
	if _, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Threatens, From: p.ID, To: a.ID, Strength: 0.5,
		Frameworks: []fw{"SECURITY", "security"}}); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown framework on create: %v, want invalid", err)
	}
	assertUnchanged(t, st, ws.ID, before)
}

// TestFrameworksFilters filters both lists by frameworks: an item is kept
// when it carries any of those asked for, and the filter combines with
// the others.
func TestFrameworksFilters(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	v := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village", Frameworks: []fw{"PROTECTION", "SECURITY"}})
	m := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Women's network", Frameworks: []fw{"PARTICIPATION"}})
	p := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police", Frameworks: []fw{"SECURITY"}})
	c := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "Council"})
	r1 := mustRel(t, st, domain.RelationshipInput{Type: domain.ProvidesSecurity, From: p.ID, To: v.ID, Strength: 0.6, Frameworks: []fw{"SECURITY", "PROTECTION"}})
	r2 := mustRel(t, st, domain.RelationshipInput{Type: domain.ParticipatesIn, From: v.ID, To: m.ID, Strength: 0.8, Frameworks: []fw{"PARTICIPATION"}})
	r3 := mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: m.ID, To: c.ID, Strength: 0.3, Frameworks: []fw{"PARTICIPATION", "LEGITIMATE_POLITICS"}})
	r4 := mustRel(t, st, domain.RelationshipInput{Type: domain.AccountableTo, From: p.ID, To: c.ID, Strength: 0.5})

	actorCases := []struct {
		name string
		f    domain.ActorFilter
		want []string
	}{
		{"none", domain.ActorFilter{}, []string{v.ID, m.ID, p.ID, c.ID}},
		{"empty is none", domain.ActorFilter{Frameworks: []fw{}}, []string{v.ID, m.ID, p.ID, c.ID}},
		{"one", domain.ActorFilter{Frameworks: []fw{"SECURITY"}}, []string{v.ID, p.ID}},
		{"any of two", domain.ActorFilter{Frameworks: []fw{"PROTECTION", "PARTICIPATION"}}, []string{v.ID, m.ID}},
		{"repeated", domain.ActorFilter{Frameworks: []fw{"PARTICIPATION", "PARTICIPATION"}}, []string{m.ID}},
		{"carried by none", domain.ActorFilter{Frameworks: []fw{"JUSTICE"}}, nil},
		{"with kinds", domain.ActorFilter{Frameworks: []fw{"SECURITY"}, Kinds: []domain.ActorKind{domain.KindSecurityForce}}, []string{p.ID}},
	}
	for _, tc := range actorCases {
		t.Run("actors "+tc.name, func(t *testing.T) {
			q := store.ActorQuery{Filter: tc.f, PageArgs: store.PageArgs{First: 1}}
			page, err := st.ListActors(ctx, ws.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			got := idsOf(collectActors(t, st, ws.ID, q))
			if !sameIDs(got, tc.want) || page.TotalCount != len(tc.want) {
				t.Errorf("got %v (total %d), want %v", got, page.TotalCount, tc.want)
			}
		})
	}
	relCases := []struct {
		name string
		f    domain.RelationshipFilter
		want []string
	}{
		{"none", domain.RelationshipFilter{}, []string{r1.ID, r2.ID, r3.ID, r4.ID}},
		{"one", domain.RelationshipFilter{Frameworks: []fw{"PARTICIPATION"}}, []string{r2.ID, r3.ID}},
		{"any of two", domain.RelationshipFilter{Frameworks: []fw{"LEGITIMATE_POLITICS", "PROTECTION"}}, []string{r1.ID, r3.ID}},
		{"carried by none", domain.RelationshipFilter{Frameworks: []fw{"ECONOMIC_FOUNDATIONS"}}, nil},
		{"with types", domain.RelationshipFilter{Frameworks: []fw{"PARTICIPATION"}, Types: []domain.RelationshipType{domain.Influences}}, []string{r3.ID}},
		{"with from and minStrength", domain.RelationshipFilter{Frameworks: []fw{"PARTICIPATION", "SECURITY"}, From: &v.ID, MinStrength: new(0.7)}, []string{r2.ID}},
	}
	for _, tc := range relCases {
		t.Run("relationships "+tc.name, func(t *testing.T) {
			var got []string
			q := store.RelationshipQuery{Filter: tc.f, PageArgs: store.PageArgs{First: 1}}
			total := -1
			for {
				page, err := st.ListRelationships(ctx, ws.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				total = page.TotalCount
				for _, r := range page.Items {
					got = append(got, r.ID)
				}
				if !page.HasNextPage {
					break
				}
				q.After = page.Cursors[len(page.Cursors)-1]
			}
			if !sameIDs(got, tc.want) || total != len(tc.want) {
				t.Errorf("got %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
	// One actor's relationships (Actor.relationships), several actors in one statement.
	ofActors := []struct {
		name string
		q    store.ActorRelationshipsQuery
		want map[string][]string
	}{
		{"none", store.ActorRelationshipsQuery{Direction: domain.Both},
			map[string][]string{v.ID: {r1.ID, r2.ID}, p.ID: {r1.ID, r4.ID}, c.ID: {r3.ID, r4.ID}}},
		{"one", store.ActorRelationshipsQuery{Direction: domain.Both, Frameworks: []fw{"PARTICIPATION"}},
			map[string][]string{v.ID: {r2.ID}, p.ID: nil, c.ID: {r3.ID}}},
		{"any of two, out", store.ActorRelationshipsQuery{Direction: domain.Out, Frameworks: []fw{"PROTECTION", "PARTICIPATION"}},
			map[string][]string{v.ID: {r2.ID}, p.ID: {r1.ID}, c.ID: nil}},
		{"with types", store.ActorRelationshipsQuery{Direction: domain.Both, Frameworks: []fw{"PARTICIPATION", "SECURITY"}, Types: []domain.RelationshipType{domain.ProvidesSecurity}},
			map[string][]string{v.ID: {r1.ID}, p.ID: {r1.ID}, c.ID: nil}},
	}
	for _, tc := range ofActors {
		t.Run("of actors "+tc.name, func(t *testing.T) {
			tc.q.First = 10
			pages, err := st.RelationshipsOfActors(ctx, []string{v.ID, p.ID, c.ID}, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			for id, want := range tc.want {
				var got []string
				for _, r := range pages[id].Items {
					got = append(got, r.ID)
				}
				if !sameIDs(got, want) || pages[id].TotalCount != len(want) {
					t.Errorf("%s: %v (total %d), want %v", id, got, pages[id].TotalCount, want)
				}
			}
		})
	}
	if _, err := st.RelationshipsOfActors(ctx, []string{v.ID}, store.ActorRelationshipsQuery{Frameworks: []fw{"GENDER"}, PageArgs: store.PageArgs{First: 5}}); !errs.Is(err, errs.Invalid) {
		t.Errorf("an actor's relationships with an unknown framework: %v", err)
	}

	// A value outside the enum is a mistake to report, not a filter that matches nothing.
	if _, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: domain.ActorFilter{Frameworks: []fw{"GENDER"}}, PageArgs: store.PageArgs{First: 5}}); !errs.Is(err, errs.Invalid) {
		t.Errorf("actor filter with an unknown framework: %v", err)
	}
	if _, err := st.ListRelationships(ctx, ws.ID, store.RelationshipQuery{Filter: domain.RelationshipFilter{Frameworks: []fw{"GENDER"}}, PageArgs: store.PageArgs{First: 5}}); !errs.Is(err, errs.Invalid) {
		t.Errorf("relationship filter with an unknown framework: %v", err)
	}
}

func idsOf(as []*domain.Actor) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func sameIDs(got, want []string) bool {
	g, w := append([]string{}, got...), append([]string{}, want...)
	sort.Strings(g)
	sort.Strings(w)
	return len(g) == len(w) && (len(g) == 0 || reflect.DeepEqual(g, w))
}
