package store

import (
	"slices"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// TestMergeFacts: the parts of a snapshot's read, each in id order, make
// one list in id order with each relationship once, whatever the parts'
// sizes.
func TestMergeFacts(t *testing.T) {
	facts := func(ids ...string) []*domain.RelationshipFacts {
		out := make([]*domain.RelationshipFacts, len(ids))
		for i, id := range ids {
			out[i] = &domain.RelationshipFacts{ID: id}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		parts [][]*domain.RelationshipFacts
		want  []string
	}{
		{"none", nil, []string{}},
		{"empty parts", [][]*domain.RelationshipFacts{nil, {}}, []string{}},
		{"one part", [][]*domain.RelationshipFacts{facts("a", "b")}, []string{"a", "b"}},
		{"interleaved", [][]*domain.RelationshipFacts{facts("a", "c", "e"), facts("b", "d", "f", "g")}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"one after the other", [][]*domain.RelationshipFacts{facts("x", "y"), facts("a", "b")}, []string{"a", "b", "x", "y"}},
		{"an id in two parts", [][]*domain.RelationshipFacts{facts("a", "b"), facts("b", "c")}, []string{"a", "b", "c"}},
		{"three parts", [][]*domain.RelationshipFacts{facts("c"), facts("a", "d"), facts("b")}, []string{"a", "b", "c", "d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			heads := make([]int, len(tc.parts))
			for i, p := range tc.parts {
				heads[i] = len(p)
			}
			got := []string{}
			for _, r := range mergeFacts(tc.parts) {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("merged %v, want %v", got, tc.want)
			}
			for i, p := range tc.parts {
				if len(p) != heads[i] {
					t.Errorf("part %d now has %d facts, had %d: the merge moved the caller's lists", i, len(p), heads[i])
				}
			}
		})
	}
}
