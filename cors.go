package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"
)

// Cross-origin requests (CORS).
//
// By default the API sends no CORS headers at all: a page served from
// another origin can still send a request, but its browser will not let
// it read the answer (and will not even send a request that needs a
// preflight, such as one with an Authorization header or a JSON body).
// An operator who serves a frontend from another origin names that
// origin exactly (ACTORGRAPH_CORS_ORIGINS / --cors-origins):
//
//	ACTORGRAPH_CORS_ORIGINS=https://map.example.org,http://localhost:3000
//
// "*" is refused: an operator must name the origins it trusts. A bearer
// token is not sent by a browser on its own (it is not a cookie), so a
// wildcard would not leak tokens; but it would let any web page a user
// visits read whatever the API answers without a token, from where the
// user's browser stands (the service often listens on 127.0.0.1 or an
// intranet address that only that browser can reach), and it hides
// which frontends are meant to call the API. Wildcard patterns
// (https://*.example.org) are refused too. Credentials (cookies, client
// certificates) are never allowed: the API uses none.

// corsMaxAge is how long, in seconds, a browser may cache a preflight's
// answer.
const corsMaxAge = 600

// withCORS answers CORS for the listed origins, matched exactly (each as
// parseCORSOrigins gives it: lower case, no default port). An empty list
// adds nothing and leaves every request to next (same-origin only).
//
// withCORS must be the outermost middleware: a preflight (OPTIONS with
// Access-Control-Request-Method) carries no token and is answered here,
// 204 with the CORS headers for a listed origin and 204 without them for
// any other, and never reaches next (so neither the rate limiter,
// authentication, nor gqlgen's own OPTIONS transport sees it). Other
// OPTIONS requests go on to next as before.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		// Not cors.New with an empty list: rs/cors reads an empty list
		// as "every origin".
		return next
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	c := cors.New(cors.Options{
		// A function, not AllowedOrigins: that list treats "*" and
		// "https://*.x" as wildcards, and here every entry is exact (an
		// unvalidated "*" matches only an Origin of "*", which no
		// browser sends).
		AllowOriginFunc:  func(origin string) bool { return allowed[origin] },
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", preflightHeader, "Accept"},
		ExposedHeaders:   []string{"Retry-After"}, // not CORS-safelisted: lets a frontend read it on a 429
		AllowCredentials: false,
		MaxAge:           corsMaxAge,
		// Preflights stop here (204); gqlgen's transport.Options would
		// otherwise answer them without CORS headers.
		OptionsPassthrough: false,
	})
	return c.Handler(next)
}

// parseCORSOrigins reads a comma-separated list of origins, such as
// "https://map.example.org,http://localhost:3000". Each must be an exact
// origin: http or https, a host, an optional port, and no path, query,
// fragment or user. A trailing "/" is tolerated (it is how browsers show
// an origin's home page). Origins come back as browsers send them in
// Origin: scheme and host in lower case, without a default port
// (https://Map.Example.org:443 becomes https://map.example.org).
// Empty entries are ignored; an empty or blank string gives no origins.
func parseCORSOrigins(s string) ([]string, error) {
	var origins []string
	seen := map[string]bool{}
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		o, err := parseCORSOrigin(raw)
		if err != nil {
			return nil, fmt.Errorf("CORS origin %q: %w", raw, err)
		}
		if !seen[o] {
			seen[o] = true
			origins = append(origins, o)
		}
	}
	return origins, nil
}

func parseCORSOrigin(raw string) (string, error) {
	if raw == "*" {
		return "", fmt.Errorf(`"*" (every origin) is not accepted: the API takes bearer tokens, so name each origin allowed to call it from a browser, e.g. https://map.example.org`)
	}
	if strings.Contains(raw, "*") {
		return "", fmt.Errorf("wildcards are not accepted: name each origin exactly, e.g. https://map.example.org")
	}
	if !strings.Contains(raw, "://") {
		return "", fmt.Errorf("not an origin: it needs a scheme, e.g. https://%s", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("not an origin: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("scheme %q is not accepted: an origin is http:// or https:// and a host, e.g. https://map.example.org", u.Scheme)
	}
	if u.User != nil {
		return "", fmt.Errorf("an origin has no user or password")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("no host: an origin is %s:// and a host, e.g. %s://map.example.org", scheme, scheme)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", fmt.Errorf("an origin has no path, query or fragment: use %s://%s", scheme, u.Host)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("empty port")
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = "" // browsers leave the default port out of Origin
	}
	if port != "" {
		host = net.JoinHostPort(host, port) // brackets an IPv6 host again
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}
