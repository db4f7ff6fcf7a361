package httpapi

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// Per-credential rate limiting.
//
// Every request is charged to a token bucket chosen by its credential:
// one bucket per bearer token, so one noisy client (a runaway script, a
// frontend stuck in a retry loop) cannot starve the others, and one per
// client address for requests without a token, so unauthenticated
// traffic is limited per address. Health probes (/healthz, /readyz) are
// never limited.
//
// Rejected credentials are limited apart, since guessing tokens with a
// new one on every request would get a fresh token bucket each time:
//
//   - per client: a "fail:" bucket per client address counts its
//     requests answered 401, whatever the reason; while it is empty, the
//     client's requests that carry credentials are refused (429) before
//     authentication. An IPv6 client counts here as its /48, not its /64
//     (see failAddressKey);
//   - all clients together: one bucket (--fail-limit, --fail-burst)
//     counts the 401s whose credential was looked up in Neo4j (an API
//     token with the token prefix), so that guessing spread over many
//     addresses still cannot make the service look up tokens without
//     end. Rejections decided in memory (no bearer token, no token
//     prefix, a JWT that does not verify, a wrong admin token) cost
//     nothing and do not count: while this bucket is empty every
//     credential not yet known is refused, so if they counted, anyone
//     could keep it empty for free from many addresses and lock out every
//     new token, every JWT and, after a restart, everyone. Authentication
//     says which rejections were looked up (noteLookupRejected), as it
//     says which credentials it accepted: the status alone cannot tell;
//   - neither refuses a credential known to be valid: one that
//     authenticated within knownTTL is let through to authentication
//     whatever others' failures, so that a guesser sharing a client's
//     address (behind a proxy, a NAT) cannot lock that client out. Only
//     the credentials' SHA-256 hashes are held, at most knownMax of them.
//
// The client's address is the connection's, unless the connection comes
// from a trusted proxy (--trusted-proxies): then it is taken from
// X-Forwarded-For (see clientAddresses). Without trusted proxies, every
// client behind a proxy shares the proxy's address and so its buckets,
// and a credential that has not yet authenticated waits while the
// proxy's "fail:" bucket is empty.
//
// Buckets live in memory, per process: with several replicas each one
// limits on its own.

const (
	// rateIdleEvict is how long a bucket may go unused before it is
	// dropped (at least; see newRateLimiter). A dropped bucket comes back
	// full, which is what it would have been by then anyway.
	rateIdleEvict = 10 * time.Minute
	// rateMaxKeys bounds memory (a bucket is a few hundred bytes): past
	// it, the bucket unused for longest is dropped.
	rateMaxKeys = 100_000
	// knownTTL is how long a credential that authenticated stays known
	// to be valid, past the fail buckets; knownMax bounds how many are
	// held (the least recently used go first). A credential is dropped
	// at once when it is rejected (revoked, expired).
	knownTTL = 24 * time.Hour
	knownMax = 10_000
)

// rateLimiter holds token buckets keyed by a string (see rateKey), the
// bound on all clients' rejected credentials, and the credentials known
// to be valid.
type rateLimiter struct {
	perSecond float64
	burst     int
	idle      time.Duration    // buckets unused this long are dropped
	maxKeys   int              // most buckets held at once
	now       func() time.Time // the clock; tests set a fake one

	clients clientAddresses // who a request's client is

	// failures bounds rejected credentials from all clients together
	// (nil: no bound), at failRate a second with bursts of failBurst.
	failures  *rate.Limiter
	failRate  float64
	failBurst int
	knownMax  int // most credentials held known to be valid

	mu      sync.Mutex
	buckets map[string]*list.Element // of *rateBucket
	lru     *list.List               // most recently used first
	known   map[string]*list.Element // of *knownCredential
	knownLR *list.List               // most recently used first
}

// knownCredential is a credential (its key, a hash) that authenticated.
type knownCredential struct {
	key      string
	lastSeen time.Time
}

type rateBucket struct {
	key      string
	limiter  *rate.Limiter
	lastSeen time.Time
}

// newRateLimiter limits each key to perSecond requests a second on
// average, with bursts of up to burst (at least 1). perSecond <= 0 turns
// limiting off: its middleware passes every request through.
func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	burst = max(burst, 1)
	idle := rateIdleEvict
	if perSecond > 0 {
		// Never drop a bucket before it has had time to fill up again:
		// with a slow rate, dropping it early would hand out a free burst.
		if refill := time.Duration(float64(burst) / perSecond * float64(time.Second)); refill > idle {
			idle = refill
		}
	}
	return &rateLimiter{
		perSecond: perSecond,
		burst:     burst,
		idle:      idle,
		maxKeys:   rateMaxKeys,
		now:       time.Now,
		knownMax:  knownMax,
		buckets:   map[string]*list.Element{},
		lru:       list.New(),
		known:     map[string]*list.Element{},
		knownLR:   list.New(),
	}
}

// newServiceLimiter is the service's limiter, from its configuration.
func newServiceLimiter(c config.HTTP) *rateLimiter {
	l := newRateLimiter(c.RateLimit, c.RateBurst)
	l.clients = clientAddresses{trusted: c.TrustedProxies}
	l.setFailLimit(c.FailLimit, c.FailBurst)
	return l
}

// setFailLimit bounds rejected credentials from all clients together to
// perSecond a second, with bursts of burst; perSecond <= 0: no bound.
func (l *rateLimiter) setFailLimit(perSecond float64, burst int) {
	l.failures, l.failRate, l.failBurst = nil, perSecond, max(burst, 1)
	if perSecond > 0 {
		l.failures = rate.NewLimiter(rate.Limit(perSecond), l.failBurst)
	}
}

func (l *rateLimiter) enabled() bool { return l != nil && l.perSecond > 0 }

// bucket finds key's bucket, making it if need be, marks it used at now,
// and drops idle buckets and, past maxKeys, the least recently used.
// l.mu must be held.
func (l *rateLimiter) bucket(key string, now time.Time) *rate.Limiter {
	for e := l.lru.Back(); e != nil; e = l.lru.Back() {
		if b := e.Value.(*rateBucket); now.Sub(b.lastSeen) < l.idle {
			break
		}
		l.drop(e)
	}
	if e, ok := l.buckets[key]; ok {
		b := e.Value.(*rateBucket)
		b.lastSeen = now
		l.lru.MoveToFront(e)
		return b.limiter
	}
	b := &rateBucket{key: key, limiter: rate.NewLimiter(rate.Limit(l.perSecond), l.burst), lastSeen: now}
	l.buckets[key] = l.lru.PushFront(b)
	for len(l.buckets) > max(l.maxKeys, 1) {
		l.drop(l.lru.Back())
	}
	return b.limiter
}

func (l *rateLimiter) drop(e *list.Element) {
	delete(l.buckets, e.Value.(*rateBucket).key)
	l.lru.Remove(e)
}

// allow takes one token from key's bucket. When there is none it returns
// false and how long until there is one.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	lim := l.bucket(key, now)
	if lim.AllowN(now, 1) {
		return true, 0
	}
	return false, l.wait(lim, now)
}

// exhausted reports whether key's bucket holds less than one token, and
// how long until it holds one; it takes nothing and makes no bucket.
func (l *rateLimiter) exhausted(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.buckets[key]
	if !ok {
		return false, 0
	}
	now := l.now()
	lim := e.Value.(*rateBucket).limiter
	if lim.TokensAt(now) >= 1 {
		return false, 0
	}
	return true, l.wait(lim, now)
}

// wait is how long until lim, one of the per-key buckets, holds one token.
func (l *rateLimiter) wait(lim *rate.Limiter, now time.Time) time.Duration {
	return waitFor(lim, now, l.perSecond)
}

// waitFor is how long until lim, filling at perSecond, holds one token.
func waitFor(lim *rate.Limiter, now time.Time, perSecond float64) time.Duration {
	missing := 1 - lim.TokensAt(now)
	return time.Duration(missing / perSecond * float64(time.Second))
}

// failuresExhausted reports whether rejected credentials from all
// clients together are over their bound, and how long until they are not.
func (l *rateLimiter) failuresExhausted() (bool, time.Duration) {
	if l.failures == nil {
		return false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.failures.TokensAt(now) >= 1 {
		return false, 0
	}
	return true, waitFor(l.failures, now, l.failRate)
}

// rejected charges a rejected credential (key, a hash) to its client's
// "fail:" bucket and, when rejecting it took a lookup in the store
// (lookedUp), to all clients' bound; it forgets the credential as valid.
func (l *rateLimiter) rejected(key, client string, lookedUp bool) {
	l.allow("fail:" + client)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures != nil && lookedUp {
		l.failures.AllowN(l.now(), 1)
	}
	if e, ok := l.known[key]; ok {
		delete(l.known, key)
		l.knownLR.Remove(e)
	}
}

// accepted notes that the credential key (a hash) authenticated.
func (l *rateLimiter) accepted(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if e, ok := l.known[key]; ok {
		e.Value.(*knownCredential).lastSeen = now
		l.knownLR.MoveToFront(e)
		return
	}
	l.known[key] = l.knownLR.PushFront(&knownCredential{key: key, lastSeen: now})
	for len(l.known) > max(l.knownMax, 1) {
		l.forgetOldest()
	}
}

// isKnown reports whether the credential key authenticated within
// knownTTL; it drops those that have not since.
func (l *rateLimiter) isKnown(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for e := l.knownLR.Back(); e != nil && now.Sub(e.Value.(*knownCredential).lastSeen) >= knownTTL; e = l.knownLR.Back() {
		l.forgetOldest()
	}
	_, ok := l.known[key]
	return ok
}

func (l *rateLimiter) forgetOldest() {
	e := l.knownLR.Back()
	delete(l.known, e.Value.(*knownCredential).key)
	l.knownLR.Remove(e)
}

// rateProbe reports whether r is a health probe: orchestrators poll these
// and must never be told to back off.
func rateProbe(r *http.Request) bool {
	return r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
}

// middleware charges each request to the bucket keyOf names (the
// clients' rateKey in the service). A request over its limit is answered
// 429 with a Retry-After header (whole seconds, at least 1) and a
// GraphQL-shaped error with code RATE_LIMITED; next never sees it.
//
// It skips health probes (/healthz, /readyz): they are never limited,
// so an orchestrator never restarts a healthy but busy service.
//
// It also limits rejected credentials (see the top of this file): each
// 401 answered to a request that carried an Authorization header takes a
// token from its client's "fail:" bucket, and from all clients' bound
// when authentication looked the credential up; while either is empty, a
// request that carries a credential not known to be valid is refused
// (429) before it reaches authentication. Requests without credentials
// are not affected. This relies on authentication answering an unknown
// or invalid token with HTTP 401, on noteValidCredential being called
// when it accepts one, and on noteLookupRejected when it rejects one it
// looked up.
//
// It belongs before authentication (so that guessing is limited too)
// and inside CORS (so that preflights, which carry no token, are
// answered without being charged, and a 429 still carries the CORS
// headers a frontend needs to read it).
func (l *rateLimiter) middleware(keyOf func(*http.Request) string, next http.Handler) http.Handler {
	if !l.enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rateProbe(r) {
			next.ServeHTTP(w, r)
			return
		}
		cred, client := credentialKey(r), l.clients.failKey(r)
		if cred != "" && !l.isKnown(cred) && l.refuseFailures(w, client) {
			return
		}
		key := keyOf(r)
		if ok, wait := l.allow(key); !ok {
			who := "for this token"
			if !strings.HasPrefix(key, "tok:") {
				who = "from this address"
			}
			l.refuse(w, "too many requests "+who, l.perSecond, l.burst, wait)
			return
		}
		if cred == "" {
			next.ServeHTTP(w, r)
			return
		}
		check := &credentialCheck{}
		rec := &rateStatusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), credentialCheckKey{}, check)))
		switch {
		case check.valid.Load():
			l.accepted(cred)
		case rec.status == http.StatusUnauthorized:
			l.rejected(cred, client, check.lookedUp.Load())
		}
	})
}

// refuseFailures answers 429, and reports true, when client's rejected
// credentials or all clients' are over their bound.
func (l *rateLimiter) refuseFailures(w http.ResponseWriter, client string) bool {
	if over, wait := l.exhausted("fail:" + client); over {
		l.refuse(w, "too many rejected credentials from this address", l.perSecond, l.burst, wait)
		return true
	}
	if over, wait := l.failuresExhausted(); over {
		l.refuse(w, "too many rejected credentials from all clients", l.failRate, l.failBurst, wait)
		return true
	}
	return false
}

// refuse answers 429 with Retry-After, naming the limit crossed.
func (l *rateLimiter) refuse(w http.ResponseWriter, what string, perSecond float64, burst int, wait time.Duration) {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	errs.WriteHTTP(w, errs.E("rateLimit", errs.RateLimited, fmt.Sprintf("%s: at most %s per second (burst %d); retry after %d s",
		what, strconv.FormatFloat(perSecond, 'f', -1, 64), burst, secs)))
}

// credentialCheck is how authentication tells the limiter that a
// request's credential was accepted (noteValidCredential): the status
// alone cannot say so (a 503 may come before or after authentication);
// and that it was rejected after a lookup in the store
// (noteLookupRejected), which a 401 does not say either.
type credentialCheck struct{ valid, lookedUp atomic.Bool }

type credentialCheckKey struct{}

// noteValidCredential tells the rate limiter that the credential of the
// request whose context is ctx authenticated.
func noteValidCredential(ctx context.Context) {
	if c, _ := ctx.Value(credentialCheckKey{}).(*credentialCheck); c != nil {
		c.valid.Store(true)
	}
}

// noteLookupRejected tells the rate limiter that authentication rejected
// the credential of the request whose context is ctx after looking it up
// in the store (auth.LookedUp): only those count towards all clients'
// bound on rejected credentials.
func noteLookupRejected(ctx context.Context) {
	if c, _ := ctx.Value(credentialCheckKey{}).(*credentialCheck); c != nil {
		c.lookedUp.Store(true)
	}
}

// markAuthenticated is the handler authentication calls once it has
// accepted the request's credential: it notes that for the limiter.
func markAuthenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noteValidCredential(r.Context())
		next.ServeHTTP(w, r)
	})
}

// rateStatusWriter notes the status a handler answers with.
type rateStatusWriter struct {
	http.ResponseWriter
	status int
}

func (s *rateStatusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *rateStatusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer
// (flushing, deadlines).
func (s *rateStatusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// rateKey names the bucket a request is charged to: its credentialKey
// when it has an Authorization header, otherwise "ip:" and the client's
// address (see key).
func (c clientAddresses) rateKey(r *http.Request) string {
	if k := credentialKey(r); k != "" {
		return k
	}
	return "ip:" + c.key(r)
}

// credentialKey is "tok:" and the SHA-256 (hex) of a request's
// Authorization header, "" without one: a bearer token never sits in
// memory in clear as a map key nor reaches a log.
//
// The header's scheme is compared case-insensitively and surrounding
// spaces are ignored ("bearer  T" and "Bearer T" are one bucket), so a
// client cannot multiply its limit by spelling one token many ways.
func credentialKey(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return ""
	}
	if f := strings.Fields(h); len(f) > 0 {
		f[0] = strings.ToLower(f[0])
		h = strings.Join(f, " ")
	}
	sum := sha256.Sum256([]byte(h))
	return "tok:" + hex.EncodeToString(sum[:])
}

// clientAddresses tells who a request's client is, for its buckets.
//
// The client is the connection's address (r.RemoteAddr), unless that
// address is one of the trusted proxies: then X-Forwarded-For is read
// from its right end, where the trusted proxy wrote the address it saw,
// leftwards past the addresses of other trusted proxies, and the first
// address that is not a trusted proxy's is the client's. Anything left
// of it was written by the client and is never believed, nor is the
// header of a connection that is not from a trusted proxy: a client can
// write it itself, and would get a new bucket per request. (If every
// address is a trusted proxy's, the leftmost is the client; if an entry
// cannot be read, the last trusted hop right of it is.) Forwarded
// (RFC 7239) and X-Real-IP are not read.
//
// An IPv6 address counts as its /64: one host usually holds a whole /64
// and could otherwise take a new address per request. For rejected
// credentials it counts as its /48 (see failAddressKey).
type clientAddresses struct {
	trusted []netip.Prefix
}

// key is the client's address, as a bucket key.
func (c clientAddresses) key(r *http.Request) string {
	a, raw := c.client(r)
	if !a.IsValid() {
		return raw
	}
	return addressKey(a)
}

// failKey is the client's address as the key of its "fail:" bucket.
func (c clientAddresses) failKey(r *http.Request) string {
	a, raw := c.client(r)
	if !a.IsValid() {
		return raw
	}
	return failAddressKey(a)
}

// client is the client's address; when the connection's address cannot
// be read as one, it is invalid and raw is what there is.
func (c clientAddresses) client(r *http.Request) (a netip.Addr, raw string) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, host
	}
	peer = peer.Unmap().WithZone("")
	if c.trusts(peer) {
		peer = c.forwardedClient(r.Header.Values("X-Forwarded-For"), peer)
	}
	return peer, ""
}

// trusts reports whether a is a trusted proxy's address.
func (c clientAddresses) trusts(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedClient walks the X-Forwarded-For values right to left from
// peer, a trusted proxy, to the first address that is not a trusted
// proxy's.
func (c clientAddresses) forwardedClient(values []string, peer netip.Addr) netip.Addr {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !c.trusts(a) {
			break
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an address, with or without
// a port ("192.0.2.1", "192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// addressKey is a as a bucket key: IPv4 as it is, IPv6 as its /64.
func addressKey(a netip.Addr) string { return prefixKey(a, 64) }

// failAddressKey is a as the key of a "fail:" bucket: IPv4 as it is,
// IPv6 as its /48.
//
// A site is commonly given a /48 (RFC 6177 allows down to a /56), so a
// guesser on one such connection holds 65,536 /64s, each of which would
// be its own "fail:" bucket with its own burst: enough to multiply its
// guesses by that, and to keep all clients' bound (which the per-client
// buckets exist to spare) empty. At /48 the whole site shares one. The
// cost is small and falls on rejections only: clients of the same /48
// share the bucket just for credentials not yet known to be valid, and
// only while someone there is being refused. Ordinary requests keep
// their /64 buckets (addressKey): those count all traffic, and a /48
// would make neighbours share it.
func failAddressKey(a netip.Addr) string { return prefixKey(a, 48) }

// prefixKey is a as it is for IPv4, and as its /bits for IPv6.
func prefixKey(a netip.Addr, bits int) string {
	if a.Is6() {
		p, _ := a.Prefix(bits)
		return p.String()
	}
	return a.String()
}
