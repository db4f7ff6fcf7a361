package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/actorgraph/actorgraph/auth"
)

// loadAccess reads the access section from the environment only: every
// value in it is a secret or names where one is.
func loadAccess(env Env) (Access, error) {
	var c Access
	var err error
	if c.AdminToken, err = secret(env, "ACTORGRAPH_ADMIN_TOKEN"); err != nil {
		return c, err
	}
	if c.AdminToken != "" && len(c.AdminToken) < auth.MinAdminTokenLen {
		return c, fmt.Errorf("ACTORGRAPH_ADMIN_TOKEN must be at least %d characters (try: openssl rand -base64 32)", auth.MinAdminTokenLen)
	}
	jwtSecret, err := secret(env, "ACTORGRAPH_JWT_SECRET")
	if err != nil {
		return c, err
	}
	str := func(k string) string { v, _ := env(k); return v }
	c.JWT = auth.JWTConfig{JWKSFile: str("ACTORGRAPH_JWKS_FILE"), Issuer: str("ACTORGRAPH_JWT_ISSUER"),
		Audience: str("ACTORGRAPH_JWT_AUDIENCE"), RolesClaim: str("ACTORGRAPH_JWT_ROLES_CLAIM")}
	if jwtSecret != "" {
		c.JWT.Secret = []byte(jwtSecret)
	}
	if c.JWT.Enabled() && (c.JWT.Issuer == "" || c.JWT.Audience == "") {
		// An identity provider signs tokens for every application it
		// serves with the same keys: without both checks, a token meant for
		// another application would open this one.
		return c, fmt.Errorf("to accept JWTs, set ACTORGRAPH_JWT_ISSUER and ACTORGRAPH_JWT_AUDIENCE: the service checks both in every token")
	}
	if c.JWT.Enabled() {
		// Built here only to refuse a bad secret or JWKS file at once,
		// before start-up waits for Neo4j; the HTTP layer builds its own.
		if _, err := auth.NewJWTVerifier(c.JWT); err != nil {
			return c, err
		}
	}
	key, err := secret(env, "ACTORGRAPH_LINK_KEY")
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

// setEnvDefaults sets GraphiQL, introspection and suggestions: on in
// development, off in production, each overridable by its variable.
func (g *GraphQL) setEnvDefaults(env Env, dev bool) error {
	for _, b := range []struct {
		key string
		dst *bool
	}{{"ACTORGRAPH_GRAPHIQL", &g.GraphiQL}, {"ACTORGRAPH_INTROSPECTION", &g.Introspection}, {"ACTORGRAPH_SUGGESTIONS", &g.Suggestions}} {
		v, err := boolean(env, b.key, dev)
		if err != nil {
			return err
		}
		*b.dst = v
	}
	return nil
}

// secret reads a secret from KEY, or from the file named by KEY_FILE (for
// secrets mounted as files).
func secret(env Env, key string) (string, error) {
	if v, _ := env(key); v != "" {
		return v, nil
	}
	if path, _ := env(key + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("reading %s_FILE: %w", key, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

func boolean(env Env, key string, def bool) (bool, error) {
	v, _ := env(key)
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "1", "true", "on", "yes":
		return true, nil
	case "0", "false", "off", "no":
		return false, nil
	}
	return false, fmt.Errorf("%s must be true or false, not %q", key, v)
}
