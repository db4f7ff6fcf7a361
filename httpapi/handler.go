// Package httpapi is the service's HTTP layer: the routes (/graphql,
// /export, the probes, the explorer and GraphiQL) and the middleware every request passes
// through (CORS, the request log, the rate limit, body and time limits,
// authentication), the gqlgen server with its operation limits, and the
// audit of confidential reads before an answer leaves. It holds no
// business rules: the resolvers, the store and auth do.
package httpapi

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/loaders"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/web"
)

// Options are what the HTTP layer is handed: its own sections of the
// configuration, and nothing else.
type Options struct {
	HTTP    config.HTTP
	GraphQL config.GraphQL
	Access  config.Access
	// GraphiQLToken is the token the explorer's and GraphiQL's pages send
	// (the development environment's printed admin token); "" for none.
	GraphiQLToken string
}

// New wires the HTTP routes: /graphql, /export, the explorer at /,
// GraphiQL at /graphiql (when on), their assets, /healthz and /readyz.
// Only the probes and the pages answer without credentials. In front of everything: CORS (so that a browser's
// preflight needs no token), the request log, then the rate limit (so
// that guessing tokens is limited too), then the size and time limits.
// Behind authentication, an upload's operations are read and its import
// authorised before its files are (withAuthorizedUploads). Serve it with
// NewServer, whose timeouts withLimits moves by the request's kind.
func New(st store.Store, opts Options, log *zap.Logger) (http.Handler, error) {
	authn, err := newAuthenticator(st, opts.Access, log.Named("auth"))
	if err != nil {
		return nil, err
	}
	links := auth.NewLinkSigner(opts.Access.LinkKey)
	gql, check := newGraphQLServer(st, opts, links, log.Named("graphql"))
	mux := http.NewServeMux()
	mux.Handle("/graphql", authn.Middleware(refuse, markAuthenticated(withAuthorizedUploads(opts.HTTP, opts.GraphQL.Limits.MaxTokens, check,
		withJSONBody(loaders.Middleware(st, loaders.Timing{Idle: opts.GraphQL.LoaderIdle, Wait: opts.GraphQL.LoaderWait}, log.Named("loaders"), gql))))))
	mux.Handle("GET /export/{file}", exportHandler(st, authn, links, log.Named("export")))
	pages, err := web.Handler(web.Options{Token: opts.GraphiQLToken, GraphiQL: opts.GraphQL.GraphiQL})
	if err != nil {
		return nil, err
	}
	mux.Handle("GET /{$}", pages)
	mux.Handle("GET /graphiql", pages)
	mux.Handle("GET /assets/", pages)
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(st))
	limiter := newServiceLimiter(opts.HTTP)
	// The request log sits outside the limiter, so that refusals are logged too.
	return withCORS(opts.HTTP.CORSOrigins, withRequestLog(log.Named("http"),
		limiter.middleware(limiter.clients.rateKey, withLimits(opts.HTTP, mux)))), nil
}

// newAuthenticator builds the request authenticator from the access
// settings: the admin token's hash and, when configured, the JWT verifier.
func newAuthenticator(st store.Store, c config.Access, log *zap.Logger) (*auth.Authenticator, error) {
	a := &auth.Authenticator{Store: st, Log: log}
	if c.AdminToken != "" {
		a.AdminHash = auth.HashSecret(c.AdminToken)
	}
	if c.JWT.Enabled() {
		v, err := auth.NewJWTVerifier(c.JWT)
		if err != nil {
			return nil, err
		}
		a.JWT = v
	}
	return a, nil
}

// refuse answers a request whose credentials are missing or not valid
// (401), or could not be checked because Neo4j is down (503). It tells
// the rate limiter when the rejection took a lookup in Neo4j.
func refuse(w http.ResponseWriter, r *http.Request, err error) {
	if auth.LookedUp(err) {
		noteLookupRejected(r.Context())
	}
	errs.WriteHTTP(w, err)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when Neo4j answers within three seconds, 503 else.
func readyz(st interface{ Ping(context.Context) error }) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := st.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("neo4j unreachable\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}
