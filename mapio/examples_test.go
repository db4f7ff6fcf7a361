package mapio_test

import (
	"os"
	"slices"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The README's walkthrough (docs/examples): a Kumu stakeholder map whose
// element types ("Stakeholder", "Armed group") and polarity connection
// types ("++", "--") the researcher's mapping translates, written with
// the file's own names for the columns. It must keep working as the
// README says.
func TestReadmeKumuExampleImportsWithItsMapping(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	data, err := os.ReadFile("../docs/examples/stakeholders.json")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile("../docs/examples/stakeholders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mapping := &mapio.MappingInput{Name: "stakeholders.yaml", Text: text}
	without := importWith(t, st, ws.ID, one("stakeholders.json", string(data)), mapio.Options{DryRun: true, SuggestMapping: true})
	if len(without.Problems) == 0 || without.SuggestedMapping == "" {
		t.Fatalf("without a mapping: %d problems, suggestion %q", len(without.Problems), without.SuggestedMapping)
	}
	rep := importWith(t, st, ws.ID, one("stakeholders.json", string(data)), mapio.Options{Mapping: mapping})
	if len(rep.Problems) > 0 || rep.Actors.Created != 6 || rep.Relationships.Created != 7 {
		t.Fatalf("import: %+v, actors %+v, relationships %+v", rep.Problems, rep.Actors, rep.Relationships)
	}
	if !slices.Contains(rep.Mapping, `actors: kind from attribute "kind": "Armed group" -> SECURITY_FORCE (1 actor)`) {
		t.Errorf("mapping lines: %q", rep.Mapping)
	}
	c := contents(t, st, ws.ID)
	kinds := map[string]domain.ActorKind{}
	for _, a := range c.Actors {
		kinds[a.Name] = a.Kind
		if _, ok := a.Custom["level of influence"]; !ok {
			t.Errorf("%s lost its level of influence: %v", a.Name, a.Custom)
		}
	}
	if kinds["Valley defence militia"] != domain.KindSecurityForce || kinds["Tamal Valley villages"] != domain.KindCommunity {
		t.Errorf("kinds: %v", kinds)
	}
	types := map[domain.RelationshipType]int{}
	for _, r := range c.Relationships {
		types[r.Type]++
	}
	if types[domain.Supports] != 4 || types[domain.InTensionWith] != 3 {
		t.Errorf("types: %v", types)
	}
}
