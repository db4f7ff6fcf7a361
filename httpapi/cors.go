package httpapi

import (
	"net/http"

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
// config.ParseCORSOrigins gives it: lower case, no default port). An empty list
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
