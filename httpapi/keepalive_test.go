package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/domain"
)

// A request that runs past a read deadline set on its connection must not
// harm the next request on that kept-alive connection. Once a request's
// body has been read, net/http reads on in the background (to see a
// client that goes away); should a read deadline pass during that read,
// it cancels the connection's context, which is the parent of every later
// request's: each of them then starts out of time, and answers
// SERVICE_UNAVAILABLE ("ran out of time before it could run") at once.
// net/http clears the deadline when it starts that read, but an upload's
// --transfer-timeout was set after the operations part was read, and a
// small upload has been read whole by then. The soak test met it as a
// service that never recovered after a Neo4j restart: every import that
// ran past its time left such a connection in the client's pool, where
// the next requests, failing at once, kept it in use.
func TestSlowRequestLeavesItsConnectionUsable(t *testing.T) {
	t.Parallel()
	const deadline, slow = 200 * time.Millisecond, 500 * time.Millisecond
	asAdmin := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(domain.WithCaller(r.Context(), &domain.Caller{Subject: "admin", Admin: true})))
		})
	}
	upload := func() (io.Reader, string) {
		ops, _ := json.Marshal(map[string]any{"query": `mutation($ws: ID!, $files: [Upload!]!) { importActorMap(workspace: $ws, files: $files) { written } }`,
			"variables": map[string]any{"ws": "wsp_x", "files": []any{nil}}})
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0":["variables.files.0"]}`)
		fw, _ := mw.CreateFormFile("0", "actors.csv")
		_, _ = fw.Write([]byte("externalId,name,kind\na,A,COMMUNITY\n"))
		_ = mw.Close()
		return &body, mw.FormDataContentType()
	}
	cases := []struct {
		name string
		cfg  config.HTTP
		req  func(url string) *http.Request
	}{
		{"a request with a body (--read-timeout)", config.HTTP{ReadTimeout: deadline, RequestTimeout: 5 * time.Second, MaxBodyBytes: 1 << 20},
			func(url string) *http.Request {
				r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query": "{ __typename }"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			}},
		{"a request without a body (the server's ReadTimeout)", config.HTTP{ReadTimeout: deadline, RequestTimeout: 5 * time.Second},
			func(url string) *http.Request { r, _ := http.NewRequest(http.MethodGet, url, nil); return r }},
		{"a small upload (--transfer-timeout)", config.HTTP{TransferTimeout: deadline, ImportMaxBytes: 1 << 20, MaxBodyBytes: 1 << 20},
			func(url string) *http.Request {
				body, ctype := upload()
				r, _ := http.NewRequest(http.MethodPost, url, body)
				r.Header.Set("Content-Type", ctype)
				r.Header.Set("GraphQL-Require-Preflight", "1")
				return r
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			var secondErr atomic.Value
			h := withLimits(c.cfg, asAdmin(withAuthorizedUploads(c.cfg, 10000, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				if n.Add(1) == 1 {
					time.Sleep(slow) // past the deadline, as a request that overruns its time
				} else {
					secondErr.Store(errString(r.Context()))
				}
				_, _ = w.Write([]byte("ok"))
			}))))
			srv := httptest.NewUnstartedServer(h)
			srv.Config = NewServer(h, c.cfg)
			var conns atomic.Int32
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			for range 2 {
				resp, err := client.Do(c.req(srv.URL))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode, b)
				}
			}
			if conns.Load() != 1 {
				t.Fatalf("%d connections, want the second request on the first one's", conns.Load())
			}
			if e, _ := secondErr.Load().(string); e != "" {
				t.Fatalf("the second request on the connection started with its context done: %s", e)
			}
		})
	}
}

func errString(ctx context.Context) string {
	if err := ctx.Err(); err != nil {
		return err.Error()
	}
	return ""
}
