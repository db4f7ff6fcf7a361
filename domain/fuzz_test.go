package domain

import (
	"errors"
	"math"
	"testing"

	"github.com/actorgraph/actorgraph/errs"
)

// Fuzz targets for the input validators: whatever a client sends, they
// never panic; what they refuse is an Invalid error naming a field; what
// they accept keeps the rules the rest of the service relies on.

func FuzzActorInput(f *testing.F) {
	f.Add("COMMUNITY", "Riverside village", "rural", int64(1200), 0.4)
	f.Add("SECURITY_FORCE", "", "", int64(-1), 2.0)
	f.Add("planet", "x' }) MATCH (n) DETACH DELETE n //", "\x00", int64(math.MaxInt64), math.NaN())
	f.Fuzz(func(t *testing.T, kind, name, tag string, population int64, awareness float64) {
		var k ActorKind
		kindErr := k.UnmarshalGQL(kind)
		pop := int(population)
		in := ActorInput{Kind: k, Name: name, Tags: []string{tag}}
		in.Population, in.RightsAwareness = &pop, &awareness
		a, err := NewActor("ws_1", in)
		if err != nil {
			mustBeInvalid(t, err)
			return
		}
		if kindErr != nil {
			t.Fatalf("kind %q refused by the enum but accepted by NewActor", kind)
		}
		if a.Name == "" || *a.RightsAwareness < 0 || *a.RightsAwareness > 1 || math.IsNaN(*a.RightsAwareness) || *a.Population < 0 {
			t.Fatalf("accepted an actor that breaks the rules: %+v", a)
		}
	})
}

func FuzzRelationshipInput(f *testing.F) {
	f.Add("TRUSTS", "act_1", "act_2", 0.5, 0.8, "2020-01-01", "2021-01-01")
	f.Add("THREATENS", "act_1", "act_1", 1.5, -1.0, "2021", "2020-13-40")
	f.Add("", "", "", math.Inf(1), math.NaN(), "", "")
	f.Fuzz(func(t *testing.T, typ, from, to string, strength, confidence float64, validFrom, validTo string) {
		var rt RelationshipType
		_ = rt.UnmarshalGQL(typ)
		in := RelationshipInput{Type: rt, From: from, To: to, Strength: strength, Confidence: &confidence}
		for _, d := range []struct {
			text string
			into **Date
		}{{validFrom, &in.ValidFrom}, {validTo, &in.ValidTo}} {
			var date Date
			if err := date.UnmarshalGQL(d.text); err != nil {
				mustBeInvalid(t, err)
				continue
			}
			*d.into = &date
		}
		r, err := NewRelationship("ws_1", in)
		if err != nil {
			mustBeInvalid(t, err)
			return
		}
		if r.Strength < 0 || r.Strength > 1 || math.IsNaN(r.Strength) || r.Confidence < 0 || r.Confidence > 1 || r.FromID == r.ToID ||
			(r.ValidFrom != nil && r.ValidTo != nil && !r.ValidTo.After(*r.ValidFrom)) {
			t.Fatalf("accepted a relationship that breaks the rules: %+v", r)
		}
	})
}

func mustBeInvalid(t *testing.T, err error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Msg == "" {
		t.Fatalf("refused with %v, not an Invalid error with a message", err)
	}
}

func FuzzSourceInput(f *testing.F) {
	f.Add("Survey of 2024", "SURVEY", "https://example.org/x", 0.8, "PUBLIC")
	f.Add("", "RUMOUR", "", -1.0, "SECRET")
	f.Add("x' }) DETACH DELETE n //", "REPORT", "\x00", math.NaN(), "")
	f.Fuzz(func(t *testing.T, title, kind, url string, reliability float64, sensitivity string) {
		var k SourceKind
		kindErr := k.UnmarshalGQL(kind)
		var lvl Sensitivity
		lvlErr := lvl.UnmarshalGQL(sensitivity)
		in := SourceInput{Title: title, Kind: k, URL: &url, Reliability: &reliability}
		given := sensitivity != "" && lvlErr == nil // what the GraphQL enum lets through
		if given {
			in.Sensitivity = &lvl
		}
		s, err := NewSource("ws_1", in)
		if err != nil {
			mustBeInvalid(t, err)
			return
		}
		if kindErr != nil {
			t.Fatalf("the enum refused %q but NewSource accepted it", kind)
		}
		if s.Title == "" || *s.Reliability < 0 || *s.Reliability > 1 || math.IsNaN(*s.Reliability) || !s.Sensitivity.IsValid() {
			t.Fatalf("accepted a source that breaks the rules: %+v", s)
		}
		if given && s.Sensitivity != lvl {
			t.Fatalf("sensitivity %s became %s", lvl, s.Sensitivity)
		}
		if !given && s.Sensitivity != Restricted {
			t.Fatalf("a source without a sensitivity became %s, not RESTRICTED", s.Sensitivity)
		}
	})
}
