// Package errs is ActorGraph's one error type, after upspin's errors package:
// every error that crosses a package boundary carries the operation that
// failed and a Kind that says what a client can do about it. The GraphQL
// error presenter maps Kind to extensions.code in exactly one place
// (resolvers/errors.go); nothing else decides what a client sees.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// Internal is a bug or an unexpected failure: the client sees only a
	// generic message, the log sees the details.
	Internal Kind = iota
	// Invalid means the caller's input is wrong; the message says how.
	Invalid
	// NotFound means an id names nothing the caller can see.
	NotFound
	// Conflict means the input clashes with stored data (a duplicate externalId).
	Conflict
	// Unavailable means a dependency (Neo4j) cannot be reached; retrying later may work.
	Unavailable
	// Permission means the caller may not do this.
	Permission
	// Unauthenticated means the request carries no valid credentials.
	Unauthenticated
	// RateLimited means the caller sent too many requests; retry later.
	RateLimited
)

// Code is the machine-readable code clients branch on (extensions.code).
func (k Kind) Code() string {
	switch k {
	case Invalid:
		return "BAD_USER_INPUT"
	case NotFound:
		return "NOT_FOUND"
	case Conflict:
		return "CONFLICT"
	case Unavailable:
		return "SERVICE_UNAVAILABLE"
	case Permission:
		return "FORBIDDEN"
	case Unauthenticated:
		return "UNAUTHENTICATED"
	case RateLimited:
		return "RATE_LIMITED"
	default:
		return "INTERNAL_SERVER_ERROR"
	}
}

func (k Kind) String() string { return strings.ToLower(strings.ReplaceAll(k.Code(), "_", " ")) }

// Error is the error type used across ActorGraph.
type Error struct {
	Op    string // the operation that failed, e.g. "store.CreateActor"
	Kind  Kind
	Field string // the input field at fault, for Invalid errors (e.g. "strength")
	Msg   string // a message a person understands; safe to show to the client
	Err   error  // the underlying error; never shown to the client
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Msg != "" {
		b.WriteString(e.Msg)
	} else {
		b.WriteString(e.Kind.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
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

// Wrap attaches an operation to err, keeping its kind and message if it is
// already an *Error, and marking it Internal otherwise.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Op: op, Kind: e.Kind, Field: e.Field, Msg: e.Msg, Err: err}
	}
	return &Error{Op: op, Kind: Internal, Err: err}
}

// KindOf reports the kind of err: Internal for errors that are not *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// Public returns the message and field a client may see for err: the
// innermost *Error's message for client-facing kinds, a generic text for
// Internal and Unavailable ones.
func Public(err error) (msg, field string) {
	var e *Error
	if !errors.As(err, &e) {
		return "internal error", ""
	}
	switch e.Kind {
	case Internal:
		return "internal error", ""
	case Unavailable:
		if e.Msg != "" {
			return e.Msg, ""
		}
		return "the database is unavailable; try again shortly", ""
	}
	if e.Msg == "" {
		return e.Kind.String(), e.Field
	}
	return e.Msg, e.Field
}
