package httpapi_test

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// relationshipRecord asks a relationship's fields, those of the record
// that analyses do not keep among them, and __typename to find it in any
// answer. (Not every field: the operation's complexity must stay under
// the limit on lists of 200 communities.)
const relationshipRecord = `fragment R on Relationship { __typename id externalId sensitivity type fromId toId
  strength confidence perceivedBy mechanism channel power form validFrom validTo notes frameworks
  sources { id } createdAt updatedAt }`

// The analyses keep relationships' facts, not their records
// (domain.RelationshipFacts): every relationship an analysis answers with
// is shown whole all the same, as Workspace.relationships shows it.
func TestAnalysesShowWholeRelationships(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	a, ws := f.a, f.ws
	// Every record, as the relationships' list shows it.
	var list struct {
		Workspace struct {
			Relationships struct {
				Edges []struct{ Node json.RawMessage }
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { relationships(first: 200) { edges { node { ...R } } } } } `+relationshipRecord,
		map[string]any{"ws": ws}, &list)
	records := map[string]map[string]any{}
	withNotes := 0
	for _, e := range list.Workspace.Relationships.Edges {
		var r map[string]any
		if err := json.Unmarshal(e.Node, &r); err != nil {
			t.Fatal(err)
		}
		records[r["id"].(string)] = r
		if r["notes"] != "" {
			withNotes++
		}
	}
	if withNotes == 0 {
		t.Fatal("the demo map's relationships have no notes: the test could not tell a record from its facts")
	}
	vars := map[string]any{"ws": ws}
	queries := map[string]string{
		"accountabilityRoutes": `accountabilityRoutes(from: "` + f.ids["c-tamal-village"] + `", to: "` + f.ids["f-district-police"] + `", first: 3) { relationships { ...R } steps { relationship { ...R } } }`,
		"accountabilityGaps": `accountabilityGaps(first: 10) { edges { node { powerRelationships { ...R } trustRelationships { ...R }
		  relationships { ...R } bestRoute { relationships { ...R } steps { relationship { ...R } } } strongestEnforceableRoute { relationships { ...R } } } } }`,
		"gapClosures":           `gapClosures(first: 3) { closes { gap { powerRelationships { ...R } relationships { ...R } } } }`,
		"accountabilityChanges": `accountabilityChanges(from: "2023-01-01", to: "2025-01-01") { causes { ...R } }`,
		"trustGaps":             `trustGaps(first: 20) { edges { node { relationships { ...R } values { relationships { ...R } } } } }`,
		"doNoHarmFlags":         `doNoHarmFlags(first: 20) { edges { node { supports { ...R } threats { ...R } tensions { ...R } relationships { ...R } } } }`,
		"communityChannels":     `communityChannels { securityRelationships { ...R } steps { relationship { ...R } } }`,
		"unaccountableActors":   `unaccountableActors { steps { relationship { ...R } } }`,
		"participationGaps":     `participationGaps(first: 20, maxHops: 1) { edges { node { bestRoute { relationships { ...R } } } } }`,
		"socialContract": `socialContract { overall { accountability { shortfall(first: 20) { powerRelationships { ...R } bestRoute { relationships { ...R } } } }
		  trustInState { communities(first: 20) { relationships { ...R } } } } }`,
	}
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		res := a.Do(`query($ws: ID!) { workspace(id: $ws) { `+queries[name]+` } } `+relationshipRecord, vars)
		var out map[string]any
		if err := json.Unmarshal(res.Data, &out); err != nil || len(res.Errors) > 0 {
			t.Errorf("%s: %v %+v", name, err, res.Errors)
			continue
		}
		shown := relationshipsIn(out)
		if len(shown) == 0 {
			t.Errorf("%s: no relationship shown: the test checks nothing", name)
		}
		for _, r := range shown {
			if want := records[r["id"].(string)]; !reflect.DeepEqual(r, want) {
				t.Errorf("%s: relationship shown as\n%v\nwant its record\n%v", name, r, want)
			}
		}
	}
}

// demoMap is a store holding the demo map, and its workspace's id.
func demoMap(t *testing.T) (*store.Neo4j, string) {
	t.Helper()
	st := storetest.Open(t)
	ws, err := demo.Load(storetest.Ctx(), st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(storetest.Ctx(), ws.ID) })
	return st, ws.ID
}

// relationshipsIn is every relationship object in a decoded answer.
func relationshipsIn(v any) []map[string]any {
	var out []map[string]any
	switch v := v.(type) {
	case map[string]any:
		if v["__typename"] == "Relationship" {
			return []map[string]any{v}
		}
		for _, x := range v {
			out = append(out, relationshipsIn(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, relationshipsIn(x)...)
		}
	}
	return out
}

// hidingStore hides one relationship from lookups by id, as if it were
// deleted after the analysis read the workspace.
type hidingStore struct {
	store.Store
	hidden string
}

func (s *hidingStore) RelationshipsByIDs(ctx context.Context, ids []string) ([]*domain.Relationship, error) {
	rs, err := s.Store.RelationshipsByIDs(ctx, ids)
	return slices.DeleteFunc(rs, func(r *domain.Relationship) bool { return r.ID == s.hidden }), err
}

func (s *hidingStore) RelationshipsByTypedIDs(ctx context.Context, ids map[domain.RelationshipType][]string) ([]*domain.Relationship, error) {
	rs, err := s.Store.RelationshipsByTypedIDs(ctx, ids)
	return slices.DeleteFunc(rs, func(r *domain.Relationship) bool { return r.ID == s.hidden }), err
}

// A relationship an analysis found but the store no longer shows (deleted
// or made more sensitive in between) fails an answer that shows its
// record, with a code a client can retry on, rather than show a record
// that is not there. An answer that asks no more of it than its id loads
// no record, and so does not fail.
func TestAnalysisFailsWhenARelationshipItShowsIsGone(t *testing.T) {
	t.Parallel()
	st, ws := demoMap(t)
	var out struct {
		Workspace struct {
			AccountabilityGaps struct {
				Edges []struct {
					Node struct{ PowerRelationships []struct{ ID string } }
				}
			}
		}
	}
	gaps := func(fields string) string {
		return `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(first: 1) { edges { node { ` + fields + ` } } } } }`
	}
	apitest.New(t, st).OK(gaps("powerRelationships { id }"), map[string]any{"ws": ws}, &out)
	if len(out.Workspace.AccountabilityGaps.Edges) == 0 || len(out.Workspace.AccountabilityGaps.Edges[0].Node.PowerRelationships) == 0 {
		t.Fatalf("the demo map has no gap with a power relationship: %+v", out)
	}
	hidden := out.Workspace.AccountabilityGaps.Edges[0].Node.PowerRelationships[0].ID
	a := apitest.New(t, &hidingStore{Store: st, hidden: hidden})
	cases := []struct {
		name, fields, code string
	}{
		{"its record asked", "powerRelationships { id notes }", "SERVICE_UNAVAILABLE"},
		{"its ends asked", "relationships { from { id } }", "SERVICE_UNAVAILABLE"},
		{"its record asked in an inline fragment", "powerRelationships { ... on Relationship { strength } }", "SERVICE_UNAVAILABLE"},
		{"its record asked in a fragment", "...G", "SERVICE_UNAVAILABLE"},
		{"only its id asked", "powerRelationships { id __typename }", ""},
		{"no relationship asked", "kind severity", ""},
	}
	for _, c := range cases {
		q := gaps(c.fields)
		if c.fields == "...G" {
			q += ` fragment G on AccountabilityGap { bestRoute { steps { strength } } powerRelationships { type } }`
		}
		res := a.Do(q, map[string]any{"ws": ws})
		if res.Code() != c.code {
			t.Errorf("%s: %+v, want code %q", c.name, res, c.code)
		}
		if c.code == "" && c.fields != "kind severity" && !strings.Contains(string(res.Data), hidden) {
			t.Errorf("%s: %s does not show %s", c.name, res.Data, hidden)
		}
	}
}

// An analysis job's answer stays about the map of the version it ran on:
// when a relationship it shows is gone since, reading it again cannot
// help, so it fails with CONFLICT (start the job again), not with
// SERVICE_UNAVAILABLE (ask again).
func TestJobAnswerWithARelationshipGone(t *testing.T) {
	t.Parallel()
	st, ws := demoMap(t)
	const closures = `gapClosures(first: 1) { closes { gap { powerRelationships { id notes } } } }`
	var out struct {
		Workspace struct {
			GapClosures []struct {
				Closes []struct {
					Gap struct{ PowerRelationships []struct{ ID string } }
				}
			}
		}
	}
	apitest.New(t, st).OK(`query($ws: ID!) { workspace(id: $ws) { `+closures+` } }`, map[string]any{"ws": ws}, &out)
	cls := out.Workspace.GapClosures
	if len(cls) == 0 || len(cls[0].Closes) == 0 || len(cls[0].Closes[0].Gap.PowerRelationships) == 0 {
		t.Fatalf("the demo map's first closure closes no gap with a power relationship: %+v", out)
	}
	a := apitest.New(t, &hidingStore{Store: st, hidden: cls[0].Closes[0].Gap.PowerRelationships[0].ID})
	job := startClosuresJob(t, a, ws)
	if j := awaitJob(t, a, job.ID); j.State != "DONE" {
		t.Fatalf("job %+v", j)
	}
	res := a.Do(`query($id: ID!) { analysisJob(id: $id) { `+closures+` } }`, map[string]any{"id": job.ID})
	if res.Code() != "CONFLICT" || !strings.Contains(res.Errors[0].Message, "start the job again") {
		t.Fatalf("the job's answer with a relationship gone: %+v, want CONFLICT", res)
	}
}

// A field that loads records asked twice on one object (by two
// fragments, as clients that compose queries from fragments send) is
// resolved once with both selections: the second copy asking a record
// loads it.
func TestRecordsAskedBySecondCopyOfAField(t *testing.T) {
	t.Parallel()
	st, ws := demoMap(t)
	var out struct {
		Workspace struct {
			TrustGaps struct {
				Edges []struct {
					Node struct{ Relationships []struct{ ID string } }
				}
			}
		}
	}
	const q = `query($ws: ID!) { workspace(id: $ws) { trustGaps(first: 1) { edges { node { ...A ...B } } } } }
	  fragment A on TrustGap { relationships { id } }
	  fragment B on TrustGap { relationships { notes } }`
	apitest.New(t, st).OK(q, map[string]any{"ws": ws}, &out)
	if len(out.Workspace.TrustGaps.Edges) == 0 || len(out.Workspace.TrustGaps.Edges[0].Node.Relationships) == 0 {
		t.Fatalf("the demo map has no trust gap with relationships: %+v", out)
	}
	hidden := out.Workspace.TrustGaps.Edges[0].Node.Relationships[0].ID
	if res := apitest.New(t, &hidingStore{Store: st, hidden: hidden}).Do(q, map[string]any{"ws": ws}); res.Code() != "SERVICE_UNAVAILABLE" {
		t.Fatalf("a record asked by the second copy of the field, gone: %+v, want SERVICE_UNAVAILABLE", res)
	}
}
