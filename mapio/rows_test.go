package mapio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

func readFile(t *testing.T, name string) *Table {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, problems := ReadTable(name, f)
	if len(problems) > 0 {
		t.Fatalf("%s: %v", name, problems)
	}
	return tb
}

// A Kumu-style export (Label, Type, Tags with |, From/To by id or name),
// a survey-coded trust column and a semicolon sources file.
func TestReadKumuStyleMap(t *testing.T) {
	t.Parallel()
	srcs, problems := ReadSources(readFile(t, "sources.csv"))
	if len(problems) > 0 || len(srcs) != 1 || srcs[0].Input.Kind != "SURVEY" || srcs[0].Input.PublishedOn.String() != "2024-03-01" {
		t.Fatalf("sources %+v %v", srcs, problems)
	}
	actors, problems := ReadActors(readFile(t, "kumu-actors.csv"))
	if len(problems) > 0 || len(actors) != 4 {
		t.Fatalf("actors: %v", problems)
	}
	tamal := actors[0]
	if tamal.Input.Kind != domain.KindCommunity || *tamal.Input.Population != 3200 || strings.Join(tamal.Input.Tags, ";") != "rural;UNSCR1325:protection" ||
		*tamal.Input.ExternalID != "c-tamal" || tamal.SourceKeys[0] != "s-survey" || tamal.Row != 2 {
		t.Errorf("tamal: %+v", tamal)
	}
	if actors[1].Input.Kind != domain.KindSecurityForce || *actors[1].Input.ForceType != "POLICE" || actors[3].Input.Kind != domain.KindStateInstitution {
		t.Errorf("kinds from everyday names: %+v %+v", actors[1].Input, actors[3].Input)
	}
	rels, skipped, problems := ReadRelationships(readFile(t, "kumu-relationships.csv"))
	if len(problems) > 0 {
		t.Fatalf("relationships: %v", problems)
	}
	if len(rels) != 4 || len(skipped) != 1 || skipped[0].Row != 4 {
		t.Fatalf("%d relationships, skipped %v; the don't-know row makes none", len(rels), skipped)
	}
	if rels[1].Input.Strength != 0.33 || *rels[1].Input.PerceivedBy != "women" {
		t.Errorf("survey answer: %+v", rels[1].Input)
	}
	if rels[2].Input.ValidFrom.String() != "2019-01-01" || rels[3].Input.ValidFrom.String() != "2019-03-01" || rels[3].Input.ValidTo.String() != "2024-01-01" {
		t.Errorf("partial dates: %v %v %v", rels[2].Input.ValidFrom, rels[3].Input.ValidFrom, rels[3].Input.ValidTo)
	}
	doc := &Document{Sources: srcs, Actors: actors, Relationships: rels}
	links, problems := Resolve(doc)
	if len(problems) > 0 {
		t.Fatalf("resolve: %v", problems)
	}
	// "Tamal villages" is found by name, "District council" too.
	if links.From[2] != 0 || links.To[2] != 2 || links.To[3] != 3 {
		t.Errorf("links %+v", links)
	}
}

// Every problem of a bad file is reported at once, each on its row and
// column, in words a researcher understands.
func TestEveryProblemReportedAtOnce(t *testing.T) {
	t.Parallel()
	rels, _, problems := ReadRelationships(readFile(t, "bad-relationships.csv"))
	want := []struct {
		row           int
		column, words string
	}{
		{2, "strength", `strength "high" is not a number between 0 and 1`},
		{4, "trustSurvey", "both strength and trustSurvey are filled"},
		{5, "Type", `type "LOVES" is not one of the allowed values: TRUSTS, ACCOUNTABLE_TO`},
		{6, "strength", `strength "0,5" has a decimal comma; write it with a decimal point (0.5)`},
		{7, "confidence", `confidence "2" is not a number between 0 and 1`},
		{8, "validTo", "validTo (2020-01-01) must be after validFrom (2020-01-01)"},
		{9, "To", `From and To are both "c-tamal"; a relationship must connect two different actors`},
	}
	if len(problems) != len(want) {
		t.Fatalf("%d problems, want %d: %v", len(problems), len(want), problems)
	}
	for i, w := range want {
		p := problems[i]
		if p.Row != w.row || p.Column != w.column || !strings.Contains(p.Message, w.words) || p.File != "bad-relationships.csv" {
			t.Errorf("problem %d: %s, want row %d column %s: %s", i, p, w.row, w.column, w.words)
		}
	}
	// Row 3 is valid in itself but names an actor nobody defined; the
	// problem names the column as the file does ("To").
	actors, _ := ReadActors(readFile(t, "kumu-actors.csv"))
	_, problems = Resolve(&Document{Actors: actors, Relationships: rels})
	found := false
	for _, p := range problems {
		if p.Row == 3 && p.Column == "To" && strings.Contains(p.Message, `To "Police HQ" matches no actor`) {
			found = true
		}
	}
	if !found {
		t.Errorf("unresolved To not reported: %v", problems)
	}
}

func TestHeaderProblems(t *testing.T) {
	t.Parallel()
	tb, _ := ReadTable("actors.csv", strings.NewReader("Label,Colour,label\nA,red,B\n"))
	_, problems := ReadActors(tb)
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{`column "label" repeats name`, "needs a kind column"} {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in:\n%s", w, all)
		}
	}
}
