package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Each operation limit, crossed: a clear message and its own code, and
// nothing runs. Queries just inside each limit still run.
func TestOperationLimits(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	cfg := apitest.Options()
	cfg.GraphQL.Limits = config.Limits{MaxDepth: 12, MaxAliases: 3, MaxTokens: 400, MaxCost: 1_000}
	a := apitest.NewWith(t, st, cfg)
	ws := a.CreateWorkspace("limits")

	// nested(n) is a valid query n fields deep (the leaf id counts).
	chain := []string{fmt.Sprintf("workspace(id: %q)", ws), "actors(first: 2)", "edges", "node", "relationships(first: 2)", "edges", "node",
		"from", "relationships(first: 2)", "edges", "node", "to", "relationships(first: 2)", "edges", "node"}
	nested := func(n int) string {
		return "{ " + strings.Join(chain[:n-1], " { ") + " { id " + strings.Repeat("} ", n-1) + "}"
	}
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range n {
			fmt.Fprintf(&b, "w%d: workspace(id: %q) { id } ", i, ws)
		}
		return b.String() + "}"
	}
	for _, c := range []struct {
		name, query, code, words string
	}{
		{"depth at the limit", nested(12), "", ""},
		{"too deep", nested(13), "QUERY_TOO_DEEP", "nests 13 levels deep; at most 12"},
		{"too deep through fragments", fmt.Sprintf(`query { workspace(id: %q) { ...W } }
			fragment W on Workspace { actors(first: 1) { edges { node { ...A } } } }
			fragment A on Actor { relationships(first: 1) { edges { node { from { relationships(first: 1) { edges { node { to { ... on Community { id } } } } } } } } } }`, ws),
			"QUERY_TOO_DEEP", "at most 12"},
		{"aliases at the limit", aliases(3), "", ""},
		{"too many aliases", aliases(4), "TOO_MANY_ALIASES", "uses 4 aliases; at most 3"},
		{"tokens within the limit", "{ " + strings.Repeat("__typename ", 390) + "}", "", ""},
		{"too many tokens", "{ " + strings.Repeat("__typename ", 400) + "}", "GRAPHQL_PARSE_FAILED", "exceeded token limit of 400"},
		{"cost within the limit", fmt.Sprintf(`{ workspace(id: %q) { actors(first: 50) { edges { node { id name } } } } }`, ws), "", ""},
		{"too costly: lists weighed by first", fmt.Sprintf(`{ workspace(id: %q) { actors(first: 500) { edges { node { id name } } } } }`, ws),
			"COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit of 1000"},
		{"nested lists multiply", fmt.Sprintf(`{ workspace(id: %q) { actors(first: 20) { edges { node { relationships(first: 20) { edges { node { id } } } } } } } }`, ws),
			"COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit of 1000"},
	} {
		r := a.Do(c.query, nil)
		if r.Code() != c.code || (c.words != "" && !strings.Contains(r.Errors[0].Message, c.words)) {
			t.Errorf("%s: want %q %q, got %+v", c.name, c.code, c.words, r.Errors)
		}
		if c.code != "" && string(r.Data) != "" && string(r.Data) != "null" {
			t.Errorf("%s: the refused operation ran: %s", c.name, r.Data)
		}
	}
}
