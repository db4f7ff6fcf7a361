package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// An import whose process died half way leaves its workspace locked
// against other writers (it is not silently half-imported for good), and
// the next import of the workspace first undoes it: what it created goes,
// what it changed or removed comes back, the version too.
func TestNextImportUndoesAnImportThatDied(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ctx := storetest.Ctx()
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("a")})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5})
	before, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	renamed := *a
	renamed.Name = "A renamed"
	created, err := domain.NewActor(ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "C", ExternalID: new("c")})
	if err != nil {
		t.Fatal(err)
	}
	created.ID = domain.NewID(domain.PrefixActor)
	if err := st.DieMidImport(ctx, ws.ID, &domain.Changes{CreateActors: []*domain.Actor{created}, UpdateActors: []*domain.Actor{&renamed},
		RemoveActors: []string{b.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "D"}); !errs.Is(err, errs.Conflict) {
		t.Errorf("a write after the import died: %v, want CONFLICT", err)
	}
	// The next import finds the dead one, undoes it, then writes nothing.
	if err := st.Import(ctx, ws.ID, true, func(context.Context, domain.ImportTx) error { return errs.E("test", errs.Invalid, "nothing to do") }); !errs.Is(err, errs.Invalid) {
		t.Fatalf("the next import: %v", err)
	}
	after, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the dead import was not undone:\nbefore %+v\nafter  %+v", before, after)
	}
	if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "D"}); err != nil {
		t.Errorf("a write once the dead import was undone: %v", err)
	}
}
