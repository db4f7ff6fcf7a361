package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi"
	"github.com/actorgraph/actorgraph/store"
)

// serve is `actorgraph serve`: it starts the service and runs until ctx
// is done (SIGINT or SIGTERM), then shuts down gracefully: it stops
// accepting connections, lets requests in flight finish (up to the
// shutdown timeout), and only then closes the Neo4j driver.
func serve(ctx context.Context, args []string, std IO) error {
	cfg, err := config.Load(std.Env, args)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log.Format, std.Stderr)
	defer func() { _ = log.Sync() }()
	setMemoryLimit(std.Env, memlimit.FromCgroup, log)

	st, err := store.Open(cfg.Neo4j, log.Named("store"))
	if err != nil {
		return err
	}
	defer func() { _ = st.Close(context.Background()) }()
	if err := startStore(ctx, st, cfg, log); err != nil {
		return err
	}
	opts := httpapi.Options{HTTP: cfg.HTTP, GraphQL: cfg.GraphQL, Access: cfg.Access}
	if cfg.Env == config.Development {
		if opts.GraphiQLToken, err = developmentToken(ctx, st); err != nil {
			return fmt.Errorf("issuing the development token: %w", err)
		}
		log.Info("development environment: the explorer and GraphiQL send this admin token; use it as 'Authorization: Bearer <token>'",
			zap.String("token", opts.GraphiQLToken))
	} else if cfg.Access.AdminToken == "" {
		log.Info("production: no ACTORGRAPH_ADMIN_TOKEN set; issue tokens with `actorgraph token create` on this machine")
	}
	handler, err := httpapi.New(st, opts, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.HTTP.Host, strconv.Itoa(cfg.HTTP.Port)))
	if err != nil {
		return err
	}
	return run(ctx, httpapi.NewServer(handler, cfg.HTTP), ln, cfg.HTTP.ShutdownTimeout, log)
}

// run serves on ln until ctx is done, then shuts srv down, waiting up to
// grace for the requests in flight.
func run(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, log *zap.Logger) error {
	port := ln.Addr().(*net.TCPAddr).Port
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", zap.Int("port", port),
		zap.String("graphql", fmt.Sprintf("http://localhost:%d/graphql", port)),
		zap.String("explorer", fmt.Sprintf("http://localhost:%d/", port)),
		zap.String("graphiql", fmt.Sprintf("http://localhost:%d/graphiql", port)))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", zap.Duration("timeout", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Past the timeout: closing the connections cancels the requests
		// still running, so that their statements stop before the store
		// closes under them.
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// newLogger writes JSON lines (production) or readable lines (console)
// to w, as zap's production and development presets do.
func newLogger(format string, w io.Writer) *zap.Logger {
	out := zapcore.Lock(zapcore.AddSync(w))
	if format == "console" {
		core := zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), out, zap.DebugLevel)
		return zap.New(core, zap.Development(), zap.AddCaller(), zap.AddStacktrace(zap.WarnLevel))
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), out, zap.InfoLevel)
	return zap.New(zapcore.NewSamplerWithOptions(core, time.Second, 100, 100), zap.AddCaller(), zap.AddStacktrace(zap.ErrorLevel))
}

// startStore waits for Neo4j (up to a minute: a local server may still be
// starting), applies the schema, and loads the demo map if asked.
func startStore(ctx context.Context, st *store.Neo4j, cfg config.Config, log *zap.Logger) error {
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
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if err := st.EnsureSchema(ctx); err != nil {
		return fmt.Errorf("applying constraints and indexes: %w", err)
	}
	log.Info("neo4j schema ready")
	// A failure is logged by the store and only costs the first requests
	// their planning.
	_ = st.WarmPlans(ctx)
	if cfg.Demo {
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

// tokenStore is what managing tokens needs of the store.
type tokenStore interface {
	auth.Issuer
	Tokens(ctx context.Context, ws string) ([]*domain.Token, error)
	RevokeToken(ctx context.Context, id string) (*domain.Token, error)
}

// developmentToken issues an admin token for the development environment
// and revokes the ones issued at earlier starts, so that a new user of
// dev/run is never locked out, and old development tokens do not pile up.
func developmentToken(ctx context.Context, st tokenStore) (string, error) {
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
