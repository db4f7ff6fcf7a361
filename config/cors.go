package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ParseCORSOrigins reads a comma-separated list of origins, such as
// "https://map.example.org,http://localhost:3000". Each must be an exact
// origin: http or https, a host, an optional port, and no path, query,
// fragment or user. A trailing "/" is tolerated (it is how browsers show
// an origin's home page). Origins come back as browsers send them in
// Origin: scheme and host in lower case, without a default port
// (https://Map.Example.org:443 becomes https://map.example.org).
// Empty entries are ignored; an empty or blank string gives no origins.
func ParseCORSOrigins(s string) ([]string, error) {
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
