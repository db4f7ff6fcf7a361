package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Creating an actor with nothing to check under the workspace's lock
// (no sources, no externalId) is two statements: the lock and version
// bump, then the actor with its audit record. It still bumps the version,
// writes the audit record, and refuses a workspace its caller cannot
// see or that does not exist, creating nothing.
func TestCreateActorIsTwoStatements(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	v0, err := st.WorkspaceVersion(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := st.QueryCount()
	a, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "one statement"})
	if err != nil {
		t.Fatal(err)
	}
	if n := st.QueryCount() - before; n != 2 {
		t.Errorf("createActor sent %d statements, want 2", n)
	}
	if v, err := st.WorkspaceVersion(ctx, ws.ID); err != nil || v <= v0 {
		t.Errorf("version %d → %d (%v); want a bump", v0, v, err)
	}
	if got, err := st.ActorsByIDs(ctx, []string{a.ID}); err != nil || len(got) != 1 || got[0].Name != "one statement" {
		t.Fatalf("the actor read back: %v %v", got, err)
	}
	log, err := st.AuditLog(ctx, ws.ID, store.PageArgs{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Items) == 0 || log.Items[0].Operation != "createActor" || !slices.Equal(log.Items[0].IDs, []string{a.ID}) ||
		log.Items[0].Kind != domain.AuditWrite || log.Items[0].Subject == "" {
		t.Errorf("audit log after createActor: %+v", log.Items)
	}

	// Unknown, and not the caller's: NOT_FOUND, nothing written.
	other := storetest.Workspace(t, st)
	viewer := domain.WithCaller(context.Background(), &domain.Caller{Subject: "token:t", Grants: map[string]domain.Grant{
		other.ID: {Role: domain.Editor, Clearance: domain.Confidential}}})
	for name, c := range map[string]struct {
		ctx context.Context
		ws  string
	}{"unknown": {ctx, "ws_nope"}, "not the caller's": {viewer, ws.ID}} {
		if _, err := st.CreateActor(c.ctx, c.ws, domain.ActorInput{Kind: domain.KindCommunity, Name: "refused " + name}); !errs.Is(err, errs.NotFound) {
			t.Errorf("%s workspace: %v, want NOT_FOUND", name, err)
		}
	}
	page, err := st.ListActors(ctx, ws.ID, store.ActorQuery{PageArgs: store.PageArgs{First: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 {
		t.Errorf("actors after the refused creates: %d, want 1", len(page.Items))
	}
	if v, _ := st.WorkspaceVersion(ctx, ws.ID); v != v0+1 {
		t.Errorf("version %d after one create from %d: a refused create bumped it", v, v0)
	}
}
