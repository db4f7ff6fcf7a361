package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// JWT verification: the service accepts bearer JWTs issued by an identity
// provider, either signed with a shared HS256 secret or with one of the
// provider's asymmetric keys published in a JWKS file. A verified token
// becomes a domain.Caller named "jwt:<sub>" whose workspace grants come
// from one claim (RolesClaim). A JWT never makes its holder an admin.

// DefaultRolesClaim is the claim that carries workspace roles unless
// JWTConfig.RolesClaim names another.
const DefaultRolesClaim = "actorgraph_roles"

const (
	jwtOp = "auth.jwt"

	// jwtLeeway is the clock skew tolerated on exp, nbf and iat.
	jwtLeeway = 30 * time.Second
	// minSecretBytes is the shortest HS256 secret accepted: the length
	// of the hash, as RFC 7518 §3.2 requires.
	minSecretBytes = 32
	// maxJWTBytes bounds the work an unauthenticated request can cause.
	maxJWTBytes = 32 << 10
	// maxJWKSBytes bounds the JWKS file read.
	maxJWKSBytes = 1 << 20
	// minRSABits is the smallest RSA modulus accepted from a JWKS.
	minRSABits = 2048
	// jwksCheckInterval is how often the JWKS file is checked for change.
	jwksCheckInterval = time.Second
)

// asymmetricAlgs are the algorithms accepted with a JWKS. HS256 is never
// among them (a public key must not double as an HMAC secret), nor "none".
var asymmetricAlgs = []string{"RS256", "PS256", "ES256", "ES384", "EdDSA"}

// JWTConfig is how the service accepts JWTs from an identity provider.
// Exactly one of Secret and JWKSFile must be set for JWTs to be accepted.
type JWTConfig struct {
	Secret     []byte // HS256 shared secret (env ACTORGRAPH_JWT_SECRET); or
	JWKSFile   string // path of a JWKS file with the provider's public keys (env ACTORGRAPH_JWKS_FILE)
	Issuer     string // required `iss` when set (ACTORGRAPH_JWT_ISSUER)
	Audience   string // required in `aud` when set (ACTORGRAPH_JWT_AUDIENCE)
	RolesClaim string // the claim carrying workspace roles; default "actorgraph_roles"
}

// Enabled reports whether JWTs are configured at all.
func (c JWTConfig) Enabled() bool { return len(c.Secret) > 0 || c.JWKSFile != "" }

// JWTVerifier checks JWTs and turns them into callers. Safe for
// concurrent use.
//
// With a JWKS file, the file is read at construction and then re-read
// whenever its modification time or size changes (checked at most once
// a second, on use), so rotated provider keys are picked up without a
// restart. A re-read that fails (a half-written file, a file with no
// usable key) keeps the keys last read successfully; the failure is
// reported, wrapped, with the next refusal for an unknown key.
type JWTVerifier struct {
	secret     []byte
	jwks       *jwksSource // nil when verifying with secret
	issuer     string
	audience   string
	rolesClaim string
	methods    []string
	parser     *jwt.Parser

	now func() time.Time // the clock; tests replace it
}

// NewJWTVerifier checks c and returns a verifier for it. Its errors are
// of kind errs.Invalid and name the setting at fault in Field.
func NewJWTVerifier(c JWTConfig) (*JWTVerifier, error) {
	switch {
	case len(c.Secret) > 0 && c.JWKSFile != "":
		return nil, errs.Invalidf(jwtOp, "ACTORGRAPH_JWT_SECRET",
			"set either ACTORGRAPH_JWT_SECRET or ACTORGRAPH_JWKS_FILE, not both")
	case !c.Enabled():
		return nil, errs.Invalidf(jwtOp, "ACTORGRAPH_JWT_SECRET",
			"JWT verification needs ACTORGRAPH_JWT_SECRET or ACTORGRAPH_JWKS_FILE")
	case len(c.Secret) > 0 && len(c.Secret) < minSecretBytes:
		return nil, errs.Invalidf(jwtOp, "ACTORGRAPH_JWT_SECRET",
			"the JWT secret must be at least %d bytes long (it is %d)", minSecretBytes, len(c.Secret))
	}
	v := &JWTVerifier{
		issuer:     c.Issuer,
		audience:   c.Audience,
		rolesClaim: c.RolesClaim,
		now:        time.Now,
	}
	if v.rolesClaim == "" {
		v.rolesClaim = DefaultRolesClaim
	}
	if len(c.Secret) > 0 {
		v.secret = bytes.Clone(c.Secret)
		v.methods = []string{"HS256"}
	} else {
		src, err := newJWKSSource(c.JWKSFile)
		if err != nil {
			return nil, err
		}
		v.jwks = src
		v.methods = asymmetricAlgs
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(jwtLeeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	}
	if v.issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.issuer))
	}
	if v.audience != "" {
		opts = append(opts, jwt.WithAudience(v.audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// LooksLikeJWT reports whether s has the shape of a compact JWS: three
// non-empty base64url segments separated by dots. It says nothing about
// whether the token is valid.
func LooksLikeJWT(s string) bool {
	segments, length := 1, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if length == 0 {
				return false
			}
			segments, length = segments+1, 0
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
			length++
		default:
			return false
		}
	}
	return segments == 3 && length > 0
}

// jwtClaims are a token's registered claims plus all its claims, raw, so
// that the roles claim (whose name is configurable) can be read strictly.
type jwtClaims struct {
	jwt.RegisteredClaims
	all map[string]json.RawMessage
}

func (c *jwtClaims) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &c.RegisteredClaims); err != nil {
		return err
	}
	return json.Unmarshal(b, &c.all)
}

// Verify checks raw (the token, without "Bearer ") and returns the caller
// it authenticates. Every error is an *errs.Error of kind
// errs.Unauthenticated whose message a client may see; it never contains
// the token.
func (v *JWTVerifier) Verify(raw string) (*domain.Caller, error) {
	if len(raw) > maxJWTBytes {
		return nil, jwtRefuse("the token is too large", nil)
	}
	if !LooksLikeJWT(raw) {
		return nil, jwtRefuse("the credential is not a well-formed JWT", nil)
	}
	var c jwtClaims
	tok, err := v.parser.ParseWithClaims(raw, &c, v.key)
	if err != nil {
		return nil, v.explain(tok, &c, err)
	}
	// sub is read by its exact name: encoding/json would also take "SUB".
	var sub string
	if b, ok := c.all["sub"]; ok {
		_ = json.Unmarshal(b, &sub) // RegisteredClaims has checked it is a string
	}
	switch {
	case strings.TrimSpace(sub) == "":
		return nil, jwtRefuse("the token has no subject (sub)", nil)
	case len(sub) > 256 || !utf8.ValidString(sub) || strings.ContainsFunc(sub, unicode.IsControl):
		return nil, jwtRefuse("the token's subject (sub) is not usable: it must be at most 256 bytes of printable text", nil)
	}
	grants, err := v.grants(c.all[v.rolesClaim])
	if err != nil {
		return nil, err
	}
	return &domain.Caller{Subject: "jwt:" + sub, Grants: grants}, nil
}

// grants reads the roles claim: an object mapping workspace ids to a role
// ("EDITOR") or to {"role": "ANALYST", "clearance": "PUBLIC"}. A missing
// or null claim grants nothing; anything it cannot read makes the whole
// token invalid, so that a typo never silently changes what a caller sees.
func (v *JWTVerifier) grants(raw json.RawMessage) (map[string]domain.Grant, error) {
	grants := map[string]domain.Grant{}
	if raw == nil || string(raw) == "null" {
		return grants, nil
	}
	bad := func(format string, args ...any) error {
		return jwtRefuse(fmt.Sprintf("the token's %q claim is not valid: ", v.rolesClaim)+fmt.Sprintf(format, args...), nil)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil || entries == nil {
		return nil, bad("it must be an object mapping workspace ids to roles")
	}
	for ws, e := range entries {
		if strings.TrimSpace(ws) == "" {
			return nil, bad("it names an empty workspace id")
		}
		var g domain.Grant
		var role string
		if err := json.Unmarshal(e, &role); err != nil {
			// The object form. Its members are matched exactly (not with
			// encoding/json's case folding), and unknown ones refused, so
			// that a misspelt "clearance" cannot leave the role's default.
			obj, ok := jwtStringMembers(e)
			clearance, hasClearance := obj["clearance"]
			role, ok = obj["role"], ok && obj["role"] != ""
			if !ok || len(obj) > 2 || len(obj) == 2 && !hasClearance {
				return nil, bad(`workspace %s must map to a role, or to an object with "role" and optionally "clearance"`, jwtQuote(ws))
			}
			if hasClearance {
				s, err := domain.ParseSensitivity(clearance)
				if err != nil {
					return nil, bad("workspace %s has unknown clearance %s (allowed: %s)", jwtQuote(ws), jwtQuote(clearance), jwtJoin(domain.Sensitivities))
				}
				g.Clearance = s
			}
		}
		r, err := domain.ParseRole(role)
		if err != nil {
			return nil, bad("workspace %s has unknown role %s (allowed: %s)", jwtQuote(ws), jwtQuote(role), jwtJoin(domain.Roles))
		}
		g.Role = r
		if g.Clearance == "" {
			g.Clearance = r.DefaultClearance()
		}
		grants[ws] = g
	}
	return grants, nil
}

// jwtStringMembers reads a JSON object whose members are all strings.
func jwtStringMembers(raw json.RawMessage) (map[string]string, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, false
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// key finds the key that verifies tok; the parser has already checked
// that tok's alg is one of v.methods.
func (v *JWTVerifier) key(tok *jwt.Token) (any, error) {
	if _, ok := tok.Header["crit"]; ok {
		return nil, jwtRefuse("the token uses critical header parameters this service does not support", nil)
	}
	alg := tok.Method.Alg()
	if v.jwks == nil {
		if alg != "HS256" { // the parser has checked already; belt and braces
			return nil, jwtRefuse("the token's signing algorithm is not accepted", nil)
		}
		return v.secret, nil
	}
	set, loadErr := v.jwks.current()
	kid, hasKid := tok.Header["kid"]
	if !hasKid {
		if len(set.keys) != 1 {
			return nil, jwtRefuse("the token does not name its signing key (kid)", nil)
		}
		k := set.keys[0]
		if !slices.Contains(k.algs, alg) {
			return nil, jwtRefuse("the token's signing algorithm is not accepted for its key", nil)
		}
		return k.key, nil
	}
	id, ok := kid.(string)
	if !ok {
		return nil, jwtRefuse("the token's key id (kid) is not valid", nil)
	}
	var match []jwt.VerificationKey
	known := false
	for _, k := range set.keys {
		if k.kid != id {
			continue
		}
		known = true
		if slices.Contains(k.algs, alg) {
			match = append(match, k.key)
		}
	}
	switch {
	case !known:
		return nil, jwtRefuse("the token's signing key is not known", loadErr)
	case len(match) == 0:
		return nil, jwtRefuse("the token's signing algorithm is not accepted for its key", nil)
	case len(match) == 1:
		return match[0], nil
	}
	return jwt.VerificationKeySet{Keys: match}, nil
}

// explain turns a parser error into a refusal a person understands.
func (v *JWTVerifier) explain(tok *jwt.Token, c *jwtClaims, err error) error {
	var e *errs.Error
	if errors.As(err, &e) { // from v.key
		return &errs.Error{Op: jwtOp, Kind: errs.Unauthenticated, Msg: e.Msg, Err: err}
	}
	msg := "the token is not valid"
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		msg = "the token is malformed"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// No alg, an unknown alg, or no key.
		msg = "the token's signing algorithm is not accepted"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		msg = "the token's signature is not valid"
		if tok == nil || tok.Method == nil || !slices.Contains(v.methods, tok.Method.Alg()) {
			msg = "the token's signing algorithm is not accepted"
		}
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		switch {
		case c.ExpiresAt == nil:
			msg = "the token has no expiry time (exp)"
		case errors.Is(err, jwt.ErrTokenExpired):
			msg = "the token has expired"
		case errors.Is(err, jwt.ErrTokenNotValidYet):
			msg = "the token is not valid yet"
		case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
			msg = "the token's issue time (iat) is in the future"
		case errors.Is(err, jwt.ErrTokenInvalidIssuer),
			v.issuer != "" && c.Issuer != v.issuer:
			msg = "the token's issuer is not accepted"
		case errors.Is(err, jwt.ErrTokenInvalidAudience),
			v.audience != "" && !slices.Contains(c.Audience, v.audience):
			msg = "the token's audience is not accepted"
		case errors.Is(err, jwt.ErrInvalidType):
			msg = "the token's claims are malformed"
		}
	}
	return jwtRefuse(msg, err)
}

func jwtRefuse(msg string, err error) *errs.Error {
	return &errs.Error{Op: jwtOp, Kind: errs.Unauthenticated, Msg: msg, Err: err}
}

// jwtQuote quotes a value taken from a token for a message, cut short so that
// a hostile token cannot flood the response or the log.
func jwtQuote(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func jwtJoin[T ~string](xs []T) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

// --- JWKS ---

// jwksKey is one usable key of a JWKS and the algorithms it may
// verify.
type jwksKey struct {
	kid  string
	key  crypto.PublicKey
	algs []string
}

type jwksKeySet struct{ keys []jwksKey }

// jwksSource holds the keys of a JWKS file and re-reads it when it changes.
type jwksSource struct {
	path      string
	state     atomic.Pointer[jwksState]
	lastCheck atomic.Int64 // unix nanoseconds
	every     time.Duration

	mu    sync.Mutex // serialises re-reads; guards stamp
	stamp jwksStamp
}

// jwksState is the keys last read successfully and the last re-read's
// failure (nil after a success).
type jwksState struct {
	keys *jwksKeySet
	err  error
}

type jwksStamp struct{ mtime, size int64 }

func newJWKSSource(path string) (*jwksSource, error) {
	fail := func(format string, args ...any) error {
		return errs.Invalidf(jwtOp, "ACTORGRAPH_JWKS_FILE", format, args...)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fail("cannot read the JWKS file %s: %v", path, jwtPathless(err))
	}
	set, err := loadJWKS(path)
	if err != nil {
		return nil, fail("%v", err)
	}
	s := &jwksSource{path: path, every: jwksCheckInterval, stamp: jwksStampOf(fi)}
	s.state.Store(&jwksState{keys: set})
	s.lastCheck.Store(time.Now().UnixNano())
	return s, nil
}

// jwtPathless drops the path from a file error whose message names it already.
func jwtPathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func jwksStampOf(fi os.FileInfo) jwksStamp { return jwksStamp{fi.ModTime().UnixNano(), fi.Size()} }

// current returns the keys, re-reading the file first if it changed since
// it was last read; err is the last re-read's failure, if any.
func (s *jwksSource) current() (*jwksKeySet, error) {
	now := time.Now().UnixNano()
	if now-s.lastCheck.Load() >= int64(s.every) {
		s.refresh(now)
	}
	st := s.state.Load()
	return st.keys, st.err
}

func (s *jwksSource) refresh(now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now-s.lastCheck.Load() < int64(s.every) {
		return // another request checked meanwhile
	}
	s.lastCheck.Store(now)
	old := s.state.Load()
	fi, err := os.Stat(s.path)
	if err != nil {
		// Forget the stamp, so that the file is read again when it is back.
		s.stamp = jwksStamp{}
		s.state.Store(&jwksState{keys: old.keys, err: fmt.Errorf("JWKS file: %w; still using the keys read before", err)})
		return
	}
	st := jwksStampOf(fi)
	if st == s.stamp {
		return
	}
	// Record the stamp first: a file that fails to load is not read again
	// until it changes again.
	s.stamp = st
	set, err := loadJWKS(s.path)
	if err != nil {
		s.state.Store(&jwksState{keys: old.keys, err: fmt.Errorf("re-reading the JWKS file failed, still using the keys read before: %w", err)})
		return
	}
	s.state.Store(&jwksState{keys: set})
}

// loadJWKS reads a JWKS file. Keys are read one by one with go-jose, so
// that keys of a type it does not know are skipped (RFC 7517 §5) instead
// of failing the whole set; keys that are malformed, or hold private or
// symmetric key material, are errors. At least one key must be usable for
// signature verification.
func loadJWKS(path string) (*jwksKeySet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the JWKS file %s: %v", path, jwtPathless(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the JWKS file %s: %v", path, err)
	}
	if len(data) > maxJWKSBytes {
		return nil, fmt.Errorf("the JWKS file %s is larger than %d bytes", path, maxJWKSBytes)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the JWKS file %s is not valid JSON: %v", path, err)
	}
	if doc.Keys == nil {
		return nil, fmt.Errorf(`the JWKS file %s has no "keys" list`, path)
	}
	set := &jwksKeySet{}
	var skipped []string
	for i, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			if errors.Is(err, jose.ErrUnsupportedKeyType) {
				skipped = append(skipped, fmt.Sprintf("key %d: unsupported key type", i))
				continue
			}
			return nil, fmt.Errorf("the JWKS file %s: key %d is not valid: %v", path, i, err)
		}
		if !k.IsPublic() {
			return nil, fmt.Errorf("the JWKS file %s: key %d holds private or symmetric key material; the file must hold only the provider's public keys", path, i)
		}
		algs, why := usableAlgs(&k)
		if why != "" {
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q): %s", i, k.KeyID, why))
			continue
		}
		set.keys = append(set.keys, jwksKey{kid: k.KeyID, key: k.Key, algs: algs})
	}
	if len(set.keys) == 0 {
		msg := fmt.Sprintf("the JWKS file %s has no usable signing key (accepted: %s)", path, strings.Join(asymmetricAlgs, ", "))
		if len(skipped) > 0 {
			msg += "; " + strings.Join(skipped, "; ")
		}
		return nil, errors.New(msg)
	}
	return set, nil
}

// usableAlgs returns the algorithms k may verify, or why it may verify none.
func usableAlgs(k *jose.JSONWebKey) (algs []string, why string) {
	if k.Use != "" && k.Use != "sig" {
		return nil, fmt.Sprintf("its use is %q, not \"sig\"", k.Use)
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < minRSABits {
			return nil, fmt.Sprintf("RSA keys must have at least %d bits", minRSABits)
		}
		algs = []string{"RS256", "PS256"}
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256():
			algs = []string{"ES256"}
		case elliptic.P384():
			algs = []string{"ES384"}
		default:
			return nil, "only P-256 and P-384 curves are accepted"
		}
	case ed25519.PublicKey:
		algs = []string{"EdDSA"}
	default:
		return nil, "unsupported key type"
	}
	if k.Algorithm != "" {
		if !slices.Contains(algs, k.Algorithm) {
			return nil, fmt.Sprintf("its alg %q is not accepted for this key (accepted: %s)", k.Algorithm, strings.Join(algs, ", "))
		}
		algs = []string{k.Algorithm}
	}
	return algs, ""
}
