package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// Imports are authorised before their files are read.
//
// gqlgen's multipart transport reads an upload's files (spooling large
// ones to disk) before any resolver runs, so importActorMap's own check
// came only after a caller without the right to import had sent, and the
// service had stored, the whole upload. The GraphQL multipart request
// spec sends the operations part first; withAuthorizedUploads reads only
// that part (at most --max-body-bytes), finds the workspace the import
// targets, and asks auth.RequireImport, the rule importActorMap itself
// applies. A caller who may not import is answered there, FORBIDDEN or
// NOT_FOUND as the resolver would answer, and the rest of the upload is
// never read. Only then does the upload get its transfer deadlines.

// operationsSlack is room, beyond --max-body-bytes, for the part's
// headers and for what the multipart reader reads ahead of them.
const operationsSlack = 16 << 10

// withAuthorizedUploads checks, for each multipart request, that its
// operations part is one importActorMap its caller may run, before the
// transport behind it reads the files; the bytes it read are handed on
// unchanged. It runs after authentication (the caller is in the context).
// The operation's shape and cost are checked there too (check), so that
// an import whose query the limits refuse is refused before its files
// are read, not after gqlgen has spooled them.
func withAuthorizedUploads(cfg config.HTTP, maxTokens int, check *opCheck, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isUpload(r) {
			next.ServeHTTP(w, r)
			return
		}
		ops, body, err := readOperations(r, cfg.MaxBodyBytes)
		if err == nil {
			err = authorizeImport(r, ops, maxTokens)
		}
		if err != nil {
			errs.WriteHTTP(w, err)
			return
		}
		if refused := precheckUpload(check, ops); refused != nil {
			writeGraphQLError(w, refused)
			return
		}
		// The files get --transfer-timeout to arrive, as a read deadline
		// on the connection; but not when they have all arrived already
		// (a small upload, read whole with its operations part). net/http
		// then reads on in the background, to see a client that goes
		// away, and a deadline passing during that read would cancel the
		// connection's context: every later request on the kept-alive
		// connection would start cancelled, and answer at once that it
		// ran out of time. (net/http clears the deadline itself when it
		// starts that read, which it does at the body's end.)
		allowTransfer(w, cfg, !body.ended())
		timed := &timedBody{ReadCloser: body}
		r.Body = timed
		next.ServeHTTP(&uploadTimeoutWriter{ResponseWriter: w, body: timed}, r)
	})
}

// precheckUpload runs the operation pre-check on an upload's operations
// part (already read, and known to be a JSON GraphQL request), as gqlgen
// will run it once the files are in.
func precheckUpload(check *opCheck, ops []byte) *gqlerror.Error {
	if check == nil {
		return nil
	}
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	dec := json.NewDecoder(bytes.NewReader(ops))
	dec.UseNumber() // as gqlgen's multipart transport decodes it
	if dec.Decode(&req) != nil {
		return nil // authorizeImport has refused it already
	}
	refused, _ := check.check(req.Query, req.OperationName, req.Variables)
	return refused
}

// writeGraphQLError answers with one GraphQL error and no data, as gqlgen
// answers an operation its limits refuse (200, the code in extensions).
func writeGraphQLError(w http.ResponseWriter, e *gqlerror.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": gqlerror.List{e}})
}

// errUploadTimeout answers an authorised upload whose files did not
// arrive within --transfer-timeout.
var errUploadTimeout = errs.E("upload", errs.Timeout, "the upload's files did not arrive within --transfer-timeout")

// timedBody notes whether reading the body ran past its read deadline.
type timedBody struct {
	io.ReadCloser
	timedOut bool // read and written on the handler's goroutine only
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		b.timedOut = true
	}
	return n, err
}

// uploadTimeoutWriter answers REQUEST_TIMEOUT in place of the uncoded
// error gqlgen's transport gives when an upload's body stops arriving.
type uploadTimeoutWriter struct {
	http.ResponseWriter
	body     *timedBody
	answered bool // the timeout's answer is written; what follows is dropped
}

func (u *uploadTimeoutWriter) WriteHeader(code int) {
	if u.replaced() {
		return
	}
	u.ResponseWriter.WriteHeader(code)
}

func (u *uploadTimeoutWriter) Write(b []byte) (int, error) {
	if u.replaced() {
		return len(b), nil
	}
	return u.ResponseWriter.Write(b)
}

// replaced writes the timeout's answer, once, if the body timed out, and
// reports whether it did.
func (u *uploadTimeoutWriter) replaced() bool {
	if !u.answered && u.body.timedOut {
		u.answered = true
		errs.WriteHTTP(u.ResponseWriter, errUploadTimeout)
	}
	return u.answered
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (u *uploadTimeoutWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// authorizeImport finds the workspace the operations target and asks
// whether the caller may import into it.
func authorizeImport(r *http.Request, ops []byte, maxTokens int) error {
	ws, err := importWorkspace(ops, maxTokens)
	if err != nil {
		return err
	}
	return auth.RequireImport(r.Context(), "importActorMap", ws)
}

// readOperations reads r's first multipart part, which must be
// "operations", reading at most about maxBytes of the body, and returns
// it with a body that replays what was read, then the rest.
func readOperations(r *http.Request, maxBytes int64) ([]byte, replayBody, error) {
	const op = "upload"
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if params["boundary"] == "" {
		return nil, replayBody{}, errs.E(op, errs.BadRequest, "the multipart request has no boundary in its Content-Type")
	}
	if maxBytes <= 0 {
		maxBytes = 1 << 20
	}
	limit := maxBytes + operationsSlack
	var seen bytes.Buffer
	end := &endReader{r: r.Body}
	mr := multipart.NewReader(io.TeeReader(io.LimitReader(end, limit), &seen), params["boundary"])
	part, err := mr.NextPart()
	if err == nil && part.FormName() != "operations" {
		return nil, replayBody{}, errs.E(op, errs.BadRequest, "the first part of an upload must be operations, the GraphQL request (the GraphQL multipart request spec)")
	}
	var ops []byte
	if err == nil {
		ops, err = io.ReadAll(io.LimitReader(part, maxBytes+1))
	}
	if err != nil || int64(len(ops)) > maxBytes {
		return nil, replayBody{}, operationsError(err, int64(len(ops)) > maxBytes || int64(seen.Len()) >= limit, maxBytes)
	}
	return ops, replayBody{Reader: io.MultiReader(&seen, r.Body), Closer: r.Body, end: end}, nil
}

// endReader notes whether its reader has come to its end.
type endReader struct {
	r   io.Reader
	eof bool
}

func (e *endReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}

// operationsError says why the operations part could not be read.
func operationsError(err error, overLimit bool, maxBytes int64) error {
	const op = "upload"
	var tooLarge *http.MaxBytesError
	switch {
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		return errs.E(op, errs.Timeout, "the upload's operations part did not arrive within --read-timeout")
	case overLimit || errors.As(err, &tooLarge):
		return errs.E(op, errs.TooLarge, fmt.Sprintf("the upload's operations part is larger than %s (--max-body-bytes)", byteSize(maxBytes)))
	}
	return &errs.Error{Op: op, Kind: errs.BadRequest, Err: err,
		Msg: "the upload is not a GraphQL multipart request: its first part must be operations, the GraphQL request"}
}

// replayBody is a request body whose start was read already.
type replayBody struct {
	io.Reader
	io.Closer
	end *endReader // the request's body, as read for the start
}

// ended says whether the request's body was read to its end with the
// start: nothing more is to arrive.
func (b replayBody) ended() bool { return b.end != nil && b.end.eof }

// importWorkspace reads the operations of an upload (a JSON GraphQL
// request) and returns the workspace its importActorMap targets.
func importWorkspace(ops []byte, maxTokens int) (string, error) {
	const op = "upload"
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	dec := json.NewDecoder(bytes.NewReader(ops))
	dec.UseNumber() // an ID may be sent as a number
	if err := dec.Decode(&req); err != nil {
		return "", errs.E(op, errs.BadRequest, "the upload's operations part is not a JSON GraphQL request")
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: req.Query}, maxTokens)
	if err != nil {
		msg := err.Error()
		var gerr *gqlerror.Error
		if errors.As(err, &gerr) {
			msg = gerr.Message
		}
		return "", errs.E(op, errs.BadRequest, "the upload's query is not GraphQL: "+msg)
	}
	chosen := chosenOperation(doc, req.OperationName)
	f := importField(chosen)
	if f == nil {
		return "", errOnlyImports
	}
	ws, ok := workspaceArgument(chosen, f, req.Variables)
	if !ok {
		return "", errs.E(op, errs.BadRequest, "importActorMap's workspace must be given, as an ID")
	}
	return ws, nil
}

// chosenOperation is the operation a request runs: the one it names, or
// its only one; nil if there is none such.
func chosenOperation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name != "" {
		return doc.Operations.ForName(name)
	}
	if len(doc.Operations) == 1 {
		return doc.Operations[0]
	}
	return nil
}

// workspaceArgument is the value of f's workspace argument: a literal, or
// a variable's value (or its default in op).
func workspaceArgument(op *ast.OperationDefinition, f *ast.Field, vars map[string]any) (string, bool) {
	a := f.Arguments.ForName("workspace")
	if a == nil || a.Value == nil {
		return "", false
	}
	v := a.Value
	if v.Kind == ast.Variable {
		if x, ok := vars[v.Raw]; ok {
			return idString(x)
		}
		def := op.VariableDefinitions.ForName(v.Raw)
		if def == nil || def.DefaultValue == nil {
			return "", false
		}
		v = def.DefaultValue
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue, ast.IntValue:
		return v.Raw, true
	}
	return "", false
}

// idString reads an ID variable as GraphQL does: a string, or an integer.
func idString(x any) (string, bool) {
	switch x := x.(type) {
	case string:
		return x, true
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return x.String(), true
		}
	}
	return "", false
}
