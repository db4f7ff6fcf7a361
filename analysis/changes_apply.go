package analysis

import (
	"maps"
	"slices"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// applyChanges returns snap with changes applied, in order, as a new
// snapshot of the last change's version: the records they wrote replace
// or join the snapshot's, the ones they deleted leave it (an actor with
// every relationship of its), and both lists stay in id order. snap
// itself is not changed: projections built from it may still be in use.
// A relationship of a type snapshots do not hold stays out.
func applyChanges(snap *domain.Snapshot, changes []domain.Change) *domain.Snapshot {
	actors := map[string]*domain.Actor{}           // written (nil: deleted)
	rels := map[string]*domain.RelationshipFacts{} // written (nil: deleted)
	// When (the change's index) each relationship was last written and
	// each actor last deleted: deleting an actor deletes the relationships
	// it has then, not any written after.
	writtenAt, deletedAt := map[string]int{}, map[string]int{}
	for i, c := range changes {
		for _, a := range c.Actors {
			actors[a.ID] = a
		}
		for _, r := range c.Relationships {
			if slices.Contains(domain.AnalysisTypes, r.Type) {
				rels[r.ID], writtenAt[r.ID] = r.Facts(), i
			}
		}
		for _, id := range c.DeletedActors {
			actors[id], deletedAt[id] = nil, i
		}
		for _, id := range c.DeletedRelationships {
			rels[id] = nil
		}
	}
	endsStay := func(r *domain.RelationshipFacts) bool {
		at, ok := writtenAt[r.ID]
		if !ok {
			at = -1 // in the snapshot, before every change
		}
		for _, end := range []string{r.FromID, r.ToID} {
			if d, gone := deletedAt[end]; gone && d >= at {
				return false
			}
		}
		return true
	}
	out := &domain.Snapshot{WorkspaceID: snap.WorkspaceID, Version: changes[len(changes)-1].Version}
	out.Actors = mergeByID(snap.Actors, actors, func(a *domain.Actor) string { return a.ID })
	out.Relationships = mergeByID(snap.Relationships, rels, func(r *domain.RelationshipFacts) string { return r.ID })
	if len(deletedAt) > 0 {
		out.Relationships = slices.DeleteFunc(out.Relationships, func(r *domain.RelationshipFacts) bool { return !endsStay(r) })
	}
	return out
}

// mergeByID returns old, in id order, with the records written (by id;
// nil: deleted) in their places, in a new list. The changes are few and
// the list long (750,000 relationships at 100,000 actors): each change
// is found by binary search, and the runs between are copied whole.
func mergeByID[T any](old []*T, written map[string]*T, id func(*T) string) []*T {
	out := make([]*T, 0, len(old)+len(written))
	next := 0 // the first record of old not yet copied
	for _, k := range slices.Sorted(maps.Keys(written)) {
		i, found := slices.BinarySearchFunc(old[next:], k, func(x *T, k string) int { return strings.Compare(id(x), k) })
		out = append(out, old[next:next+i]...)
		next += i
		if found {
			next++ // replaced or deleted
		}
		if w := written[k]; w != nil {
			out = append(out, w)
		}
	}
	return append(out, old[next:]...)
}
