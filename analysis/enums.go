package analysis

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/actorgraph/actorgraph/errs"
)

// The analyses' kinds (GapKind, TrustGapKind, DoNoHarmKind) are string
// enums of the schema; these are their GraphQL plumbing and their filter.

// kindWanted reports whether k is among kinds; no kinds means every kind.
func kindWanted[K comparable](k K, kinds []K) bool {
	return len(kinds) == 0 || slices.Contains(kinds, k)
}

// marshalKind writes a kind as GraphQL does: a quoted string.
func marshalKind[K ~string](w io.Writer, k K) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// unmarshalKind reads one of allowed from v, or refuses it naming the
// argument and the allowed values (what is the kind's name in words).
func unmarshalKind[K ~string](v any, what string, allowed []K) (K, error) {
	s, _ := v.(string)
	if slices.Contains(allowed, K(s)) {
		return K(s), nil
	}
	names := make([]string, len(allowed))
	for i, k := range allowed {
		names[i] = string(k)
	}
	return "", errs.Invalidf("", "kinds", "%q is not a %s (allowed: %s)", s, what, strings.Join(names, ", "))
}
