package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The service's own wiring (newHandler with its configuration), not the
// middlewares alone: the body limit, the rate limit and CORS in front of
// the real routes, and JWTs through authentication to the store.

func (a *api) post(body []byte, header map[string]string) (*http.Response, gqlResponse) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	a.authorize(req)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r gqlResponse
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return resp, r
}

func TestBodyLimitAnswers413(t *testing.T) {
	st := storetest.Open(t)
	cfg := testConfig()
	cfg.MaxBodyBytes = 2000
	a := newAPIWith(t, st, cfg)
	query := func(n int) []byte {
		pad := strings.Repeat(" ", n)
		b, _ := json.Marshal(map[string]string{"query": "{ viewer { subject } }" + pad})
		return b
	}
	if resp, r := a.post(query(1900), nil); resp.StatusCode != 200 || r.code() != "" {
		t.Errorf("a body just under the limit: %d %+v", resp.StatusCode, r)
	}
	resp, r := a.post(query(2100), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || r.code() != "PAYLOAD_TOO_LARGE" || !strings.Contains(r.Errors[0].Message, "--max-body-bytes") {
		t.Errorf("a body over the limit: %d %+v", resp.StatusCode, r)
	}
}

func TestRateLimitAndCORSInFrontOfTheService(t *testing.T) {
	st := storetest.Open(t)
	cfg := testConfig()
	cfg.RateLimit, cfg.RateBurst = 0.5, 3
	cfg.CORSOrigins = []string{"https://map.example.org"}
	a := newAPIWith(t, st, cfg)
	body := []byte(`{"query":"{ viewer { subject } }"}`)
	for i := 0; i < 3; i++ {
		if resp, r := a.post(body, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d within the burst: %d %+v", i, resp.StatusCode, r)
		}
	}
	resp, r := a.post(body, map[string]string{"Origin": "https://map.example.org"})
	if resp.StatusCode != http.StatusTooManyRequests || r.code() != "RATE_LIMITED" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the burst: %d %+v %v", resp.StatusCode, r, resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://map.example.org" {
		t.Errorf("a 429 to an allowed origin lacks CORS headers: %v", resp.Header)
	}
	// Another token has its own bucket.
	other := a.as(testAdminToken + "-not-valid")
	if resp, _ := other.post(body, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another token was limited by the first one's bucket: %d", resp.StatusCode)
	}
	// Preflights: answered for the listed origin, without a token, and not for others.
	for origin, want := range map[string]string{"https://map.example.org": "https://map.example.org", "https://evil.example": ""} {
		req, _ := http.NewRequest(http.MethodOptions, a.srv.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want || resp.StatusCode >= 300 {
			t.Errorf("preflight from %s: %d, allow-origin %q, want %q", origin, resp.StatusCode, got, want)
		}
	}
}

func TestJWTsThroughTheService(t *testing.T) {
	st := storetest.Open(t)
	admin := newAPI(t, st)
	ws := admin.createWorkspace("jwt")
	other := admin.createWorkspace("jwt other")
	admin.createActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Open village", "sensitivity": "PUBLIC"})
	admin.createActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Quiet union", "sensitivity": "CONFIDENTIAL"})
	secret := []byte("a-shared-secret-of-at-least-32-bytes!!")
	cfg := testConfig()
	cfg.Access.JWT = auth.JWTConfig{Secret: secret, Issuer: "https://idp.example", Audience: "actorgraph"}
	v, err := auth.NewJWTVerifier(cfg.Access.JWT)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Access.jwt = v
	a := newAPIWith(t, st, cfg)
	sign := func(key []byte, claims jwt.MapClaims) string {
		base := jwt.MapClaims{"iss": "https://idp.example", "aud": "actorgraph", "sub": "amina", "exp": time.Now().Add(time.Hour).Unix()}
		for k, v := range claims {
			base[k] = v
		}
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, base).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	viewer := sign(secret, jwt.MapClaims{"actorgraph_roles": map[string]any{ws: "VIEWER"}})
	var out struct {
		Viewer struct {
			Subject     string
			Memberships []struct{ Role, Clearance string }
		}
		Workspace struct{ ActorCount int }
	}
	a.as(viewer).ok(`query($ws: ID!) { viewer { subject memberships { role clearance } } workspace(id: $ws) { actorCount } }`, map[string]any{"ws": ws}, &out)
	if out.Viewer.Subject != "jwt:amina" || len(out.Viewer.Memberships) != 1 || out.Viewer.Memberships[0].Role != "VIEWER" || out.Workspace.ActorCount != 1 {
		t.Errorf("a viewer's JWT: %+v", out)
	}
	if r := a.as(viewer).do(`query($ws: ID!) { workspace(id: $ws) { id } }`, map[string]any{"ws": other}); r.code() != "NOT_FOUND" {
		t.Errorf("a JWT reached a workspace it has no role in: %+v", r)
	}
	// An owner can make the JWT's subject a member elsewhere.
	admin.ok(`mutation($ws: ID!) { setMember(workspace: $ws, subject: "jwt:amina", role: EDITOR) { role } }`, map[string]any{"ws": other}, nil)
	a.as(viewer).ok(`{ viewer { subject memberships { role clearance } } }`, nil, &out)
	if len(out.Viewer.Memberships) != 2 {
		t.Errorf("the membership given to jwt:amina does not apply: %+v", out.Viewer)
	}
	for name, token := range map[string]string{
		"wrong key":      sign([]byte("another-secret-of-at-least-32-bytes!!!"), nil),
		"wrong issuer":   sign(secret, jwt.MapClaims{"iss": "https://evil.example"}),
		"wrong audience": sign(secret, jwt.MapClaims{"aud": "someone-else"}),
		"expired":        sign(secret, jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()}),
		"bad role":       sign(secret, jwt.MapClaims{"actorgraph_roles": map[string]any{ws: "KING"}}),
	} {
		if resp, r := a.as(token).post([]byte(`{"query":"{ viewer { subject } }"}`), nil); resp.StatusCode != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Errorf("%s: %d %+v", name, resp.StatusCode, r)
		}
	}
}

func TestTokensExpire(t *testing.T) {
	st := storetest.Open(t)
	a := newAPI(t, st)
	ws := a.createWorkspace("expiry")
	var out struct{ CreateToken struct{ Secret string } }
	a.ok(`mutation($ws: ID!, $at: Time!) { createToken(input: {workspace: $ws, name: "short", role: VIEWER, expiresAt: $at}) { secret } }`,
		map[string]any{"ws": ws, "at": time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)}, &out)
	short := a.as(out.CreateToken.Secret)
	if r := short.do(`{ viewer { subject } }`, nil); r.code() != "" {
		t.Fatalf("before expiry: %+v", r)
	}
	time.Sleep(2500 * time.Millisecond)
	if r := short.do(`{ viewer { subject } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Errorf("after expiry: %+v", r)
	}
	if r := a.do(`mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "past", role: VIEWER, expiresAt: "2020-01-01T00:00:00Z"}) { secret } }`,
		map[string]any{"ws": ws}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("a token expiring in the past: %+v", r)
	}
}
