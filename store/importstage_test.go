package store_test

import (
	"context"
	"fmt"
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

// An Apply larger than one transaction takes goes in several, and is
// still undone whole: 25,000 actors (more than a transaction's 20,000)
// written by one Apply of an import that then fails leave nothing; the
// same Apply in an import that succeeds writes them all.
func TestLargeApplyIsUndoneWhole(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ctx := storetest.Ctx()
	ws := storetest.Workspace(t, st)
	before, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	actors := func() []*domain.Actor {
		out := make([]*domain.Actor, 25_000)
		for i := range out {
			a, err := domain.NewActor(ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprint("A", i)})
			if err != nil {
				t.Fatal(err)
			}
			a.ID = domain.NewID(domain.PrefixActor)
			out[i] = a
		}
		return out
	}
	err = st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		if err := tx.Apply(ctx, &domain.Changes{CreateActors: actors()}); err != nil {
			return err
		}
		return errs.E("test", errs.Unavailable, "Neo4j went away")
	})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("the failing import: %v", err)
	}
	after, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed import of 25,000 actors left %d of them", len(after.Actors))
	}
	if err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		return tx.Apply(ctx, &domain.Changes{CreateActors: actors()})
	}); err != nil {
		t.Fatal(err)
	}
	if after, err = st.Contents(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	if len(after.Actors) != 25_000 {
		t.Fatalf("the import wrote %d actors", len(after.Actors))
	}
}
