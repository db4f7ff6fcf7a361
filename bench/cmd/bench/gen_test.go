package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

func TestGenerateIsSeededAndShapedLikeTheBaseline(t *testing.T) {
	a, err := generate("ws_a", 2000, 14)
	if err != nil {
		t.Fatal(err)
	}
	b, err := generate("ws_a", 2000, 14)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two maps")
	}
	c, err := generate("ws_a", 2000, 15)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.relationships, c.relationships) {
		t.Fatal("another seed gave the same map")
	}
	if len(a.actors) != 2000 || len(a.relationships) != 15000 {
		t.Fatalf("%d actors and %d relationships, want 2000 and 15000", len(a.actors), len(a.relationships))
	}
	kinds, types, sens := map[domain.ActorKind]int{}, map[domain.RelationshipType]int{}, map[domain.Sensitivity]int{}
	ids := map[string]bool{}
	for _, x := range a.actors {
		kinds[x.Kind]++
		sens[x.Sensitivity]++
		ids[x.ID] = true
		if err := x.Validate(); err != nil {
			t.Fatalf("actor %s: %v", x.ID, err)
		}
	}
	for _, r := range a.relationships {
		types[r.Type]++
		sens[r.Sensitivity]++
		ids[r.ID] = true
		if err := r.Validate(); err != nil {
			t.Fatalf("relationship %s: %v", r.ID, err)
		}
	}
	if len(ids) != len(a.actors)+len(a.relationships) {
		t.Fatal("ids repeat")
	}
	if len(kinds) != len(domain.ActorKinds) || len(types) != len(domain.RelationshipTypes) {
		t.Fatalf("kinds %v, types %v: want every one", kinds, types)
	}
	all := float64(len(a.actors) + len(a.relationships))
	for s, want := range map[domain.Sensitivity]float64{domain.Public: 0.6, domain.Restricted: 0.3, domain.Confidential: 0.1} {
		if got := float64(sens[s]) / all; got < want-0.02 || got > want+0.02 {
			t.Errorf("%s: %.3f of the records, want about %.1f", s, got, want)
		}
	}
	other, err := generate("ws_b", 2000, 14)
	if err != nil {
		t.Fatal(err)
	}
	if other.actors[0].ID == a.actors[0].ID || other.actors[0].Name != a.actors[0].Name {
		t.Fatal("another workspace should get other ids and the same map")
	}
}

func TestShownArgsLeaveOutWhatBenchRunAdds(t *testing.T) {
	got := shownArgs([]string{"--actorgraph", "bin/actorgraph", "--logs=/tmp/x", "--sizes", "1k", "--requests", "10"})
	if want := []string{"--sizes", "1k", "--requests", "10"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestWriteReportReplacesOnlyTheMarkedLines(t *testing.T) {
	path := t.TempDir() + "/p.md"
	page := "# P\n\nSay `<!-- bench:begin -->` and `<!-- bench:end -->`.\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\nafter\n"
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := writeReport(path, "new\n"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	if want := strings.Replace(page, "\nold\n", "\nnew\n", 1); string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
