package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// API tests: GraphQL over HTTP against the real Neo4j.

func TestBadInputGetsCodeAndChangesNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("bad input")
	other := a.CreateWorkspace("other")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "externalId": "V1"})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	foreign := a.CreateActor(other, map[string]any{"kind": "MOVEMENT", "name": "Elsewhere"})
	rel := a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0.3})
	before, beforeOther := a.Dump(ws), a.Dump(other)

	createRel := `mutation($in: CreateRelationshipInput!) { createRelationship(input: $in) { id } }`
	rel4 := func(extra map[string]any) map[string]any {
		in := map[string]any{"type": "ACCOUNTABLE_TO", "from": police, "to": village, "strength": 0.5}
		for k, v := range extra {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	cases := []struct {
		name, query string
		vars        map[string]any
		code, field string
	}{
		{"strength above 1", createRel, rel4(map[string]any{"strength": 1.2}), "BAD_USER_INPUT", "strength"},
		{"strength below 0", createRel, rel4(map[string]any{"strength": -0.1}), "BAD_USER_INPUT", "strength"},
		{"confidence above 1", createRel, rel4(map[string]any{"confidence": 2}), "BAD_USER_INPUT", "confidence"},
		{"self relationship", createRel, rel4(map[string]any{"to": police}), "BAD_USER_INPUT", "to"},
		{"power where it does not apply", createRel, rel4(map[string]any{"type": "TRUSTS", "power": "ENFORCEMENT"}), "BAD_USER_INPUT", "power"},
		{"power on CONTROLS", createRel, rel4(map[string]any{"type": "CONTROLS", "power": "ENFORCEMENT"}), "BAD_USER_INPUT", "power"},
		{"validTo not after validFrom", createRel, rel4(map[string]any{"validFrom": "2024-05-01", "validTo": "2024-04-30"}), "BAD_USER_INPUT", "validTo"},
		{"not a date", createRel, rel4(map[string]any{"validFrom": "2024-13-45"}), "BAD_USER_INPUT", ""},
		{"form of the wrong type", createRel, rel4(map[string]any{"type": "THREATENS", "form": "FUNDING"}), "BAD_USER_INPUT", "form"},
		{"unknown from", createRel, rel4(map[string]any{"from": "act_00000000-0000-0000-0000-000000000000"}), "NOT_FOUND", ""},
		{"between two workspaces", createRel, rel4(map[string]any{"to": foreign}), "BAD_USER_INPUT", "to"},
		{"unknown enum value", createRel, rel4(map[string]any{"type": "LOVES"}), "GRAPHQL_VALIDATION_FAILED", ""},
		{"empty actor name", `mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "   "}) { id } }`,
			map[string]any{"ws": ws}, "BAD_USER_INPUT", "name"},
		{"attribute of another kind", `mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: SECURITY_FORCE, name: "X", population: 3}) { id } }`,
			map[string]any{"ws": ws}, "BAD_USER_INPUT", "population"},
		{"duplicate externalId", `mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "X", externalId: "V1"}) { id } }`,
			map[string]any{"ws": ws}, "CONFLICT", "externalId"},
		{"actor in unknown workspace", `mutation { createActor(workspace: "ws_nope", input: {kind: COMMUNITY, name: "X"}) { id } }`,
			nil, "NOT_FOUND", ""},
		{"literal enum that does not exist", `mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: PERSON, name: "X"}) { id } }`,
			map[string]any{"ws": ws}, "GRAPHQL_VALIDATION_FAILED", ""},
		{"update unknown actor", `mutation { updateActor(id: "act_nope", input: {name: "X"}) { id } }`, nil, "NOT_FOUND", ""},
		{"update clears name", `mutation($id: ID!) { updateActor(id: $id, input: {name: null}) { id } }`, map[string]any{"id": village}, "BAD_USER_INPUT", "name"},
		{"update strength out of range", `mutation($id: ID!) { updateRelationship(id: $id, input: {strength: 7}) { id } }`, map[string]any{"id": rel}, "BAD_USER_INPUT", "strength"},
		{"delete unknown actor", `mutation { deleteActor(id: "act_nope") { id } }`, nil, "NOT_FOUND", ""},
		{"delete unknown workspace", `mutation { deleteWorkspace(id: "ws_nope") { id } }`, nil, "NOT_FOUND", ""},
		{"source citing unknown source id", `mutation($id: ID!) { updateActor(id: $id, input: {sourceIds: ["src_nope"]}) { id } }`, map[string]any{"id": village}, "NOT_FOUND", "sourceIds"},
		{"too many tags", `mutation($ws: ID!, $t: [String!]) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "X", tags: $t}) { id } }`,
			map[string]any{"ws": ws, "t": manyTags(domain.MaxTags + 1)}, "BAD_USER_INPUT", "tags"},
		{"too many tags by update", `mutation($id: ID!, $t: [String!]) { updateActor(id: $id, input: {tags: $t}) { id } }`,
			map[string]any{"id": village, "t": manyTags(domain.MaxTags + 1)}, "BAD_USER_INPUT", "tags"},
		{"too many tags in a filter", `query($ws: ID!, $t: [String!]) { workspace(id: $ws) { actors(filter: {tags: $t}) { totalCount } } }`,
			map[string]any{"ws": ws, "t": manyTags(domain.MaxTags + 1)}, "BAD_USER_INPUT", "tags"},
		{"first out of range", `query($ws: ID!) { workspace(id: $ws) { actors(first: 501) { totalCount } } }`, map[string]any{"ws": ws}, "BAD_USER_INPUT", "first"},
		{"forged cursor", `query($ws: ID!) { workspace(id: $ws) { actors(after: "eyJ4Ijoi") { totalCount } } }`, map[string]any{"ws": ws}, "BAD_USER_INPUT", "after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.Do(c.query, c.vars)
			if r.Code() != c.code {
				t.Fatalf("code %q, want %q (errors %+v)", r.Code(), c.code, r.Errors)
			}
			msg := r.Errors[0].Message
			if len(msg) < 10 {
				t.Errorf("message %q does not explain the problem", msg)
			}
			for _, leak := range []string{"MATCH", "CREATE (", "store.", ".go:", "neo4j", "goroutine"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q leaks internals (%q)", msg, leak)
				}
			}
			if c.field != "" && r.Errors[0].Extensions["field"] != c.field {
				t.Errorf("extensions.field %v, want %q", r.Errors[0].Extensions["field"], c.field)
			}
		})
	}
	// An import gets the same bound: the row is a problem, and nothing is
	// imported.
	csv := "kind,name,tags\nCOMMUNITY,Tagged," + strings.Join(manyTags(domain.MaxTags+1), "|") + "\n"
	rep := a.ImportOK(map[string]any{"ws": ws}, []apitest.Upload{{Name: "actors.csv", Data: []byte(csv)}})
	if len(rep.Problems) != 1 || rep.Problems[0].Column == nil || *rep.Problems[0].Column != "tags" || rep.Actors.Created != 0 {
		t.Errorf("import of an actor with too many tags: %+v", rep)
	}
	if after := a.Dump(ws); after != before {
		t.Errorf("bad input changed the workspace:\nbefore %s\nafter  %s", before, after)
	}
	if after := a.Dump(other); after != beforeOther {
		t.Errorf("bad input changed the other workspace:\nbefore %s\nafter  %s", beforeOther, after)
	}
}

// manyTags is n distinct tags.
func manyTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag-%d", i)
	}
	return tags
}

// Mutations run in order, and each sees what the ones before it wrote,
// although the request's loaders cache what they read.
func TestMutationsSeeTheirOwnWrites(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("read your writes")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Old name"})
	council := a.CreateActor(ws, map[string]any{"kind": "STATE_INSTITUTION", "name": "Council"})
	var out struct {
		First  struct{ From struct{ Name string } }
		Rename struct{ Name string }
		Second struct{ From struct{ Name string } }
	}
	a.OK(`mutation($v: ID!, $c: ID!) {
	  first: createRelationship(input: {type: PARTICIPATES_IN, from: $v, to: $c, strength: 0.5}) { from { name } }
	  rename: updateActor(id: $v, input: {name: "New name"}) { name }
	  second: createRelationship(input: {type: INFLUENCES, from: $v, to: $c, strength: 0.5}) { from { name } }
	}`, map[string]any{"v": village, "c": council}, &out)
	if out.First.From.Name != "Old name" || out.Rename.Name != "New name" || out.Second.From.Name != "New name" {
		t.Errorf("mutations saw stale data: %+v", out)
	}
}

func TestCRUDAndNodeOverHTTP(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("crud")
	var src struct{ CreateSource struct{ ID, Kind string } }
	a.OK(`mutation($ws: ID!) { createSource(workspace: $ws, input: {title: "Perception survey", kind: SURVEY, publishedOn: "2024-03-01", reliability: 0.8}) { id kind } }`,
		map[string]any{"ws": ws}, &src)
	kinds := map[string]string{"COMMUNITY": "Community", "STATE_INSTITUTION": "StateInstitution", "SECURITY_FORCE": "SecurityForce",
		"MOVEMENT": "Movement", "CIVIL_SOCIETY": "CivilSocietyOrganization", "CUSTOMARY_AUTHORITY": "CustomaryAuthority", "INTERNATIONAL": "InternationalActor"}
	ids := map[string]string{}
	for kind := range kinds {
		ids[kind] = a.CreateActor(ws, map[string]any{"kind": kind, "name": "The " + kind, "sourceIds": []string{src.CreateSource.ID}})
	}
	for kind, typename := range kinds {
		var out struct {
			Node struct {
				Typename string `json:"__typename"`
				Kind     string
				Sources  []struct{ Title string }
			}
		}
		a.OK(`query($id: ID!) { node(id: $id) { __typename ... on Actor { kind sources { title } } } }`, map[string]any{"id": ids[kind]}, &out)
		if out.Node.Typename != typename || out.Node.Kind != kind || len(out.Node.Sources) != 1 {
			t.Errorf("node(%s) = %+v, want a %s citing the survey", kind, out.Node, typename)
		}
	}
	rel := a.CreateRelationship(map[string]any{"type": "ACCOUNTABLE_TO", "from": ids["SECURITY_FORCE"], "to": ids["STATE_INSTITUTION"],
		"strength": 0.6, "mechanism": "OVERSIGHT_BODY", "power": "ENFORCEMENT", "validFrom": "2022-01-01", "externalId": "R-7"})
	var upd struct {
		UpdateRelationship struct {
			Strength   float64
			Power      *string
			ValidFrom  *string
			ExternalID string
			From       struct {
				Typename string `json:"__typename"`
			}
		}
	}
	a.OK(`mutation($id: ID!) { updateRelationship(id: $id, input: {strength: 0.9, power: null, validFrom: null}) { strength power validFrom externalId from { __typename } } }`,
		map[string]any{"id": rel}, &upd)
	u := upd.UpdateRelationship
	if u.Strength != 0.9 || u.Power != nil || u.ValidFrom != nil || u.ExternalID != "R-7" || u.From.Typename != "SecurityForce" {
		t.Errorf("update: %+v", u)
	}
	var nodes struct {
		Nodes []*struct{ ID string }
	}
	a.OK(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{ws, rel, "act_missing", src.CreateSource.ID}}, &nodes)
	if len(nodes.Nodes) != 4 || nodes.Nodes[0].ID != ws || nodes.Nodes[1].ID != rel || nodes.Nodes[2] != nil || nodes.Nodes[3].ID != src.CreateSource.ID {
		t.Errorf("nodes: %+v", nodes.Nodes)
	}
	var del struct {
		DeleteActor struct{ RelationshipsDeleted int }
	}
	a.OK(`mutation($id: ID!) { deleteActor(id: $id) { relationshipsDeleted } }`, map[string]any{"id": ids["SECURITY_FORCE"]}, &del)
	if del.DeleteActor.RelationshipsDeleted != 1 {
		t.Errorf("deleteActor removed %d relationships, want 1", del.DeleteActor.RelationshipsDeleted)
	}
	if r := a.Do(`query($id: ID!) { relationship(id: $id) { id } }`, map[string]any{"id": rel}); r.Code() != "NOT_FOUND" {
		t.Errorf("relationship of a deleted actor: %+v", r)
	}
	var wsDel struct {
		DeleteWorkspace struct{ ActorsDeleted, SourcesDeleted int }
	}
	a.OK(`mutation($id: ID!) { deleteWorkspace(id: $id) { actorsDeleted sourcesDeleted } }`, map[string]any{"id": ws}, &wsDel)
	if wsDel.DeleteWorkspace.ActorsDeleted != 6 || wsDel.DeleteWorkspace.SourcesDeleted != 1 {
		t.Errorf("deleteWorkspace: %+v", wsDel)
	}
	if r := a.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": ids["COMMUNITY"]}); r.Code() != "NOT_FOUND" {
		t.Errorf("actor of a deleted workspace: %+v", r)
	}
}

// countingQuery lists n actors with their relationships, both endpoints and
// the sources of each relationship.
const countingQuery = `query($ws: ID!, $n: Int!) { workspace(id: $ws) { actorCount actors(first: $n) { edges { node {
  name relationships(first: 10) { totalCount edges { node { type from { name } to { name ... on Community { population } } sources { title } } } } } } } } }`

func TestListsCostABoundedNumberOfRoundTrips(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	// A generous batching window and gap: this test runs beside others on a busy,
	// race-instrumented machine, and pins batching, not scheduling. Without
	// loaders the count would grow by one or more round trips per actor
	// whatever the window.
	cfg := apitest.Options()
	cfg.GraphQL.LoaderWait = 40 * time.Millisecond
	cfg.GraphQL.LoaderIdle = 20 * time.Millisecond
	a := apitest.NewWith(t, st, cfg)
	ws := a.CreateWorkspace("n+1")
	src, err := st.CreateSource(storetest.Ctx(), ws, domain.SourceInput{Title: "S", Kind: "REPORT"})
	if err != nil {
		t.Fatal(err)
	}
	council, _ := st.CreateActor(storetest.Ctx(), ws, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "aaa council"})
	for i := 0; i < 60; i++ {
		c, err := st.CreateActor(storetest.Ctx(), ws, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprintf("community %02d", i)})
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range []domain.RelationshipType{domain.ParticipatesIn, domain.Trusts} {
			if _, err := st.CreateRelationship(storetest.Ctx(), domain.RelationshipInput{Type: typ, From: c.ID, To: council.ID,
				Strength: 0.5, SourceIDs: []string{src.ID}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	roundTrips := func(n int) int64 {
		before := st.QueryCount()
		var out struct {
			Workspace struct {
				Actors struct {
					Edges []struct {
						Node struct {
							Relationships struct{ TotalCount int }
						}
					}
				}
			}
		}
		a.OK(countingQuery, map[string]any{"ws": ws, "n": n}, &out)
		if got := len(out.Workspace.Actors.Edges); got != n {
			t.Fatalf("listed %d actors, want %d", got, n)
		}
		return st.QueryCount() - before
	}
	// Six statements: the workspace, its counts, the page of actors, their
	// relationships, the relationships' endpoints, their sources. Without
	// loaders, 50 actors would cost over 150. A batching window missed on a
	// loaded machine costs one statement more, so the bound leaves room for
	// that and still fails on any per-item cost.
	const bound = 8
	small, large := roundTrips(5), roundTrips(50)
	t.Logf("round trips: 5 actors → %d, 50 actors → %d", small, large)
	if small > bound || large > bound {
		t.Errorf("round trips: %d for 5 actors, %d for 50; the loaders should keep both within %d", small, large, bound)
	}

	// nodes(ids) batches too: one round trip per kind of id, not per id.
	var list struct {
		Workspace struct {
			Actors struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Relationships struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { actors(first: 30) { edges { node { id } } } relationships(first: 30) { edges { node { id } } } } }`,
		map[string]any{"ws": ws}, &list)
	ids := []string{ws, src.ID}
	for i := range list.Workspace.Actors.Edges {
		ids = append(ids, list.Workspace.Actors.Edges[i].Node.ID, list.Workspace.Relationships.Edges[i].Node.ID)
	}
	before := st.QueryCount()
	var nodes struct{ Nodes []*struct{ ID string } }
	a.OK(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}, &nodes)
	if n := st.QueryCount() - before; n > 4 {
		t.Errorf("nodes() of %d ids took %d round trips, want at most one per kind (4)", len(ids), n)
	}
	for i, n := range nodes.Nodes {
		if n == nil || n.ID != ids[i] {
			t.Errorf("nodes()[%d] = %+v, want %s", i, n, ids[i])
		}
	}
}

func TestDemoMapThroughGraphQL(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws, err := demo.Load(storetest.Ctx(), st)
	if err != nil {
		t.Fatalf("load demo: %v", err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(storetest.Ctx(), ws.ID) })
	m, _ := demo.Parse()
	var out struct {
		Workspace struct {
			ActorCount, RelationshipCount int
			Actors                        struct {
				Edges []struct {
					Node struct {
						Typename string `json:"__typename"`
					}
				}
			}
			Relationships struct {
				Edges []struct {
					Node struct {
						Type      string
						ValidFrom *string
						ValidTo   *string
						Sources   []struct{ ID string }
					}
				}
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { actorCount relationshipCount actors(first: 500) { edges { node { __typename } } }
	  relationships(first: 500) { edges { node { type validFrom validTo sources { id } } } } } }`, map[string]any{"ws": ws.ID}, &out)
	w := out.Workspace
	if w.ActorCount != len(m.Actors) || w.RelationshipCount != len(m.Relationships) {
		t.Errorf("counts %d/%d, want %d/%d", w.ActorCount, w.RelationshipCount, len(m.Actors), len(m.Relationships))
	}
	if w.ActorCount < 20 || w.RelationshipCount < 50 {
		t.Errorf("the demo map must have at least 20 actors and 50 relationships")
	}
	typenames, types := map[string]bool{}, map[string]bool{}
	dated, cited := 0, 0
	for _, e := range w.Actors.Edges {
		typenames[e.Node.Typename] = true
	}
	for _, e := range w.Relationships.Edges {
		types[e.Node.Type] = true
		if e.Node.ValidFrom != nil || e.Node.ValidTo != nil {
			dated++
		}
		if len(e.Node.Sources) > 0 {
			cited++
		}
	}
	if len(typenames) != len(domain.ActorKinds) {
		t.Errorf("the demo covers %d actor kinds, want all %d: %v", len(typenames), len(domain.ActorKinds), typenames)
	}
	if len(types) != len(domain.RelationshipTypes) {
		t.Errorf("the demo covers %d relationship types, want all %d: %v", len(types), len(domain.RelationshipTypes), types)
	}
	if dated == 0 || cited == 0 {
		t.Errorf("the demo needs dated (%d) and cited (%d) relationships", dated, cited)
	}
}

// Paging through a few thousand actors with after cursors while others
// are being added through the API returns every original actor exactly once.
func TestPagingThousandsWhileAddingOverHTTP(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("paging")
	const n = 2000
	original := make(map[string]bool, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				act, err := st.CreateActor(storetest.Ctx(), ws, domain.ActorInput{Kind: domain.KindCommunity, Name: fmt.Sprintf("c%05d", (i*7919)%n)})
				if err != nil {
					t.Error(err)
					continue
				}
				mu.Lock()
				original[act.ID] = true
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()

	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		added := 0
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- added
				return
			default:
			}
			name := []string{"a-new", "c01000-new", "z-new"}[i%3] + fmt.Sprint(i)
			r := a.Do(`mutation($ws: ID!, $n: String!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: $n}) { id } }`,
				map[string]any{"ws": ws, "n": name})
			if len(r.Errors) > 0 {
				t.Errorf("concurrent insert: %+v", r.Errors)
			}
			added++
		}
	}()
	seen := map[string]int{}
	after := ""
	pages := 0
	for {
		var out struct {
			Workspace struct {
				Actors struct {
					Edges    []struct{ Node struct{ ID string } }
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		vars := map[string]any{"ws": ws}
		if after != "" {
			vars["after"] = after
		}
		a.OK(`query($ws: ID!, $after: String) { workspace(id: $ws) { actors(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }`, vars, &out)
		pages++
		for _, e := range out.Workspace.Actors.Edges {
			seen[e.Node.ID]++
		}
		if !out.Workspace.Actors.PageInfo.HasNextPage {
			break
		}
		after = out.Workspace.Actors.PageInfo.EndCursor
	}
	close(stop)
	added := <-done
	t.Logf("%d pages, %d actors added while paging", pages, added)
	for id, c := range seen {
		if c > 1 {
			t.Errorf("actor %s returned %d times", id, c)
		}
	}
	for id := range original {
		if seen[id] != 1 {
			t.Errorf("actor %s was skipped", id)
		}
	}
}

func TestNeo4jDownAnswersServiceUnavailable(t *testing.T) {
	t.Parallel()
	storetest.Config(t)
	st, err := store.Open(store.Config{URI: "bolt://127.0.0.1:1", TxRetryTime: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := apitest.New(t, st)
	r := a.Do(`{ workspaces { id } }`, nil)
	if r.Code() != "SERVICE_UNAVAILABLE" {
		t.Fatalf("got %+v, want SERVICE_UNAVAILABLE", r)
	}
	if strings.Contains(r.Errors[0].Message, "127.0.0.1") || strings.Contains(r.Errors[0].Message, "bolt") {
		t.Errorf("message leaks the database address: %q", r.Errors[0].Message)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503} {
		resp, err := http.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s answered %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestProbesAndPages(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/": "ActorGraph explorer", "/graphiql": "GraphiQL"} {
		resp, err := http.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %.80q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
		if path == "/" || path == "/graphiql" {
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("GET %s: Content-Security-Policy %q, want scripts from the origin only", path, csp)
			}
		}
	}
}

func TestRequestLogHasOperationButNoVariables(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("logging")
	secret := "Village-Where-Informants-Live"
	a.OK(`mutation AddCommunity($ws: ID!, $n: String!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: $n}) { id } }`,
		map[string]any{"ws": ws, "n": secret}, nil)
	var found bool
	for _, e := range a.Logs.All() {
		if e.Message != "request" {
			continue
		}
		fields := e.ContextMap()
		if fields["operation"] == "AddCommunity" {
			found = true
			if fields["operationType"] != "mutation" || fields["outcome"] != "ok" {
				t.Errorf("log line: %v", fields)
			}
			if _, ok := fields["duration"]; !ok {
				t.Errorf("log line has no duration: %v", fields)
			}
		}
		if strings.Contains(fmt.Sprint(fields), secret) {
			t.Errorf("the log carries a variable's value: %v", fields)
		}
	}
	if !found {
		t.Errorf("no request log line for AddCommunity among %d entries", a.Logs.Len())
	}
	r := a.Do(`query Broken { actor(id: "act_nope") { id } }`, nil)
	if r.Code() != "NOT_FOUND" {
		t.Fatal(r)
	}
	last := a.Logs.FilterMessage("request").All()
	fields := last[len(last)-1].ContextMap()
	if fields["outcome"] != "error" || !reflect.DeepEqual(fields["errorCodes"], map[string]int{"NOT_FOUND": 1}) {
		t.Errorf("failed request logged as %v", fields)
	}
}
