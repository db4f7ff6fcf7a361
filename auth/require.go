package auth

import (
	"context"
	"fmt"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Authorisation: the one place that decides what a caller may do, for
// the resolvers and the HTTP handlers (exports) alike. The store already
// hides what a caller may not see; these checks decide what it may do
// with what it sees. A caller who is not a member of a workspace gets
// NOT_FOUND, the answer an unknown id gets, so that probing ids tells
// nothing; a member whose role or clearance is too low gets FORBIDDEN,
// naming what is needed.

// Require checks that the request's caller holds at least role min in
// workspace ws; op names what it is doing ("createActor", "export").
func Require(ctx context.Context, op, ws string, min domain.Role) error {
	c := domain.CallerFrom(ctx)
	g, ok := c.Grant(ws)
	if !ok {
		return errs.NotFoundf(op, "no workspace has id %q", ws)
	}
	if !c.Can(ws, min) {
		return errs.E(op, errs.Permission, fmt.Sprintf("%s needs the %s role in this workspace; you are %s", op, min, g.Role))
	}
	return nil
}

// RequireAdmin checks that the caller is an admin.
func RequireAdmin(ctx context.Context, op string) error {
	if c := domain.CallerFrom(ctx); c == nil || !c.Admin {
		return errs.E(op, errs.Permission, op+" needs an admin token (ACTORGRAPH_ADMIN_TOKEN, or one made with `actorgraph token create --admin`)")
	}
	return nil
}

// RequireClearance checks that the caller may write a record of level s
// (nil: the default level) in ws: nobody creates what they could not then
// see. Operations that touch records the caller may not see ask
// RequireFullView instead.
func RequireClearance(ctx context.Context, op, ws string, s *domain.Sensitivity) error {
	want := domain.DefaultSensitivity
	if s != nil {
		want = *s
	}
	g, _ := domain.CallerFrom(ctx).Grant(ws)
	if !g.Clearance.Covers(want) {
		return &errs.Error{Op: op, Kind: errs.Permission, Field: "sensitivity",
			Msg: fmt.Sprintf("your clearance in this workspace is %s, so you cannot write a %s record", g.Clearance, want)}
	}
	return nil
}

// RequireFullView checks that the caller sees every record of ws
// (clearance CONFIDENTIAL), for an operation that reaches records
// whatever their level: imports, deletes that cascade, reading the audit
// log. why says how op reaches them, in words that say whether it reads
// or writes them ("the audit log names every record written"): the
// refusal is about what op does, not about the level of a record the
// caller sent, so it names no input field.
func RequireFullView(ctx context.Context, op, ws, why string) error {
	g, _ := domain.CallerFrom(ctx).Grant(ws)
	if !g.Clearance.Covers(domain.Confidential) {
		return errs.E(op, errs.Permission, fmt.Sprintf("%s needs clearance CONFIDENTIAL in this workspace (yours is %s): %s", op, g.Clearance, why))
	}
	return nil
}

// RequireGrantable checks that the caller may hand out a grant of role
// with clearance (nil: the role's default) in ws: never more than its own
// clearance there, so that nobody can raise their own, or anyone's,
// clearance above what they have.
func RequireGrantable(ctx context.Context, op, ws string, role domain.Role, clearance *domain.Sensitivity) error {
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

// RequireExternalIDClearance checks that a caller who sets an external id
// sees every record of the workspace: external ids are unique across all
// of them, so a clash with a record the caller cannot see would tell it
// that the record exists.
func RequireExternalIDClearance(ctx context.Context, op, ws string) error {
	g, _ := domain.CallerFrom(ctx).Grant(ws)
	if !g.Clearance.Covers(domain.Confidential) {
		return &errs.Error{Op: op, Kind: errs.Permission, Field: "externalId",
			Msg: fmt.Sprintf("setting an externalId needs clearance CONFIDENTIAL (yours is %s): external ids are unique across records you cannot see", g.Clearance)}
	}
	return nil
}

// RequireImport checks that the caller may import into ws: an import
// matches rows against every record of the workspace and a sync removes
// what the files lack, so it needs the EDITOR role and clearance
// CONFIDENTIAL. importActorMap asks here, and so does the HTTP layer
// before it reads an upload's files, so that both answer alike.
func RequireImport(ctx context.Context, op, ws string) error {
	if err := Require(ctx, op, ws, domain.Editor); err != nil {
		return err
	}
	// An import matches rows against every record of the workspace and a
	// sync removes what the files lack, so it needs to see them all.
	return RequireFullView(ctx, op, ws, "an import reads every record of the workspace to match its rows, and a sync removes what the files lack")
}
