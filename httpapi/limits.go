package httpapi

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// Abuse limits on GraphQL operations: how many tokens the text may hold,
// how many selections one selection set and the whole operation may
// have, how deep it may nest, how many aliases it may use (each alias can
// repeat a costly field), how many analyses it may run, and what it may
// cost, with list fields weighed by their first argument. Each answers
// with its own code. All but the token limit are the pre-check's
// (opcheck.go), which runs before gqlgen's own validation.

// installLimits puts the limits, and the refusal of introspection where
// it is off, on a gqlgen server; zero turns a limit off.
func installLimits(srv interface {
	Use(graphql.HandlerExtension)
	SetParserTokenLimit(int)
}, es graphql.ExecutableSchema, l config.Limits, introspection bool, log *zap.Logger) *opCheck {
	if l.MaxTokens > 0 {
		srv.SetParserTokenLimit(l.MaxTokens) // answered as GRAPHQL_PARSE_FAILED, "exceeded token limit of N"
	}
	check := newOpCheck(es, l, introspection, log)
	srv.Use(check)
	return check
}

func limitError(kind errs.Kind, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, kind.Code())
	return err
}
