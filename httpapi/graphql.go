package httpapi

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/graph"
	"github.com/actorgraph/actorgraph/resolvers"
	"github.com/actorgraph/actorgraph/store"
)

// newGraphQLServer builds the gqlgen server: POST, GET and multipart
// transports, the error presenter and panic recovery, a query cache, the
// operation limits, the audit of confidential reads, and introspection
// when it is on. It returns the operation pre-check too, which uploads
// run before their files are read.
func newGraphQLServer(st store.Store, opts Options, links *auth.LinkSigner, log *zap.Logger) (*handler.Server, *opCheck) {
	engine := analysisEngine(st, opts.GraphQL.Analysis)
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{
		Store: st, Analysis: engine, Jobs: analysisJobs(engine, log), Links: links, Log: log}})
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	// Imports: files above MaxMemory wait in temporary files, not in
	// memory (uploads must give their length; see checkUpload).
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: opts.HTTP.ImportMaxBytes, MaxMemory: 32 << 20})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.GraphQL.Introspection {
		srv.Use(extension.Introspection{})
	}
	// Suggestions ("did you mean …?") would let a caller without
	// introspection rebuild the schema field by field.
	srv.SetDisableSuggestion(!opts.GraphQL.Suggestions)
	check := installLimits(srv, es, opts.GraphQL.Limits, opts.GraphQL.Introspection, log)
	srv.AroundResponses(auditReads(st, log))
	present := recordCodes(resolvers.ErrorPresenter(log))
	if !opts.GraphQL.Suggestions {
		present = withoutSuggestions(present)
	}
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(resolvers.Recover(log))
	srv.AroundOperations(answerWhenTimeRanOut)
	// One analysis work budget per operation, shared by all its fields.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(engine.WithRequestBudget(ctx))
	})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if !graphql.HasOperationContext(ctx) {
			return next(ctx)
		}
		oc := graphql.GetOperationContext(ctx)
		if info := requestInfoFrom(ctx); info != nil {
			info.setOperation(opName(oc), opType(oc))
		}
		if refused := onlyImportsInUploads(ctx, oc); refused != nil {
			return graphql.OneShot(refused)
		}
		return next(ctx)
	})
	return srv, check
}

// answerWhenTimeRanOut answers SERVICE_UNAVAILABLE for a request whose
// time ran out (or whose client went away) before its operation ran: from
// an operation's context that is done, gqlgen's executor returns no
// response at all, which its transports write as the JSON null (HTTP 200,
// no data, no error), and a client cannot tell that from anything. The
// soak test met thousands of those while a restarted Neo4j made token
// lookups slow. Only the first response is answered so: the transports
// used here ask for one.
func answerWhenTimeRanOut(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	h := next(ctx)
	answered := false
	return func(ctx context.Context) *graphql.Response {
		if err := ctx.Err(); err != nil {
			if answered {
				return nil
			}
			answered = true
			return errorResponse(&errs.Error{Op: "graphql", Kind: errs.Unavailable, Err: err,
				Msg: "the request ran out of time before it could run (the service or its database is busy); nothing was done, try again shortly"})
		}
		answered = true
		return h(ctx)
	}
}

// analysisEngine makes the analysis engine with the configured bounds
// (zero fields take the engine's defaults, as in tests' Options).
func analysisEngine(st store.Store, c config.Analysis) *analysis.Engine {
	return analysis.NewEngine(st, 8, analysis.Limits{MaxRunning: c.MaxRunning, PerCaller: c.PerCaller, WorkBudget: c.WorkBudget})
}

// analysisJobs runs the analysis jobs over engine, logging every job that
// fails (at error level when the failure is internal: the client sees
// only "internal error").
func analysisJobs(engine *analysis.Engine, log *zap.Logger) *analysis.Jobs {
	return analysis.NewJobs(engine, analysis.JobLimits{Failed: func(id string, err error) {
		kind := errs.KindOf(err)
		level := zap.InfoLevel
		if kind == errs.Internal {
			level = zap.ErrorLevel
		}
		log.Log(level, "analysis job failed", zap.String("job", id), zap.String("code", kind.Code()), zap.String("error", errs.Trace(err)))
	}})
}

// opName is the operation's name: the one the client sent, or else the
// one the document gives it.
func opName(oc *graphql.OperationContext) string {
	if oc.OperationName != "" || oc.Operation == nil {
		return oc.OperationName
	}
	return oc.Operation.Name
}

func opType(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return ""
	}
	return string(oc.Operation.Operation)
}

// auditReads is the GraphQL response middleware that records the
// operation's confidential reads before the response leaves. If the record
// cannot be written, the data is withheld: an unaudited read of
// confidential records must not happen.
func auditReads(st store.Store, log *zap.Logger) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		name := "operation"
		if graphql.HasOperationContext(ctx) {
			name = auditLabel(graphql.GetOperationContext(ctx))
		}
		if err := auth.FlushReads(ctx, st, name); err != nil {
			log.Error("audit of confidential reads failed; answer withheld", zap.String("error", errs.Trace(err)))
			return errorResponse(errs.E("auditReads", errs.Unavailable,
				"the audit log could not be written, so confidential data is withheld; try again shortly"))
		}
		return resp
	}
}

// errorResponse is a GraphQL response that carries only err, as a client
// sees it (errs.Public's message, its kind's code).
func errorResponse(err error) *graphql.Response {
	msg, _ := errs.Public(err)
	return &graphql.Response{Errors: gqlerror.List{{Message: msg,
		Extensions: map[string]any{"code": errs.KindOf(err).Code()}}}}
}

// auditLabel names an operation in the audit log by what it did, not only
// by the name its client chose: "query ReadSecrets { actor, workspace }".
func auditLabel(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return "operation"
	}
	var fields []string
	for _, sel := range oc.Operation.SelectionSet {
		if f, ok := sel.(*ast.Field); ok && !slices.Contains(fields, f.Name) {
			fields = append(fields, f.Name)
		}
	}
	sort.Strings(fields)
	label := string(oc.Operation.Operation)
	if name := opName(oc); name != "" {
		label += " " + name
	}
	return label + " { " + strings.Join(fields, ", ") + " }"
}
