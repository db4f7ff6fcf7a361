package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/errs"
)

// rateClock is a fake clock: time moves only when a test says so.
type rateClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *rateClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *rateClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rateTestLimiter is a limiter on a fake clock, and the service's chain
// behind it: next answers 401 to the token "Bearer bad" (standing for
// authentication) and 200 to everything else.
func rateTestLimiter(perSecond float64, burst int) (*rateLimiter, *rateClock, http.Handler) {
	l := newRateLimiter(perSecond, burst)
	clk := &rateClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l.now = clk.now
	return l, clk, l.middleware(rateKey, rateTestAuth(nil))
}

// rateTestAuth stands for authentication behind the limiter: it answers
// 401 to tokens starting "Bearer bad" and to those revoked holds, as
// rejections that took a lookup in the store; 401 to tokens starting
// "Bearer free" and to other schemes ("Basic …"), as rejections decided
// in memory; and otherwise notes the credential valid and answers 200.
func rateTestAuth(revoked *sync.Map) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		_, gone := revokedLoad(revoked, h)
		if strings.HasPrefix(h, "Bearer bad") || gone {
			noteLookupRejected(r.Context())
			errs.WriteHTTP(w, errs.E("test", errs.Unauthenticated, "unknown token"))
			return
		}
		if h != "" && (strings.HasPrefix(h, "Bearer free") || !strings.HasPrefix(h, "Bearer ")) {
			errs.WriteHTTP(w, errs.E("test", errs.Unauthenticated, "not a token"))
			return
		}
		if h != "" {
			noteValidCredential(r.Context())
		}
		_, _ = w.Write([]byte("ok\n"))
	})
}

func revokedLoad(m *sync.Map, h string) (any, bool) {
	if m == nil {
		return nil, false
	}
	return m.Load(h)
}

// rateDo sends one request: from addr ("" for 192.0.2.1:1234), with the
// Authorization header auth ("" for none).
func rateDo(h http.Handler, path, addr, auth string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"query":"{__typename}"}`))
	r.RemoteAddr = "192.0.2.1:1234"
	if addr != "" {
		r.RemoteAddr = addr
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// rateLimited checks w is a 429 with Retry-After retryAfter, code
// RATE_LIMITED and a message holding each of words.
func rateLimited(t *testing.T, w *httptest.ResponseRecorder, retryAfter string, words ...string) {
	t.Helper()
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429; body %s", w.Code, w.Body)
	}
	if got := w.Header().Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After %q, want %q", got, retryAfter)
	}
	if got := w.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, want application/json", got)
	}
	var body struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	e := body.Errors[0]
	if e.Extensions.Code != "RATE_LIMITED" {
		t.Errorf("code %q, want RATE_LIMITED", e.Extensions.Code)
	}
	for _, word := range words {
		if !strings.Contains(e.Message, word) {
			t.Errorf("message %q lacks %q", e.Message, word)
		}
	}
}

func rateOK(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("%s: status %d, want 200; body %s", what, w.Code, w.Body)
	}
}

func TestRateLimitBurstThen429(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		perSecond  float64
		burst      int
		auth       string
		retryAfter string
		words      []string
	}{
		{"token", 20, 40, "Bearer alice", "1",
			[]string{"too many requests for this token: at most 20 per second (burst 40); retry after 1 s"}},
		{"slow rate rounds the wait up", 0.3, 2, "Bearer alice", "4", // 1/0.3 = 3.33 s
			[]string{"too many requests for this token: at most 0.3 per second (burst 2); retry after 4 s"}},
		{"fast rate waits at least a second", 1000, 5, "Bearer alice", "1",
			[]string{"at most 1000 per second (burst 5); retry after 1 s"}},
		{"no token: per address", 2, 3, "", "1",
			[]string{"too many requests from this address: at most 2 per second (burst 3); retry after 1 s"}},
		{"burst below one counts as one", 1, 0, "Bearer alice", "1", []string{"(burst 1)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, _, h := rateTestLimiter(c.perSecond, c.burst)
			for i := range l.burst {
				rateOK(t, rateDo(h, "/graphql", "", c.auth), fmt.Sprintf("request %d of the burst", i+1))
			}
			rateLimited(t, rateDo(h, "/graphql", "", c.auth), c.retryAfter, c.words...)
			rateLimited(t, rateDo(h, "/export/actors.csv", "", c.auth), c.retryAfter) // every route but the probes
		})
	}
}

func TestRateLimitRefills(t *testing.T) {
	t.Parallel()
	_, clk, h := rateTestLimiter(2, 3) // a token every 500ms
	for range 3 {
		rateOK(t, rateDo(h, "/graphql", "", "Bearer alice"), "burst")
	}
	rateLimited(t, rateDo(h, "/graphql", "", "Bearer alice"), "1")
	clk.advance(499 * time.Millisecond)
	rateLimited(t, rateDo(h, "/graphql", "", "Bearer alice"), "1") // refused requests take nothing
	clk.advance(time.Millisecond)
	rateOK(t, rateDo(h, "/graphql", "", "Bearer alice"), "after 500ms")
	rateLimited(t, rateDo(h, "/graphql", "", "Bearer alice"), "1")
	clk.advance(time.Hour) // refills up to the burst, no further
	for range 3 {
		rateOK(t, rateDo(h, "/graphql", "", "Bearer alice"), "after an hour")
	}
	rateLimited(t, rateDo(h, "/graphql", "", "Bearer alice"), "1")
}

func TestRateLimitSeparateBuckets(t *testing.T) {
	t.Parallel()
	_, _, h := rateTestLimiter(1, 2)
	drain := func(addr, auth string) {
		t.Helper()
		for range 2 {
			rateOK(t, rateDo(h, "/graphql", addr, auth), "draining "+auth+addr)
		}
		rateLimited(t, rateDo(h, "/graphql", addr, auth), "1")
	}

	// One token's burst leaves another's whole, from the same address.
	drain("", "Bearer alice")
	drain("", "Bearer bob")
	// The same token spelt differently is the same bucket.
	rateLimited(t, rateDo(h, "/graphql", "", "bearer   alice "), "1")
	rateLimited(t, rateDo(h, "/graphql", "198.51.100.7:9", "BEARER alice"), "1") // and from anywhere

	// An unauthenticated flood from one address leaves tokens used from
	// that address alone, and other addresses too.
	const flooder = "203.0.113.9:5555"
	for i := range 100 {
		if w := rateDo(h, "/graphql", flooder, ""); i >= 2 && w.Code != http.StatusTooManyRequests {
			t.Fatalf("flood request %d: status %d, want 429", i, w.Code)
		}
	}
	rateOK(t, rateDo(h, "/graphql", flooder, "Bearer carol"), "a token from the flooding address")
	rateOK(t, rateDo(h, "/graphql", "203.0.113.10:5555", ""), "no token, another address")
	rateOK(t, rateDo(h, "/graphql", "203.0.113.9:6666", "Bearer dave"), "the flooding address, another port, a token")
	rateLimited(t, rateDo(h, "/graphql", "203.0.113.9:6666", ""), "1") // same address, other port: same bucket
}

// Guessing tokens with a new one each time gets a new token bucket each
// time; the address's count of rejected credentials stops it.
func TestRateLimitRejectedCredentialsPerAddress(t *testing.T) {
	t.Parallel()
	_, clk, h := rateTestLimiter(1, 3)
	const guesser = "203.0.113.9:5555"
	for i := range 3 {
		if w := rateDo(h, "/graphql", guesser, fmt.Sprintf("Bearer bad-%d", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i, w.Code)
		}
	}
	rateLimited(t, rateDo(h, "/graphql", guesser, "Bearer bad-3"), "1",
		"too many rejected credentials from this address: at most 1 per second (burst 3)")
	// While the address is shut out, even a good token from it waits...
	rateLimited(t, rateDo(h, "/graphql", guesser, "Bearer alice"), "1")
	// ...but requests without a token from it, and tokens from
	// elsewhere, go on.
	rateOK(t, rateDo(h, "/graphql", guesser, ""), "no token from the guessing address")
	rateOK(t, rateDo(h, "/graphql", "198.51.100.7:1", "Bearer alice"), "a token from another address")
	rateOK(t, rateDo(h, "/graphql", "198.51.100.7:1", ""), "no token from another address")
	// The refused guesses took nothing: a second later, one more.
	clk.advance(time.Second)
	if w := rateDo(h, "/graphql", guesser, "Bearer bad-4"); w.Code != http.StatusUnauthorized {
		t.Fatalf("guess after a second: status %d, want 401", w.Code)
	}
	rateLimited(t, rateDo(h, "/graphql", guesser, "Bearer bad-5"), "1")
	// Good tokens cost the address nothing.
	clk.advance(time.Hour)
	for range 50 {
		rateDo(h, "/graphql", guesser, "Bearer alice")
	}
	rateOK(t, rateDo(h, "/graphql", guesser, "Bearer bob"), "good tokens never charge the address")
}

func TestRateLimitNeverLimitsProbes(t *testing.T) {
	t.Parallel()
	_, _, h := rateTestLimiter(0.001, 1)
	for _, auth := range []string{"", "Bearer alice", "Bearer bad"} {
		rateDo(h, "/graphql", "", auth) // drains each bucket
		for range 3 {
			rateDo(h, "/graphql", "", auth)
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			for i := range 100 {
				if w := rateDo(h, path, "", auth); w.Code == http.StatusTooManyRequests {
					t.Fatalf("%s with %q, request %d: 429", path, auth, i)
				}
			}
		}
	}
}

func TestRateLimitDisabled(t *testing.T) {
	t.Parallel()
	for _, perSecond := range []float64{0, -1} {
		next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})
		l := newRateLimiter(perSecond, 40)
		h := l.middleware(rateKey, next)
		for i := range 1000 {
			if w := rateDo(h, "/graphql", "", "Bearer alice"); w.Code != http.StatusOK {
				t.Fatalf("perSecond %v, request %d: status %d", perSecond, i, w.Code)
			}
		}
		if n := l.size(); n != 0 {
			t.Errorf("perSecond %v: %d buckets, want none", perSecond, n)
		}
	}
	var nilLimiter *rateLimiter
	if w := rateDo(nilLimiter.middleware(rateKey, http.NotFoundHandler()), "/graphql", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("a nil limiter: status %d, want the handler's 404", w.Code)
	}
}

func TestRateLimitEvictionBoundsKeys(t *testing.T) {
	t.Parallel()
	l, clk, h := rateTestLimiter(1, 2)
	l.maxKeys = 10
	addr := func(i int) string { return fmt.Sprintf("10.0.%d.%d:1", i/256, i%256) }
	for i := range 500 {
		rateDo(h, "/graphql", addr(i), "")
		if n := l.size(); n > 10 {
			t.Fatalf("after %d addresses: %d buckets, want at most 10", i+1, n)
		}
	}
	// The least recently used go first. Addresses 490 to 499 are held,
	// each with one token left; using 490 again (its last token) makes
	// 491 the oldest, and a new address pushes 491 out, not 490.
	rateOK(t, rateDo(h, "/graphql", addr(490), ""), "address 490's last token")
	rateOK(t, rateDo(h, "/graphql", addr(500), ""), "a new address")
	rateLimited(t, rateDo(h, "/graphql", addr(490), ""), "1") // kept, drained
	for range 2 {
		rateOK(t, rateDo(h, "/graphql", addr(491), ""), "address 491, dropped and back full")
	}
	rateOK(t, rateDo(h, "/graphql", addr(0), ""), "the first address, long dropped")

	// Idle buckets go after l.idle, whatever the cap.
	l.maxKeys = rateMaxKeys
	clk.advance(l.idle)
	rateDo(h, "/graphql", "", "Bearer alice")
	if n := l.size(); n != 1 {
		t.Errorf("after %v idle: %d buckets, want 1", l.idle, n)
	}
}

// A bucket is kept at least as long as it takes to fill up again, so
// dropping it never hands out a free burst.
func TestRateLimitIdleOutlastsRefill(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		perSecond float64
		burst     int
		want      time.Duration
	}{
		{20, 40, 10 * time.Minute},
		{0.01, 40, 4000 * time.Second},
		{0, 40, 10 * time.Minute},
	} {
		if got := newRateLimiter(c.perSecond, c.burst).idle; got != c.want {
			t.Errorf("newRateLimiter(%v, %d).idle = %v, want %v", c.perSecond, c.burst, got, c.want)
		}
	}
}

// Under -race: many goroutines, a frozen clock, and exactly burst
// requests get through, while guesses from another address run alongside.
func TestRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	_, _, h := rateTestLimiter(1, 25)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 400 {
		wg.Go(func() {
			if i%2 == 1 {
				rateDo(h, "/graphql", "203.0.113.9:1", fmt.Sprintf("Bearer bad-%d", i))
				return
			}
			w := rateDo(h, "/graphql", "192.0.2.1:1", "Bearer alice")
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusOK] != 25 || codes[http.StatusTooManyRequests] != 175 {
		t.Errorf("statuses %v, want 25 × 200 and 175 × 429", codes)
	}
}

func TestRateKey(t *testing.T) {
	t.Parallel()
	key := func(addr, auth string, extra ...string) string {
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		r.RemoteAddr = addr
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			r.Header.Set(extra[i], extra[i+1])
		}
		return rateKey(r)
	}
	alice := key("192.0.2.1:1", "Bearer s3cret-alice")
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"no token: the address", key("192.0.2.1:1234", ""), "ip:192.0.2.1"},
		{"forwarded headers are ignored", key("192.0.2.1:1234", "", "X-Forwarded-For", "203.0.113.5", "X-Real-Ip", "203.0.113.6", "Forwarded", "for=203.0.113.7"), "ip:192.0.2.1"},
		{"IPv4 mapped in IPv6", key("[::ffff:192.0.2.1]:1234", ""), "ip:192.0.2.1"},
		{"IPv6: its /64", key("[2001:db8:1:2:3:4:5:6]:1234", ""), "ip:2001:db8:1:2::/64"},
		{"IPv6, same /64", key("[2001:db8:1:2:ffff::1]:80", ""), "ip:2001:db8:1:2::/64"},
		{"IPv6 loopback", key("[::1]:1234", ""), "ip:::/64"},
		{"no port", key("192.0.2.1", ""), "ip:192.0.2.1"},
		{"not an address", key("@unix", ""), "ip:@unix"},
		{"a token: the SHA-256 of the header, scheme in lower case", alice, "tok:001b08942c91335bbb9c9b26b8b02713ef07e2d1d36e0542532af71246384e65"}, // sha256("bearer s3cret-alice")
		{"same token, other address", key("198.51.100.1:9", "Bearer s3cret-alice"), alice},
		{"same token, scheme in other case", key("192.0.2.1:1", "bearer s3cret-alice"), alice},
		{"same token, extra spaces", key("192.0.2.1:1", "  Bearer   s3cret-alice  "), alice},
	} {
		if c.got != c.want {
			t.Errorf("%s: key %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.HasPrefix(alice, "tok:") || len(alice) != len("tok:")+64 {
		t.Errorf("token key %q is not tok: and a hex SHA-256", alice)
	}
	if strings.Contains(alice, "s3cret") {
		t.Errorf("token key %q holds the token", alice)
	}
	for _, other := range []string{"Bearer s3cret-bob", "Bearer S3CRET-ALICE", "Basic s3cret-alice", "Bearer s3cret-alice2"} {
		if key("192.0.2.1:1", other) == alice {
			t.Errorf("%q shares alice's bucket", other)
		}
	}
}

// size is the number of buckets held.
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
