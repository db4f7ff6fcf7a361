package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Cypher injection attempts in every string an actor carries, and in
// every filter, are stored and matched literally: the store only ever
// passes them as parameters. Each hostile string must come back exactly,
// find exactly its own actor, and leave the workspace's other actor alone.
func TestInjectionIsStoredAndMatchedLiterally(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("injection")
	bystander := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Bystander"})
	hostile := []string{
		`x' }) MATCH (n) DETACH DELETE n //`,
		`"}) RETURN 1 UNION MATCH (n) RETURN n //`,
		"`; DROP CONSTRAINT actor_id; //",
		`$ws} WITH 1 AS x CALL db.labels() YIELD label RETURN label //`,
		`\u0027 OR 1=1 --`,
		`.*`,
		`%`,
		`name CONTAINS ""`,
	}
	for i, h := range hostile {
		// A custom attribute's key becomes a Neo4j property's name, so it
		// is as hostile as a value.
		custom := []map[string]any{{"key": h, "value": h}}
		id := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": h, "description": h, "region": h, "tags": []string{h},
			"externalId": fmt.Sprintf("%s#%d", h, i), "customAttributes": custom})
		var got struct {
			Node struct {
				Name, Description, Region, ExternalID string
				Tags                                  []string
				CustomAttributes                      []struct{ Key, Value string }
			}
		}
		a.OK(`query($id: ID!) { node(id: $id) { ... on Actor { name description region externalId tags customAttributes { key value } } } }`, map[string]any{"id": id}, &got)
		n := got.Node
		if n.Name != h || n.Description != h || n.Region != h || n.ExternalID != fmt.Sprintf("%s#%d", h, i) || len(n.Tags) != 1 || n.Tags[0] != h ||
			len(n.CustomAttributes) != 1 || n.CustomAttributes[0].Key != h || n.CustomAttributes[0].Value != h {
			t.Errorf("%q came back as %+v", h, n)
		}
		for field, value := range map[string]any{"search": h, "region": h, "tags": []string{h}, "externalId": fmt.Sprintf("%s#%d", h, i),
			"customAttributes": custom} {
			var list struct {
				Workspace struct {
					Actors struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
			a.OK(`query($ws: ID!, $f: ActorFilter) { workspace(id: $ws) { actors(filter: $f, first: 50) { edges { node { id } } } } }`,
				map[string]any{"ws": ws, "f": map[string]any{field: value}}, &list)
			edges := list.Workspace.Actors.Edges
			if len(edges) != 1 || edges[0].Node.ID != id {
				raw, _ := json.Marshal(edges)
				t.Errorf("filter %s = %q matched %s, want only %s", field, h, raw, id)
			}
		}
	}
	// The bystander and the schema are untouched.
	var check struct{ Workspace struct{ ActorCount int } }
	a.OK(`query($ws: ID!) { workspace(id: $ws) { actorCount } }`, map[string]any{"ws": ws}, &check)
	if check.Workspace.ActorCount != len(hostile)+1 {
		t.Errorf("the workspace holds %d actors, want %d", check.Workspace.ActorCount, len(hostile)+1)
	}
	if r := a.Do(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": bystander}); len(r.Errors) > 0 {
		t.Errorf("the bystander: %+v", r.Errors)
	}
	// Import cells too.
	cell := `x' }) MATCH (n) DETACH DELETE n //`
	csv := "externalId,name,kind,tags\n\"" + strings.ReplaceAll(cell, `"`, `""`) + "\",\"" + strings.ReplaceAll(cell, `"`, `""`) + "\",COMMUNITY,\"" + cell + "|b\"\n"
	if rep := a.ImportOK(map[string]any{"ws": ws}, []apitest.Upload{{Name: "actors.csv", Data: []byte(csv)}}); !rep.Written || rep.Actors.Created != 1 {
		t.Fatalf("import: %+v", rep)
	}
	c, err := a.Store.Contents(storetest.Ctx(), ws)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range c.Actors {
		if x.ExternalID != nil && *x.ExternalID == cell {
			found = x.Name == cell && len(x.Tags) == 2 && x.Tags[0] == cell
		}
	}
	if !found || len(c.Actors) != len(hostile)+2 {
		t.Errorf("the imported cell was not stored literally (%d actors)", len(c.Actors))
	}
	// The externalId constraint still holds (no statement dropped it).
	a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "First", "externalId": "dup"})
	r := a.Do(`mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: MOVEMENT, name: "Second", externalId: "dup"}) { id } }`,
		map[string]any{"ws": ws})
	if r.Code() != "CONFLICT" {
		t.Errorf("a duplicate externalId after the attempts: %+v", r.Errors)
	}
}
