package httpapi_test

import (
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Frameworks over GraphQL, against the real Neo4j: created, read on every
// actor type and on relationships, replaced and cleared by updates, and
// filtered in both lists.

const readFrameworks = `query($id: ID!) { node(id: $id) {
  ... on Actor { frameworks }
  ... on Relationship { frameworks } } }`

func frameworksOf(t *testing.T, a *apitest.API, id string) []string {
	t.Helper()
	var out struct{ Node struct{ Frameworks []string } }
	a.OK(readFrameworks, map[string]any{"id": id}, &out)
	if out.Node.Frameworks == nil {
		t.Fatalf("%s: frameworks is null, want a list", id)
	}
	return out.Node.Frameworks
}

func TestFrameworksOverTheAPI(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("frameworks")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "frameworks": []string{"SECURITY", "PROTECTION", "SECURITY"}})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	network := a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Women's network", "frameworks": []string{"PARTICIPATION"}})
	council := a.CreateActor(ws, map[string]any{"kind": "STATE_INSTITUTION", "name": "Council", "frameworks": []string{"LEGITIMATE_POLITICS"}})
	protects := a.CreateRelationship(map[string]any{"type": "PROVIDES_SECURITY", "from": police, "to": village, "strength": 0.6,
		"frameworks": []string{"SECURITY", "PROTECTION"}})
	joins := a.CreateRelationship(map[string]any{"type": "PARTICIPATES_IN", "from": village, "to": network, "strength": 0.8,
		"frameworks": []string{"PARTICIPATION"}})
	answers := a.CreateRelationship(map[string]any{"type": "ACCOUNTABLE_TO", "from": police, "to": council, "strength": 0.5})

	// Read back in the enum's order, each once; [] when none.
	for id, want := range map[string][]string{village: {"PROTECTION", "SECURITY"}, police: {}, protects: {"PROTECTION", "SECURITY"}, answers: {}} {
		if got := frameworksOf(t, a, id); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: frameworks %v, want %v", id, got, want)
		}
	}

	// Lists filter by any of the frameworks given.
	listActors := func(filter map[string]any) []string {
		t.Helper()
		var out struct {
			Workspace struct {
				Actors struct {
					TotalCount int
					Edges      []struct{ Node struct{ Name string } }
				}
			}
		}
		a.OK(`query($ws: ID!, $f: ActorFilter) { workspace(id: $ws) { actors(filter: $f, first: 10) { totalCount edges { node { name } } } } }`,
			map[string]any{"ws": ws, "f": filter}, &out)
		var names []string
		for _, e := range out.Workspace.Actors.Edges {
			names = append(names, e.Node.Name)
		}
		if out.Workspace.Actors.TotalCount != len(names) {
			t.Errorf("totalCount %d, %d actors", out.Workspace.Actors.TotalCount, len(names))
		}
		sort.Strings(names)
		return names
	}
	listRels := func(filter map[string]any) []string {
		t.Helper()
		var out struct {
			Workspace struct {
				Relationships struct {
					TotalCount int
					Edges      []struct{ Node struct{ Type string } }
				}
			}
		}
		a.OK(`query($ws: ID!, $f: RelationshipFilter) { workspace(id: $ws) { relationships(filter: $f, first: 10) { totalCount edges { node { type } } } } }`,
			map[string]any{"ws": ws, "f": filter}, &out)
		var types []string
		for _, e := range out.Workspace.Relationships.Edges {
			types = append(types, e.Node.Type)
		}
		if out.Workspace.Relationships.TotalCount != len(types) {
			t.Errorf("totalCount %d, %d relationships", out.Workspace.Relationships.TotalCount, len(types))
		}
		sort.Strings(types)
		return types
	}
	actorCases := []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"none", nil, []string{"Council", "Police", "Village", "Women's network"}},
		{"empty", map[string]any{"frameworks": []string{}}, []string{"Council", "Police", "Village", "Women's network"}},
		{"one", map[string]any{"frameworks": []string{"PROTECTION"}}, []string{"Village"}},
		{"any of two", map[string]any{"frameworks": []string{"PARTICIPATION", "LEGITIMATE_POLITICS"}}, []string{"Council", "Women's network"}},
		{"with kinds", map[string]any{"frameworks": []string{"PARTICIPATION", "SECURITY"}, "kinds": []string{"COMMUNITY"}}, []string{"Village"}},
		{"carried by none", map[string]any{"frameworks": []string{"JUSTICE"}}, nil},
	}
	for _, c := range actorCases {
		if got := listActors(c.filter); !reflect.DeepEqual(got, c.want) {
			t.Errorf("actors %s: %v, want %v", c.name, got, c.want)
		}
	}
	relCases := []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"none", nil, []string{"ACCOUNTABLE_TO", "PARTICIPATES_IN", "PROVIDES_SECURITY"}},
		{"one", map[string]any{"frameworks": []string{"SECURITY"}}, []string{"PROVIDES_SECURITY"}},
		{"any of two", map[string]any{"frameworks": []string{"SECURITY", "PARTICIPATION"}}, []string{"PARTICIPATES_IN", "PROVIDES_SECURITY"}},
		{"with from", map[string]any{"frameworks": []string{"SECURITY", "PARTICIPATION"}, "from": village}, []string{"PARTICIPATES_IN"}},
		{"carried by none", map[string]any{"frameworks": []string{"ECONOMIC_FOUNDATIONS"}}, nil},
	}
	for _, c := range relCases {
		if got := listRels(c.filter); !reflect.DeepEqual(got, c.want) {
			t.Errorf("relationships %s: %v, want %v", c.name, got, c.want)
		}
	}

	// One actor's relationships, through the loaders: the village's,
	// police's and council's pages in one query, each with its filter.
	var ofActors struct {
		Nodes []struct {
			Name          string
			Relationships struct {
				TotalCount int
				Edges      []struct{ Node struct{ Type string } }
			}
		}
	}
	a.OK(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Actor { name
	  relationships(frameworks: [PARTICIPATION, SECURITY]) { totalCount edges { node { type } } } } } }`,
		map[string]any{"ids": []string{village, police, council}}, &ofActors)
	wantOf := map[string][]string{"Village": {"PARTICIPATES_IN", "PROVIDES_SECURITY"}, "Police": {"PROVIDES_SECURITY"}, "Council": nil}
	for _, n := range ofActors.Nodes {
		var types []string
		for _, e := range n.Relationships.Edges {
			types = append(types, e.Node.Type)
		}
		sort.Strings(types)
		if !reflect.DeepEqual(types, wantOf[n.Name]) || n.Relationships.TotalCount != len(types) {
			t.Errorf("%s.relationships(frameworks: [PARTICIPATION, SECURITY]): %v (total %d), want %v", n.Name, types, n.Relationships.TotalCount, wantOf[n.Name])
		}
	}
	if len(ofActors.Nodes) != 3 {
		t.Errorf("nodes: %+v", ofActors.Nodes)
	}
	// Two pages of one actor that differ only in their frameworks are two
	// loader keys, not one.
	var two struct {
		Node struct {
			Security, Participation, All struct{ TotalCount int }
		}
	}
	a.OK(`query($id: ID!) { node(id: $id) { ... on Actor {
	  security: relationships(frameworks: [SECURITY]) { totalCount }
	  participation: relationships(frameworks: [PARTICIPATION]) { totalCount }
	  all: relationships { totalCount } } } }`, map[string]any{"id": village}, &two)
	if n := two.Node; n.Security.TotalCount != 1 || n.Participation.TotalCount != 1 || n.All.TotalCount != 2 {
		t.Errorf("the village's relationships by framework: %+v, want 1, 1 and 2", n)
	}

	// Updates replace; a field left out keeps them; null and [] clear.
	updActor := `mutation($id: ID!, $in: UpdateActorInput!) { updateActor(id: $id, input: $in) { frameworks } }`
	updRel := `mutation($id: ID!, $in: UpdateRelationshipInput!) { updateRelationship(id: $id, input: $in) { frameworks } }`
	steps := []struct {
		name  string
		query string
		id    string
		in    map[string]any
		want  []string
	}{
		{"actor replaced", updActor, village, map[string]any{"frameworks": []string{"REVENUES_AND_SERVICES", "RELIEF_AND_RECOVERY"}}, []string{"RELIEF_AND_RECOVERY", "REVENUES_AND_SERVICES"}},
		{"actor kept", updActor, village, map[string]any{"region": "East"}, []string{"RELIEF_AND_RECOVERY", "REVENUES_AND_SERVICES"}},
		{"actor cleared with null", updActor, village, map[string]any{"frameworks": nil}, []string{}},
		{"actor set on an actor without", updActor, police, map[string]any{"frameworks": []string{"JUSTICE"}}, []string{"JUSTICE"}},
		{"actor cleared with []", updActor, police, map[string]any{"frameworks": []string{}}, []string{}},
		{"relationship replaced", updRel, joins, map[string]any{"frameworks": []string{"ECONOMIC_FOUNDATIONS"}}, []string{"ECONOMIC_FOUNDATIONS"}},
		{"relationship kept", updRel, joins, map[string]any{"strength": 0.7}, []string{"ECONOMIC_FOUNDATIONS"}},
		{"relationship cleared", updRel, joins, map[string]any{"frameworks": nil}, []string{}},
	}
	for _, s := range steps {
		r := a.Do(s.query, map[string]any{"id": s.id, "in": s.in})
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", s.name, r.Errors)
		}
		if got := frameworksOf(t, a, s.id); !reflect.DeepEqual(got, s.want) {
			t.Errorf("%s: stored %v, want %v", s.name, got, s.want)
		}
		if !strings.Contains(string(r.Data), `"frameworks":[`) {
			t.Errorf("%s: the mutation answered %s", s.name, r.Data)
		}
	}
	if got := listActors(map[string]any{"frameworks": []string{"PROTECTION", "JUSTICE"}}); got != nil {
		t.Errorf("after clearing, the filter still finds %v", got)
	}

	// An unknown value is refused by the schema, in a variable or written
	// in the query, and changes nothing.
	refused := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"create actor", `mutation($ws: ID!, $in: CreateActorInput!) { createActor(workspace: $ws, input: $in) { id } }`,
			map[string]any{"ws": ws, "in": map[string]any{"kind": "COMMUNITY", "name": "X", "frameworks": []string{"GENDER"}}}},
		{"lower case", updActor, map[string]any{"id": council, "in": map[string]any{"frameworks": []string{"justice"}}}},
		{"update relationship", updRel, map[string]any{"id": protects, "in": map[string]any{"frameworks": []string{"PEACE"}}}},
		{"actor filter", `query($ws: ID!) { workspace(id: $ws) { actors(filter: {frameworks: [GENDER]}, first: 5) { totalCount } } }`, map[string]any{"ws": ws}},
		{"relationship filter", `query($ws: ID!) { workspace(id: $ws) { relationships(filter: {frameworks: [PEACE]}, first: 5) { totalCount } } }`, map[string]any{"ws": ws}},
	}
	for _, c := range refused {
		r := a.Do(c.query, c.vars)
		t.Logf("%s: %s %+v", c.name, r.Code(), r.Errors)
	}
	if got := frameworksOf(t, a, council); !reflect.DeepEqual(got, []string{"LEGITIMATE_POLITICS"}) {
		t.Errorf("a refused update changed the council's frameworks: %v", got)
	}
	if got := frameworksOf(t, a, protects); !reflect.DeepEqual(got, []string{"PROTECTION", "SECURITY"}) {
		t.Errorf("a refused update changed the relationship's frameworks: %v", got)
	}
}

// Over GraphQL's importActorMap: frameworks written leniently import as
// the enum; an unknown one is a BAD_VALUE problem on its row and column,
// and the workspace, frameworks included, is as it was. The export over
// HTTP carries them.
func TestFrameworksImportOverTheAPI(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("frameworks import")
	actors := apitest.Upload{Name: "actors.csv", Data: []byte("externalId,name,kind,frameworks\n" +
		"v,Village,COMMUNITY,\"1325: Protection|New Deal: security\"\np,Police,SECURITY_FORCE,\n")}
	rels := apitest.Upload{Name: "relationships.csv", Data: []byte("externalId,from,to,type,strength,frameworks\nr1,p,v,PROVIDES_SECURITY,0.6,psg:justice; Relief and recovery\n")}
	rep := a.ImportOK(map[string]any{"ws": ws}, []apitest.Upload{actors, rels})
	if !rep.Written || len(rep.Problems) > 0 {
		t.Fatalf("import: %+v", rep)
	}
	var out struct {
		Workspace struct {
			Actors struct {
				Edges []struct {
					Node struct {
						Name       string
						Frameworks []string
					}
				}
			}
			Relationships struct {
				Edges []struct{ Node struct{ Frameworks []string } }
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { actors(first: 5, filter: {frameworks: [SECURITY]}) { edges { node { name frameworks } } }
	  relationships(first: 5, filter: {frameworks: [RELIEF_AND_RECOVERY]}) { edges { node { frameworks } } } } }`, map[string]any{"ws": ws}, &out)
	if e := out.Workspace.Actors.Edges; len(e) != 1 || e[0].Node.Name != "Village" || !reflect.DeepEqual(e[0].Node.Frameworks, []string{"PROTECTION", "SECURITY"}) {
		t.Errorf("actors carrying SECURITY: %+v", e)
	}
	if e := out.Workspace.Relationships.Edges; len(e) != 1 || !reflect.DeepEqual(e[0].Node.Frameworks, []string{"RELIEF_AND_RECOVERY", "JUSTICE"}) {
		t.Errorf("relationships carrying RELIEF_AND_RECOVERY: %+v", e)
	}

	before := a.Dump(ws)
	bad := apitest.Upload{Name: "actors.csv", Data: []byte("externalId,name,kind,frameworks\nv,Village,COMMUNITY,JUSTICE\np,Police,SECURITY_FORCE,Gender\n")}
	rep = a.ImportOK(map[string]any{"ws": ws}, []apitest.Upload{bad, rels})
	if rep.Written || len(rep.Problems) != 1 {
		t.Fatalf("an unknown framework: written %v, problems %+v", rep.Written, rep.Problems)
	}
	p := rep.Problems[0]
	if p.Code != "BAD_VALUE" || p.Row == nil || *p.Row != 3 || p.Column == nil || *p.Column != "frameworks" || !strings.Contains(p.Message, `"Gender" is not a framework`) {
		t.Errorf("problem %+v, want BAD_VALUE on row 3, column frameworks, quoting the value", p)
	}
	if after := a.Dump(ws); after != before {
		t.Errorf("the refused import changed the workspace:\nbefore %s\nafter  %s", before, after)
	}
	if !strings.Contains(before, `"frameworks":["PROTECTION","SECURITY"]`) {
		t.Errorf("the dump does not show the frameworks: %s", before)
	}

	resp, err := a.Get("/export/" + ws + ".jgf")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	compact := strings.Join(strings.Fields(string(body)), "")
	for _, want := range []string{`"frameworks":["PROTECTION","SECURITY"]`, `"frameworks":["RELIEF_AND_RECOVERY","JUSTICE"]`} {
		if !strings.Contains(compact, want) {
			t.Errorf("the JGF export over HTTP holds no %s: %s", want, body)
		}
	}
}
