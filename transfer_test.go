package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Imports and exports over HTTP: GraphQL multipart uploads and
// GET /export/{workspace}.{format}, against the real Neo4j.

const importMutation = `mutation($ws: ID!, $files: [Upload!]!, $format: MapFormat, $dry: Boolean, $sync: Boolean) {
  importActorMap(workspace: $ws, files: $files, format: $format, dryRun: $dry, sync: $sync) {
    dryRun written
    actors { created updated unchanged removed skipped }
    relationships { created updated unchanged removed skipped }
    sources { created updated unchanged removed skipped }
    problems { file row column element code message }
    skipped { file row code message }
    ignored { file column code message }
    removals { record id externalId name replaced } } }`

type importReport struct {
	DryRun, Written                bool
	Actors, Relationships, Sources struct{ Created, Updated, Unchanged, Removed, Skipped int }
	Problems                       []struct {
		File            string
		Row             *int
		Column, Element *string
		Code, Message   string
	}
	Removals []struct {
		Record, ID, Name string
		ExternalID       *string
		Replaced         bool
	}
}

type upload struct {
	name string
	data []byte
}

// multipartBody builds a GraphQL multipart request (the spec gqlgen
// implements): operations, a map from parts to variables, then the files.
func multipartBody(t *testing.T, vars map[string]any, files []upload) (*bytes.Buffer, string) {
	t.Helper()
	list := make([]any, len(files))
	vars["files"] = list
	ops, _ := json.Marshal(map[string]any{"query": importMutation, "variables": vars})
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
		fw, err := w.CreateFormFile(fmt.Sprint(i), f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	_ = w.Close()
	return &body, w.FormDataContentType()
}

// importFiles posts an import and returns the HTTP status and the answer.
func (a *api) importFiles(vars map[string]any, files []upload, preflight bool) (int, gqlResponse) {
	a.t.Helper()
	t := a.t.(*testing.T)
	body, ctype := multipartBody(t, vars, files)
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", body)
	req.Header.Set("Content-Type", ctype)
	if preflight {
		req.Header.Set("GraphQL-Require-Preflight", "1")
	}
	a.authorize(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return resp.StatusCode, out
}

func (a *api) importOK(vars map[string]any, files []upload) importReport {
	a.t.Helper()
	status, r := a.importFiles(vars, files, true)
	if status != http.StatusOK || len(r.Errors) > 0 {
		a.t.Fatalf("import: HTTP %d %+v", status, r.Errors)
	}
	var out struct{ ImportActorMap importReport }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		a.t.Fatal(err)
	}
	return out.ImportActorMap
}

func templateFiles(t *testing.T) []upload {
	var out []upload
	for _, name := range mapio.TemplateFiles {
		var b bytes.Buffer
		if err := mapio.WriteTemplate(name, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, upload{name, b.Bytes()})
	}
	return out
}

func TestImportActorMapOverGraphQL(t *testing.T) {
	st := storetest.Open(t)
	a := newAPI(t, st)
	ws := a.createWorkspace("uploads")
	files := templateFiles(t)

	dry := a.importOK(map[string]any{"ws": ws, "dry": true}, files)
	if !dry.DryRun || dry.Written || dry.Actors.Created != 2 || dry.Relationships.Created != 2 || dry.Sources.Created != 1 {
		t.Errorf("dry run: %+v", dry)
	}
	if c := contents(t, a, ws); c != "0/0/0" {
		t.Fatalf("the dry run wrote: %s", c)
	}
	rep := a.importOK(map[string]any{"ws": ws}, files)
	if !rep.Written || rep.Actors.Created != 2 || contents(t, a, ws) != "1/2/2" {
		t.Fatalf("import: %+v, stored %s", rep, contents(t, a, ws))
	}
	again := a.importOK(map[string]any{"ws": ws, "format": "CSV"}, files)
	if again.Written || again.Actors.Unchanged != 2 || again.Relationships.Unchanged != 2 {
		t.Errorf("importing again: %+v", again)
	}
	// A sync with an empty relationships file would remove both
	// relationships (and, having no sources file, leave the source): the
	// dry run lists them, and writes nothing.
	noRels := upload{"relationships.csv", []byte("from,to,type,strength\n")}
	syncDry := a.importOK(map[string]any{"ws": ws, "dry": true, "sync": true}, []upload{files[1], noRels})
	if syncDry.Relationships.Removed != 2 || syncDry.Sources.Removed != 0 || len(syncDry.Removals) != 2 || contents(t, a, ws) != "1/2/2" {
		t.Errorf("sync dry run: %+v, stored %s", syncDry, contents(t, a, ws))
	}
	for _, r := range syncDry.Removals {
		if r.Record == "relationship" && (r.ExternalID == nil || !strings.HasPrefix(*r.ExternalID, "r-") || !strings.Contains(r.Name, " ")) {
			t.Errorf("removal %+v", r)
		}
	}

	// Problems: located, coded, and nothing written.
	bad := upload{"relationships.csv", []byte("From,To,Type,strength\nf-police,c-village,THREATENS,high\nPolice HQ,c-village,TRUSTS,0.5\n")}
	rep = a.importOK(map[string]any{"ws": ws}, []upload{files[1], bad})
	if rep.Written || len(rep.Problems) != 2 {
		t.Fatalf("bad file: %+v", rep)
	}
	p0, p1 := rep.Problems[0], rep.Problems[1]
	if p0.Row == nil || *p0.Row != 2 || *p0.Column != "strength" || p0.Code != "BAD_NUMBER" || p0.Element != nil ||
		p1.Row == nil || *p1.Row != 3 || *p1.Column != "From" || p1.Code != "UNKNOWN_ACTOR" || !strings.Contains(p1.Message, `"Police HQ" matches no actor`) {
		t.Errorf("problems: %+v", rep.Problems)
	}
}

func TestImportLimitsAndBadRequests(t *testing.T) {
	st := storetest.Open(t)
	cfg := testConfig()
	cfg.ImportMaxBytes = 4 << 10
	a := newAPIWith(t, st, cfg)
	ws := a.createWorkspace("limits")
	files := templateFiles(t)

	// Without the preflight header a browser form could post this: refused.
	if status, r := a.importFiles(map[string]any{"ws": ws}, files, false); status != http.StatusBadRequest || r.code() != "PREFLIGHT_REQUIRED" {
		t.Errorf("no preflight header: HTTP %d %+v", status, r.Errors)
	}
	// Only importActorMap runs under the upload limits; and an upload must
	// say its length.
	for _, c := range []struct {
		name, ops string
		length    bool
		status    int
		code      string
	}{
		{"query as multipart", `{"query":"query { __typename }"}`, true, http.StatusOK, "BAD_REQUEST"},
		{"chunked upload", `{"query":"mutation { __typename }"}`, false, http.StatusLengthRequired, "LENGTH_REQUIRED"},
	} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("operations", c.ops)
		_ = mw.WriteField("map", "{}")
		_ = mw.Close()
		var rd io.Reader = &body
		if !c.length {
			rd = io.MultiReader(&body) // hides the length: sent chunked
		}
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", rd)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("GraphQL-Require-Preflight", "1")
		a.authorize(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r gqlResponse
		_ = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != c.status || r.code() != c.code {
			t.Errorf("%s: HTTP %d %+v", c.name, resp.StatusCode, r.Errors)
		}
	}
	big := upload{"actors.csv", append([]byte("name,kind\n"), bytes.Repeat([]byte("Somebody,COMMUNITY\n"), 400)...)}
	if status, r := a.importFiles(map[string]any{"ws": ws}, []upload{big}, true); status != http.StatusRequestEntityTooLarge ||
		r.code() != "PAYLOAD_TOO_LARGE" || !strings.Contains(r.Errors[0].Message, "at most 4.0 KiB") {
		t.Errorf("too large: HTTP %d %+v", status, r.Errors)
	}
	for _, c := range []struct {
		name string
		vars map[string]any
		file []upload
		code string
	}{
		{"unknown workspace", map[string]any{"ws": "ws_nope"}, files, "NOT_FOUND"},
		{"export-only format", map[string]any{"ws": ws, "format": "CYTOSCAPE"}, files, "BAD_USER_INPUT"},
		{"no files", map[string]any{"ws": ws}, nil, "BAD_USER_INPUT"},
		{"unknown format name", map[string]any{"ws": ws, "format": "PDF"}, files, "GRAPHQL_VALIDATION_FAILED"},
	} {
		_, r := a.importFiles(c.vars, c.file, true)
		if r.code() != c.code {
			t.Errorf("%s: want %s, got %+v", c.name, c.code, r.Errors)
		}
	}
	if got := contents(t, a, ws); got != "0/0/0" {
		t.Errorf("refused imports wrote: %s", got)
	}
}

// contents summarises a workspace as sources/actors/relationships counts.
func contents(t *testing.T, a *api, ws string) string {
	t.Helper()
	c, err := a.st.Contents(storetest.Ctx(), ws)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d/%d/%d", len(c.Sources), len(c.Actors), len(c.Relationships))
}

// Every format exports over HTTP with its content type, as a download;
// every importable one imports back (over GraphQL) into the same counts.
func TestExportOverHTTPAndBack(t *testing.T) {
	st := storetest.Open(t)
	a := newAPI(t, st)
	src, err := demo.Load(storetest.Ctx(), st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(storetest.Ctx(), src.ID) })
	want := contents(t, a, src.ID)
	for _, f := range mapio.Formats {
		t.Run(string(f), func(t *testing.T) {
			var out struct{ Workspace struct{ ExportPath string } }
			a.ok(`query($ws: ID!, $f: MapFormat!) { workspace(id: $ws) { exportPath(format: $f) } }`,
				map[string]any{"ws": src.ID, "f": strings.ToUpper(string(f))}, &out)
			if out.Workspace.ExportPath != "/export/"+src.ID+"."+string(f) {
				t.Fatalf("exportPath %q", out.Workspace.ExportPath)
			}
			resp, err := a.get(out.Workspace.ExportPath)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != f.ContentType() ||
				!strings.Contains(resp.Header.Get("Content-Disposition"), `filename=`+src.ID+"."+f.Extension()) ||
				resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("HTTP %d %v", resp.StatusCode, resp.Header)
			}
			if !f.CanImport() {
				var cy struct{ Elements struct{ Nodes, Edges []any } }
				if err := json.Unmarshal(body, &cy); err != nil || fmt.Sprintf("%d/%d", len(cy.Elements.Nodes), len(cy.Elements.Edges)) != want[strings.Index(want, "/")+1:] {
					t.Errorf("cytoscape: %v, %d nodes, %d edges, want %s", err, len(cy.Elements.Nodes), len(cy.Elements.Edges), want)
				}
				return
			}
			files := []upload{{"export." + f.Extension(), body}}
			if f == mapio.FormatCSV {
				files = unzip(t, body)
			}
			dst := a.createWorkspace("copy " + string(f))
			rep := a.importOK(map[string]any{"ws": dst}, files)
			if len(rep.Problems) > 0 || contents(t, a, dst) != want {
				t.Errorf("re-import: %+v, stored %s, want %s", rep.Problems, contents(t, a, dst), want)
			}
		})
	}
	for path, code := range map[string]int{
		"/export/ws_nope.gexf":           http.StatusNotFound,
		"/export/" + src.ID + ".pdf":     http.StatusNotFound,
		"/export/" + src.ID:              http.StatusNotFound,
		"/export/" + src.ID + ".GRAPHML": http.StatusOK,
	} {
		resp, err := a.get(path)
		if err != nil {
			t.Fatal(err)
		}
		var r gqlResponse
		_ = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != code || (code != http.StatusOK && r.code() != "NOT_FOUND") {
			t.Errorf("%s: HTTP %d %+v", path, resp.StatusCode, r.Errors)
		}
	}
}

func unzip(t *testing.T, b []byte) []upload {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []upload
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, upload{f.Name, data})
	}
	if len(out) != 3 {
		t.Fatalf("the zip holds %d files", len(out))
	}
	return out
}
