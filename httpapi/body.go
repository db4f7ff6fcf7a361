package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"

	"github.com/actorgraph/actorgraph/errs"
)

// withJSONBody refuses a POST to /graphql whose body the API cannot read
// (not JSON, or of a content type other than JSON or, for imports,
// multipart) with BAD_REQUEST, as every other refusal has a code. gqlgen's
// transports would answer these themselves, without a code, and repeat a
// malformed body back in the message.
func withJSONBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || isUpload(r) {
			next.ServeHTTP(w, r)
			return
		}
		const op = "graphql"
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" {
			errs.WriteHTTP(w, errs.E(op, errs.BadRequest,
				"send GraphQL requests as JSON (Content-Type: application/json), or imports as multipart/form-data"))
			return
		}
		// withLimits has read the body into memory already (within
		// --max-body-bytes), so checking it costs no second read.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			errs.WriteHTTP(w, &errs.Error{Op: op, Kind: errs.BadRequest, Msg: "the request body could not be read", Err: err})
			return
		}
		if !json.Valid(body) {
			errs.WriteHTTP(w, errs.E(op, errs.BadRequest, "the request body is not valid JSON"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
