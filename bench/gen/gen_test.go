package gen

import (
	"reflect"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

func TestGenerateIsSeededAndShapedLikeTheBaseline(t *testing.T) {
	a, err := Generate("ws_a", 2000, 14)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate("ws_a", 2000, 14)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two maps")
	}
	c, err := Generate("ws_a", 2000, 15)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Relationships, c.Relationships) {
		t.Fatal("another seed gave the same map")
	}
	if len(a.Actors) != 2000 || len(a.Relationships) != 15000 {
		t.Fatalf("%d actors and %d relationships, want 2000 and 15000", len(a.Actors), len(a.Relationships))
	}
	kinds, types, sens := map[domain.ActorKind]int{}, map[domain.RelationshipType]int{}, map[domain.Sensitivity]int{}
	ids := map[string]bool{}
	for _, x := range a.Actors {
		kinds[x.Kind]++
		sens[x.Sensitivity]++
		ids[x.ID] = true
		if err := x.Validate(); err != nil {
			t.Fatalf("actor %s: %v", x.ID, err)
		}
	}
	for _, r := range a.Relationships {
		types[r.Type]++
		sens[r.Sensitivity]++
		ids[r.ID] = true
		if err := r.Validate(); err != nil {
			t.Fatalf("relationship %s: %v", r.ID, err)
		}
	}
	if len(ids) != len(a.Actors)+len(a.Relationships) {
		t.Fatal("ids repeat")
	}
	if len(kinds) != len(domain.ActorKinds) || len(types) != len(domain.RelationshipTypes) {
		t.Fatalf("kinds %v, types %v: want every one", kinds, types)
	}
	all := float64(len(a.Actors) + len(a.Relationships))
	for s, want := range map[domain.Sensitivity]float64{domain.Public: 0.6, domain.Restricted: 0.3, domain.Confidential: 0.1} {
		if got := float64(sens[s]) / all; got < want-0.02 || got > want+0.02 {
			t.Errorf("%s: %.3f of the records, want about %.1f", s, got, want)
		}
	}
	other, err := Generate("ws_b", 2000, 14)
	if err != nil {
		t.Fatal(err)
	}
	if other.Actors[0].ID == a.Actors[0].ID || other.Actors[0].Name != a.Actors[0].Name {
		t.Fatal("another workspace should get other ids and the same map")
	}
}
