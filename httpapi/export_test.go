package httpapi

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/graph"
)

// PreChecker runs the operation pre-check alone, over the service's
// schema, for tests and benchmarks that count its work.
type PreChecker struct{ c *opCheck }

// NewPreChecker is the pre-check a server with these limits runs.
func NewPreChecker(l config.Limits, introspection bool) PreChecker {
	return PreChecker{newOpCheck(graph.NewExecutableSchema(graph.Config{}), l, introspection, zap.NewNop())}
}

// Check pre-checks one request: the refusal's code and message ("" when
// accepted) and how many selections the check visited.
func (p PreChecker) Check(query string, vars map[string]any) (code, message string, visits int) {
	refused, visits := p.c.check(query, "", vars)
	if refused == nil {
		return "", "", visits
	}
	return errcodeOf(refused), refused.Message, visits
}

// schemaOnly is an executable schema that is only its SDL.
type schemaOnly struct {
	graphql.ExecutableSchema
	s *ast.Schema
}

func (s schemaOnly) Schema() *ast.Schema { return s.s }

// ValidatePreCheck is the pre-check's start-up check of a schema.
func ValidatePreCheck(sdl string) error {
	s, err := gqlparser.LoadSchema(&ast.Source{Input: sdl})
	if err != nil {
		return err
	}
	es := schemaOnly{s: s}
	return newOpCheck(es, config.DefaultLimits, false, zap.NewNop()).Validate(es)
}
