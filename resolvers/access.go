package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Authorisation is auth's (auth.Require and its kin); what is here ties
// it to the resolvers' own inputs: the workspace of a record named by id,
// and the fields of a write.

// workspaceOf returns the workspace of a visible actor, relationship or
// source (NOT_FOUND for anything else), for the role check of a
// mutation that names only a record's id.
func (r *Resolver) workspaceOf(ctx context.Context, what, id string) (string, error) {
	switch what {
	case "actor":
		as, err := r.Store.ActorsByIDs(ctx, []string{id})
		if err != nil || len(as) == 0 {
			return "", notFoundOr(err, what, id)
		}
		return as[0].WorkspaceID, nil
	case "relationship":
		rs, err := r.Store.RelationshipsByIDs(ctx, []string{id})
		if err != nil || len(rs) == 0 {
			return "", notFoundOr(err, what, id)
		}
		return rs[0].WorkspaceID, nil
	default:
		xs, err := r.Store.SourcesByIDs(ctx, []string{id})
		if err != nil || len(xs) == 0 {
			return "", notFoundOr(err, what, id)
		}
		return xs[0].WorkspaceID, nil
	}
}

func notFoundOr(err error, what, id string) error {
	if err != nil {
		return err
	}
	return errs.NotFoundf(what, "no %s has id %q", what, id)
}

// requireOn checks the caller's role in the workspace of record id.
func (r *Resolver) requireOn(ctx context.Context, op, what, id string, min domain.Role) (string, error) {
	ws, err := r.workspaceOf(ctx, what, id)
	if err != nil {
		return "", err
	}
	return ws, auth.Require(ctx, op, ws, min)
}

// fieldOf names the input field a NotFound error is about ("from: no
// actor has id …"), as the store's own lookups of endpoints do.
func fieldOf(err error, field string) error {
	if !errs.Is(err, errs.NotFound) {
		return err
	}
	msg, _ := errs.Public(err)
	return &errs.Error{Kind: errs.NotFound, Field: field, Msg: field + ": " + msg, Err: err}
}

// requireWritable checks that the caller may write what an input gives: a
// sensitivity within its clearance (a create without one gets the
// default, which is checked too) and, if any, an external id. Creates pass
// their inputs' fields through graphql.OmittableOf.
func requireWritable(ctx context.Context, op, ws string, level graphql.Omittable[*domain.Sensitivity], externalID graphql.Omittable[*string]) error {
	if s, ok := level.ValueOK(); ok {
		if err := auth.RequireClearance(ctx, op, ws, s); err != nil {
			return err
		}
	}
	if ext, ok := externalID.ValueOK(); ok && ext != nil {
		return auth.RequireExternalIDClearance(ctx, op, ws)
	}
	return nil
}
