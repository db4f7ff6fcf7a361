package store

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

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

// TestSnapshotRelationshipRow: a row of snapshotRelsCypher decodes to the
// facts its columns name, properties not set (null) to no value, and its
// ends to the actors' ids; a row whose end is not an actor of the
// workspace to none.
func TestSnapshotRelationshipRow(t *testing.T) {
	ids := map[string]string{"4:db:1": "act_a", "4:db:2": "act_b"}
	row := func(set func(r []any)) []any {
		r := make([]any, factColumns)
		r[factID], r[factType], r[factFrom], r[factTo] = "rel_1", "THREATENS", "4:db:1", "4:db:2"
		r[factStrength], r[factConfidence], r[factSensitivity] = 0.5, int64(1), "RESTRICTED"
		set(r)
		return r
	}
	from, to := domain.DateOf(time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)), domain.DateOf(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC))
	full := row(func(r []any) {
		r[factPerceivedBy], r[factPower], r[factForm] = "women", "ENFORCEMENT", "VIOLENCE"
		r[factValidFrom], r[factValidTo] = neo4j.DateOf(from.Time()), neo4j.DateOf(to.Time())
		r[factFrameworks] = []any{"JUSTICE", "WPS"}
	})
	for _, tc := range []struct {
		name string
		row  []any
		want *domain.RelationshipFacts
	}{
		{"every column", full, &domain.RelationshipFacts{ID: "rel_1", Type: domain.Threatens, FromID: "act_a", ToID: "act_b",
			Strength: 0.5, Confidence: 1, PerceivedBy: new("women"), Power: new(domain.Enforcement), Form: new(domain.Form("VIOLENCE")),
			ValidFrom: &from, ValidTo: &to, Frameworks: []domain.Framework{"JUSTICE", "WPS"}, Sensitivity: domain.Restricted}},
		{"nulls", row(func([]any) {}), &domain.RelationshipFacts{ID: "rel_1", Type: domain.Threatens, FromID: "act_a", ToID: "act_b",
			Strength: 0.5, Confidence: 1, Sensitivity: domain.Restricted}},
		{"an end elsewhere", row(func(r []any) { r[factTo] = "4:db:9" }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := snapshotRelationship(tc.row, ids, newShared())
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	// Values many relationships share are one copy.
	sh := newShared()
	a, b := snapshotRelationship(full, ids, sh), snapshotRelationship(slices.Clone(full), ids, sh)
	if a.PerceivedBy != b.PerceivedBy || a.Power != b.Power || a.Form != b.Form {
		t.Error("two relationships with the same perceivedBy, power and form hold copies of their own")
	}
}
