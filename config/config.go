// Package config reads the service's configuration: environment variables
// first, then command-line flags as overrides. Load gives one Config with
// a section per concern, and each part of the program is handed only its
// section: the store its Neo4j settings, the HTTP layer its limits, the
// GraphQL server its operation limits. Commands that only need the
// database (import, export, token) read only that section with
// LoadNeo4j, so a setting they never use cannot stop them.
//
// Secrets (passwords, tokens, keys) come only from the environment or
// from files named there, never from flags, which `ps` shows.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/loaders"
	"github.com/actorgraph/actorgraph/store"
)

// Env looks up an environment variable, as os.LookupEnv does. Tests pass
// a map's lookup instead, so that they need not change the process's
// environment (and can run in parallel).
type Env func(key string) (string, bool)

// The environments. Production is the default: a bare `actorgraph serve`
// shows no GraphiQL, answers no introspection and suggests no field names
// unless the operator turns them on.
const (
	Development = "development"
	Production  = "production"
)

// Config is everything `actorgraph serve` reads at start-up.
type Config struct {
	Env     string // Development or Production
	Demo    bool   // load the demo map into an empty database
	Neo4j   store.Config
	HTTP    HTTP
	GraphQL GraphQL
	Access  Access
	Log     Log
}

// HTTP is the HTTP layer's section: where it listens and the limits of
// every request.
type HTTP struct {
	Host            string
	Port            int
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64         // largest GraphQL request body
	ImportMaxBytes  int64         // largest import upload
	TransferTimeout time.Duration // longest an import or export may run
	CORSOrigins     []string      // browser origins allowed to call the API
	RateLimit       float64       // requests per second per token (or per address without one); 0: no limit
	RateBurst       int
	// ReadTimeout bounds reading a request's body (imports: until they
	// are authorised, then TransferTimeout); WriteTimeout, the time from
	// a request's headers to the end of its answer (imports and exports:
	// TransferTimeout more); IdleTimeout, a kept-alive connection's wait
	// for its next request. Zero turns one off.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (see httpapi's clientAddresses); none: the connection's
	// address is the client's.
	TrustedProxies []netip.Prefix
	// FailLimit and FailBurst bound rejected credentials from all clients
	// together (a token bucket); FailLimit 0: no such bound.
	FailLimit float64
	FailBurst int
}

// GraphQL is the GraphQL server's section.
type GraphQL struct {
	Limits        Limits
	Analysis      Analysis
	LoaderWait    time.Duration // the longest dataloaders gather ids into one query
	LoaderIdle    time.Duration // how long a batch stays open after its last id when no other comes
	GraphiQL      bool
	Introspection bool
	Suggestions   bool
}

// Limits are the operation limits; zero turns one off.
type Limits struct {
	MaxDepth   int // nesting of selections
	MaxAliases int // aliased fields in the whole operation
	MaxTokens  int // tokens in the query text
	MaxCost    int // complexity, lists weighed by first
	// The pre-check's, against queries whose validation alone would take
	// minutes (httpapi/opcheck.go).
	MaxSelectionSet int // selections in one selection set, as written
	MaxSelections   int // selections in the operation, each fragment counted every time it is spread, and in the whole text
	MaxAnalyses     int // analyses (fields marked @analysis) in one operation; each at most once
}

// DefaultLimits leave room for every query the README shows and the
// frontends need (a workspace's 500 actors with their relationships),
// and stop the shapes that only serve to exhaust the service.
var DefaultLimits = Limits{MaxDepth: 15, MaxAliases: 50, MaxTokens: 15_000, MaxCost: 200_000,
	MaxSelectionSet: 200, MaxSelections: 2_000, MaxAnalyses: 5}

// Analysis bounds the analyses (the fields marked @analysis: gaps,
// routes, brokers, gapClosures, changes, trust gaps…): how many run at once, how many of them one caller may hold,
// and how much work one request may spend on them (see docs/analysis.md).
type Analysis struct {
	MaxRunning int   // requests running analyses at once in the process (one slot per request)
	PerCaller  int   // of which one caller (token, user) may hold
	WorkBudget int64 // work units one request may spend, all its analyses together
}

// DefaultAnalysis is one analysis per core (they are CPU bound) and
// analysis.DefaultWorkBudget per request; PerCaller 0 stands for half of
// MaxRunning (at least one), resolved once the flags are read, so that
// lowering --max-analyses alone lowers the share with it.
func DefaultAnalysis() Analysis {
	return Analysis{MaxRunning: runtime.GOMAXPROCS(0), WorkBudget: analysis.DefaultWorkBudget}
}

// Access is the section about who may call the service.
type Access struct {
	AdminToken string         // ACTORGRAPH_ADMIN_TOKEN: the operator's bootstrap token
	JWT        auth.JWTConfig // optional identity provider
	LinkKey    []byte         // signs export links; random when empty
}

// Log is the logging section.
type Log struct {
	Format string // "json" or "console"
}

// HelpError is what Load returns for -h: the usage text, to be printed
// by the command. It matches flag.ErrHelp.
type HelpError struct{ Usage string }

func (e *HelpError) Error() string        { return "help requested" }
func (e *HelpError) Is(target error) bool { return target == flag.ErrHelp }

// Load reads the service's configuration from env and then args (flags),
// and checks it.
func Load(env Env, args []string) (Config, error) {
	get := func(k, def string) string {
		if v, ok := env(k); ok && v != "" {
			return v
		}
		return def
	}
	port, err := strconv.Atoi(get("PORT", "8080"))
	if err != nil {
		return Config{}, fmt.Errorf("PORT must be a number: %w", err)
	}
	c := Config{
		Env:     get("ACTORGRAPH_ENV", Production),
		Neo4j:   neo4jFromEnv(env),
		HTTP:    HTTP{Host: get("ACTORGRAPH_HOST", "127.0.0.1"), Port: port},
		GraphQL: GraphQL{Limits: DefaultLimits, Analysis: DefaultAnalysis()},
		Log:     Log{Format: get("ACTORGRAPH_LOG_FORMAT", "json")},
	}
	corsOrigins, _ := env("ACTORGRAPH_CORS_ORIGINS")
	proxies, _ := env("ACTORGRAPH_TRUSTED_PROXIES")
	passwordFile, _ := env("NEO4J_PASSWORD_FILE")
	fs := flagSet(&c, &corsOrigins, &passwordFile)
	fs.StringVar(&proxies, "trusted-proxies", proxies, "comma-separated addresses or CIDRs of the reverse proxies whose X-Forwarded-For names the client, e.g. 10.0.0.5,10.0.0.6: only the proxies' own addresses, since any client in a listed range can name itself (env ACTORGRAPH_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var b strings.Builder
			b.WriteString("usage: actorgraph [serve] [flags]\n\nRuns the service: the GraphQL API over Neo4j, with its exports and imports.\n\nflags (each overrides its environment variable):\n")
			fs.SetOutput(&b)
			fs.PrintDefaults()
			return Config{}, &HelpError{Usage: b.String()}
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := readPasswordFile(&c.Neo4j, passwordFile); err != nil {
		return Config{}, err
	}
	if c.HTTP.CORSOrigins, err = ParseCORSOrigins(corsOrigins); err != nil {
		return Config{}, err
	}
	if c.HTTP.TrustedProxies, err = ParseTrustedProxies(proxies); err != nil {
		return Config{}, err
	}
	if c.Access, err = loadAccess(env); err != nil {
		return Config{}, err
	}
	if err := c.GraphQL.setEnvDefaults(env, c.Env == Development); err != nil {
		return Config{}, err
	}
	if c.GraphQL.Analysis.PerCaller == 0 {
		c.GraphQL.Analysis.PerCaller = max(1, c.GraphQL.Analysis.MaxRunning/2)
	}
	return c, c.check()
}

// flagSet declares serve's flags over c; each defaults to what the
// environment gave.
func flagSet(c *Config, corsOrigins, passwordFile *string) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(discard{}) // errors are reported once, by the command
	fs.StringVar(&c.Neo4j.URI, "neo4j-uri", c.Neo4j.URI, "Neo4j URI: bolt:// for one server, neo4j:// for a cluster (env NEO4J_URI)")
	fs.StringVar(&c.Neo4j.Username, "neo4j-username", c.Neo4j.Username, "Neo4j user; empty for no authentication (env NEO4J_USERNAME)")
	fs.StringVar(&c.Neo4j.Database, "neo4j-database", c.Neo4j.Database, "Neo4j database; empty for the server's default (env NEO4J_DATABASE)")
	// The password itself is never a flag (it would show in `ps`): a file
	// holding it is.
	fs.StringVar(passwordFile, "neo4j-password-file", *passwordFile, "file holding the Neo4j password (env NEO4J_PASSWORD_FILE; or set NEO4J_PASSWORD)")
	fs.StringVar(&c.HTTP.Host, "host", c.HTTP.Host, "address to listen on; 0.0.0.0 for every interface (env ACTORGRAPH_HOST)")
	fs.IntVar(&c.HTTP.Port, "port", c.HTTP.Port, "HTTP port (env PORT)")
	fs.BoolVar(&c.Demo, "demo", false, "load the demo map when the database holds no workspace")
	fs.DurationVar(&c.HTTP.RequestTimeout, "request-timeout", 30*time.Second, "longest a GraphQL request may run")
	fs.DurationVar(&c.HTTP.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "how long shutdown waits for requests in flight")
	fs.Int64Var(&c.HTTP.MaxBodyBytes, "max-body-bytes", 1<<20, "largest GraphQL request body accepted")
	fs.Int64Var(&c.HTTP.ImportMaxBytes, "import-max-bytes", 256<<20, "largest import upload (all files of one importActorMap request)")
	fs.DurationVar(&c.HTTP.TransferTimeout, "transfer-timeout", 15*time.Minute, "longest an import or an export may run")
	fs.StringVar(corsOrigins, "cors-origins", *corsOrigins, "comma-separated browser origins allowed to call the API, e.g. https://map.example.org (env ACTORGRAPH_CORS_ORIGINS)")
	fs.Float64Var(&c.HTTP.RateLimit, "rate-limit", 20, "requests per second allowed per token, or per address without one (0: no limit)")
	fs.IntVar(&c.HTTP.RateBurst, "rate-burst", 40, "requests a token may send at once above the rate")
	fs.Float64Var(&c.HTTP.FailLimit, "fail-limit", 100, "rejected credentials that took a token lookup, per second from all clients together, before credentials not recently valid wait (0: no such limit)")
	fs.IntVar(&c.HTTP.FailBurst, "fail-burst", 200, "rejected credentials from all clients together allowed at once above --fail-limit")
	fs.DurationVar(&c.HTTP.ReadTimeout, "read-timeout", 15*time.Second, "longest the body of a request may take to arrive (an import's files: --transfer-timeout; 0: no limit)")
	fs.DurationVar(&c.HTTP.WriteTimeout, "write-timeout", 60*time.Second, "longest from a request's headers to the end of its answer, longer than --request-timeout (imports and exports: --transfer-timeout more; 0: no limit)")
	fs.DurationVar(&c.HTTP.IdleTimeout, "idle-timeout", 120*time.Second, "how long a kept-alive connection may wait for its next request (0: as --read-timeout)")
	fs.IntVar(&c.GraphQL.Limits.MaxDepth, "max-query-depth", c.GraphQL.Limits.MaxDepth, "deepest nesting of a GraphQL query (0: no limit)")
	fs.IntVar(&c.GraphQL.Limits.MaxAliases, "max-query-aliases", c.GraphQL.Limits.MaxAliases, "most aliased fields in one GraphQL operation (0: no limit)")
	fs.IntVar(&c.GraphQL.Limits.MaxTokens, "max-query-tokens", c.GraphQL.Limits.MaxTokens, "most tokens in a GraphQL query's text (0: no limit)")
	fs.IntVar(&c.GraphQL.Limits.MaxCost, "max-query-cost", c.GraphQL.Limits.MaxCost, "most a GraphQL operation may cost, lists weighed by first (0: no limit)")
	fs.IntVar(&c.GraphQL.Limits.MaxSelectionSet, "max-query-selection-set", c.GraphQL.Limits.MaxSelectionSet, "most selections in one selection set of a GraphQL query (0: no limit)")
	fs.IntVar(&c.GraphQL.Limits.MaxSelections, "max-query-selections", c.GraphQL.Limits.MaxSelections, "most selections in one GraphQL operation, each fragment counted every time it is spread (0: no limit)")
	fs.IntVar(&c.GraphQL.Limits.MaxAnalyses, "max-query-analyses", c.GraphQL.Limits.MaxAnalyses, "most analyses (accountabilityGaps, gapClosures…) in one GraphQL operation, each at most once (0: no limit)")
	fs.IntVar(&c.GraphQL.Analysis.MaxRunning, "max-analyses", c.GraphQL.Analysis.MaxRunning, "requests running analyses (fields marked @analysis: gaps, routes, trust gaps, gapClosures…) at once, the analyses of one request sharing its slot; more wait briefly, then answer SERVICE_UNAVAILABLE")
	fs.IntVar(&c.GraphQL.Analysis.PerCaller, "max-analyses-per-caller", c.GraphQL.Analysis.PerCaller, "of --max-analyses, how many requests with analyses one caller (token, user) may run at once; more answer RATE_LIMITED (default: half of --max-analyses, at least 1)")
	fs.Int64Var(&c.GraphQL.Analysis.WorkBudget, "analysis-work-budget", c.GraphQL.Analysis.WorkBudget, "work units one request may spend on analyses, all its fields together; beyond it they answer ANALYSIS_LIMIT_EXCEEDED")
	fs.DurationVar(&c.GraphQL.LoaderWait, "loader-wait", loaders.DefaultWait, "the longest dataloaders gather ids into one Neo4j query")
	fs.DurationVar(&c.GraphQL.LoaderIdle, "loader-idle", loaders.DefaultIdle, "how long a dataloader's batch stays open after its last id when no other comes")
	fs.StringVar(&c.Log.Format, "log-format", c.Log.Format, "log format: json or console (env ACTORGRAPH_LOG_FORMAT)")
	fs.StringVar(&c.Env, "env", c.Env, "development (GraphiQL, introspection, suggestions, a printed admin token) or production (env ACTORGRAPH_ENV)")
	return fs
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// check refuses settings that cannot work together.
func (c Config) check() error {
	switch c.Env {
	case Development, Production:
	default:
		return fmt.Errorf("ACTORGRAPH_ENV must be %s or %s, not %q", Development, Production, c.Env)
	}
	if c.HTTP.Port < 1 || c.HTTP.Port > 65535 {
		return fmt.Errorf("port %d is out of range", c.HTTP.Port)
	}
	if c.Env == Development && !IsLoopback(c.HTTP.Host) {
		return fmt.Errorf("the development environment prints an admin token and hands it to GraphiQL, so it listens on a loopback address only, not %q; use ACTORGRAPH_ENV=production", c.HTTP.Host)
	}
	if c.HTTP.RateLimit < 0 || c.HTTP.RateBurst < 1 {
		return fmt.Errorf("--rate-limit must be 0 or more and --rate-burst at least 1")
	}
	if c.HTTP.FailLimit < 0 || c.HTTP.FailBurst < 1 {
		return fmt.Errorf("--fail-limit must be 0 or more and --fail-burst at least 1")
	}
	if err := c.HTTP.checkTimeouts(); err != nil {
		return err
	}
	if a := c.GraphQL.Analysis; a.MaxRunning < 1 || a.PerCaller < 1 || a.PerCaller > a.MaxRunning || a.WorkBudget < 1 {
		return fmt.Errorf("--max-analyses must be at least 1, --max-analyses-per-caller between 1 and --max-analyses, and --analysis-work-budget at least 1")
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		return fmt.Errorf("the log format must be json or console, not %q", c.Log.Format)
	}
	return nil
}

// LoadNeo4j reads only the Neo4j section from env: what the commands that
// work straight against the database (import, export, token) need.
func LoadNeo4j(env Env) (store.Config, error) {
	c := neo4jFromEnv(env)
	file, _ := env("NEO4J_PASSWORD_FILE")
	return c, readPasswordFile(&c, file)
}

func neo4jFromEnv(env Env) store.Config {
	c := store.Config{URI: "bolt://127.0.0.1:7687"}
	if v, ok := env("NEO4J_URI"); ok && v != "" {
		c.URI = v
	}
	c.Username, _ = env("NEO4J_USERNAME")
	c.Password, _ = env("NEO4J_PASSWORD")
	c.Database, _ = env("NEO4J_DATABASE")
	return c
}

// readPasswordFile sets the password from file, when one is named: it
// wins over NEO4J_PASSWORD.
func readPasswordFile(c *store.Config, file string) error {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading the Neo4j password file: %w", err)
	}
	c.Password = strings.TrimRight(string(b), "\r\n")
	return nil
}

// IsLoopback reports whether host is a loopback name or address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
