// Package resolvers holds the GraphQL resolvers: thin functions that check
// their arguments, call the store (through the request's loaders where a
// list could fan out) and return domain values. No Cypher lives here, and
// errors are only ever wrapped: the error presenter (errors.go) is the one
// place that turns them into GraphQL errors.
package resolvers

import (
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/store"
)

// Resolver is the root resolver; its fields are the service's dependencies.
type Resolver struct {
	Store    store.Store
	Analysis *analysis.Engine
	Jobs     *analysis.Jobs   // analyses run in the background
	Links    *auth.LinkSigner // signs export links
	Log      *zap.Logger
}

// Limits of the subgraph query: deeper or larger neighbourhoods stop being
// compact.
const (
	MaxSubgraphDepth  = 4
	MaxSubgraphActors = 500
)
