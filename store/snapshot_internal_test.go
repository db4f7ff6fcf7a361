package store

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
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
			got, err := snapshotRelationship(tc.row, ids, newShared())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	// Values many relationships share are one copy.
	sh := newShared()
	a, _ := snapshotRelationship(full, ids, sh)
	b, _ := snapshotRelationship(slices.Clone(full), ids, sh)
	if a.PerceivedBy != b.PerceivedBy || a.Power != b.Power || a.Form != b.Form {
		t.Error("two relationships with the same perceivedBy, power and form hold copies of their own")
	}
}

// TestSnapshotRelationshipRowOfTheWrongShape: a row with a value missing
// where every relationship has one, or of another type than the store
// writes, fails the read and names the column, rather than decode to a
// relationship without an id, of strength 0 or in force for ever.
func TestSnapshotRelationshipRowOfTheWrongShape(t *testing.T) {
	ids := map[string]string{"4:db:1": "act_a", "4:db:2": "act_b"}
	good := func() []any {
		r := make([]any, factColumns)
		r[factID], r[factType], r[factFrom], r[factTo] = "rel_1", "TRUSTS", "4:db:1", "4:db:2"
		r[factStrength], r[factConfidence], r[factSensitivity] = 0.5, 0.9, "PUBLIC"
		return r
	}
	if _, err := snapshotRelationship(good(), ids, newShared()); err != nil {
		t.Fatalf("a good row: %v", err)
	}
	for _, tc := range []struct {
		column string
		set    func(r []any)
	}{
		{"id", func(r []any) { r[factID] = nil }},
		{"id", func(r []any) { r[factID] = "" }},
		{"id", func(r []any) { r[factID] = int64(7) }},
		{"type", func(r []any) { r[factType] = nil }},
		{"start", func(r []any) { r[factFrom] = int64(1) }},
		{"end", func(r []any) { r[factTo] = nil }},
		{"sensitivity", func(r []any) { r[factSensitivity] = nil }},
		{"strength", func(r []any) { r[factStrength] = nil }},
		{"strength", func(r []any) { r[factStrength] = "0.5" }},
		{"confidence", func(r []any) { r[factConfidence] = true }},
		{"perceivedBy", func(r []any) { r[factPerceivedBy] = []any{"women"} }},
		{"power", func(r []any) { r[factPower] = int64(1) }},
		{"form", func(r []any) { r[factForm] = 1.5 }},
		{"validFrom", func(r []any) { r[factValidFrom] = "2020-01-01" }},
		{"validTo", func(r []any) { r[factValidTo] = int64(2030) }},
		{"frameworks", func(r []any) { r[factFrameworks] = "WPS" }},
		{"frameworks", func(r []any) { r[factFrameworks] = []any{"WPS", int64(1)} }},
	} {
		r := good()
		tc.set(r)
		got, err := snapshotRelationship(r, ids, newShared())
		if err != nil {
			// The log names the relationship and the column (and no value).
			want := "its " + tc.column + " is"
			if id, _ := r[factID].(string); id != "" {
				want = fmt.Sprintf("relationship %q: %s", id, want)
			}
			if trace := errs.Trace(errs.Wrap("store.AnalysisSnapshot", err)); !strings.Contains(trace, want) {
				t.Errorf("the log line of a row with a bad %s: %q, want it to say %q", tc.column, trace, want)
			}
		}
		if err == nil || !strings.Contains(err.Error(), "its "+tc.column+" is") {
			t.Errorf("a row with a bad %s decoded to %+v, %v; want an error naming it", tc.column, got, err)
		}
	}
	if _, err := snapshotRelationship(good()[:factColumns-1], ids, newShared()); err == nil {
		t.Error("a row one value short decoded")
	}
}

// TestRecordBatch: a snapshot statement's record is one list; any other
// shape fails the read instead of reading as no rows.
func TestRecordBatch(t *testing.T) {
	if batch, err := recordBatch(&neo4j.Record{Values: []any{[]any{1, 2}}}); err != nil || len(batch) != 2 {
		t.Errorf("one list: %v, %v", batch, err)
	}
	for _, values := range [][]any{nil, {nil}, {"rows"}, {[]any{}, []any{}}} {
		if _, err := recordBatch(&neo4j.Record{Values: values}); err == nil {
			t.Errorf("a record of %#v read as a list", values)
		}
	}
}
