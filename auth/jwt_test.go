package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// jwtTestNow is the verifiers' clock in these tests.
var jwtTestNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	jwtTestIssuer   = "https://idp.example"
	jwtTestAudience = "actorgraph"
)

type jwtTestKeys struct {
	secret, otherSecret []byte
	rsa, otherRSA       *rsa.PrivateKey
	ec256, ec384, ec521 *ecdsa.PrivateKey
	ed                  ed25519.PrivateKey
}

// jwtKeys are generated once per test binary: RSA generation is slow under -race.
var jwtKeys = sync.OnceValue(func() *jwtTestKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &jwtTestKeys{
		secret:      []byte("0123456789abcdef0123456789abcdef-test-secret"),
		otherSecret: []byte("another-secret-another-secret-another-secret"),
	}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.otherRSA, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	k.ec521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

// jwtTestClaims returns valid claims for the verifiers of these tests, changed by
// edit.
func jwtTestClaims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub": "alice@example.org",
		"iss": jwtTestIssuer,
		"aud": jwtTestAudience,
		"iat": jwtTestNow.Add(-time.Minute).Unix(),
		"exp": jwtTestNow.Add(time.Hour).Unix(),
		"actorgraph_roles": map[string]any{
			"ws_a": "EDITOR",
			"ws_b": map[string]any{"role": "ANALYST", "clearance": "PUBLIC"},
		},
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func signJWT(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing a test token: %v", err)
	}
	return s
}

// unsignedJWT builds a token with any header and claims and a made-up signature.
func unsignedJWT(t *testing.T, header map[string]any, c jwt.MapClaims) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(c) + "." + base64.RawURLEncoding.EncodeToString([]byte("not a signature"))
}

func writeJWKS(t *testing.T, path string, ks ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: ks})
	if err != nil {
		t.Fatalf("marshalling a JWKS: %v", err)
	}
	writeJWKSFile(t, path, b)
	return path
}

// writeJWKSFile writes data and moves the file's mtime forward, so that a
// rewrite within the file system's timestamp granularity is still seen.
func writeJWKSFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var mtime time.Time
	if fi, err := os.Stat(path); err == nil {
		mtime = fi.ModTime()
	}
	mtime = mtime.Add(time.Duration(jwksFileTick.Add(1)) * time.Second)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// jwksFileTick counts rewrites across the tests, which run in parallel.
var jwksFileTick atomic.Int64

func testJWK(key any, kid string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key, KeyID: kid, Use: "sig"}
}

func newTestJWTVerifier(t *testing.T, c JWTConfig) *JWTVerifier {
	t.Helper()
	v, err := NewJWTVerifier(c)
	if err != nil {
		t.Fatalf("NewJWTVerifier: %v", err)
	}
	v.now = func() time.Time { return jwtTestNow }
	return v
}

// assertJWTRefused checks that err refuses raw the way every refusal must:
// Unauthenticated, op auth.jwt, the expected message, and nothing of the
// token in what a client sees.
func assertJWTRefused(t *testing.T, err error, raw, wantMsg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("token accepted, want refusal %q", wantMsg)
	}
	if k := errs.KindOf(err); k != errs.Unauthenticated {
		t.Errorf("kind = %v, want unauthenticated (err: %v)", k, err)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, want *errs.Error", err)
	}
	if e.Op != jwtOp {
		t.Errorf("op = %q, want %q", e.Op, jwtOp)
	}
	if !strings.Contains(e.Msg, wantMsg) {
		t.Errorf("message = %q, want it to contain %q", e.Msg, wantMsg)
	}
	msg, _ := errs.Public(err)
	if msg != e.Msg {
		t.Errorf("public message = %q, want %q", msg, e.Msg)
	}
	if raw != "" && strings.Contains(msg, raw) {
		t.Errorf("message %q contains the token", msg)
	}
	for _, seg := range strings.Split(raw, ".") {
		if len(seg) >= 8 && strings.Contains(msg, seg) {
			t.Errorf("message %q contains a segment of the token", msg)
		}
	}
	if strings.Contains(msg, string(jwtKeys().secret)) {
		t.Errorf("message %q contains the secret", msg)
	}
}

func TestJWTConfigEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    JWTConfig
		want bool
	}{
		{JWTConfig{}, false},
		{JWTConfig{Issuer: "x", Audience: "y", RolesClaim: "z"}, false},
		{JWTConfig{Secret: []byte("s")}, true},
		{JWTConfig{JWKSFile: "/etc/jwks.json"}, true},
	} {
		if got := tc.c.Enabled(); got != tc.want {
			t.Errorf("%+v.Enabled() = %v, want %v", tc.c, got, tc.want)
		}
	}
}

func TestNewJWTVerifierConfigErrors(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeJWKSFile(t, p, []byte(content))
		return p
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	encKey := testJWK(&k.rsa.PublicKey, "enc")
	encKey.Use = "enc"
	mismatched := testJWK(&k.rsa.PublicKey, "rsa")
	mismatched.Algorithm = "ES256"

	for _, tc := range []struct {
		name    string
		c       JWTConfig
		field   string
		wantMsg string
	}{
		{"nothing configured", JWTConfig{Issuer: jwtTestIssuer}, "ACTORGRAPH_JWT_SECRET", "needs ACTORGRAPH_JWT_SECRET or ACTORGRAPH_JWKS_FILE"},
		{"both configured", JWTConfig{Secret: k.secret, JWKSFile: writeJWKS(t, filepath.Join(dir, "ok.json"), testJWK(&k.rsa.PublicKey, "rsa"))},
			"ACTORGRAPH_JWT_SECRET", "not both"},
		{"short secret", JWTConfig{Secret: []byte("0123456789abcdef0123456789abcde")}, "ACTORGRAPH_JWT_SECRET", "at least 32 bytes"},
		{"missing file", JWTConfig{JWKSFile: filepath.Join(dir, "nope.json")}, "ACTORGRAPH_JWKS_FILE", "cannot read the JWKS file"},
		{"directory", JWTConfig{JWKSFile: dir}, "ACTORGRAPH_JWKS_FILE", "cannot read the JWKS file"},
		{"not JSON", JWTConfig{JWKSFile: file("bad.json", "{not json")}, "ACTORGRAPH_JWKS_FILE", "not valid JSON"},
		{"no keys member", JWTConfig{JWKSFile: file("nokeys.json", `{"kty":"RSA"}`)}, "ACTORGRAPH_JWKS_FILE", `no "keys" list`},
		{"empty key list", JWTConfig{JWKSFile: file("empty.json", `{"keys":[]}`)}, "ACTORGRAPH_JWKS_FILE", "no usable signing key"},
		{"malformed key", JWTConfig{JWKSFile: file("malformed.json", `{"keys":[{"kty":"RSA","kid":"x","e":"AQAB"}]}`)}, "ACTORGRAPH_JWKS_FILE", "key 0 is not valid"},
		{"private key", JWTConfig{JWKSFile: writeJWKS(t, filepath.Join(dir, "private.json"), testJWK(k.rsa, "rsa"))},
			"ACTORGRAPH_JWKS_FILE", "private or symmetric key material"},
		{"symmetric key", JWTConfig{JWKSFile: writeJWKS(t, filepath.Join(dir, "oct.json"), testJWK(k.secret, "oct"))},
			"ACTORGRAPH_JWKS_FILE", "private or symmetric key material"},
		{"only unusable keys", JWTConfig{JWKSFile: writeJWKS(t, filepath.Join(dir, "unusable.json"),
			encKey, testJWK(&small.PublicKey, "small"), testJWK(&k.ec521.PublicKey, "p521"), mismatched)},
			"ACTORGRAPH_JWKS_FILE", "no usable signing key"},
		{"unknown key type only", JWTConfig{JWKSFile: file("unknown.json", `{"keys":[{"kty":"XYZ","kid":"x"}]}`)},
			"ACTORGRAPH_JWKS_FILE", "no usable signing key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewJWTVerifier(tc.c)
			if err == nil {
				t.Fatalf("NewJWTVerifier accepted the configuration (verifier %v)", v)
			}
			if k := errs.KindOf(err); k != errs.Invalid {
				t.Errorf("kind = %v, want invalid (err: %v)", k, err)
			}
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T", err)
			}
			if e.Field != tc.field {
				t.Errorf("field = %q, want %q", e.Field, tc.field)
			}
			if !strings.Contains(e.Msg, tc.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", e.Msg, tc.wantMsg)
			}
			if strings.Contains(e.Error(), string(k.secret)) || strings.Contains(e.Error(), "0123456789abcdef0123456789abcde") {
				t.Errorf("error %q contains the secret", e.Error())
			}
		})
	}
}

func TestNewJWTVerifierSkipsUnusableKeys(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	path := filepath.Join(t.TempDir(), "jwks.json")
	enc := testJWK(&k.otherRSA.PublicKey, "enc")
	enc.Use = "enc"
	writeJWKS(t, path, enc, testJWK(&k.ec521.PublicKey, "p521"), testJWK(&k.rsa.PublicKey, "rsa"))
	// An unknown key type is skipped too (RFC 7517 §5).
	b, _ := os.ReadFile(path)
	b = []byte(strings.Replace(string(b), `{"keys":[`, `{"keys":[{"kty":"XYZ","kid":"future"},`, 1))
	writeJWKSFile(t, path, b)

	v := newTestJWTVerifier(t, JWTConfig{JWKSFile: path})
	if _, err := v.Verify(signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwtTestClaims(nil))); err != nil {
		t.Errorf("token signed with the usable key refused: %v", err)
	}
	raw := signJWT(t, jwt.SigningMethodRS256, k.otherRSA, "enc", jwtTestClaims(nil))
	_, err := v.Verify(raw)
	assertJWTRefused(t, err, raw, "the token's signing key is not known")
}

var jwtWantGrants = map[string]domain.Grant{
	"ws_a": {Role: domain.Editor, Clearance: domain.Confidential},
	"ws_b": {Role: domain.Analyst, Clearance: domain.Public},
}

type jwtCase struct {
	name    string
	token   func(t *testing.T) string
	wantErr string // a part of the refusal's message; "" for acceptance
	want    *domain.Caller
	wrapped error // when set, the refusal must wrap it
}

func runJWTCases(t *testing.T, v *JWTVerifier, cases []jwtCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.token(t)
			got, err := v.Verify(raw)
			if tc.wantErr != "" {
				assertJWTRefused(t, err, raw, tc.wantErr)
				if got != nil {
					t.Errorf("refusal returned caller %+v", got)
				}
				if tc.wrapped != nil && !errors.Is(err, tc.wrapped) {
					t.Errorf("error %v does not wrap %v", err, tc.wrapped)
				}
				return
			}
			if err != nil {
				t.Fatalf("token refused: %v", err)
			}
			want := tc.want
			if want == nil {
				want = &domain.Caller{Subject: "jwt:alice@example.org", Grants: jwtWantGrants}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("caller = %+v, want %+v", got, want)
			}
		})
	}
}

func TestJWTVerifyHS256(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	v := newTestJWTVerifier(t, JWTConfig{Secret: k.secret, Issuer: jwtTestIssuer, Audience: jwtTestAudience})
	hs := func(edit func(jwt.MapClaims)) func(t *testing.T) string {
		return func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(edit))
		}
	}
	roles := func(r any) func(jwt.MapClaims) {
		return func(c jwt.MapClaims) { c["actorgraph_roles"] = r }
	}
	caller := func(g map[string]domain.Grant) *domain.Caller {
		return &domain.Caller{Subject: "jwt:alice@example.org", Grants: g}
	}
	none := map[string]domain.Grant{}

	runJWTCases(t, v, []jwtCase{
		{name: "valid, both claim forms", token: hs(nil)},
		{name: "object form without clearance gets the role's default", token: hs(roles(map[string]any{"ws_a": map[string]any{"role": "VIEWER"}})),
			want: caller(map[string]domain.Grant{"ws_a": {Role: domain.Viewer, Clearance: domain.Public}})},
		{name: "object form may raise clearance", token: hs(roles(map[string]any{"ws_a": map[string]any{"role": "ANALYST", "clearance": "CONFIDENTIAL"}})),
			want: caller(map[string]domain.Grant{"ws_a": {Role: domain.Analyst, Clearance: domain.Confidential}})},
		{name: "every role", token: hs(roles(map[string]any{"w1": "VIEWER", "w2": "ANALYST", "w3": "EDITOR", "w4": "OWNER"})),
			want: caller(map[string]domain.Grant{
				"w1": {Role: domain.Viewer, Clearance: domain.Public},
				"w2": {Role: domain.Analyst, Clearance: domain.Restricted},
				"w3": {Role: domain.Editor, Clearance: domain.Confidential},
				"w4": {Role: domain.Owner, Clearance: domain.Confidential},
			})},
		{name: "no roles claim: no workspaces", token: hs(func(c jwt.MapClaims) { delete(c, "actorgraph_roles") }), want: caller(none)},
		{name: "null roles claim: no workspaces", token: hs(roles(nil)), want: caller(none)},
		{name: "empty roles claim: no workspaces", token: hs(roles(map[string]any{})), want: caller(none)},
		{name: "admin claims grant nothing", token: hs(func(c jwt.MapClaims) {
			c["admin"] = true
			c["actorgraph_admin"] = true
			c["actorgraph_roles"] = map[string]any{"ws_a": "OWNER"}
		}), want: caller(map[string]domain.Grant{"ws_a": {Role: domain.Owner, Clearance: domain.Confidential}})},
		{name: "audience in a list", token: hs(func(c jwt.MapClaims) { c["aud"] = []string{"other", jwtTestAudience} })},
		{name: "expired within leeway", token: hs(func(c jwt.MapClaims) { c["exp"] = jwtTestNow.Add(-20 * time.Second).Unix() })},
		{name: "not before within leeway", token: hs(func(c jwt.MapClaims) { c["nbf"] = jwtTestNow.Add(20 * time.Second).Unix() })},
		{name: "issued within leeway", token: hs(func(c jwt.MapClaims) { c["iat"] = jwtTestNow.Add(20 * time.Second).Unix() })},

		{name: "expired", token: hs(func(c jwt.MapClaims) { c["exp"] = jwtTestNow.Add(-time.Minute).Unix() }),
			wantErr: "the token has expired", wrapped: jwt.ErrTokenExpired},
		{name: "not valid yet", token: hs(func(c jwt.MapClaims) { c["nbf"] = jwtTestNow.Add(time.Hour).Unix() }),
			wantErr: "the token is not valid yet", wrapped: jwt.ErrTokenNotValidYet},
		{name: "issued in the future", token: hs(func(c jwt.MapClaims) { c["iat"] = jwtTestNow.Add(time.Hour).Unix() }),
			wantErr: "issue time (iat) is in the future"},
		{name: "missing exp", token: hs(func(c jwt.MapClaims) { delete(c, "exp") }),
			wantErr: "the token has no expiry time (exp)", wrapped: jwt.ErrTokenRequiredClaimMissing},
		{name: "exp not a number", token: hs(func(c jwt.MapClaims) { c["exp"] = "tomorrow" }), wantErr: "the token is malformed"},
		{name: "wrong issuer", token: hs(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }),
			wantErr: "the token's issuer is not accepted", wrapped: jwt.ErrTokenInvalidIssuer},
		{name: "missing issuer", token: hs(func(c jwt.MapClaims) { delete(c, "iss") }), wantErr: "the token's issuer is not accepted"},
		{name: "wrong audience", token: hs(func(c jwt.MapClaims) { c["aud"] = []string{"other", "another"} }),
			wantErr: "the token's audience is not accepted", wrapped: jwt.ErrTokenInvalidAudience},
		{name: "missing audience", token: hs(func(c jwt.MapClaims) { delete(c, "aud") }), wantErr: "the token's audience is not accepted"},
		{name: "missing sub", token: hs(func(c jwt.MapClaims) { delete(c, "sub") }), wantErr: "the token has no subject (sub)"},
		{name: "sub in other case only", token: hs(func(c jwt.MapClaims) { delete(c, "sub"); c["SUB"] = "alice" }), wantErr: "the token has no subject (sub)"},
		{name: "sub not a string", token: hs(func(c jwt.MapClaims) { c["sub"] = 42 }), wantErr: "the token is malformed"},
		{name: "empty sub", token: hs(func(c jwt.MapClaims) { c["sub"] = "  " }), wantErr: "the token has no subject (sub)"},
		{name: "sub with control characters", token: hs(func(c jwt.MapClaims) { c["sub"] = "alice\nadmin" }), wantErr: "subject (sub) is not usable"},
		{name: "sub too long", token: hs(func(c jwt.MapClaims) { c["sub"] = strings.Repeat("a", 257) }), wantErr: "subject (sub) is not usable"},

		{name: "bad signature", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, k.otherSecret, "", jwtTestClaims(nil))
		}, wantErr: "the token's signature is not valid", wrapped: jwt.ErrTokenSignatureInvalid},
		{name: "tampered claims", token: func(t *testing.T) string {
			good := strings.Split(signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(nil)), ".")
			evil := strings.Split(signJWT(t, jwt.SigningMethodHS256, k.otherSecret, "", jwtTestClaims(roles(map[string]any{"ws_x": "OWNER"}))), ".")
			return good[0] + "." + evil[1] + "." + good[2]
		}, wantErr: "the token's signature is not valid"},
		{name: "alg none", token: func(t *testing.T) string {
			return unsignedJWT(t, map[string]any{"alg": "none", "typ": "JWT"}, jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "alg none, empty signature", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", jwtTestClaims(nil))
		}, wantErr: "not a well-formed JWT"},
		{name: "HS512 with the secret", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS512, k.secret, "", jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "RS256 instead of the secret", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsa, "", jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "no alg", token: func(t *testing.T) string {
			return unsignedJWT(t, map[string]any{"typ": "JWT"}, jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "critical header", token: func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtTestClaims(nil))
			tok.Header["crit"] = []string{"exp-ext"}
			tok.Header["exp-ext"] = 1
			s, err := tok.SignedString(k.secret)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, wantErr: "critical header parameters"},
		{name: "malformed", token: func(*testing.T) string { return "abc.def.ghi" }, wantErr: "the token is malformed"},
		{name: "not a JWT", token: func(*testing.T) string { return "agt_0123456789abcdef" }, wantErr: "not a well-formed JWT"},
		{name: "empty", token: func(*testing.T) string { return "" }, wantErr: "not a well-formed JWT"},
		{name: "too large", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", maxJWTBytes) }))
		}, wantErr: "the token is too large"},

		{name: "unknown role", token: hs(roles(map[string]any{"ws_a": "EDITOR", "ws_b": "ADMIN"})),
			wantErr: `"actorgraph_roles" claim is not valid: workspace "ws_b" has unknown role "ADMIN"`},
		{name: "role in lower case", token: hs(roles(map[string]any{"ws_a": "editor"})), wantErr: `unknown role "editor"`},
		{name: "unknown role in object", token: hs(roles(map[string]any{"ws_a": map[string]any{"role": "SUPERUSER"}})), wantErr: `unknown role "SUPERUSER"`},
		{name: "unknown clearance", token: hs(roles(map[string]any{"ws_a": map[string]any{"role": "VIEWER", "clearance": "SECRET"}})),
			wantErr: `workspace "ws_a" has unknown clearance "SECRET"`},
		{name: "misspelt clearance field", token: hs(roles(map[string]any{"ws_a": map[string]any{"role": "VIEWER", "clearence": "PUBLIC"}})),
			wantErr: `"actorgraph_roles" claim is not valid: workspace "ws_a" must map to a role`},
		{name: "object member in other case", token: hs(roles(map[string]any{"ws_a": map[string]any{"ROLE": "VIEWER"}})), wantErr: "must map to a role"},
		{name: "clearance not a string", token: hs(roles(map[string]any{"ws_a": map[string]any{"role": "VIEWER", "clearance": 1}})), wantErr: "must map to a role"},
		{name: "object without role", token: hs(roles(map[string]any{"ws_a": map[string]any{"clearance": "PUBLIC"}})), wantErr: "must map to a role"},
		{name: "role is a number", token: hs(roles(map[string]any{"ws_a": 3})), wantErr: "must map to a role"},
		{name: "claim is a list", token: hs(roles([]string{"ws_a"})), wantErr: "must be an object mapping workspace ids to roles"},
		{name: "claim is a string", token: hs(roles("EDITOR")), wantErr: "must be an object"},
		{name: "empty workspace id", token: hs(roles(map[string]any{"": "VIEWER"})), wantErr: "empty workspace id"},
		{name: "long values are cut short", token: hs(roles(map[string]any{"ws_a": strings.Repeat("Z", 500)})), wantErr: `unknown role "ZZZZ`},
	})
}

func TestJWTVerifyNoIssuerOrAudienceConfigured(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	v := newTestJWTVerifier(t, JWTConfig{Secret: k.secret})
	raw := signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(func(c jwt.MapClaims) {
		delete(c, "iss")
		delete(c, "aud")
	}))
	if _, err := v.Verify(raw); err != nil {
		t.Errorf("token without iss and aud refused when neither is configured: %v", err)
	}
}

func TestJWTVerifyCustomRolesClaim(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	v := newTestJWTVerifier(t, JWTConfig{Secret: k.secret, RolesClaim: "https://actorgraph.example/roles"})
	raw := signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(func(c jwt.MapClaims) {
		c["https://actorgraph.example/roles"] = map[string]any{"ws_c": "OWNER"}
	}))
	got, err := v.Verify(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]domain.Grant{"ws_c": {Role: domain.Owner, Clearance: domain.Confidential}}
	if !reflect.DeepEqual(got.Grants, want) {
		t.Errorf("grants = %+v, want %+v (the default claim must be ignored)", got.Grants, want)
	}
	raw = signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(func(c jwt.MapClaims) {
		c["https://actorgraph.example/roles"] = map[string]any{"ws_c": "ROOT"}
	}))
	_, err = v.Verify(raw)
	assertJWTRefused(t, err, raw, `the token's "https://actorgraph.example/roles" claim is not valid`)
}

func TestJWTVerifyJWKS(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	path := filepath.Join(t.TempDir(), "jwks.json")
	psOnly := testJWK(&k.otherRSA.PublicKey, "rsa-ps")
	psOnly.Algorithm = "PS256"
	writeJWKS(t, path,
		testJWK(&k.rsa.PublicKey, "rsa"),
		psOnly,
		testJWK(&k.ec256.PublicKey, "ec256"),
		testJWK(&k.ec384.PublicKey, "ec384"),
		testJWK(k.ed.Public(), "ed"),
	)
	v := newTestJWTVerifier(t, JWTConfig{JWKSFile: path, Issuer: jwtTestIssuer, Audience: jwtTestAudience})

	signed := func(m jwt.SigningMethod, key any, kid string) func(t *testing.T) string {
		return func(t *testing.T) string { return signJWT(t, m, key, kid, jwtTestClaims(nil)) }
	}
	rsaPEM := func(t *testing.T) []byte {
		der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}

	runJWTCases(t, v, []jwtCase{
		{name: "RS256", token: signed(jwt.SigningMethodRS256, k.rsa, "rsa")},
		{name: "PS256", token: signed(jwt.SigningMethodPS256, k.rsa, "rsa")},
		{name: "PS256 with a key restricted to PS256", token: signed(jwt.SigningMethodPS256, k.otherRSA, "rsa-ps")},
		{name: "ES256", token: signed(jwt.SigningMethodES256, k.ec256, "ec256")},
		{name: "ES384", token: signed(jwt.SigningMethodES384, k.ec384, "ec384")},
		{name: "EdDSA", token: signed(jwt.SigningMethodEdDSA, k.ed, "ed")},

		{name: "alg confusion: HS256 with the RSA public key as secret", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, rsaPEM(t), "rsa", jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "alg confusion without kid", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodHS256, rsaPEM(t), "", jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "alg none", token: func(t *testing.T) string {
			return unsignedJWT(t, map[string]any{"alg": "none", "kid": "rsa"}, jwtTestClaims(nil))
		}, wantErr: "the token's signing algorithm is not accepted"},
		{name: "ES512 is not accepted", token: signed(jwt.SigningMethodES512, k.ec521, "ec256"),
			wantErr: "the token's signing algorithm is not accepted"},
		{name: "alg that does not fit the key", token: signed(jwt.SigningMethodES256, k.ec256, "rsa"),
			wantErr: "not accepted for its key"},
		{name: "ES256 header on the P-384 key", token: func(t *testing.T) string {
			return unsignedJWT(t, map[string]any{"alg": "ES256", "kid": "ec384"}, jwtTestClaims(nil))
		}, wantErr: "not accepted for its key"},
		{name: "RS256 with a key restricted to PS256", token: signed(jwt.SigningMethodRS256, k.otherRSA, "rsa-ps"),
			wantErr: "not accepted for its key"},
		{name: "unknown kid", token: signed(jwt.SigningMethodRS256, k.rsa, "rotated-away"),
			wantErr: "the token's signing key is not known"},
		{name: "kid not a string", token: func(t *testing.T) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwtTestClaims(nil))
			tok.Header["kid"] = 7
			s, err := tok.SignedString(k.rsa)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, wantErr: "key id (kid) is not valid"},
		{name: "no kid with several keys", token: signed(jwt.SigningMethodRS256, k.rsa, ""),
			wantErr: "does not name its signing key (kid)"},
		{name: "bad signature: another key under a known kid", token: signed(jwt.SigningMethodRS256, k.otherRSA, "rsa"),
			wantErr: "the token's signature is not valid", wrapped: jwt.ErrTokenSignatureInvalid},
		{name: "bad signature: EdDSA", token: func(t *testing.T) string {
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			return signJWT(t, jwt.SigningMethodEdDSA, other, "ed", jwtTestClaims(nil))
		}, wantErr: "the token's signature is not valid"},
		{name: "expired", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodES256, k.ec256, "ec256", jwtTestClaims(func(c jwt.MapClaims) { c["exp"] = jwtTestNow.Add(-time.Hour).Unix() }))
		}, wantErr: "the token has expired"},
		{name: "wrong issuer", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwtTestClaims(func(c jwt.MapClaims) { c["iss"] = "https://other.example" }))
		}, wantErr: "the token's issuer is not accepted"},
		{name: "bad role", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsa, "rsa", jwtTestClaims(func(c jwt.MapClaims) {
				c["actorgraph_roles"] = map[string]any{"ws_a": "GOD"}
			}))
		}, wantErr: `unknown role "GOD"`},
	})
}

func TestJWTVerifyJWKSSingleKey(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	path := writeJWKS(t, filepath.Join(t.TempDir(), "jwks.json"), jose.JSONWebKey{Key: k.ec256.Public(), KeyID: "only"})
	v := newTestJWTVerifier(t, JWTConfig{JWKSFile: path})
	runJWTCases(t, v, []jwtCase{
		{name: "no kid uses the only key", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodES256, k.ec256, "", jwtTestClaims(nil))
		}},
		{name: "no kid, alg that does not fit the key", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodRS256, k.rsa, "", jwtTestClaims(nil))
		}, wantErr: "not accepted for its key"},
		{name: "no kid, another key", token: func(t *testing.T) string {
			other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return signJWT(t, jwt.SigningMethodES256, other, "", jwtTestClaims(nil))
		}, wantErr: "the token's signature is not valid"},
		{name: "unknown kid", token: func(t *testing.T) string {
			return signJWT(t, jwt.SigningMethodES256, k.ec256, "other", jwtTestClaims(nil))
		}, wantErr: "the token's signing key is not known"},
	})
}

func TestJWTVerifyJWKSDuplicateKid(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	path := writeJWKS(t, filepath.Join(t.TempDir(), "jwks.json"),
		testJWK(&k.otherRSA.PublicKey, "same"), testJWK(&k.rsa.PublicKey, "same"))
	v := newTestJWTVerifier(t, JWTConfig{JWKSFile: path})
	for _, key := range []*rsa.PrivateKey{k.rsa, k.otherRSA} {
		if _, err := v.Verify(signJWT(t, jwt.SigningMethodRS256, key, "same", jwtTestClaims(nil))); err != nil {
			t.Errorf("token signed by one of two keys sharing a kid refused: %v", err)
		}
	}
}

func TestJWKSReload(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	path := writeJWKS(t, filepath.Join(t.TempDir(), "jwks.json"), testJWK(&k.rsa.PublicKey, "a"))
	v := newTestJWTVerifier(t, JWTConfig{JWKSFile: path})
	v.jwks.every = 0 // check the file on every use

	tokA := signJWT(t, jwt.SigningMethodRS256, k.rsa, "a", jwtTestClaims(nil))
	tokB := signJWT(t, jwt.SigningMethodES256, k.ec256, "b", jwtTestClaims(nil))
	accept := func(step, raw string) {
		t.Helper()
		if _, err := v.Verify(raw); err != nil {
			t.Errorf("%s: token refused: %v", step, err)
		}
	}
	jwtRefuse := func(step, raw, want string) error {
		t.Helper()
		_, err := v.Verify(raw)
		if err == nil {
			t.Errorf("%s: token accepted", step)
			return nil
		}
		assertJWTRefused(t, err, raw, want)
		return err
	}

	accept("initial key", tokA)
	jwtRefuse("before rotation", tokB, "signing key is not known")

	writeJWKS(t, path, testJWK(&k.rsa.PublicKey, "a"), testJWK(&k.ec256.PublicKey, "b"))
	accept("new key after rotation", tokB)
	accept("old key still published", tokA)

	writeJWKS(t, path, testJWK(&k.ec256.PublicKey, "b"))
	jwtRefuse("old key withdrawn", tokA, "signing key is not known")

	writeJWKSFile(t, path, []byte(`{"keys": [`)) // half-written
	accept("broken file keeps the last keys", tokB)
	err := jwtRefuse("broken file", tokA, "signing key is not known")
	if err == nil || !strings.Contains(err.Error(), "re-reading the JWKS file failed") {
		t.Errorf("refusal %v does not report the failed re-read", err)
	}
	if msg, _ := errs.Public(err); strings.Contains(msg, "JWKS") {
		t.Errorf("public message %q tells the client about the JWKS file", msg)
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	accept("missing file keeps the last keys", tokB)

	writeJWKS(t, path, testJWK(&k.rsa.PublicKey, "a"))
	accept("file back", tokA)
	jwtRefuse("file back without b", tokB, "signing key is not known")
}

func TestJWTVerifyConcurrentWithReload(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	path := writeJWKS(t, filepath.Join(t.TempDir(), "jwks.json"), testJWK(&k.ec256.PublicKey, "a"))
	v := newTestJWTVerifier(t, JWTConfig{JWKSFile: path})
	v.jwks.every = 0
	raw := signJWT(t, jwt.SigningMethodES256, k.ec256, "a", jwtTestClaims(nil))

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := v.Verify(raw); err != nil {
					t.Errorf("token refused during reloads: %v", err)
					return
				}
			}
		})
	}
	for i := range 20 {
		ks := []jose.JSONWebKey{testJWK(&k.ec256.PublicKey, "a")}
		if i%2 == 0 {
			ks = append(ks, testJWK(k.ed.Public(), "b"))
		}
		writeJWKS(t, path, ks...)
	}
	wg.Wait()
}

func TestLooksLikeJWT(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	real := signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(nil))
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{real, true},
		{"a.b.c", true},
		{"eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo", true},
		{"A-_z.09.xY", true},
		{"", false},
		{"a.b", false},
		{"a.b.c.d", false},
		{"a..c", false},
		{".b.c", false},
		{"a.b.", false},
		{"..", false},
		{"a.b.c=", false},
		{"a+b.c.d", false},
		{"a/b.c.d", false},
		{"Bearer a.b.c", false},
		{" a.b.c", false},
		{"a.b.c\n", false},
		{"agt_0123456789abcdef", false},
	} {
		if got := LooksLikeJWT(tc.s); got != tc.want {
			t.Errorf("LooksLikeJWT(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// The verifier keeps its own copy of the secret.
func TestNewJWTVerifierCopiesSecret(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	secret := append([]byte(nil), k.secret...)
	v := newTestJWTVerifier(t, JWTConfig{Secret: secret})
	raw := signJWT(t, jwt.SigningMethodHS256, k.secret, "", jwtTestClaims(nil))
	for i := range secret {
		secret[i] = 0
	}
	if _, err := v.Verify(raw); err != nil {
		t.Errorf("changing the caller's secret slice changed the verifier: %v", err)
	}
}
