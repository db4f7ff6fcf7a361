package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
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

// awaitQueue waits until a group is being written (busy) with waiting
// more queued behind it, polling what queued (one of the store's queues)
// shows. The bound is not a timing assertion, only a clear failure instead
// of a hung test when grouping broke: the goroutines it waits for only
// have to reach the queue.
func awaitQueue(t *testing.T, queued func() (busy bool, waiting int), waiting int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		busy, n := queued()
		if busy && n == waiting {
			return
		}
		if n > waiting || time.Now().After(deadline) {
			t.Fatalf("a group being written: %v, queued: %d; want %d queued", busy, n, waiting)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// creationsOf is what awaitQueue polls for ws's creations.
func creationsOf(st *store.Neo4j, ws string) func() (bool, int) {
	return func() (bool, int) { return st.CreationsQueued(ws) }
}

// holdWorkspace takes ws's lock in a transaction of the test's own that
// runs set on the workspace w (a SET or REMOVE clause) and stays open
// until the returned function commits it, or the test ends: a failure
// while it is held must not leave the creations and the workspace's
// clean-up waiting for the lock.
func holdWorkspace(t *testing.T, st *store.Neo4j, ws, set string) func() {
	t.Helper()
	end, err := st.Hold(ctx, "MATCH (w:Workspace {id: $id}) "+set, map[string]any{"id": ws})
	if err != nil {
		t.Fatalf("hold the workspace: %v", err)
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			if err := end(); err != nil {
				t.Errorf("commit the hold: %v", err)
			}
		})
	}
	t.Cleanup(release)
	return release
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
	awaitQueue(t, creationsOf(st, ws), 0)
	var group []*creation
	for i := range 3 {
		group = append(group, createInBackground(&wg, st, ctx, ws, fmt.Sprint("queued ", i)))
	}
	// Another editor's creation joins the group; a caller who does not
	// see the workspace is refused on its own, never written in the
	// group's scope.
	colleague := domain.WithCaller(context.Background(), &domain.Caller{Subject: "colleague",
		Grants: map[string]domain.Grant{ws: {Role: domain.Editor, Clearance: domain.Public}}})
	group = append(group, createInBackground(&wg, st, colleague, ws, "queued 3"))
	stranger := createInBackground(&wg, st, strangerCtx(), ws, "stranger's")
	ending, end := context.WithCancel(ctx)
	left := createInBackground(&wg, st, ending, ws, "left")
	awaitQueue(t, creationsOf(st, ws), 5)
	end()
	release()
	wg.Wait()

	if !errs.Match(&errs.Error{Kind: errs.Unavailable}, left.err) || !errors.Is(left.err, context.Canceled) {
		t.Errorf("the creation whose request ended: got %v (%s), want UNAVAILABLE from context.Canceled", left.err, errs.KindOf(left.err).Code())
	}
	wantKind(t, stranger.err, errs.NotFound)
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
	if got := namesOf(changes[0].Actors); !slices.Equal(got, []string{"first"}) {
		t.Errorf("the first change wrote %v, want [first]", got)
	}
	if got := namesOf(changes[1].Actors); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"queued 0", "queued 1", "queued 2", "queued 3"}) {
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
	audited := map[string][]string{} // actor id → the subjects of the records naming it
	for _, r := range log.Items {
		if r.Operation == "createActor" && r.Kind == domain.AuditWrite && len(r.IDs) == 1 {
			audited[r.IDs[0]] = append(audited[r.IDs[0]], r.Subject)
		}
	}
	for id, name := range ids {
		want := "test"
		if name == "queued 3" {
			want = "colleague"
		}
		if got := audited[id]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: the audit records naming its actor are by %v, want one by %s", name, got, want)
		}
	}
}

// strangerCtx is a caller who is a member of another workspace only.
func strangerCtx() context.Context {
	return domain.WithCaller(context.Background(), &domain.Caller{Subject: "stranger",
		Grants: map[string]domain.Grant{"elsewhere": {Role: domain.Owner, Clearance: domain.Confidential}}})
}

func TestCreationsOfARefusedGroupAreAllRefused(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st).ID
	v0 := workspaceVersion(t, st, ws)

	// The test's transaction marks the workspace as held by an import,
	// then commits while the creations wait: each of them reads the mark.
	release := holdWorkspace(t, st, ws, "SET w.importing = 'a test'")
	var wg sync.WaitGroup
	all := []*creation{createInBackground(&wg, st, ctx, ws, "first")}
	awaitQueue(t, creationsOf(st, ws), 0)
	for i := range 3 {
		all = append(all, createInBackground(&wg, st, ctx, ws, fmt.Sprint("queued ", i)))
	}
	awaitQueue(t, creationsOf(st, ws), 3)
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

// Many creations at once, a third of them for requests that end at some
// moment or other (in the queue, in a group, or after): every call
// answers, and what the workspace holds is exactly what was answered as
// created, each once. (Whatever the moments turn out to be: the
// assertions hold for any of them.)
func TestCreationsAtOnceAreWrittenExactlyWhenAnsweredSo(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st).ID
	var wg, ends sync.WaitGroup
	var all []*creation
	for i := range 120 {
		c := ctx
		if i%3 == 0 {
			var cancel context.CancelFunc
			c, cancel = context.WithCancel(ctx)
			ends.Go(func() {
				time.Sleep(time.Duration(i%7) * time.Millisecond)
				cancel()
			})
		}
		all = append(all, createInBackground(&wg, st, c, ws, fmt.Sprint("actor ", i)))
	}
	wg.Wait()
	ends.Wait()
	created := map[string]bool{}
	for _, cr := range all {
		if cr.err == nil {
			created[cr.name] = true
		} else if !errs.Match(&errs.Error{Kind: errs.Unavailable}, cr.err) {
			t.Errorf("%s: %v (%s), want success or UNAVAILABLE", cr.name, cr.err, errs.KindOf(cr.err).Code())
		}
	}
	stored := map[string]bool{}
	for _, a := range take(t, st, ws).Actors {
		if stored[a.Name] {
			t.Errorf("%s stored twice", a.Name)
		}
		stored[a.Name] = true
	}
	if len(created) == 0 {
		t.Fatal("no creation succeeded")
	}
	for name := range created {
		if !stored[name] {
			t.Errorf("%s was answered as created but is not stored", name)
		}
	}
	for name := range stored {
		if !created[name] {
			t.Errorf("%s is stored but its creation was answered with an error", name)
		}
	}
	if busy, _ := st.CreationsQueued(ws); busy {
		t.Error("the queue is still busy after every creation ended")
	}
}

// The audit records of reads that arrive while one is being written go
// together in the next statement, each its own record with its own
// subject, and each request answered only once its record is written.
func TestReadAuditsWaitingAreWrittenTogether(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st).ID
	hold, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var groups atomic.Int32
	st.BeforeReadAuditGroup(func() {
		groups.Add(1)
		once.Do(func() { close(held); <-hold }) // the first group waits for the test
	})
	t.Cleanup(func() { st.BeforeReadAuditGroup(nil) })
	releaseOnce := sync.OnceFunc(func() { close(hold) })
	t.Cleanup(releaseOnce)

	var wg sync.WaitGroup
	errsOf := make([]error, 6)
	record := func(i int, subject string) {
		c := domain.WithCaller(context.Background(), &domain.Caller{Subject: subject,
			Grants: map[string]domain.Grant{ws: {Role: domain.Analyst, Clearance: domain.Confidential}}})
		wg.Go(func() { errsOf[i] = st.RecordReads(c, ws, fmt.Sprint("read ", i), []string{fmt.Sprint("act_", i)}) })
	}
	record(0, "reader 0")
	<-held
	for i := 1; i < 6; i++ {
		record(i, fmt.Sprint("reader ", i))
	}
	awaitQueue(t, st.ReadAuditsQueued, 5)
	releaseOnce()
	wg.Wait()
	for i, err := range errsOf {
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if n := groups.Load(); n != 2 {
		t.Errorf("six read audits were written in %d groups, want 2: the first, then the five queued together", n)
	}
	log, err := st.AuditLog(ctx, ws, store.PageArgs{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{} // operation → subject
	for _, r := range log.Items {
		if r.Kind == domain.AuditRead {
			got[r.Operation] = r.Subject
		}
	}
	for i := range 6 {
		if op, want := fmt.Sprint("read ", i), fmt.Sprint("reader ", i); got[op] != want {
			t.Errorf("the record of %q is by %q, want %q", op, got[op], want)
		}
	}
	if len(got) != 6 {
		t.Errorf("%d read audit records, want 6", len(got))
	}
}
