package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

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
//
// The request's deadline (--request-timeout, or --transfer-timeout for
// imports and exports) is set before its body is read, so reading counts
// toward it. The body itself must arrive within --read-timeout, a read
// deadline on the connection: a client that announces a body and sends it
// slowly, or never, is answered REQUEST_TIMEOUT then, and its connection
// closed. An import's files get --transfer-timeout to arrive, but only
// once the caller is known to be allowed to import (allowTransfer, from
// withAuthorizedUploads); until then an upload is read like any request.
func withLimits(cfg config.HTTP, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maxBytes, timeout := cfg.MaxBodyBytes, cfg.RequestTimeout
		upload := isUpload(r)
		switch {
		case upload:
			if err := checkUpload(cfg, r); err != nil {
				errs.WriteHTTP(w, err)
				return
			}
			maxBytes, timeout = cfg.ImportMaxBytes, cfg.TransferTimeout
			r = markUpload(r)
		case strings.HasPrefix(r.URL.Path, "/export/"):
			timeout = cfg.TransferTimeout
			allowTransfer(w, cfg, false)
		}
		if timeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		setBodyDeadline(w, r, cfg.ReadTimeout)
		if maxBytes > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
		}
		if r.Method == http.MethodPost && !upload {
			// Read the (small) body here, so that one over the limit gets
			// a 413 with a code rather than gqlgen's uncoded decode error,
			// and one too slow a 408.
			body, err := readBody(r.Body, maxBytes, cfg.ReadTimeout)
			if err != nil {
				errs.WriteHTTP(w, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// setBodyDeadline gives r's body read timeout to arrive, counted from
// now. A request without a body gets no read deadline: the server is
// already waiting, without one, for the client to go away, and a deadline
// passing there would cancel the request as if it had.
func setBodyDeadline(w http.ResponseWriter, r *http.Request, timeout time.Duration) {
	if timeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		return
	}
	// Not every ResponseWriter has deadlines (a test's recorder has none);
	// the server's own ReadTimeout then still bounds the body.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
}

// allowTransfer gives an export, or an import whose caller may import,
// the time a transfer needs: its upload may arrive for --transfer-timeout
// (upload), and its answer may be written until --transfer-timeout and
// then --write-timeout have passed, since it is written while, or after,
// the transfer runs. With --write-timeout off there is no write deadline
// to move; with --transfer-timeout off, transfers get none.
func allowTransfer(w http.ResponseWriter, cfg config.HTTP, upload bool) {
	rc := http.NewResponseController(w)
	var read, write time.Time // zero: no deadline
	if cfg.TransferTimeout > 0 {
		now := time.Now()
		read, write = now.Add(cfg.TransferTimeout), now.Add(cfg.TransferTimeout+cfg.WriteTimeout)
	}
	if upload {
		_ = rc.SetReadDeadline(read)
	}
	if cfg.WriteTimeout > 0 {
		_ = rc.SetWriteDeadline(write)
	}
}

// readBody reads an ordinary request's body, answering for the two ways
// it can fail: too large (413), or too slow (408: the read deadline set
// by setBodyDeadline passed).
func readBody(body io.Reader, maxBytes int64, readTimeout time.Duration) ([]byte, error) {
	const op = "bodyLimit"
	b, err := io.ReadAll(body)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &tooLarge):
		return nil, errs.E(op, errs.TooLarge, fmt.Sprintf("the request body is larger than %s (--max-body-bytes)", byteSize(maxBytes)))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, errs.E(op, errs.Timeout, fmt.Sprintf("the request body did not arrive within %v (--read-timeout); send it at once", readTimeout))
	}
	return nil, &errs.Error{Op: op, Kind: errs.BadRequest, Msg: "the request body could not be read", Err: err}
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

// errOnlyImports refuses a multipart request that runs anything but one
// importActorMap.
var errOnlyImports = errs.E("upload", errs.BadRequest, "multipart requests may only run the importActorMap mutation; send other operations as JSON")

// onlyImportsInUploads refuses any operation but importActorMap in a
// multipart request: the larger limits of uploads are for imports, not
// for a slow query sent as multipart. withAuthorizedUploads refuses these
// before the files are read; this is the same rule where gqlgen has
// parsed the operation itself.
func onlyImportsInUploads(ctx context.Context, oc *graphql.OperationContext) *graphql.Response {
	if up, _ := ctx.Value(uploadKey{}).(bool); !up || oc.Operation == nil {
		return nil
	}
	if importField(oc.Operation) != nil {
		return nil
	}
	return errorResponse(errOnlyImports)
}

// importField is the importActorMap field of op when op is a mutation of
// exactly one importActorMap (each would be a whole import of the same
// upload), beside nothing but __typename; nil otherwise.
func importField(op *ast.OperationDefinition) *ast.Field {
	if op == nil || op.Operation != ast.Mutation {
		return nil
	}
	var found *ast.Field
	for _, sel := range op.SelectionSet {
		f, isField := sel.(*ast.Field)
		switch {
		case isField && f.Name == "importActorMap" && found == nil:
			found = f
		case !isField || f.Name != "__typename":
			return nil
		}
	}
	return found
}
