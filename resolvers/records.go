package resolvers

import (
	"context"
	"maps"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/loaders"
)

// records shows the relationships an analysis answers with as their
// records. The engine keeps only each relationship's facts
// (domain.RelationshipFacts: a map of 100,000 actors holds 750,000 of
// them), so a view asks records for each relationship it shows (rel,
// rels) and gets a record to be filled in, one per id; load then fills
// them all with the stored records, in one batch through the request's
// loader, which applies the caller's clearance as every read does.
type records struct {
	// byKey holds the records handed out, by id and type (the facts know
	// it, and a lookup by type seeks one index: see
	// store.RelationshipsByTypedIDs).
	byKey map[loaders.TypedID]*domain.Relationship
	gone  *errs.Error // the error when one is gone (see load)
}

// The errors of a relationship gone since the analysis read the map. An
// answer about the map as it is can be asked again; an analysis job's
// answer stays about the version the job ran on, so only starting the job
// again can help.
var (
	goneNow = &errs.Error{Op: "resolvers.records", Kind: errs.Unavailable,
		Msg: "the map changed while this answer was being prepared (a relationship it shows is gone); ask again"}
	goneSinceJob = &errs.Error{Op: "resolvers.records", Kind: errs.Conflict,
		Msg: "the map changed since this job ran: a relationship its answer shows is gone or hidden from you; start the job again for an answer about the map as it is"}
)

// newRecords is the records of an answer, failing with gone (goneNow,
// goneSinceJob) when one is gone.
func newRecords(gone *errs.Error) *records {
	return &records{byKey: map[loaders.TypedID]*domain.Relationship{}, gone: gone}
}

// rel is the record of f, to be filled in by load.
func (rs *records) rel(f *domain.RelationshipFacts) *domain.Relationship {
	k := loaders.TypedID{Type: f.Type, ID: f.ID}
	if r, ok := rs.byKey[k]; ok {
		return r
	}
	r := &domain.Relationship{ID: f.ID}
	rs.byKey[k] = r
	return r
}

// rels is the records of fs, in order (an empty list for none).
func (rs *records) rels(fs []*domain.RelationshipFacts) []*domain.Relationship {
	out := make([]*domain.Relationship, len(fs))
	for i, f := range fs {
		out[i] = rs.rel(f)
	}
	return out
}

// load fills in every record handed out, when the query asks more of
// them than their ids. A relationship the analysis read but the store no
// longer shows the caller (deleted or made more sensitive since) fails
// the answer with rs.gone: it would show a record that is not there.
func (rs *records) load(ctx context.Context) error {
	if len(rs.byKey) == 0 || !asksRecords(ctx) {
		return nil // each record shows its id, all it is asked
	}
	keys := slices.Collect(maps.Keys(rs.byKey))
	l := loaders.For(ctx).TypedRelationships
	load := l.LoadAllNow
	if inList(ctx) {
		load = l.LoadAll // siblings in the list join the batch
	}
	found, err := load(ctx, keys)
	if err != nil {
		return err
	}
	for i, k := range keys {
		if found[i] == nil {
			return rs.gone
		}
		*rs.byKey[k] = *found[i]
	}
	return nil
}

// asksRecords says whether the field being resolved asks anything of a
// relationship below it other than its id: a page of gaps asked for
// their kinds and severities needs no records (loading them took 10 ms
// of the 22 ms such a page took on the 100k benchmark map). Outside a
// GraphQL operation it answers yes.
func asksRecords(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return true
	}
	// fc.Field.Selections, not fc.Field's own: a field asked twice (two
	// fragments on one object) is resolved once, with both selections.
	if fc.Field.Definition != nil && fc.Field.Definition.Type.Name() == "Relationship" {
		return asksMoreThanID(fc.Field.Selections)
	}
	return anyField(fc.Field.Selections, asksRecordsIn)
}

// asksRecordsIn says whether f, or a field below it, is a relationship
// asked for more than its id. @skip and @include are not read: a field
// they leave out may load records it does not show, never the reverse.
func asksRecordsIn(f *ast.Field) bool {
	if f.Definition != nil && f.Definition.Type.Name() == "Relationship" {
		return asksMoreThanID(f.SelectionSet)
	}
	return anyField(f.SelectionSet, asksRecordsIn)
}

// asksMoreThanID says whether a relationship's selections ask any field
// but id and __typename (the ones a record to be filled in already has).
func asksMoreThanID(set ast.SelectionSet) bool {
	return anyField(set, func(f *ast.Field) bool { return f.Name != "id" && f.Name != "__typename" })
}

// anyField says whether pred holds for a field of set, fragments'
// fields included.
func anyField(set ast.SelectionSet, pred func(*ast.Field) bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if pred(sel) {
				return true
			}
		case *ast.InlineFragment:
			if anyField(sel.SelectionSet, pred) {
				return true
			}
		case *ast.FragmentSpread:
			if sel.Definition != nil && anyField(sel.Definition.SelectionSet, pred) {
				return true
			}
		}
	}
	return false
}

// relationshipRecords is the records of fs, loaded (see records).
func relationshipRecords(ctx context.Context, fs []*domain.RelationshipFacts) ([]*domain.Relationship, error) {
	rs := newRecords(goneNow)
	out := rs.rels(fs)
	if err := rs.load(ctx); err != nil {
		return nil, err
	}
	return out, nil
}
