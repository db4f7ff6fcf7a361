package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// naiveApply is the reading of applyChanges to check it against: the
// snapshot as maps, each change applied in turn, then sorted.
func naiveApply(snap *domain.Snapshot, changes []domain.Change) *domain.Snapshot {
	actors := map[string]*domain.Actor{}
	for _, a := range snap.Actors {
		actors[a.ID] = a
	}
	rels := map[string]*domain.RelationshipFacts{}
	for _, r := range snap.Relationships {
		rels[r.ID] = r
	}
	for _, c := range changes {
		for _, a := range c.Actors {
			actors[a.ID] = a
		}
		for _, r := range c.Relationships {
			rels[r.ID] = r.Facts()
		}
		for _, id := range c.DeletedActors {
			delete(actors, id)
			for rid, r := range rels {
				if r.FromID == id || r.ToID == id {
					delete(rels, rid)
				}
			}
		}
		for _, id := range c.DeletedRelationships {
			delete(rels, id)
		}
	}
	out := &domain.Snapshot{WorkspaceID: snap.WorkspaceID, Version: changes[len(changes)-1].Version}
	for _, a := range actors {
		out.Actors = append(out.Actors, a)
	}
	for _, r := range rels {
		out.Relationships = append(out.Relationships, r)
	}
	slices.SortFunc(out.Actors, func(x, y *domain.Actor) int { return strings.Compare(x.ID, y.ID) })
	slices.SortFunc(out.Relationships, func(x, y *domain.RelationshipFacts) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Random writes (creating, updating and deleting actors and
// relationships, deleting an actor with its relationships) applied to a
// snapshot give what applying them one by one to the whole workspace
// gives, and leave the snapshot they started from as it was.
func TestApplyChangesAgreesWithApplyingThemOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	actorID := func() string { return fmt.Sprintf("act_%02d", rng.IntN(30)) }
	relID := func() string { return fmt.Sprintf("rel_%03d", rng.IntN(120)) }
	for round := range 200 {
		// A workspace that exists: relationships only between its actors.
		state := &domain.Snapshot{WorkspaceID: "ws", Version: 10}
		live := map[string]bool{}
		for range rng.IntN(20) {
			if id := actorID(); !live[id] {
				live[id] = true
				state.Actors = append(state.Actors, &domain.Actor{ID: id, Name: "first " + id})
			}
		}
		slices.SortFunc(state.Actors, func(x, y *domain.Actor) int { return strings.Compare(x.ID, y.ID) })
		pick := func() string {
			for id := range live {
				return id
			}
			return ""
		}
		seenRel := map[string]bool{}
		for range rng.IntN(40) {
			if id, from, to := relID(), pick(), pick(); from != "" && !seenRel[id] {
				seenRel[id] = true
				state.Relationships = append(state.Relationships, &domain.RelationshipFacts{ID: id, Type: domain.Trusts, FromID: from, ToID: to})
			}
		}
		slices.SortFunc(state.Relationships, func(x, y *domain.RelationshipFacts) int { return strings.Compare(x.ID, y.ID) })
		before := fmt.Sprint(state.Actors, state.Relationships)
		var changes []domain.Change
		for v := range 1 + rng.IntN(6) {
			c := domain.Change{WorkspaceID: "ws", Version: state.Version + int64(v) + 1}
			for range 1 + rng.IntN(3) {
				switch rng.IntN(5) {
				case 0:
					id := actorID()
					live[id] = true
					c.Actors = append(c.Actors, &domain.Actor{ID: id, Name: fmt.Sprint("written ", id, " in ", c.Version)})
				case 1:
					if from, to := pick(), pick(); from != "" {
						c.Relationships = append(c.Relationships, &domain.Relationship{ID: relID(), Type: domain.Influences, FromID: from, ToID: to, Strength: float64(c.Version)})
					}
				case 2:
					if id := pick(); id != "" {
						delete(live, id)
						c.DeletedActors = append(c.DeletedActors, id)
					}
				default:
					c.DeletedRelationships = append(c.DeletedRelationships, relID())
				}
			}
			changes = append(changes, c)
		}
		got, want := applyChanges(state, changes), naiveApply(state, changes)
		if got.WorkspaceID != want.WorkspaceID || got.Version != want.Version ||
			!slices.Equal(got.Actors, want.Actors) || !sameFacts(got.Relationships, want.Relationships) {
			t.Fatalf("round %d: applyChanges gave\n%v\n%v\nwant\n%v\n%v", round, got.Actors, got.Relationships, want.Actors, want.Relationships)
		}
		if after := fmt.Sprint(state.Actors, state.Relationships); after != before {
			t.Fatalf("round %d: the snapshot changed under applyChanges", round)
		}
	}
}

// sameFacts reports whether x and y hold equal facts, in order (an empty
// list and none alike).
func sameFacts(x, y []*domain.RelationshipFacts) bool {
	return slices.EqualFunc(x, y, func(a, b *domain.RelationshipFacts) bool { return reflect.DeepEqual(a, b) })
}

// changeLogSource is a fakeSource with a change log.
type changeLogSource struct {
	fakeSource
	log []domain.Change
}

func (s *changeLogSource) ChangesSince(ws string, from, to int64) ([]domain.Change, bool) {
	var out []domain.Change
	for _, c := range s.log {
		if c.Version > from && c.Version <= to {
			out = append(out, c)
		}
	}
	return out, len(out) == int(to-from)
}

// After a write the engine has in its source's change log, the next
// analysis brings the snapshot up to date without reading the workspace
// again, and sees the write; after one the log lacks, it reads it again.
func TestEngineFollowsTheChangeLog(t *testing.T) {
	b := villageMap()
	slices.SortFunc(b.actors, func(x, y *domain.Actor) int { return strings.Compare(x.ID, y.ID) })
	slices.SortFunc(b.rels, func(x, y *domain.Relationship) int { return strings.Compare(x.ID, y.ID) })
	src := &changeLogSource{fakeSource: fakeSource{version: 1, b: b}}
	e := NewEngine(src, 8)
	graph := func() *Graph {
		t.Helper()
		g, err := e.Graph(context.Background(), "ws", Options{})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	graph()
	newcomer := &domain.Actor{ID: "zz_newcomer", WorkspaceID: "ws", Kind: domain.KindCommunity, Name: "Newcomer"}
	src.log = append(src.log, domain.Change{WorkspaceID: "ws", Version: 2, Actors: []*domain.Actor{newcomer}})
	src.version = 2
	if g := graph(); src.loads != 1 || !slices.Contains(g.actors, newcomer) {
		t.Errorf("after a logged write: %d reads of the workspace, the new actor in the projection: %v", src.loads, slices.Contains(g.actors, newcomer))
	}
	src.version = 3 // a write the log did not see
	graph()
	if src.loads != 2 {
		t.Errorf("after a write the log lacks: %d reads of the workspace, want 2", src.loads)
	}
}
