package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Custom attributes and layouts, against the real Neo4j: every value kind
// written and read back through every read path, updates that drop and
// change attributes, the import's batched writes, and filters.

// everyKind is one custom attribute of each kind.
func everyKind() domain.Custom {
	return domain.Custom{
		"district":   domain.TextValue("Kabul"),
		"fatalities": domain.NumberValue(12),
		"share":      domain.NumberValue(-0.25),
		"armed":      domain.BoolValue(true),
		"founded":    domain.DateValue(domaintest.Date("2021-03-04")),
	}
}

func fullLayout() domain.Layout {
	return domain.Layout{X: new(10.5), Y: new(-3.0), Z: new(0.0), Size: new(2.5), Color: new("#ff8800cc")}
}

func TestCustomAttributesAndLayoutRoundTripThroughEveryReadPath(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village", Custom: everyKind(), Layout: fullLayout()})
	// Only a position: the other parts of the layout stay absent.
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police", Layout: domain.Layout{X: new(1.0), Y: new(2.0)}})
	r := mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.4, Custom: everyKind()})
	if !reflect.DeepEqual(a.Custom, everyKind()) || !reflect.DeepEqual(a.Layout, fullLayout()) {
		t.Fatalf("created actor holds custom %v, layout %+v", a.Custom, a.Layout)
	}
	reads := map[string]func() ([]*domain.Actor, []*domain.Relationship){
		"by id": func() ([]*domain.Actor, []*domain.Relationship) {
			as, err := st.ActorsByIDs(ctx, []string{a.ID, b.ID})
			must(t, err)
			rs, err := st.RelationshipsByIDs(ctx, []string{r.ID})
			must(t, err)
			return as, rs
		},
		"lists": func() ([]*domain.Actor, []*domain.Relationship) {
			s := take(t, st, ws.ID)
			return s.Actors, s.Relationships
		},
		"contents": func() ([]*domain.Actor, []*domain.Relationship) {
			c, err := st.Contents(ctx, ws.ID)
			must(t, err)
			return c.Actors, c.Relationships
		},
		"subgraph": func() ([]*domain.Actor, []*domain.Relationship) {
			sg, err := st.Subgraph(ctx, a.ID, 1, nil, nil, 10)
			must(t, err)
			return sg.Actors, sg.Relationships
		},
		"relationships of an actor": func() ([]*domain.Actor, []*domain.Relationship) {
			pages, err := st.RelationshipsOfActors(ctx, []string{a.ID}, store.ActorRelationshipsQuery{PageArgs: store.PageArgs{First: 10}})
			must(t, err)
			return []*domain.Actor{a, b}, pages[a.ID].Items
		},
	}
	for name, read := range reads {
		t.Run(name, func(t *testing.T) {
			as, rs := read()
			byID := map[string]*domain.Actor{}
			for _, x := range as {
				byID[x.ID] = x
			}
			if got := byID[a.ID]; got == nil || !reflect.DeepEqual(got.Custom, a.Custom) || !reflect.DeepEqual(got.Layout, a.Layout) {
				t.Errorf("actor read back as %+v, want custom %v and layout %+v", got, a.Custom, a.Layout)
			}
			if got := byID[b.ID]; got == nil || got.Custom != nil || !reflect.DeepEqual(got.Layout, b.Layout) {
				t.Errorf("actor with a position only read back as %+v", got)
			}
			if len(rs) != 1 || !reflect.DeepEqual(rs[0].Custom, r.Custom) {
				t.Errorf("relationships read back as %+v, want custom %v", rs, r.Custom)
			}
		})
	}
}

func TestUpdatesReplaceCustomAttributesAndLayout(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village", Custom: everyKind(), Layout: fullLayout()})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Network"})
	r := mustRel(t, st, domain.RelationshipInput{Type: domain.Influences, From: b.ID, To: a.ID, Strength: 0.4, Custom: everyKind()})

	// One key dropped, one changed (and of another kind), one added, the rest kept.
	next := everyKind()
	delete(next, "armed")
	next["fatalities"] = domain.TextValue("about a dozen")
	next["source row"] = domain.NumberValue(7)
	up, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Custom: domaintest.Some(next), Layout: domaintest.Some(domain.Layout{Color: new("#00FF00")})})
	must(t, err)
	upRel, err := st.UpdateRelationship(ctx, r.ID, domain.RelationshipPatch{Custom: domaintest.Some(next)})
	must(t, err)
	// A patch that does not name them keeps them.
	kept, err := st.UpdateActor(ctx, b.ID, domain.ActorPatch{Region: domaintest.Some("South")})
	must(t, err)

	got, err := st.ActorsByIDs(ctx, []string{a.ID})
	must(t, err)
	wantLayout := domain.Layout{Color: new("#00ff00")}
	if !reflect.DeepEqual(got[0].Custom, next) || !reflect.DeepEqual(got[0].Layout, wantLayout) || !reflect.DeepEqual(got[0], up) {
		t.Errorf("actor stored as custom %v layout %+v; want %v and %+v (returned %+v)", got[0].Custom, got[0].Layout, next, wantLayout, up)
	}
	rels, err := st.RelationshipsByIDs(ctx, []string{r.ID})
	must(t, err)
	if !reflect.DeepEqual(rels[0].Custom, next) || !reflect.DeepEqual(rels[0], upRel) {
		t.Errorf("relationship stored with custom %v, want %v", rels[0].Custom, next)
	}
	if kept.Custom != nil || kept.Region != "South" {
		t.Errorf("an update naming no custom attributes changed them: %+v", kept)
	}
	// The dropped attribute is gone from Neo4j, not only from what is read.
	for _, f := range []func() int{
		func() int {
			return countActors(t, st, ws.ID, domain.ActorFilter{CustomAttributes: []domain.CustomFilter{{Key: "armed"}}})
		},
		func() int {
			return countRels(t, st, ws.ID, domain.RelationshipFilter{CustomAttributes: []domain.CustomFilter{{Key: "armed"}}})
		},
	} {
		if n := f(); n != 0 {
			t.Errorf("%d records still have the dropped attribute", n)
		}
	}

	// Clearing removes them all.
	cleared, err := st.UpdateActor(ctx, a.ID, domain.ActorPatch{Custom: domaintest.Clear[domain.Custom](), Layout: domaintest.Clear[domain.Layout]()})
	must(t, err)
	got, err = st.ActorsByIDs(ctx, []string{a.ID})
	must(t, err)
	if got[0].Custom != nil || !got[0].Layout.IsZero() || !reflect.DeepEqual(got[0], cleared) {
		t.Errorf("after clearing: custom %v, layout %+v", got[0].Custom, got[0].Layout)
	}
}

func TestImportApplyWritesCustomAttributesAndLayout(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	old := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Old", Custom: domain.Custom{"gone": domain.BoolValue(false)}})
	newActor := func(name string, custom domain.Custom, l domain.Layout) *domain.Actor {
		a, err := domain.NewActor(ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: name, Custom: custom, Layout: l})
		must(t, err)
		a.ID = domain.NewID(domain.PrefixActor)
		return a
	}
	created := newActor("Created", everyKind(), fullLayout())
	updated := *old
	updated.Custom = domain.Custom{"kept": domain.DateValue(domaintest.Date("1999-12-31"))}
	updated.Layout = domain.Layout{X: new(4.0), Y: new(5.0)}
	rel, err := domain.NewRelationship(ws.ID, domain.RelationshipInput{Type: domain.ParticipatesIn, From: old.ID, To: created.ID, Strength: 1, Custom: everyKind()})
	must(t, err)
	rel.ID = domain.NewID(domain.PrefixRelationship)
	err = st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		return tx.Apply(ctx, &domain.Changes{CreateActors: []*domain.Actor{created}, UpdateActors: []*domain.Actor{&updated},
			CreateRelationships: []*domain.Relationship{rel}})
	})
	must(t, err)
	c, err := st.Contents(ctx, ws.ID)
	must(t, err)
	byID := map[string]*domain.Actor{}
	for _, a := range c.Actors {
		byID[a.ID] = a
	}
	if got := byID[created.ID]; got == nil || !reflect.DeepEqual(got.Custom, everyKind()) || !reflect.DeepEqual(got.Layout, fullLayout()) {
		t.Errorf("imported actor stored as %+v", got)
	}
	if got := byID[old.ID]; got == nil || !reflect.DeepEqual(got.Custom, updated.Custom) || !reflect.DeepEqual(got.Layout, updated.Layout) {
		t.Errorf("updated actor stored as %+v, want custom %v (without \"gone\")", got, updated.Custom)
	}
	if len(c.Relationships) != 1 || !reflect.DeepEqual(c.Relationships[0].Custom, everyKind()) {
		t.Errorf("imported relationships stored as %+v", c.Relationships)
	}

	// An update through the import drops a relationship's attribute too.
	next := *c.Relationships[0]
	next.Custom = domain.Custom{"district": domain.TextValue("Herat")}
	err = st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		return tx.Apply(ctx, &domain.Changes{UpdateRelationships: []*domain.Relationship{&next}})
	})
	must(t, err)
	rels, err := st.RelationshipsByIDs(ctx, []string{rel.ID})
	must(t, err)
	if !reflect.DeepEqual(rels[0].Custom, next.Custom) {
		t.Errorf("relationship updated by an import holds %v, want %v", rels[0].Custom, next.Custom)
	}
}

func TestCustomAttributeFilters(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	full := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Full", Custom: everyKind()})
	other := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Other", Custom: domain.Custom{
		"district": domain.TextValue("12"), "fatalities": domain.NumberValue(3), "armed": domain.BoolValue(false),
		"founded": domain.TextValue("2021-03-04")}})
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "None"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: full.ID, To: other.ID, Strength: 0.5, Custom: everyKind()})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Dialogue, From: other.ID, To: full.ID, Strength: 0.5, Custom: domain.Custom{"fatalities": domain.NumberValue(3)}})
	by := func(kv ...string) []domain.CustomFilter {
		var fs []domain.CustomFilter
		for i := 0; i < len(kv); i += 2 {
			f := domain.CustomFilter{Key: kv[i]}
			if kv[i+1] != "*" {
				f.Value = new(kv[i+1])
			}
			fs = append(fs, f)
		}
		return fs
	}
	cases := []struct {
		name          string
		filter        []domain.CustomFilter
		actors, rels  int
		wantFullFirst bool
	}{
		{"no condition", nil, 3, 2, false},
		{"has the key", by("fatalities", "*"), 2, 2, false},
		{"has a key only one has", by("share", "*"), 1, 1, true},
		{"a key nobody has", by("nothing", "*"), 0, 0, false},
		{"text, exact", by("district", "Kabul"), 1, 1, true},
		{"text, other case", by("district", "kabul"), 0, 0, false},
		{"text that reads as a number matches the text", by("district", "12"), 1, 0, false},
		{"number", by("fatalities", "12"), 1, 1, true},
		{"number written with a decimal", by("fatalities", "12.0"), 1, 1, true},
		{"negative fraction", by("share", "-0.25"), 1, 1, true},
		{"number that nobody has", by("fatalities", "13"), 0, 0, false},
		{"boolean", by("armed", "true"), 1, 1, true},
		{"boolean in capitals", by("armed", "TRUE"), 1, 1, true},
		{"boolean false", by("armed", "false"), 1, 0, false},
		{"date matches the date and the same text", by("founded", "2021-03-04"), 2, 1, false},
		{"every condition must hold", by("fatalities", "*", "armed", "true"), 1, 1, true},
		{"one failing condition fails", by("fatalities", "3", "armed", "true"), 0, 0, false},
		{"a value the key does not hold", by("armed", "Kabul"), 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as := collectActors(t, st, ws.ID, store.ActorQuery{Filter: domain.ActorFilter{CustomAttributes: c.filter}, PageArgs: store.PageArgs{First: 2}})
			if len(as) != c.actors || countActors(t, st, ws.ID, domain.ActorFilter{CustomAttributes: c.filter}) != c.actors {
				t.Errorf("actors %v, want %d", namesOf(as), c.actors)
			}
			if c.wantFullFirst && (len(as) == 0 || as[0].ID != full.ID) {
				t.Errorf("actors %v, want Full", namesOf(as))
			}
			if n := countRels(t, st, ws.ID, domain.RelationshipFilter{CustomAttributes: c.filter}); n != c.rels {
				t.Errorf("%d relationships, want %d", n, c.rels)
			}
		})
	}
}

func TestBadCustomAttributeFiltersAreInvalid(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	tooMany := make([]domain.CustomFilter, domain.MaxCustomFilters+1)
	for i := range tooMany {
		tooMany[i] = domain.CustomFilter{Key: "k"}
	}
	for name, fs := range map[string][]domain.CustomFilter{
		"too many conditions": tooMany,
		"an empty key":        {{Key: "  "}},
		"a key too long":      {{Key: strings.Repeat("k", domain.MaxCustomKeyLen+1)}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: domain.ActorFilter{CustomAttributes: fs}, PageArgs: store.PageArgs{First: 5}})
			wantKind(t, err, errs.Invalid)
			_, err = st.ListRelationships(ctx, ws.ID, store.RelationshipQuery{Filter: domain.RelationshipFilter{CustomAttributes: fs}, PageArgs: store.PageArgs{First: 5}})
			wantKind(t, err, errs.Invalid)
		})
	}
	_, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: domain.ActorFilter{CustomAttributes: tooMany}, PageArgs: store.PageArgs{First: 5}})
	if msg, field := errs.Public(err); field != "customAttributes" || msg != "a filter takes at most 10 custom attribute conditions, got 11" {
		t.Errorf("too many conditions: %q (field %q)", msg, field)
	}
}

// Keys and values are data, whatever characters they hold: they reach
// Neo4j only as parameters, so none can change a statement.
func TestCustomKeysOfAnyCharacterAreDataNotCypher(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	keys := []string{
		"survey.wave.2", "number of fighters", `it's "quoted"`, "Région – Ürümqi 地区 🌍", "back`tick",
		"x` = 1 WITH 1 AS y MATCH (n) DETACH DELETE n //", "custom.nested", "id", "name",
	}
	custom := domain.Custom{}
	for i, k := range keys {
		custom[k] = domain.TextValue("v" + k + string(rune('a'+i)))
	}
	custom["') OR 1=1 //"] = domain.TextValue("' }) MATCH (n) DETACH DELETE n //")
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Keys", Custom: custom})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Bystander"})
	r := mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.5, Custom: custom})
	got, err := st.ActorsByIDs(ctx, []string{a.ID})
	must(t, err)
	if !reflect.DeepEqual(got[0].Custom, custom) || got[0].Name != "Keys" {
		t.Errorf("read back as %+v, want custom %v", got[0], custom)
	}
	rels, err := st.RelationshipsByIDs(ctx, []string{r.ID})
	must(t, err)
	if !reflect.DeepEqual(rels[0].Custom, custom) {
		t.Errorf("relationship read back with %v", rels[0].Custom)
	}
	for k, v := range custom {
		text := v.Text
		f := []domain.CustomFilter{{Key: k, Value: &text}}
		if n := countActors(t, st, ws.ID, domain.ActorFilter{CustomAttributes: f}); n != 1 {
			t.Errorf("filter on %q = %q found %d actors, want 1", k, text, n)
		}
		if n := countRels(t, st, ws.ID, domain.RelationshipFilter{CustomAttributes: f}); n != 1 {
			t.Errorf("filter on %q = %q found %d relationships, want 1", k, text, n)
		}
	}
	// A key named like a model property is not that property.
	if n := countActors(t, st, ws.ID, domain.ActorFilter{CustomAttributes: []domain.CustomFilter{{Key: "name", Value: new("Bystander")}}}); n != 0 {
		t.Errorf("the custom key \"name\" matched the actor's name: %d actors", n)
	}
	if n := countActors(t, st, ws.ID, domain.ActorFilter{CustomAttributes: []domain.CustomFilter{{Key: "') OR true //"}}}); n != 0 {
		t.Errorf("an injected filter key matched %d actors", n)
	}
	if n := countActors(t, st, ws.ID, domain.ActorFilter{}); n != 2 {
		t.Errorf("the workspace holds %d actors after the writes and filters, want 2", n)
	}
}

func countActors(t *testing.T, st store.Store, ws string, f domain.ActorFilter) int {
	t.Helper()
	p, err := st.ListActors(ctx, ws, store.ActorQuery{Filter: f, PageArgs: store.PageArgs{First: 1}})
	must(t, err)
	return p.TotalCount
}

func countRels(t *testing.T, st store.Store, ws string, f domain.RelationshipFilter) int {
	t.Helper()
	p, err := st.ListRelationships(ctx, ws, store.RelationshipQuery{Filter: f, PageArgs: store.PageArgs{First: 1}})
	must(t, err)
	return p.TotalCount
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
