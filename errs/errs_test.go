package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodes(t *testing.T) {
	want := map[Kind]string{Internal: "INTERNAL_SERVER_ERROR", Invalid: "BAD_USER_INPUT", NotFound: "NOT_FOUND",
		Conflict: "CONFLICT", Unavailable: "SERVICE_UNAVAILABLE", Permission: "FORBIDDEN"}
	for k, code := range want {
		if k.Code() != code {
			t.Errorf("%d.Code() = %s, want %s", k, k.Code(), code)
		}
	}
}

func TestPublicHidesInternals(t *testing.T) {
	raw := errors.New("Neo.ClientError.Statement.SyntaxError: MATCH (a) RETURN b")
	cases := []struct {
		err       error
		msg, kind string
	}{
		{raw, "internal error", "INTERNAL_SERVER_ERROR"},
		{Wrap("store.X", raw), "internal error", "INTERNAL_SERVER_ERROR"},
		{&Error{Kind: Unavailable, Err: raw}, "the database is unavailable; try again shortly", "SERVICE_UNAVAILABLE"},
		{Wrap("op", Invalidf("", "strength", "strength must be between 0 and 1")), "strength must be between 0 and 1", "BAD_USER_INPUT"},
		{fmt.Errorf("context: %w", NotFoundf("", "no actor has id %q", "x")), `no actor has id "x"`, "NOT_FOUND"},
	}
	for _, c := range cases {
		msg, _ := Public(c.err)
		if msg != c.msg || KindOf(c.err).Code() != c.kind {
			t.Errorf("Public(%v) = %q/%s, want %q/%s", c.err, msg, KindOf(c.err).Code(), c.msg, c.kind)
		}
	}
}

func TestWrapKeepsKindAndField(t *testing.T) {
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
}
