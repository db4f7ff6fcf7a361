package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
)

// Access wiring: which environment the service runs in, how requests are
// authenticated, and the audit of confidential reads.

// Environments. Production is the default: a bare `actorgraph serve`
// shows no GraphiQL, answers no introspection and suggests no field names
// unless the operator turns them on.
const (
	envDevelopment = "development"
	envProduction  = "production"
)

// accessConfig is the part of the configuration about who may do what.
type accessConfig struct {
	Env           string
	AdminToken    string         // ACTORGRAPH_ADMIN_TOKEN: the operator's bootstrap token
	JWT           auth.JWTConfig // optional identity provider
	LinkKey       []byte         // signs export links; random when empty
	GraphiQL      bool
	Introspection bool
	Suggestions   bool

	jwt      *auth.JWTVerifier // built from JWT by parseAccess
	devToken string            // development: the token GraphiQL is given
}

// parseAccess reads the access settings from the environment. Secrets
// come only from the environment or files, never from flags (which `ps`
// shows).
func parseAccess(env string) (accessConfig, error) {
	c := accessConfig{Env: env}
	switch env {
	case envDevelopment, envProduction:
	default:
		return c, fmt.Errorf("ACTORGRAPH_ENV must be %s or %s, not %q", envDevelopment, envProduction, env)
	}
	dev := env == envDevelopment
	var err error
	for _, b := range []struct {
		key string
		dst *bool
	}{{"ACTORGRAPH_GRAPHIQL", &c.GraphiQL}, {"ACTORGRAPH_INTROSPECTION", &c.Introspection}, {"ACTORGRAPH_SUGGESTIONS", &c.Suggestions}} {
		if *b.dst, err = envBool(b.key, dev); err != nil {
			return c, err
		}
	}
	if c.AdminToken, err = secretFromEnv("ACTORGRAPH_ADMIN_TOKEN"); err != nil {
		return c, err
	}
	if c.AdminToken != "" && len(c.AdminToken) < auth.MinAdminTokenLen {
		return c, fmt.Errorf("ACTORGRAPH_ADMIN_TOKEN must be at least %d characters (try: openssl rand -base64 32)", auth.MinAdminTokenLen)
	}
	secret, err := secretFromEnv("ACTORGRAPH_JWT_SECRET")
	if err != nil {
		return c, err
	}
	c.JWT = auth.JWTConfig{Secret: []byte(secret), JWKSFile: os.Getenv("ACTORGRAPH_JWKS_FILE"),
		Issuer: os.Getenv("ACTORGRAPH_JWT_ISSUER"), Audience: os.Getenv("ACTORGRAPH_JWT_AUDIENCE"),
		RolesClaim: os.Getenv("ACTORGRAPH_JWT_ROLES_CLAIM")}
	if len(c.JWT.Secret) == 0 {
		c.JWT.Secret = nil
	}
	if c.JWT.Enabled() && (c.JWT.Issuer == "" || c.JWT.Audience == "") {
		// An identity provider signs tokens for every application it
		// serves with the same keys: without both checks, a token meant for
		// another application would open this one.
		return c, fmt.Errorf("to accept JWTs, set ACTORGRAPH_JWT_ISSUER and ACTORGRAPH_JWT_AUDIENCE: the service checks both in every token")
	}
	if c.JWT.Enabled() {
		if c.jwt, err = auth.NewJWTVerifier(c.JWT); err != nil {
			return c, err
		}
	}
	key, err := secretFromEnv("ACTORGRAPH_LINK_KEY")
	if err != nil {
		return c, err
	}
	if key != "" && len(key) < auth.MinAdminTokenLen {
		// Whoever holds one link could search a short key offline and then
		// sign links to anything.
		return c, fmt.Errorf("ACTORGRAPH_LINK_KEY must be at least %d characters (try: openssl rand -base64 32)", auth.MinAdminTokenLen)
	}
	c.LinkKey = []byte(key)
	return c, nil
}

// secretFromEnv reads a secret from KEY, or from the file named by
// KEY_FILE (for secrets mounted as files).
func secretFromEnv(key string) (string, error) {
	if v := os.Getenv(key); v != "" {
		return v, nil
	}
	if path := os.Getenv(key + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("reading %s_FILE: %w", key, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

func envBool(key string, def bool) (bool, error) {
	switch strings.ToLower(os.Getenv(key)) {
	case "":
		return def, nil
	case "1", "true", "on", "yes":
		return true, nil
	case "0", "false", "off", "no":
		return false, nil
	}
	return false, fmt.Errorf("%s must be true or false, not %q", key, os.Getenv(key))
}

// newAuthenticator builds the request authenticator from the configuration.
func newAuthenticator(st store.Store, c accessConfig, log *zap.Logger) *auth.Authenticator {
	a := &auth.Authenticator{Store: st, Log: log, JWT: c.jwt}
	if c.AdminToken != "" {
		a.AdminHash = auth.HashSecret(c.AdminToken)
	}
	return a
}

// refuseUnauthenticated answers a request whose credentials are missing or
// not valid: 401 with a GraphQL-shaped error, or 503 when the tokens could
// not be checked because Neo4j is down.
func refuseUnauthenticated(w http.ResponseWriter, _ *http.Request, err error) {
	kind := errs.KindOf(err)
	msg, _ := errs.Public(err)
	status := http.StatusUnauthorized
	switch kind {
	case errs.Unauthenticated:
		w.Header().Set("WWW-Authenticate", `Bearer realm="actorgraph"`)
	case errs.Unavailable:
		status = http.StatusServiceUnavailable
	default:
		status = http.StatusInternalServerError
	}
	writeError(w, status, kind.Code(), msg)
}

// recordConfidentialReads writes one audit record per workspace for the
// confidential records the request read so far (the caller's read log),
// named after operation.
func recordConfidentialReads(ctx context.Context, st store.Store, operation string) error {
	c := domain.CallerFrom(ctx)
	if c == nil {
		return nil
	}
	// The audit write must happen even if the client has gone.
	ctx = context.WithoutCancel(ctx)
	for ws, ids := range c.Reads.Take() {
		if err := st.RecordReads(ctx, ws, operation, ids); err != nil {
			return err
		}
	}
	return nil
}

// auditReads is the GraphQL response middleware that records the
// operation's confidential reads before the response leaves. If the record
// cannot be written, the data is withheld: an unaudited read of
// confidential records must not happen.
func auditReads(st store.Store, log *zap.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		name := "operation"
		if graphql.HasOperationContext(ctx) {
			name = auditLabel(graphql.GetOperationContext(ctx))
		}
		if err := recordConfidentialReads(ctx, st, name); err != nil {
			log.Error("audit of confidential reads failed; answer withheld", zap.Error(err))
			return &graphql.Response{Errors: gqlerror.List{{Message: "the audit log could not be written, so confidential data is withheld; try again shortly",
				Extensions: map[string]any{"code": errs.Unavailable.Code()}}}}
		}
		return resp
	}
}

// developmentToken issues an admin token for the development environment
// and revokes the ones issued at earlier starts, so that a new user of
// dev/run is never locked out, and old development tokens do not pile up.
func developmentToken(ctx context.Context, st store.Store) (string, error) {
	ctx = domain.WithCaller(ctx, domain.Service)
	const name = "development token (printed at start-up)"
	old, err := st.Tokens(ctx, "")
	if err != nil {
		return "", err
	}
	for _, t := range old {
		if t.Name == name && t.RevokedAt == nil {
			if _, err := st.RevokeToken(ctx, t.ID); err != nil {
				return "", err
			}
		}
	}
	_, secret, err := auth.Issue(ctx, st, auth.IssueInput{Name: name, Admin: true})
	return secret, err
}

// auditLabel names an operation in the audit log by what it did, not only
// by the name its client chose: "query ReadSecrets { actor, workspace }".
func auditLabel(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return "operation"
	}
	var fields []string
	for _, sel := range oc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && !slices.Contains(fields, f.Name) {
			fields = append(fields, f.Name)
		}
	}
	sort.Strings(fields)
	label := string(oc.Operation.Operation)
	if name := opName(oc); name != "" {
		label += " " + name
	}
	return label + " { " + strings.Join(fields, ", ") + " }"
}

// isLoopback reports whether host is a loopback name or address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
