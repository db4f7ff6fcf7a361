package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
)

// Transfers: the HTTP export of a workspace, and the limits of imports,
// which upload files through GraphQL multipart requests and so need more
// room and time than ordinary requests.

// preflightHeader must be on every multipart request: a browser cannot
// add it to a cross-site form post, so a page on another site cannot make
// a visitor's browser upload a map (CSRF). The GraphQL-over-HTTP
// community uses the same header for the same reason.
const preflightHeader = "GraphQL-Require-Preflight"

// isUpload says whether r is a GraphQL multipart request (an import).
func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// writeError answers a request outside GraphQL with a GraphQL-shaped error
// body, so that clients branch on extensions.code the same way.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message": msg, "extensions": map[string]any{"code": code}}}})
}

// checkUpload refuses multipart requests without the preflight header,
// without a length, or larger than the import limit.
func checkUpload(cfg config, w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get(preflightHeader) == "" {
		writeError(w, http.StatusBadRequest, "PREFLIGHT_REQUIRED",
			"multipart requests (imports) must carry the header "+preflightHeader+": 1")
		return false
	}
	if r.ContentLength < 0 {
		// Without a length, gqlgen keeps the whole upload in memory
		// rather than spooling it to a temporary file.
		writeError(w, http.StatusLengthRequired, "LENGTH_REQUIRED", "uploads must say their length (Content-Length); chunked uploads are not taken")
		return false
	}
	if cfg.ImportMaxBytes > 0 && r.ContentLength > cfg.ImportMaxBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
			fmt.Sprintf("the upload is %s; imports take at most %s (the operator sets this with --import-max-bytes)",
				byteSize(r.ContentLength), byteSize(cfg.ImportMaxBytes)))
		return false
	}
	return true
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

// exportError answers an export that failed before sending anything.
func exportError(w http.ResponseWriter, log *zap.Logger, f mapio.Format, err error) {
	status := map[errs.Kind]int{errs.NotFound: http.StatusNotFound, errs.Unavailable: http.StatusServiceUnavailable,
		errs.Invalid: http.StatusBadRequest, errs.Conflict: http.StatusConflict}[errs.KindOf(err)]
	if status == 0 {
		status = http.StatusInternalServerError
		log.Error("export failed", zap.String("format", string(f)), zap.Error(err))
	}
	msg, _ := errs.Public(err)
	writeError(w, status, errs.KindOf(err).Code(), msg)
}

// countingWriter counts what reaches the client.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// exportHandler serves GET /export/{workspace}.{format}: the workspace in
// that format, streamed, as a download. CSV is one zip of the three files.
// The request carries a bearer token of an analyst (or above) of the
// workspace, or is a signed link (createExportLink). It exports what the
// caller sees, pseudonymised with ?pseudonymize=true.
func exportHandler(st store.Store, authn *auth.Authenticator, links *auth.LinkSigner, log *zap.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		dot := strings.LastIndexByte(name, '.')
		if dot <= 0 {
			writeError(w, http.StatusNotFound, errs.NotFound.Code(), "ask for /export/{workspace}.{format}, e.g. /export/ws_123.gexf")
			return
		}
		ws := name[:dot]
		f, err := mapio.ParseFormat(name[dot+1:])
		if err != nil {
			msg, _ := errs.Public(err)
			writeError(w, http.StatusNotFound, errs.NotFound.Code(), msg)
			return
		}
		caller, pseudonymize, err := exportCaller(r, authn, links, ws, f)
		if err != nil {
			refuseUnauthenticated(w, r, err)
			return
		}
		ctx := domain.WithCaller(r.Context(), caller)
		if _, ok := caller.Grant(ws); !ok {
			writeError(w, http.StatusNotFound, errs.NotFound.Code(), fmt.Sprintf("no workspace has id %q", ws))
			return
		}
		if !caller.Can(ws, domain.Analyst) {
			writeError(w, http.StatusForbidden, errs.Permission.Code(), "exports need the ANALYST role in this workspace")
			return
		}
		contents, err := st.Contents(ctx, ws)
		if err != nil {
			exportError(w, log, f, err)
			return
		}
		if pseudonymize {
			key, err := st.PseudonymKey(ctx, ws)
			if err != nil {
				exportError(w, log, f, err)
				return
			}
			contents = domain.Pseudonymise(contents, key)
		}
		// The confidential records about to leave are audited first; no
		// record, no download.
		if err := recordConfidentialReads(ctx, st, "export "+string(f)); err != nil {
			exportError(w, log, f, err)
			return
		}
		w.Header().Set("Content-Type", f.ContentType())
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ws + "." + f.Extension()}))
		w.Header().Set("Cache-Control", "no-store") // maps are sensitive: no shared caches
		sent := &countingWriter{w: w}
		bw := bufio.NewWriterSize(sent, 64<<10)
		if err := mapio.Export(contents, f, bw); err != nil {
			if sent.n == 0 { // refused before the first byte (ambiguous keys): an error can still be the answer
				w.Header().Del("Content-Disposition")
				exportError(w, log, f, err)
				return
			}
			// Headers are gone: all that is left is to stop, so the client
			// sees a cut-off download rather than a complete-looking one.
			log.Error("export failed while streaming", zap.String("format", string(f)), zap.Error(err))
			panic(http.ErrAbortHandler)
		}
		if err := bw.Flush(); err != nil {
			log.Info("export not delivered", zap.Error(err))
		}
	}
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
	ok = ok && imports == 1
	if ok {
		return nil
	}
	return &graphql.Response{Errors: gqlerror.List{{Message: "multipart requests may only run the importActorMap mutation; send other operations as JSON",
		Extensions: map[string]any{"code": "BAD_REQUEST"}}}}
}

// exportCaller authenticates an export request: a signed link, or else a
// bearer token. It also says whether the export is to be pseudonymised.
func exportCaller(r *http.Request, authn *auth.Authenticator, links *auth.LinkSigner, ws string, f mapio.Format) (*domain.Caller, bool, error) {
	q := r.URL.Query()
	if auth.IsSigned(q) {
		return links.Verify(ws, string(f), q)
	}
	c, err := authn.Authenticate(r.Context(), auth.Bearer(r))
	if err != nil {
		return nil, false, err
	}
	c.Reads = &domain.ReadLog{}
	p := q.Get("pseudonymize")
	return c, p == "true" || p == "1", nil
}
