package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// Abuse limits on GraphQL operations: how deep a query may nest, how many
// aliases it may use (each alias can repeat a costly field), how many
// tokens its text may hold, and what it may cost, with list fields
// weighed by their first argument. Each answers with its own code.

// installLimits puts the limits on a gqlgen server; zero turns one off.
func installLimits(srv interface {
	Use(graphql.HandlerExtension)
	SetParserTokenLimit(int)
}, l config.Limits) {
	if l.MaxTokens > 0 {
		srv.SetParserTokenLimit(l.MaxTokens) // answered as GRAPHQL_PARSE_FAILED, "exceeded token limit of N"
	}
	if l.MaxDepth > 0 || l.MaxAliases > 0 {
		srv.Use(shapeLimit{l})
	}
	if l.MaxCost > 0 {
		srv.Use(extension.FixedComplexityLimit(l.MaxCost)) // errs.TooComplex's code
	}
}

// costed is the executable schema with one cost rule of its own: a field
// with a first argument costs first times what one of its items costs,
// plus one, so a list of 500 weighs 500 times its item. (gqlgen's
// complexity functions are per field; this one rule covers every list.)
type costed struct{ graphql.ExecutableSchema }

func (c costed) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if first, ok := intArg(args["first"]); ok && first > 0 {
		return saturating(1, first, max(child, 1)), true
	}
	return c.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

func intArg(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case *int:
		if x != nil {
			return *x, true
		}
	}
	return 0, false
}

// saturating is a + b*c without overflow (a hostile first cannot wrap the
// cost around to a small number).
func saturating(a, b, c int) int {
	const most = int(^uint(0) >> 2)
	if b > 0 && c > most/b {
		return most
	}
	return a + b*c
}

// shapeLimit refuses operations nested too deep or with too many aliases,
// before anything runs.
type shapeLimit struct{ l config.Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (s shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	depth, aliases := measure(oc.Operation.SelectionSet, map[string]bool{})
	switch {
	case s.l.MaxDepth > 0 && depth > s.l.MaxDepth:
		return limitError(errs.QueryTooDeep, "the query nests %d levels deep; at most %d are allowed", depth, s.l.MaxDepth)
	case s.l.MaxAliases > 0 && aliases > s.l.MaxAliases:
		return limitError(errs.TooManyAliases, "the query uses %d aliases; at most %d are allowed", aliases, s.l.MaxAliases)
	}
	return nil
}

// measure returns a selection set's depth and its aliased fields,
// following fragments (each fragment once per path, so a cycle, which
// validation refuses anyway, cannot loop).
func measure(set ast.SelectionSet, onPath map[string]bool) (depth, aliases int) {
	for _, sel := range set {
		var d, a int
		switch x := sel.(type) {
		case *ast.Field:
			d, a = measure(x.SelectionSet, onPath)
			d++
			if x.Alias != "" && x.Alias != x.Name {
				a++
			}
		case *ast.InlineFragment:
			d, a = measure(x.SelectionSet, onPath)
		case *ast.FragmentSpread:
			if x.Definition == nil || onPath[x.Name] {
				continue
			}
			onPath[x.Name] = true
			d, a = measure(x.Definition.SelectionSet, onPath)
			delete(onPath, x.Name)
		}
		depth, aliases = max(depth, d), aliases+a
	}
	return depth, aliases
}

func limitError(kind errs.Kind, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, kind.Code())
	return err
}
