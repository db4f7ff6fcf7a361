package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/config"
)

// corsNext stands for the rest of the chain: it answers OPTIONS the way
// gqlgen's transport.Options does (200 with Allow, no CORS headers) and
// counts what reaches it.
type corsNext struct{ calls int }

func (n *corsNext) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.calls++
	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", "OPTIONS, GET, POST")
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"data":{}}`))
}

const corsPreflightHeaders = "authorization,content-type,graphql-require-preflight"

func corsRequest(method, origin, preflightMethod, preflightHeaders string) *http.Request {
	r := httptest.NewRequest(method, "/graphql", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if preflightMethod != "" {
		r.Header.Set("Access-Control-Request-Method", preflightMethod)
	}
	if preflightHeaders != "" {
		r.Header.Set("Access-Control-Request-Headers", preflightHeaders)
	}
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer t")
	}
	return r
}

func TestCORS(t *testing.T) {
	t.Parallel()
	listed := []string{"https://map.example.org", "http://localhost:3000"}
	for _, c := range []struct {
		name             string
		origins          []string
		method, origin   string
		preflightMethod  string
		preflightHeaders string

		wantAllowOrigin string // "" for none
		wantStatus      int
		wantNext        bool // reached the rest of the chain
	}{
		{name: "listed origin, GET", origins: listed, method: "GET", origin: "https://map.example.org",
			wantAllowOrigin: "https://map.example.org", wantStatus: 200, wantNext: true},
		{name: "listed origin, POST", origins: listed, method: "POST", origin: "http://localhost:3000",
			wantAllowOrigin: "http://localhost:3000", wantStatus: 200, wantNext: true},
		{name: "listed origin, preflight for POST with a token", origins: listed, method: "OPTIONS", origin: "https://map.example.org",
			preflightMethod: "POST", preflightHeaders: corsPreflightHeaders,
			wantAllowOrigin: "https://map.example.org", wantStatus: 204},
		{name: "listed origin, preflight for GET", origins: listed, method: "OPTIONS", origin: "https://map.example.org",
			preflightMethod: "GET", preflightHeaders: "authorization,graphql-require-preflight",
			wantAllowOrigin: "https://map.example.org", wantStatus: 204},
		{name: "listed origin, preflight for a multipart import", origins: listed, method: "OPTIONS", origin: "https://map.example.org",
			preflightMethod: "POST", preflightHeaders: "accept,authorization,graphql-require-preflight",
			wantAllowOrigin: "https://map.example.org", wantStatus: 204},
		{name: "listed origin, preflight for a method not allowed", origins: listed, method: "OPTIONS", origin: "https://map.example.org",
			preflightMethod: "DELETE", wantStatus: 204},
		{name: "listed origin, preflight for a header not allowed", origins: listed, method: "OPTIONS", origin: "https://map.example.org",
			preflightMethod: "POST", preflightHeaders: "authorization,x-forwarded-for", wantStatus: 204},
		{name: "other origin, GET", origins: listed, method: "GET", origin: "https://evil.example.net",
			wantStatus: 200, wantNext: true},
		{name: "other origin, POST", origins: listed, method: "POST", origin: "https://evil.example.net",
			wantStatus: 200, wantNext: true},
		{name: "other origin, preflight", origins: listed, method: "OPTIONS", origin: "https://evil.example.net",
			preflightMethod: "POST", preflightHeaders: corsPreflightHeaders, wantStatus: 204},
		{name: "listed origin's lookalike, preflight", origins: listed, method: "OPTIONS", origin: "https://map.example.org.evil.net",
			preflightMethod: "POST", preflightHeaders: corsPreflightHeaders, wantStatus: 204},
		{name: "same scheme and host, other port", origins: listed, method: "GET", origin: "http://localhost:3001",
			wantStatus: 200, wantNext: true},
		{name: "null origin", origins: listed, method: "POST", origin: "null", wantStatus: 200, wantNext: true},
		{name: "no Origin header", origins: listed, method: "POST", wantStatus: 200, wantNext: true},
		{name: "plain OPTIONS (not a preflight) goes on", origins: listed, method: "OPTIONS", origin: "https://map.example.org",
			wantAllowOrigin: "https://map.example.org", wantStatus: 200, wantNext: true},
		{name: `an unvalidated "*" is no wildcard`, origins: []string{"*"}, method: "OPTIONS", origin: "https://evil.example.net",
			preflightMethod: "POST", preflightHeaders: corsPreflightHeaders, wantStatus: 204},
		{name: "empty list, GET", method: "GET", origin: "https://map.example.org", wantStatus: 200, wantNext: true},
		{name: "empty list, POST", method: "POST", origin: "https://map.example.org", wantStatus: 200, wantNext: true},
		{name: "empty list, preflight goes on to gqlgen", method: "OPTIONS", origin: "https://map.example.org",
			preflightMethod: "POST", preflightHeaders: corsPreflightHeaders, wantStatus: 200, wantNext: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			next := &corsNext{}
			w := httptest.NewRecorder()
			withCORS(c.origins, next).ServeHTTP(w, corsRequest(c.method, c.origin, c.preflightMethod, c.preflightHeaders))
			h := w.Header()
			if w.Code != c.wantStatus {
				t.Errorf("status %d, want %d", w.Code, c.wantStatus)
			}
			if got := h.Get("Access-Control-Allow-Origin"); got != c.wantAllowOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, c.wantAllowOrigin)
			}
			if (next.calls > 0) != c.wantNext {
				t.Errorf("reached the rest of the chain %d times, want %v", next.calls, c.wantNext)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials %q, want none", got)
			}
			if len(c.origins) == 0 {
				for k := range h {
					if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
						t.Errorf("no CORS configured, yet %s: %q", k, h.Values(k))
					}
				}
				return
			}
			if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary %q lacks Origin (caches must not share answers across origins)", h.Values("Vary"))
			}
			if c.wantAllowOrigin == "" {
				for _, k := range []string{"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers"} {
					if got := h.Get(k); got != "" {
						t.Errorf("refused origin, yet %s: %q", k, got)
					}
				}
				return
			}
			if c.preflightMethod != "" {
				if got := h.Get("Access-Control-Allow-Methods"); got != c.preflightMethod {
					t.Errorf("Access-Control-Allow-Methods %q, want %q", got, c.preflightMethod)
				}
				if got := h.Get("Access-Control-Allow-Headers"); got != c.preflightHeaders {
					t.Errorf("Access-Control-Allow-Headers %q, want %q", got, c.preflightHeaders)
				}
				if got := h.Get("Access-Control-Max-Age"); got != "600" {
					t.Errorf("Access-Control-Max-Age %q, want 600", got)
				}
			} else if got := h.Get("Access-Control-Expose-Headers"); got != "Retry-After" {
				t.Errorf("Access-Control-Expose-Headers %q, want Retry-After", got)
			}
		})
	}
}

// Parsed origins match what browsers send.
func TestCORSParsedOriginsMatchBrowsers(t *testing.T) {
	t.Parallel()
	origins, err := config.ParseCORSOrigins("https://Map.Example.org:443/")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	withCORS(origins, &corsNext{}).ServeHTTP(w, corsRequest("OPTIONS", "https://map.example.org", "POST", corsPreflightHeaders))
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://map.example.org" {
		t.Errorf("Access-Control-Allow-Origin %q, want https://map.example.org", got)
	}
}

// In the service's order (CORS outside the rate limiter): preflights are
// never charged, and a 429 carries the headers a frontend needs to read
// it and its Retry-After.
func TestCORSAroundRateLimit(t *testing.T) {
	t.Parallel()
	_, _, limited := rateTestLimiter(1, 1)
	h := withCORS([]string{"https://map.example.org"}, limited)
	do := func(method string, preflight bool) *httptest.ResponseRecorder {
		r := corsRequest(method, "https://map.example.org", "", "")
		if preflight {
			r = corsRequest(method, "https://map.example.org", "POST", corsPreflightHeaders)
		}
		r.RemoteAddr = "192.0.2.1:1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 20 {
		if w := do("OPTIONS", true); w.Code != http.StatusNoContent {
			t.Fatalf("preflight %d: status %d, want 204", i, w.Code)
		}
	}
	rateOK(t, do("POST", false), "the one request of the burst")
	w := do("POST", false)
	rateLimited(t, w, "1", "too many requests for this token")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://map.example.org" {
		t.Errorf("429: Access-Control-Allow-Origin %q, want the origin", got)
	}
	if got := w.Header().Get("Access-Control-Expose-Headers"); got != "Retry-After" {
		t.Errorf("429: Access-Control-Expose-Headers %q, want Retry-After", got)
	}
}
