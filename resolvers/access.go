package resolvers

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Authorisation by role. The store already hides what a caller may not
// see; these checks decide what a caller may do with what it sees. A
// caller who is not a member of a workspace gets NOT_FOUND, the answer an
// unknown id gets, so that probing ids tells nothing; a member whose role
// is too low gets FORBIDDEN, naming the role needed.

// require checks that the caller holds at least role min in workspace ws.
func require(ctx context.Context, op, ws string, min domain.Role) error {
	c := domain.CallerFrom(ctx)
	if _, ok := c.Grant(ws); !ok {
		return errs.NotFoundf(op, "no workspace has id %q", ws)
	}
	if !c.Can(ws, min) {
		g, _ := c.Grant(ws)
		return errs.E(op, errs.Permission, fmt.Sprintf("%s needs the %s role in this workspace; you are %s", op, min, g.Role))
	}
	return nil
}

// requireClearance checks that the caller may write a record of level s in
// ws: nobody creates what they could not then see.
func requireClearance(ctx context.Context, op, ws string, s *domain.Sensitivity) error {
	if s == nil {
		s = ptr(domain.DefaultSensitivity)
	}
	g, _ := domain.CallerFrom(ctx).Grant(ws)
	if !g.Clearance.Covers(*s) {
		return &errs.Error{Op: op, Kind: errs.Permission, Field: "sensitivity",
			Msg: fmt.Sprintf("your clearance in this workspace is %s, so you cannot write a %s record", g.Clearance, *s)}
	}
	return nil
}

// requireGrantable checks that the caller may hand out a grant of role
// with clearance (nil: the role's default) in ws: never more than its own
// clearance there, so that nobody can raise their own, or anyone's,
// clearance above what they have.
func requireGrantable(ctx context.Context, op, ws string, role domain.Role, clearance *domain.Sensitivity) error {
	want := role.DefaultClearance()
	if clearance != nil {
		want = *clearance
	}
	g, _ := domain.CallerFrom(ctx).Grant(ws)
	if !g.Clearance.Covers(want) {
		return &errs.Error{Op: op, Kind: errs.Permission, Field: "clearance",
			Msg: fmt.Sprintf("your clearance in this workspace is %s, so you cannot grant %s; give a clearance of at most %s", g.Clearance, want, g.Clearance)}
	}
	return nil
}

// requireAdmin checks that the caller is an admin.
func requireAdmin(ctx context.Context, op string) error {
	if c := domain.CallerFrom(ctx); c == nil || !c.Admin {
		return errs.E(op, errs.Permission, op+" needs an admin token (ACTORGRAPH_ADMIN_TOKEN, or one made with `actorgraph token create --admin`)")
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

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
	return ws, require(ctx, op, ws, min)
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

// requireExternalIDClearance checks that a caller who sets an external id
// sees every record of the workspace: external ids are unique across all
// of them, so a clash with a record the caller cannot see would tell it
// that the record exists.
func requireExternalIDClearance(ctx context.Context, op, ws string, sets bool) error {
	if !sets {
		return nil
	}
	g, _ := domain.CallerFrom(ctx).Grant(ws)
	if !g.Clearance.Covers(domain.Confidential) {
		return &errs.Error{Op: op, Kind: errs.Permission, Field: "externalId",
			Msg: fmt.Sprintf("setting an externalId needs clearance CONFIDENTIAL (yours is %s): external ids are unique across records you cannot see", g.Clearance)}
	}
	return nil
}

// requireWritable checks that the caller may write what an input gives: a
// sensitivity within its clearance (a create without one gets the
// default, which is checked too) and, if any, an external id. Creates pass
// their inputs' fields through graphql.OmittableOf.
func requireWritable(ctx context.Context, op, ws string, level graphql.Omittable[*domain.Sensitivity], externalID graphql.Omittable[*string]) error {
	if s, ok := level.ValueOK(); ok {
		if err := requireClearance(ctx, op, ws, s); err != nil {
			return err
		}
	}
	ext, ok := externalID.ValueOK()
	return requireExternalIDClearance(ctx, op, ws, ok && ext != nil)
}
