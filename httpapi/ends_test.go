package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// An actor's relationships, when the query asks for their other ends,
// bring those ends in the same statement: the ends cost no statement of
// their own, and a confidential end read so is audited like any other
// confidential read. When the query does not ask for them, they are not
// read (nor audited).
func TestRelationshipEndsComeWithTheRelationshipsAndAreAudited(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("ends")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "sensitivity": "PUBLIC"})
	union := a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Underground union", "sensitivity": "CONFIDENTIAL"})
	elders := a.CreateActor(ws, map[string]any{"kind": "CUSTOMARY_AUTHORITY", "name": "Elders", "sensitivity": "PUBLIC"})
	a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": union, "strength": 0.9, "sensitivity": "PUBLIC"})
	a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": elders, "strength": 0.4, "sensitivity": "PUBLIC"})
	editor, _ := a.CreateToken(ws, "EDITOR", "")
	owner, _ := a.CreateToken(ws, "OWNER", "")

	type readRecord struct{ Operation, Kind, Digest string }
	newestRead := func() *readRecord {
		var out struct {
			Workspace struct {
				AuditLog struct {
					Edges []struct{ Node readRecord }
				}
			}
		}
		a.As(owner).OK(`query($ws: ID!) { workspace(id: $ws) { auditLog(first: 20) { edges { node { operation kind digest } } } } }`,
			map[string]any{"ws": ws}, &out)
		for _, e := range out.Workspace.AuditLog.Edges {
			if e.Node.Kind == "READ" {
				return &e.Node
			}
		}
		return nil
	}

	a.As(editor).OK(`{ viewer { subject } }`, nil, nil) // the token verified (then remembered), outside the count

	// Asked for: two statements (the actor, its relationships with their
	// ends) and the audit record, where the ends would take one more.
	before := st.QueryCount()
	var got struct {
		Actor struct {
			Relationships struct {
				Edges []struct {
					Node struct{ To struct{ Name string } }
				}
			}
		}
	}
	a.As(editor).OK(`query Ends($id: ID!) { actor(id: $id) { relationships(direction: OUT) { edges { node { to { name } } } } } }`,
		map[string]any{"id": village}, &got)
	if n := st.QueryCount() - before; n != 3 {
		t.Errorf("the relationships with their ends took %d statements, want 3 (actor, relationships with ends, audit record)", n)
	}
	names := map[string]bool{}
	for _, e := range got.Actor.Relationships.Edges {
		names[e.Node.To.Name] = true
	}
	if len(names) != 2 || !names["Underground union"] || !names["Elders"] {
		t.Fatalf("the ends: %+v", got)
	}
	h := sha256.Sum256([]byte(union + "\x00"))
	if r := newestRead(); r == nil || r.Operation != "query Ends { actor }" || r.Digest != hex.EncodeToString(h[:]) {
		t.Fatalf("audit record of the read: %+v, want one of the confidential end %s", r, union)
	}

	// Not asked for (only from, the actor itself): the ends are not read,
	// so nothing confidential is, and no record is added.
	a.As(editor).OK(`query NoEnds($id: ID!) { actor(id: $id) { relationships(direction: OUT) { edges { node { id from { name } } } } } }`,
		map[string]any{"id": village}, nil)
	if r := newestRead(); r == nil || r.Operation != "query Ends { actor }" {
		t.Errorf("a read that did not ask for the confidential end was audited as reading it: %+v", r)
	}
}

// fromId and toId are the ids `from { id }` and `to { id }` give, read
// without a statement for the ends: a drawing that already holds the
// actors pages through relationships at the cost of the relationships.
func TestRelationshipEndIdsAreTheEndsWithoutReadingThem(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("end ids")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "sensitivity": "PUBLIC"})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police", "sensitivity": "PUBLIC"})
	elders := a.CreateActor(ws, map[string]any{"kind": "CUSTOMARY_AUTHORITY", "name": "Elders", "sensitivity": "PUBLIC"})
	a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": elders, "strength": 0.8, "sensitivity": "PUBLIC"})
	a.CreateRelationship(map[string]any{"type": "CONTROLS", "from": police, "to": village, "strength": 0.7, "sensitivity": "PUBLIC"})
	analyst, _ := a.CreateToken(ws, "ANALYST", "")

	type rel struct {
		ID, FromID, ToID string
		From, To         struct{ ID string }
	}
	list := func(as *apitest.API, fields string) ([]rel, int64) {
		var out struct {
			Workspace struct {
				Relationships struct{ Edges []struct{ Node rel } }
			}
		}
		before := st.QueryCount()
		as.OK(`query($ws: ID!) { workspace(id: $ws) { relationships(first: 10) { edges { node { `+fields+` } } } } }`,
			map[string]any{"ws": ws}, &out)
		var rels []rel
		for _, e := range out.Workspace.Relationships.Edges {
			rels = append(rels, e.Node)
		}
		return rels, st.QueryCount() - before
	}
	both, _ := list(a.As(analyst), "id fromId toId from { id } to { id }")
	if len(both) != 2 {
		t.Fatalf("want the 2 relationships, got %+v", both)
	}
	for _, r := range both {
		if r.FromID == "" || r.FromID != r.From.ID || r.ToID != r.To.ID {
			t.Errorf("relationship %s: fromId %q toId %q, but from { id } %q to { id } %q", r.ID, r.FromID, r.ToID, r.From.ID, r.To.ID)
		}
	}
	// A relationship whose end the caller cannot see is not listed, so
	// its fromId or toId never names that actor.
	secret := a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Underground union", "sensitivity": "CONFIDENTIAL"})
	a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": secret, "strength": 0.9, "sensitivity": "PUBLIC"})
	public, _ := a.CreateToken(ws, "ANALYST", "PUBLIC")
	var seen struct {
		Workspace struct {
			Relationships struct{ Edges []struct{ Node rel } }
		}
	}
	a.As(public).OK(`query($ws: ID!) { workspace(id: $ws) { relationships(first: 10) { edges { node { id fromId toId } } } } }`, map[string]any{"ws": ws}, &seen)
	if n := len(seen.Workspace.Relationships.Edges); n != 2 {
		t.Errorf("a PUBLIC analyst sees %d relationships, want the 2 between actors it may see", n)
	}
	for _, e := range seen.Workspace.Relationships.Edges {
		if e.Node.FromID == secret || e.Node.ToID == secret {
			t.Errorf("relationship %s names the CONFIDENTIAL actor to a PUBLIC analyst", e.Node.ID)
		}
	}
	// Counted as the admin, whose token the service checks without a
	// statement: an analyst's is read again once its cache entry is 2 s
	// old (store.AccessCacheTTL), which a busy machine can reach between
	// two requests. (The admin's ends, the CONFIDENTIAL one among them,
	// are also audited: one statement more for the ends.)
	_, withEnds := list(a, "id from { id } to { id }")
	_, withIds := list(a, "id fromId toId")
	t.Logf("statements: with the ends %d, with their ids %d", withEnds, withIds)
	if withIds >= withEnds {
		t.Errorf("fromId/toId took %d statements, from/to %d: the ids should not read the ends", withIds, withEnds)
	}
}
