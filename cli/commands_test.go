package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The commands against the real Neo4j (NEO4J_URI, as dev/test sets it).

// testIO is the process's environment with the given streams.
func testIO(stdout, stderr io.Writer) IO {
	return IO{Env: os.LookupEnv, Stdout: stdout, Stderr: stderr}
}

func TestTemplateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out strings.Builder
	if err := runTemplate([]string{"-o", dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"actors.csv", "relationships.csv", "sources.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := runTemplate([]string{"-o", dir}, &out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrote the template: %v", err)
	}
	if err := runTemplate([]string{"--format", "pdf"}, &out); err == nil {
		t.Error("format pdf accepted")
	}
	xlsx := filepath.Join(dir, "t.xlsx")
	if err := runTemplate([]string{"--format", "xlsx", "-o", xlsx}, &out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables, problems := mapio.ReadWorkbook(xlsx, f)
	if len(problems) > 0 || len(tables) != 3 || len(tables["actors"].Rows) != 2 {
		t.Errorf("the xlsx template reads back as %d sheets, problems %v", len(tables), problems)
	}
}

func TestImportCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	dir := t.TempDir()
	if err := runTemplate([]string{"-o", dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	paths := []string{dir + "/sources.csv", dir + "/actors.csv", dir + "/relationships.csv"}
	var out strings.Builder
	if err := runImport(ctx, append([]string{"--workspace", ws.ID, "--dry-run"}, paths...), testIO(&out, io.Discard)); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if c, _ := st.Contents(storetest.Ctx(), ws.ID); len(c.Actors) != 0 {
		t.Fatal("the dry run wrote")
	}
	out.Reset()
	var progress strings.Builder
	if err := runImport(ctx, append([]string{"--workspace", ws.ID}, paths...), testIO(&out, &progress)); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	// Not a terminal: one plain line per stage.
	if want := "checking 3 sources and actors against the workspace, then the relationships as they are read\n" +
		"3 changes written so far (kept when the import finishes, undone if it fails)\n" +
		"5 changes written so far (kept when the import finishes, undone if it fails)\ncommitted\n"; !strings.HasSuffix(progress.String(), want) {
		t.Errorf("progress:\n%s", progress.String())
	}
	if !strings.Contains(out.String(), "actors: 2 created") || !strings.Contains(out.String(), "relationships: 2 created") {
		t.Errorf("summary:\n%s", out.String())
	}
	// Export the imported map, and import the export into a new workspace.
	exportDir := filepath.Join(dir, "export")
	out.Reset()
	if err := runExport(ctx, []string{"--workspace", ws.ID, "-o", exportDir}, testIO(&out, io.Discard)); err != nil || !strings.Contains(out.String(), "1 sources, 2 actors, 2 relationships") {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	if err := runExport(ctx, []string{"--workspace", ws.ID, "-o", exportDir}, testIO(io.Discard, io.Discard)); err == nil {
		t.Error("export overwrote existing files")
	}
	copyWS := storetest.Workspace(t, st)
	out.Reset()
	exported := []string{exportDir + "/sources.csv", exportDir + "/actors.csv", exportDir + "/relationships.csv"}
	if err := runImport(ctx, append([]string{"--workspace", copyWS.ID}, exported...), testIO(&out, io.Discard)); err != nil || !strings.Contains(out.String(), "actors: 2 created") {
		t.Fatalf("importing the export: %v\n%s", err, out.String())
	}
	// The same through one workbook.
	book := filepath.Join(dir, "map.xlsx")
	if err := runExport(ctx, []string{"--workspace", ws.ID, "--format", "xlsx", "-o", book}, testIO(io.Discard, io.Discard)); err != nil {
		t.Fatal(err)
	}
	bookWS := storetest.Workspace(t, st)
	out.Reset()
	if err := runImport(ctx, []string{"--workspace", bookWS.ID, book}, testIO(&out, io.Discard)); err != nil || !strings.Contains(out.String(), "relationships: 2 created") {
		t.Fatalf("importing the workbook: %v\n%s", err, out.String())
	}
	bad := dir + "/bad-relationships.csv"
	if err := os.WriteFile(bad, []byte("From,To,Type,strength\nf-police,c-village,THREATENS,high\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := runImport(ctx, []string{"--workspace", ws.ID, dir + "/actors.csv", bad}, testIO(&out, io.Discard))
	if !errors.Is(err, errProblems) || !strings.Contains(out.String(), `row 2 column "strength": strength "high" is not a number between 0 and 1`) {
		t.Errorf("bad file: %v\n%s", err, out.String())
	}
}

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("token command")
	var out strings.Builder
	if err := runToken(ctx, []string{"create", "--workspace", ws, "--role", "ANALYST", "--name", "field laptop", "--expires", "24h"}, testIO(&out, io.Discard)); err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out.String())
	var v struct {
		Viewer struct {
			Subject     string
			Memberships []struct{ Role, Clearance string }
		}
	}
	a.As(secret).OK(`{ viewer { subject memberships { role clearance } } }`, nil, &v)
	if len(v.Viewer.Memberships) != 1 || v.Viewer.Memberships[0].Role != "ANALYST" || v.Viewer.Memberships[0].Clearance != "RESTRICTED" {
		t.Fatalf("the CLI's token: %+v", v)
	}
	out.Reset()
	if err := runToken(ctx, []string{"list", "--workspace", ws}, testIO(&out, io.Discard)); err != nil || !strings.Contains(out.String(), "field laptop") {
		t.Fatalf("list: %v %s", err, out.String())
	}
	id := strings.TrimPrefix(v.Viewer.Subject, "token:")
	out.Reset()
	if err := runToken(ctx, []string{"revoke", id}, testIO(&out, io.Discard)); err != nil || !strings.Contains(out.String(), "revoked") {
		t.Fatalf("revoke: %v %s", err, out.String())
	}
	// The command is another process to the service: the service may
	// trust the token it verified for up to store.AccessCacheTTL more
	// (docs/access-control.md). Poll until it refuses it; fail if it
	// never does within a minute.
	for deadline := time.Now().Add(time.Minute); ; {
		r := a.As(secret).Do(`{ viewer { subject } }`, nil)
		if r.Code() == "UNAUTHENTICATED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked CLI token still works after a minute (AccessCacheTTL %s): %+v", store.AccessCacheTTL, r)
		}
		time.Sleep(100 * time.Millisecond) // a poll: the loop ends on the condition
	}
	for _, args := range [][]string{{}, {"create", "--workspace", ws, "--role", "KING", "--name", "n"}, {"create", "--role", "VIEWER", "--name", "n"},
		{"create", "--workspace", "ws_nope", "--role", "VIEWER", "--name", "n"}, {"revoke"}, {"frobnicate"}} {
		if err := runToken(ctx, args, testIO(io.Discard, io.Discard)); err == nil {
			t.Errorf("token %v accepted", args)
		}
	}
	// The operator's actions are audited under the machine's user.
	var log struct {
		Workspace struct {
			AuditLog struct {
				Edges []struct {
					Node struct{ Subject, Operation string }
				}
			}
		}
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { auditLog { edges { node { subject operation } } } } }`, map[string]any{"ws": ws}, &log)
	if e := log.Workspace.AuditLog.Edges; len(e) < 2 || e[0].Node.Operation != "revokeToken" || !strings.HasPrefix(e[0].Node.Subject, "cli:") {
		t.Errorf("audit of the CLI: %+v", e)
	}
}

// The commands that work straight against Neo4j read only its settings:
// a setting of the service's that is half done (a JWT secret without its
// issuer and audience, which serve refuses) does not stop them.
func TestTokenCommandIgnoresTheServicesSettings(t *testing.T) {
	t.Parallel()
	storetest.Open(t) // the schema is in place
	// Only the database's settings come from this process; whatever else
	// it holds (a whole JWT configuration, say) stays out.
	env := func(k string) (string, bool) {
		switch {
		case k == "ACTORGRAPH_JWT_SECRET":
			return strings.Repeat("s", 40), true
		case strings.HasPrefix(k, "NEO4J_"):
			return os.LookupEnv(k)
		}
		return "", false
	}
	std := IO{Env: env, Stdout: io.Discard, Stderr: io.Discard}
	if err := serve(context.Background(), nil, std); err == nil || !strings.Contains(err.Error(), "ACTORGRAPH_JWT_ISSUER") {
		t.Fatalf("serve with these settings: %v, want it refused", err)
	}
	var out strings.Builder
	std.Stdout = &out
	if err := runToken(context.Background(), []string{"list"}, std); err != nil {
		t.Fatalf("token list: %v", err)
	}
	if !strings.HasPrefix(out.String(), "ID ") {
		t.Errorf("token list printed %q", out.String())
	}
}

// kumuMap is a Kumu blueprint as researchers keep them: everyday kind
// names, polarity types, no strengths.
const kumuMap = `{"elements": [
 {"_id": "e1", "attributes": {"label": "Riverside village", "element type": "Community"}},
 {"_id": "e2", "attributes": {"label": "District police", "element type": "Police"}},
 {"_id": "e3", "attributes": {"label": "Legal aid clinic", "element type": "Stakeholder"}}],
 "connections": [
 {"_id": "c1", "from": "e2", "to": "e1", "attributes": {"connection type": "--"}},
 {"_id": "c2", "from": "e3", "to": "e1", "attributes": {"connection type": "++"}},
 {"_id": "c3", "from": "e3", "to": "e2", "direction": "mutual", "attributes": {"connection type": "+-"}}]}`

// The dry run suggests a mapping; the file it writes parses, lists the
// values found, and once its blanks are filled imports the map.
func TestImportSuggestMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	dir := t.TempDir()
	file, suggested := filepath.Join(dir, "map.json"), filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(file, []byte(kumuMap), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := runImport(ctx, []string{"--workspace", ws.ID, "--suggest-mapping", suggested, file}, testIO(&out, io.Discard))
	if err == nil || !strings.Contains(err.Error(), "--dry-run") {
		t.Fatalf("--suggest-mapping without --dry-run: %v", err)
	}
	err = runImport(ctx, []string{"--workspace", ws.ID, "--dry-run", "--suggest-mapping", suggested, file}, testIO(&out, io.Discard))
	if !errors.Is(err, errProblems) {
		t.Fatalf("dry run of a map without meaning: %v\n%s", err, out.String())
	}
	for _, want := range []string{`values: actors "kind" (read as kind): `, `"Stakeholder" (1)`, `values: relationships "type" (read as type): `,
		"suggested mapping written to " + suggested} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run's printout lacks %q:\n%s", want, out.String())
		}
	}
	text, err := os.ReadFile(suggested)
	if err != nil {
		t.Fatal(err)
	}
	if _, ps := mapio.ParseMapping(mapio.MappingInput{Text: text}); len(ps) > 0 {
		t.Fatalf("the suggestion does not parse: %v\n%s", ps, text)
	}
	for _, want := range []string{`"Police": "SECURITY_FORCE"`, `"Community": "COMMUNITY"`, `"Stakeholder": ""`, `"++": "SUPPORTS"`, `"--": "IN_TENSION_WITH"`, `"+-": ""`, `undirected: ""`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the suggestion lacks %s:\n%s", want, text)
		}
	}
	if err := runImport(ctx, []string{"--workspace", ws.ID, "--dry-run", "--suggest-mapping", suggested, file}, testIO(io.Discard, io.Discard)); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrote the suggestion: %v", err)
	}
	// With a bad mapping there is nothing to suggest, and no file is written.
	bad, other := filepath.Join(dir, "bad.yaml"), filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(bad, []byte("actors: {kind: {values: {Police: COPS}}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = runImport(ctx, []string{"--workspace", ws.ID, "--dry-run", "--mapping", bad, "--suggest-mapping", other, file}, testIO(&out, io.Discard))
	if _, statErr := os.Stat(other); !errors.Is(err, errProblems) || statErr == nil || !strings.Contains(out.String(), "no mapping suggested") ||
		!strings.Contains(out.String(), bad+` line 1 column "actors.kind.values.Police": "COPS" is not a kind of actor`) {
		t.Errorf("a bad mapping with --suggest-mapping: %v, file: %v, printout:\n%s", err, statErr, out.String())
	}
	filled := strings.NewReplacer(`"Stakeholder": ""`, `"Stakeholder": "CIVIL_SOCIETY"`, `"+-": ""`, `"+-": "COOPERATES_WITH"`,
		`undirected: ""`, `undirected: "both"`, `    default: ""  # a number between 0 and 1`, `    default: "0.5"  # a number between 0 and 1`).Replace(string(text))
	filledPath := filepath.Join(dir, "filled.yaml")
	if err := os.WriteFile(filledPath, []byte(filled), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runImport(ctx, []string{"--workspace", ws.ID, "--mapping", filledPath, file}, testIO(&out, io.Discard)); err != nil {
		t.Fatalf("import with the filled mapping: %v\n%s\n%s", err, out.String(), filled)
	}
	for _, want := range []string{`mapping: actors: kind from attribute "kind": "Stakeholder" -> CIVIL_SOCIETY (1 actor)`,
		"mapping: relationships: undirected edge e3-e2 -> 2 relationships, one each way", "relationships: 4 created"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the import's printout lacks %q:\n%s", want, out.String())
		}
	}
	c, _ := st.Contents(storetest.Ctx(), ws.ID)
	if len(c.Actors) != 3 || len(c.Relationships) != 4 {
		t.Errorf("stored %d actors, %d relationships", len(c.Actors), len(c.Relationships))
	}
}

// The shortcuts work without a file and win over it; a bad one is a
// problem of the command line, and nothing is written.
func TestImportMappingFlags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	dir := t.TempDir()
	file, mapping := filepath.Join(dir, "map.json"), filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(file, []byte(`{"elements": [{"_id": "a", "label": "A"}, {"_id": "b", "label": "B"}],
		"connections": [{"from": "a", "to": "b", "direction": "undirected"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mapping, []byte("actors:\n  kind: {default: COMMUNITY}\nundirected: both\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		args      []string
		wantRels  int
		wantKind  string
		wantError string
	}{
		{"flags alone", []string{"--default-kind", "movement", "--default-type", "DIALOGUE", "--default-strength", "0.6", "--undirected", "DIALOGUE"}, 1, "MOVEMENT", ""},
		{"flags win over the file", []string{"--mapping", mapping, "--default-kind", "CIVIL_SOCIETY", "--default-type", "COOPERATES_WITH", "--default-strength", "0.6"}, 2, "CIVIL_SOCIETY", ""},
		{"a bad flag", []string{"--default-kind", "Person", "--default-type", "DIALOGUE", "--default-strength", "0.6", "--undirected", "both"}, 0, "", `problem: command line column "--default-kind": "Person" is not a kind of actor`},
		{"a strength out of range", []string{"--mapping", mapping, "--default-type", "DIALOGUE", "--default-strength", "7"}, 0, "", "between 0 and 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws := storetest.Workspace(t, st)
			var out strings.Builder
			err := runImport(ctx, append(append([]string{"--workspace", ws.ID}, c.args...), file), testIO(&out, io.Discard))
			got, _ := st.Contents(storetest.Ctx(), ws.ID)
			if c.wantError != "" {
				if !errors.Is(err, errProblems) || !strings.Contains(out.String(), c.wantError) || len(got.Actors) != 0 {
					t.Errorf("err %v, %d actors written, printout:\n%s", err, len(got.Actors), out.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if len(got.Relationships) != c.wantRels || string(got.Actors[0].Kind) != c.wantKind {
				t.Errorf("%d relationships, kind %s; printout:\n%s", len(got.Relationships), got.Actors[0].Kind, out.String())
			}
		})
	}
}
