package resolvers

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/errs"
)

// ErrorPresenter is the one place where errors become GraphQL errors. An
// errs.Error keeps its person-readable message and gets its kind's code in
// extensions.code (and the input field at fault in extensions.field);
// anything else is an internal error: logged in full, shown as a generic
// message, so that Cypher, paths and stack traces never reach a client.
func ErrorPresenter(log *zap.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Parse and validation errors gqlgen made itself: already safe.
			return gqlErr
		}
		if errors.As(err, &gqlErr) && isInputCoercion(gqlErr) {
			return gqlErr
		}
		kind := errs.KindOf(err)
		msg, field := errs.Public(err)
		if kind == errs.Internal || kind == errs.Unavailable {
			log.Error("request failed", zap.String("code", kind.Code()), zap.String("error", errs.Trace(err)),
				zap.String("path", graphql.GetPath(ctx).String()))
		}
		out := &gqlerror.Error{
			Message:    msg,
			Path:       graphql.GetPath(ctx),
			Extensions: map[string]any{"code": kind.Code()},
		}
		if gqlErr != nil {
			out.Locations = gqlErr.Locations
			if gqlErr.Path != nil {
				out.Path = gqlErr.Path
			}
		}
		if field != "" {
			out.Extensions["field"] = field
		}
		return out
	}
}

// isInputCoercion tells gqlgen's own argument errors (a bad enum value or
// scalar in variables) apart: they carry a code already and a safe message.
func isInputCoercion(e *gqlerror.Error) bool {
	code, _ := e.Extensions["code"].(string)
	return code != ""
}

// Recover turns a panic in a resolver into an internal error; the panic is
// logged, never shown.
func Recover(log *zap.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.Error("resolver panicked", zap.String("panic", fmt.Sprint(v)), zap.Stack("stack"),
			zap.String("path", graphql.GetPath(ctx).String()))
		return &errs.Error{Op: "resolver", Kind: errs.Internal, Msg: "internal error"}
	}
}
