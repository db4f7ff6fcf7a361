package httpapi_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/httpapi"
)

// fragmentChain is the exponential-validation attack: n fragments, each
// spreading the next twice, the last selecting __typename. Expanded, it
// selects 2^(n-1) fields; as written, 2n.
func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n-1)
	return b.String()
}

// repeatedField is the quadratic-validation attack: one selection set
// repeating a field n times.
func repeatedField(n int) string { return "{ " + strings.Repeat("__typename ", n) + "}" }

// nestedLists is three levels of lists, each first as given.
func nestedLists(first string) string {
	return fmt.Sprintf(`query($ws: ID!, $n: Int) { workspace(id: $ws) { actors(first: %[1]s) { edges { node {
	  relationships(first: %[1]s) { edges { node { from { relationships(first: %[1]s) { edges { node { id } } } } } } } } } } } }`, first)
}

// aliasedAnalyses asks for gapClosures n times under aliases.
func aliasedAnalyses(n int) string {
	var b strings.Builder
	b.WriteString(`query($ws: ID!) { workspace(id: $ws) { `)
	for i := range n {
		fmt.Fprintf(&b, "c%d: gapClosures(threshold: 0.%d) { severityRemoved } ", i, i+1)
	}
	return b.String() + "} }"
}

// docsAnalyses is docs/analysis.md's example: four different analyses in
// one operation.
const docsAnalyses = `query Gaps($ws: ID!) { workspace(id: $ws) {
    accountabilityGaps(first: 5) { totalCount edges { node { kind severity community { name } powerHolder { name }
      bestRoute { strength enforceable steps { from { name } to { name } relationship { type externalId } } } } } }
    gapClosures(first: 3) { severityRemoved relationship { type from { name } to { name } } closes { severityBefore severityAfter closed } }
    brokers(first: 3) { actor { name } pairs critical cutOff { community { name } } }
    accountabilityChanges(from: "2023-01-01", to: "2025-01-01") { community { name } before { status } after { status } causes { type } } } }`

// Each shape crossing its line is refused with its code, and the check's
// work stays bounded by the text, not by what the spreads expand to:
// visits counts the selections the check looked at, deterministically.
func TestPreCheckRefusesEachShapeInBoundedWork(t *testing.T) {
	t.Parallel()
	onlyCost := config.Limits{MaxCost: 200_000}
	none := config.Limits{}
	small := config.DefaultLimits
	small.MaxCost = 100
	ws := map[string]any{"ws": "w1"}
	for _, c := range []struct {
		name      string
		limits    config.Limits
		query     string
		vars      map[string]any
		code      string
		words     string
		maxVisits int
	}{
		{"24 fragments, default limits", config.DefaultLimits, fragmentChain(24), nil, "QUERY_TOO_LARGE", "selects 8388608 fields", 48},
		{"40 fragments, default limits", config.DefaultLimits, fragmentChain(40), nil, "QUERY_TOO_LARGE", "each fragment counted every time it is spread", 80},
		{"40 fragments, only the cost limit", onlyCost, fragmentChain(40), nil, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit of 200000", 80},
		{"40 fragments, every limit off: measured once per fragment", none, fragmentChain(40), nil, "", "", 80},
		{"10 fragments: within the limits", config.DefaultLimits, fragmentChain(10), nil, "", "", 20},
		{"14,900 fields in one selection set", config.DefaultLimits, repeatedField(14_900), nil, "QUERY_TOO_LARGE", "a selection set of the query holds 14900 selections; at most 200", 0},
		{"201 fields in one selection set", config.DefaultLimits, repeatedField(201), nil, "QUERY_TOO_LARGE", "at most 200", 0},
		{"200 fields in one selection set", config.DefaultLimits, repeatedField(200), nil, "", "", 200},
		{"2,001 selections in the text", config.DefaultLimits, "{ " + strings.Repeat("workspaces { "+strings.Repeat("id ", 99)+"} ", 20) + "__typename }", nil, "QUERY_TOO_LARGE", "the query text holds 2001 selections; at most 2000", 0},
		{"first: 50 on three levels", config.DefaultLimits, nestedLists("50"), ws, "COMPLEXITY_LIMIT_EXCEEDED", "", 20},
		{"first: null weighs the default page", config.DefaultLimits, nestedLists("null"), ws, "COMPLEXITY_LIMIT_EXCEEDED", "", 20},
		{"first absent weighs the default page", config.DefaultLimits, strings.ReplaceAll(nestedLists("1"), "(first: 1)", ""), ws, "COMPLEXITY_LIMIT_EXCEEDED", "", 20},
		{"first: $n, null", config.DefaultLimits, nestedLists("$n"), map[string]any{"ws": "w1", "n": nil}, "COMPLEXITY_LIMIT_EXCEEDED", "", 20},
		{"first: $n, as a string", config.DefaultLimits, nestedLists("$n"), map[string]any{"ws": "w1", "n": "1000"}, "COMPLEXITY_LIMIT_EXCEEDED", "", 20},
		{"first: $n, a variable's default", config.DefaultLimits, strings.Replace(nestedLists("$n"), "$n: Int", "$n: Int = 1000", 1), ws, "COMPLEXITY_LIMIT_EXCEEDED", "", 20},
		{"first: 10 on three levels", config.DefaultLimits, nestedLists("10"), ws, "", "", 20},
		{"nodes weighs each id", small, `{ nodes(ids: [` + strings.Repeat(`"x" `, 0) + idList(120) + `]) { id } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "complexity 121", 2},
		{"nodes within the cost", small, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids(90)}, "", "", 2},
		{"nodes with a variable list", small, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids(120)}, "COMPLEXITY_LIMIT_EXCEEDED", "", 2},
		{"nodes with a repeated id", config.DefaultLimits, `{ nodes(ids: ["a", "b", "a"]) { id } }`, nil, "BAD_USER_INPUT", `"a" is given more than once`, 2},
		{"nodes with a repeated id in a variable", config.DefaultLimits, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{"a", "a"}}, "BAD_USER_INPUT", "more than once", 2},
		{"five aliased gapClosures", config.DefaultLimits, aliasedAnalyses(5), ws, "COMPLEXITY_LIMIT_EXCEEDED", "gapClosures is asked for more than once", 20},
		{"two aliased gapClosures", config.DefaultLimits, aliasedAnalyses(2), ws, "COMPLEXITY_LIMIT_EXCEEDED", "an analysis may run once per operation", 20},
		{"one gapClosures", config.DefaultLimits, aliasedAnalyses(1), ws, "", "", 20},
		{"an analysis through a fragment spread twice", config.DefaultLimits, `query($ws: ID!) { workspace(id: $ws) { ...B ...B } } fragment B on Workspace { brokers { pairs } }`, ws, "COMPLEXITY_LIMIT_EXCEEDED", "brokers is asked for more than once", 20},
		{"an analysis on each workspace (the README's)", config.DefaultLimits, `{ workspaces { accountabilityGaps(first: 3) { totalCount } } }`, nil, "", "", 20},
		{"a costly analysis on each workspace weighs five of them", config.DefaultLimits, `{ workspaces { brokers { pairs } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit", 20},
		{"a subgraph's actors weigh its 500", config.DefaultLimits, `query($ws: ID!) { workspace(id: $ws) { subgraph(center: "a", depth: 4) { actors { relationships(first: 500) { edges { node { id } } } } } } }`, ws, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit", 20},
		{"a subgraph for a frontend", config.DefaultLimits, `query($ws: ID!) { workspace(id: $ws) { subgraph(center: "a", depth: 2) { actors { id name layout { x y } } relationships { id type strength from { id } to { id } } truncated } } }`, ws, "", "", 40},
		{"an analysis under a page of actors weighs once per actor", config.DefaultLimits, `query($ws: ID!) { workspace(id: $ws) { actors(first: 10) { edges { node { workspace { brokers { pairs } } } } } } }`, ws, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit", 20},
		{"an analysis under nodes weighs once per id", config.DefaultLimits, `{ nodes(ids: ["a", "b", "c", "d", "e"]) { ... on Workspace { gapClosures { severityRemoved } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit", 20},
		{"an analysis under nodes with one id", config.DefaultLimits, `{ nodes(ids: ["a"]) { ... on Workspace { gapClosures { severityRemoved } } } }`, nil, "", "", 20},
		{"the docs' four analyses", config.DefaultLimits, docsAnalyses, ws, "", "", 200},
		{"four analyses, at most three", limitsWith(func(l *config.Limits) { l.MaxAnalyses = 3 }), docsAnalyses, ws, "COMPLEXITY_LIMIT_EXCEEDED", "asks for 4 analyses", 200},
		{"__schema", config.DefaultLimits, `{ __schema { types { name } } }`, nil, "INTROSPECTION_DISABLED", "introspection", 10},
		{"__type in a fragment", config.DefaultLimits, `{ ...I } fragment I on Query { __type(name: "Actor") { name } }`, nil, "INTROSPECTION_DISABLED", "introspection", 10},
		{"__typename", config.DefaultLimits, `{ __typename }`, nil, "", "", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := httpapi.NewPreChecker(c.limits, false)
			start := time.Now()
			code, msg, visits := check.Check(c.query, c.vars)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v (the attack took 36 s)", took) // a sanity bound; visits is the real one
			}
			if code != c.code || !strings.Contains(msg, c.words) {
				t.Errorf("want %q %q, got %q %q", c.code, c.words, code, msg)
			}
			if visits > c.maxVisits {
				t.Errorf("the check visited %d selections; at most %d expected", visits, c.maxVisits)
			}
		})
	}
}

// Introspection is allowed where it is on.
func TestPreCheckAllowsIntrospectionWhereOn(t *testing.T) {
	t.Parallel()
	if code, msg, _ := httpapi.NewPreChecker(config.DefaultLimits, true).Check(`{ __schema { types { name } } }`, nil); code != "" {
		t.Errorf("introspection on: refused %q %q", code, msg)
	}
}

// At start-up, the pre-check refuses a schema it could not weigh: a list
// whose first has no default (a null first would weigh nothing), an
// analysis without its cost.
func TestPreCheckRefusesASchemaItCannotWeigh(t *testing.T) {
	t.Parallel()
	const directive = "directive @analysis(cost: Int!) on FIELD_DEFINITION\ndirective @listSize(assumedSize: Int!) on FIELD_DEFINITION\n"
	for _, c := range []struct{ name, sdl, words string }{
		{"first with a default", "type Query { items(first: Int = 50): [Int!]! gaps: Int @analysis(cost: 10) }", ""},
		{"first without a default", "type Query { items(first: Int): [Int!]! }", "Query.items: the argument first needs an Int default value"},
		{"an analysis whose cost is not an Int", "type Query { gaps: Int @analysis(cost: \"big\") }", "@analysis needs an Int cost"},
		{"a list of objects without first or @listSize", "type Item { id: Int } type Query { items: [Item!]! }", "Query.items: a list of objects without first needs @listSize"},
		{"a list of objects with @listSize", "type Item { id: Int } type Query { items: [Item!]! @listSize(assumedSize: 10) }", ""},
		{"a list of scalars needs no @listSize", "type Query { names: [String!]! }", ""},
		{"a connection's edges need no @listSize", "type ItemEdge { id: Int } type ItemConnection { edges: [ItemEdge!]! } type Query { items(first: Int = 5): ItemConnection! }", ""},
		{"@listSize whose size is not an Int", "type Item { id: Int } type Query { items: [Item!]! @listSize(assumedSize: \"many\") }", "@listSize needs an Int assumedSize"},
	} {
		err := httpapi.ValidatePreCheck(directive + c.sdl)
		if (c.words == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.words)) {
			t.Errorf("%s: want %q, got %v", c.name, c.words, err)
		}
	}
}

func limitsWith(f func(*config.Limits)) config.Limits {
	l := config.DefaultLimits
	f(&l)
	return l
}

func ids(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("id-%d", i)
	}
	return out
}

func idList(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%q ", fmt.Sprintf("id-%d", i))
	}
	return b.String()
}

// The pre-check on a normal query (the workspace dump the tests use, as
// a frontend would send it again and again) and on the attack shapes.
func BenchmarkPreCheck(b *testing.B) {
	for _, c := range []struct {
		name  string
		query string
	}{
		{"docs analyses query", docsAnalyses},
		{"nested lists", nestedLists("10")},
		{"24 fragments", fragmentChain(24)},
		{"40 fragments", fragmentChain(40)},
		{"14900 fields", repeatedField(14_900)},
		{"five gapClosures", aliasedAnalyses(5)},
	} {
		vars := map[string]any{"ws": "w1"}
		b.Run(c.name+"/repeated", func(b *testing.B) {
			check := httpapi.NewPreChecker(config.DefaultLimits, false)
			b.ReportAllocs()
			for b.Loop() {
				check.Check(c.query, vars)
			}
		})
		// A text never seen before (a comment makes each one new) is
		// parsed: the cost of a first request, or of an attacker's.
		b.Run(c.name+"/first-sight", func(b *testing.B) {
			check := httpapi.NewPreChecker(config.DefaultLimits, false)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				check.Check(c.query+"\n# "+strconv.Itoa(i), vars)
			}
		})
	}
}
