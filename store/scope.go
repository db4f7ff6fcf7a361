package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Scoping. Every statement runs on behalf of the caller in its context
// (domain.CallerFrom), and a statement without a caller does not run at
// all: the store fails closed. run gives each statement that asks for them
// three parameters that describe what the caller may see:
//
//	$all  true for an admin (the operator's token, the CLI): everything
//	$wss  the workspaces the caller is a member of
//	$vis  per workspace, the sensitivity levels the caller may see
//
// and the statements test every record they match against them in their
// WHERE clauses (visible, visibleRel, visibleWorkspace below) before they
// traverse from it or return it. A record the caller may not see is
// therefore never read: lists, counts, analyses and exports only ever see
// the visible graph, and a lookup of a hidden id finds nothing, exactly
// like a lookup of an id that does not exist.

// visible is the condition that node or relationship x is visible.
func visible(x string) string {
	return fmt.Sprintf("($all OR %[1]s.sensitivity IN $vis[%[1]s.workspaceId])", x)
}

// visibleRel is the condition that relationship r and both its ends are
// visible: an edge to a hidden actor would reveal that actor.
func visibleRel(r, a, b string) string {
	return visible(r) + " AND " + visible(a) + " AND " + visible(b)
}

// visibleWorkspace is the condition that workspace w is one of the caller's.
func visibleWorkspace(w string) string { return fmt.Sprintf("($all OR %s.id IN $wss)", w) }

// errNoCaller is what a statement without a caller gets.
var errNoCaller = errs.E("store", errs.Unauthenticated, "no credentials: the request does not say who is asking")

// scope adds the caller's visibility to params, those of $all, $vis and
// $wss that cypher uses. It fails when the context carries no caller.
//
// Only those it uses: Neo4j caches a statement's plan under the types of
// all the parameters it is given, and a list's length to the order of
// magnitude, so an unused $wss would have Neo4j plan the statement again
// for callers of one workspace, of two to ten, of eleven to a hundred.
func scope(ctx context.Context, cypher string, params map[string]any) (map[string]any, error) {
	c := domain.CallerFrom(ctx)
	if c == nil {
		return nil, errNoCaller
	}
	uses := func(param string) bool { return strings.Contains(cypher, "$"+param) }
	if !uses("all") && !uses("vis") && !uses("wss") {
		return params, nil
	}
	if params == nil {
		params = map[string]any{}
	}
	if uses("all") {
		params["all"] = c.Admin
	}
	if uses("vis") {
		vis := make(map[string]any, len(c.Grants))
		for _, ws := range c.Workspaces() {
			vis[ws] = c.Levels(ws)
		}
		params["vis"] = vis
	}
	if uses("wss") {
		params["wss"] = c.Workspaces()
	}
	return params, nil
}

// noteActors, noteRelationships and noteSources note the confidential
// records among what a read returns, for the request's audit record.
func noteActors(ctx context.Context, as []*domain.Actor) {
	for _, a := range as {
		domain.NoteConfidential(ctx, a.WorkspaceID, a.ID, a.Sensitivity)
	}
}

func noteRelationships(ctx context.Context, rs []*domain.Relationship) {
	for _, r := range rs {
		domain.NoteConfidential(ctx, r.WorkspaceID, r.ID, r.Sensitivity)
	}
}

func noteSources(ctx context.Context, xs []*domain.Source) {
	for _, x := range xs {
		domain.NoteConfidential(ctx, x.WorkspaceID, x.ID, x.Sensitivity)
	}
}

// citeOnUpdate completes and checks the sources a record will cite after
// an update by a caller who may not see them all. before is what the
// record cited; next is its new list, which is before itself when the
// patch left the sources alone (sent false) and the list the caller sent
// otherwise.
//
// The sources it cited that the caller cannot see are kept: a caller
// edits only what it sees, and the ids of the others never reach it (an
// update neither fails on them nor drops them). Every id the caller sent
// must name a source it sees, even one the record already cites: a hidden
// source sent back answers NOT_FOUND exactly as an unknown id does, or
// the answer would tell a cited hidden source from one that does not
// exist.
func (s *Neo4j) citeOnUpdate(ctx context.Context, tx neo4j.ManagedTransaction, ws string, before, next []string, sent bool) ([]string, error) {
	if !sent {
		return next, nil
	}
	if err := s.checkSources(ctx, tx, ws, next); err != nil {
		return nil, err
	}
	return s.keepHiddenSources(ctx, tx, before, next)
}

// keepHiddenSources adds to next the sources of before that the caller
// cannot see (see citeOnUpdate).
func (s *Neo4j) keepHiddenSources(ctx context.Context, tx neo4j.ManagedTransaction, before, next []string) ([]string, error) {
	if len(before) == 0 {
		return next, nil
	}
	recs, err := s.run(ctx, tx, "UNWIND $ids AS id MATCH (x:Source {id: id}) WHERE NOT "+visible("x")+" RETURN x.id AS id",
		map[string]any{"ids": before})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if id := value[string](r, "id"); !slices.Contains(next, id) {
			next = append(next, id)
		}
	}
	return next, nil
}
