package httpapi_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Custom attributes and layouts over GraphQL, against the real Neo4j.

type customAttr struct{ Key, Value, Type string }

type layout struct {
	X, Y, Z, Size *float64
	Color         *string
}

const readCustom = `query($id: ID!) { actor(id: $id) { customAttributes { key value type } layout { x y z size color } } }`

func readActorCustom(t *testing.T, a *apitest.API, id string) ([]customAttr, *layout) {
	t.Helper()
	var out struct {
		Actor struct {
			CustomAttributes []customAttr
			Layout           *layout
		}
	}
	a.OK(readCustom, map[string]any{"id": id}, &out)
	return out.Actor.CustomAttributes, out.Actor.Layout
}

func attrs(kvt ...string) []map[string]any {
	var out []map[string]any
	for i := 0; i < len(kvt); i += 3 {
		m := map[string]any{"key": kvt[i], "value": kvt[i+1]}
		if kvt[i+2] != "" {
			m["type"] = kvt[i+2]
		}
		out = append(out, m)
	}
	return out
}

func TestCustomAttributesAndLayoutOverTheAPI(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("custom attributes")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village",
		"customAttributes": attrs("survey.wave 2", "  spring ", "", "fatalities", "12.0", "NUMBER", "armed", "TRUE", "BOOLEAN",
			"founded", "2021-03-04", "DATE", "it's `odd`", "x", "STRING"),
		"layout": map[string]any{"x": 10.5, "y": -3, "size": 2, "color": "#FF8800"}})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	rel := a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0.3,
		"customAttributes": attrs("wave", "3", "NUMBER")})

	// Sorted by key, values as text in their type's own form, types kept.
	want := []customAttr{{"armed", "true", "BOOLEAN"}, {"fatalities", "12", "NUMBER"}, {"founded", "2021-03-04", "DATE"},
		{"it's `odd`", "x", "STRING"}, {"survey.wave 2", "spring", "STRING"}}
	got, l := readActorCustom(t, a, village)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("custom attributes read back as %+v, want %+v", got, want)
	}
	if l == nil || *l.X != 10.5 || *l.Y != -3 || l.Z != nil || *l.Size != 2 || *l.Color != "#ff8800" {
		t.Errorf("layout read back as %+v", l)
	}
	if got, l := readActorCustom(t, a, police); len(got) != 0 || got == nil || l != nil {
		t.Errorf("an actor without any: custom attributes %+v, layout %+v (want [] and null)", got, l)
	}

	// The subgraph, for visualisation frontends, carries the saved layout.
	var sg struct {
		Workspace struct {
			Subgraph struct {
				Actors []struct {
					ID     string
					Layout *layout
				}
				Relationships []struct{ CustomAttributes []customAttr }
			}
		}
	}
	a.OK(`query($ws: ID!, $c: ID!) { workspace(id: $ws) { subgraph(center: $c) { actors { id layout { x y color } }
		relationships { customAttributes { key value type } } } } }`, map[string]any{"ws": ws, "c": police}, &sg)
	s := sg.Workspace.Subgraph
	if len(s.Actors) != 2 || len(s.Relationships) != 1 || !reflect.DeepEqual(s.Relationships[0].CustomAttributes, []customAttr{{"wave", "3", "NUMBER"}}) {
		t.Fatalf("subgraph: %+v", s)
	}
	for _, x := range s.Actors {
		if (x.ID == village) != (x.Layout != nil && *x.Layout.X == 10.5 && *x.Layout.Color == "#ff8800") {
			t.Errorf("subgraph actor %s has layout %+v", x.ID, x.Layout)
		}
	}

	// Filters, by key and by value of each type.
	count := func(query string, filter map[string]any) int {
		var out struct {
			Workspace struct {
				Actors, Relationships struct{ TotalCount int }
			}
		}
		a.OK(query, map[string]any{"ws": ws, "f": filter}, &out)
		return out.Workspace.Actors.TotalCount + out.Workspace.Relationships.TotalCount
	}
	actors := `query($ws: ID!, $f: ActorFilter) { workspace(id: $ws) { actors(filter: $f) { totalCount } } }`
	rels := `query($ws: ID!, $f: RelationshipFilter) { workspace(id: $ws) { relationships(filter: $f) { totalCount } } }`
	for _, c := range []struct {
		name   string
		query  string
		filter []map[string]any
		want   int
	}{
		{"key", actors, []map[string]any{{"key": "armed"}}, 1},
		{"number", actors, []map[string]any{{"key": "fatalities", "value": "12"}}, 1},
		{"boolean", actors, []map[string]any{{"key": "armed", "value": "true"}}, 1},
		{"date", actors, []map[string]any{{"key": "founded", "value": "2021-03-04"}}, 1},
		{"text", actors, []map[string]any{{"key": "survey.wave 2", "value": "spring"}}, 1},
		{"every condition", actors, []map[string]any{{"key": "armed", "value": "true"}, {"key": "fatalities", "value": "13"}}, 0},
		{"relationship by value", rels, []map[string]any{{"key": "wave", "value": "3.0"}}, 1},
		{"relationship by a key it lacks", rels, []map[string]any{{"key": "armed"}}, 0},
	} {
		if n := count(c.query, map[string]any{"customAttributes": c.filter}); n != c.want {
			t.Errorf("%s: %d found, want %d", c.name, n, c.want)
		}
	}

	// An update replaces the list: one dropped, one changed; the layout is replaced whole.
	var up struct {
		UpdateActor struct {
			CustomAttributes []customAttr
			Layout           *layout
		}
	}
	a.OK(`mutation($id: ID!, $in: UpdateActorInput!) { updateActor(id: $id, input: $in) { customAttributes { key value type } layout { x y z size color } } }`,
		map[string]any{"id": village, "in": map[string]any{"customAttributes": attrs("fatalities", "about a dozen", "", "armed", "TRUE", "BOOLEAN"),
			"layout": map[string]any{"z": 1}}}, &up)
	wantUp := []customAttr{{"armed", "true", "BOOLEAN"}, {"fatalities", "about a dozen", "STRING"}}
	if got, l := readActorCustom(t, a, village); !reflect.DeepEqual(got, wantUp) || !reflect.DeepEqual(up.UpdateActor.CustomAttributes, wantUp) ||
		l == nil || l.X != nil || *l.Z != 1 {
		t.Errorf("after the update: %+v, layout %+v (returned %+v)", got, l, up.UpdateActor)
	}
	if n := count(actors, map[string]any{"customAttributes": []map[string]any{{"key": "founded"}}}); n != 0 {
		t.Errorf("the dropped attribute still matches %d actors", n)
	}
	// Null clears both; an update that names neither keeps them.
	a.OK(`mutation($id: ID!) { updateRelationship(id: $id, input: {notes: "n"}) { id } }`, map[string]any{"id": rel}, nil)
	a.OK(`mutation($id: ID!) { updateActor(id: $id, input: {customAttributes: null, layout: null}) { id } }`, map[string]any{"id": village}, nil)
	if got, l := readActorCustom(t, a, village); len(got) != 0 || l != nil {
		t.Errorf("after clearing: %+v, layout %+v", got, l)
	}
	if n := count(rels, map[string]any{"customAttributes": []map[string]any{{"key": "wave"}}}); n != 1 {
		t.Errorf("an update naming no custom attributes dropped them: %d relationships with wave", n)
	}
}

func TestBadCustomAttributesAreInvalidAndWriteNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("bad custom attributes")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village", "customAttributes": attrs("kept", "1", "NUMBER")})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	rel := a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0.3})
	before := a.Dump(ws)

	type req struct {
		query string
		vars  map[string]any
	}
	createActor := func(extra map[string]any) req {
		in := map[string]any{"kind": "COMMUNITY", "name": "New"}
		for k, v := range extra {
			in[k] = v
		}
		return req{`mutation($ws: ID!, $in: CreateActorInput!) { createActor(workspace: $ws, input: $in) { id } }`, map[string]any{"ws": ws, "in": in}}
	}
	createRel := func(extra map[string]any) req {
		in := map[string]any{"type": "DIALOGUE", "from": village, "to": police, "strength": 0.5}
		for k, v := range extra {
			in[k] = v
		}
		return req{`mutation($in: CreateRelationshipInput!) { createRelationship(input: $in) { id } }`, map[string]any{"in": in}}
	}
	updateActor := func(in map[string]any) req {
		return req{`mutation($id: ID!, $in: UpdateActorInput!) { updateActor(id: $id, input: $in) { id } }`, map[string]any{"id": village, "in": in}}
	}
	updateRel := func(in map[string]any) req {
		return req{`mutation($id: ID!, $in: UpdateRelationshipInput!) { updateRelationship(id: $id, input: $in) { id } }`, map[string]any{"id": rel, "in": in}}
	}
	tooMany := make([]map[string]any, 11)
	for i := range tooMany {
		tooMany[i] = map[string]any{"key": "k"}
	}
	cases := []struct {
		name   string
		req    req
		field  string
		msgHas []string
	}{
		{"not a number", createActor(map[string]any{"customAttributes": attrs("region note", "x", "", "fatalities", "twelve", "NUMBER")}),
			"customAttributes", []string{`"fatalities"`, `"twelve" is not a number`}},
		{"not a truth value", createActor(map[string]any{"customAttributes": attrs("armed", "maybe", "BOOLEAN")}),
			"customAttributes", []string{`"armed"`, "true or false"}},
		{"not a date", createActor(map[string]any{"customAttributes": attrs("founded", "2021-13-01", "DATE")}),
			"customAttributes", []string{`"founded"`, "YYYY-MM-DD"}},
		{"a key given twice", createActor(map[string]any{"customAttributes": attrs("wave", "1", "", " wave ", "2", "")}),
			"customAttributes", []string{`"wave"`, "twice"}},
		{"an empty key", createActor(map[string]any{"customAttributes": attrs("  ", "1", "")}),
			"customAttributes", []string{"needs a key"}},
		{"a bad colour", createActor(map[string]any{"layout": map[string]any{"color": "red"}}), "layout", []string{`"red"`, "#rrggbb"}},
		{"a size of zero", createActor(map[string]any{"layout": map[string]any{"size": 0}}), "layout", []string{"size"}},
		{"a bad number on a relationship", createRel(map[string]any{"customAttributes": attrs("weight", "heavy", "NUMBER")}),
			"customAttributes", []string{`"weight"`, "not a number"}},
		{"a bad date in an actor's update", updateActor(map[string]any{"name": "Renamed", "customAttributes": attrs("founded", "yesterday", "DATE")}),
			"customAttributes", []string{`"founded"`, "YYYY-MM-DD"}},
		{"a bad value in a relationship's update", updateRel(map[string]any{"notes": "changed", "customAttributes": attrs("armed", "2", "BOOLEAN")}),
			"customAttributes", []string{`"armed"`, "true or false"}},
		{"too many filter conditions", req{`query($ws: ID!, $f: ActorFilter) { workspace(id: $ws) { actors(filter: $f) { totalCount } } }`,
			map[string]any{"ws": ws, "f": map[string]any{"customAttributes": tooMany}}}, "customAttributes", []string{"at most 10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.Do(c.req.query, c.req.vars)
			if r.Code() != "BAD_USER_INPUT" {
				t.Fatalf("code %q, want BAD_USER_INPUT (errors %+v)", r.Code(), r.Errors)
			}
			msg := r.Errors[0].Message
			for _, part := range c.msgHas {
				if !strings.Contains(msg, part) {
					t.Errorf("message %q does not say %q", msg, part)
				}
			}
			for _, leak := range []string{"MATCH", "store.", "resolvers", ".go:", "neo4j", "custom.", "Parse"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q leaks internals (%q)", msg, leak)
				}
			}
			if r.Errors[0].Extensions["field"] != c.field {
				t.Errorf("extensions.field %v, want %q", r.Errors[0].Extensions["field"], c.field)
			}
		})
	}
	if after := a.Dump(ws); after != before {
		t.Errorf("bad input changed the workspace:\nbefore %s\nafter  %s", before, after)
	}
	var dump struct {
		Workspace struct {
			Actors struct{ TotalCount int }
		}
	}
	if err := json.Unmarshal([]byte(before), &dump); err != nil || dump.Workspace.Actors.TotalCount != 2 || !strings.Contains(before, `"kept"`) {
		t.Errorf("the dump does not show the workspace's custom attributes (%v): %s", err, before)
	}
}
