package httpapi_test

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
	"time"

	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Imports and exports over HTTP: GraphQL multipart uploads and
// GET /export/{workspace}.{format}, against the real Neo4j.

func TestImportActorMapOverGraphQL(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("uploads")
	files := apitest.TemplateFiles(t)

	dry := a.ImportOK(map[string]any{"ws": ws, "dry": true}, files)
	if !dry.DryRun || dry.Written || dry.Actors.Created != 2 || dry.Relationships.Created != 2 || dry.Sources.Created != 1 {
		t.Errorf("dry run: %+v", dry)
	}
	if c := contents(t, a, ws); c != "0/0/0" {
		t.Fatalf("the dry run wrote: %s", c)
	}
	rep := a.ImportOK(map[string]any{"ws": ws}, files)
	if !rep.Written || rep.Actors.Created != 2 || contents(t, a, ws) != "1/2/2" {
		t.Fatalf("import: %+v, stored %s", rep, contents(t, a, ws))
	}
	stamped := importedTimes(t, a, ws)
	again := a.ImportOK(map[string]any{"ws": ws, "format": "CSV"}, files)
	if again.Written || again.Actors.Unchanged != 2 || again.Relationships.Unchanged != 2 {
		t.Errorf("importing again: %+v", again)
	}
	if importedTimes(t, a, ws) != stamped {
		t.Error("an import that changed nothing changed the records' times")
	}
	// A sync with an empty relationships file would remove both
	// relationships (and, having no sources file, leave the source): the
	// dry run lists them, and writes nothing.
	noRels := apitest.Upload{Name: "relationships.csv", Data: []byte("from,to,type,strength\n")}
	syncDry := a.ImportOK(map[string]any{"ws": ws, "dry": true, "sync": true}, []apitest.Upload{files[1], noRels})
	if syncDry.Relationships.Removed != 2 || syncDry.Sources.Removed != 0 || len(syncDry.Removals) != 2 || contents(t, a, ws) != "1/2/2" {
		t.Errorf("sync dry run: %+v, stored %s", syncDry, contents(t, a, ws))
	}
	for _, r := range syncDry.Removals {
		if r.Record == "relationship" && (r.ExternalID == nil || !strings.HasPrefix(*r.ExternalID, "r-") || !strings.Contains(r.Name, " ")) {
			t.Errorf("removal %+v", r)
		}
	}

	// Problems: located, coded, and nothing written.
	bad := apitest.Upload{Name: "relationships.csv", Data: []byte("From,To,Type,strength\nf-police,c-village,THREATENS,high\nPolice HQ,c-village,TRUSTS,0.5\n")}
	rep = a.ImportOK(map[string]any{"ws": ws}, []apitest.Upload{files[1], bad})
	if rep.Written || len(rep.Problems) != 2 {
		t.Fatalf("bad file: %+v", rep)
	}
	p0, p1 := rep.Problems[0], rep.Problems[1]
	if p0.Row == nil || *p0.Row != 2 || *p0.Column != "strength" || p0.Code != "BAD_NUMBER" || p0.Element != nil ||
		p1.Row == nil || *p1.Row != 3 || *p1.Column != "From" || p1.Code != "UNKNOWN_ACTOR" || !strings.Contains(p1.Message, `"Police HQ" matches no actor`) {
		t.Errorf("problems: %+v", rep.Problems)
	}
}

// A graph file over GraphQL: its extra attributes are listed as kept
// (with their types) and its drawings of edges as dropped; a problem in
// it says where, in GEXF's words.
func TestImportGraphFileReportOverGraphQL(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("gephi")
	gexf := func(kind string) []apitest.Upload {
		return []apitest.Upload{{Name: "map.gexf", Data: []byte(`<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz"><graph defaultedgetype="directed">
			<attributes class="node"><attribute id="k" title="kind" type="string"/><attribute id="f" title="fighters" type="integer"/></attributes>
			<nodes><node id="n1" label="A"><attvalues><attvalue for="k" value="` + kind + `"/><attvalue for="f" value="40"/></attvalues><viz:position x="1" y="2"/></node>
			<node id="n2" label="B"><attvalues><attvalue for="k" value="COMMUNITY"/></attvalues></node></nodes>
			<edges><edge id="e1" source="n1" target="n2" label="TRUSTS" weight="0.5"><viz:thickness value="2"/></edge></edges></graph></gexf>`)}}
	}
	rep := a.ImportOK(map[string]any{"ws": ws, "dry": true}, gexf("COMMUNITY"))
	if len(rep.Problems) > 0 || rep.Actors.Created != 2 || len(rep.Kept) != 1 || rep.Kept[0] != (struct{ File, Role, Column, Key, Type string }{"map.gexf", "actors", "fighters", "fighters", "NUMBER"}) {
		t.Errorf("dry run: %+v", rep)
	}
	if len(rep.Ignored) != 1 || rep.Ignored[0].Code != "IGNORED" || !strings.Contains(rep.Ignored[0].Message, "viz:thickness") {
		t.Errorf("ignored: %+v", rep.Ignored)
	}
	rep = a.ImportOK(map[string]any{"ws": ws}, gexf("Clan"))
	if len(rep.Problems) != 1 || rep.Problems[0].Place == nil || *rep.Problems[0].Place != `GEXF node "n1", attribute "kind"` ||
		*rep.Problems[0].Element != "n1" || *rep.Problems[0].Column != "kind" || rep.Problems[0].Row != nil {
		t.Errorf("problems: %+v", rep.Problems)
	}
}

func TestImportLimitsAndBadRequests(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	cfg := apitest.Options()
	cfg.HTTP.ImportMaxBytes = 4 << 10
	a := apitest.NewWith(t, st, cfg)
	ws := a.CreateWorkspace("limits")
	files := apitest.TemplateFiles(t)

	// Without the preflight header a browser form could post this: refused.
	if status, r := a.ImportFiles(map[string]any{"ws": ws}, files, false); status != http.StatusBadRequest || r.Code() != "PREFLIGHT_REQUIRED" {
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
		// Refused before the files are read, so outside GraphQL: 400.
		{"query as multipart", `{"query":"query { __typename }"}`, true, http.StatusBadRequest, "BAD_REQUEST"},
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
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", rd)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("GraphQL-Require-Preflight", "1")
		a.Authorize(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var r apitest.Response
		_ = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != c.status || r.Code() != c.code {
			t.Errorf("%s: HTTP %d %+v", c.name, resp.StatusCode, r.Errors)
		}
	}
	big := apitest.Upload{Name: "actors.csv", Data: append([]byte("name,kind\n"), bytes.Repeat([]byte("Somebody,COMMUNITY\n"), 400)...)}
	if status, r := a.ImportFiles(map[string]any{"ws": ws}, []apitest.Upload{big}, true); status != http.StatusRequestEntityTooLarge ||
		r.Code() != "PAYLOAD_TOO_LARGE" || !strings.Contains(r.Errors[0].Message, "at most 4.0 KiB") {
		t.Errorf("too large: HTTP %d %+v", status, r.Errors)
	}
	for _, c := range []struct {
		name string
		vars map[string]any
		file []apitest.Upload
		code string
	}{
		{"unknown workspace", map[string]any{"ws": "ws_nope"}, files, "NOT_FOUND"},
		{"no files", map[string]any{"ws": ws}, nil, "BAD_USER_INPUT"},
		{"unknown format name", map[string]any{"ws": ws, "format": "PDF"}, files, "GRAPHQL_VALIDATION_FAILED"},
	} {
		_, r := a.ImportFiles(c.vars, c.file, true)
		if r.Code() != c.code {
			t.Errorf("%s: want %s, got %+v", c.name, c.code, r.Errors)
		}
	}
	if got := contents(t, a, ws); got != "0/0/0" {
		t.Errorf("refused imports wrote: %s", got)
	}
}

// contents summarises a workspace as sources/actors/relationships counts.
func contents(t *testing.T, a *apitest.API, ws string) string {
	t.Helper()
	c, err := a.Store.Contents(storetest.Ctx(), ws)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d/%d/%d", len(c.Sources), len(c.Actors), len(c.Relationships))
}

// Every format exports over HTTP with its content type, as a download;
// every importable one imports back (over GraphQL) into the same counts.
func TestExportOverHTTPAndBack(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	src, err := demo.Load(storetest.Ctx(), st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(storetest.Ctx(), src.ID) })
	want := contents(t, a, src.ID)
	for _, f := range mapio.Formats {
		t.Run(string(f), func(t *testing.T) {
			var out struct{ Workspace struct{ ExportPath string } }
			a.OK(`query($ws: ID!, $f: MapFormat!) { workspace(id: $ws) { exportPath(format: $f) } }`,
				map[string]any{"ws": src.ID, "f": strings.ToUpper(string(f))}, &out)
			if out.Workspace.ExportPath != "/export/"+src.ID+"."+string(f) {
				t.Fatalf("exportPath %q", out.Workspace.ExportPath)
			}
			resp, err := a.Get(out.Workspace.ExportPath)
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
			if f == mapio.FormatCytoscape { // its export carries no sources, so it is checked by shape here
				var cy struct{ Elements struct{ Nodes, Edges []any } }
				if err := json.Unmarshal(body, &cy); err != nil || fmt.Sprintf("%d/%d", len(cy.Elements.Nodes), len(cy.Elements.Edges)) != want[strings.Index(want, "/")+1:] {
					t.Errorf("cytoscape: %v, %d nodes, %d edges, want %s", err, len(cy.Elements.Nodes), len(cy.Elements.Edges), want)
				}
				return
			}
			files := []apitest.Upload{{Name: "export." + f.Extension(), Data: body}}
			if f == mapio.FormatCSV {
				files = unzip(t, body)
			}
			dst := a.CreateWorkspace("copy " + string(f))
			rep := a.ImportOK(map[string]any{"ws": dst}, files)
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
		resp, err := a.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		var r apitest.Response
		_ = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != code || (code != http.StatusOK && r.Code() != "NOT_FOUND") {
			t.Errorf("%s: HTTP %d %+v", path, resp.StatusCode, r.Errors)
		}
	}
}

func unzip(t *testing.T, b []byte) []apitest.Upload {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []apitest.Upload
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, apitest.Upload{Name: f.Name, Data: data})
	}
	if len(out) != 3 {
		t.Fatalf("the zip holds %d files", len(out))
	}
	return out
}

// importedTimes checks that every record of ws has a createdAt and an
// updatedAt (imports stamp them as the API's own writes do; they once
// wrote none, and every query naming them failed) and returns them all,
// so that a test can tell whether they changed.
func importedTimes(t *testing.T, a *apitest.API, ws string) string {
	t.Helper()
	var out struct {
		Workspace struct {
			Actors, Relationships, Sources struct {
				Edges []struct {
					Node struct{ CreatedAt, UpdatedAt *time.Time }
				}
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) {
	  actors(first: 50) { edges { node { createdAt updatedAt } } }
	  relationships(first: 50) { edges { node { createdAt updatedAt } } }
	  sources(first: 50) { edges { node { createdAt updatedAt } } } } }`, map[string]any{"ws": ws}, &out)
	var all []string
	w := out.Workspace
	for _, list := range [][]struct {
		Node struct{ CreatedAt, UpdatedAt *time.Time }
	}{w.Actors.Edges, w.Relationships.Edges, w.Sources.Edges} {
		if len(list) == 0 {
			t.Fatal("nothing imported")
		}
		for _, e := range list {
			n := e.Node
			if n.CreatedAt == nil || n.UpdatedAt == nil || time.Since(*n.CreatedAt) > time.Hour || n.UpdatedAt.Before(*n.CreatedAt) {
				t.Fatalf("an imported record's times: created %v, updated %v", n.CreatedAt, n.UpdatedAt)
			}
			all = append(all, n.CreatedAt.String(), n.UpdatedAt.String())
		}
	}
	return strings.Join(all, " ")
}
