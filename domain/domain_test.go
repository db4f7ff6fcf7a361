package domain

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/actorgraph/actorgraph/errs"
)

func TestActorValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		actor Actor
		field string // "" when valid
	}{
		{"minimal", Actor{Kind: KindCommunity, Name: "Village"}, ""},
		{"empty name", Actor{Kind: KindCommunity, Name: " \t "}, "name"},
		{"unknown kind", Actor{Kind: "PERSON", Name: "X"}, "kind"},
		{"long name", Actor{Kind: KindCommunity, Name: strings.Repeat("x", MaxNameLen+1)}, "name"},
		{"population on a force", Actor{Kind: KindSecurityForce, Name: "X", ActorAttributes: ActorAttributes{Population: new(3)}}, "population"},
		{"negative population", Actor{Kind: KindCommunity, Name: "X", ActorAttributes: ActorAttributes{Population: new(-1)}}, "population"},
		{"rights awareness above 1", Actor{Kind: KindCommunity, Name: "X", ActorAttributes: ActorAttributes{RightsAwareness: new(1.01)}}, "rightsAwareness"},
		{"womenLed on civil society", Actor{Kind: KindCivilSociety, Name: "X", ActorAttributes: ActorAttributes{WomenLed: new(true)}}, ""},
		{"womenLed on a council", Actor{Kind: KindStateInstitution, Name: "X", ActorAttributes: ActorAttributes{WomenLed: new(true)}}, "womenLed"},
		{"bad force type", Actor{Kind: KindSecurityForce, Name: "X", ActorAttributes: ActorAttributes{ForceType: new(ForceType("NINJA"))}}, "forceType"},
		{"too many tags", Actor{Kind: KindCommunity, Name: "X", Tags: make51Tags()}, "tags"},
		{"as many tags as allowed", Actor{Kind: KindCommunity, Name: "X", Tags: make51Tags()[:MaxTags]}, ""},
		{"repeated tags count once", Actor{Kind: KindCommunity, Name: "X", Tags: append(make51Tags()[:MaxTags], make51Tags()[:10]...)}, ""},
		{"a long tag", Actor{Kind: KindCommunity, Name: "X", Tags: []string{strings.Repeat("t", MaxTagLen+1)}}, "tags"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.actor.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			assertInvalid(t, err, c.field)
		})
	}
}

func make51Tags() []string {
	tags := make([]string, MaxTags+1)
	for i := range tags {
		tags[i] = strings.Repeat("t", i+1)
	}
	return tags
}

func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want an invalid %s", field)
	}
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("kind %s, want invalid: %v", errs.KindOf(err).Code(), err)
	}
	if msg, f := errs.Public(err); f != field || msg == "" {
		t.Fatalf("field %q message %q, want field %q", f, msg, field)
	}
}

func TestActorValidateNormalises(t *testing.T) {
	t.Parallel()
	a := Actor{Kind: KindCommunity, Name: "  Village ", Tags: []string{" a", "b", "a ", ""}, ExternalID: new("  ")}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Name != "Village" || len(a.Tags) != 2 || a.Tags[0] != "a" || a.Tags[1] != "b" || a.ExternalID != nil {
		t.Errorf("not normalised: %+v", a)
	}
}

func rel(typ RelationshipType) Relationship {
	return Relationship{Type: typ, FromID: "a", ToID: "b", Strength: 0.5, Confidence: 1}
}

func TestRelationshipValidate(t *testing.T) {
	t.Parallel()
	with := func(r Relationship, f func(*Relationship)) Relationship { f(&r); return r }
	d := MustDate
	cases := []struct {
		name  string
		r     Relationship
		field string
	}{
		{"plain", rel(Trusts), ""},
		{"strength 0 and 1 are in range", with(rel(Dialogue), func(r *Relationship) { r.Strength = 0; r.Confidence = 0 }), ""},
		{"strength above 1", with(rel(Trusts), func(r *Relationship) { r.Strength = 1.0001 }), "strength"},
		{"confidence below 0", with(rel(Trusts), func(r *Relationship) { r.Confidence = -1 }), "confidence"},
		{"self", with(rel(Trusts), func(r *Relationship) { r.ToID = "a" }), "to"},
		{"unknown type", rel("LOVES"), "type"},
		{"perceivedBy on TRUSTS", with(rel(Trusts), func(r *Relationship) { r.PerceivedBy = new("women") }), ""},
		{"perceivedBy on THREATENS", with(rel(Threatens), func(r *Relationship) { r.PerceivedBy = new("women") }), "perceivedBy"},
		{"mechanism on CONTROLS", with(rel(Controls), func(r *Relationship) { r.Mechanism = new(Mechanism("JUDICIAL")) }), "mechanism"},
		{"channel on INFLUENCES", with(rel(Influences), func(r *Relationship) { r.Channel = new(Channel("PETITION")) }), ""},
		{"power on each leverage type but CONTROLS", with(rel(Represents), func(r *Relationship) { r.Power = new(Enforcement) }), ""},
		{"power on CONTROLS", with(rel(Controls), func(r *Relationship) { r.Power = new(Enforcement) }), "power"},
		{"power on TRUSTS", with(rel(Trusts), func(r *Relationship) { r.Power = new(Answerability) }), "power"},
		{"threat form on THREATENS", with(rel(Threatens), func(r *Relationship) { r.Form = new(Form("EXTORTION")) }), ""},
		{"support form on THREATENS", with(rel(Threatens), func(r *Relationship) { r.Form = new(Form("TRAINING")) }), "form"},
		{"support form on SUPPORTS", with(rel(Supports), func(r *Relationship) { r.Form = new(Form("TRAINING")) }), ""},
		{"form on DIALOGUE", with(rel(Dialogue), func(r *Relationship) { r.Form = new(Form("ABUSE")) }), "form"},
		{"validTo after validFrom", with(rel(Dialogue), func(r *Relationship) { r.ValidFrom, r.ValidTo = new(d("2020-01-01")), new(d("2020-01-02")) }), ""},
		{"validTo equal to validFrom", with(rel(Dialogue), func(r *Relationship) { r.ValidFrom, r.ValidTo = new(d("2020-01-01")), new(d("2020-01-01")) }), "validTo"},
		{"validTo before validFrom", with(rel(Dialogue), func(r *Relationship) { r.ValidFrom, r.ValidTo = new(d("2021-01-01")), new(d("2020-01-01")) }), "validTo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.r.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			assertInvalid(t, err, c.field)
		})
	}
}

func TestValidAtIsInclusiveFromExclusiveTo(t *testing.T) {
	t.Parallel()
	r := rel(Dialogue)
	r.ValidFrom, r.ValidTo = new(MustDate("2020-01-01")), new(MustDate("2021-01-01"))
	for day, want := range map[string]bool{"2019-12-31": false, "2020-01-01": true, "2020-12-31": true, "2021-01-01": false} {
		if got := r.ValidAt(MustDate(day)); got != want {
			t.Errorf("ValidAt(%s) = %v, want %v", day, got, want)
		}
	}
	open := rel(Dialogue)
	if !open.ValidAt(MustDate("1900-01-01")) {
		t.Error("a relationship without dates is always in force")
	}
}

func TestRelationshipPatch(t *testing.T) {
	t.Parallel()
	r := rel(AccountableTo)
	r.Power = new(Enforcement)
	r.Confidence = 0.4
	next, err := RelationshipPatch{Power: Clear[Power](), Confidence: Clear[float64](), Strength: Some(0.9)}.Apply(r)
	if err != nil {
		t.Fatal(err)
	}
	if next.Power != nil || next.Confidence != 1 || next.Strength != 0.9 {
		t.Errorf("patched: %+v", next)
	}
	if r.Power == nil || r.Strength != 0.5 {
		t.Error("Apply modified its input")
	}
	if _, err := (RelationshipPatch{Strength: Clear[float64]()}).Apply(r); err == nil {
		t.Error("clearing strength must fail")
	}
}

func TestParseEnumListsAllowedValues(t *testing.T) {
	t.Parallel()
	var rt RelationshipType
	err := rt.UnmarshalGQL("LOVES")
	if err == nil || !strings.Contains(err.Error(), "TRUSTS") || !strings.Contains(err.Error(), "IN_TENSION_WITH") {
		t.Errorf("error %v should list the allowed values", err)
	}
	var k ActorKind
	if err := k.UnmarshalGQL("MOVEMENT"); err != nil || k != KindMovement {
		t.Errorf("UnmarshalGQL: %v %v", k, err)
	}
	if err := k.UnmarshalGQL(42); !errs.Is(err, errs.Invalid) {
		t.Errorf("a number is not an ActorKind: %v", err)
	}
}

func TestDate(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"2024-13-01", "2024-02-30", "24-01-01", "2024/01/01", ""} {
		if _, err := ParseDate(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseDate(%q) = %v, want invalid", bad, err)
		}
	}
	d := MustDate("2024-02-29")
	if d.String() != "2024-02-29" || !d.After(MustDate("2024-02-28")) || !d.Before(MustDate("2024-03-01")) {
		t.Errorf("date arithmetic: %v", d)
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	a, b := NewID(PrefixActor), NewID(PrefixActor)
	if a == b || IDKind(a) != PrefixActor || IDKind("x_1") != "" || IDKind(NewID(PrefixRelationship)) != PrefixRelationship {
		t.Errorf("ids: %s %s", a, b)
	}
	if !(a < b) {
		t.Errorf("ids are not time ordered: %s then %s", a, b)
	}
}

func TestTypedCoversEveryKind(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range ActorKinds {
		n := (&Actor{Kind: k, ID: "act_1"}).Typed()
		name := strings.TrimPrefix(strings.TrimPrefix(typeName(n), "domain."), "*")
		if seen[name] {
			t.Errorf("kind %s maps to %s, already used", k, name)
		}
		seen[name] = true
		if n.Base().Kind != k || n.NodeID() != "act_1" {
			t.Errorf("Typed(%s) lost the actor", k)
		}
	}
}

// MustDate parses s or panics: for literals in these tests (other
// packages' tests use domaintest.Date).
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Some and Clear are update fields that set and clear a field (other
// packages' tests use domaintest's).
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: &v} }

func Clear[T any]() Opt[T] { return Opt[T]{Set: true} }

func TestFirstUnprintable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		bad  bool
		want rune // the first unprintable rune, when bad
	}{
		{"plain", "project lead", false, 0},
		{"accents and symbols", "Équipe terrain ☂ — nord", false, 0},
		{"empty", "", false, 0},
		{"escape sequence", "ok\x1b[2J", true, 0x1b},
		{"newline", "two\nlines", true, '\n'},
		{"tab", "a\tb", true, '\t'},
		{"carriage return", "fake\rreal", true, '\r'},
		{"NUL", "nul\x00", true, 0},
		{"DEL", "del\x7f", true, 0x7f},
		{"C1 control", "csi\u009b", true, 0x9b},
		{"bidi override", "evil\u202Etxt.exe", true, 0x202E},
		{"zero-width space", "zero\u200Bwidth", true, 0x200B},
		{"not UTF-8", "bad\xffbyte", true, utf8.RuneError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r, bad := FirstUnprintable(c.in); bad != c.bad || bad && r != c.want {
				t.Errorf("FirstUnprintable(%q) = %U, %v; want %U, %v", c.in, r, bad, c.want, c.bad)
			}
		})
	}
}

func TestCheckFilterTags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		tags []string
		want int // how many remain; -1 when refused
	}{
		{"none", nil, 0},
		{"as many as an actor holds", make51Tags()[:MaxTags], MaxTags},
		{"one more", make51Tags(), -1},
		{"one tag many times", slices.Repeat([]string{"rural"}, 10*MaxTags), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckFilterTags("test", c.tags)
			if c.want < 0 {
				assertInvalid(t, err, "tags")
				return
			}
			if err != nil || len(got) != c.want {
				t.Errorf("got %d tags, %v; want %d", len(got), err, c.want)
			}
		})
	}
}
