package store_test

import (
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A verified token is remembered, so that a request does not look it up
// again; every change this process makes to tokens or memberships is
// seen by the very next lookup, and one made by another process within
// store.AccessCacheTTL.
func TestAuthenticationIsRememberedUntilAccessChanges(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ctx := storetest.Ctx()
	ws := storetest.Workspace(t, st)
	other := storetest.Workspace(t, st)
	issue := func(name string) (*domain.Token, string) {
		tk := &domain.Token{ID: domain.NewID(domain.PrefixToken), Name: name, WorkspaceID: ws.ID, CreatedBy: "test", CreatedAt: time.Now().UTC()}
		tk.Subject = "token:" + tk.ID
		hash := "hash-" + tk.ID
		if err := st.CreateToken(ctx, tk, hash, &domain.Member{WorkspaceID: ws.ID, Subject: tk.Subject, Role: domain.Analyst}); err != nil {
			t.Fatal(err)
		}
		return tk, hash
	}
	authenticate := func(s *store.Neo4j, hash string) (map[string]domain.Grant, int64, error) {
		before := s.QueryCount()
		_, g, err := s.Authenticate(ctx, hash)
		return g, s.QueryCount() - before, err
	}

	tk, hash := issue("cached")
	if _, n, err := authenticate(st, hash); err != nil || n != 1 {
		t.Fatalf("first lookup: %v, %d statements; want one", err, n)
	}
	g, n, err := authenticate(st, hash)
	if err != nil || n != 0 || g[ws.ID].Role != domain.Analyst {
		t.Fatalf("second lookup: %v, %d statements, grants %v; want none, from memory", err, n, g)
	}
	// A grant changed here is seen at once: set, lowered, removed.
	if _, err := st.SetMember(ctx, &domain.Member{WorkspaceID: other.ID, Subject: tk.Subject, Role: domain.Viewer}); err != nil {
		t.Fatal(err)
	}
	if g, _, err := authenticate(st, hash); err != nil || g[other.ID].Role != domain.Viewer {
		t.Fatalf("after setMember: %v %v; want the new membership", g, err)
	}
	if _, err := st.SetMember(ctx, &domain.Member{WorkspaceID: ws.ID, Subject: tk.Subject, Role: domain.Viewer}); err != nil {
		t.Fatal(err)
	}
	if g, _, err := authenticate(st, hash); err != nil || g[ws.ID].Role != domain.Viewer {
		t.Fatalf("after lowering the role: %v %v; want VIEWER", g, err)
	}
	if err := st.RemoveMember(ctx, other.ID, tk.Subject); err != nil {
		t.Fatal(err)
	}
	if g, _, err := authenticate(st, hash); err != nil || len(g) != 1 {
		t.Fatalf("after removeMember: %v %v; want only %s", g, err, ws.ID)
	}
	// Revoked here: refused by the next lookup.
	if _, _, err := authenticate(st, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := authenticate(st, hash); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a token revoked by this process still authenticates: %v", err)
	}
	// A workspace deleted here ends its tokens at once.
	_, hash2 := issue("deleted with its workspace")
	if _, _, err := authenticate(st, hash2); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteWorkspace(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := authenticate(st, hash2); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a token of a deleted workspace still authenticates: %v", err)
	}
}

// Revoked by another process (another store: `actorgraph token revoke`,
// another replica), a token stops working here within AccessCacheTTL.
// The test polls until it does (however slow the machine), and fails
// only if it never does within a minute, or if the store that revoked it
// accepts it even once.
func TestATokenRevokedElsewhereStopsWorking(t *testing.T) {
	t.Parallel()
	st, elsewhere := storetest.Open(t), storetest.Open(t)
	ctx := storetest.Ctx()
	ws := storetest.Workspace(t, st)
	tk := &domain.Token{ID: domain.NewID(domain.PrefixToken), Name: "elsewhere", WorkspaceID: ws.ID, CreatedBy: "test", CreatedAt: time.Now().UTC()}
	tk.Subject = "token:" + tk.ID
	hash := "hash-" + tk.ID
	if err := st.CreateToken(ctx, tk, hash, &domain.Member{WorkspaceID: ws.ID, Subject: tk.Subject, Role: domain.Viewer}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*store.Neo4j{st, elsewhere} {
		if _, _, err := s.Authenticate(ctx, hash); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := elsewhere.RevokeToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := elsewhere.Authenticate(ctx, hash); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the revoking store still accepts the token: %v", err)
	}
	for deadline := time.Now().Add(time.Minute); ; {
		_, _, err := st.Authenticate(ctx, hash)
		if errs.Is(err, errs.NotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token revoked by another process still authenticates here after a minute (AccessCacheTTL is %s)", store.AccessCacheTTL)
		}
		time.Sleep(100 * time.Millisecond) // a poll: the loop ends on the condition
	}
}
