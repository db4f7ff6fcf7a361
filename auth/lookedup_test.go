package auth

import (
	"context"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// lookups is a token store that holds no token and counts the lookups.
type lookups struct{ n int }

func (s *lookups) Authenticate(context.Context, string) (*domain.Token, map[string]domain.Grant, error) {
	s.n++
	return nil, nil, errs.E("store", errs.NotFound, "no such token")
}

func (s *lookups) Grants(context.Context, string) (map[string]domain.Grant, error) {
	s.n++
	return nil, nil
}

// LookedUp tells the rejections that took a lookup in the store from
// those decided in memory: the rate limiter bounds all clients' rejected
// credentials by the former only. Both kinds read the same to a caller.
func TestLookedUpOnlyForStoreLookups(t *testing.T) {
	t.Parallel()
	k := jwtKeys()
	st := &lookups{}
	a := &Authenticator{Store: st, AdminHash: HashSecret("the-admin-token-of-at-least-32-chars"),
		JWT: newTestJWTVerifier(t, JWTConfig{Secret: k.secret, Issuer: jwtTestIssuer, Audience: jwtTestAudience})}
	var msg string
	for _, c := range []struct {
		name, bearer string
	}{
		{"no bearer token", ""},
		{"no token prefix", "not-an-api-token"},
		{"a wrong admin token", "the-admin-token-of-at-least-32-chars!"},
		{"a JWT with a made-up signature", unsignedJWT(t, map[string]any{"alg": "HS256", "typ": "JWT"}, jwtTestClaims(nil))},
		{"a JWT signed with another key", signJWT(t, jwt.SigningMethodHS256, []byte("another key, 32 bytes long......"), "", jwtTestClaims(nil))},
		{"an API token the store does not hold", TokenPrefix + "made-up"},
	} {
		before := st.n
		_, err := a.Authenticate(context.Background(), c.bearer)
		if !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("%s: %v, want UNAUTHENTICATED", c.name, err)
		}
		looked := st.n > before
		if LookedUp(err) != looked {
			t.Errorf("%s: LookedUp %v, but the store was asked: %v", c.name, LookedUp(err), looked)
		}
		if c.name == "no token prefix" {
			msg = err.Error()
		}
		if looked && err.Error() != msg {
			t.Errorf("%s: %q, not the words of a token without the prefix (%q)", c.name, err, msg)
		}
	}
	if st.n != 1 {
		t.Errorf("%d lookups, want 1 (the API token's)", st.n)
	}
	if LookedUp(nil) || LookedUp(ErrNoCredentials) {
		t.Error("LookedUp is true of no error, or of no credentials")
	}
}
