package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPagesAndAssets(t *testing.T) {
	h, err := Handler(Options{Token: `agt_"><script>alert(1)</script>`, GraphiQL: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/", "text/html", "ActorGraph explorer"},
		{"/graphiql", "text/html", "GraphiQL"},
		{"/assets/explorer.js", "text/javascript", "actorgraphExplorer"},
		{"/assets/explorer.css", "text/css", "focus-visible"},
		{"/assets/graphiql.js", "text/javascript", "graphiql"},
		{"/assets/favicon.svg", "image/svg+xml", "<svg"},
	} {
		res, body := get(t, h, tc.path)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.contentType) || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: %d %s %.80q, want 200 %s containing %q", tc.path, res.StatusCode, res.Header.Get("Content-Type"), body, tc.contentType, tc.contains)
		}
		if res.Header.Get("Content-Security-Policy") != ContentSecurityPolicy {
			t.Errorf("GET %s: no Content-Security-Policy", tc.path)
		}
	}
	// The token is escaped into its attribute: it can never end it.
	_, page := get(t, h, "/")
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, `content="agt_&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("the token is not escaped in the page: %s", page)
	}
	if res, _ := get(t, h, "/"); res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a page that carries a token may be cached: %q", res.Header.Get("Cache-Control"))
	}
}

func TestGraphiQLOff(t *testing.T) {
	h, err := Handler(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := get(t, h, "/graphiql"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GraphiQL off: %d, want 404", res.StatusCode)
	}
	if res, page := get(t, h, "/"); res.StatusCode != http.StatusOK || !strings.Contains(page, `<meta name="actorgraph-token" content="">`) {
		t.Errorf("the explorer without a token: %d %.200q", res.StatusCode, page)
	}
}

// Every script the pages load is theirs: no address of another origin.
func TestPagesLoadOnlyTheirOwnAssets(t *testing.T) {
	for _, name := range []string{"dist/index.html", "dist/graphiql.html"} {
		b, err := dist.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); strings.Contains(s, "//") && strings.Contains(s, "http") {
			t.Errorf("%s names another origin: %s", name, s)
		}
	}
}
