package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Signed export links. A browser cannot put a bearer token on a link, so
// an authorised request obtains a short-lived URL instead: the URL names
// the workspace, the format, the caller's subject and grant there, and
// when it expires, and an HMAC over all of that proves the service made
// it. Whoever holds the URL can download that one export until it
// expires, which is why links live minutes, not days.

// LinkTTL is how long a signed export link works.
const LinkTTL = 5 * time.Minute

// LinkSigner makes and checks signed export links.
type LinkSigner struct {
	key []byte
	now func() time.Time
}

// NewLinkSigner signs with key; a nil key gets a random one, so that links
// stop working when the service restarts (set ACTORGRAPH_LINK_KEY to keep
// them working across restarts and replicas).
func NewLinkSigner(key []byte) *LinkSigner {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &LinkSigner{key: key, now: time.Now}
}

// Link is what a signed link grants.
type Link struct {
	Workspace    string
	Format       string
	Pseudonymize bool
	Subject      string
	Grant        domain.Grant
}

// Sign returns the query string of a link to l, and when it expires.
func (s *LinkSigner) Sign(l Link) (string, time.Time) {
	exp := s.now().Add(LinkTTL).Truncate(time.Second)
	q := url.Values{}
	q.Set("exp", strconv.FormatInt(exp.Unix(), 10))
	q.Set("sub", l.Subject)
	q.Set("role", string(l.Grant.Role))
	q.Set("cl", string(l.Grant.Clearance))
	if l.Pseudonymize {
		q.Set("pseudonymize", "true")
	}
	q.Set("sig", s.mac(l.Workspace, l.Format, q))
	return q.Encode(), exp
}

// mac signs everything a link says, in a fixed order.
func (s *LinkSigner) mac(ws, format string, q url.Values) string {
	h := hmac.New(sha256.New, s.key)
	for _, part := range []string{ws, format, q.Get("exp"), q.Get("sub"), q.Get("role"), q.Get("cl"), q.Get("pseudonymize")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

var errBadLink = errs.E("auth.link", errs.Unauthenticated, "this download link is not valid (it was altered, or made by another server): ask the service for a new one")

// IsSigned reports whether a request's query carries a link signature.
func IsSigned(q url.Values) bool { return q.Get("sig") != "" }

// Verify checks a link to workspace ws in format and returns the caller
// it stands for and whether it asks for a pseudonymised export.
func (s *LinkSigner) Verify(ws, format string, q url.Values) (*domain.Caller, bool, error) {
	want := s.mac(ws, format, q)
	if !hmac.Equal([]byte(want), []byte(q.Get("sig"))) {
		return nil, false, errBadLink
	}
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return nil, false, errBadLink
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return nil, false, errs.E("auth.link", errs.Unauthenticated, "this download link has expired: links work for five minutes; ask for a new one")
	}
	g := domain.Grant{Role: domain.Role(q.Get("role")), Clearance: domain.Sensitivity(q.Get("cl"))}
	c := &domain.Caller{Subject: q.Get("sub"), Grants: map[string]domain.Grant{ws: g}, Reads: &domain.ReadLog{}}
	if !strings.HasSuffix(c.Subject, " (link)") {
		c.Subject += " (link)"
	}
	return c, q.Get("pseudonymize") == "true", nil
}
