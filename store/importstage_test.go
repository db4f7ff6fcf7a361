package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// An import whose process died half way leaves its workspace locked
// against other writers and imports (it is not silently half-imported for
// good, nor taken from a process that may only be slow); once its heart
// has been silent for long, the next import of the workspace undoes it
// first: what it created goes, what it changed or removed comes back, the
// version too.
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
	if err := st.DieMidImport(ctx, ws.ID, halfAnImport(t, ws.ID, a, b)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "D"}); !errs.Is(err, errs.Conflict) {
		t.Errorf("a write after the import died: %v, want CONFLICT", err)
	}
	// Nor may the workspace be deleted: the undo would put back what the
	// import removed into a deleted workspace.
	if _, err := st.DeleteWorkspace(ctx, ws.ID); !errs.Is(err, errs.Conflict) {
		t.Errorf("deleting the workspace after the import died: %v, want CONFLICT", err)
	}
	nothing := func(context.Context, domain.ImportTx) error { return errs.E("test", errs.Invalid, "nothing to do") }
	if err := st.Import(ctx, ws.ID, true, nothing); !errs.Is(err, errs.Conflict) {
		t.Errorf("an import while the dead one's heart beat a moment ago: %v, want CONFLICT", err)
	}
	if err := st.SilenceImport(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	// The next import finds the dead one, undoes it, then writes nothing.
	// (Another store of the test binary that reaches Neo4j now may be
	// undoing it already: the import is then refused until that ends.)
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		err := st.Import(ctx, ws.ID, true, nothing)
		if errs.Is(err, errs.Invalid) {
			break
		}
		if !errs.Is(err, errs.Conflict) || time.Now().After(deadline) {
			t.Fatalf("the next import: %v", err)
		}
	}
	undone(t, st, ws.ID, before, "the undo of the dead import")
	if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "D"}); err != nil {
		t.Errorf("a write once the dead import was undone: %v", err)
	}
}

// halfAnImport is a batch that changes every kind of thing an undo puts
// back: it renames a, removes b (and its relationship) and creates C.
func halfAnImport(t *testing.T, ws string, a, b *domain.Actor) *domain.Changes {
	t.Helper()
	renamed := *a
	renamed.Name = "A renamed"
	created, err := domain.NewActor(ws, domain.ActorInput{Kind: domain.KindCommunity, Name: "C", ExternalID: new("c")})
	if err != nil {
		t.Fatal(err)
	}
	created.ID = domain.NewID(domain.PrefixActor)
	return &domain.Changes{CreateActors: []*domain.Actor{created}, UpdateActors: []*domain.Actor{&renamed}, RemoveActors: []string{b.ID}}
}

// untilReleased waits until no import holds ws, for up to two minutes
// (the bound only stops a hung test: the undo takes a moment).
func untilReleased(t *testing.T, st *store.Neo4j, ws string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		token, err := st.ImportHolding(ctx, ws)
		if err == nil && token == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workspace is still held by import %q (%v), and nothing undoes it", token, err)
		}
	}
}

// A store that starts (here: a new one, as a restarted process opens)
// finds an import that died in a workspace nobody imports into again, and
// undoes it on its own: no import, no write, no operator.
func TestStaleImportIsUndoneAtStartUp(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("a")})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5})
	before, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DieMidImport(ctx, ws.ID, halfAnImport(t, ws.ID, a, b)); err != nil {
		t.Fatal(err)
	}
	if err := st.SilenceImport(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	if half, err := st.Contents(ctx, ws.ID); err != nil || reflect.DeepEqual(before, half) {
		t.Fatalf("the dead import wrote nothing (%v): the test tests nothing", err)
	}
	storetest.Open(t) // the process starts again
	untilReleased(t, st, ws.ID)
	undone(t, st, ws.ID, before, "the undo of the dead import at start-up")
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
	actors := func() []*domain.Actor { return newActors(t, ws.ID, 25_000, "A") }
	err = st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		if err := tx.Apply(ctx, &domain.Changes{CreateActors: actors()}); err != nil {
			return err
		}
		return errs.E("test", errs.Unavailable, "Neo4j went away")
	})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("the failing import: %v", err)
	}
	if !undone(t, st, ws.ID, before, "a failed import of 25,000 actors") {
		t.FailNow()
	}
	if err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		return tx.Apply(ctx, &domain.Changes{CreateActors: actors()})
	}); err != nil {
		t.Fatal(err)
	}
	after, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Actors) != 25_000 {
		t.Fatalf("the import wrote %d actors", len(after.Actors))
	}
}

// importingInOneTx opens a store whose imports of up to n changes are
// one transaction (Config.ImportInOneTx).
func importingInOneTx(t *testing.T, n int) *store.Neo4j {
	t.Helper()
	cfg := storetest.Config(t)
	cfg.ImportInOneTx = n
	return storetest.OpenWith(t, cfg)
}

// newActors makes n actors of ws, with ids, as an import's planner does.
func newActors(t *testing.T, ws string, n int, prefix string) []*domain.Actor {
	t.Helper()
	out := make([]*domain.Actor, n)
	for i := range out {
		a, err := domain.NewActor(ws, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprint(prefix, i)})
		if err != nil {
			t.Fatal(err)
		}
		a.ID = domain.NewID(domain.PrefixActor)
		out[i] = a
	}
	return out
}

// versionOf is workspace ws's version.
func versionOf(t *testing.T, st *store.Neo4j, ws string) int64 {
	t.Helper()
	v, err := st.WorkspaceVersion(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// importState is what a reader beside an import sees of its workspace.
type importState struct {
	actors  int
	holder  string // the import holding the workspace, "" for none
	records int64  // undo records
}

func stateOf(t *testing.T, st *store.Neo4j, ws string) importState {
	t.Helper()
	c, err := st.Contents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	holder, err := st.ImportHolding(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.UndoRecords(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	return importState{actors: len(c.Actors), holder: holder, records: n}
}

// ended checks that an import into ws that answered err succeeded and
// ended whole: ws holds actors actors, and neither the import's lock nor
// its undo records.
func ended(t *testing.T, st *store.Neo4j, ws string, err error, actors int) {
	t.Helper()
	if err != nil {
		t.Fatalf("the import: %v", err)
	}
	if got := stateOf(t, st, ws); got != (importState{actors: actors}) {
		t.Errorf("after the import: %+v, want %d actors, no holder, no undo records", got, actors)
	}
}

// unchanged checks that workspace ws holds what it held before what
// (version included).
func unchanged(t *testing.T, st *store.Neo4j, ws string, before *domain.Contents, what string) {
	t.Helper()
	if after := contentsOf(t, st, ws); !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed the workspace:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// contentsOf is what workspace ws holds now.
func contentsOf(t *testing.T, st *store.Neo4j, ws string) *domain.Contents {
	t.Helper()
	c, err := st.Contents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// undone checks that workspace ws holds what it held before, at a later
// version, once what undid an import (versions only grow); it says
// whether it does.
func undone(t *testing.T, st *store.Neo4j, ws string, before *domain.Contents, what string) bool {
	t.Helper()
	if after := contentsOf(t, st, ws); !domaintest.Undone(before, after) {
		t.Errorf("%s did not leave the workspace as it was, at a later version:\nbefore %+v\nafter  %+v", what, before, after)
		return false
	}
	return true
}

// An import within Config.ImportInOneTx is one transaction, as any other
// write: readers see none of it until it commits, it takes no import
// lock and stages no undo records, and when it fails nothing is left, the
// version included.
func TestSmallImportIsOneTransaction(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("a")})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5})
	before, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, fail := range []bool{true, false} {
		err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
			if err := tx.Apply(ctx, halfAnImport(t, ws.ID, a, b)); err != nil {
				return err
			}
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, "more")}); err != nil {
				return err
			}
			if got, want := stateOf(t, st, ws.ID), (importState{actors: 2}); got != want {
				t.Errorf("beside a small import (fail %v), a reader saw %+v, want %+v: not one transaction", fail, got, want)
			}
			if fail {
				return errs.E("test", errs.Invalid, "a problem found late")
			}
			return nil
		})
		switch after := stateOf(t, st, ws.ID); {
		case fail && !errs.Is(err, errs.Invalid):
			t.Fatalf("the failing import answered %v", err)
		case fail:
			unchanged(t, st, ws.ID, before, "a failed small import")
		case err != nil:
			t.Fatalf("the import: %v", err)
		case after != (importState{actors: 4}): // A renamed, C and two more; B removed
			t.Errorf("after the import: %+v, want 4 actors, no holder, no undo records", after)
		}
	}
}

// An import that outgrows Config.ImportInOneTx moves to batches: what its
// one transaction had written is written again as its first batch, under
// the import lock, and from then on readers see its batches; when it
// then fails, the workspace holds what it held (at a later version), and
// when it succeeds everything is there once.
func TestGrowingImportMovesToBatches(t *testing.T) {
	t.Parallel()
	st := importingInOneTx(t, 3)
	ws := storetest.Workspace(t, st)
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Before"})
	before, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, fail := range []bool{true, false} {
		err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, "first")}); err != nil {
				return err
			}
			if got := stateOf(t, st, ws.ID); got != (importState{actors: 1}) {
				t.Errorf("within its one transaction, a reader saw %+v of the import", got)
			}
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, "second")}); err != nil {
				return err
			}
			if got := stateOf(t, st, ws.ID); got.actors != 5 || got.holder == "" || got.records == 0 {
				t.Errorf("once moved to batches, a reader saw %+v, want 5 actors, the import's lock and its undo records", got)
			}
			if fail {
				return errs.E("test", errs.Invalid, "a problem found late")
			}
			return nil
		})
		if fail {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("the failing import answered %v", err)
			}
			undone(t, st, ws.ID, before, "a failed import, moved to batches,")
			continue
		}
		ended(t, st, ws.ID, err, 5)
	}
}

// An import moves to batches only if its workspace is as its one
// transaction left it: a write that comes between the two (the import's
// transaction rolled back, its lock not yet taken) has the import refused
// with CONFLICT, having written nothing.
func TestImportMovingToBatchesIsRefusedWhenTheWorkspaceChanged(t *testing.T) {
	t.Parallel()
	st := importingInOneTx(t, 1)
	ws := storetest.Workspace(t, st)
	st.BeforeMovingToBatches(func() {
		mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Written meanwhile"})
	})
	err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		return tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, "imported")})
	})
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("the import answered %v, want CONFLICT", err)
	}
	if msg, _ := errs.Public(err); msg != "the workspace changed while the import was being written (another write came first); nothing was written; try again" {
		t.Errorf("the message: %q", msg)
	}
	if got := stateOf(t, st, ws.ID); got != (importState{actors: 1}) {
		t.Errorf("after the refused import: %+v, want only the other write's actor, no holder, no undo records", got)
	}
}

// An import known to be large before it starts (domain.WithImportRows:
// its sources and actors, read whole) goes in batches from its start:
// its first Apply is a batch readers see, under the import lock, and a
// write that comes before it can no longer have it refused.
func TestImportKnownToBeLargeStartsInBatches(t *testing.T) {
	t.Parallel()
	st := importingInOneTx(t, 3)
	ws := storetest.Workspace(t, st)
	for _, c := range []struct {
		rows    int
		batched bool
	}{{3, false}, {4, true}} {
		err := st.Import(domain.WithImportRows(ctx, c.rows), ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
			before := stateOf(t, st, ws.ID).actors
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 1, fmt.Sprint("known ", c.rows, " "))}); err != nil {
				return err
			}
			got := stateOf(t, st, ws.ID)
			if batched := got.holder != "" && got.actors == before+1; batched != c.batched {
				t.Errorf("an import of %d known rows (one transaction up to 3): after its first Apply a reader saw %+v", c.rows, got)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the import of %d known rows: %v", c.rows, err)
		}
	}
}

// A version names one content of a workspace for good: the analysis
// engine caches projections by version. An import in batches takes its
// versions from a range of its own, and its undo does not set the version
// back; a later import must not take a version the undone one used (when
// an undo set the version back, a write after it moved the version by
// one, and the same stride from there reached them), or a projection of
// the undone import's records would be served for it.
func TestImportVersionsAreNeverReused(t *testing.T) {
	t.Parallel()
	st := importingInOneTx(t, 1)
	ws := storetest.Workspace(t, st)
	version := func() int64 { return versionOf(t, st, ws.ID) }
	// importing runs an import of three batches, noting the version after
	// each, failing (and so undone) when fail is set.
	importing := func(name string, fail bool) []int64 {
		var seen []int64
		err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
			for i := range 3 {
				if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, fmt.Sprint(name, i))}); err != nil {
					return err
				}
				seen = append(seen, version())
			}
			if fail {
				return errs.E("test", errs.Invalid, "a problem found late")
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("import %s (fail %v) answered %v", name, fail, err)
		}
		return seen
	}
	undone := importing("undone", true)
	if got := version(); got <= slices.Max(undone) {
		t.Fatalf("after the undo the version is %d, want it above the undone import's %v", got, undone)
	}
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "between"})
	kept := importing("kept", false)
	again := importing("undone again", true)
	used := map[int64]string{}
	for _, run := range []struct {
		name     string
		versions []int64
	}{{"the undone import", undone}, {"the kept import", kept}, {"the import undone again", again}} {
		for _, v := range run.versions {
			if other, ok := used[v]; ok {
				t.Errorf("%s took version %d, which %s had taken", run.name, v, other)
			}
			used[v] = run.name
		}
	}
}

// Renaming a workspace changes its name and description only: not its
// version (which names its content for the analyses' cache, so a version
// set back to zero would be reached again by later writes with other
// content), nor the state of an import running into it (which would
// lose its lock, and its undo would leave its batches written).
func TestRenamingAWorkspaceKeepsItsVersionAndItsImport(t *testing.T) {
	t.Parallel()
	st := importingInOneTx(t, 1)
	ws := storetest.Workspace(t, st)
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Before"})
	rename := func(name string) {
		t.Helper()
		if _, err := st.UpdateWorkspace(ctx, ws.ID, domain.WorkspacePatch{Name: domaintest.Some(name)}); err != nil {
			t.Fatal(err)
		}
	}
	before := versionOf(t, st, ws.ID)
	rename("renamed")
	if after := versionOf(t, st, ws.ID); after != before {
		t.Fatalf("renaming moved the version from %d to %d", before, after)
	}
	err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		for i := range 3 {
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, fmt.Sprint("batch", i))}); err != nil {
				return err
			}
			if i == 1 {
				if got := stateOf(t, st, ws.ID); got.holder == "" {
					t.Fatalf("the import in batches holds no lock: %+v", got)
				}
				rename(fmt.Sprint("renamed during batch ", i))
				if got := stateOf(t, st, ws.ID); got.holder == "" {
					t.Errorf("renaming the workspace took the running import's lock away: %+v", got)
				}
			}
		}
		return nil
	})
	ended(t, st, ws.ID, err, 7) // an import during which the workspace was renamed
}

// An undo changes the workspace a step at a time: from its claim until
// its end the workspace is at a version of its own, neither the import's
// (whose content the analyses' cache may hold whole) nor one any later
// import takes, and at its end at another, above both.
func TestUndoMovesTheVersionUntilItEnds(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws, _, _ := halfImported(t, st)
	version := func() int64 { return versionOf(t, st, ws) }
	imported := version()
	undoing, err := st.ClaimImport(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if undoing <= imported {
		t.Errorf("while the undo runs the version is %d, want above the import's %d", undoing, imported)
	}
	if err := st.SweepImports(false); err != nil {
		t.Fatal(err)
	}
	untilReleased(t, st, ws)
	if got := version(); got <= undoing {
		t.Fatalf("after the undo the version is %d, want it above the undo's %d (versions only grow)", got, undoing)
	}
	mustActor(t, st, ws, domain.ActorInput{Kind: domain.KindCommunity, Name: "after"})
	var later []int64
	if err := st.Import(ctx, ws, true, func(ctx context.Context, tx domain.ImportTx) error {
		for i := range 2 {
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws, 2, fmt.Sprint("later", i))}); err != nil {
				return err
			}
			later = append(later, version())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, v := range later {
		if v == imported || v == undoing {
			t.Errorf("a later import took version %d, which the undone import (%d) or its undo (%d) had", v, imported, undoing)
		}
	}
}

// An import another store took for dead (its heart silent past
// importStale: a long pause, or a batch that outlasted it) and claimed
// to undo writes no more: its next batch fails, and the claimer's undo
// leaves the workspace holding what it held.
func TestImportTakenForDeadWritesNoMore(t *testing.T) {
	t.Parallel()
	st := importingInOneTx(t, 1)
	other := storetest.Open(t) // another process's store
	ws := storetest.Workspace(t, st)
	mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Before"})
	before, err := st.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		for i := range 4 {
			if err := tx.Apply(ctx, &domain.Changes{CreateActors: newActors(t, ws.ID, 2, fmt.Sprint("batch", i))}); err != nil {
				return err
			}
			if i == 1 { // another store takes it for dead and claims it
				if _, err := other.ClaimImport(ctx, ws.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		return nil
	})
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("the import taken for dead answered %v, want CONFLICT", err)
	}
	if err := other.SweepImports(false); err != nil {
		t.Fatal(err)
	}
	untilReleased(t, st, ws.ID)
	undone(t, st, ws.ID, before, "the claimer's undo")
}

// An undo that another store claims while it runs (this store's heart
// silent past importStale: a long pause, or Neo4j out of its reach) stops
// there: it writes no more, and leaves the claim and the undo records to
// the claimer, whose undo restores the workspace whole. The claim comes
// after its first step (the next step's check finds it) or after its
// last (its last statement does).
func TestUndoTakenOverStopsAndLeavesItToTheClaimer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		last bool // claim after the last step, else after the first
	}{{"after the first step", false}, {"after the last step", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := storetest.Open(t)
			ws, before, _ := halfImported(t, st)
			held := stateOf(t, st, ws)
			// The claimer is a store of another process, alive: no store
			// of this binary undoes the import until it falls silent.
			// Whether the sweep below or st's own background undoer runs
			// st's undo, the claim comes at the chosen step.
			var claimedAt, ran atomic.Int32
			st.OnUndoStep(func(undoing string, step, steps int) {
				if undoing != ws {
					return
				}
				ran.Store(int32(step))
				if claimedAt.Load() == 0 && (step == 1 && !tc.last || step == steps && tc.last) {
					claimedAt.Store(int32(step))
					if err := st.PassImportTo(ctx, ws, "store_of_another_process"); err != nil {
						t.Error(err)
					}
				}
			})
			t.Cleanup(func() { st.OnUndoStep(nil) })
			if _, err := st.ClaimImport(ctx, ws); err != nil { // st undoes it
				t.Fatal(err)
			}
			if err := st.SweepImports(false); err != nil {
				t.Fatalf("the undo taken over answered %v, want nil (the claimer finishes it)", err)
			}
			if claimedAt.Load() == 0 {
				t.Fatal("the undo ran no step")
			}
			if n := ran.Load() - claimedAt.Load(); n != 0 {
				t.Errorf("the undo ran %d steps after another store claimed it, want none", n)
			}
			// The import still holds the workspace, with every undo record,
			// for the claimer.
			if got := stateOf(t, st, ws); got.holder != held.holder || got.records != held.records {
				t.Errorf("after the undo taken over, the workspace is held by import %q with %d undo records, want %q with %d until the claimer ends it",
					got.holder, got.records, held.holder, held.records)
			}
			undoneAtLast(t, storetest.Open(t), ws, before) // the claimer's process dies in turn
		})
	}
}

// Each step of an undo writes only while its store holds the import, each
// of its inner transactions checking it: a step that runs on after another
// store claimed the undo (it began before the claim) writes nothing.
func TestUndoStepsWriteNothingUnlessTheirStoreHoldsTheImport(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws, before, mid := halfImported(t, st)
	records, err := st.UndoRecords(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RunUndoStepsAs(ctx, ws, "store_of_a_process_that_does_not_hold_it"); err != nil {
		t.Fatal(err)
	}
	unchanged(t, st, ws, mid, "an undo's steps run by a store that does not hold the import")
	if got, err := st.UndoRecords(ctx, ws); err != nil || got != records {
		t.Errorf("after the steps, %d undo records (%v), want %d", got, err, records)
	}
	undoneAtLast(t, st, ws, before)
}

// A claim that comes while a step of an undo runs, its inner transaction
// waiting for the workspace's lock that the claim holds, is seen by that
// transaction once it has the lock: the step writes nothing after the
// claim.
func TestUndoStepWaitingOnAClaimWritesNothingAfterIt(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws, before, mid := halfImported(t, st)
	err := st.PassImportToWhile(ctx, ws, "store_of_another_process", func() error {
		return st.RunUndoStepsAs(ctx, ws, store.DeadImportHolder)
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := st.Contents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	after.Version = mid.Version // the claim moved it
	if !reflect.DeepEqual(mid, after) {
		t.Errorf("an undo's step that waited on another store's claim wrote after it:\nbefore %+v\nafter  %+v", mid, after)
	}
	undoneAtLast(t, st, ws, before) // the claimer's process dies in turn
}

// halfImported makes a workspace of two actors, and an import into it
// that died after its first batch (DieMidImport): held by a store of
// another process, alive, which no store of this binary undoes behind the
// test's back for two minutes. It returns the workspace's id and its
// contents before and after the batch.
func halfImported(t *testing.T, st *store.Neo4j) (ws string, before, mid *domain.Contents) {
	t.Helper()
	w := storetest.Workspace(t, st)
	a := mustActor(t, st, w.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("a")})
	b := mustActor(t, st, w.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	before, err := st.Contents(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DieMidImport(ctx, w.ID, halfAnImport(t, w.ID, a, b)); err != nil {
		t.Fatal(err)
	}
	if mid, err = st.Contents(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	return w.ID, before, mid
}

// undoneAtLast has the process holding the import on ws die (its heart
// silent past importStale), and sweeper's undoer undo it; it checks that
// ws then holds before.
func undoneAtLast(t *testing.T, sweeper *store.Neo4j, ws string, before *domain.Contents) {
	t.Helper()
	if err := sweeper.SilenceImport(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if err := sweeper.SweepImports(false); err != nil {
		t.Fatal(err)
	}
	untilReleased(t, sweeper, ws)
	undone(t, sweeper, ws, before, "the undo")
}
