package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// Size and time limits of requests. Ordinary requests are small and
// quick; imports, which upload files through GraphQL multipart requests,
// and exports need more room and time, and get it only for that.

// preflightHeader must be on every multipart request: a browser cannot
// add it to a cross-site form post, so a page on another site cannot make
// a visitor's browser upload a map (CSRF). The GraphQL-over-HTTP
// community uses the same header for the same reason.
const preflightHeader = "GraphQL-Require-Preflight"

// withLimits bounds every request's body and running time; imports
// (multipart uploads) and exports have limits of their own.
func withLimits(cfg config.HTTP, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maxBytes, timeout := cfg.MaxBodyBytes, cfg.RequestTimeout
		switch {
		case isUpload(r):
			if err := checkUpload(cfg, r); err != nil {
				errs.WriteHTTP(w, err)
				return
			}
			maxBytes, timeout = cfg.ImportMaxBytes, cfg.TransferTimeout
			r = markUpload(r)
		case strings.HasPrefix(r.URL.Path, "/export/"):
			timeout = cfg.TransferTimeout
		}
		if maxBytes > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		}
		if maxBytes > 0 && r.Method == http.MethodPost && !isUpload(r) {
			// Read the (small) body here, so that one over the limit gets
			// a 413 with a code rather than gqlgen's uncoded decode error.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				errs.WriteHTTP(w, errs.E("bodyLimit", errs.TooLarge,
					fmt.Sprintf("the request body is larger than %s (--max-body-bytes)", byteSize(maxBytes))))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if timeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// isUpload says whether r is a GraphQL multipart request (an import).
func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// checkUpload refuses multipart requests without the preflight header,
// without a length, or larger than the import limit.
func checkUpload(cfg config.HTTP, r *http.Request) error {
	const op = "upload"
	if r.Header.Get(preflightHeader) == "" {
		return errs.E(op, errs.PreflightRequired, "multipart requests (imports) must carry the header "+preflightHeader+": 1")
	}
	if r.ContentLength < 0 {
		// Without a length, gqlgen keeps the whole upload in memory
		// rather than spooling it to a temporary file.
		return errs.E(op, errs.LengthRequired, "uploads must say their length (Content-Length); chunked uploads are not taken")
	}
	if cfg.ImportMaxBytes > 0 && r.ContentLength > cfg.ImportMaxBytes {
		return errs.E(op, errs.TooLarge, fmt.Sprintf("the upload is %s; imports take at most %s (the operator sets this with --import-max-bytes)",
			byteSize(r.ContentLength), byteSize(cfg.ImportMaxBytes)))
	}
	return nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

type uploadKey struct{}

// markUpload notes in the request's context that it is an upload, which
// runs under the transfer limits.
func markUpload(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), uploadKey{}, true))
}

// onlyImportsInUploads refuses any operation but importActorMap in a
// multipart request: the larger limits of uploads are for imports, not
// for a slow query sent as multipart.
func onlyImportsInUploads(ctx context.Context, oc *graphql.OperationContext) *graphql.Response {
	if up, _ := ctx.Value(uploadKey{}).(bool); !up || oc.Operation == nil {
		return nil
	}
	// Exactly one importActorMap (each would be a whole import of the
	// same upload), beside nothing but __typename.
	imports, ok := 0, oc.Operation.Operation == ast.Mutation
	for _, sel := range oc.Operation.SelectionSet {
		f, isField := sel.(*ast.Field)
		switch {
		case isField && f.Name == "importActorMap":
			imports++
		case !isField || f.Name != "__typename":
			ok = false
		}
	}
	if ok && imports == 1 {
		return nil
	}
	return errorResponse(errs.E("upload", errs.BadRequest, "multipart requests may only run the importActorMap mutation; send other operations as JSON"))
}
