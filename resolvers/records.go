package resolvers

import (
	"context"
	"maps"
	"slices"

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
	byID map[string]*domain.Relationship
}

func newRecords() *records { return &records{byID: map[string]*domain.Relationship{}} }

// rel is the record of f, to be filled in by load.
func (rs *records) rel(f *domain.RelationshipFacts) *domain.Relationship {
	if r, ok := rs.byID[f.ID]; ok {
		return r
	}
	r := &domain.Relationship{ID: f.ID}
	rs.byID[f.ID] = r
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

// load fills in every record handed out. A relationship the analysis
// read but the store no longer shows the caller (deleted or made more
// sensitive since) fails the answer: it would show a record that is not
// there. Asking again analyses the map as it is now.
func (rs *records) load(ctx context.Context) error {
	if len(rs.byID) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(rs.byID))
	l := loaders.For(ctx).Relationships
	load := l.LoadAllNow
	if inList(ctx) {
		load = l.LoadAll // siblings in the list join the batch
	}
	found, err := load(ctx, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if found[i] == nil {
			return &errs.Error{Op: "analysis records", Kind: errs.Unavailable,
				Msg: "the map changed while this answer was being prepared (a relationship it shows is gone); ask again"}
		}
		*rs.byID[id] = *found[i]
	}
	return nil
}

// relationshipRecords is the records of fs, loaded (see records).
func relationshipRecords(ctx context.Context, fs []*domain.RelationshipFacts) ([]*domain.Relationship, error) {
	rs := newRecords()
	out := rs.rels(fs)
	if err := rs.load(ctx); err != nil {
		return nil, err
	}
	return out, nil
}
