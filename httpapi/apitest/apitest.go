// Package apitest calls the service over HTTP in tests: the whole handler
// (httpapi.New) on an httptest server over a real store, a client that
// sends GraphQL as a frontend does, and helpers that make the records a
// test needs through the API itself. The service answers exactly as it
// would in production; only its configuration (Options) is the tests'.
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/httpapi"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// AdminToken is the admin token of the services tests start.
const AdminToken = "test-admin-token-0123456789abcdefghijklmnop"

// Options is the services' configuration in tests: the default limits,
// an admin token (the one requests carry unless a test gives its own),
// introspection and suggestions on as in development, and no rate limit
// (the tests that cross it set one).
func Options() httpapi.Options {
	return httpapi.Options{
		HTTP:    config.HTTP{RequestTimeout: 30 * time.Second, MaxBodyBytes: 1 << 20, RateBurst: 1},
		GraphQL: config.GraphQL{Limits: config.DefaultLimits, GraphiQL: true, Introspection: true, Suggestions: true},
		Access:  config.Access{AdminToken: AdminToken},
	}
}

// ProductionOptions are Options as production has them: no GraphiQL, no
// introspection and no suggestions.
func ProductionOptions() httpapi.Options {
	o := Options()
	o.GraphQL.GraphiQL, o.GraphQL.Introspection, o.GraphQL.Suggestions = false, false, false
	return o
}

// Error is one GraphQL error of a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a GraphQL response.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Code is the first error's extensions.code, or "".
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// API is a running service and a client of it.
type API struct {
	T     testing.TB
	URL   string
	Store store.Store
	Logs  *observer.ObservedLogs // everything the service logged
	Token string                 // the bearer token every request carries ("" for none)
}

// New starts the service over st with Options.
func New(t testing.TB, st store.Store) *API { return NewWith(t, st, Options()) }

// NewWith starts the service over st with opts.
func NewWith(t testing.TB, st store.Store, opts httpapi.Options) *API { return Start(t, st, opts, nil) }

// Start starts the service over st with opts, in the http.Server that
// `actorgraph serve` runs (httpapi.NewServer, with opts.HTTP's timeouts),
// on a listener that listen may wrap (nil: as it is), to watch the
// connections.
func Start(t testing.TB, st store.Store, opts httpapi.Options, listen func(net.Listener) net.Listener) *API {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	h, err := httpapi.New(st, opts, zap.New(core))
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config = httpapi.NewServer(h, opts.HTTP)
	if listen != nil {
		srv.Listener = listen(srv.Listener)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return &API{T: t, URL: srv.URL, Store: st, Logs: logs, Token: opts.Access.AdminToken}
}

// As returns the same service, called with another token.
func (a *API) As(token string) *API {
	b := *a
	b.Token = token
	return &b
}

// Authorize gives a request the API's credentials. Every request a test
// sends to the service goes through it.
func (a *API) Authorize(r *http.Request) {
	if a.Token != "" {
		r.Header.Set("Authorization", "Bearer "+a.Token)
	}
}

// Get sends an authorised GET to path.
func (a *API) Get(path string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if err != nil {
		return nil, err
	}
	a.Authorize(req)
	return http.DefaultClient.Do(req)
}

// Do posts a GraphQL request and decodes the answer.
func (a *API) Do(query string, vars map[string]any) Response {
	a.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_, r := a.Post(body, nil)
	return r
}

// Post posts a raw body to /graphql with extra headers, and decodes the
// answer (which may not be JSON: then Response is empty).
func (a *API) Post(body []byte, header map[string]string) (*http.Response, Response) {
	a.T.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	a.Authorize(req)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.T.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out Response
	_ = json.Unmarshal(raw, &out)
	return resp, out
}

// OK posts a request that must succeed and decodes its data into v.
func (a *API) OK(query string, vars map[string]any, v any) {
	a.T.Helper()
	r := a.Do(query, vars)
	if len(r.Errors) > 0 {
		a.T.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			a.T.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// CreateWorkspace creates a workspace that is deleted when the test ends.
func (a *API) CreateWorkspace(name string) string {
	a.T.Helper()
	var out struct{ CreateWorkspace struct{ ID string } }
	a.OK(`mutation($n: String!) { createWorkspace(input: {name: $n}) { id } }`, map[string]any{"n": name}, &out)
	id := out.CreateWorkspace.ID
	a.T.Cleanup(func() { _, _ = a.Store.DeleteWorkspace(storetest.Ctx(), id) })
	return id
}

// CreateActor creates an actor from a CreateActorInput and returns its id.
func (a *API) CreateActor(ws string, input map[string]any) string {
	a.T.Helper()
	var out struct{ CreateActor struct{ ID string } }
	a.OK(`mutation($ws: ID!, $in: CreateActorInput!) { createActor(workspace: $ws, input: $in) { id } }`,
		map[string]any{"ws": ws, "in": input}, &out)
	return out.CreateActor.ID
}

// CreateRelationship creates a relationship and returns its id.
func (a *API) CreateRelationship(input map[string]any) string {
	a.T.Helper()
	var out struct{ CreateRelationship struct{ ID string } }
	a.OK(`mutation($in: CreateRelationshipInput!) { createRelationship(input: $in) { id } }`, map[string]any{"in": input}, &out)
	return out.CreateRelationship.ID
}

// CreateSource creates a REPORT source and returns its id.
func (a *API) CreateSource(ws, title, sensitivity string) string {
	a.T.Helper()
	var out struct{ CreateSource struct{ ID string } }
	a.OK(`mutation($ws: ID!, $in: CreateSourceInput!) { createSource(workspace: $ws, input: $in) { id } }`,
		map[string]any{"ws": ws, "in": map[string]any{"title": title, "kind": "REPORT", "sensitivity": sensitivity}}, &out)
	return out.CreateSource.ID
}

// CreateToken issues a token for ws with role (and clearance, if not "")
// and returns its secret and subject.
func (a *API) CreateToken(ws, role, clearance string) (secret, subject string) {
	a.T.Helper()
	in := map[string]any{"workspace": ws, "name": strings.ToLower(role) + " of " + ws, "role": role}
	if clearance != "" {
		in["clearance"] = clearance
	}
	var out struct {
		CreateToken struct {
			Secret string
			Token  struct{ ID, Subject string }
		}
	}
	a.OK(`mutation($in: CreateTokenInput!) { createToken(input: $in) { secret token { id subject } } }`, map[string]any{"in": in}, &out)
	return out.CreateToken.Secret, out.CreateToken.Token.Subject
}

// WorkspaceDump is a workspace's whole content as the API shows it.
const WorkspaceDump = `query($ws: ID!) { workspace(id: $ws) { name description actorCount relationshipCount
  actors(first: 500, orderBy: {field: CREATED_AT}) { totalCount edges { node { id kind name description region tags frameworks externalId updatedAt
    sources { id } customAttributes { key value type } layout { x y z size color }
    ... on Community { population rightsAwareness marginalised } ... on SecurityForce { forceType } } } }
  relationships(first: 500) { totalCount edges { node { id type strength confidence perceivedBy mechanism channel power form
    validFrom validTo notes frameworks externalId updatedAt from { id } to { id } sources { id } customAttributes { key value type } } } }
  sources(first: 500) { totalCount edges { node { id title kind url publishedOn reliability externalId updatedAt } } } } }`

// Dump is WorkspaceDump's answer for ws, as JSON.
func (a *API) Dump(ws string) string {
	a.T.Helper()
	r := a.Do(WorkspaceDump, map[string]any{"ws": ws})
	if len(r.Errors) > 0 {
		a.T.Fatalf("dump: %+v", r.Errors)
	}
	return string(r.Data)
}

// ImportMutation is importActorMap with the whole report.
const ImportMutation = `mutation($ws: ID!, $files: [Upload!]!, $format: MapFormat, $dry: Boolean, $sync: Boolean, $mapping: String, $suggest: Boolean) {
  importActorMap(workspace: $ws, files: $files, format: $format, dryRun: $dry, sync: $sync, mapping: $mapping, suggestMapping: $suggest) {
    dryRun written
    actors { created updated unchanged removed skipped }
    relationships { created updated unchanged removed skipped }
    sources { created updated unchanged removed skipped }
    problems { file row column element place code message }
    skipped { file row code message }
    kept { file role column key type }
    ignored { file column code message }
    removals { record id externalId name replaced }
    mapping values { role column field values { value count } more } suggestedMapping } }`

// ImportReport is ImportMutation's answer.
type ImportReport struct {
	DryRun, Written                bool
	Actors, Relationships, Sources struct{ Created, Updated, Unchanged, Removed, Skipped int }
	Problems                       []struct {
		File                   string
		Row                    *int
		Column, Element, Place *string
		Code, Message          string
	}
	Kept    []struct{ File, Role, Column, Key, Type string }
	Ignored []struct {
		File          string
		Column        *string
		Code, Message string
	}
	Removals []struct {
		Record, ID, Name string
		ExternalID       *string
		Replaced         bool
	}
	Mapping []string
	Values  []struct {
		Role, Column string
		Field        *string
		Values       []struct {
			Value string
			Count int
		}
		More int
	}
	SuggestedMapping *string
}

// Upload is one file of an import.
type Upload struct {
	Name string
	Data []byte
}

// MultipartBody builds a GraphQL multipart request for ImportMutation
// (the spec gqlgen implements): operations, a map from parts to
// variables, then the files.
func MultipartBody(t testing.TB, vars map[string]any, files []Upload) (*bytes.Buffer, string) {
	t.Helper()
	vars["files"] = make([]any, len(files))
	ops, _ := json.Marshal(map[string]any{"query": ImportMutation, "variables": vars})
	m := map[string][]string{}
	for i := range files {
		m[fmt.Sprint(i)] = []string{fmt.Sprintf("variables.files.%d", i)}
	}
	mapJSON, _ := json.Marshal(m)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", string(mapJSON))
	for i, f := range files {
		fw, err := w.CreateFormFile(fmt.Sprint(i), f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.Data)
	}
	_ = w.Close()
	return &body, w.FormDataContentType()
}

// ImportFiles posts an import and returns the HTTP status and the answer.
func (a *API) ImportFiles(vars map[string]any, files []Upload, preflight bool) (int, Response) {
	a.T.Helper()
	body, ctype := MultipartBody(a.T, vars, files)
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", body)
	req.Header.Set("Content-Type", ctype)
	if preflight {
		req.Header.Set("GraphQL-Require-Preflight", "1")
	}
	a.Authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil {
		a.T.Fatalf("decode %s: %v", raw, err)
	}
	return resp.StatusCode, out
}

// ImportOK posts an import that must succeed and returns its report.
func (a *API) ImportOK(vars map[string]any, files []Upload) ImportReport {
	a.T.Helper()
	status, r := a.ImportFiles(vars, files, true)
	if status != http.StatusOK || len(r.Errors) > 0 {
		a.T.Fatalf("import: HTTP %d %+v", status, r.Errors)
	}
	var out struct{ ImportActorMap ImportReport }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		a.T.Fatal(err)
	}
	return out.ImportActorMap
}

// TemplateFiles are the three CSV files of the import template.
func TemplateFiles(t testing.TB) []Upload {
	var out []Upload
	for _, name := range mapio.TemplateFiles {
		var b bytes.Buffer
		if err := mapio.WriteTemplate(name, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, Upload{name, b.Bytes()})
	}
	return out
}
