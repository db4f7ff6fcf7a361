// Command actorgraph is the ActorGraph service: a GraphQL API over Neo4j for
// mapping who holds power over whom, who trusts whom, and how communities
// can hold the powerful to account.
//
//	actorgraph [serve] [flags]
//	actorgraph template [--format csv] [-o DIR]
//	actorgraph import --workspace W [--dry-run] [--sync] FILE...
//	actorgraph export --workspace W --format csv [-o DIR]
//	actorgraph token create|list|revoke ...
//
// This file is the entry point: configuration, HTTP wiring, start-up and
// graceful shutdown. The API itself lives in schema/ (contract), graph/
// (generated), resolvers/, loaders/ and store/.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/graph"
	"github.com/actorgraph/actorgraph/loaders"
	"github.com/actorgraph/actorgraph/resolvers"
	"github.com/actorgraph/actorgraph/store"
)

// config is everything the service reads at start-up: environment
// variables first, flags as overrides.
type config struct {
	Neo4j           store.Config
	Host            string
	Port            int
	LoadDemo        bool
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	Limits          Limits        // operation depth, aliases, tokens and cost
	ImportMaxBytes  int64         // largest import upload
	TransferTimeout time.Duration // longest an import or export may run
	LoaderWait      time.Duration
	LogFormat       string // "json" or "console"
	Access          accessConfig
	CORSOrigins     []string // browser origins allowed to call the API
	RateLimit       float64  // requests per second per token (or per address without one); 0: no limit
	RateBurst       int
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// parseConfig reads the environment and then args (flags).
func parseConfig(args []string) (config, error) {
	port, err := strconv.Atoi(envOr("PORT", "8080"))
	if err != nil {
		return config{}, fmt.Errorf("PORT must be a number: %w", err)
	}
	c := config{
		Neo4j: store.Config{
			URI:      envOr("NEO4J_URI", "bolt://127.0.0.1:7687"),
			Username: os.Getenv("NEO4J_USERNAME"),
			Password: os.Getenv("NEO4J_PASSWORD"),
			Database: os.Getenv("NEO4J_DATABASE"),
		},
		Host:      envOr("ACTORGRAPH_HOST", "127.0.0.1"),
		Port:      port,
		LogFormat: envOr("ACTORGRAPH_LOG_FORMAT", "json"),
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.Neo4j.URI, "neo4j-uri", c.Neo4j.URI, "Neo4j URI: bolt:// for one server, neo4j:// for a cluster (env NEO4J_URI)")
	fs.StringVar(&c.Neo4j.Username, "neo4j-username", c.Neo4j.Username, "Neo4j user; empty for no authentication (env NEO4J_USERNAME)")
	fs.StringVar(&c.Neo4j.Database, "neo4j-database", c.Neo4j.Database, "Neo4j database; empty for the server's default (env NEO4J_DATABASE)")
	fs.StringVar(&c.Host, "host", c.Host, "address to listen on; 0.0.0.0 for every interface (env ACTORGRAPH_HOST)")
	fs.IntVar(&c.Port, "port", c.Port, "HTTP port (env PORT)")
	fs.BoolVar(&c.LoadDemo, "demo", false, "load the demo map when the database holds no workspace")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", 30*time.Second, "longest a GraphQL request may run")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long shutdown waits for requests in flight")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 1<<20, "largest GraphQL request body accepted")
	c.Limits = DefaultLimits
	fs.IntVar(&c.Limits.MaxDepth, "max-query-depth", c.Limits.MaxDepth, "deepest nesting of a GraphQL query (0: no limit)")
	fs.IntVar(&c.Limits.MaxAliases, "max-query-aliases", c.Limits.MaxAliases, "most aliased fields in one GraphQL operation (0: no limit)")
	fs.IntVar(&c.Limits.MaxTokens, "max-query-tokens", c.Limits.MaxTokens, "most tokens in a GraphQL query's text (0: no limit)")
	fs.IntVar(&c.Limits.MaxCost, "max-query-cost", c.Limits.MaxCost, "most a GraphQL operation may cost, lists weighed by first (0: no limit)")
	fs.Int64Var(&c.ImportMaxBytes, "import-max-bytes", 256<<20, "largest import upload (all files of one importActorMap request)")
	fs.DurationVar(&c.TransferTimeout, "transfer-timeout", 15*time.Minute, "longest an import or an export may run")
	fs.DurationVar(&c.LoaderWait, "loader-wait", loaders.DefaultWait, "how long dataloaders gather ids into one Neo4j query")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or console (env ACTORGRAPH_LOG_FORMAT)")
	env := envOr("ACTORGRAPH_ENV", envProduction)
	fs.StringVar(&env, "env", env, "development (GraphiQL, introspection, suggestions, a printed admin token) or production (env ACTORGRAPH_ENV)")
	corsOrigins := os.Getenv("ACTORGRAPH_CORS_ORIGINS")
	fs.StringVar(&corsOrigins, "cors-origins", corsOrigins, "comma-separated browser origins allowed to call the API, e.g. https://map.example.org (env ACTORGRAPH_CORS_ORIGINS)")
	fs.Float64Var(&c.RateLimit, "rate-limit", 20, "requests per second allowed per token, or per address without one (0: no limit)")
	fs.IntVar(&c.RateBurst, "rate-burst", 40, "requests a token may send at once above the rate")
	// The password itself is never a flag (it would show in `ps`): a file
	// holding it is.
	passwordFile := os.Getenv("NEO4J_PASSWORD_FILE")
	fs.StringVar(&passwordFile, "neo4j-password-file", passwordFile, "file holding the Neo4j password (env NEO4J_PASSWORD_FILE; or set NEO4J_PASSWORD)")
	fs.SetOutput(io.Discard) // errors are reported once, by main
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Println("usage: actorgraph [serve] [flags]\n\nflags (each overrides its environment variable):")
			fs.SetOutput(os.Stdout)
			fs.PrintDefaults()
		}
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return config{}, fmt.Errorf("reading the Neo4j password file: %w", err)
		}
		c.Neo4j.Password = strings.TrimRight(string(b), "\r\n")
	}
	if c.Port < 1 || c.Port > 65535 {
		return config{}, fmt.Errorf("port %d is out of range", c.Port)
	}
	if c.Access, err = parseAccess(env); err != nil {
		return config{}, err
	}
	if c.Access.Env == envDevelopment && !isLoopback(c.Host) {
		return config{}, fmt.Errorf("the development environment prints an admin token and hands it to GraphiQL, so it listens on a loopback address only, not %q; use ACTORGRAPH_ENV=production", c.Host)
	}
	if c.CORSOrigins, err = parseCORSOrigins(corsOrigins); err != nil {
		return config{}, err
	}
	if c.RateLimit < 0 || c.RateBurst < 1 {
		return config{}, fmt.Errorf("--rate-limit must be 0 or more and --rate-burst at least 1")
	}
	return c, nil
}

func newLogger(format string) (*zap.Logger, error) {
	if format == "console" {
		return zap.NewDevelopment()
	}
	return zap.NewProduction()
}

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(args)
	case "template":
		err = runTemplate(args, os.Stdout)
	case "import":
		err = runImport(args, os.Stdout, os.Stderr)
	case "export":
		err = runExport(args, os.Stdout)
	case "token":
		err = runToken(args, os.Stdout)
	case "help":
		fmt.Println("usage: actorgraph [serve] [flags]      run the service (actorgraph serve -h lists the flags)\n" +
			"       actorgraph template [-o DIR]      write the CSV import template\n" +
			"       actorgraph import --workspace W [--dry-run] [--sync] FILE...   import CSV files\n" +
			"       actorgraph export --workspace W --format csv [-o DIR]           export CSV files\n" +
			"       actorgraph token create|list|revoke ...                          manage API tokens (actorgraph token for help)")
	default:
		err = fmt.Errorf("unknown command %q (commands: serve, template, import, export, token)", cmd)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "actorgraph:", err)
		os.Exit(1)
	}
}

// runServe starts the service and blocks until SIGINT or SIGTERM, then shuts
// down gracefully: it stops accepting connections, lets requests in flight
// finish (up to the shutdown timeout), and only then closes the Neo4j driver.
func runServe(args []string) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.LogFormat)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(cfg.Neo4j, log.Named("store"))
	if err != nil {
		return err
	}
	defer func() { _ = st.Close(context.Background()) }()
	if err := startStore(ctx, st, cfg, log); err != nil {
		return err
	}
	if cfg.Access.Env == envDevelopment {
		if cfg.Access.devToken, err = developmentToken(ctx, st); err != nil {
			return fmt.Errorf("issuing the development token: %w", err)
		}
		log.Info("development environment: GraphiQL sends this admin token; use it as 'Authorization: Bearer <token>'",
			zap.String("token", cfg.Access.devToken))
	} else if cfg.Access.AdminToken == "" {
		log.Info("production: no ACTORGRAPH_ADMIN_TOKEN set; issue tokens with `actorgraph token create` on this machine")
	}

	srv := &http.Server{
		Addr:              net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		Handler:           newHandler(st, cfg, log),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() {
		log.Info("serving", zap.String("graphql", fmt.Sprintf("http://localhost:%d/graphql", cfg.Port)),
			zap.String("graphiql", fmt.Sprintf("http://localhost:%d/", cfg.Port)))
		errc <- srv.ListenAndServe()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", zap.Duration("timeout", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// startStore waits for Neo4j (up to a minute: a local server may still be
// starting), applies the schema, and loads the demo map if asked.
func startStore(ctx context.Context, st *store.Neo4j, cfg config, log *zap.Logger) error {
	ctx = domain.WithCaller(ctx, domain.Service)
	deadline := time.Now().Add(time.Minute)
	for {
		err := st.Ping(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("neo4j at %s is not reachable: %w", cfg.Neo4j.URI, err)
		}
		log.Info("waiting for neo4j", zap.String("uri", cfg.Neo4j.URI))
		time.Sleep(time.Second)
	}
	if err := st.EnsureSchema(ctx); err != nil {
		return fmt.Errorf("applying constraints and indexes: %w", err)
	}
	log.Info("neo4j schema ready")
	if cfg.LoadDemo {
		ws, err := demo.LoadIfEmpty(ctx, st)
		if err != nil {
			return fmt.Errorf("loading the demo map: %w", err)
		}
		if ws != nil {
			log.Info("demo map loaded", zap.String("workspace", ws.ID), zap.String("name", ws.Name))
		}
	}
	return nil
}

// newHandler wires the HTTP routes: /graphql, /export, GraphiQL at / (when
// on), /healthz and /readyz. Only the probes and GraphiQL's page answer
// without credentials. In front of everything: CORS (so that a browser's
// preflight needs no token), the request log, then the rate limit (so
// that guessing tokens is limited too), then the size and time limits.
func newHandler(st store.Store, cfg config, log *zap.Logger) http.Handler {
	links := auth.NewLinkSigner(cfg.Access.LinkKey)
	authn := newAuthenticator(st, cfg.Access, log.Named("auth"))
	gql := newGraphQLServer(st, cfg, links, log.Named("graphql"))
	mux := http.NewServeMux()
	mux.Handle("/graphql", authn.Middleware(refuseUnauthenticated, loaders.Middleware(st, cfg.LoaderWait, gql)))
	mux.Handle("GET /export/{file}", exportHandler(st, authn, links, log.Named("export")))
	if cfg.Access.GraphiQL {
		var opts []playground.GraphiqlConfigOption
		if cfg.Access.devToken != "" {
			opts = append(opts, playground.WithGraphiqlUiHeaders(map[string]string{"Authorization": "Bearer " + cfg.Access.devToken}))
		}
		mux.Handle("GET /{$}", playground.Handler("ActorGraph", "/graphql", opts...))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
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
	limiter := newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	// The request log sits outside the limiter, so that refusals are logged too.
	return withCORS(cfg.CORSOrigins, withRequestLog(log.Named("http"), limiter.middleware(rateKey, withLimits(cfg, mux))))
}

// newGraphQLServer builds the gqlgen server: POST and GET transports, the
// error presenter and panic recovery, a query cache, and introspection.
func newGraphQLServer(st store.Store, cfg config, links *auth.LinkSigner, log *zap.Logger) *handler.Server {
	srv := handler.New(costed{graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{
		Store: st, Analysis: analysis.NewEngine(st, 8), Links: links, Log: log}})})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	// Imports: files above MaxMemory wait in temporary files, not in
	// memory (uploads must give their length; see checkUpload).
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: cfg.ImportMaxBytes, MaxMemory: 32 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Access.Introspection {
		srv.Use(extension.Introspection{})
	}
	// Suggestions ("did you mean …?") would let a caller without
	// introspection rebuild the schema field by field.
	srv.SetDisableSuggestion(!cfg.Access.Suggestions)
	cfg.Limits.install(srv)
	srv.AroundResponses(auditReads(st, log))
	srv.SetErrorPresenter(recordCodes(resolvers.ErrorPresenter(log)))
	srv.SetRecoverFunc(resolvers.Recover(log))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if info := requestInfoFrom(ctx); info != nil && graphql.HasOperationContext(ctx) {
			oc := graphql.GetOperationContext(ctx)
			info.setOperation(opName(oc), opType(oc))
		}
		if graphql.HasOperationContext(ctx) {
			if refused := onlyImportsInUploads(ctx, graphql.GetOperationContext(ctx)); refused != nil {
				return graphql.OneShot(refused)
			}
		}
		return next(ctx)
	})
	return srv
}

// opName is the operation's name: the one the client sent, or else the
// one the document gives it.
func opName(oc *graphql.OperationContext) string {
	if oc.OperationName != "" || oc.Operation == nil {
		return oc.OperationName
	}
	return oc.Operation.Name
}

func opType(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return ""
	}
	return string(oc.Operation.Operation)
}

// withLimits bounds every request's body and running time; imports
// (multipart uploads) and exports have limits of their own.
func withLimits(cfg config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maxBytes, timeout := cfg.MaxBodyBytes, cfg.RequestTimeout
		switch {
		case isUpload(r):
			if !checkUpload(cfg, w, r) {
				return
			}
			maxBytes, timeout = cfg.ImportMaxBytes, cfg.TransferTimeout
			r = markUpload(r)
		case strings.HasPrefix(r.URL.Path, "/export/"):
			timeout = cfg.TransferTimeout
		}
		if maxBytes > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		}
		if maxBytes > 0 && r.Method == http.MethodPost && !isUpload(r) {
			// Read the (small) body here, so that one over the limit gets
			// a 413 with a code rather than gqlgen's uncoded decode error.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
					fmt.Sprintf("the request body is larger than %s (--max-body-bytes)", byteSize(maxBytes)))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if timeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// requestInfo collects what the request log line reports: the operation
// and the error codes the presenter handed out. Variables are never
// recorded: they may carry sensitive data.
type requestInfo struct {
	mu        sync.Mutex
	operation string
	opType    string
	codes     map[string]int
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

func (i *requestInfo) setOperation(name, typ string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation, i.opType = name, typ
}

func (i *requestInfo) addCode(code string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.codes == nil {
		i.codes = map[string]int{}
	}
	i.codes[code]++
}

// recordCodes notes each presented error's code in the request's info.
func recordCodes(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		if info := requestInfoFrom(ctx); info != nil && e != nil {
			code, _ := e.Extensions["code"].(string)
			info.addCode(code)
		}
		return e
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withRequestLog writes one log line per request: path, status, duration,
// and for GraphQL the operation name and type and the error codes.
func withRequestLog(log *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes would drown the log
		}
		info.mu.Lock()
		defer info.mu.Unlock()
		outcome := "ok"
		if len(info.codes) > 0 || rec.status >= 400 {
			outcome = "error"
		}
		log.Info("request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.Int("status", rec.status), zap.Duration("duration", time.Since(start)),
			zap.String("operation", info.operation), zap.String("operationType", info.opType),
			zap.String("outcome", outcome), zap.Any("errorCodes", info.codes))
	})
}
