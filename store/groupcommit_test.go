package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Group commit (groupcommit.go): plain actor creations that arrive while
// one is being written to the same workspace are written together, each
// with its own audit record, in one transaction that gives the workspace
// one version; a creation whose request ended while it waited is not
// written; a group the workspace refuses is refused to every member, and
// writes nothing.

// creation is one CreateActor call run in the background, and its result.
type creation struct {
	name string
	a    *domain.Actor
	err  error
}

// createInBackground starts CreateActor of a plain community named name.
func createInBackground(wg *sync.WaitGroup, st store.Store, c context.Context, ws, name string) *creation {
	cr := &creation{name: name}
	wg.Go(func() {
		cr.a, cr.err = st.CreateActor(c, ws, domain.ActorInput{Kind: domain.KindCommunity, Name: name})
	})
	return cr
}

// awaitQueue waits until ws's creations are being written (busy) with
// waiting more queued behind them. It polls what the store shows, without
// a deadline of its own: the test's timeout bounds it.
func awaitQueue(t *testing.T, st *store.Neo4j, ws string, waiting int) {
	t.Helper()
	for {
		busy, n := st.CreationsQueued(ws)
		if busy && n == waiting {
			return
		}
		if n > waiting {
			t.Fatalf("%d creations queued, want %d", n, waiting)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdWorkspace takes ws's lock in a transaction of the test's own that
// runs set on the workspace w (a SET or REMOVE clause) and stays open
// until the returned function commits it.
func holdWorkspace(t *testing.T, st *store.Neo4j, ws, set string) func() {
	t.Helper()
	end, err := st.Hold(ctx, "MATCH (w:Workspace {id: $id}) "+set, map[string]any{"id": ws})
	if err != nil {
		t.Fatalf("hold the workspace: %v", err)
	}
	return func() {
		t.Helper()
		if err := end(); err != nil {
			t.Fatalf("commit the hold: %v", err)
		}
	}
}

func workspaceVersion(t *testing.T, st store.Store, ws string) int64 {
	t.Helper()
	v, err := st.WorkspaceVersion(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCreationsWaitingForTheLockAreWrittenTogether(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st).ID
	v0 := workspaceVersion(t, st, ws)

	// The first creation leads and waits in Neo4j for the test's lock;
	// the next five queue behind it, one of them for a request that ends.
	release := holdWorkspace(t, st, ws, "SET w.held = true REMOVE w.held")
	var wg sync.WaitGroup
	first := createInBackground(&wg, st, ctx, ws, "first")
	awaitQueue(t, st, ws, 0)
	var group []*creation
	for i := range 4 {
		group = append(group, createInBackground(&wg, st, ctx, ws, fmt.Sprint("queued ", i)))
	}
	ending, end := context.WithCancel(ctx)
	left := createInBackground(&wg, st, ending, ws, "left")
	awaitQueue(t, st, ws, 5)
	end()
	release()
	wg.Wait()

	if !errors.Is(left.err, context.Canceled) {
		t.Errorf("the creation whose request ended: got %v, want context.Canceled", left.err)
	}
	written := append([]*creation{first}, group...)
	ids := map[string]string{} // id → name
	for _, cr := range written {
		if cr.err != nil {
			t.Fatalf("%s: %v", cr.name, cr.err)
		}
		ids[cr.a.ID] = cr.name
	}
	if len(ids) != len(written) {
		t.Fatalf("%d creations gave %d distinct ids", len(written), len(ids))
	}

	if v := workspaceVersion(t, st, ws); v != v0+2 {
		t.Errorf("version %d → %d, want two bumps: the first creation's, then its group's", v0, v)
	}
	changes, ok := st.ChangesSince(ws, v0, v0+2)
	if !ok || len(changes) != 2 {
		t.Fatalf("the change log holds %d changes (whole: %v), want 2", len(changes), ok)
	}
	if got := actorNames(changes[0].Actors); !slices.Equal(got, []string{"first"}) {
		t.Errorf("the first change wrote %v, want [first]", got)
	}
	if got := actorNames(changes[1].Actors); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"queued 0", "queued 1", "queued 2", "queued 3"}) {
		t.Errorf("the group's change wrote %v, want the four queued", got)
	}

	stored := take(t, st, ws).Actors
	if len(stored) != len(written) {
		t.Errorf("the workspace holds %d actors, want %d (not the one whose request ended)", len(stored), len(written))
	}
	for _, a := range stored {
		if ids[a.ID] != a.Name {
			t.Errorf("stored actor %s %q was not created under that name", a.ID, a.Name)
		}
	}

	// Each creation keeps an audit record of its own, naming its actor.
	log, err := st.AuditLog(ctx, ws, store.PageArgs{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]int{}
	for _, r := range log.Items {
		if r.Operation == "createActor" && r.Kind == domain.AuditWrite && len(r.IDs) == 1 {
			audited[r.IDs[0]]++
		}
	}
	for id, name := range ids {
		if audited[id] != 1 {
			t.Errorf("%s: %d audit records name its actor, want 1", name, audited[id])
		}
	}
}

func TestCreationsOfARefusedGroupAreAllRefused(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st).ID
	v0 := workspaceVersion(t, st, ws)

	// A caller who does not see the workspace never joins a group.
	stranger := domain.WithCaller(context.Background(), &domain.Caller{Subject: "stranger",
		Grants: map[string]domain.Grant{"elsewhere": {Role: domain.Owner, Clearance: domain.Confidential}}})
	_, err := st.CreateActor(stranger, ws, domain.ActorInput{Kind: domain.KindCommunity, Name: "stranger's"})
	wantKind(t, err, errs.NotFound)

	// The test's transaction marks the workspace as held by an import,
	// then commits while the creations wait: each of them reads the mark.
	release := holdWorkspace(t, st, ws, "SET w.importing = 'a test'")
	var wg sync.WaitGroup
	all := []*creation{createInBackground(&wg, st, ctx, ws, "first")}
	awaitQueue(t, st, ws, 0)
	for i := range 3 {
		all = append(all, createInBackground(&wg, st, ctx, ws, fmt.Sprint("queued ", i)))
	}
	awaitQueue(t, st, ws, 3)
	release()
	wg.Wait()
	holdWorkspace(t, st, ws, "REMOVE w.importing")()

	for _, cr := range all {
		if cr.err == nil || !errs.Match(&errs.Error{Kind: errs.Conflict}, cr.err) {
			t.Errorf("%s: got %v, want CONFLICT (an import holds the workspace)", cr.name, cr.err)
		}
	}
	if n := len(take(t, st, ws).Actors); n != 0 {
		t.Errorf("refused creations wrote %d actors", n)
	}
	if v := workspaceVersion(t, st, ws); v != v0 {
		t.Errorf("refused creations moved the version %d → %d", v0, v)
	}
	if busy, _ := st.CreationsQueued(ws); busy {
		t.Error("the queue is still busy after every creation ended")
	}
}

func actorNames(as []*domain.Actor) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}
