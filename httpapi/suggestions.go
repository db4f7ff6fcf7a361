package httpapi

import (
	"context"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// didYouMean is gqlparser's suggestion sentence: `Did you mean "first"?`,
// `Did you mean "a", "b", or "c"?`. Names cannot hold a question mark.
var didYouMean = regexp.MustCompile(`\s*Did you mean [^?]*\?`)

// withoutSuggestions takes the suggestions out of every error message.
// gqlgen's SetDisableSuggestion swaps only two validation rules (fields
// and scalar leaves); arguments, enum values, input fields, types and
// variables still suggest, and a caller without introspection could
// rebuild the schema from them. Stripping the sentence where every error
// passes covers every rule, present or future.
func withoutSuggestions(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		if e != nil && didYouMean.MatchString(e.Message) {
			c := *e // the presented error may be gqlgen's own, shared with its cache
			c.Message = didYouMean.ReplaceAllString(e.Message, "")
			e = &c
		}
		return e
	}
}
