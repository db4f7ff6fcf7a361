package httpapi

import (
	"bufio"
	"context"
	"io"
	"mime"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/mapio"
)

// exportStore is what an export reads, and where it records that
// confidential records left.
type exportStore interface {
	Contents(ctx context.Context, ws string) (*domain.Contents, error)
	PseudonymKey(ctx context.Context, ws string) ([]byte, error)
	auth.ReadRecorder
}

// exportHandler serves GET /export/{workspace}.{format}: the workspace in
// that format, streamed, as a download. CSV is one zip of the three files.
// The request carries a bearer token of an analyst (or above) of the
// workspace, or is a signed link (createExportLink). It exports what the
// caller sees, pseudonymised with ?pseudonymize=true.
func exportHandler(st exportStore, authn *auth.Authenticator, links *auth.LinkSigner, log *zap.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		const op = "export"
		ws, f, err := exportTarget(r.PathValue("file"))
		if err != nil {
			errs.WriteHTTP(w, err)
			return
		}
		caller, pseudonymize, err := exportCaller(r, authn, links, ws, f)
		if err != nil {
			errs.WriteHTTP(w, err)
			return
		}
		ctx := domain.WithCaller(r.Context(), caller)
		if err := auth.Require(ctx, op, ws, domain.Analyst); err != nil {
			errs.WriteHTTP(w, err)
			return
		}
		contents, err := st.Contents(ctx, ws)
		if err == nil && pseudonymize {
			var key []byte
			if key, err = st.PseudonymKey(ctx, ws); err == nil {
				contents = domain.Pseudonymise(contents, key)
			}
		}
		if err == nil {
			// The confidential records about to leave are audited first;
			// no record, no download.
			err = auth.FlushReads(ctx, st, "export "+string(f))
		}
		if err != nil {
			exportFailed(w, log, f, err)
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
				exportFailed(w, log, f, err)
				return
			}
			// Headers are gone: all that is left is to stop, so the client
			// sees a cut-off download rather than a complete-looking one.
			log.Error("export failed while streaming", zap.String("format", string(f)), zap.String("error", errs.Trace(err)))
			panic(http.ErrAbortHandler)
		}
		if err := bw.Flush(); err != nil {
			log.Info("export not delivered", zap.String("error", errs.Trace(err)))
		}
	}
}

// exportTarget reads "{workspace}.{format}" from an export path.
func exportTarget(name string) (string, mapio.Format, error) {
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 {
		return "", "", errs.E("export", errs.NotFound, "ask for /export/{workspace}.{format}, e.g. /export/ws_123.gexf")
	}
	f, err := mapio.ParseFormat(name[dot+1:])
	if err != nil {
		return "", "", &errs.Error{Op: "export", Kind: errs.NotFound, Err: err}
	}
	return name[:dot], f, nil
}

// exportFailed answers an export that failed before sending anything,
// and logs what a client is not told.
func exportFailed(w http.ResponseWriter, log *zap.Logger, f mapio.Format, err error) {
	if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
		log.Error("export failed", zap.String("format", string(f)), zap.String("error", errs.Trace(err)))
	}
	errs.WriteHTTP(w, err)
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

// exportCaller authenticates an export request: a signed link, or else a
// bearer token. It also says whether the export is to be pseudonymised.
func exportCaller(r *http.Request, authn *auth.Authenticator, links *auth.LinkSigner, ws string, f mapio.Format) (*domain.Caller, bool, error) {
	q := r.URL.Query()
	if auth.IsSigned(q) {
		return links.Verify(ws, string(f), q)
	}
	c, err := authn.Authenticate(r.Context(), auth.Bearer(r))
	if err != nil {
		if auth.LookedUp(err) {
			noteLookupRejected(r.Context())
		}
		return nil, false, err
	}
	noteValidCredential(r.Context())
	c.Reads = &domain.ReadLog{}
	p := q.Get("pseudonymize")
	return c, p == "true" || p == "1", nil
}
