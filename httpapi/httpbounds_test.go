package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/httpapi"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The bounds of HTTP itself, against the server `actorgraph serve` runs
// (httpapi.NewServer) over raw connections: slow bodies end, uploads
// have their own deadlines once authorised, and an import is refused
// before its files are read.

// answerBound is how long a test waits for the server to answer or close
// a connection: far beyond the timeouts under test (a fraction of a
// second), so that a busy machine cannot fail it, yet short of forever,
// which is what a slow body got before.
const answerBound = 60 * time.Second

// boundsOptions are the test service's options with small timeouts.
func boundsOptions() httpapi.Options {
	o := apitest.Options()
	o.HTTP.ReadTimeout, o.HTTP.WriteTimeout, o.HTTP.IdleTimeout = 300*time.Millisecond, time.Minute, time.Minute
	o.HTTP.TransferTimeout, o.HTTP.ImportMaxBytes = 2*time.Minute, 256<<20
	return o
}

// exchange sends head (request line and headers, each ending in CRLF)
// and then body on a connection of its own, while it reads the answer,
// which must come (or the connection close) within answerBound. The body
// is closed when sent, or when the connection is.
func exchange(t *testing.T, url, head string, body io.ReadCloser) (*http.Response, apitest.Response, error) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(answerBound))
	go func() {
		if _, err := io.WriteString(conn, head+"\r\n"); err == nil && body != nil {
			_, _ = io.Copy(conn, body)
		}
		if body != nil {
			_ = body.Close()
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, apitest.Response{}, err
	}
	raw, err := io.ReadAll(resp.Body)
	var r apitest.Response
	_ = json.Unmarshal(raw, &r)
	return resp, r, err
}

// slowReader gives its chunks one at a time, pausing before each but the
// first: a client whose body arrives slowly. The pauses are lower bounds
// on the time the body takes, whatever the machine's load.
type slowReader struct {
	chunks [][]byte
	pause  time.Duration
	sent   int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		return 0, io.EOF
	}
	if s.sent > 0 {
		time.Sleep(s.pause)
	}
	n := copy(p, s.chunks[0])
	if s.chunks[0] = s.chunks[0][n:]; len(s.chunks[0]) == 0 {
		s.chunks = s.chunks[1:]
		s.sent++
	}
	return n, nil
}

func (s *slowReader) Close() error { return nil }

// uploadHead is the head of a multipart POST to /graphql.
func uploadHead(ctype string, length int, token string) string {
	h := fmt.Sprintf("POST /graphql HTTP/1.1\r\nHost: actorgraph.test\r\nContent-Type: %s\r\nContent-Length: %d\r\nGraphQL-Require-Preflight: 1\r\n", ctype, length)
	if token != "" {
		h += "Authorization: Bearer " + token + "\r\n"
	}
	return h
}

// A hundred clients announce 1000 bytes of body and send 10; every one
// is answered REQUEST_TIMEOUT, and its connection closed, once
// --read-timeout has passed, while others are served.
func TestSlowBodiesEnd(t *testing.T) {
	t.Parallel()
	a := apitest.Start(t, storetest.Open(t), boundsOptions(), nil)
	const clients = 100
	head := "POST /graphql HTTP/1.1\r\nHost: actorgraph.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
	var wg sync.WaitGroup
	errc := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			resp, r, err := exchange(t, a.URL, head, io.NopCloser(strings.NewReader(`{"query":"`)))
			switch {
			case err != nil:
				errc <- fmt.Errorf("client %d: no answer: %v", i, err)
			case resp.StatusCode != http.StatusRequestTimeout || r.Code() != "REQUEST_TIMEOUT" || !strings.Contains(r.Errors[0].Message, "--read-timeout"):
				errc <- fmt.Errorf("client %d: HTTP %d %+v, want 408 REQUEST_TIMEOUT", i, resp.StatusCode, r.Errors)
			case !resp.Close:
				errc <- fmt.Errorf("client %d: the connection was kept open after a body that never came", i)
			}
		})
	}
	// Meanwhile an ordinary request is answered.
	var out struct{ Viewer struct{ Subject string } }
	a.OK(`{ viewer { subject } }`, nil, &out)
	if out.Viewer.Subject != "admin" {
		t.Errorf("an ordinary request beside the slow ones: %+v", out)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// Uploads: once authorised, an import's files may take longer than
// --read-timeout to arrive (up to --transfer-timeout); before that, its
// operations part is read like any body, and a caller without a valid
// token never gets the longer deadline.
func TestUploadDeadlines(t *testing.T) {
	t.Parallel()
	a := apitest.Start(t, storetest.Open(t), boundsOptions(), nil)
	ws := a.CreateWorkspace("slow uploads")
	body, ctype := apitest.MultipartBody(t, map[string]any{"ws": ws, "dry": true}, apitest.TemplateFiles(t))
	raw := body.Bytes()
	files := bytes.Index(raw, []byte(`name="0"`)) // where the first file's part begins
	ops := bytes.Index(raw, []byte(`"variables"`))
	pause := 2 * boundsOptions().HTTP.ReadTimeout
	for _, c := range []struct {
		name   string
		token  string
		chunks [][]byte
		status int
		code   string
	}{
		// operations and map at once, then the files in four pieces, each
		// after twice the read timeout.
		{"steady upload by an importer", apitest.AdminToken, split(raw, files, files+(len(raw)-files)/4, files+(len(raw)-files)/2, files+3*(len(raw)-files)/4), http.StatusOK, ""},
		{"operations slower than the read timeout", apitest.AdminToken, split(raw, ops), http.StatusRequestTimeout, "REQUEST_TIMEOUT"},
		{"no token", "", split(raw, files), http.StatusUnauthorized, "UNAUTHENTICATED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			resp, r, err := exchange(t, a.URL, uploadHead(ctype, len(raw), c.token), &slowReader{chunks: c.chunks, pause: pause})
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.StatusCode != c.status || r.Code() != c.code {
				t.Fatalf("HTTP %d %+v, want %d %q", resp.StatusCode, r.Errors, c.status, c.code)
			}
			if c.status != http.StatusOK {
				return
			}
			var rep struct{ ImportActorMap apitest.ImportReport }
			if err := json.Unmarshal(r.Data, &rep); err != nil || rep.ImportActorMap.Actors.Created != 2 {
				t.Errorf("report %+v (%v)", rep, err)
			}
			if took := time.Since(start); took < 3*pause {
				t.Errorf("the upload took %v, not the %v its pauses make: the test proves nothing", took, 3*pause)
			}
		})
	}
}

// An authorised upload's files that stop arriving are cut off at
// --transfer-timeout, with a code.
func TestUploadFilesPastTheTransferTimeout(t *testing.T) {
	t.Parallel()
	opts := boundsOptions()
	opts.HTTP.TransferTimeout = time.Second
	a := apitest.Start(t, storetest.Open(t), opts, nil)
	ws := a.CreateWorkspace("stalled upload")
	body, ctype := apitest.MultipartBody(t, map[string]any{"ws": ws, "dry": true}, apitest.TemplateFiles(t))
	raw := body.Bytes()
	files := bytes.Index(raw, []byte(`name="0"`))
	start := time.Now()
	resp, r, err := exchange(t, a.URL, uploadHead(ctype, len(raw), apitest.AdminToken),
		&slowReader{chunks: split(raw, files+10), pause: 30 * opts.HTTP.TransferTimeout})
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if resp.StatusCode != http.StatusRequestTimeout || r.Code() != "REQUEST_TIMEOUT" || !strings.Contains(r.Errors[0].Message, "--transfer-timeout") {
		t.Errorf("HTTP %d %+v, want 408 REQUEST_TIMEOUT", resp.StatusCode, r.Errors)
	}
	if took := time.Since(start); took >= 30*opts.HTTP.TransferTimeout {
		t.Errorf("answered after %v: not cut off at the transfer timeout, but when the client went on", took)
	}
}

// split cuts b at the offsets given, in order.
func split(b []byte, at ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, i := range at {
		out = append(out, b[prev:i])
		prev = i
	}
	return append(out, b[prev:])
}

// Who may import is decided before the files are read, by the rule
// importActorMap applies, with the answer it would give.
func TestImportsAuthorisedFirst(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.Start(t, st, boundsOptions(), nil)
	ws := a.CreateWorkspace("imports authorised")
	other := a.CreateWorkspace("imports elsewhere")
	viewer, _ := a.CreateToken(ws, "VIEWER", "")
	analyst, _ := a.CreateToken(ws, "ANALYST", "CONFIDENTIAL")
	editor, _ := a.CreateToken(ws, "EDITOR", "RESTRICTED")
	importer, _ := a.CreateToken(ws, "EDITOR", "CONFIDENTIAL")
	stranger, _ := a.CreateToken(other, "OWNER", "")
	files := apitest.TemplateFiles(t)
	for _, c := range []struct {
		name, token, code, words string
		status                   int
	}{
		{"viewer", viewer, "FORBIDDEN", "importActorMap needs the EDITOR role in this workspace; you are VIEWER", http.StatusForbidden},
		{"analyst", analyst, "FORBIDDEN", "needs the EDITOR role", http.StatusForbidden},
		{"editor without clearance CONFIDENTIAL", editor, "FORBIDDEN", "importActorMap needs clearance CONFIDENTIAL in this workspace (yours is RESTRICTED)", http.StatusForbidden},
		{"a member of another workspace", stranger, "NOT_FOUND", "no workspace has id", http.StatusNotFound},
	} {
		status, r := a.As(c.token).ImportFiles(map[string]any{"ws": ws}, files, true)
		if status != c.status || r.Code() != c.code || !strings.Contains(r.Errors[0].Message, c.words) {
			t.Errorf("%s: HTTP %d %+v, want %d %s %q", c.name, status, r.Errors, c.status, c.code, c.words)
		}
	}
	if got := contents(t, a, ws); got != "0/0/0" {
		t.Fatalf("refused imports wrote: %s", got)
	}
	rep := a.As(importer).ImportOK(map[string]any{"ws": ws}, files)
	if !rep.Written || contents(t, a, ws) != "1/2/2" {
		t.Errorf("the importer's import: %+v, stored %s", rep, contents(t, a, ws))
	}
}

// What the operations part must be, checked before anything else is
// read: refusals with a code, and nothing imported.
func TestUploadOperationsCheckedFirst(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	opts := boundsOptions()
	opts.HTTP.MaxBodyBytes = 4 << 10
	a := apitest.Start(t, st, opts, nil)
	ws := a.CreateWorkspace("operations first")
	viewer, _ := a.CreateToken(ws, "VIEWER", "")
	file := apitest.TemplateFiles(t)[1]
	literal := `mutation($files: [Upload!]!) { importActorMap(workspace: "` + ws + `", files: $files) { written } }`
	twoOps := `query Q { __typename } mutation M($w: ID!, $files: [Upload!]!) { importActorMap(workspace: $w, files: $files) { written } }`
	for _, c := range []struct {
		name, token string
		parts       [][2]string // name, content; the file follows
		status      int
		code        string
	}{
		{"map before operations", "", [][2]string{{"map", `{"0":["variables.files.0"]}`}, {"operations", `{"query":"` + literal + `"}`}}, http.StatusBadRequest, "BAD_REQUEST"},
		{"operations not JSON", "", [][2]string{{"operations", `query {`}}, http.StatusBadRequest, "BAD_REQUEST"},
		{"query not GraphQL", "", [][2]string{{"operations", `{"query":"mutation {"}`}}, http.StatusBadRequest, "BAD_REQUEST"},
		{"another mutation", "", [][2]string{{"operations", `{"query":"mutation { __typename }"}`}}, http.StatusBadRequest, "BAD_REQUEST"},
		{"two imports", "", [][2]string{{"operations", mustJSON(map[string]any{"query": `mutation($files: [Upload!]!) { a: importActorMap(workspace: "x", files: $files) { written } b: importActorMap(workspace: "x", files: $files) { written } }`})}}, http.StatusBadRequest, "BAD_REQUEST"},
		{"no workspace", "", [][2]string{{"operations", mustJSON(map[string]any{"query": `mutation($w: ID, $files: [Upload!]!) { importActorMap(workspace: $w, files: $files) { written } }`})}}, http.StatusBadRequest, "BAD_REQUEST"},
		{"operations over --max-body-bytes", "", [][2]string{{"operations", mustJSON(map[string]any{"query": literal + strings.Repeat(" ", 8<<10)})}}, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
		{"operations far over --max-body-bytes", "", [][2]string{{"operations", mustJSON(map[string]any{"query": literal + strings.Repeat(" ", 1<<20)})}}, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
		{"viewer, workspace in the query", viewer, [][2]string{{"operations", mustJSON(map[string]any{"query": literal})}}, http.StatusForbidden, "FORBIDDEN"},
		{"viewer, the operation named", viewer, [][2]string{{"operations", mustJSON(map[string]any{"query": twoOps, "operationName": "M", "variables": map[string]any{"w": ws}})}}, http.StatusForbidden, "FORBIDDEN"},
		{"viewer, workspace as a default", viewer, [][2]string{{"operations", mustJSON(map[string]any{"query": `mutation($w: ID! = "` + ws + `", $files: [Upload!]!) { importActorMap(workspace: $w, files: $files) { written } }`})}}, http.StatusForbidden, "FORBIDDEN"},
		{"viewer, workspace a number", viewer, [][2]string{{"operations", mustJSON(map[string]any{"query": `mutation($w: ID!, $files: [Upload!]!) { importActorMap(workspace: $w, files: $files) { written } }`, "variables": map[string]any{"w": 7}})}}, http.StatusNotFound, "NOT_FOUND"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for _, p := range c.parts {
				_ = mw.WriteField(p[0], p[1])
			}
			if len(c.parts) == 1 {
				_ = mw.WriteField("map", `{"0":["variables.files.0"]}`)
			}
			fw, _ := mw.CreateFormFile("0", file.Name)
			_, _ = fw.Write(file.Data)
			_ = mw.Close()
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("GraphQL-Require-Preflight", "1")
			a.As(c.token).Authorize(req)
			if c.token == "" {
				a.Authorize(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var r apitest.Response
			_ = json.NewDecoder(resp.Body).Decode(&r)
			if resp.StatusCode != c.status || r.Code() != c.code {
				t.Errorf("HTTP %d %+v, want %d %s", resp.StatusCode, r.Errors, c.status, c.code)
			}
		})
	}
	if got := contents(t, a, ws); got != "0/0/0" {
		t.Errorf("refused uploads wrote: %s", got)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// countingListener counts the bytes the server reads from its
// connections.
type countingListener struct {
	net.Listener
	read *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, read: l.read}, nil
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// streamedUpload is an import of one generated file of size bytes:
// operations and map, then the file, produced as it is sent (through a
// pipe, never held in memory). produced counts the bytes the client
// generated.
func streamedUpload(ws string, size int64, produced *atomic.Int64) (io.ReadCloser, string, int) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("operations", mustJSON(map[string]any{"query": apitest.ImportMutation, "variables": map[string]any{"ws": ws, "files": []any{nil}}}))
	_ = mw.WriteField("map", `{"0":["variables.files.0"]}`)
	_, _ = mw.CreateFormFile("0", "actors.csv")
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	length := head.Len() + int(size) + len(tail)
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("Somebody,COMMUNITY\n"), 3449) // 65531 bytes
		write := func(b []byte) bool {
			n, err := pw.Write(b)
			produced.Add(int64(n))
			return err == nil
		}
		ok := write(head.Bytes())
		for left := size; ok && left > 0; left -= int64(len(chunk)) {
			ok = write(chunk[:min(int64(len(chunk)), left)])
		}
		if ok {
			write([]byte(tail))
		}
		_ = pw.Close()
	}()
	return pr, mw.FormDataContentType(), length
}

// A viewer streams a 200 MB upload: it is refused having had a few
// kilobytes read, so nothing of the file was spooled to disk; the same
// harness's upload by the admin is read in full (the counter counts).
func TestViewerUploadRefusedUnread(t *testing.T) {
	t.Parallel()
	var read atomic.Int64
	a := apitest.Start(t, storetest.Open(t), boundsOptions(), func(ln net.Listener) net.Listener {
		return countingListener{Listener: ln, read: &read}
	})
	ws := a.CreateWorkspace("big uploads")
	viewer, _ := a.CreateToken(ws, "VIEWER", "")

	const big = 200 << 20
	var produced atomic.Int64
	before := read.Load()
	body, ctype, length := streamedUpload(ws, big, &produced)
	resp, r, err := exchange(t, a.URL, uploadHead(ctype, length, viewer), body)
	if err != nil {
		t.Fatalf("no answer to the viewer's upload: %v", err)
	}
	serverRead := read.Load() - before
	if resp.StatusCode != http.StatusForbidden || r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "you are VIEWER") {
		t.Errorf("the viewer's upload: HTTP %d %+v, want 403 FORBIDDEN", resp.StatusCode, r.Errors)
	}
	if serverRead > 64<<10 {
		t.Errorf("the server read %d bytes of the viewer's %d-byte upload, want at most 64 KiB", serverRead, length)
	}
	if !resp.Close {
		t.Error("the connection was kept open, with 200 MB unread")
	}
	t.Logf("viewer's upload of %d bytes: server read %d, client produced %d before the connection closed", length, serverRead, produced.Load())

	// The admin's upload through the same harness is read to its end
	// (a file of junk: the import reports its problems).
	const small = 2 << 20
	before = read.Load()
	body, ctype, length = streamedUpload(ws, small, &produced)
	resp, r, err = exchange(t, a.URL, uploadHead(ctype, length, apitest.AdminToken), body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the admin's upload: %v %+v", err, r)
	}
	if got := read.Load() - before; got < int64(length) {
		t.Errorf("the server read %d bytes of the admin's %d-byte upload: the counter misses reads", got, length)
	}
}

// Through the whole service: a flood of made-up tokens from the address
// everyone shares (the test's proxy is 127.0.0.1) never refuses a token
// that authenticated, on /graphql and on /export; with that proxy
// trusted, a client behind it that the flood did not come from is not
// refused either, even with a token the service has not yet seen.
func TestRejectedFloodThroughTheService(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	for _, c := range []struct {
		name     string
		trusted  string
		newcomer int // the status of a token not seen before, after the flood
	}{
		{"no proxy trusted", "", http.StatusTooManyRequests},
		{"the proxy trusted", "127.0.0.0/8", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := boundsOptions()
			opts.HTTP.RateLimit, opts.HTTP.RateBurst = 0.01, 30
			opts.HTTP.TrustedProxies, _ = config.ParseTrustedProxies(c.trusted)
			a := apitest.Start(t, st, opts, nil)
			ws := a.CreateWorkspace("flood")
			newcomer, _ := a.CreateToken(ws, "VIEWER", "")
			owner, _ := a.CreateToken(ws, "OWNER", "")
			query := []byte(`{"query":"{ viewer { subject } }"}`)
			analyst, _ := a.CreateToken(ws, "ANALYST", "")
			// Each is first accepted on one route, then used on the other.
			if resp, _ := a.As(owner).Post(query, nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("the owner before the flood: %d", resp.StatusCode)
			}
			if resp, _ := a.As(analyst).Get("/export/" + ws + ".gexf"); resp.StatusCode != http.StatusOK {
				t.Fatalf("the analyst before the flood: %d", resp.StatusCode)
			}
			guesser := map[string]string{"X-Forwarded-For": "203.0.113.9"}
			codes := map[int]int{}
			for i := range 40 {
				resp, _ := a.As(fmt.Sprintf("agt_made-up-%d", i)).Post(query, guesser)
				codes[resp.StatusCode]++
				if i%2 == 1 {
					continue // the owner's own bucket holds 30
				}
				if resp, _ := a.As(owner).Get("/export/" + ws + ".gexf"); resp.StatusCode != http.StatusOK {
					t.Fatalf("the owner's export during the flood: %d", resp.StatusCode)
				}
				if resp, _ := a.As(analyst).Post(query, nil); resp.StatusCode != http.StatusOK {
					t.Fatalf("the analyst's query during the flood: %d", resp.StatusCode)
				}
			}
			if codes[http.StatusUnauthorized] != 30 || codes[http.StatusTooManyRequests] != 10 {
				t.Errorf("the flood: %v, want 30 × 401 then 10 × 429", codes)
			}
			resp, _ := a.As(newcomer).Post(query, map[string]string{"X-Forwarded-For": "198.51.100.7"})
			if resp.StatusCode != c.newcomer {
				t.Errorf("a token not seen before, from another client: %d, want %d", resp.StatusCode, c.newcomer)
			}
		})
	}
}
