package errs

import (
	"encoding/json"
	"net/http"
)

// Body is the JSON an error answer carries, inside GraphQL or outside it:
// the shape of a GraphQL response with errors, so that a client reads
// extensions.code the same way from /graphql, /export and a refusal by a
// middleware.
type Body struct {
	Errors []BodyError `json:"errors"`
}

// BodyError is one error of a Body.
type BodyError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// WriteHTTP answers an HTTP request with err: its kind's status and code
// and the message Public allows. An Unauthenticated answer says how to
// authenticate (WWW-Authenticate), as RFC 6750 asks. Headers a kind
// needs beyond that (Retry-After) are the caller's to set first.
func WriteHTTP(w http.ResponseWriter, err error) {
	kind := KindOf(err)
	msg, field := Public(err)
	ext := map[string]any{"code": kind.Code()}
	if field != "" {
		ext["field"] = field
	}
	if kind == Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="actorgraph"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(kind.HTTPStatus())
	_ = json.NewEncoder(w).Encode(Body{Errors: []BodyError{{Message: msg, Extensions: ext}}})
}
