package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/httpapi"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Access control over HTTP, against the real Neo4j: tokens of each role
// against the operations, reads across workspaces and above clearance by
// id, by list, by count and through analyses, the audit log, exports and
// signed links.

// accessFixture is one workspace with a record of each sensitivity, a
// second workspace, and a token for each role.
type accessFixture struct {
	admin                          *apitest.API
	ws, other                      string
	public, restricted, secret     string // actors of ws, by sensitivity
	threat, hiddenAccount, toHider string // relationships: public THREATENS, confidential ACCOUNTABLE_TO, public rel to the confidential actor
	source, secretSource           string
	tokens                         map[string]string // role → secret
	subjects                       map[string]string // role → subject
	otherOwner                     string
}

func newAccessFixture(t *testing.T) *accessFixture {
	st := storetest.Open(t)
	a := apitest.New(t, st)
	f := &accessFixture{admin: a, tokens: map[string]string{}, subjects: map[string]string{}}
	f.ws = a.CreateWorkspace("access")
	f.other = a.CreateWorkspace("access other")
	f.source = a.CreateSource(f.ws, "Public report", "PUBLIC")
	f.secretSource = a.CreateSource(f.ws, "Interview notes", "CONFIDENTIAL")
	f.public = a.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Riverside", "sensitivity": "PUBLIC", "sourceIds": []string{f.source, f.secretSource}})
	f.restricted = a.CreateActor(f.ws, map[string]any{"kind": "SECURITY_FORCE", "name": "District police", "forceType": "POLICE"})
	f.secret = a.CreateActor(f.ws, map[string]any{"kind": "MOVEMENT", "name": "Underground union", "sensitivity": "CONFIDENTIAL"})
	f.threat = a.CreateRelationship(map[string]any{"type": "THREATENS", "from": f.restricted, "to": f.public, "strength": 0.8, "sensitivity": "PUBLIC"})
	// The one route by which Riverside can hold the police to account is confidential.
	f.hiddenAccount = a.CreateRelationship(map[string]any{"type": "ACCOUNTABLE_TO", "from": f.restricted, "to": f.public, "strength": 0.9, "sensitivity": "CONFIDENTIAL"})
	// A public relationship whose other end is confidential: it must hide with its end.
	f.toHider = a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": f.public, "to": f.secret, "strength": 0.9, "sensitivity": "PUBLIC"})
	for _, role := range []string{"VIEWER", "ANALYST", "EDITOR", "OWNER"} {
		f.tokens[role], f.subjects[role] = a.CreateToken(f.ws, role, "")
	}
	f.otherOwner, _ = a.CreateToken(f.other, "OWNER", "")
	return f
}

// seen is what a caller sees of the fixture's workspace through every
// read path.
type seen struct {
	Actors, Relationships, Sources []string // by list
	ActorCount, RelCount           int      // by count
	TotalActors, TotalRels         int      // totalCount
	ByID                           []string // actors and relationships found by id
	Nodes                          []string // found through node(id)
	Neighbours                     []string // relationships of the public actor
	Cited                          []string // sources the public actor cites
}

func (f *accessFixture) seenBy(t *testing.T, token string) seen {
	t.Helper()
	a := f.admin.As(token)
	var out struct {
		Workspace struct {
			ActorCount, RelationshipCount int
			Actors                        struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
			Relationships struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
			Sources struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { actorCount relationshipCount
		actors { totalCount edges { node { id } } } relationships { totalCount edges { node { id } } } sources { edges { node { id } } } } }`,
		map[string]any{"ws": f.ws}, &out)
	var s seen
	w := out.Workspace
	s.ActorCount, s.RelCount, s.TotalActors, s.TotalRels = w.ActorCount, w.RelationshipCount, w.Actors.TotalCount, w.Relationships.TotalCount
	for _, e := range w.Actors.Edges {
		s.Actors = append(s.Actors, e.Node.ID)
	}
	for _, e := range w.Relationships.Edges {
		s.Relationships = append(s.Relationships, e.Node.ID)
	}
	for _, e := range w.Sources.Edges {
		s.Sources = append(s.Sources, e.Node.ID)
	}
	for _, id := range []string{f.public, f.restricted, f.secret} {
		if r := a.Do(`query($id: ID!) { actor(id: $id) { id } }`, map[string]any{"id": id}); r.Code() == "" {
			s.ByID = append(s.ByID, id)
		} else {
			f.checkNotFound(t, r, id)
		}
	}
	for _, id := range []string{f.threat, f.hiddenAccount, f.toHider} {
		if r := a.Do(`query($id: ID!) { relationship(id: $id) { id } }`, map[string]any{"id": id}); r.Code() == "" {
			s.ByID = append(s.ByID, id)
		} else {
			f.checkNotFound(t, r, id)
		}
	}
	for _, id := range []string{f.public, f.secret, f.hiddenAccount, f.secretSource} {
		if r := a.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}); r.Code() == "" {
			s.Nodes = append(s.Nodes, id)
		} else {
			f.checkNotFound(t, r, id)
		}
	}
	var pub struct {
		Actor *struct {
			Sources       []struct{ ID string }
			Relationships struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	r := a.Do(`query($id: ID!) { actor(id: $id) { sources { id } relationships { edges { node { id } } } } }`, map[string]any{"id": f.public})
	if r.Code() == "" {
		_ = json.Unmarshal(r.Data, &pub)
		for _, x := range pub.Actor.Sources {
			s.Cited = append(s.Cited, x.ID)
		}
		for _, e := range pub.Actor.Relationships.Edges {
			s.Neighbours = append(s.Neighbours, e.Node.ID)
		}
	}
	for _, l := range [][]string{s.Actors, s.Relationships, s.Sources, s.ByID, s.Nodes, s.Neighbours, s.Cited} {
		sort.Strings(l)
	}
	return s
}

// checkNotFound asserts that a hidden id is answered exactly as an id that
// does not exist: NOT_FOUND, with a message that names only the id asked.
func (f *accessFixture) checkNotFound(t *testing.T, r apitest.Response, id string) {
	t.Helper()
	if r.Code() != "NOT_FOUND" {
		t.Errorf("%s: %+v, want NOT_FOUND", id, r.Errors)
		return
	}
	kind := map[string]string{"ws_": "workspace", "act": "actor", "rel": "relationship", "src": "source"}[id[:3]]
	// (An argument's lookup names the argument first: "center: no actor …".)
	if want := fmt.Sprintf("no %s has id %q", kind, id); r.Errors[0].Message != want && !strings.HasSuffix(r.Errors[0].Message, ": "+want) {
		t.Errorf("NOT_FOUND for %s says %q, not what an unknown id gets (%q)", id, r.Errors[0].Message, want)
	}
}

func sorted(ids ...string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func TestEveryReadPathSeesOnlyTheCallersClearance(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	publicOnly := seen{
		Actors: sorted(f.public), Relationships: nil, Sources: sorted(f.source),
		ActorCount: 1, RelCount: 0, TotalActors: 1, TotalRels: 0,
		ByID: sorted(f.public), Nodes: sorted(f.public), Neighbours: nil, Cited: sorted(f.source),
	}
	// The analyst sees the police (RESTRICTED) and so the public threat,
	// but neither the confidential route nor the union.
	restricted := seen{
		Actors: sorted(f.public, f.restricted), Relationships: sorted(f.threat), Sources: sorted(f.source),
		ActorCount: 2, RelCount: 1, TotalActors: 2, TotalRels: 1,
		ByID: sorted(f.public, f.restricted, f.threat), Nodes: sorted(f.public), Neighbours: sorted(f.threat), Cited: sorted(f.source),
	}
	everything := seen{
		Actors: sorted(f.public, f.restricted, f.secret), Relationships: sorted(f.threat, f.hiddenAccount, f.toHider),
		Sources:    sorted(f.source, f.secretSource),
		ActorCount: 3, RelCount: 3, TotalActors: 3, TotalRels: 3,
		ByID:       sorted(f.public, f.restricted, f.secret, f.threat, f.hiddenAccount, f.toHider),
		Nodes:      sorted(f.public, f.secret, f.hiddenAccount, f.secretSource),
		Neighbours: sorted(f.threat, f.hiddenAccount, f.toHider), Cited: sorted(f.source, f.secretSource),
	}
	for role, want := range map[string]seen{"VIEWER": publicOnly, "ANALYST": restricted, "EDITOR": everything, "OWNER": everything} {
		t.Run(role, func(t *testing.T) {
			if got := f.seenBy(t, f.tokens[role]); !reflect.DeepEqual(got, want) {
				t.Errorf("%s sees\n %+v\nwant\n %+v", role, got, want)
			}
		})
	}
	t.Run("a member's clearance can be lowered", func(t *testing.T) {
		owner := f.admin.As(f.tokens["OWNER"])
		owner.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: EDITOR, clearance: RESTRICTED) { clearance clearanceSet } }`,
			map[string]any{"ws": f.ws, "s": f.subjects["EDITOR"]}, nil)
		if got := f.seenBy(t, f.tokens["EDITOR"]); !reflect.DeepEqual(got, restricted) {
			t.Errorf("editor with RESTRICTED clearance sees %+v, want %+v", got, restricted)
		}
		// Nor can it write what it could not see.
		r := f.admin.As(f.tokens["EDITOR"]).Do(`mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "X", sensitivity: CONFIDENTIAL}) { id } }`,
			map[string]any{"ws": f.ws})
		if r.Code() != "FORBIDDEN" || r.Errors[0].Extensions["field"] != "sensitivity" {
			t.Errorf("editor wrote above its clearance: %+v", r.Errors)
		}
	})
	t.Run("another workspace's owner sees nothing of this one", func(t *testing.T) {
		other := f.admin.As(f.otherOwner)
		r := other.Do(`query($ws: ID!) { workspace(id: $ws) { id } }`, map[string]any{"ws": f.ws})
		f.checkNotFound(t, r, f.ws)
		unknown := other.Do(`query { workspace(id: "ws_00000000-0000-7000-8000-000000000000") { id } }`, nil)
		if strings.Replace(r.Errors[0].Message, f.ws, "ID", 1) != strings.Replace(unknown.Errors[0].Message, "ws_00000000-0000-7000-8000-000000000000", "ID", 1) {
			t.Errorf("a hidden workspace answers %q, an unknown one %q", r.Errors[0].Message, unknown.Errors[0].Message)
		}
		for _, id := range []string{f.public, f.threat, f.source} {
			f.checkNotFound(t, other.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}), id)
		}
		var list struct{ Workspaces []struct{ ID string } }
		other.OK(`{ workspaces { id } }`, nil, &list)
		if len(list.Workspaces) != 1 || list.Workspaces[0].ID != f.other {
			t.Errorf("workspaces of the other owner: %+v", list.Workspaces)
		}
		r = other.Do(`mutation($id: ID!) { updateActor(id: $id, input: {name: "pwned"}) { id } }`, map[string]any{"id": f.public})
		f.checkNotFound(t, r, f.public)
		r = other.Do(`mutation($a: ID!, $b: ID!) { createRelationship(input: {type: TRUSTS, from: $a, to: $b, strength: 0.5}) { id } }`,
			map[string]any{"a": f.public, "b": f.restricted})
		if r.Code() != "NOT_FOUND" {
			t.Errorf("relationship into a foreign workspace: %+v", r.Errors)
		}
	})
}

// gapCount is how many accountability gaps the caller sees in ws.
func gapCount(t *testing.T, a *apitest.API, ws string) int {
	t.Helper()
	var out struct {
		Workspace struct{ AccountabilityGaps struct{ TotalCount int } }
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { accountabilityGaps { totalCount } } }`, map[string]any{"ws": ws}, &out)
	return out.Workspace.AccountabilityGaps.TotalCount
}

func TestAnalysesRunOnTheVisibleGraph(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	// The analyst cannot see the confidential route, so for it the police
	// threaten Riverside with no way to hold them to account; the editor
	// sees the route, and no gap. Both ask the same engine, one after the
	// other, so a cached projection must not cross clearances either way.
	for i := 0; i < 2; i++ {
		if n := gapCount(t, f.admin.As(f.tokens["ANALYST"]), f.ws); n != 1 {
			t.Errorf("analyst sees %d gaps, want 1 (the confidential route is hidden from it)", n)
		}
		if n := gapCount(t, f.admin.As(f.tokens["EDITOR"]), f.ws); n != 0 {
			t.Errorf("editor sees %d gaps, want 0 (it sees the route)", n)
		}
	}
	var routes struct {
		Workspace struct{ AccountabilityRoutes []struct{ Strength float64 } }
	}
	f.admin.As(f.tokens["ANALYST"]).OK(`query($ws: ID!, $a: ID!, $b: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $a, to: $b) { strength } } }`,
		map[string]any{"ws": f.ws, "a": f.public, "b": f.restricted}, &routes)
	if len(routes.Workspace.AccountabilityRoutes) != 0 {
		t.Errorf("the analyst found routes through a hidden relationship: %+v", routes)
	}
	var sub struct {
		Workspace struct {
			Subgraph struct {
				Actors        []struct{ ID string }
				Relationships []struct{ ID string }
			}
		}
	}
	f.admin.As(f.tokens["ANALYST"]).OK(`query($ws: ID!, $c: ID!) { workspace(id: $ws) { subgraph(center: $c, depth: 2) { actors { id } relationships { id } } } }`,
		map[string]any{"ws": f.ws, "c": f.public}, &sub)
	if len(sub.Workspace.Subgraph.Actors) != 2 || len(sub.Workspace.Subgraph.Relationships) != 1 {
		t.Errorf("analyst's subgraph: %+v", sub)
	}
	r := f.admin.As(f.tokens["ANALYST"]).Do(`query($ws: ID!, $c: ID!) { workspace(id: $ws) { subgraph(center: $c) { actors { id } } } }`,
		map[string]any{"ws": f.ws, "c": f.secret})
	f.checkNotFound(t, r, f.secret)
}

func TestRolesAgainstOperations(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	type op struct {
		name  string
		query string
		vars  map[string]any
		min   string // the lowest role allowed
	}
	ws := map[string]any{"ws": f.ws}
	square := f.admin.CreateActor(f.ws, map[string]any{"kind": "CUSTOMARY_AUTHORITY", "name": "Market square elders", "sensitivity": "PUBLIC"})
	ops := []op{
		{"read the map", `query($ws: ID!) { workspace(id: $ws) { name actors { totalCount } } }`, ws, "VIEWER"},
		{"viewer", `{ viewer { subject memberships { role clearance } } }`, nil, "VIEWER"},
		{"gaps", `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps { totalCount } } }`, ws, "ANALYST"},
		{"brokers", `query($ws: ID!) { workspace(id: $ws) { brokers { actor { id } } } }`, ws, "ANALYST"},
		{"gap closures", `query($ws: ID!) { workspace(id: $ws) { gapClosures { closes { __typename } } } }`, ws, "ANALYST"},
		{"export path", `query($ws: ID!) { workspace(id: $ws) { exportPath(format: CSV) } }`, ws, "ANALYST"},
		{"export link", `mutation($ws: ID!) { createExportLink(workspace: $ws, format: GEXF) { url } }`, ws, "ANALYST"},
		{"create actor", `mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "New"}) { id } }`, ws, "EDITOR"},
		{"update actor", `mutation($id: ID!) { updateActor(id: $id, input: {description: "edited"}) { id } }`, map[string]any{"id": f.public}, "EDITOR"},
		{"create source", `mutation($ws: ID!) { createSource(workspace: $ws, input: {title: "T", kind: REPORT}) { id } }`, ws, "EDITOR"},
		{"update source", `mutation($id: ID!) { updateSource(id: $id, input: {title: "Public report, revised"}) { id } }`, map[string]any{"id": f.source}, "EDITOR"},
		{"create relationship", `mutation($a: ID!, $b: ID!) { createRelationship(input: {type: DIALOGUE, from: $a, to: $b, strength: 0.5}) { id } }`, map[string]any{"a": f.public, "b": square}, "EDITOR"},
		{"subgraph", `query($ws: ID!, $c: ID!) { workspace(id: $ws) { subgraph(center: $c) { actors { id } } } }`, map[string]any{"ws": f.ws, "c": f.public}, "ANALYST"},
		{"routes", `query($ws: ID!, $c: ID!, $d: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $c, to: $d) { strength } } }`, map[string]any{"ws": f.ws, "c": f.public, "d": square}, "ANALYST"},
		{"set member", `mutation($ws: ID!) { setMember(workspace: $ws, subject: "token:someone", role: VIEWER) { role } }`, ws, "OWNER"},
		{"remove member", `mutation($ws: ID!) { setMember(workspace: $ws, subject: "token:gone", role: VIEWER) { role } removeMember(workspace: $ws, subject: "token:gone") }`, ws, "OWNER"},
		{"members", `query($ws: ID!) { workspace(id: $ws) { members { subject role } } }`, ws, "OWNER"},
		{"tokens", `query($ws: ID!) { workspace(id: $ws) { tokens { id name } } }`, ws, "OWNER"},
		{"audit log", `query($ws: ID!) { workspace(id: $ws) { auditLog { totalCount } } }`, ws, "OWNER"},
		{"create token", `mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "n", role: VIEWER}) { secret } }`, ws, "OWNER"},
		{"rename workspace", `mutation($ws: ID!) { updateWorkspace(id: $ws, input: {name: "access"}) { id } }`, ws, "OWNER"},
		{"create workspace", `mutation { createWorkspace(input: {name: "mine"}) { id } }`, nil, "ADMIN"},
	}
	t.Cleanup(func() { deleteWorkspacesNamed(t, f.admin, "mine") })
	roles := []string{"VIEWER", "ANALYST", "EDITOR", "OWNER", "ADMIN"}
	rank := map[string]int{}
	for i, r := range roles {
		rank[r] = i
	}
	for _, o := range ops {
		for _, role := range roles[:4] {
			r := f.admin.As(f.tokens[role]).Do(o.query, o.vars)
			allowed := rank[role] >= rank[o.min]
			switch {
			case allowed && r.Code() != "":
				t.Errorf("%s as %s: %+v, want allowed", o.name, role, r.Errors)
			case !allowed && r.Code() != "FORBIDDEN":
				t.Errorf("%s as %s: %+v, want FORBIDDEN", o.name, role, r.Errors)
			case !allowed && !strings.Contains(r.Errors[0].Message, o.min):
				t.Errorf("%s as %s: message %q does not name the role needed (%s)", o.name, role, r.Errors[0].Message, o.min)
			}
		}
		if r := f.admin.Do(o.query, o.vars); r.Code() != "" {
			t.Errorf("%s as admin: %+v", o.name, r.Errors)
		}
	}
	t.Run("imports need an editor who sees everything", func(t *testing.T) {
		files := []apitest.Upload{{Name: "actors.csv", Data: []byte("kind,name\nCOMMUNITY,Hilltop\n")}}
		for role, want := range map[string]string{"ANALYST": "FORBIDDEN", "EDITOR": ""} {
			_, r := f.admin.As(f.tokens[role]).ImportFiles(map[string]any{"ws": f.ws}, files, true)
			if r.Code() != want {
				t.Errorf("import as %s: %+v, want %q", role, r.Errors, want)
			}
		}
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	post := func(header string) (int, apitest.Response) {
		req, _ := http.NewRequest(http.MethodPost, f.admin.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { subject } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r apitest.Response
		_ = json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, r
	}
	for name, header := range map[string]string{
		"no header":       "",
		"not bearer":      "Basic dXNlcjpwYXNz",
		"unknown token":   "Bearer agt_" + strings.Repeat("A", 43),
		"not ours":        "Bearer hello",
		"malformed JWT":   "Bearer a.b.c",
		"admin token cut": "Bearer " + apitest.AdminToken[:len(apitest.AdminToken)-1],
	} {
		status, r := post(header)
		if status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s: %d %+v, want 401 UNAUTHENTICATED", name, status, r)
		}
	}
	if status, r := post("Bearer " + f.tokens["VIEWER"]); status != 200 || r.Code() != "" {
		t.Fatalf("viewer token: %d %+v", status, r)
	}
	// Revoking takes effect on the next request.
	var list struct {
		Workspace struct {
			Tokens []struct{ ID, Subject string }
		}
	}
	owner := f.admin.As(f.tokens["OWNER"])
	owner.OK(`query($ws: ID!) { workspace(id: $ws) { tokens { id subject } } }`, map[string]any{"ws": f.ws}, &list)
	var viewerID string
	for _, tk := range list.Workspace.Tokens {
		if tk.Subject == f.subjects["VIEWER"] {
			viewerID = tk.ID
		}
	}
	if viewerID == "" {
		t.Fatalf("the owner's token list lacks the viewer's token: %+v", list)
	}
	if r := f.admin.As(f.otherOwner).Do(`mutation($id: ID!) { revokeToken(id: $id) { id } }`, map[string]any{"id": viewerID}); r.Code() != "NOT_FOUND" {
		t.Errorf("another workspace's owner revoked a token: %+v", r)
	}
	owner.OK(`mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": viewerID}, nil)
	if status, r := post("Bearer " + f.tokens["VIEWER"]); status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
		t.Errorf("revoked token: %d %+v", status, r)
	}
	// The secret is stored only as a hash.
	raw, _ := json.Marshal(dumpTokens(t, f.admin))
	if strings.Contains(string(raw), f.tokens["OWNER"]) || strings.Contains(string(raw), f.tokens["OWNER"][4:]) {
		t.Error("a token's secret is stored in Neo4j")
	}
	// And never logged.
	for _, e := range f.admin.Logs.All() {
		if strings.Contains(fmt.Sprint(e.ContextMap(), e.Message), f.tokens["OWNER"][4:]) {
			t.Errorf("a token's secret reached the log: %v", e.ContextMap())
		}
	}
}

// dumpTokens returns every property of every token node, as the database
// holds them.
func dumpTokens(t *testing.T, a *apitest.API) []map[string]any {
	ts, err := a.Store.Tokens(storetest.Ctx(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(ts))
	for i, tk := range ts {
		b, _ := json.Marshal(tk)
		_ = json.Unmarshal(b, &out[i])
	}
	return out
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	editor := f.admin.As(f.tokens["EDITOR"])
	created := editor.CreateActor(f.ws, map[string]any{"kind": "COMMUNITY", "name": "Audited"})
	// The editor reads the confidential actor (and, through the public
	// actor, the confidential source): one record, with the count and a
	// digest of the ids.
	editor.OK(`query ReadSecrets($a: ID!, $b: ID!) { a: actor(id: $a) { name } b: actor(id: $b) { sources { title } } }`,
		map[string]any{"a": f.secret, "b": f.public}, nil)
	// A viewer's read touches nothing confidential: no record.
	f.admin.As(f.tokens["VIEWER"]).OK(`query ReadPublic($a: ID!) { actor(id: $a) { name } }`, map[string]any{"a": f.public}, nil)

	var out struct {
		Workspace struct {
			AuditLog struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Subject, Operation, Kind, Digest string
						IDs                              []string `json:"ids"`
						Count                            int
					}
				}
			}
		}
	}
	f.admin.As(f.tokens["OWNER"]).OK(`query($ws: ID!) { workspace(id: $ws) { auditLog(first: 100) { totalCount edges { node { subject operation kind ids count digest } } } } }`,
		map[string]any{"ws": f.ws}, &out)
	log := out.Workspace.AuditLog
	if log.TotalCount != len(log.Edges) {
		t.Fatalf("totalCount %d, %d edges", log.TotalCount, len(log.Edges))
	}
	newest := log.Edges[0].Node
	want := sorted(f.public, f.secret, f.secretSource)
	var confidential []string
	for _, id := range want {
		if id != f.public {
			confidential = append(confidential, id)
		}
	}
	h := sha256.New()
	for _, id := range confidential {
		h.Write([]byte(id + "\x00"))
	}
	if newest.Kind != "READ" || newest.Operation != "query ReadSecrets { actor }" || newest.Subject != f.subjects["EDITOR"] ||
		newest.Count != 2 || len(newest.IDs) != 0 || newest.Digest != hex.EncodeToString(h.Sum(nil)) {
		t.Errorf("newest record %+v, want the editor's read of 2 confidential records", newest)
	}
	write := log.Edges[1].Node
	if write.Kind != "WRITE" || write.Operation != "createActor" || write.Subject != f.subjects["EDITOR"] ||
		!reflect.DeepEqual(write.IDs, []string{created}) || write.Count != 1 {
		t.Errorf("record of the editor's write: %+v", write)
	}
	ops := map[string]int{}
	for _, e := range log.Edges {
		ops[e.Node.Operation]++
	}
	for op, n := range map[string]int{"createWorkspace": 1, "createActor": 4, "createRelationship": 3, "createSource": 2, "createToken": 4} {
		if ops[op] != n {
			t.Errorf("%d %s records, want %d (log: %v)", ops[op], op, n, ops)
		}
	}
	// The audit log is append-only through the API: no mutation touches it.
	var schema struct {
		Type struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	f.admin.OK(`{ __type(name: "Mutation") { fields { name } } }`, nil, &schema)
	for _, fl := range schema.Type.Fields {
		if strings.Contains(strings.ToLower(fl.Name), "audit") {
			t.Errorf("mutation %s touches the audit log", fl.Name)
		}
	}
}

func TestExportsRespectClearanceAndLinks(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	get := func(token, path string) (int, string) {
		resp, err := f.admin.As(token).Get(path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	path := "/export/" + f.ws + ".jgf"
	status, body := get(f.tokens["ANALYST"], path)
	if status != 200 || !strings.Contains(body, "District police") || !strings.Contains(body, f.threat) {
		t.Errorf("analyst's export: %d %.300s", status, body)
	}
	for _, hidden := range []string{"Underground", f.secret, f.hiddenAccount, f.toHider, "Interview notes", f.secretSource} {
		if strings.Contains(body, hidden) {
			t.Errorf("the analyst's export holds %q, above its clearance", hidden)
		}
	}
	if status, _ := get(f.tokens["VIEWER"], path); status != http.StatusForbidden {
		t.Errorf("viewer's export: %d, want 403", status)
	}
	if status, _ := get("", path); status != http.StatusUnauthorized {
		t.Errorf("export without a token: %d, want 401", status)
	}
	if status, _ := get(f.otherOwner, path); status != http.StatusNotFound {
		t.Errorf("export by another workspace's owner: %d, want 404", status)
	}
	status, body = get(f.tokens["EDITOR"], path+"?pseudonymize=true")
	if status != 200 || strings.Contains(body, "Riverside") || strings.Contains(body, "Interview notes") || !strings.Contains(body, "COMMUNITY-") {
		t.Errorf("pseudonymised export: %d %.400s", status, body)
	}

	var link struct{ CreateExportLink struct{ URL string } }
	f.admin.As(f.tokens["ANALYST"]).OK(`mutation($ws: ID!) { createExportLink(workspace: $ws, format: JGF) { url } }`, map[string]any{"ws": f.ws}, &link)
	signed := link.CreateExportLink.URL
	status, body = get("", signed)
	if status != 200 || !strings.Contains(body, "District police") || strings.Contains(body, "Underground") {
		t.Errorf("signed link: %d %.300s", status, body)
	}
	u, _ := url.Parse(signed)
	q := u.Query()
	q.Set("cl", "CONFIDENTIAL")
	if status, _ := get("", u.Path+"?"+q.Encode()); status != http.StatusUnauthorized {
		t.Errorf("a link with its clearance raised: %d, want 401", status)
	}
	if status, _ := get("", strings.Replace(signed, ".jgf", ".gexf", 1)); status != http.StatusUnauthorized {
		t.Errorf("a link used for another format: %d, want 401", status)
	}
}

func TestProductionHidesTheSchema(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	// The production defaults as the configuration gives them.
	c, err := config.Load(func(k string) (string, bool) {
		if k == "ACTORGRAPH_ADMIN_TOKEN" {
			return apitest.AdminToken, true
		}
		return "", false
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := apitest.NewWith(t, st, httpapi.Options{HTTP: c.HTTP, GraphQL: c.GraphQL, Access: c.Access})
	if r := a.Do(`{ __schema { types { name } } }`, nil); r.Code() == "" {
		t.Error("introspection answers in production")
	}
	r := a.Do(`{ workspacez { id } }`, nil)
	if len(r.Errors) == 0 || strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Errorf("production suggests fields: %+v", r.Errors)
	}
	resp, err := http.Get(a.URL + "/graphiql")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GraphiQL in production: %d", resp.StatusCode)
	}
	// The explorer is served, with no token in it: the analyst signs in.
	resp, err = http.Get(a.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<meta name="actorgraph-token" content="">`) {
		t.Errorf("the explorer in production: %d %.300q, want 200 with an empty token", resp.StatusCode, page)
	}
	if r := apitest.New(t, st).Do(`{ workspacez { id } }`, nil); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Errorf("development gives no suggestions: %+v", r.Errors)
	}
}

// deleteWorkspacesNamed deletes what a test created through the API
// without learning its id.
func deleteWorkspacesNamed(t *testing.T, a *apitest.API, name string) {
	all, err := a.Store.Workspaces(storetest.Ctx())
	if err != nil {
		t.Error(err)
		return
	}
	for _, w := range all {
		if w.Name == name {
			_, _ = a.Store.DeleteWorkspace(storetest.Ctx(), w.ID)
		}
	}
}

func TestNobodyGrantsAboveTheirOwnClearance(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	// The admin lowers the owner's clearance; the owner then tries to win it back.
	f.admin.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: OWNER, clearance: RESTRICTED) { clearance } }`,
		map[string]any{"ws": f.ws, "s": f.subjects["OWNER"]}, nil)
	owner := f.admin.As(f.tokens["OWNER"])
	for name, q := range map[string]string{
		"own clearance back":        `mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: OWNER) { clearance } }`,
		"a member above itself":     `mutation($ws: ID!) { setMember(workspace: $ws, subject: "token:x", role: VIEWER, clearance: CONFIDENTIAL) { clearance } }`,
		"an owner token by default": `mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "n", role: OWNER}) { secret } }`,
		"an editor token":           `mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "n", role: EDITOR}) { secret } }`,
	} {
		vars := map[string]any{"ws": f.ws}
		if strings.Contains(q, "$s") {
			vars["s"] = f.subjects["OWNER"]
		}
		r := owner.Do(q, vars)
		if r.Code() != "FORBIDDEN" || r.Errors[0].Extensions["field"] != "clearance" {
			t.Errorf("%s: %+v, want FORBIDDEN on clearance", name, r.Errors)
		}
	}
	owner.OK(`mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "n", role: EDITOR, clearance: RESTRICTED}) { secret } }`,
		map[string]any{"ws": f.ws}, nil)
	// Audit records name every record written, whatever its level: a
	// lowered owner does not read them.
	if r := owner.Do(`query($ws: ID!) { workspace(id: $ws) { auditLog { totalCount } } }`, map[string]any{"ws": f.ws}); r.Code() != "FORBIDDEN" {
		t.Errorf("lowered owner read the audit log: %+v", r.Errors)
	}
}

func TestLoweredEditorsLeaveHiddenRecordsAlone(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	f.admin.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: EDITOR, clearance: RESTRICTED) { clearance } }`,
		map[string]any{"ws": f.ws, "s": f.subjects["EDITOR"]}, nil)
	editor := f.admin.As(f.tokens["EDITOR"])
	// The public actor cites a confidential source the editor cannot see:
	// editing the actor works, names no hidden id, and keeps the citation.
	r := editor.Do(`mutation($id: ID!, $src: [ID!]) { updateActor(id: $id, input: {description: "edited", sourceIds: $src}) { id } }`,
		map[string]any{"id": f.public, "src": []string{f.source}})
	if r.Code() != "" {
		t.Fatalf("update of an actor citing a hidden source: %+v", r.Errors)
	}
	var out struct {
		Actor struct{ Sources []struct{ ID string } }
	}
	f.admin.OK(`query($id: ID!) { actor(id: $id) { sources { id } } }`, map[string]any{"id": f.public}, &out)
	if len(out.Actor.Sources) != 2 {
		t.Errorf("the hidden citation was dropped: %+v", out)
	}
	// Sending the hidden source's id back (the actor cites it) answers
	// what an unknown id answers, and changes nothing.
	dump := f.admin.Dump(f.ws)
	answer := func(src string) string {
		r := editor.Do(`mutation($id: ID!, $src: [ID!]) { updateActor(id: $id, input: {name: "probed", sourceIds: $src}) { id } }`,
			map[string]any{"id": f.public, "src": []string{f.source, src}})
		if len(r.Errors) == 0 {
			return "no error"
		}
		return fmt.Sprintf("%s %v %s", r.Code(), r.Errors[0].Extensions["field"], strings.ReplaceAll(r.Errors[0].Message, src, "<id>"))
	}
	const unknownSource = "src_000000000000000000000000"
	if hidden, unknown := answer(f.secretSource), answer(unknownSource); hidden != unknown || !strings.HasPrefix(unknown, "NOT_FOUND sourceIds ") {
		t.Errorf("a cited hidden source answers %q, an unknown one %q; want both NOT_FOUND on sourceIds, alike", hidden, unknown)
	}
	if after := f.admin.Dump(f.ws); after != dump {
		t.Errorf("a refused update changed the workspace:\n%s\n%s", dump, after)
	}
	// Deleting an actor would delete its relationships, seen or not.
	if r := editor.Do(`mutation($id: ID!) { deleteActor(id: $id) { id } }`, map[string]any{"id": f.public}); r.Code() != "FORBIDDEN" {
		t.Errorf("a lowered editor deleted an actor with hidden relationships: %+v", r.Errors)
	}
	if r := editor.Do(`mutation($id: ID!) { deleteSource(id: $id) { id } }`, map[string]any{"id": f.source}); r.Code() != "FORBIDDEN" {
		t.Errorf("a lowered editor deleted a source: %+v", r.Errors)
	}
	// External ids are unique across records it cannot see: a clash would
	// reveal one, so it sets none (and the answer is the same whether or
	// not a hidden record holds the id).
	f.admin.OK(`mutation($id: ID!) { updateActor(id: $id, input: {externalId: "informant-17"}) { id } }`, map[string]any{"id": f.secret}, nil)
	for _, ext := range []string{"informant-17", "free-id"} {
		r := editor.Do(`mutation($ws: ID!, $e: String!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "N", externalId: $e}) { id } }`,
			map[string]any{"ws": f.ws, "e": ext})
		if r.Code() != "FORBIDDEN" || r.Errors[0].Extensions["field"] != "externalId" {
			t.Errorf("a lowered editor set externalId %q: %+v", ext, r.Errors)
		}
	}
	r = editor.Do(`mutation($id: ID!) { updateActor(id: $id, input: {externalId: "informant-17"}) { id } }`, map[string]any{"id": f.public})
	if r.Code() != "FORBIDDEN" {
		t.Errorf("a lowered editor set an externalId by update: %+v", r.Errors)
	}
}

func TestDryRunImportsAreAuditedReads(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	editor := f.admin.As(f.tokens["EDITOR"])
	// A sync dry run lists what it would remove: every actor, the
	// confidential one included. That is a read, and is audited.
	files := []apitest.Upload{{Name: "actors.csv", Data: []byte("kind,name\n")}}
	_, r := editor.ImportFiles(map[string]any{"ws": f.ws, "dryRun": true, "sync": true}, files, true)
	if r.Code() != "" {
		t.Fatalf("dry run: %+v", r.Errors)
	}
	var out struct {
		Workspace struct {
			AuditLog struct {
				Edges []struct {
					Node struct{ Kind, Operation, Subject string }
				}
			}
		}
	}
	f.admin.OK(`query($ws: ID!) { workspace(id: $ws) { auditLog(first: 1) { edges { node { kind operation subject } } } } }`,
		map[string]any{"ws": f.ws}, &out)
	if n := out.Workspace.AuditLog.Edges; len(n) != 1 || n[0].Node.Kind != "READ" || !strings.Contains(n[0].Node.Operation, "importActorMap") ||
		n[0].Node.Subject != f.subjects["EDITOR"] {
		t.Errorf("newest audit record after a dry run: %+v", n)
	}
}

func TestPseudonymisedExportsHideIdsAndStayStable(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	f.admin.OK(`mutation($a: ID!, $s: ID!, $r: ID!) {
		updateActor(id: $a, input: {description: "Lives by the river bend", externalId: "c-riverside",
			customAttributes: [{key: "informant", value: "Amina from the ferry"}]}) { id }
		updateSource(id: $s, input: {url: "https://example.org/report-by-name"}) { id }
		updateRelationship(id: $r, input: {notes: "Reported by the headman's son",
			customAttributes: [{key: "witness", value: "the ferryman"}]}) { id } }`,
		map[string]any{"a": f.public, "s": f.source, "r": f.threat}, nil)
	export := func() string {
		resp, err := f.admin.As(f.tokens["EDITOR"]).Get("/export/" + f.ws + ".jgf?pseudonymize=true")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	first, second := export(), export()
	if first != second {
		t.Error("two pseudonymised exports of an unchanged workspace differ")
	}
	for _, leak := range []string{f.public, f.secret, f.threat, f.source, "Riverside", "Public report", "District police",
		"river bend", "c-riverside", "report-by-name", "headman", "informant", "Amina", "witness", "ferryman"} {
		if strings.Contains(first, leak) {
			t.Errorf("pseudonymised export holds %q", leak)
		}
	}
	for _, want := range []string{"COMMUNITY-", "SECURITY-FORCE-", "SOURCE-", "THREATENS", "CONFIDENTIAL"} {
		if !strings.Contains(first, want) {
			t.Errorf("pseudonymised export lacks %q: %.300s", want, first)
		}
	}
}

// A cross-site page can send "simple" requests without a preflight: form
// posts and text/plain bodies. They carry no bearer header, and even with
// one (a token the page somehow holds) the service takes GraphQL bodies
// only as JSON, so a simple request never runs a mutation.
func TestSimpleCrossSiteRequestsRunNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("csrf")
	mutation := `mutation { createActor(workspace: "` + ws + `", input: {kind: COMMUNITY, name: "Forged"}) { id } }`
	for ctype, body := range map[string]string{
		"application/x-www-form-urlencoded": url.Values{"query": {mutation}}.Encode(),
		"text/plain":                        `{"query":` + fmt.Sprintf("%q", mutation) + `}`,
		"multipart/form-data; boundary=x":   "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":" + fmt.Sprintf("%q", mutation) + "}\r\n--x--\r\n",
	} {
		for _, withToken := range []bool{false, true} {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			if withToken {
				a.Authorize(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Errorf("%s (token %v): HTTP %d", ctype, withToken, resp.StatusCode)
			}
		}
	}
	// A GET runs queries only, never a mutation.
	resp, err := a.Get("/graphql?query=" + url.QueryEscape(mutation))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := contents(t, a, ws); c != "0/0/0" {
		t.Errorf("a simple request wrote: %s", c)
	}
}

// auditOps returns the operations of a workspace's audit records, newest
// first, with their kinds, counts and ids.
type auditEntry struct {
	Kind, Operation, Digest string
	Count                   int
	IDs                     []string `json:"ids"`
}

func auditOps(t *testing.T, a *apitest.API, ws string) []auditEntry {
	t.Helper()
	var out struct {
		Workspace struct {
			AuditLog struct{ Edges []struct{ Node auditEntry } }
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { auditLog(first: 500) { edges { node { kind operation digest count ids } } } } }`, map[string]any{"ws": ws}, &out)
	var es []auditEntry
	for _, e := range out.Workspace.AuditLog.Edges {
		es = append(es, e.Node)
	}
	return es
}

func TestEveryKindOfWriteAndReadIsAudited(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	a := f.admin
	a.OK(`mutation($a: ID!, $r: ID!, $s: ID!) {
		updateActor(id: $a, input: {description: "d"}) { id }
		updateRelationship(id: $r, input: {strength: 0.7}) { id }
		updateSource(id: $s, input: {title: "t"}) { id } }`, map[string]any{"a": f.public, "r": f.threat, "s": f.source}, nil)
	a.OK(`mutation($r: ID!) { deleteRelationship(id: $r) { id } }`, map[string]any{"r": f.toHider}, nil)
	a.OK(`mutation($ws: ID!) { setMember(workspace: $ws, subject: "token:x", role: ANALYST) { role } removeMember(workspace: $ws, subject: "token:x") }`,
		map[string]any{"ws": f.ws}, nil)
	var csv strings.Builder
	csv.WriteString("kind,name\n")
	for i := 0; i < 150; i++ {
		fmt.Fprintf(&csv, "COMMUNITY,Village %d\n", i)
	}
	a.ImportOK(map[string]any{"ws": f.ws}, []apitest.Upload{{Name: "actors.csv", Data: []byte(csv.String())}})
	// Reads of confidential records: an analysis, an export.
	gapCount(t, a.As(f.tokens["EDITOR"]), f.ws)
	if resp, err := a.As(f.tokens["EDITOR"]).Get("/export/" + f.ws + ".csv"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("export: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	a.OK(`mutation($a: ID!) { deleteActor(id: $a) { id } }`, map[string]any{"a": f.secret}, nil)

	entries := auditOps(t, a, f.ws)
	got := map[string]auditEntry{}
	for _, e := range entries {
		if _, seen := got[e.Operation]; !seen {
			got[e.Operation] = e // the newest of each
		}
	}
	for _, op := range []string{"updateActor", "updateRelationship", "updateSource", "deleteRelationship", "setMember ANALYST RESTRICTED",
		"removeMember", "importActorMap", "deleteActor", "export csv", "query { workspace }"} {
		if _, ok := got[op]; !ok {
			t.Errorf("no audit record of %q among %d records", op, len(entries))
		}
	}
	if imp := got["importActorMap"]; imp.Kind != "WRITE" || imp.Count != 150 || len(imp.IDs) != 0 || len(imp.Digest) != 64 {
		t.Errorf("import of 150 actors audited as %+v: want a count and a digest, not the ids", imp)
	}
	// The analysis read the snapshot: the union and the hidden route.
	if r := got["query { workspace }"]; r.Kind != "READ" || r.Count != 2 {
		t.Errorf("an analysis over two confidential records audited as %+v", r)
	}
	// The export: the union, the hidden route, the interview notes.
	if e := got["export csv"]; e.Kind != "READ" || e.Count != 3 {
		t.Errorf("an export of three confidential records audited as %+v", e)
	}
	if d := got["deleteActor"]; d.Kind != "WRITE" || !reflect.DeepEqual(d.IDs, []string{f.secret}) {
		t.Errorf("deleteActor audited as %+v", d)
	}
}

// auditDown is the store with an audit log that cannot be written.
type auditDown struct{ *store.Neo4j }

func (auditDown) RecordReads(context.Context, string, string, []string) error {
	return errs.E("test", errs.Unavailable, "")
}

func TestConfidentialDataIsWithheldWhenTheAuditCannotBeWritten(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.NewWith(t, auditDown{st}, apitest.Options())
	ws := a.CreateWorkspace("audit down")
	secret := a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Hidden cell", "sensitivity": "CONFIDENTIAL"})
	public := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Open town", "sensitivity": "PUBLIC"})
	r := a.Do(`query($id: ID!) { actor(id: $id) { name } }`, map[string]any{"id": secret})
	if r.Code() != "SERVICE_UNAVAILABLE" || strings.Contains(string(r.Data), "Hidden cell") {
		t.Errorf("confidential read with the audit down: %s %+v", r.Data, r.Errors)
	}
	a.OK(`query($id: ID!) { actor(id: $id) { name } }`, map[string]any{"id": public}, nil)
	resp, err := a.Get("/export/" + ws + ".jgf")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || strings.Contains(string(b), "Hidden cell") {
		t.Errorf("export with the audit down: %d %.200s", resp.StatusCode, b)
	}
}

// Token names are printed on operators' terminals: createToken refuses a
// name with a control or invisible character, and creates nothing.
func TestCreateTokenRefusesUnprintableNames(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	owner := f.admin.As(f.tokens["OWNER"])
	const tokens = `query($ws: ID!) { workspace(id: $ws) { tokens { id name } } }`
	before := owner.Do(tokens, map[string]any{"ws": f.ws})
	for _, name := range []string{"ok\x1b[2J", "two\nlines", "lead\u202Enimda"} {
		r := owner.Do(`mutation($ws: ID!, $n: String!) { createToken(input: {workspace: $ws, name: $n, role: VIEWER}) { secret } }`,
			map[string]any{"ws": f.ws, "n": name})
		if r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "name" || !strings.Contains(r.Errors[0].Message, "printable") {
			t.Errorf("createToken named %q: %+v, want BAD_USER_INPUT on name", name, r.Errors)
		}
	}
	if after := owner.Do(tokens, map[string]any{"ws": f.ws}); string(after.Data) != string(before.Data) {
		t.Errorf("a refused createToken changed the tokens:\n%s\n%s", before.Data, after.Data)
	}
}

// Operations that reach records of every level refuse a lowered member
// in words that say what they do: reading the audit log is a read, and
// its refusal says so (it once said "cannot write a CONFIDENTIAL record").
func TestFullViewRefusalsSayWhatTheyDo(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	f.admin.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: OWNER, clearance: RESTRICTED) { clearance } }`,
		map[string]any{"ws": f.ws, "s": f.subjects["OWNER"]}, nil)
	owner := f.admin.As(f.tokens["OWNER"])
	before := f.admin.Dump(f.ws)
	cases := []struct {
		name  string
		do    func() apitest.Response
		words string
	}{
		{"audit log", func() apitest.Response {
			return owner.Do(`query($ws: ID!) { workspace(id: $ws) { auditLog { totalCount } } }`, map[string]any{"ws": f.ws})
		}, "Workspace.auditLog needs clearance CONFIDENTIAL in this workspace (yours is RESTRICTED): reading the audit log shows the ids of records of every level"},
		{"delete actor", func() apitest.Response {
			return owner.Do(`mutation($id: ID!) { deleteActor(id: $id) { id } }`, map[string]any{"id": f.public})
		}, "deleteActor needs clearance CONFIDENTIAL in this workspace (yours is RESTRICTED): deleting an actor deletes all its relationships"},
		{"delete source", func() apitest.Response {
			return owner.Do(`mutation($id: ID!) { deleteSource(id: $id) { id } }`, map[string]any{"id": f.source})
		}, "deleteSource needs clearance CONFIDENTIAL in this workspace (yours is RESTRICTED): deleting a source removes it"},
		{"import", func() apitest.Response {
			_, r := owner.ImportFiles(map[string]any{"ws": f.ws}, []apitest.Upload{{Name: "actors.csv", Data: []byte("kind,name\nCOMMUNITY,New\n")}}, true)
			return r
		}, "importActorMap needs clearance CONFIDENTIAL in this workspace (yours is RESTRICTED): an import reads every record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.do()
			if r.Code() != "FORBIDDEN" || !strings.HasPrefix(r.Errors[0].Message, c.words) || r.Errors[0].Extensions["field"] != nil {
				t.Errorf("%+v, want FORBIDDEN, no field, saying %q", r.Errors, c.words)
			}
		})
	}
	if after := f.admin.Dump(f.ws); after != before {
		t.Errorf("a refused operation changed the workspace:\n%s\n%s", before, after)
	}
}
