package scalar_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/scalar"
)

// Finite numbers in every form gqlgen reads are kept; NaN and ±Infinity,
// in every form, are refused as bad input naming the field.
func TestUnmarshalFloatRefusesNonFiniteNumbers(t *testing.T) {
	t.Parallel()
	ctx := graphql.WithPathContext(context.Background(), graphql.NewPathWithField("threshold"))
	for _, c := range []struct {
		in   any
		want float64
		bad  bool
	}{
		{0.25, 0.25, false},
		{int64(1), 1, false},
		{json.Number("0.5"), 0.5, false},
		{"0.75", 0.75, false},
		{"NaN", 0, true},
		{"nan", 0, true},
		{"Infinity", 0, true},
		{"-Infinity", 0, true},
		{"+Inf", 0, true},
		{json.Number("1e999"), 0, true},
		{math.NaN(), 0, true},
		{math.Inf(-1), 0, true},
	} {
		got, err := scalar.UnmarshalFloatContext(ctx, c.in)
		if c.bad {
			if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "threshold must be a finite number") {
				t.Errorf("%#v: want a bad-input error about threshold, got %v, %v", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%#v: want %v, got %v, %v", c.in, c.want, got, err)
		}
	}
}

func TestRefusalsDoNotEchoLongValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 10_000) // not a number, and 20 KB
	_, err := scalar.UnmarshalFloatContext(context.Background(), long)
	if err == nil {
		t.Fatal("a long text was taken as a Float")
	}
	msg, _ := errs.Public(err)
	if len(msg) > 100 || !strings.HasSuffix(msg, "…") || !utf8.ValidString(msg) {
		t.Errorf("the refusal repeats %d bytes of the value: %q", len(msg), msg)
	}
}
