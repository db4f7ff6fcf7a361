package auth

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/actorgraph/actorgraph/errs"
)

// Fuzz targets for what authentication reads before it knows who is
// calling: bearer JWTs and signed links. Whatever arrives, they never
// panic, refuse only as UNAUTHENTICATED without echoing the input, and
// accept only what the key signed.

func FuzzJWTVerify(f *testing.F) {
	secret := []byte("fuzzing-secret-of-at-least-32-bytes!!")
	v, err := NewJWTVerifier(JWTConfig{Secret: secret, Issuer: "iss", Audience: "aud"})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "iss", "aud": "aud", "sub": "s",
		"exp": time.Now().Add(time.Hour).Unix(), "actorgraph_roles": map[string]any{"ws_1": "VIEWER"}}).SignedString(secret)
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add(strings.Repeat("A", 100) + "." + strings.Repeat("B", 100) + ".")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(raw)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("refused as %v: %v", errs.KindOf(err), err)
			}
			if msg, _ := errs.Public(err); len(raw) > 16 && strings.Contains(msg, raw) {
				t.Fatalf("the refusal echoes the token: %q", msg)
			}
			return
		}
		if c.Admin || !strings.HasPrefix(c.Subject, "jwt:") {
			t.Fatalf("accepted as %+v", c)
		}
		// Only a token the secret signed passes: check with the library.
		if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			t.Fatalf("accepted a token the library refuses: %v", err)
		}
	})
}

func FuzzLinkVerify(f *testing.F) {
	s := NewLinkSigner([]byte("0123456789abcdef0123456789abcdef"))
	good, _ := s.Sign(Link{Workspace: "ws_1", Format: "csv", Subject: "token:t"})
	f.Add("ws_1", "csv", good)
	f.Add("ws_1", "csv", "exp=1&sub=admin&role=OWNER&cl=CONFIDENTIAL&sig=AAAA")
	f.Add("", "", "sig=%zz")
	f.Fuzz(func(t *testing.T, ws, format, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		c, _, err := s.Verify(ws, format, q)
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("refused as %v: %v", errs.KindOf(err), err)
			}
			return
		}
		if c.Admin || len(c.Grants) != 1 {
			t.Fatalf("a link granted %+v", c)
		}
		if _, ok := c.Grants[ws]; !ok || q.Get("sig") != s.mac(ws, format, q) {
			t.Fatalf("accepted a link the key did not sign for %q", ws)
		}
	})
}
