// Package auth says who is calling and what it may do. It turns a
// request's bearer token into a domain.Caller: an API token the service
// issued (looked up by its hash), the operator's admin token from
// configuration, a JWT from an identity provider, or a signed export link.
// Require and its kin (require.go) are the one place that decides what a
// caller may do, by role and clearance, for resolvers and HTTP handlers
// alike; what it may see is enforced by the store, in its Cypher.
// FlushReads keeps the promise that every confidential read is audited
// before its answer leaves.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// TokenPrefix starts every API token the service issues, so that a leaked
// token is easy to recognise (by secret scanners, say).
const TokenPrefix = "agt_"

// NewSecret returns a new API token secret: 256 random bits.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is how a token is stored and looked up. The secrets are 256
// random bits, so one round of SHA-256 is enough: there is nothing to
// guess that a slow hash would protect (unlike passwords).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// MinAdminTokenLen is the shortest admin token accepted from configuration.
const MinAdminTokenLen = 32

// TokenStore is what authentication reads (the store).
type TokenStore interface {
	Authenticate(ctx context.Context, hash string) (*domain.Token, map[string]domain.Grant, error)
	Grants(ctx context.Context, subject string) (map[string]domain.Grant, error)
}

// Authenticator turns credentials into callers.
type Authenticator struct {
	Store     TokenStore
	AdminHash string       // HashSecret of the admin token; "" for none
	JWT       *JWTVerifier // nil when JWTs are not accepted
	Log       *zap.Logger
}

// ErrNoCredentials is the answer to a request without a bearer token.
var ErrNoCredentials = errs.E("auth", errs.Unauthenticated,
	"this request needs credentials: send an API token as 'Authorization: Bearer <token>'")

// errBadToken refuses a token the store was asked about and does not
// hold (or holds revoked or expired); errNotIssued refuses, with the same
// words, one that cannot be an API token and so was never looked up.
// They are apart only so that LookedUp can tell them apart: a caller
// learns nothing from which one it got.
var (
	errBadToken  = errs.E("auth", errs.Unauthenticated, "the token is not valid: it is unknown, revoked or expired")
	errNotIssued = errs.E("auth", errs.Unauthenticated, "the token is not valid: it is unknown, revoked or expired")
)

// LookedUp reports whether err, from Authenticate, rejected a token only
// after looking it up in the store. Every other rejection (no or another
// kind of credentials, a token without TokenPrefix, a JWT that does not
// verify, a wrong admin token) is decided in memory and costs the store
// nothing; the rate limiter bounds all clients' rejected credentials
// together by the lookups they cost, so it must be told which these are.
func LookedUp(err error) bool { return err == errBadToken }

// Bearer returns the bearer token of a request, or "".
func Bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Authenticate returns the caller a bearer token stands for.
func (a *Authenticator) Authenticate(ctx context.Context, bearer string) (*domain.Caller, error) {
	if bearer == "" {
		return nil, ErrNoCredentials
	}
	hash := HashSecret(bearer)
	if a.AdminHash != "" && subtle.ConstantTimeCompare([]byte(hash), []byte(a.AdminHash)) == 1 {
		return &domain.Caller{Subject: "admin", Admin: true}, nil
	}
	if a.JWT != nil && LooksLikeJWT(bearer) {
		c, err := a.JWT.Verify(bearer)
		if err != nil {
			return nil, err
		}
		// Owners may also make a JWT subject a member; the token's own
		// claim wins where both name a workspace.
		members, err := a.Store.Grants(ctx, c.Subject)
		if err != nil {
			return nil, err
		}
		for ws, g := range members {
			if _, ok := c.Grants[ws]; !ok {
				if c.Grants == nil {
					c.Grants = map[string]domain.Grant{}
				}
				c.Grants[ws] = g
			}
		}
		return c, nil
	}
	if !strings.HasPrefix(bearer, TokenPrefix) {
		return nil, errNotIssued
	}
	t, grants, err := a.Store.Authenticate(ctx, hash)
	if errs.Is(err, errs.NotFound) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	if t.Admin {
		return &domain.Caller{Subject: t.Subject, Admin: true}, nil
	}
	return &domain.Caller{Subject: t.Subject, Grants: grants}, nil
}

// Middleware authenticates every request it passes on: a request whose
// token is not valid, or that has none, is answered by refuse, and the
// caller of any other one travels in its context, with a read log for the
// audit of confidential reads.
func (a *Authenticator) Middleware(refuse func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.Authenticate(r.Context(), Bearer(r))
		if err != nil {
			if errs.KindOf(err) != errs.Unauthenticated && a.Log != nil {
				a.Log.Warn("authentication failed", zap.String("error", errs.Trace(err)))
			}
			refuse(w, r, err)
			return
		}
		c.Reads = &domain.ReadLog{}
		next.ServeHTTP(w, r.WithContext(domain.WithCaller(r.Context(), c)))
	})
}

// IssueInput describes a token to issue.
type IssueInput struct {
	Name      string
	Workspace string // "" for an admin token
	Role      domain.Role
	Clearance *domain.Sensitivity
	ExpiresAt *time.Time
	Admin     bool
}

// Issuer is what issuing a token writes to (the store).
type Issuer interface {
	CreateToken(ctx context.Context, t *domain.Token, hash string, grant *domain.Member) error
}

// printableName reports whether a token's name holds only printable text:
// operators read token names on their terminals (`actorgraph token
// list`), where a control character would be obeyed, not shown.
func printableName(name string) bool {
	_, bad := domain.FirstUnprintable(name)
	return !bad
}

// Issue creates a token and returns it with its secret, which is shown
// this once and never stored. The caller in ctx is recorded as its creator.
func Issue(ctx context.Context, st Issuer, in IssueInput) (*domain.Token, string, error) {
	const op = "auth.Issue"
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "" || len(name) > 200:
		return nil, "", errs.Invalidf(op, "name", "a token needs a name of 1 to 200 characters, to tell it apart when listing or revoking")
	case !printableName(name):
		r, _ := domain.FirstUnprintable(name)
		return nil, "", errs.Invalidf(op, "name", "a token's name must be printable text; it holds the control or invisible character %U", r)
	case in.Admin && in.Workspace != "":
		return nil, "", errs.Invalidf(op, "workspace", "an admin token belongs to no workspace")
	case !in.Admin && in.Workspace == "":
		return nil, "", errs.Invalidf(op, "workspace", "a token needs a workspace (or must be an admin token)")
	case !in.Admin && !in.Role.IsValid():
		return nil, "", errs.Invalidf(op, "role", "%q is not a role (allowed: VIEWER, ANALYST, EDITOR, OWNER)", in.Role)
	case in.Clearance != nil && !in.Clearance.IsValid():
		return nil, "", errs.Invalidf(op, "clearance", "%q is not a sensitivity (allowed: PUBLIC, RESTRICTED, CONFIDENTIAL)", *in.Clearance)
	case in.ExpiresAt != nil && !in.ExpiresAt.After(time.Now()):
		return nil, "", errs.Invalidf(op, "expiresAt", "expiresAt must be in the future")
	}
	creator := "unknown"
	if c := domain.CallerFrom(ctx); c != nil {
		creator = c.Subject
	}
	id := domain.NewID(domain.PrefixToken)
	t := &domain.Token{ID: id, Name: name, Subject: "token:" + id, WorkspaceID: in.Workspace, Admin: in.Admin,
		CreatedBy: creator, CreatedAt: time.Now().UTC().Truncate(time.Microsecond), ExpiresAt: in.ExpiresAt}
	var grant *domain.Member
	if !in.Admin {
		grant = &domain.Member{WorkspaceID: in.Workspace, Subject: t.Subject, Role: in.Role, Clearance: in.Clearance}
	}
	secret := NewSecret()
	if err := st.CreateToken(ctx, t, HashSecret(secret), grant); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	return t, secret, nil
}
