package errs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEveryKindHasItsOwnCodeAndAStatus(t *testing.T) {
	t.Parallel()
	want := map[Kind]struct {
		code   string
		status int
	}{
		Internal: {"INTERNAL_SERVER_ERROR", 500}, Invalid: {"BAD_USER_INPUT", 400}, NotFound: {"NOT_FOUND", 404},
		Conflict: {"CONFLICT", 409}, Unavailable: {"SERVICE_UNAVAILABLE", 503}, Permission: {"FORBIDDEN", 403},
		Unauthenticated: {"UNAUTHENTICATED", 401}, RateLimited: {"RATE_LIMITED", 429}, TooLarge: {"PAYLOAD_TOO_LARGE", 413},
		BadRequest: {"BAD_REQUEST", 400}, PreflightRequired: {"PREFLIGHT_REQUIRED", 400}, LengthRequired: {"LENGTH_REQUIRED", 411},
		QueryTooDeep: {"QUERY_TOO_DEEP", 400}, TooManyAliases: {"TOO_MANY_ALIASES", 400}, TooComplex: {"COMPLEXITY_LIMIT_EXCEEDED", 400},
		QueryTooLarge: {"QUERY_TOO_LARGE", 400}, IntrospectionDisabled: {"INTROSPECTION_DISABLED", 400},
		AnalysisLimit: {"ANALYSIS_LIMIT_EXCEEDED", 422}, Timeout: {"REQUEST_TIMEOUT", 408},
	}
	seen := map[string]Kind{}
	for k := range kinds {
		w, ok := want[k]
		if !ok {
			t.Errorf("kind %d (%s) is not pinned by this test", k, k)
			continue
		}
		if k.Code() != w.code || k.HTTPStatus() != w.status {
			t.Errorf("%s: code %s, status %d; want %s, %d", k, k.Code(), k.HTTPStatus(), w.code, w.status)
		}
		if other, dup := seen[k.Code()]; dup {
			t.Errorf("%s and %s share the code %s", k, other, k.Code())
		}
		seen[k.Code()] = k
	}
	if len(kinds) != len(want) {
		t.Errorf("%d kinds have a code, want %d", len(kinds), len(want))
	}
	if Other.Code() != "INTERNAL_SERVER_ERROR" || Other.HTTPStatus() != 500 {
		t.Errorf("Other on its own must answer as internal, got %s %d", Other.Code(), Other.HTTPStatus())
	}
}

func TestPublicHidesInternals(t *testing.T) {
	t.Parallel()
	raw := errors.New("Neo.ClientError.Statement.SyntaxError: MATCH (a) RETURN b")
	cases := []struct {
		name      string
		err       error
		msg, kind string
	}{
		{"plain error", raw, "internal error", "INTERNAL_SERVER_ERROR"},
		{"wrapped plain error", Wrap("store.X", raw), "internal error", "INTERNAL_SERVER_ERROR"},
		{"internal with a message", &Error{Kind: Internal, Msg: "MATCH (a) failed", Err: raw}, "internal error", "INTERNAL_SERVER_ERROR"},
		{"internal around a not found", &Error{Kind: Internal, Err: NotFoundf("", "no actor has id %q", "x")}, "internal error", "INTERNAL_SERVER_ERROR"},
		{"unavailable without message", &Error{Kind: Unavailable, Err: raw}, "the database is unavailable; try again shortly", "SERVICE_UNAVAILABLE"},
		{"wrapped invalid", Wrap("op", Invalidf("", "strength", "strength must be between 0 and 1")), "strength must be between 0 and 1", "BAD_USER_INPUT"},
		{"fmt-wrapped not found", fmt.Errorf("context: %w", NotFoundf("", "no actor has id %q", "x")), `no actor has id "x"`, "NOT_FOUND"},
		{"kind without message", E("op", Conflict, ""), "conflict", "CONFLICT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, _ := Public(c.err)
			if msg != c.msg || KindOf(c.err).Code() != c.kind {
				t.Errorf("Public(%v) = %q/%s, want %q/%s", c.err, msg, KindOf(c.err).Code(), c.msg, c.kind)
			}
		})
	}
}

// The zero kind is "unspecified": a wrapper that names only its operation
// never changes what the client is told (it once turned NOT_FOUND into
// INTERNAL_SERVER_ERROR).
func TestZeroKindTakesTheInnerKind(t *testing.T) {
	t.Parallel()
	inner := NotFoundf("store.ActorsByIDs", "no actor has id %q", "a1")
	for _, err := range []error{
		&Error{Op: "resolvers.actor", Err: inner},
		Wrap("resolvers.actor", inner),
		&Error{Op: "outer", Err: fmt.Errorf("middle: %w", &Error{Op: "inner", Err: inner})},
	} {
		if !Match(&Error{Kind: NotFound, Msg: `no actor has id "a1"`}, err) {
			msg, _ := Public(err)
			t.Errorf("%v: kind %s, message %q; want NOT_FOUND and the inner message", err, KindOf(err), msg)
		}
	}
	if KindOf(&Error{Op: "x", Err: errors.New("boom")}) != Internal || KindOf(&Error{Op: "x"}) != Internal {
		t.Error("a zero kind around nothing with a kind must be internal")
	}
}

func TestAnOuterMessageOrKindWins(t *testing.T) {
	t.Parallel()
	inner := Invalidf("domain", "from", "no actor has id %q", "a1")
	outer := &Error{Op: "createRelationship", Kind: NotFound, Field: "from", Msg: `from: no actor has id "a1"`, Err: inner}
	if !Match(&Error{Kind: NotFound, Field: "from", Msg: `from: no actor has id "a1"`, Op: "domain"}, outer) {
		t.Errorf("outer kind and message must win, and the inner op stay findable: %v", outer)
	}
}

func TestWrapKeepsKindAndField(t *testing.T) {
	t.Parallel()
	err := Wrap("outer", Invalidf("inner", "name", "name must not be empty"))
	if !Is(err, Invalid) {
		t.Fatal("kind lost")
	}
	if _, field := Public(err); field != "name" {
		t.Errorf("field %q", field)
	}
	if Wrap("x", nil) != nil {
		t.Error("Wrap(nil) must be nil")
	}
	if got := err.Error(); got != "outer: inner: name must not be empty" {
		t.Errorf("Error() = %q", got)
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	sentinel := errors.New("sentinel")
	err := Wrap("outer", &Error{Op: "inner", Kind: Invalid, Field: "name", Msg: "name must not be empty", Err: sentinel})
	cases := []struct {
		template *Error
		want     bool
	}{
		{&Error{}, true},
		{&Error{Kind: Invalid}, true},
		{&Error{Kind: NotFound}, false},
		{&Error{Op: "inner"}, true},
		{&Error{Op: "outer"}, true},
		{&Error{Op: "elsewhere"}, false},
		{&Error{Field: "name", Msg: "name must not be empty"}, true},
		{&Error{Msg: "name must not be"}, false},
		{&Error{Err: sentinel}, true},
		{&Error{Err: errors.New("sentinel")}, false},
	}
	for _, c := range cases {
		if got := Match(c.template, err); got != c.want {
			t.Errorf("Match(%+v) = %v, want %v", c.template, got, c.want)
		}
	}
	if Match(&Error{}, nil) {
		t.Error("no error matches no template")
	}
}

func TestWriteHTTP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err        error
		status     int
		code, msg  string
		authHeader bool
	}{
		{E("auth", Unauthenticated, "no credentials"), 401, "UNAUTHENTICATED", "no credentials", true},
		{Wrap("export", NotFoundf("", "no workspace has id %q", "w")), 404, "NOT_FOUND", `no workspace has id "w"`, false},
		{E("upload", TooLarge, "the upload is too large"), 413, "PAYLOAD_TOO_LARGE", "the upload is too large", false},
		{errors.New("open /var/secret/path: permission denied"), 500, "INTERNAL_SERVER_ERROR", "internal error", false},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		WriteHTTP(w, c.err)
		var body Body
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: body %q: %v", c.err, w.Body, err)
		}
		if w.Code != c.status || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != c.code || body.Errors[0].Message != c.msg {
			t.Errorf("%v: %d %s", c.err, w.Code, w.Body)
		}
		if got := w.Header().Get("WWW-Authenticate") != ""; got != c.authHeader {
			t.Errorf("%v: WWW-Authenticate present %v", c.err, got)
		}
		if w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%v: content type %q", c.err, w.Header().Get("Content-Type"))
		}
	}
	w := httptest.NewRecorder()
	WriteHTTP(w, Invalidf("", "format", "no such format"))
	if !json.Valid(w.Body.Bytes()) || w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"field":"format"`) {
		t.Errorf("invalid: %d %s", w.Code, w.Body)
	}
}

// Logs never see the text of an error this service did not write: a
// driver's error may quote the value that broke a constraint.
func TestTraceLeavesOutForeignText(t *testing.T) {
	secret := errors.New("Node(12) already exists with label `Actor` and property `externalId` = 'informant-7'")
	err := Wrap("resolvers.createActor", &Error{Op: "store.CreateActor", Kind: Conflict, Msg: "duplicate", Err: secret})
	got := Trace(err)
	if strings.Contains(got, "informant") || got != "resolvers.createActor: store.CreateActor (conflict): *errors.errorString" {
		t.Errorf("Trace = %q", got)
	}
	if got := Trace(Wrap("store.Ping", fmt.Errorf("dial: %w", context.DeadlineExceeded))); got != "store.Ping: *fmt.wrapError: context deadline exceeded" {
		t.Errorf("Trace of a wrapped deadline = %q", got)
	}
	if got := Trace(Wrap("store.Ping", context.Canceled)); got != "store.Ping: context canceled" {
		t.Errorf("Trace of a cancellation = %q", got)
	}
	if Trace(nil) != "" {
		t.Error("Trace(nil) must be empty")
	}
}
