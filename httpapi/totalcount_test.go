package httpapi_test

import (
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// totalCount is counted only when a query selects it, so the resolvers
// look for it among the connection's fields: under an alias, in a named
// or inline fragment, or kept by @include, it must still be counted (a
// query that selects it and hears 0 would be told a lie).
func TestTotalCountAnsweredHoweverItIsSelected(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, storetest.Open(t))
	ws := a.CreateWorkspace("total count")
	village := a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Village"})
	police := a.CreateActor(ws, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	a.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Network"})
	a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0.3})
	a.CreateRelationship(map[string]any{"type": "THREATENS", "from": police, "to": village, "strength": 0.8})
	for name, selection := range map[string]string{
		"plain":           `totalCount`,
		"alias":           `n: totalCount`,
		"named fragment":  `...Counted`,
		"inline fragment": "", // per list, below
		"@include":        `totalCount @include(if: $yes) @skip(if: $no)`,
		"twice":           `totalCount again: totalCount`,
	} {
		for _, list := range []struct{ field, typ string }{{"actors", "ActorConnection"}, {"relationships", "RelationshipConnection"}} {
			sel := selection
			if name == "inline fragment" {
				sel = "... on " + list.typ + " { totalCount }"
			}
			// edges name both variables, which every query must use.
			query := `query($ws: ID!, $yes: Boolean!, $no: Boolean!) { workspace(id: $ws) { ` + list.field + `(first: 1) { ` + sel + ` edges @include(if: $yes) @skip(if: $no) { cursor } } } }`
			if name == "named fragment" {
				query += ` fragment Counted on ` + list.typ + ` { totalCount }`
			}
			var out struct {
				Workspace map[string]struct {
					TotalCount *int
					N          *int
				}
			}
			a.OK(query, map[string]any{"ws": ws, "yes": true, "no": false}, &out)
			got := out.Workspace[list.field]
			n := got.TotalCount
			if name == "alias" {
				n = got.N
			}
			want := map[string]int{"actors": 3, "relationships": 2}[list.field]
			if n == nil || *n != want {
				t.Errorf("%s, %s: totalCount %v, want %d", list.field, name, deref(n), want)
			}
		}
	}
}

func deref(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}
