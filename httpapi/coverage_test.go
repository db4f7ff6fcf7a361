package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Tests for what no other test touched: panic recovery, myRole and
// myClearance, Query.source, every type's workspace field,
// Actor.relationships' filters, and duplicate external ids within one
// uploaded file. Each runs against the real Neo4j in its own workspaces.

// panicText is what the panicking store panics with. It looks like what a
// real panic carries (a message, a file path and a line), none of which
// may reach a client.
const panicText = "boom: secret-panic-detail at /home/dev/actorgraph/store/source.go:42"

// panicSourceID is the id whose lookup panics inside a loader's batch.
const panicSourceID = "src_00000000-0000-7000-8000-00000000dead"

// panickyStore is the real store, except that listing sources with
// first = panicFirst panics in the resolver's goroutine, and a batch
// lookup of sources that includes panicSourceID panics inside the
// dataloader's fetch.
type panickyStore struct{ store.Store }

const panicFirst = 13

func (p panickyStore) ListSources(ctx context.Context, ws string, q store.PageArgs) (*store.Page[*domain.Source], error) {
	if q.First == panicFirst {
		panic(panicText)
	}
	return p.Store.ListSources(ctx, ws, q)
}

func (p panickyStore) SourcesByIDs(ctx context.Context, ids []string) ([]*domain.Source, error) {
	if slices.Contains(ids, panicSourceID) {
		panic(panicText)
	}
	return p.Store.SourcesByIDs(ctx, ids)
}

// postRaw posts a GraphQL request as a and returns the status and the raw body.
func postRaw(t *testing.T, a *apitest.API, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	a.Authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// leaks lists what of a panic must never reach a client.
var leaks = []string{"secret-panic-detail", "boom", "/home/", ".go:", "goroutine", "panic", "runtime/"}

func TestResolverPanicsAnswerInternalErrorAndTheServiceGoesOn(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, panickyStore{storetest.Open(t)})
	ws := a.CreateWorkspace("recovery")
	src := a.CreateSource(ws, "Survey", "PUBLIC")

	// 1. A panic in a resolver (Workspace.sources calls the store itself).
	status, raw := postRaw(t, a, `query($ws: ID!) {
	  broken: workspace(id: $ws) { name sources(first: 13) { totalCount } }
	  intact: workspace(id: $ws) { name sources(first: 5) { totalCount edges { node { id title } } } }
	  viewer { admin } }`, map[string]any{"ws": ws})
	for _, leak := range leaks {
		if bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(leak))) {
			t.Errorf("the answer leaks %q: %s", leak, raw)
		}
	}
	var r struct {
		Data struct {
			Broken *struct{ Name string }
			Intact *struct {
				Name    string
				Sources struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID, Title string } }
				}
			}
			Viewer *struct{ Admin bool }
		}
		Errors []apitest.Error
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("HTTP %d, not JSON: %s", status, raw)
	}
	if status != http.StatusOK {
		t.Errorf("a panic in one field answered HTTP %d, want 200 with partial data", status)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("want exactly one error, for the panicking field: %s", raw)
	}
	e := r.Errors[0]
	if e.Extensions["code"] != "INTERNAL_SERVER_ERROR" || e.Message != "internal error" ||
		!reflect.DeepEqual(e.Path, []any{"broken", "sources"}) || len(e.Extensions) != 1 {
		t.Errorf("the panic's error: %+v, want INTERNAL_SERVER_ERROR, \"internal error\", path broken.sources, nothing else", e)
	}
	// The non-null connection nulls its workspace; the rest resolves.
	if r.Data.Broken != nil {
		t.Errorf("broken: %+v, want null (sources is non-null)", r.Data.Broken)
	}
	if r.Data.Intact == nil || r.Data.Intact.Name != "recovery" || r.Data.Intact.Sources.TotalCount != 1 ||
		len(r.Data.Intact.Sources.Edges) != 1 || r.Data.Intact.Sources.Edges[0].Node.ID != src || r.Data.Viewer == nil || !r.Data.Viewer.Admin {
		t.Errorf("the other fields of the request did not resolve: %s", raw)
	}
	// Logged in full: the panic's value, where, and the stack.
	logged := a.Logs.FilterMessage("resolver panicked").All()
	if len(logged) != 1 {
		t.Fatalf("%d \"resolver panicked\" log entries, want 1 (all: %d entries)", len(logged), a.Logs.Len())
	}
	f := logged[0].ContextMap()
	if logged[0].Level.String() != "error" || f["panic"] != panicText || f["path"] != "broken.sources" ||
		!strings.Contains(fmt.Sprint(f["stack"]), "panickyStore") {
		t.Errorf("the panic's log entry: level %s, fields %v", logged[0].Level, f)
	}

	// 2. A panic inside a dataloader's batch fetch (Query.source).
	status, raw = postRaw(t, a, `query($bad: ID!, $ws: ID!) { source(id: $bad) { id } workspace(id: $ws) { name } }`,
		map[string]any{"bad": panicSourceID, "ws": ws})
	for _, leak := range leaks {
		if bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(leak))) {
			t.Errorf("the loader panic's answer leaks %q: %s", leak, raw)
		}
	}
	var lr struct {
		Data struct {
			Source    *struct{ ID string }
			Workspace *struct{ Name string }
		}
		Errors []apitest.Error
	}
	if err := json.Unmarshal(raw, &lr); err != nil || status != http.StatusOK {
		t.Fatalf("loader panic: HTTP %d %s", status, raw)
	}
	if len(lr.Errors) != 1 || lr.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" || lr.Errors[0].Message != "internal error" ||
		lr.Data.Source != nil || lr.Data.Workspace == nil || lr.Data.Workspace.Name != "recovery" {
		t.Errorf("loader panic: %s", raw)
	}
	// The panic is logged with its value and stack, as a resolver's is,
	// and the request's failure at its path.
	panics := a.Logs.FilterMessage("loader panicked").All()
	if len(panics) != 1 || panics[0].Level.String() != "error" || panics[0].ContextMap()["loader"] != "sources" ||
		!strings.Contains(fmt.Sprint(panics[0].ContextMap()["panic"]), "secret-panic-detail") ||
		!strings.Contains(fmt.Sprint(panics[0].ContextMap()["stack"]), "panickyStore") {
		t.Errorf("the loader's panic was not logged with its value and stack: %v", panics)
	}
	var loggedLoader bool
	for _, entry := range a.Logs.FilterMessage("request failed").All() {
		f := entry.ContextMap()
		if entry.Level.String() == "error" && f["path"] == "source" && f["code"] == "INTERNAL_SERVER_ERROR" {
			loggedLoader = true
		}
	}
	if !loggedLoader {
		t.Errorf("the failure of the panicking loader was not logged: %v", a.Logs.All())
	}

	// 3. The service keeps serving, the same request shape included.
	var next struct {
		Workspace struct {
			Sources struct{ TotalCount int }
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { sources(first: 5) { totalCount } } }`, map[string]any{"ws": ws}, &next)
	if next.Workspace.Sources.TotalCount != 1 {
		t.Errorf("after the panics: %+v", next)
	}
	var again struct{ Source struct{ Title string } }
	a.OK(`query($id: ID!) { source(id: $id) { title } }`, map[string]any{"id": src}, &again)
	if again.Source.Title != "Survey" {
		t.Errorf("after the panics, source: %+v", again)
	}
	if resp, err := http.Get(a.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after the panics: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestMyRoleAndMyClearance(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, storetest.Open(t))
	ws := a.CreateWorkspace("my role")
	other := a.CreateWorkspace("my role elsewhere")
	type grant struct{ Role, Clearance string }
	cases := []struct {
		role, clearance string // what the token is issued with ("" clearance: the role's default)
		want            grant
	}{
		{"VIEWER", "", grant{"VIEWER", "PUBLIC"}},
		{"ANALYST", "", grant{"ANALYST", "RESTRICTED"}},
		{"EDITOR", "", grant{"EDITOR", "CONFIDENTIAL"}},
		{"OWNER", "", grant{"OWNER", "CONFIDENTIAL"}},
		{"VIEWER", "RESTRICTED", grant{"VIEWER", "RESTRICTED"}},
		{"ANALYST", "PUBLIC", grant{"ANALYST", "PUBLIC"}},
		{"EDITOR", "RESTRICTED", grant{"EDITOR", "RESTRICTED"}},
		{"OWNER", "PUBLIC", grant{"OWNER", "PUBLIC"}},
	}
	const q = `query($ws: ID!) {
	  workspace(id: $ws) { id myRole myClearance }
	  workspaces { id myRole myClearance }
	  viewer { memberships { role clearance workspace { id myRole myClearance } } } }`
	type view struct {
		Workspace  struct{ ID, MyRole, MyClearance string }
		Workspaces []struct{ ID, MyRole, MyClearance string }
		Viewer     struct {
			Memberships []struct {
				Role, Clearance string
				Workspace       struct{ ID, MyRole, MyClearance string }
			}
		}
	}
	// check asserts what caller sees of ws through workspace(id),
	// workspaces and its memberships.
	check := func(name string, caller *apitest.API, ws string, want grant, member bool) {
		t.Helper()
		var v view
		caller.OK(q, map[string]any{"ws": ws}, &v)
		if got := (grant{v.Workspace.MyRole, v.Workspace.MyClearance}); got != want {
			t.Errorf("%s: workspace(id) says %+v, want %+v", name, got, want)
		}
		found := false
		for _, w := range v.Workspaces {
			if w.ID == ws {
				found = true
				if got := (grant{w.MyRole, w.MyClearance}); got != want {
					t.Errorf("%s: workspaces says %+v, want %+v", name, got, want)
				}
			}
		}
		if !found {
			t.Errorf("%s: workspaces lacks %s", name, ws)
		}
		if !member {
			return
		}
		found = false
		for _, m := range v.Viewer.Memberships {
			if m.Workspace.ID == ws {
				found = true
				if (grant{m.Role, m.Clearance}) != want || (grant{m.Workspace.MyRole, m.Workspace.MyClearance}) != want {
					t.Errorf("%s: membership %+v, want %+v", name, m, want)
				}
			}
		}
		if !found {
			t.Errorf("%s: viewer.memberships lacks %s: %+v", name, ws, v.Viewer.Memberships)
		}
	}
	// The admin is owner of every workspace and sees everything.
	check("admin", a, ws, grant{"OWNER", "CONFIDENTIAL"}, false)
	check("admin, other workspace", a, other, grant{"OWNER", "CONFIDENTIAL"}, false)
	for _, c := range cases {
		secret, _ := a.CreateToken(ws, c.role, c.clearance)
		check(c.role+"/"+c.clearance, a.As(secret), ws, c.want, true)
	}
	// A token's grant is per workspace: an owner of ws who is a lowered
	// editor of other has each role where it holds it.
	secret, subject := a.CreateToken(ws, "OWNER", "")
	a.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: EDITOR, clearance: PUBLIC) { role } }`,
		map[string]any{"ws": other, "s": subject}, nil)
	check("owner of ws", a.As(secret), ws, grant{"OWNER", "CONFIDENTIAL"}, true)
	check("editor of other", a.As(secret), other, grant{"EDITOR", "PUBLIC"}, true)
}

// notFoundShape is a response with id replaced by "<id>": two answers
// with the same shape cannot be told apart but by the id asked.
func notFoundShape(t *testing.T, r apitest.Response, id string) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Data   json.RawMessage
		Errors []apitest.Error
	}{r.Data, r.Errors})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), id, "<id>")
}

func TestSourceByID(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, storetest.Open(t))
	ws := a.CreateWorkspace("sources by id")
	other := a.CreateWorkspace("sources by id elsewhere")
	var created struct{ CreateSource struct{ ID string } }
	a.OK(`mutation($ws: ID!) { createSource(workspace: $ws, input: {title: "Focus group, market women", kind: FOCUS_GROUP,
	  externalId: "fg-1", sensitivity: PUBLIC, url: "https://example.org/fg-1", publishedOn: "2024-02-03", reliability: 0.7}) { id } }`,
		map[string]any{"ws": ws}, &created)
	public := created.CreateSource.ID
	secret := a.CreateSource(ws, "Informant interview", "CONFIDENTIAL")
	foreign := a.CreateSource(other, "Elsewhere report", "PUBLIC")
	unknown := "src_00000000-0000-7000-8000-000000000000"

	const q = `query($id: ID!) { source(id: $id) { id externalId sensitivity title kind url publishedOn reliability workspace { id } createdAt updatedAt } }`
	type source struct {
		ID, Title, Kind, Sensitivity string
		ExternalID, URL, PublishedOn *string
		Reliability                  *float64
		Workspace                    struct{ ID string }
		CreatedAt, UpdatedAt         string
	}
	var got struct{ Source source }
	a.OK(q, map[string]any{"id": public}, &got)
	s := got.Source
	if s.ID != public || s.Title != "Focus group, market women" || s.Kind != "FOCUS_GROUP" || s.Sensitivity != "PUBLIC" ||
		s.ExternalID == nil || *s.ExternalID != "fg-1" || s.URL == nil || *s.URL != "https://example.org/fg-1" ||
		s.PublishedOn == nil || *s.PublishedOn != "2024-02-03" || s.Reliability == nil || *s.Reliability != 0.7 ||
		s.Workspace.ID != ws || s.CreatedAt == "" || s.UpdatedAt == "" {
		t.Errorf("source by id: %+v", s)
	}

	unknownAnswer := a.Do(q, map[string]any{"id": unknown})
	if unknownAnswer.Code() != "NOT_FOUND" || unknownAnswer.Errors[0].Message != fmt.Sprintf("no source has id %q", unknown) {
		t.Fatalf("unknown id: %+v", unknownAnswer.Errors)
	}
	want := notFoundShape(t, unknownAnswer, unknown)

	viewer, _ := a.CreateToken(ws, "VIEWER", "")
	analyst, _ := a.CreateToken(ws, "ANALYST", "")
	editor, _ := a.CreateToken(ws, "EDITOR", "")
	owner, _ := a.CreateToken(ws, "OWNER", "")
	otherOwner, _ := a.CreateToken(other, "OWNER", "")
	for _, c := range []struct {
		name, token, id string
		visible         bool
	}{
		{"viewer, public source", viewer, public, true},
		{"viewer, confidential source", viewer, secret, false},
		{"viewer, unknown id", viewer, unknown, false},
		{"analyst, confidential source", analyst, secret, false},
		{"editor, confidential source", editor, secret, true},
		{"owner of ws, source of other", owner, foreign, false},
		{"viewer of ws, source of other", viewer, foreign, false},
		{"owner of other, its own source", otherOwner, foreign, true},
		{"owner of other, source of ws", otherOwner, public, false},
	} {
		r := a.As(c.token).Do(q, map[string]any{"id": c.id})
		if c.visible {
			var v struct{ Source *source }
			if r.Code() != "" || json.Unmarshal(r.Data, &v) != nil || v.Source == nil || v.Source.ID != c.id {
				t.Errorf("%s: %+v %s, want the source", c.name, r.Errors, r.Data)
			}
			continue
		}
		if got := notFoundShape(t, r, c.id); got != want {
			t.Errorf("%s: answered\n  %s\nnot as an unknown id is answered:\n  %s", c.name, got, want)
		}
	}
}

func TestEveryWorkspaceFieldNamesItsWorkspace(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, storetest.Open(t))
	// Every type with a workspace field, from the schema itself: a type
	// that gains one must be covered here.
	var schema struct {
		Schema struct {
			Types []struct {
				Name, Kind string
				Fields     []struct {
					Name string
					Type struct {
						Kind, Name string
						OfType     *struct{ Kind, Name string }
					}
				}
			}
		} `json:"__schema"`
	}
	a.OK(`{ __schema { types { name kind fields { name type { kind name ofType { kind name } } } } } }`, nil, &schema)
	withWorkspace := map[string]string{} // type -> the field's type
	for _, ty := range schema.Schema.Types {
		if ty.Name == "Query" || ty.Name == "Mutation" || strings.HasPrefix(ty.Name, "__") {
			continue
		}
		for _, f := range ty.Fields {
			if f.Name == "workspace" {
				ft := f.Type.Name
				if f.Type.OfType != nil {
					ft = f.Type.OfType.Name + "!"
				}
				withWorkspace[ty.Name] = ft
			}
		}
	}
	actorTypes := map[string]string{
		"COMMUNITY": "Community", "STATE_INSTITUTION": "StateInstitution", "SECURITY_FORCE": "SecurityForce",
		"MOVEMENT": "Movement", "CIVIL_SOCIETY": "CivilSocietyOrganization", "CUSTOMARY_AUTHORITY": "CustomaryAuthority",
		"INTERNATIONAL": "InternationalActor",
	}
	covered := map[string]string{"Actor": "Workspace!", "Relationship": "Workspace!", "Source": "Workspace!",
		"Membership": "Workspace!", "ApiToken": "ID"}
	for _, ty := range actorTypes {
		covered[ty] = "Workspace!"
	}
	if !reflect.DeepEqual(withWorkspace, covered) {
		t.Errorf("types with a workspace field: %v\nthis test covers: %v", withWorkspace, covered)
	}

	// Two workspaces, each with an actor of every kind, a relationship,
	// a source and a token; everything is read in one request, so that
	// the loaders fetch both workspaces in one batch.
	type wsInfo struct{ id, name string }
	spaces := []wsInfo{{name: "Workspace field north"}, {name: "Workspace field south"}}
	owner := map[string]string{} // record id -> workspace id
	var ids []string
	for i := range spaces {
		w := &spaces[i]
		w.id = a.CreateWorkspace(w.name)
		var actors []string
		for kind := range actorTypes {
			id := a.CreateActor(w.id, map[string]any{"kind": kind, "name": kind + " of " + w.name})
			actors = append(actors, id)
		}
		rel := a.CreateRelationship(map[string]any{"type": "COOPERATES_WITH", "from": actors[0], "to": actors[1], "strength": 0.5})
		src := a.CreateSource(w.id, "Report of "+w.name, "PUBLIC")
		for _, id := range append(actors, rel, src) {
			owner[id] = w.id
			ids = append(ids, id)
		}
		a.CreateToken(w.id, "OWNER", "")
	}
	name := map[string]string{spaces[0].id: spaces[0].name, spaces[1].id: spaces[1].name}
	type wsRef struct{ ID, Name string }
	var nodes struct {
		Nodes []struct {
			Typename  string `json:"__typename"`
			ID        string
			Workspace wsRef
		}
	}
	a.OK(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
	  ... on Actor { workspace { id name } } ... on Relationship { workspace { id name } } ... on Source { workspace { id name } } } }`,
		map[string]any{"ids": ids}, &nodes)
	seenTypes := map[string]bool{}
	if len(nodes.Nodes) != len(ids) {
		t.Fatalf("nodes: %d answers for %d ids", len(nodes.Nodes), len(ids))
	}
	for i, n := range nodes.Nodes {
		seenTypes[n.Typename] = true
		want := owner[ids[i]]
		if n.ID != ids[i] || n.Workspace.ID != want || n.Workspace.Name != name[want] {
			t.Errorf("%s %s: workspace %+v, want %s %q", n.Typename, ids[i], n.Workspace, want, name[want])
		}
	}
	for ty := range covered {
		if ty != "Actor" && ty != "Membership" && ty != "ApiToken" && !seenTypes[ty] {
			t.Errorf("no %s was read", ty)
		}
	}

	// Through the lists, both workspaces in one request.
	type listed struct {
		Edges []struct {
			Node struct {
				ID        string
				Workspace wsRef
			}
		}
	}
	type lists struct {
		Actors, Relationships, Sources listed
		Tokens                         []struct{ ID, Workspace string }
	}
	var both struct{ North, South lists }
	a.OK(`query($n: ID!, $s: ID!) { north: workspace(id: $n) { ...W } south: workspace(id: $s) { ...W } }
	  fragment W on Workspace { actors { edges { node { id workspace { id name } } } }
	    relationships { edges { node { id workspace { id name } } } } sources { edges { node { id workspace { id name } } } }
	    tokens { id workspace } }`, map[string]any{"n": spaces[0].id, "s": spaces[1].id}, &both)
	for i, l := range []lists{both.North, both.South} {
		w := spaces[i]
		n := 0
		for _, conn := range []listed{l.Actors, l.Relationships, l.Sources} {
			for _, e := range conn.Edges {
				n++
				if e.Node.Workspace != (wsRef{w.id, w.name}) {
					t.Errorf("%s, listed in %s: workspace %+v", e.Node.ID, w.name, e.Node.Workspace)
				}
			}
		}
		if n != len(actorTypes)+2 {
			t.Errorf("%s lists %d records, want %d", w.name, n, len(actorTypes)+2)
		}
		if len(l.Tokens) != 1 || l.Tokens[0].Workspace != w.id {
			t.Errorf("%s's tokens: %+v", w.name, l.Tokens)
		}
	}

	// Membership.workspace: a token of north that is also a viewer of
	// south has one membership in each, each naming its own workspace.
	var issued struct {
		CreateToken struct {
			Secret string
			Token  struct{ Subject, Workspace string }
		}
	}
	a.OK(`mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "both", role: OWNER}) { secret token { subject workspace } } }`,
		map[string]any{"ws": spaces[0].id}, &issued)
	if issued.CreateToken.Token.Workspace != spaces[0].id {
		t.Errorf("createToken's token.workspace: %q, want %s", issued.CreateToken.Token.Workspace, spaces[0].id)
	}
	secret, subject := issued.CreateToken.Secret, issued.CreateToken.Token.Subject
	a.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: VIEWER) { role } }`,
		map[string]any{"ws": spaces[1].id, "s": subject}, nil)
	var v struct {
		Viewer struct {
			Memberships []struct {
				Role      string
				Workspace wsRef
			}
		}
	}
	a.As(secret).OK(`{ viewer { memberships { role workspace { id name } } } }`, nil, &v)
	got := map[string]string{}
	for _, m := range v.Viewer.Memberships {
		if m.Workspace.Name != name[m.Workspace.ID] {
			t.Errorf("membership of %s names %q, want %q", m.Workspace.ID, m.Workspace.Name, name[m.Workspace.ID])
		}
		got[m.Workspace.ID] = m.Role
	}
	if want := map[string]string{spaces[0].id: "OWNER", spaces[1].id: "VIEWER"}; !reflect.DeepEqual(got, want) {
		t.Errorf("memberships: %v, want %v", got, want)
	}
}

// relCase is one call of Actor.relationships: its types (nil: the
// argument left out) and direction ("": left out).
type relCase struct {
	types []string
	dir   string
}

func (c relCase) args() string {
	var parts []string
	if c.dir != "" {
		parts = append(parts, "direction: "+c.dir)
	}
	if c.types != nil {
		parts = append(parts, "types: ["+strings.Join(c.types, ", ")+"]")
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func TestActorRelationshipsByTypeAndDirection(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, storetest.Open(t))
	ws := a.CreateWorkspace("actor relationships")
	actor := func(kind, name string, extra map[string]any) string {
		in := map[string]any{"kind": kind, "name": name}
		for k, v := range extra {
			in[k] = v
		}
		return a.CreateActor(ws, in)
	}
	c := actor("COMMUNITY", "Hillside", nil)
	p := actor("SECURITY_FORCE", "District police", map[string]any{"forceType": "POLICE"})
	m := actor("MOVEMENT", "Women's network", nil)
	s := actor("STATE_INSTITUTION", "District council", nil)
	n := actor("CIVIL_SOCIETY", "Legal aid clinic", nil)
	type rel struct{ from, to, typ, id string }
	rels := []rel{
		{c, p, "TRUSTS", ""}, {c, m, "PARTICIPATES_IN", ""}, {c, s, "TRUSTS", ""}, {c, s, "INFLUENCES", ""},
		{p, c, "THREATENS", ""}, {p, c, "PROVIDES_SECURITY", ""}, {n, c, "SUPPORTS", ""}, {m, c, "TRUSTS", ""},
		{s, c, "REPRESENTS", ""},
		// Not the community's: never among its relationships.
		{p, s, "TRUSTS", ""}, {p, s, "ACCOUNTABLE_TO", ""}, {n, m, "SUPPORTS", ""},
	}
	for i := range rels {
		rels[i].id = a.CreateRelationship(map[string]any{"type": rels[i].typ, "from": rels[i].from, "to": rels[i].to, "strength": 0.5})
	}
	expect := func(of string, cs relCase) []string {
		var out []string
		for _, r := range rels {
			dirOK := map[string]bool{"OUT": r.from == of, "IN": r.to == of, "BOTH": r.from == of || r.to == of, "": r.from == of || r.to == of}[cs.dir]
			if dirOK && (len(cs.types) == 0 || slices.Contains(cs.types, r.typ)) {
				out = append(out, r.id)
			}
		}
		sort.Strings(out)
		return out
	}
	var cases []relCase
	for _, types := range [][]string{nil, {}, {"TRUSTS"}, {"THREATENS"}, {"TRUSTS", "THREATENS", "SUPPORTS"}, {"CONTROLS"}} {
		for _, dir := range []string{"", "OUT", "IN", "BOTH"} {
			cases = append(cases, relCase{types, dir})
		}
	}
	type conn struct {
		TotalCount int
		Edges      []struct{ Node struct{ ID string } }
		PageInfo   struct{ HasNextPage bool }
	}
	check := func(name string, of string, cs relCase, got conn) {
		t.Helper()
		want := expect(of, cs)
		var ids []string
		for _, e := range got.Edges {
			ids = append(ids, e.Node.ID)
		}
		if !slices.Equal(ids, want) || got.TotalCount != len(want) || got.PageInfo.HasNextPage {
			t.Errorf("%s relationships%s: %v (totalCount %d, hasNextPage %v), want %v in id order",
				name, cs.args(), ids, got.TotalCount, got.PageInfo.HasNextPage, want)
		}
	}
	// Every case in one request per actor (the loader groups keys by
	// their arguments), then each alone.
	for _, x := range []struct{ name, id string }{{"Hillside", c}, {"police", p}} {
		var q strings.Builder
		q.WriteString(`query($id: ID!) { actor(id: $id) {`)
		for i, cs := range cases {
			fmt.Fprintf(&q, " c%d: relationships%s { totalCount edges { node { id } } pageInfo { hasNextPage } }", i, cs.args())
		}
		q.WriteString(" } }")
		var out struct{ Actor map[string]json.RawMessage }
		a.OK(q.String(), map[string]any{"id": x.id}, &out)
		for i, cs := range cases {
			var got conn
			if err := json.Unmarshal(out.Actor[fmt.Sprintf("c%d", i)], &got); err != nil {
				t.Fatal(err)
			}
			check(x.name, x.id, cs, got)
		}
		for _, cs := range cases {
			var one struct{ Actor struct{ Relationships conn } }
			a.OK(`query($id: ID!) { actor(id: $id) { relationships`+cs.args()+` { totalCount edges { node { id } } pageInfo { hasNextPage } } } }`,
				map[string]any{"id": x.id}, &one)
			check(x.name+" alone", x.id, cs, one.Actor.Relationships)
		}
	}
	// Paging a filtered list: each once, in order, the same total on every page.
	for _, cs := range []relCase{
		{[]string{"TRUSTS", "THREATENS", "PROVIDES_SECURITY", "SUPPORTS", "REPRESENTS"}, "BOTH"},
		{[]string{"TRUSTS", "THREATENS", "PROVIDES_SECURITY"}, "IN"},
		{[]string{"TRUSTS", "INFLUENCES"}, "OUT"},
	} {
		want := expect(c, cs)
		args := []string{"first: 2", "after: $after"}
		if cs.dir != "" {
			args = append(args, "direction: "+cs.dir)
		}
		args = append(args, "types: ["+strings.Join(cs.types, ", ")+"]")
		query := `query($id: ID!, $after: String) { actor(id: $id) { relationships(` + strings.Join(args, ", ") +
			`) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`
		var all []string
		var after any
		for page := 0; ; page++ {
			if page > len(want) {
				t.Fatalf("%v: paging does not end", cs)
			}
			var out struct {
				Actor struct {
					Relationships struct {
						TotalCount int
						Edges      []struct {
							Cursor string
							Node   struct{ ID string }
						}
						PageInfo struct {
							HasNextPage, HasPreviousPage bool
							StartCursor, EndCursor       *string
						}
					}
				}
			}
			a.OK(query, map[string]any{"id": c, "after": after}, &out)
			r := out.Actor.Relationships
			if r.TotalCount != len(want) || r.PageInfo.HasPreviousPage != (page > 0) || len(r.Edges) == 0 || len(r.Edges) > 2 ||
				r.PageInfo.EndCursor == nil || *r.PageInfo.EndCursor != r.Edges[len(r.Edges)-1].Cursor {
				t.Fatalf("%v page %d: %+v", cs, page, r)
			}
			for _, e := range r.Edges {
				all = append(all, e.Node.ID)
			}
			if !r.PageInfo.HasNextPage {
				break
			}
			after = *r.PageInfo.EndCursor
		}
		if !slices.Equal(all, want) {
			t.Errorf("%v paged: %v, want %v", cs, all, want)
		}
	}
}

func TestImportRejectsDuplicateExternalIDsWithinAFile(t *testing.T) {
	t.Parallel()
	// Each file changes a record the workspace holds (so that a write would
	// show), and repeats an external id on rows 3 and 4. Its header names
	// the column "External ID", which the problem must name.
	for _, c := range []struct {
		file, data, what string
	}{
		{"actors.csv", "External ID,name,kind\n" +
			"c-village,Riverside village renamed,COMMUNITY\n" +
			"a-twice,Upper market,COMMUNITY\n" +
			"a-twice,Lower market,COMMUNITY\n", "actor"},
		{"relationships.csv", "External ID,from,to,type,strength\n" +
			"r-threat-1,f-police,c-village,THREATENS,0.9\n" +
			"r-twice,c-village,f-police,TRUSTS,0.2\n" +
			"r-twice,f-police,c-village,PROVIDES_SECURITY,0.4\n", "relationship"},
		{"sources.csv", "External ID,title,kind\n" +
			"src-survey-2024,Household survey retitled,SURVEY\n" +
			"s-twice,Interview one,INTERVIEW\n" +
			"s-twice,Interview two,INTERVIEW\n", "source"},
	} {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			a := apitest.New(t, storetest.Open(t))
			ws := a.CreateWorkspace("duplicates in " + c.file)
			// The records the files name, made through the API.
			var src struct{ CreateSource struct{ ID string } }
			a.OK(`mutation($ws: ID!) { createSource(workspace: $ws, input: {title: "Household survey", kind: SURVEY, externalId: "src-survey-2024"}) { id } }`,
				map[string]any{"ws": ws}, &src)
			village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Riverside village", "externalId": "c-village",
				"sourceIds": []string{src.CreateSource.ID}})
			police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "District police", "externalId": "f-police", "forceType": "POLICE"})
			a.CreateRelationship(map[string]any{"type": "THREATENS", "from": police, "to": village, "strength": 0.6, "externalId": "r-threat-1"})
			before := a.Dump(ws)
			for _, dry := range []bool{true, false} {
				rep := a.ImportOK(map[string]any{"ws": ws, "dry": dry}, []apitest.Upload{{Name: c.file, Data: []byte(c.data)}})
				if rep.Written || len(rep.Problems) != 1 {
					t.Fatalf("dry run %v: written %v, problems %+v, want one problem and nothing written", dry, rep.Written, rep.Problems)
				}
				p := rep.Problems[0]
				wantMsg := fmt.Sprintf("%s external id %q is already used in %s row 3", c.what, c.what[:1]+"-twice", c.file)
				if p.File != c.file || p.Row == nil || *p.Row != 4 || p.Column == nil || *p.Column != "External ID" ||
					p.Element != nil || p.Code != "DUPLICATE" || p.Message != wantMsg {
					row, col := "nil", "nil"
					if p.Row != nil {
						row = fmt.Sprint(*p.Row)
					}
					if p.Column != nil {
						col = *p.Column
					}
					t.Errorf("dry run %v: problem file %q row %s column %s element %v code %s message %q; want %s row 4 column \"External ID\" DUPLICATE %q",
						dry, p.File, row, col, p.Element, p.Code, p.Message, c.file, wantMsg)
				}
				if after := a.Dump(ws); after != before {
					t.Errorf("dry run %v: the refused import changed the workspace:\nbefore %s\nafter  %s", dry, before, after)
				}
			}
		})
	}
}
