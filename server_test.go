package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"time"

	"github.com/actorgraph/actorgraph/mapio"
)

func TestParseConfigEnvThenFlags(t *testing.T) {
	t.Setenv("NEO4J_URI", "neo4j://cluster:7687")
	t.Setenv("NEO4J_USERNAME", "neo4j")
	t.Setenv("NEO4J_PASSWORD", "secret")
	t.Setenv("NEO4J_DATABASE", "maps")
	t.Setenv("PORT", "9090")
	c, err := parseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Neo4j.URI != "neo4j://cluster:7687" || c.Neo4j.Username != "neo4j" || c.Neo4j.Password != "secret" ||
		c.Neo4j.Database != "maps" || c.Port != 9090 || c.LoadDemo {
		t.Errorf("from env: %+v", c)
	}
	c, err = parseConfig([]string{"--port", "7000", "--neo4j-uri", "bolt://other:7687", "--demo", "--request-timeout", "5s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 7000 || c.Neo4j.URI != "bolt://other:7687" || !c.LoadDemo || c.RequestTimeout != 5*time.Second {
		t.Errorf("flags do not override: %+v", c)
	}
}

func TestParseConfigPasswordFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEO4J_PASSWORD", "from-env")
	c, err := parseConfig([]string{"--neo4j-password-file", f})
	if err != nil || c.Neo4j.Password != "s3cret" {
		t.Errorf("password %q, err %v; want the file's content", c.Neo4j.Password, err)
	}
	if _, err := parseConfig([]string{"--neo4j-password-file", f + ".missing"}); err == nil {
		t.Error("a missing password file was accepted")
	}
}

func TestParseConfigRejectsBadValues(t *testing.T) {
	t.Setenv("PORT", "eighty")
	if _, err := parseConfig(nil); err == nil {
		t.Error("PORT=eighty accepted")
	}
	t.Setenv("PORT", "8080")
	for _, args := range [][]string{{"--port", "70000"}, {"stray"}, {"--no-such-flag"}} {
		if _, err := parseConfig(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestTemplateCommand(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	if err := runTemplate([]string{"-o", dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"actors.csv", "relationships.csv", "sources.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := runTemplate([]string{"-o", dir}, &out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("overwrote the template: %v", err)
	}
	if err := runTemplate([]string{"--format", "pdf"}, &out); err == nil {
		t.Error("format pdf accepted")
	}
	xlsx := filepath.Join(dir, "t.xlsx")
	if err := runTemplate([]string{"--format", "xlsx", "-o", xlsx}, &out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tables, problems := mapio.ReadWorkbook(xlsx, f)
	if len(problems) > 0 || len(tables) != 3 || len(tables["actors"].Rows) != 2 {
		t.Errorf("the xlsx template reads back as %d sheets, problems %v", len(tables), problems)
	}
}

func TestParseConfigAccess(t *testing.T) {
	t.Setenv("PORT", "8080")
	c, err := parseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Access.Env != envProduction || c.Access.GraphiQL || c.Access.Introspection || c.Access.Suggestions {
		t.Errorf("a bare serve is not production with everything off: %+v", c.Access)
	}
	t.Setenv("ACTORGRAPH_ENV", "development")
	if c, err = parseConfig(nil); err != nil || !c.Access.GraphiQL || !c.Access.Introspection || !c.Access.Suggestions {
		t.Errorf("development: %v %+v", err, c.Access)
	}
	t.Setenv("ACTORGRAPH_INTROSPECTION", "false")
	if c, err = parseConfig(nil); err != nil || c.Access.Introspection || !c.Access.GraphiQL {
		t.Errorf("development without introspection: %v %+v", err, c.Access)
	}
	t.Setenv("ACTORGRAPH_INTROSPECTION", "")
	t.Run("JWTs configured", func(t *testing.T) {
		t.Setenv("ACTORGRAPH_ENV", "production")
		t.Setenv("ACTORGRAPH_JWT_SECRET", strings.Repeat("s", 40))
		t.Setenv("ACTORGRAPH_JWT_ISSUER", "https://idp.example")
		t.Setenv("ACTORGRAPH_JWT_AUDIENCE", "actorgraph")
		t.Setenv("ACTORGRAPH_JWT_ROLES_CLAIM", "roles")
		c, err := parseConfig(nil)
		if err != nil || c.Access.jwt == nil || c.Access.JWT.RolesClaim != "roles" {
			t.Errorf("JWT settings: %v %+v", err, c.Access.JWT)
		}
	})
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"unknown environment":      {map[string]string{"ACTORGRAPH_ENV": "staging"}, nil, "ACTORGRAPH_ENV"},
		"development on a network": {nil, []string{"--host", "0.0.0.0"}, "loopback"},
		"short admin token":        {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_ADMIN_TOKEN": "short"}, nil, "at least 32"},
		"short link key":           {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_LINK_KEY": "x"}, nil, "ACTORGRAPH_LINK_KEY"},
		"short JWT secret": {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_JWT_SECRET": "x",
			"ACTORGRAPH_JWT_ISSUER": "https://idp.example", "ACTORGRAPH_JWT_AUDIENCE": "actorgraph"}, nil, "32"},
		"JWT secret without audience": {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_JWT_SECRET": strings.Repeat("s", 40),
			"ACTORGRAPH_JWT_ISSUER": "https://idp.example"}, nil, "AUDIENCE"},
		"JWKS without issuer":       {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_JWKS_FILE": "/nonexistent.json"}, nil, "ISSUER"},
		"wildcard CORS":             {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_CORS_ORIGINS": "*"}, nil, "*"},
		"bad boolean":               {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_GRAPHIQL": "maybe"}, nil, "ACTORGRAPH_GRAPHIQL"},
		"negative rate limit":       {map[string]string{"ACTORGRAPH_ENV": "production"}, []string{"--rate-limit", "-1"}, "rate"},
		"admin token from bad file": {map[string]string{"ACTORGRAPH_ENV": "production", "ACTORGRAPH_ADMIN_TOKEN_FILE": "/nonexistent"}, nil, "ACTORGRAPH_ADMIN_TOKEN_FILE"},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			_, err := parseConfig(c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error about %q", err, c.want)
			}
		})
	}
}
