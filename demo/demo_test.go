package demo

import (
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// The demo map passes the model's own validation and its references
// resolve, without a database.
func TestDemoMapIsValid(t *testing.T) {
	t.Parallel()
	m, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]bool{}
	for _, s := range m.Sources {
		if sources[s.Key] {
			t.Errorf("duplicate source key %s", s.Key)
		}
		sources[s.Key] = true
		if _, err := domain.NewSource("ws", domain.SourceInput{Title: s.Title, Kind: s.Kind, URL: s.URL, PublishedOn: s.PublishedOn, Reliability: s.Reliability}); err != nil {
			t.Errorf("source %s: %v", s.Key, err)
		}
	}
	actors := map[string]bool{}
	kinds := map[domain.ActorKind]bool{}
	for _, a := range m.Actors {
		if actors[a.Key] {
			t.Errorf("duplicate actor key %s", a.Key)
		}
		actors[a.Key], kinds[a.Kind] = true, true
		if _, err := domain.NewActor("ws", domain.ActorInput{Kind: a.Kind, Name: a.Name, Description: a.Description, Region: a.Region,
			Tags: a.Tags, Frameworks: a.Frameworks, ActorAttributes: a.ActorAttributesJSON.Attributes()}); err != nil {
			t.Errorf("actor %s: %v", a.Key, err)
		}
		for _, s := range a.Sources {
			if !sources[s] {
				t.Errorf("actor %s cites unknown source %s", a.Key, s)
			}
		}
	}
	types := map[domain.RelationshipType]int{}
	keys := map[string]bool{}
	for _, r := range m.Relationships {
		if keys[r.Key] {
			t.Errorf("duplicate relationship key %s", r.Key)
		}
		keys[r.Key] = true
		types[r.Type]++
		if !actors[r.From] || !actors[r.To] {
			t.Errorf("relationship %s joins unknown actors %s → %s", r.Key, r.From, r.To)
		}
		if _, err := domain.NewRelationship("ws", domain.RelationshipInput{Type: r.Type, From: r.From, To: r.To, Strength: r.Strength,
			Confidence: r.Confidence, PerceivedBy: r.PerceivedBy, Mechanism: r.Mechanism, Channel: r.Channel, Power: r.Power,
			Form: r.Form, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, Notes: r.Notes, Frameworks: r.Frameworks}); err != nil {
			t.Errorf("relationship %s: %v", r.Key, err)
		}
	}
	if len(m.Actors) < 20 || len(m.Relationships) < 50 {
		t.Errorf("%d actors and %d relationships; the demo needs at least 20 and 50", len(m.Actors), len(m.Relationships))
	}
	if len(kinds) != len(domain.ActorKinds) {
		t.Errorf("kinds covered: %v", kinds)
	}
	for _, typ := range domain.RelationshipTypes {
		if types[typ] == 0 {
			t.Errorf("no %s relationship in the demo", typ)
		}
	}
}
