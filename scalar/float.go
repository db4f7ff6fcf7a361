// Package scalar holds the GraphQL scalars the service reads its own way.
// gqlgen.yml maps the built-in Float to FloatContext here, so every Float
// argument and input field, present or future, passes through one check.
package scalar

import (
	"context"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/errs"
)

// MarshalFloatContext writes a Float as gqlgen does (a non-finite one is
// an error, never written).
func MarshalFloatContext(f float64) graphql.ContextMarshaler {
	return graphql.MarshalFloatContext(f)
}

// UnmarshalFloatContext reads a Float as gqlgen does, and refuses NaN and
// ±Infinity: gqlgen accepts them as the strings "NaN" and "Infinity" in
// variables, and every range check (x < 0 || x > 1) is false for NaN, so
// one would pass as a valid threshold or strength.
func UnmarshalFloatContext(ctx context.Context, v any) (float64, error) {
	f, err := graphql.UnmarshalFloatContext(ctx, v)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		// Out of range ("1e999") is refused here too, with the same words
		// rather than strconv's.
		field := ""
		if fc := graphql.GetPathContext(ctx); fc != nil && fc.Field != nil {
			field = *fc.Field
		}
		return 0, errs.Invalidf("Float", field, "%s must be a finite number, not %s", nameOr(field, "a Float"), shown(v))
	}
	return f, nil
}

// shownMax is the most of a refused value a message repeats: the value
// is the caller's own, and an error is no place to echo megabytes back.
const shownMax = 40

// shown is v as a message repeats it, cut to shownMax bytes (on a rune
// boundary) with an ellipsis.
func shown(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) <= shownMax {
		return s
	}
	cut := shownMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func nameOr(field, otherwise string) string {
	if field == "" {
		return otherwise
	}
	return field
}
