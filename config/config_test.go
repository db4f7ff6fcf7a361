package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/analysis"
)

func TestLoadEnvThenFlags(t *testing.T) {
	t.Parallel()
	env := MapEnv(map[string]string{"NEO4J_URI": "neo4j://cluster:7687", "NEO4J_USERNAME": "neo4j",
		"NEO4J_PASSWORD": "secret", "NEO4J_DATABASE": "maps", "PORT": "9090"})
	c, err := Load(env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Neo4j.URI != "neo4j://cluster:7687" || c.Neo4j.Username != "neo4j" || c.Neo4j.Password != "secret" ||
		c.Neo4j.Database != "maps" || c.HTTP.Port != 9090 || c.Demo {
		t.Errorf("from env: %+v", c)
	}
	c, err = Load(env, []string{"--port", "7000", "--neo4j-uri", "bolt://other:7687", "--demo", "--request-timeout", "5s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Port != 7000 || c.Neo4j.URI != "bolt://other:7687" || !c.Demo || c.HTTP.RequestTimeout != 5*time.Second {
		t.Errorf("flags do not override: %+v", c)
	}
	if c.GraphQL.Limits != DefaultLimits || c.HTTP.RateLimit != 20 || c.HTTP.RateBurst != 40 || c.HTTP.Host != "127.0.0.1" {
		t.Errorf("defaults: %+v", c)
	}
	if h := c.HTTP; h.ReadTimeout != 15*time.Second || h.WriteTimeout != time.Minute || h.IdleTimeout != 2*time.Minute ||
		h.FailLimit != 100 || h.FailBurst != 200 || h.TrustedProxies != nil {
		t.Errorf("defaults of the HTTP bounds: %+v", h)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string // want: the prefixes, space-separated, or "error"
	}{
		{"", ""},
		{" , ", ""},
		{"10.0.0.5", "10.0.0.5/32"},
		{"10.1.2.3/8, 192.168.0.0/16", "10.0.0.0/8 192.168.0.0/16"},
		{"2001:db8::1,2001:db8:1::/48", "2001:db8::1/128 2001:db8:1::/48"},
		{"::ffff:10.0.0.5", "10.0.0.5/32"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"proxy.example.org", "error"},
		{"10.0.0.0/33", "error"},
		{"0.0.0.0/0", "error"},
		{"::/0", "error"},
		{"fe80::1%eth0", "error"},
	} {
		got, err := ParseTrustedProxies(c.in)
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if err != nil {
			s = []string{"error"}
			if !strings.Contains(err.Error(), "--trusted-proxies") {
				t.Errorf("%q: the error %q does not name the setting", c.in, err)
			}
		}
		if strings.Join(s, " ") != c.want {
			t.Errorf("ParseTrustedProxies(%q) = %v, want %q", c.in, s, c.want)
		}
	}
	c, err := Load(MapEnv(map[string]string{"ACTORGRAPH_TRUSTED_PROXIES": "10.0.0.0/8"}), []string{"--trusted-proxies", "192.0.2.1"})
	if err != nil || len(c.HTTP.TrustedProxies) != 1 || c.HTTP.TrustedProxies[0].String() != "192.0.2.1/32" {
		t.Errorf("the flag does not override the variable: %v %v", c.HTTP.TrustedProxies, err)
	}
}

// The analysis bounds: one per core and half of them per caller by
// default, and each settable by its flag.
func TestLoadAnalysisBounds(t *testing.T) {
	t.Parallel()
	c, err := Load(MapEnv(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := runtime.GOMAXPROCS(0)
	if want := (Analysis{MaxRunning: n, PerCaller: max(1, n/2), WorkBudget: analysis.DefaultWorkBudget}); c.GraphQL.Analysis != want {
		t.Errorf("defaults: %+v, want %+v", c.GraphQL.Analysis, want)
	}
	// Lowering --max-analyses alone lowers the share with it.
	if c, err = Load(MapEnv(nil), []string{"--max-analyses", "1"}); err != nil || c.GraphQL.Analysis.PerCaller != 1 {
		t.Errorf("--max-analyses 1: %+v, %v", c.GraphQL.Analysis, err)
	}
	c, err = Load(MapEnv(nil), []string{"--max-analyses", "6", "--max-analyses-per-caller", "2", "--analysis-work-budget", "1000"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Analysis{MaxRunning: 6, PerCaller: 2, WorkBudget: 1000}); c.GraphQL.Analysis != want {
		t.Errorf("flags: %+v, want %+v", c.GraphQL.Analysis, want)
	}
}

func TestLoadPasswordFile(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := MapEnv(map[string]string{"NEO4J_PASSWORD": "from-env"})
	c, err := Load(env, []string{"--neo4j-password-file", f})
	if err != nil || c.Neo4j.Password != "s3cret" {
		t.Errorf("password %q, err %v; want the file's content", c.Neo4j.Password, err)
	}
	if _, err := Load(env, []string{"--neo4j-password-file", f + ".missing"}); err == nil {
		t.Error("a missing password file was accepted")
	}
	n, err := LoadNeo4j(MapEnv(map[string]string{"NEO4J_PASSWORD": "from-env", "NEO4J_PASSWORD_FILE": f}))
	if err != nil || n.Password != "s3cret" {
		t.Errorf("LoadNeo4j: password %q, err %v; want the file's content", n.Password, err)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	t.Parallel()
	if _, err := Load(MapEnv(map[string]string{"PORT": "eighty"}), nil); err == nil {
		t.Error("PORT=eighty accepted")
	}
	for _, args := range [][]string{{"--port", "70000"}, {"--port", "0"}, {"--port", "-1"}, {"stray"}, {"--no-such-flag"}, {"--log-format", "xml"},
		{"--max-analyses", "0"}, {"--max-analyses", "2", "--max-analyses-per-caller", "3"}, {"--max-analyses-per-caller", "-1"}, {"--analysis-work-budget", "0"}} {
		if _, err := Load(MapEnv(nil), args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestLoadHelp(t *testing.T) {
	t.Parallel()
	_, err := Load(MapEnv(nil), []string{"-h"})
	var help *HelpError
	if !errors.As(err, &help) || !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.Usage, "-max-query-cost int") {
		t.Errorf("-h: %v", err)
	}
}

func TestLoadAccessAndEnvironments(t *testing.T) {
	t.Parallel()
	c, err := Load(MapEnv(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != Production || c.GraphQL.GraphiQL || c.GraphQL.Introspection || c.GraphQL.Suggestions {
		t.Errorf("a bare serve is not production with everything off: %+v", c)
	}
	dev := map[string]string{"ACTORGRAPH_ENV": "development"}
	if c, err = Load(MapEnv(dev), nil); err != nil || !c.GraphQL.GraphiQL || !c.GraphQL.Introspection || !c.GraphQL.Suggestions {
		t.Errorf("development: %v %+v", err, c.GraphQL)
	}
	dev["ACTORGRAPH_INTROSPECTION"] = "false"
	if c, err = Load(MapEnv(dev), nil); err != nil || c.GraphQL.Introspection || !c.GraphQL.GraphiQL {
		t.Errorf("development without introspection: %v %+v", err, c.GraphQL)
	}
	jwt := map[string]string{"ACTORGRAPH_JWT_SECRET": strings.Repeat("s", 40), "ACTORGRAPH_JWT_ISSUER": "https://idp.example",
		"ACTORGRAPH_JWT_AUDIENCE": "actorgraph", "ACTORGRAPH_JWT_ROLES_CLAIM": "roles"}
	if c, err = Load(MapEnv(jwt), nil); err != nil || !c.Access.JWT.Enabled() || c.Access.JWT.RolesClaim != "roles" {
		t.Errorf("JWT settings: %v %+v", err, c.Access.JWT)
	}
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"unknown environment":         {map[string]string{"ACTORGRAPH_ENV": "staging"}, nil, "ACTORGRAPH_ENV"},
		"development on a network":    {map[string]string{"ACTORGRAPH_ENV": "development"}, []string{"--host", "0.0.0.0"}, "loopback"},
		"short admin token":           {map[string]string{"ACTORGRAPH_ADMIN_TOKEN": "short"}, nil, "at least 32"},
		"short link key":              {map[string]string{"ACTORGRAPH_LINK_KEY": "x"}, nil, "ACTORGRAPH_LINK_KEY"},
		"JWT secret without audience": {map[string]string{"ACTORGRAPH_JWT_SECRET": strings.Repeat("s", 40), "ACTORGRAPH_JWT_ISSUER": "https://idp.example"}, nil, "AUDIENCE"},
		"JWKS without issuer":         {map[string]string{"ACTORGRAPH_JWKS_FILE": "/nonexistent.json"}, nil, "ISSUER"},
		"wildcard CORS":               {map[string]string{"ACTORGRAPH_CORS_ORIGINS": "*"}, nil, "*"},
		"bad boolean":                 {map[string]string{"ACTORGRAPH_GRAPHIQL": "maybe"}, nil, "ACTORGRAPH_GRAPHIQL"},
		"negative rate limit":         {nil, []string{"--rate-limit", "-1"}, "rate"},
		"negative fail limit":         {nil, []string{"--fail-limit", "-1"}, "--fail-limit"},
		"fail burst of zero":          {nil, []string{"--fail-burst", "0"}, "--fail-burst"},
		"negative read timeout":       {nil, []string{"--read-timeout", "-1s"}, "--read-timeout"},
		"write timeout too short":     {nil, []string{"--write-timeout", "30s"}, "must be longer than --request-timeout (30s)"},
		"proxy not an address":        {map[string]string{"ACTORGRAPH_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, nil, `trusted proxy "proxy.local"`},
		"every address trusted":       {nil, []string{"--trusted-proxies", "0.0.0.0/0"}, "length 0"},
		"admin token from bad file":   {map[string]string{"ACTORGRAPH_ADMIN_TOKEN_FILE": "/nonexistent"}, nil, "ACTORGRAPH_ADMIN_TOKEN_FILE"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(MapEnv(c.env), c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error about %q", err, c.want)
			}
		})
	}
}

// The commands that work straight against Neo4j read only its section:
// a setting they never use (JWTs half set up, a bad port) cannot stop
// them, as `actorgraph token` once refused to run when a JWT secret was
// set without an issuer.
func TestLoadNeo4jReadsOnlyItsSection(t *testing.T) {
	t.Parallel()
	env := MapEnv(map[string]string{"NEO4J_URI": "bolt://db:7687", "ACTORGRAPH_JWT_SECRET": strings.Repeat("s", 40),
		"PORT": "eighty", "ACTORGRAPH_ENV": "staging", "ACTORGRAPH_CORS_ORIGINS": "*"})
	if _, err := Load(env, nil); err == nil {
		t.Fatal("serve's configuration should refuse these settings")
	}
	c, err := LoadNeo4j(env)
	if err != nil || c.URI != "bolt://db:7687" {
		t.Errorf("LoadNeo4j: %+v, %v", c, err)
	}
	if c, _ := LoadNeo4j(MapEnv(nil)); c.URI != "bolt://127.0.0.1:7687" {
		t.Errorf("default URI %q", c.URI)
	}
}

// MapEnv is an Env over a map.
func MapEnv(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
