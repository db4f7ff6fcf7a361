package config

import (
	"strings"
	"testing"
)

func TestParseCORSOrigins(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    []string
		wantErr string // part of the message; "" for none
	}{
		{in: "https://a.org,http://localhost:3000", want: []string{"https://a.org", "http://localhost:3000"}},
		{in: " https://a.org , , http://localhost:3000 ,", want: []string{"https://a.org", "http://localhost:3000"}},
		{in: "", want: nil},
		{in: "  ", want: nil},
		{in: "https://Map.Example.ORG:443/", want: []string{"https://map.example.org"}},
		{in: "HTTP://a.org:80,http://a.org", want: []string{"http://a.org"}},
		{in: "https://a.org:8443", want: []string{"https://a.org:8443"}},
		{in: "http://[::1]:3000,http://[::1]", want: []string{"http://[::1]:3000", "http://[::1]"}},
		{in: "http://127.0.0.1:5173", want: []string{"http://127.0.0.1:5173"}},
		{in: "*", wantErr: `"*" (every origin) is not accepted: the API takes bearer tokens, so name each origin`},
		{in: "https://a.org,*", wantErr: `CORS origin "*": "*" (every origin) is not accepted`},
		{in: "https://*.a.org", wantErr: "wildcards are not accepted"},
		{in: "a.org", wantErr: `CORS origin "a.org": not an origin: it needs a scheme, e.g. https://a.org`},
		{in: "https://a.org/path", wantErr: `CORS origin "https://a.org/path": an origin has no path, query or fragment: use https://a.org`},
		{in: "https://a.org?x=1", wantErr: "an origin has no path, query or fragment"},
		{in: "https://a.org#top", wantErr: "an origin has no path, query or fragment"},
		{in: "ftp://x", wantErr: `CORS origin "ftp://x": scheme "ftp" is not accepted: an origin is http:// or https://`},
		{in: "null", wantErr: "not an origin"},
		{in: "https://", wantErr: "no host"},
		{in: "https://user:pw@a.org", wantErr: "no user or password"},
		{in: "https://a.org:port", wantErr: "not an origin"},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseCORSOrigins(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("ParseCORSOrigins(%q) = %q, %v; want an error with %q", c.in, got, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCORSOrigins(%q): %v", c.in, err)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") || len(got) != len(c.want) {
				t.Errorf("ParseCORSOrigins(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// Whatever an operator writes in ACTORGRAPH_CORS_ORIGINS, the parser never
// panics, and what it accepts are exact origins: a scheme, a host, no
// path, no wildcard, each parsing again to itself.
func FuzzParseCORSOrigins(f *testing.F) {
	for _, s := range []string{"https://a.org,http://localhost:3000", "*", "a.org", "https://a.org/path", "ftp://x", "https://*.a.org", "HTTPS://A.ORG:443/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		origins, err := ParseCORSOrigins(s)
		if err != nil {
			return
		}
		for _, o := range origins {
			again, err := parseCORSOrigin(o)
			if err != nil || again != o || strings.Contains(o, "*") || strings.Count(o, "/") != 2 ||
				!(strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://")) {
				t.Fatalf("%q accepted as origin %q (again: %q, %v)", s, o, again, err)
			}
		}
	})
}
