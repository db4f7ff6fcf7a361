package mapio_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A write import commits a transaction per batch and undoes them all when
// it fails (store/importstage.go). These tests check that against Neo4j.

// syncFiles change every kind of record of kumuFiles' workspace: actors
// updated (Tamal, the police), created (a new group) and removed by the
// sync (the network and the council, with their relationships); a
// relationship updated (the threat), one created, two removed (the
// trusts); the survey removed (so that what cites it stops citing it), a
// source created.
func syncFiles() []mapio.File {
	return []mapio.File{
		{Name: "sources.csv", Data: strings.NewReader("externalId,title,kind\ns-new,New report,REPORT\n")},
		{Name: "actors.csv", Data: strings.NewReader("Label,Type,id,Description\nTamal villages,Community,c-tamal,Now described\n" +
			"District Police,Security force,f-police,\nNew group,Community,n-new,\n")},
		{Name: "relationships.csv", Data: strings.NewReader("From,To,Type,strength\nf-police,c-tamal,THREATENS,0.9\nn-new,c-tamal,TRUSTS,0.5\n")},
	}
}

// exported is the workspace as an export writes it, in every format but
// XLSX (a workbook carries the time it was written).
func exported(t *testing.T, st store.Store, ws string) (*domain.Contents, map[mapio.Format][]byte) {
	t.Helper()
	c := contents(t, st, ws)
	out := map[mapio.Format][]byte{}
	for _, f := range mapio.Formats {
		if f == mapio.FormatXLSX {
			continue
		}
		var b bytes.Buffer
		if err := mapio.Export(c, f, &b); err != nil {
			t.Fatal(err)
		}
		out[f] = b.Bytes()
	}
	return c, out
}

// lateFailure fails an import after its batch number fail has been
// committed, having checked that a reader saw the batch: the failure
// comes after the workspace had really changed.
type lateFailure struct {
	*store.Neo4j
	t       *testing.T
	ws      string
	before  *domain.Contents
	fail    int
	applied *int
}

func (f lateFailure) Import(c context.Context, ws string, write bool, fn func(context.Context, domain.ImportTx) error) error {
	return f.Neo4j.Import(c, ws, write, func(c context.Context, tx domain.ImportTx) error { return fn(c, lateFailureTx{tx, f}) })
}

type lateFailureTx struct {
	domain.ImportTx
	f lateFailure
}

func (t lateFailureTx) Apply(c context.Context, ch *domain.Changes) error {
	if err := t.ImportTx.Apply(c, ch); err != nil {
		return err
	}
	if *t.f.applied++; *t.f.applied < t.f.fail {
		return nil
	}
	if now := contents(t.f.t, t.f.Neo4j, t.f.ws); reflect.DeepEqual(now.Actors, t.f.before.Actors) && reflect.DeepEqual(now.Relationships, t.f.before.Relationships) {
		t.f.t.Error("the batches before the failure were not committed: the test tests nothing")
	}
	return errs.E("test", errs.Unavailable, "Neo4j went away")
}

func TestImportFailingLateLeavesTheWorkspaceAsItWas(t *testing.T) {
	t.Parallel()
	st := storetest.OpenWith(t, storetest.BatchedImports(t))
	ws := storetest.Workspace(t, st)
	if rep, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{}); err != nil || !rep.Written {
		t.Fatal(err, rep)
	}
	before, beforeFiles := exported(t, st, ws.ID)
	// A dry run of the sync says what it would do, and writes nothing.
	dry, err := mapio.Import(ctx, st, ws.ID, syncFiles(), mapio.Options{Sync: true, DryRun: true})
	if err != nil || dry.Written || dry.Actors != (mapio.Counts{Created: 1, Updated: 2, Removed: 2}) || dry.Relationships != (mapio.Counts{Created: 1, Updated: 1, Removed: 3}) {
		t.Fatalf("dry run: %v %+v", err, dry)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("a dry run wrote")
	}
	// The sync writes three batches: sources and actors, relationships,
	// and what goes last. Fail after each has been committed.
	for fail := 1; fail <= 3; fail++ {
		applied := 0
		_, err := mapio.Import(ctx, lateFailure{st, t, ws.ID, before, fail, &applied}, ws.ID, syncFiles(), mapio.Options{Sync: true})
		if !errs.Is(err, errs.Unavailable) || applied != fail {
			t.Fatalf("failing after batch %d: %v (%d batches)", fail, err, applied)
		}
		after, afterFiles := exported(t, st, ws.ID)
		if !domaintest.Undone(before, after) {
			t.Errorf("failing after batch %d changed the workspace (or left its version):\nbefore %+v\nafter  %+v", fail, before, after)
		}
		for f, b := range beforeFiles {
			if !bytes.Equal(b, afterFiles[f]) {
				t.Errorf("failing after batch %d: the %s export differs", fail, f)
			}
		}
	}
	// Undone, the workspace takes writes again, and the same sync runs whole.
	rep, err := mapio.Import(ctx, st, ws.ID, syncFiles(), mapio.Options{Sync: true})
	if err != nil || !rep.Written || rep.Actors != dry.Actors || rep.Relationships != dry.Relationships || rep.Sources != dry.Sources {
		t.Fatalf("the sync after the failures: %v %+v (dry run said %+v)", err, rep, dry)
	}
	got := contents(t, st, ws.ID)
	if len(got.Actors) != 3 || len(got.Relationships) != 2 || len(got.Sources) != 1 || got.Version <= before.Version {
		t.Errorf("after the sync: %d actors, %d relationships, %d sources, version %d (was %d)",
			len(got.Actors), len(got.Relationships), len(got.Sources), got.Version, before.Version)
	}
}

// pausing runs a hook after an import's first batch: other writers act
// while the import holds the workspace.
type pausing struct {
	*store.Neo4j
	hook func()
}

func (p pausing) Import(c context.Context, ws string, write bool, fn func(context.Context, domain.ImportTx) error) error {
	return p.Neo4j.Import(c, ws, write, func(c context.Context, tx domain.ImportTx) error {
		return fn(c, &pausingTx{ImportTx: tx, hook: p.hook})
	})
}

type pausingTx struct {
	domain.ImportTx
	hook func()
	done bool
}

func (t *pausingTx) Apply(c context.Context, ch *domain.Changes) error {
	if err := t.ImportTx.Apply(c, ch); err != nil {
		return err
	}
	if !t.done {
		t.done = true
		t.hook()
	}
	return nil
}

// While an import runs, other writes to its workspace, and other imports
// into it, are refused (CONFLICT); readers read, and see the batches
// written so far; writes to other workspaces go on. Once it has finished,
// the workspace takes writes again.
func TestWritersAreRefusedWhileAnImportRuns(t *testing.T) {
	t.Parallel()
	st := storetest.OpenWith(t, storetest.BatchedImports(t))
	ws := storetest.Workspace(t, st)
	other := storetest.Workspace(t, st)
	hook := func() {
		if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Meanwhile"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a write during an import: %v, want CONFLICT", err)
		}
		if _, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second import during an import: %v, want CONFLICT", err)
		}
		if rep, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{DryRun: true}); err != nil || len(rep.Problems) > 0 {
			t.Errorf("a dry run during an import: %v %+v", err, rep)
		}
		if c := contents(t, st, ws.ID); len(c.Actors) != 4 || len(c.Relationships) != 0 {
			t.Errorf("a reader during the import saw %d actors, %d relationships; want the first batch's 4 and 0", len(c.Actors), len(c.Relationships))
		}
		if _, err := st.CreateActor(ctx, other.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Elsewhere"}); err != nil {
			t.Errorf("a write to another workspace during an import: %v", err)
		}
	}
	if rep, err := mapio.Import(ctx, pausing{st, hook}, ws.ID, kumuFiles(t), mapio.Options{}); err != nil || !rep.Written {
		t.Fatal(err, rep)
	}
	if _, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "After"}); err != nil {
		t.Errorf("a write after the import: %v", err)
	}
	if c := contents(t, st, ws.ID); len(c.Actors) != 5 || len(c.Relationships) != 4 {
		t.Errorf("after the import: %d actors, %d relationships", len(c.Actors), len(c.Relationships))
	}
}
