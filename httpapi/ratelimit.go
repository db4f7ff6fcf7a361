package httpapi

import (
	"container/list"
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
	"time"

	"golang.org/x/time/rate"

	"github.com/actorgraph/actorgraph/errs"
)

// Per-credential rate limiting.
//
// Every request is charged to a token bucket chosen by its credential:
// one bucket per bearer token, so one noisy client (a runaway script, a
// frontend stuck in a retry loop) cannot starve the others, and one per
// client address for requests without a token, so unauthenticated
// traffic — including guessing — is limited per address. A further
// bucket per address counts rejected credentials (answers 401 to a
// request that carried an Authorization header): guessing tokens with a
// new token on every request would otherwise get a fresh bucket each
// time. Health probes (/healthz, /readyz) are never limited.
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
)

// rateLimiter holds token buckets keyed by a string (see rateKey).
type rateLimiter struct {
	perSecond float64
	burst     int
	idle      time.Duration    // buckets unused this long are dropped
	maxKeys   int              // most buckets held at once
	now       func() time.Time // the clock; tests set a fake one

	mu      sync.Mutex
	buckets map[string]*list.Element // of *rateBucket
	lru     *list.List               // most recently used first
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
		buckets:   map[string]*list.Element{},
		lru:       list.New(),
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

// wait is how long until lim holds one token.
func (l *rateLimiter) wait(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	return time.Duration(missing / l.perSecond * float64(time.Second))
}

// rateProbe reports whether r is a health probe: orchestrators poll these
// and must never be told to back off.
func rateProbe(r *http.Request) bool {
	return r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
}

// middleware charges each request to the bucket keyOf names (rateKey in
// the service). A request over its limit is answered 429 with a
// Retry-After header (whole seconds, at least 1) and a GraphQL-shaped
// error with code RATE_LIMITED; next never sees it.
//
// It skips health probes (/healthz, /readyz): they are never limited,
// so an orchestrator never restarts a healthy but busy service.
//
// It also limits rejected credentials per client address: each 401
// answered to a request that carried an Authorization header takes a
// token from that address's "fail:" bucket, and while that bucket is
// empty every request from the address that carries an Authorization
// header is refused (429) before it reaches authentication. Requests
// without one are not affected, and neither are tokens used from other
// addresses. This relies on authentication answering an unknown or
// invalid token with HTTP 401.
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
		hasCredential := r.Header.Get("Authorization") != ""
		var failKey string
		if hasCredential {
			failKey = "fail:" + rateClientKey(r)
			if over, wait := l.exhausted(failKey); over {
				l.refuse(w, "too many rejected credentials from this address", wait)
				return
			}
		}
		key := keyOf(r)
		if ok, wait := l.allow(key); !ok {
			who := "for this token"
			if !strings.HasPrefix(key, "tok:") {
				who = "from this address"
			}
			l.refuse(w, "too many requests "+who, wait)
			return
		}
		if !hasCredential {
			next.ServeHTTP(w, r)
			return
		}
		rec := &rateStatusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == http.StatusUnauthorized {
			l.allow(failKey) // charge the address; nothing to refuse now
		}
	})
}

// refuse answers 429 with Retry-After.
func (l *rateLimiter) refuse(w http.ResponseWriter, what string, wait time.Duration) {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	errs.WriteHTTP(w, errs.E("rateLimit", errs.RateLimited, fmt.Sprintf("%s: at most %s per second (burst %d); retry after %d s",
		what, strconv.FormatFloat(l.perSecond, 'f', -1, 64), l.burst, secs)))
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

// rateKey names the bucket a request is charged to: "tok:" and the
// SHA-256 (hex) of its Authorization header when it has one, so a bearer
// token never sits in memory in clear as a map key nor reaches a log;
// otherwise "ip:" and the client's address (see rateClientKey).
//
// The header's scheme is compared case-insensitively and surrounding
// spaces are ignored ("bearer  T" and "Bearer T" are one bucket), so a
// client cannot multiply its limit by spelling one token many ways.
func rateKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if f := strings.Fields(h); len(f) > 0 {
			f[0] = strings.ToLower(f[0])
			h = strings.Join(f, " ")
		}
		sum := sha256.Sum256([]byte(h))
		return "tok:" + hex.EncodeToString(sum[:])
	}
	return "ip:" + rateClientKey(r)
}

// rateClientKey is the client's address as the connection gives it
// (r.RemoteAddr), never X-Forwarded-For or Forwarded: a client can write
// those headers itself, and would get a new bucket per request. Behind a
// reverse proxy or load balancer every client shares the proxy's address
// here, so an operator running one must rate-limit unauthenticated
// traffic at the proxy (per-token limits still work). An IPv6 address
// counts as its /64: one host usually holds a whole /64 and could
// otherwise take a new address per request.
func rateClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
