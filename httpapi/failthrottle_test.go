package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Rejected credentials are throttled without collateral: a guesser
// cannot lock out the clients that share its address, and guessing
// spread over many addresses is bounded too.

// failTestLimiter is a limiter on a fake clock with the given trusted
// proxies and bound on all clients' failures, in front of rateTestAuth.
// Requests come through proxyDo.
func failTestLimiter(t *testing.T, perSecond float64, burst int, trusted string, failRate float64, failBurst int) (*rateLimiter, *rateClock, http.Handler, *sync.Map) {
	t.Helper()
	l := newRateLimiter(perSecond, burst)
	clk := &rateClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l.now = clk.now
	for _, p := range strings.Fields(trusted) {
		l.clients.trusted = append(l.clients.trusted, netip.MustParsePrefix(p))
	}
	l.setFailLimit(failRate, failBurst)
	revoked := &sync.Map{}
	return l, clk, l.middleware(l.clients.rateKey, rateTestAuth(revoked)), revoked
}

// proxyDo sends a request from peer (host:port) with X-Forwarded-For xff
// ("" for none) and Authorization auth ("" for none).
func proxyDo(h http.Handler, peer, xff, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{__typename}"}`))
	r.RemoteAddr = peer
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The attack of issue 12: behind the one proxy every client shares,
// made-up tokens at 50 a second beside an owner's requests. The owner is
// never refused; the flood is, after its burst.
func TestRejectedFloodSparesAKnownToken(t *testing.T) {
	t.Parallel()
	_, clk, h, revoked := failTestLimiter(t, 20, 40, "", 100, 200)
	const proxy = "10.0.0.1:443"
	rateOK(t, proxyDo(h, proxy, "", "Bearer owner"), "the owner, before the flood")
	codes := map[int]int{}
	for i := range 3000 { // a minute at 50 a second
		codes[proxyDo(h, proxy, "", fmt.Sprintf("Bearer bad-%d", i)).Code]++
		if i%4 == 0 { // the owner, about 12 times a second
			rateOK(t, proxyDo(h, proxy, "", "Bearer owner"), fmt.Sprintf("the owner after %d guesses", i+1))
		}
		clk.advance(20 * time.Millisecond)
	}
	// 40 of burst, then 20 a second for the minute (less the last tick).
	if n := codes[http.StatusUnauthorized]; n < 40 || n > 40+20*60 || n+codes[http.StatusTooManyRequests] != 3000 {
		t.Errorf("the flood: %v", codes)
	}
	t.Logf("the flood: %v", codes)
	// A token never seen before waits, like the guesses: the proxy's
	// address is shut out (trusted proxies lift this; see below).
	rateLimited(t, proxyDo(h, proxy, "", "Bearer newcomer"), "1", "too many rejected credentials from this address")
	// A known token once revoked is forgotten at its first 401, and then
	// waits like any other.
	revoked.Store("Bearer owner", true)
	if w := proxyDo(h, proxy, "", "Bearer owner"); w.Code != http.StatusUnauthorized {
		t.Fatalf("the revoked owner's token: status %d, want 401", w.Code)
	}
	rateLimited(t, proxyDo(h, proxy, "", "Bearer owner"), "1", "from this address")
}

// With the proxy trusted, each client behind it has its own "fail:"
// bucket: a guesser's does not shut out anyone else, not even a token
// never seen before, nor another client's own mistakes.
func TestRejectedPerClientBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	_, _, h, _ := failTestLimiter(t, 1, 3, "10.0.0.0/8", 0, 1)
	const proxy = "10.0.0.1:443"
	for i := range 3 {
		if w := proxyDo(h, proxy, "203.0.113.9", fmt.Sprintf("Bearer bad-%d", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d", i, w.Code)
		}
	}
	rateLimited(t, proxyDo(h, proxy, "203.0.113.9", "Bearer bad-3"), "1", "from this address")
	rateLimited(t, proxyDo(h, proxy, "198.51.100.7, 203.0.113.9", "Bearer bad-4"), "1") // what it writes itself is ignored
	rateOK(t, proxyDo(h, proxy, "198.51.100.7", "Bearer newcomer"), "another client's new token")
	if w := proxyDo(h, proxy, "198.51.100.7", "Bearer bad-typo"); w.Code != http.StatusUnauthorized {
		t.Errorf("another client's mistyped token: status %d, want 401", w.Code)
	}
	// Two trusted proxies in a row: the client is left of both.
	rateLimited(t, proxyDo(h, proxy, "203.0.113.9, 10.1.2.3", "Bearer bad-5"), "1")
	rateOK(t, proxyDo(h, proxy, "198.51.100.8, 10.1.2.3", "Bearer other"), "a client behind two proxies")
}

// X-Forwarded-For from a connection that is not a trusted proxy's is
// ignored: a guesser cannot take a new bucket per request by writing it.
func TestForwardedForFromUntrustedPeerIgnored(t *testing.T) {
	t.Parallel()
	_, _, h, _ := failTestLimiter(t, 1, 3, "10.0.0.0/8", 0, 1)
	const guesser = "192.0.2.50:4711"
	for i := range 3 {
		proxyDo(h, guesser, fmt.Sprintf("198.51.100.%d", i), fmt.Sprintf("Bearer bad-%d", i))
	}
	for i := 3; i < 20; i++ {
		rateLimited(t, proxyDo(h, guesser, fmt.Sprintf("198.51.100.%d", i), fmt.Sprintf("Bearer bad-%d", i)), "1", "from this address")
	}
	rateOK(t, proxyDo(h, "192.0.2.51:1", "", "Bearer someone"), "another address")
}

// Guessing spread over many addresses is bounded by all clients'
// budget; tokens known to be valid, and requests without one, pass.
func TestRejectedGlobalBudget(t *testing.T) {
	t.Parallel()
	_, clk, h, _ := failTestLimiter(t, 20, 40, "", 1, 5)
	rateOK(t, proxyDo(h, "198.51.100.1:1", "", "Bearer owner"), "the owner")
	for i := range 5 {
		if w := proxyDo(h, fmt.Sprintf("203.0.113.%d:1", i), "", fmt.Sprintf("Bearer bad-%d", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d from its own address: status %d, want 401", i, w.Code)
		}
	}
	for i := 5; i < 50; i++ {
		rateLimited(t, proxyDo(h, fmt.Sprintf("203.0.113.%d:1", i), "", fmt.Sprintf("Bearer bad-%d", i)), "1",
			"too many rejected credentials from all clients: at most 1 per second (burst 5)")
	}
	rateOK(t, proxyDo(h, "198.51.100.2:1", "", "Bearer owner"), "the owner, known, from anywhere")
	rateOK(t, proxyDo(h, "198.51.100.3:1", "", ""), "no credentials")
	rateLimited(t, proxyDo(h, "198.51.100.4:1", "", "Bearer newcomer"), "1", "from all clients")
	clk.advance(time.Second)
	if w := proxyDo(h, "203.0.113.99:1", "", "Bearer bad-99"); w.Code != http.StatusUnauthorized {
		t.Errorf("a second later, one more guess: status %d, want 401", w.Code)
	}
	rateLimited(t, proxyDo(h, "203.0.113.98:1", "", "Bearer bad-98"), "1", "from all clients")
}

// Known credentials are bounded in number and in time, and held only as
// hashes.
func TestKnownCredentialsBounded(t *testing.T) {
	t.Parallel()
	l, clk, h, _ := failTestLimiter(t, 1000, 1000, "", 0, 1)
	l.knownMax = 10
	for i := range 100 {
		rateOK(t, proxyDo(h, "192.0.2.1:1", "", fmt.Sprintf("Bearer good-%d", i)), "a good token")
	}
	l.mu.Lock()
	n := len(l.known)
	for k := range l.known {
		if !strings.HasPrefix(k, "tok:") || strings.Contains(k, "good") {
			t.Errorf("known credential held as %q, not a hash", k)
		}
	}
	l.mu.Unlock()
	if n != 10 {
		t.Errorf("%d known credentials, want 10", n)
	}
	key := func(i int) string {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", fmt.Sprintf("Bearer good-%d", i))
		return credentialKey(r)
	}
	if l.isKnown(key(89)) || !l.isKnown(key(90)) || !l.isKnown(key(99)) {
		t.Error("not the ten most recently used are known")
	}
	clk.advance(knownTTL - time.Second)
	rateOK(t, proxyDo(h, "192.0.2.1:1", "", "Bearer good-95"), "good-95 again")
	clk.advance(time.Second)
	if l.isKnown(key(99)) || !l.isKnown(key(95)) {
		t.Errorf("after %v, good-99 should be forgotten and good-95 (used since) known", knownTTL)
	}
}

func TestClientAddresses(t *testing.T) {
	t.Parallel()
	trusted := clientAddresses{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}}
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy trusted", "192.0.2.1:1", []string{"203.0.113.5"}, "192.0.2.1"},
		{"untrusted peer", "192.0.2.1:1", []string{"203.0.113.5"}, "192.0.2.1"},
		{"trusted peer", "10.0.0.1:1", []string{"203.0.113.5"}, "203.0.113.5"},
		{"trusted peer, no header", "10.0.0.1:1", nil, "10.0.0.1"},
		{"the rightmost untrusted, not what the client wrote", "10.0.0.1:1", []string{"1.2.3.4, 203.0.113.5"}, "203.0.113.5"},
		{"past other trusted proxies", "10.0.0.1:1", []string{"1.2.3.4, 203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"several headers, in order", "10.0.0.1:1", []string{"1.2.3.4", "203.0.113.5, 10.9.9.9"}, "203.0.113.5"},
		{"all trusted: the leftmost", "10.0.0.1:1", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"garbage: the last trusted hop", "10.0.0.1:1", []string{"203.0.113.5, unknown, 10.3.3.3"}, "10.3.3.3"},
		{"with a port", "10.0.0.1:1", []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"IPv6 with a port: its /64", "10.0.0.1:1", []string{"[2001:db8:1:2:3:4:5:6]:4711"}, "2001:db8:1:2::/64"},
		{"IPv6 trusted proxy", "[2001:db8:ffff::1]:1", []string{"2001:db8:1:2::9"}, "2001:db8:1:2::/64"},
		{"mapped IPv4 peer", "[::ffff:10.0.0.1]:1", []string{"203.0.113.5"}, "203.0.113.5"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		ca := trusted
		if c.name == "no proxy trusted" {
			ca = clientAddresses{}
		}
		if got := ca.key(r); got != c.want {
			t.Errorf("%s: client %q, want %q", c.name, got, c.want)
		}
	}
}

// Rejections decided in memory (another scheme, no token prefix, a JWT
// that does not verify) cost the store nothing and leave all clients'
// budget alone: from many addresses, they cannot lock out tokens not yet
// known. Each still charges its own client's bucket.
func TestFreeRejectionsSpareTheGlobalBudget(t *testing.T) {
	t.Parallel()
	_, _, h, _ := failTestLimiter(t, 20, 40, "", 1, 5)
	for i := range 1000 { // each from its own address: no per-client bucket runs out
		auth := fmt.Sprintf("Bearer free-%d", i)
		if i%2 == 1 {
			auth = fmt.Sprintf("Basic x%d", i)
		}
		if w := proxyDo(h, fmt.Sprintf("203.0.%d.%d:1", i/256, i%256), "", auth); w.Code != http.StatusUnauthorized {
			t.Fatalf("free rejection %d: status %d, want 401", i, w.Code)
		}
	}
	rateOK(t, proxyDo(h, "198.51.100.1:1", "", "Bearer newcomer"), "a token not yet known, after 1,000 free rejections")
	// One client's free rejections still run out its own bucket.
	const client = "192.0.2.7:1"
	for i := range 40 {
		proxyDo(h, client, "", fmt.Sprintf("Basic y%d", i))
	}
	rateLimited(t, proxyDo(h, client, "", "Bearer newcomer-2"), "1", "from this address")
	// Rejections that were looked up drain all clients' budget.
	for i := range 5 {
		if w := proxyDo(h, fmt.Sprintf("198.51.100.%d:1", 10+i), "", fmt.Sprintf("Bearer bad-%d", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("looked-up guess %d: status %d, want 401", i, w.Code)
		}
	}
	rateLimited(t, proxyDo(h, "198.51.100.99:1", "", "Bearer newcomer-3"), "1", "from all clients")
}

// For rejected credentials an IPv6 client is its /48: a guesser cannot
// take a new "fail:" bucket from each /64 of its site. Its requests are
// still counted per /64 otherwise.
func TestRejectedIPv6CountsPerSlash48(t *testing.T) {
	t.Parallel()
	_, _, h, _ := failTestLimiter(t, 1, 3, "", 0, 1)
	for i := range 3 {
		if w := proxyDo(h, fmt.Sprintf("[2001:db8:1:%x::1]:1", i), "", fmt.Sprintf("Bearer bad-%d", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i, w.Code)
		}
	}
	rateLimited(t, proxyDo(h, "[2001:db8:1:ffff::1]:1", "", "Bearer bad-3"), "1", "from this address")
	rateOK(t, proxyDo(h, "[2001:db8:1:ffff::1]:1", "", ""), "no credentials from another /64 of that /48")
	if w := proxyDo(h, "[2001:db8:2::1]:1", "", "Bearer bad-4"); w.Code != http.StatusUnauthorized {
		t.Errorf("a guess from another /48: status %d, want 401", w.Code)
	}
}

// exportTestStore fails every read: the export tests below stop at
// authentication.
type exportTestStore struct{}

func (exportTestStore) Contents(context.Context, string) (*domain.Contents, error) {
	return nil, errs.E("test", errs.NotFound, "no such workspace")
}
func (exportTestStore) PseudonymKey(context.Context, string) ([]byte, error) { return nil, nil }
func (exportTestStore) RecordReads(context.Context, string, string, []string) error {
	return nil
}

// tokenTestStore holds the one API token good (a viewer of ws) and
// counts lookups.
type tokenTestStore struct{ lookups atomic.Int64 }

const goodTestToken = auth.TokenPrefix + "good"

func (s *tokenTestStore) Authenticate(_ context.Context, hash string) (*domain.Token, map[string]domain.Grant, error) {
	s.lookups.Add(1)
	if hash != auth.HashSecret(goodTestToken) {
		return nil, nil, errs.E("test", errs.NotFound, "no such token")
	}
	return &domain.Token{Subject: "token:good"}, map[string]domain.Grant{"ws": {Role: domain.Viewer}}, nil
}
func (s *tokenTestStore) Grants(context.Context, string) (map[string]domain.Grant, error) {
	return nil, nil
}

// The service's own authentication, on /graphql and /export, tells the
// limiter which rejections it looked up and which credentials it
// accepted: without Neo4j, with a store that counts lookups.
func TestAuthenticationReportsToTheLimiter(t *testing.T) {
	t.Parallel()
	st := &tokenTestStore{}
	l := newRateLimiter(20, 40)
	clk := &rateClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l.now = clk.now
	l.setFailLimit(1, 5)
	authn := &auth.Authenticator{Store: st, AdminHash: auth.HashSecret("admin-token-admin-token-admin-token")}
	mux := http.NewServeMux()
	mux.Handle("/graphql", authn.Middleware(refuse, markAuthenticated(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	}))))
	mux.Handle("GET /export/{file}", exportHandler(exportTestStore{}, authn, nil, zap.NewNop()))
	h := l.middleware(l.clients.rateKey, mux)
	do := func(method, path, addr, authz string) int {
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = addr
		r.Header.Set("Authorization", authz)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	// Free rejections, on both routes, from many addresses.
	for i := range 200 {
		addr := fmt.Sprintf("203.0.113.%d:1", i)
		// Each its own credential, so that no token's own bucket runs out.
		for _, authz := range []string{fmt.Sprintf("Basic x%d", i), fmt.Sprintf("Bearer not-a-token-%d", i), fmt.Sprintf("Bearer a.b.%d", i)} {
			if got := do(http.MethodPost, "/graphql", addr, authz); got != http.StatusUnauthorized {
				t.Fatalf("%q on /graphql: status %d, want 401", authz, got)
			}
			if got := do(http.MethodGet, "/export/ws.gexf", addr, authz); got != http.StatusUnauthorized {
				t.Fatalf("%q on /export: status %d, want 401", authz, got)
			}
		}
	}
	if n := st.lookups.Load(); n != 0 {
		t.Fatalf("%d lookups for credentials that cannot be API tokens", n)
	}
	// A token used only for exports becomes known there: after all
	// clients' budget is spent on lookups, it still passes.
	if got := do(http.MethodGet, "/export/ws.gexf", "198.51.100.1:1", "Bearer "+goodTestToken); got != http.StatusForbidden {
		t.Fatalf("a viewer's export: status %d, want 403 (authenticated, not allowed)", got)
	}
	for i := range 5 {
		path := "/graphql"
		if i%2 == 1 {
			path = "/export/ws.gexf"
		}
		if got := do(http.MethodGet, path, fmt.Sprintf("198.51.100.%d:1", 10+i), fmt.Sprintf("Bearer %smade-up-%d", auth.TokenPrefix, i)); got != http.StatusUnauthorized {
			t.Fatalf("made-up API token %d on %s: status %d, want 401", i, path, got)
		}
	}
	if got := do(http.MethodPost, "/graphql", "198.51.100.99:1", "Bearer "+auth.TokenPrefix+"made-up-5"); got != http.StatusTooManyRequests {
		t.Errorf("after five looked-up rejections: status %d, want 429", got)
	}
	if got := do(http.MethodGet, "/export/ws.gexf", "198.51.100.98:1", "Bearer "+goodTestToken); got != http.StatusForbidden {
		t.Errorf("the token known from its export, with all clients' budget spent: status %d, want 403", got)
	}
}
