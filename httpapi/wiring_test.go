package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The service's own wiring (httpapi.New with its configuration), not the
// middlewares alone: the body limit, the rate limit and CORS in front of
// the real routes, and JWTs through authentication to the store.

func TestBodyLimitAnswers413(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	cfg := apitest.Options()
	cfg.HTTP.MaxBodyBytes = 2000
	a := apitest.NewWith(t, st, cfg)
	query := func(n int) []byte {
		pad := strings.Repeat(" ", n)
		b, _ := json.Marshal(map[string]string{"query": "{ viewer { subject } }" + pad})
		return b
	}
	if resp, r := a.Post(query(1900), nil); resp.StatusCode != 200 || r.Code() != "" {
		t.Errorf("a body just under the limit: %d %+v", resp.StatusCode, r)
	}
	resp, r := a.Post(query(2100), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || r.Code() != "PAYLOAD_TOO_LARGE" || !strings.Contains(r.Errors[0].Message, "--max-body-bytes") {
		t.Errorf("a body over the limit: %d %+v", resp.StatusCode, r)
	}
}

func TestRateLimitAndCORSInFrontOfTheService(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	cfg := apitest.Options()
	cfg.HTTP.RateLimit, cfg.HTTP.RateBurst = 0.5, 3
	cfg.HTTP.CORSOrigins = []string{"https://map.example.org"}
	a := apitest.NewWith(t, st, cfg)
	body := []byte(`{"query":"{ viewer { subject } }"}`)
	for i := 0; i < 3; i++ {
		if resp, r := a.Post(body, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d within the burst: %d %+v", i, resp.StatusCode, r)
		}
	}
	resp, r := a.Post(body, map[string]string{"Origin": "https://map.example.org"})
	if resp.StatusCode != http.StatusTooManyRequests || r.Code() != "RATE_LIMITED" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("over the burst: %d %+v %v", resp.StatusCode, r, resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://map.example.org" {
		t.Errorf("a 429 to an allowed origin lacks CORS headers: %v", resp.Header)
	}
	// Another token has its own bucket.
	other := a.As(apitest.AdminToken + "-not-valid")
	if resp, _ := other.Post(body, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another token was limited by the first one's bucket: %d", resp.StatusCode)
	}
	// Preflights: answered for the listed origin, without a token, and not for others.
	for origin, want := range map[string]string{"https://map.example.org": "https://map.example.org", "https://evil.example": ""} {
		req, _ := http.NewRequest(http.MethodOptions, a.URL+"/graphql", nil)
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
	t.Parallel()
	st := storetest.Open(t)
	admin := apitest.New(t, st)
	ws := admin.CreateWorkspace("jwt")
	other := admin.CreateWorkspace("jwt other")
	admin.CreateActor(ws, map[string]any{"kind": "COMMUNITY", "name": "Open village", "sensitivity": "PUBLIC"})
	admin.CreateActor(ws, map[string]any{"kind": "MOVEMENT", "name": "Quiet union", "sensitivity": "CONFIDENTIAL"})
	secret := []byte("a-shared-secret-of-at-least-32-bytes!!")
	cfg := apitest.Options()
	cfg.Access.JWT = auth.JWTConfig{Secret: secret, Issuer: "https://idp.example", Audience: "actorgraph"}
	a := apitest.NewWith(t, st, cfg)
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
	a.As(viewer).OK(`query($ws: ID!) { viewer { subject memberships { role clearance } } workspace(id: $ws) { actorCount } }`, map[string]any{"ws": ws}, &out)
	if out.Viewer.Subject != "jwt:amina" || len(out.Viewer.Memberships) != 1 || out.Viewer.Memberships[0].Role != "VIEWER" || out.Workspace.ActorCount != 1 {
		t.Errorf("a viewer's JWT: %+v", out)
	}
	if r := a.As(viewer).Do(`query($ws: ID!) { workspace(id: $ws) { id } }`, map[string]any{"ws": other}); r.Code() != "NOT_FOUND" {
		t.Errorf("a JWT reached a workspace it has no role in: %+v", r)
	}
	// An owner can make the JWT's subject a member elsewhere.
	admin.OK(`mutation($ws: ID!) { setMember(workspace: $ws, subject: "jwt:amina", role: EDITOR) { role } }`, map[string]any{"ws": other}, nil)
	a.As(viewer).OK(`{ viewer { subject memberships { role clearance } } }`, nil, &out)
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
		if resp, r := a.As(token).Post([]byte(`{"query":"{ viewer { subject } }"}`), nil); resp.StatusCode != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s: %d %+v", name, resp.StatusCode, r)
		}
	}
}

func TestTokensExpire(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("expiry")
	viewer := func(secret string) apitest.Response { return a.As(secret).Do(`{ viewer { subject } }`, nil) }
	issue := func(expires time.Time) string {
		var out struct{ CreateToken struct{ Secret string } }
		a.OK(`mutation($ws: ID!, $at: Time!) { createToken(input: {workspace: $ws, name: "short", role: VIEWER, expiresAt: $at}) { secret } }`,
			map[string]any{"ws": ws, "at": expires.UTC().Format(time.RFC3339Nano)}, &out)
		return out.CreateToken.Secret
	}

	if r := viewer(issue(time.Now().Add(time.Hour))); r.Code() != "" {
		t.Errorf("a token an hour from expiry: %+v", r)
	}
	// Tokens written straight to the store, with any expiry (the API
	// refuses to issue one already expired, and a short one could expire
	// before a slow machine had issued it).
	storeToken := func(expires time.Time) string {
		tk := &domain.Token{ID: domain.NewID(domain.PrefixToken), Name: "expiring", WorkspaceID: ws, CreatedBy: "test",
			CreatedAt: time.Now().UTC(), ExpiresAt: &expires}
		tk.Subject = "token:" + tk.ID
		secret := auth.NewSecret()
		if err := st.CreateToken(storetest.Ctx(), tk, auth.HashSecret(secret),
			&domain.Member{WorkspaceID: ws, Subject: tk.Subject, Role: domain.Viewer}); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	// A token already past its expiry is refused like an unknown one.
	if r := viewer(storeToken(time.Now().Add(-time.Minute).UTC())); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("an expired token: %+v", r)
	}
	// A token expiring in three seconds works until then and not after:
	// the test waits for the expiry (however slow the machine), and holds
	// each answer to the time it was asked.
	expiry := time.Now().Add(3 * time.Second).UTC()
	soon := storeToken(expiry)
	for deadline := time.Now().Add(time.Minute); ; {
		asked := time.Now()
		r := viewer(soon)
		answered := time.Now()
		switch {
		case answered.Before(expiry) && r.Code() != "":
			t.Fatalf("refused before its expiry: %+v", r)
		case asked.After(expiry) && r.Code() != "UNAUTHENTICATED":
			t.Fatalf("accepted after its expiry: %+v", r)
		}
		if asked.After(expiry) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the clock did not pass the expiry within a minute")
		}
		time.Sleep(100 * time.Millisecond) // a poll, not a guess: the loop ends on the condition
	}
	if r := a.Do(`mutation($ws: ID!) { createToken(input: {workspace: $ws, name: "past", role: VIEWER, expiresAt: "2020-01-01T00:00:00Z"}) { secret } }`,
		map[string]any{"ws": ws}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a token expiring in the past: %+v", r)
	}
}

// A body the API cannot read is refused with a code, like every other
// refusal, and its content is not repeated back.
func TestUnreadableBodiesAnswerBadRequest(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, storetest.Open(t))
	for _, c := range []struct {
		name, ctype, body string
	}{
		{"malformed JSON", "application/json", `{"query": "{ workspaces { id } }", informant-7`},
		{"plain text", "text/plain", `{"query": "{ workspaces { id } }"}`},
		{"no content type", "", `{"query": "{ workspaces { id } }"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, r := a.Post([]byte(c.body), map[string]string{"Content-Type": c.ctype})
			if resp.StatusCode != http.StatusBadRequest || r.Code() != "BAD_REQUEST" {
				t.Errorf("HTTP %d, %+v; want 400 BAD_REQUEST", resp.StatusCode, r.Errors)
			}
			for _, e := range r.Errors {
				if strings.Contains(e.Message, "informant") {
					t.Errorf("the body came back: %q", e.Message)
				}
			}
		})
	}
	if _, r := a.Post([]byte(`{"query": "{ __typename }"}`), nil); r.Code() != "" {
		t.Errorf("a JSON body: %+v", r.Errors)
	}
}
