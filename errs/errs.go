// Package errs is ActorGraph's one error type, after upspin's errors
// package: every error that crosses a package boundary carries the
// operation that failed and a Kind that says what a client can do about it.
//
// This package is also the one home of what clients see of an error:
// every code the service answers (extensions.code in GraphQL, the same
// field in every HTTP error body) is a Kind's Code, every HTTP status an
// error answers with is its Kind's HTTPStatus, and Public decides which
// words leave the service. The GraphQL error presenter
// (resolvers.ErrorPresenter) and WriteHTTP, for answers outside GraphQL,
// are the two places that use them; nothing else decides what a client
// sees.
package errs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// Other is the zero Kind: unspecified. An error of kind Other takes
	// the kind of the error it wraps (so that adding an operation to an
	// error never changes what the client is told), or Internal when it
	// wraps nothing that has a kind.
	Other Kind = iota
	// Internal is a bug or an unexpected failure: the client sees only a
	// generic message, the log sees the details.
	Internal
	// Invalid means the caller's input is wrong; the message says how.
	Invalid
	// NotFound means an id names nothing the caller can see.
	NotFound
	// Conflict means the input clashes with stored data (a duplicate externalId).
	Conflict
	// Unavailable means a dependency (Neo4j) cannot be reached, or the
	// request ran out of time; retrying later may work.
	Unavailable
	// Permission means the caller may not do this.
	Permission
	// Unauthenticated means the request carries no valid credentials.
	Unauthenticated
	// RateLimited means the caller sent too many requests; retry later.
	RateLimited
	// TooLarge means the request's body or upload is larger than the
	// service takes.
	TooLarge
	// BadRequest means the request is not one the service takes in this
	// form: an operation other than an import in a multipart request, a
	// body that is not JSON, a content type the API does not read.
	BadRequest
	// PreflightRequired means a multipart request (an import) came without
	// the GraphQL-Require-Preflight header, as a cross-site form would.
	PreflightRequired
	// LengthRequired means an upload did not say its length.
	LengthRequired
	// QueryTooDeep means a GraphQL operation nests deeper than allowed.
	QueryTooDeep
	// TooManyAliases means a GraphQL operation uses more aliases than allowed.
	TooManyAliases
	// TooComplex means a GraphQL operation would cost more than allowed.
	TooComplex
	// QueryTooLarge means a GraphQL operation selects more fields than
	// allowed, in one selection set or in all, counting each fragment
	// spread as the fields it expands to.
	QueryTooLarge
	// IntrospectionDisabled means an operation asked for the schema
	// (__schema, __type) where introspection is off.
	IntrospectionDisabled
	// AnalysisLimit means an analysis needs more work than one request
	// may do (its work budget); narrow it (fewer hops, a higher
	// threshold, one community) and retry.
	AnalysisLimit
	// Timeout means a request's body did not arrive in the time allowed.
	Timeout
)

// kinds lists every Kind with its code and HTTP status: the one mapping
// from kind to what a client sees.
var kinds = map[Kind]struct {
	code   string
	status int
}{
	Internal:          {"INTERNAL_SERVER_ERROR", http.StatusInternalServerError},
	Invalid:           {"BAD_USER_INPUT", http.StatusBadRequest},
	NotFound:          {"NOT_FOUND", http.StatusNotFound},
	Conflict:          {"CONFLICT", http.StatusConflict},
	Unavailable:       {"SERVICE_UNAVAILABLE", http.StatusServiceUnavailable},
	Permission:        {"FORBIDDEN", http.StatusForbidden},
	Unauthenticated:   {"UNAUTHENTICATED", http.StatusUnauthorized},
	RateLimited:       {"RATE_LIMITED", http.StatusTooManyRequests},
	TooLarge:          {"PAYLOAD_TOO_LARGE", http.StatusRequestEntityTooLarge},
	BadRequest:        {"BAD_REQUEST", http.StatusBadRequest},
	PreflightRequired: {"PREFLIGHT_REQUIRED", http.StatusBadRequest},
	LengthRequired:    {"LENGTH_REQUIRED", http.StatusLengthRequired},
	QueryTooDeep:      {"QUERY_TOO_DEEP", http.StatusBadRequest},
	TooManyAliases:    {"TOO_MANY_ALIASES", http.StatusBadRequest},
	// The code gqlgen gives its complexity limit, kept for clients; raised by
	// httpapi's operation pre-check, which replaced gqlgen's.
	TooComplex:            {"COMPLEXITY_LIMIT_EXCEEDED", http.StatusBadRequest},
	QueryTooLarge:         {"QUERY_TOO_LARGE", http.StatusBadRequest},
	IntrospectionDisabled: {"INTROSPECTION_DISABLED", http.StatusBadRequest},
	AnalysisLimit:         {"ANALYSIS_LIMIT_EXCEEDED", http.StatusUnprocessableEntity},
	Timeout:               {"REQUEST_TIMEOUT", http.StatusRequestTimeout},
}

// Codes that gqlgen gives the errors it raises itself, before any
// resolver runs. They are listed here so that this package names every
// code a client can receive; gqlgen sets them (graphql/errcode).
const (
	CodeParseFailed      = "GRAPHQL_PARSE_FAILED"
	CodeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

// Code is the machine-readable code clients branch on (extensions.code).
// Other, which never reaches a client on its own (KindOf resolves it),
// answers as Internal.
func (k Kind) Code() string {
	if d, ok := kinds[k]; ok {
		return d.code
	}
	return kinds[Internal].code
}

// HTTPStatus is the status an HTTP answer outside GraphQL carries for
// an error of this kind.
func (k Kind) HTTPStatus() int {
	if d, ok := kinds[k]; ok {
		return d.status
	}
	return http.StatusInternalServerError
}

func (k Kind) String() string {
	if k == Other {
		return "other"
	}
	return strings.ToLower(strings.ReplaceAll(k.Code(), "_", " "))
}

// Error is the error type used across ActorGraph.
type Error struct {
	Op    string // the operation that failed, e.g. "store.CreateActor"
	Kind  Kind   // Other: the wrapped error's kind
	Field string // the input field at fault, for Invalid errors (e.g. "strength")
	Msg   string // a message a person understands; safe to show to the client
	Err   error  // the underlying error; never shown to the client
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
	}
	text := e.Msg
	if text == "" && e.Kind != Other {
		text = e.Kind.String()
	}
	for _, part := range []string{text, errText(e.Err)} {
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(part)
	}
	return b.String()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error. msg is shown to clients for every kind but Internal.
func E(op string, kind Kind, msg string) *Error {
	return &Error{Op: op, Kind: kind, Msg: msg}
}

// Invalidf builds an Invalid error about one input field.
func Invalidf(op, field, format string, args ...any) *Error {
	return &Error{Op: op, Kind: Invalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NotFoundf builds a NotFound error.
func NotFoundf(op, format string, args ...any) *Error {
	return &Error{Op: op, Kind: NotFound, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches an operation to err. It keeps err's kind, message and
// field (the wrapper's kind is Other), so an error that is not an *Error
// stays Internal.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}

// chain lists the *Errors in err's chain, outermost first.
func chain(err error) []*Error {
	var out []*Error
	for err != nil {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
		}
		err = errors.Unwrap(err)
	}
	return out
}

// KindOf reports the kind of err: that of the outermost *Error in its
// chain whose kind is not Other, and Internal when there is none.
func KindOf(err error) Kind {
	for _, e := range chain(err) {
		if e.Kind != Other {
			return e.Kind
		}
	}
	return Internal
}

// Is reports whether err is of kind k (as KindOf tells it).
func Is(err error, k Kind) bool {
	return err != nil && KindOf(err) == k
}

// Public returns the message and input field a client may see for err.
// For Internal errors that is a generic text and no field, whatever the
// chain holds: their messages may name Cypher, paths or data. For every
// other kind it is the outermost non-empty message in the chain of
// *Errors (a wrapper that says more wins over the error it wraps) and the
// outermost non-empty field; an Unavailable error without a message gets
// a generic text that says to retry, and any other kind its name.
func Public(err error) (msg, field string) {
	kind := KindOf(err)
	if kind == Internal {
		return "internal error", ""
	}
	for _, e := range chain(err) {
		if msg == "" {
			msg = e.Msg
		}
		if field == "" {
			field = e.Field
		}
	}
	if msg == "" && kind == Unavailable {
		msg = "the database is unavailable; try again shortly"
	}
	if msg == "" {
		msg = kind.String()
	}
	return msg, field
}

// Match reports whether err matches template: every field the template
// sets must agree with err. Kind is compared with KindOf(err), Msg and
// Field with what Public gives a client, Op with any operation in err's
// chain, and Err with errors.Is. It is for tests, which then pin what a
// client sees rather than how the error was built.
func Match(template *Error, err error) bool {
	if err == nil {
		return template == nil
	}
	if template.Kind != Other && KindOf(err) != template.Kind {
		return false
	}
	msg, field := Public(err)
	if template.Msg != "" && msg != template.Msg {
		return false
	}
	if template.Field != "" && field != template.Field {
		return false
	}
	if template.Op != "" && !hasOp(err, template.Op) {
		return false
	}
	return template.Err == nil || errors.Is(err, template.Err)
}

func hasOp(err error, op string) bool {
	for _, e := range chain(err) {
		if e.Op == op {
			return true
		}
	}
	return false
}

// Safe is an error whose text quotes no data (an address, a timeout, a
// refused connection), so that Trace logs it whole.
type Safe interface {
	error
	SafeText() string
}

// Trace describes err for a log line without anything that may quote the
// data it was about: the operations and kinds along its chain of *Errors,
// and the Go type of the first error that is not one (a driver's or a
// library's), whose text is left out because it may quote a value (Neo4j
// names the value that broke a constraint). Cancellations and deadlines
// are named, since they say why without quoting anything, and so is an
// error whose package vouches for its text (a Safe error: the store's
// lost connections, "dial tcp …: connection refused"). Where more is
// needed, the package that raised the error logs it knowing what is safe
// (the store logs a Neo4j error's code and statement).
func Trace(err error) string {
	var parts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		x, ok := e.(*Error)
		if s, safe := e.(Safe); safe {
			return strings.Join(append(parts, s.SafeText()), ": ")
		}
		switch {
		case ok && x.Kind != Other:
			parts = append(parts, strings.TrimSpace(x.Op+" ("+x.Kind.String()+")"))
		case ok && x.Op != "":
			parts = append(parts, x.Op)
		case ok:
		case e == context.Canceled || e == context.DeadlineExceeded:
			parts = append(parts, e.Error())
		default:
			parts = append(parts, fmt.Sprintf("%T", e))
		}
	}
	return strings.Join(parts, ": ")
}
