package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/graph"
	"github.com/actorgraph/actorgraph/httpapi"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The attacks found against the production binary, through the whole
// handler: each refused with its code before anything runs, over POST
// and GET alike (the pre-check sits in front of every transport).
func TestAttackShapesAreRefusedBeforeAnythingRuns(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.NewWith(t, st, apitest.ProductionOptions())
	ws := a.CreateWorkspace("attacks")
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		code, words string
	}{
		{"24 fragments", fragmentChain(24), nil, "QUERY_TOO_LARGE", "fragment"},
		{"40 fragments", fragmentChain(40), nil, "QUERY_TOO_LARGE", "fragment"},
		{"14,900 fields in one selection set", repeatedField(14_900), nil, "QUERY_TOO_LARGE", "at most 200"},
		{"first: null on three levels", nestedLists("null"), map[string]any{"ws": ws}, "COMPLEXITY_LIMIT_EXCEEDED", "exceeds the limit of 200000"},
		{"five aliased gapClosures", aliasedAnalyses(5), map[string]any{"ws": ws}, "COMPLEXITY_LIMIT_EXCEEDED", "gapClosures is asked for more than once"},
		{"a repeated id", `{ nodes(ids: ["a", "a"]) { id } }`, nil, "BAD_USER_INPUT", `"a" is given more than once`},
		{"introspection", `{ __schema { queryType { name } } }`, nil, "INTROSPECTION_DISABLED", "disabled"},
	} {
		for _, get := range []bool{false, true} {
			start := time.Now()
			r := a.Do(c.query, c.vars)
			if get {
				r = getQuery(t, a, c.query, c.vars)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("%s (GET %v): took %v (the attacks took 22 to 146 s)", c.name, get, took)
			}
			if r.Code() != c.code || !strings.Contains(r.Errors[0].Message, c.words) {
				t.Errorf("%s (GET %v): want %q %q, got %+v", c.name, get, c.code, c.words, r.Errors)
			}
			if string(r.Data) != "" && string(r.Data) != "null" {
				t.Errorf("%s (GET %v): the refused operation ran: %s", c.name, get, r.Data)
			}
		}
	}
}

// Attack shapes sent as uploads (multipart) are refused before anything
// runs. An operation that is not one importActorMap is refused as such
// (BAD_REQUEST) before its files are read, whatever else is wrong with
// it; an attack inside an importActorMap (its report's selection) gets
// the pre-check's code, as over JSON, and nothing is imported.
func TestAttackShapesAreRefusedInUploads(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.NewWith(t, st, apitest.ProductionOptions())
	ws := a.CreateWorkspace("upload attacks")
	const head = `mutation($ws: ID!, $files: [Upload!]!) { importActorMap(workspace: $ws, files: $files) `
	for _, c := range []struct {
		name, query string
		status      int
		code, words string
	}{
		{"24 fragments, not an import", strings.Replace(fragmentChain(24), "query {", "query($files: [Upload!]) {", 1),
			http.StatusBadRequest, "BAD_REQUEST", "may only run the importActorMap mutation"},
		{"14,900 fields, not an import", "query($files: [Upload!]) " + repeatedField(14_900),
			http.StatusBadRequest, "BAD_REQUEST", "may only run the importActorMap mutation"},
		{"24 fragments in an import's report", head + "{ ...F0 } }\n" + reportFragmentChain(24),
			http.StatusOK, "QUERY_TOO_LARGE", "fragment"},
		{"14,900 fields in an import's report", head + repeatedReportField(14_900) + " }",
			http.StatusOK, "QUERY_TOO_LARGE", "at most 200"},
	} {
		status, r, took := upload(t, a, c.query, map[string]any{"ws": ws})
		if took > 2*time.Second {
			t.Errorf("%s: took %v", c.name, took)
		}
		if r.Code() != c.code || !strings.Contains(r.Errors[0].Message, c.words) {
			t.Errorf("%s: want %s %q, got HTTP %d %+v", c.name, c.code, c.words, status, r.Errors)
		}
		if want := c.code; want == "BAD_REQUEST" && status != c.status {
			t.Errorf("%s: HTTP %d, want %d", c.name, status, c.status)
		}
		if string(r.Data) != "" && string(r.Data) != "null" {
			t.Errorf("%s: the refused operation ran: %s", c.name, r.Data)
		}
	}
	if c, err := st.Contents(storetest.Ctx(), ws); err != nil || len(c.Actors)+len(c.Sources)+len(c.Relationships) != 0 {
		t.Errorf("refused imports wrote: %+v %v", c, err)
	}
}

// reportFragmentChain is fragmentChain on an import's report: n
// fragments, each spreading the next twice.
func reportFragmentChain(n int) string {
	var b strings.Builder
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment F%d on ImportReport { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on ImportReport { dryRun }\n", n-1)
	return b.String()
}

// repeatedReportField is repeatedField on an import's report.
func repeatedReportField(n int) string { return "{ " + strings.Repeat("dryRun ", n) + "}" }

// upload posts query as an upload, as the admin, with one small file.
// It returns the status, the answer and how long the answer took.
func upload(t *testing.T, a *apitest.API, query string, vars map[string]any) (int, apitest.Response, time.Duration) {
	t.Helper()
	vars["files"] = []any{nil}
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.files.0"]}`)
	fw, _ := w.CreateFormFile("0", "actors.csv")
	_, _ = fw.Write([]byte("name\nx\n"))
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("GraphQL-Require-Preflight", "1")
	a.Authorize(req)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apitest.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("HTTP %d, not JSON: %v", resp.StatusCode, err)
	}
	if len(r.Errors) == 0 {
		t.Fatalf("HTTP %d, no error: %s", resp.StatusCode, r.Data)
	}
	return resp.StatusCode, r, time.Since(start)
}

func getQuery(t *testing.T, a *apitest.API, query string, vars map[string]any) apitest.Response {
	t.Helper()
	v := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		v.Set("variables", string(b))
	}
	resp, err := a.Get("/graphql?" + v.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out apitest.Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET: HTTP %d, not JSON: %v", resp.StatusCode, err)
	}
	return out
}

// With suggestions off, no error suggests a name, whatever rule raised
// it; with them on, each does (so the cases are ones that suggest).
func TestNoSuggestionsWhenOff(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	prod := apitest.NewWith(t, st, apitest.ProductionOptions())
	dev := apitest.New(t, st)
	ws := dev.CreateWorkspace("suggestions")
	for _, c := range []struct {
		category, query string
		vars            map[string]any
		suggests        bool // whether gqlparser suggests here when suggestions are on
	}{
		{"field", `{ workspacez { id } }`, nil, true},
		{"argument", `query($ws: ID!) { workspace(id: $ws) { actors(firsst: 1) { totalCount } } }`, map[string]any{"ws": ws}, true},
		{"enum value", `query($ws: ID!) { workspace(id: $ws) { actors(orderBy: {field: NAMEE}) { totalCount } } }`, map[string]any{"ws": ws}, true},
		{"enum value in a variable", `query($ws: ID!, $k: [ActorKind!]) { workspace(id: $ws) { actors(filter: {kinds: $k}) { totalCount } } }`, map[string]any{"ws": ws, "k": []string{"COMMUNITI"}}, false},
		{"input field", `mutation { createWorkspace(input: {nam: "x"}) { id } }`, nil, true},
		{"type", `query($ws: Strin) { __typename }`, nil, false},
		{"type condition", `{ ... on Querry { __typename } }`, nil, false},
		{"variable", `query($wsId: ID!) { workspace(id: $wsid) { id } }`, map[string]any{"wsId": ws}, false},
	} {
		off := prod.Do(c.query, c.vars)
		if len(off.Errors) == 0 {
			t.Errorf("%s: no error: %s", c.category, off.Data)
		}
		for _, e := range off.Errors {
			if strings.Contains(e.Message, "Did you mean") || strings.Contains(e.Message, "did you mean") {
				t.Errorf("%s: suggestions off, yet %q", c.category, e.Message)
			}
		}
		if on := dev.Do(c.query, c.vars); c.suggests && !anySuggests(on.Errors) {
			t.Errorf("%s: suggestions on, yet no suggestion: %+v", c.category, on.Errors)
		}
	}
}

func anySuggests(errs []apitest.Error) bool {
	for _, e := range errs {
		if strings.Contains(e.Message, "Did you mean") {
			return true
		}
	}
	return false
}

// Introspection where it is off: refused with its code, never an
// internal error, and logged once at info however often it is tried;
// __typename still answers.
func TestIntrospectionRefusedAndLoggedOnce(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.NewWith(t, st, apitest.ProductionOptions())
	for range 3 {
		for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "Actor") { name } }`} {
			if r := a.Do(q, nil); r.Code() != "INTROSPECTION_DISABLED" {
				t.Errorf("%s: want INTROSPECTION_DISABLED, got %+v", q, r.Errors)
			}
		}
	}
	var out struct {
		Typename string `json:"__typename"`
	}
	a.OK(`{ __typename }`, nil, &out)
	if out.Typename != "Query" {
		t.Errorf("__typename: %q", out.Typename)
	}
	if n := a.Logs.FilterMessageSnippet("introspection").Len(); n != 1 {
		t.Errorf("introspection logged %d times; want once", n)
	}
	if n := a.Logs.Filter(func(e observer.LoggedEntry) bool { return e.Level >= zapcore.WarnLevel }).Len(); n != 0 {
		t.Errorf("%d warnings or errors logged: %+v", n, a.Logs.All())
	}
}

// Every Float argument and every Float input field, found by
// introspection (so a new one cannot be forgotten), refuses NaN,
// Infinity and -Infinity, and nothing changes.
func TestEveryFloatRefusesNonFiniteNumbers(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("floats")
	a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Tamal"})
	before := a.Dump(ws)
	s := introspect(t, a)
	sent := 0
	for _, target := range s.floatTargets() {
		for _, bad := range []string{"NaN", "Infinity", "-Infinity"} {
			query, vars := s.operation(t, target, ws, bad)
			r := a.Do(query, vars)
			sent++
			if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "must be a finite number") {
				t.Errorf("%s = %s: want BAD_USER_INPUT, \"… must be a finite number\", got %+v\n%s", target, bad, r.Errors, query)
			}
		}
	}
	if sent < 3*20 {
		t.Errorf("only %d requests sent: the schema's Float arguments were not found", sent)
	}
	if after := a.Dump(ws); after != before {
		t.Errorf("refused requests changed the workspace:\n%s\n%s", before, after)
	}
}

// Every field whose resolver runs the analysis engine is marked
// @analysis in the schema, so that the operation limits weigh it.
func TestEveryAnalysisIsWeighed(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("../resolvers/*.go")
	found := 0
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil || !runsAnalysis(fn.Body) {
				continue
			}
			typ := strings.TrimSuffix(strings.TrimPrefix(recvName(fn), "*"), "Resolver")
			if typ == "" || typ == "Resolver" || typ == recvName(fn) {
				continue // a helper, not a field's resolver
			}
			obj := schema.Types[strings.ToUpper(typ[:1])+typ[1:]]
			field := strings.ToLower(fn.Name.Name[:1]) + fn.Name.Name[1:]
			if obj == nil || obj.Fields.ForName(field) == nil {
				t.Errorf("%s: resolver %s.%s runs an analysis but names no schema field", path, typ, fn.Name.Name)
				continue
			}
			found++
			if obj.Fields.ForName(field).Directives.ForName("analysis") == nil {
				t.Errorf("%s.%s runs the analysis engine but is not marked @analysis(cost: …) in the schema", obj.Name, field)
			}
		}
	}
	if found < 5 {
		t.Errorf("found %d analysis resolvers; the five of schema/analysis.graphqls at least", found)
	}
}

// runsAnalysis reports whether body calls the analysis engine, itself or
// through beginAnalysis or analysisGraph.
func runsAnalysis(body *ast.BlockStmt) bool {
	runs := false
	ast.Inspect(body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "beginAnalysis" || sel.Sel.Name == "analysisGraph" || sel.Sel.Name == "Analysis") {
			runs = true
		}
		return !runs
	})
	return runs
}

func recvName(fn *ast.FuncDecl) string {
	switch x := fn.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name
		}
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// Every GraphQL example of the README and docs/ passes the pre-check with
// the default limits: they are generous enough for real use.
func TestDocumentedQueriesPassThePreCheck(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../docs/*.md")
	files = append(files, "../README.md")
	block := regexp.MustCompile("(?s)```graphql\n(.*?)```")
	check := httpapi.NewPreChecker(config.DefaultLimits, false)
	n := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllStringSubmatch(string(b), -1) {
			n++
			if code, msg, _ := check.Check(m[1], nil); code != "" {
				t.Errorf("%s: an example is refused: %s %s\n%s", path, code, msg, m[1])
			}
		}
	}
	if n < 5 {
		t.Errorf("found %d examples", n)
	}
	if code, _, _ := check.Check(apitest.WorkspaceDump, map[string]any{"ws": "w"}); code != "" {
		t.Errorf("the workspace dump is refused: %s", code)
	}
}
