package store_test

import (
	"reflect"
	"testing"

	"github.com/actorgraph/actorgraph/analysis"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// After each of the store's single-record writes, an engine that holds
// the workspace brings it up to date from the store's change log (one
// statement: the version) and sees exactly what an engine reading the
// workspace afresh sees; across a write the log does not follow (a
// source), it reads the workspace again.
func TestChangeLogKeepsTheEngineCurrent(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	village := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Village"})
	police := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Police"})
	council := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "Council"})
	mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: police.ID, To: village.ID, Strength: 0.7})
	toCouncil := mustRel(t, st, domain.RelationshipInput{Type: domain.AccountableTo, From: council.ID, To: village.ID, Strength: 0.4})
	source, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Survey", Kind: "REPORT"})
	if err != nil {
		t.Fatal(err)
	}
	held := analysis.NewEngine(st, 8)
	graph := func(e *analysis.Engine) *analysis.Graph {
		t.Helper()
		g, err := e.Graph(ctx, ws.ID, analysis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	graph(held)
	var newcomer *domain.Actor
	var newRel *domain.Relationship
	steps := []struct {
		name   string
		write  func() error
		logged bool
	}{
		{"create an actor", func() (err error) {
			newcomer, err = st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Movement", Region: new("North"),
				Description: new("A youth movement"), Tags: []string{"youth", "urban"}, Frameworks: []domain.Framework{domain.FrameworkParticipation},
				ExternalID: new("m-1"), SourceIDs: []string{source.ID}, Sensitivity: new(domain.Restricted),
				Custom: domain.Custom{"founded": domain.DateValue(domaintest.Date("2019-03-01")), "members": domain.NumberValue(1200), "banned": domain.BoolValue(false)},
				Layout: domain.Layout{X: new(1.5), Y: new(-2.0), Color: new("#aabbcc")}})
			return err
		}, true},
		{"create a relationship", func() (err error) {
			newRel, err = st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Dialogue, From: newcomer.ID, To: council.ID, Strength: 0.5,
				Confidence: new(0.8), ExternalID: new("d-1"), Power: new(domain.Answerability),
				ValidFrom: new(domaintest.Date("2020-01-01")), ValidTo: new(domaintest.Date("2030-01-01")), Notes: new("monthly meetings"),
				SourceIDs: []string{source.ID}, Frameworks: []domain.Framework{domain.FrameworkProtection},
				Custom: domain.Custom{"venue": domain.TextValue("town hall")}})
			return err
		}, true},
		{"create relationships with a mechanism, a channel, a perceiver", func() error {
			if _, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.AccountableTo, From: police.ID, To: newcomer.ID, Strength: 0.3,
				Mechanism: new(domain.Mechanisms[1])}); err != nil {
				return err
			}
			if _, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Influences, From: newcomer.ID, To: police.ID, Strength: 0.6,
				Channel: new(domain.Channels[1])}); err != nil {
				return err
			}
			_, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: domain.Trusts, From: village.ID, To: newcomer.ID, Strength: 0.6,
				PerceivedBy: new(village.ID)})
			return err
		}, true}, // three writes: the engine follows them from the log
		{"update a relationship's custom attributes", func() error {
			_, err := st.UpdateRelationship(ctx, newRel.ID, domain.RelationshipPatch{Custom: domaintest.Some(domain.Custom{"venue": domain.TextValue("school")})})
			return err
		}, true},
		{"update a relationship", func() error {
			_, err := st.UpdateRelationship(ctx, toCouncil.ID, domain.RelationshipPatch{Strength: domaintest.Some(0.9), Sensitivity: domaintest.Some(domain.Confidential)})
			return err
		}, true},
		{"update an actor", func() error {
			_, err := st.UpdateActor(ctx, police.ID, domain.ActorPatch{Name: domaintest.Some("Police (renamed)"), Sensitivity: domaintest.Some(domain.Restricted)})
			return err
		}, true},
		{"delete a relationship", func() error { _, err := st.DeleteRelationship(ctx, newRel.ID); return err }, true},
		{"delete an actor with its relationships", func() error { _, err := st.DeleteActor(ctx, police.ID); return err }, true},
		{"create a source, then an actor", func() error {
			if _, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Interview", Kind: "REPORT"}); err != nil {
				return err
			}
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Hamlet"})
			return err
		}, false},
		{"then another", func() error {
			_, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Farm"})
			return err
		}, true},
	}
	for _, step := range steps {
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		before := st.QueryCount()
		got := graph(held)
		statements := st.QueryCount() - before
		if logged := statements == 1; logged != step.logged {
			t.Errorf("%s: the engine sent %d statements (logged: %v, want %v)", step.name, statements, logged, step.logged)
		}
		want := graph(analysis.NewEngine(st, 8))
		if !reflect.DeepEqual(got.Relationships(), want.Relationships()) {
			t.Errorf("%s: relationships\n%v\nwant\n%v", step.name, got.Relationships(), want.Relationships())
		}
		for _, id := range []string{village.ID, police.ID, council.ID, newcomer.ID} {
			if !reflect.DeepEqual(got.Actor(id), want.Actor(id)) {
				t.Errorf("%s: actor %s: %+v, want %+v", step.name, id, got.Actor(id), want.Actor(id))
			}
		}
	}
}
