package domain

import (
	"math"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/errs"
)

func TestCustomValueRoundTripsThroughText(t *testing.T) {
	d, _ := ParseDate("2021-03-04")
	for _, v := range []CustomValue{TextValue("Kabul"), NumberValue(12.5), NumberValue(-3), BoolValue(true), DateValue(d)} {
		got, err := ParseCustomValue(v.Kind, v.String())
		if err != nil || got != v {
			t.Errorf("ParseCustomValue(%s, %q) = %+v, %v; want %+v", v.Kind, v.String(), got, err, v)
		}
	}
}

func TestParseCustomValueRefusesWrongText(t *testing.T) {
	for _, c := range []struct {
		kind CustomKind
		text string
	}{{CustomNumber, "twelve"}, {CustomNumber, "NaN"}, {CustomNumber, "Inf"}, {CustomBoolean, "maybe"}, {CustomDate, "2021-13-01"}, {"COLOUR", "red"}} {
		if _, err := ParseCustomValue(c.kind, c.text); errs.KindOf(err) != errs.Invalid {
			t.Errorf("ParseCustomValue(%s, %q): %v, want an Invalid error", c.kind, c.text, err)
		}
	}
}

func TestCustomAttributesAreCheckedOnActors(t *testing.T) {
	base := ActorInput{Kind: KindCommunity, Name: "Village"}
	many := Custom{}
	for i := range MaxCustomAttributes + 1 {
		many[strings.Repeat("k", i+1)] = TextValue("v")
	}
	for _, c := range []struct {
		name   string
		custom Custom
	}{
		{"empty key", Custom{"  ": TextValue("x")}},
		{"control character", Custom{"a\x00b": TextValue("x")}},
		{"long key", Custom{strings.Repeat("k", MaxCustomKeyLen+1): TextValue("x")}},
		{"long text", Custom{"notes": TextValue(strings.Repeat("x", MaxTextLen+1))}},
		{"infinite", Custom{"n": NumberValue(math.Inf(1))}},
		{"no type", Custom{"n": {Text: "x"}}},
		{"trimmed twice", Custom{"a": TextValue("1"), " a ": TextValue("2")}},
		{"too many", many},
	} {
		in := base
		in.Custom = c.custom
		if _, err := NewActor("w", in); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: NewActor = %v, want an Invalid error", c.name, err)
		}
	}
	in := base
	in.Custom = Custom{" fatalities ": NumberValue(12), "armed": BoolValue(true), "note": TextValue("  quiet ")}
	a, err := NewActor("w", in)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Custom["fatalities"]; got != NumberValue(12) {
		t.Errorf("fatalities = %+v, want 12 under the trimmed key", got)
	}
	if got := a.Custom["note"].Text; got != "quiet" {
		t.Errorf("note = %q, want the trimmed text", got)
	}
	in.Custom["armed"] = BoolValue(false)
	if a.Custom["armed"] != BoolValue(true) {
		t.Error("the actor shares its custom attributes with the input")
	}
}

func TestLayoutIsChecked(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		name   string
		layout Layout
		ok     bool
	}{
		{"position", Layout{X: f(1.5), Y: f(-20)}, true},
		{"colour", Layout{Color: s("#FF00aa")}, true},
		{"colour with alpha", Layout{Color: s("#ff00aa80")}, true},
		{"named colour", Layout{Color: s("red")}, false},
		{"NaN", Layout{X: f(math.NaN())}, false},
		{"zero size", Layout{Size: f(0)}, false},
	} {
		a, err := NewActor("w", ActorInput{Kind: KindCommunity, Name: "V", Layout: c.layout})
		if c.ok != (err == nil) {
			t.Errorf("%s: err = %v, want ok=%v", c.name, err, c.ok)
		}
		if err == nil && a.Layout.Color != nil && *a.Layout.Color != strings.ToLower(*c.layout.Color) {
			t.Errorf("%s: colour %q is not kept in lower case", c.name, *a.Layout.Color)
		}
	}
}

func TestColorParts(t *testing.T) {
	r, g, b, a, err := RGBA("#0a141e80")
	if err != nil || r != 10 || g != 20 || b != 30 || a != 128 {
		t.Fatalf("RGBA = %d %d %d %d %v", r, g, b, a, err)
	}
	if got := HexColor(10, 20, 30, 255); got != "#0a141e" {
		t.Errorf("HexColor = %q", got)
	}
	if _, _, _, _, err := RGBA("blue"); err == nil {
		t.Error("RGBA(blue) should fail")
	}
}

func TestPatchReplacesCustomAttributes(t *testing.T) {
	a, err := NewActor("w", ActorInput{Kind: KindCommunity, Name: "V", Custom: Custom{"a": TextValue("1"), "b": TextValue("2")}})
	if err != nil {
		t.Fatal(err)
	}
	next := Custom{"c": NumberValue(3)}
	got, err := ActorPatch{Custom: Opt[Custom]{Set: true, Value: &next}}.Apply(*a)
	if err != nil || len(got.Custom) != 1 || got.Custom["c"] != NumberValue(3) {
		t.Fatalf("patched custom = %v, %v", got.Custom, err)
	}
	cleared, err := ActorPatch{Custom: Opt[Custom]{Set: true}}.Apply(*a)
	if err != nil || cleared.Custom != nil {
		t.Fatalf("cleared custom = %v, %v", cleared.Custom, err)
	}
	if len(a.Custom) != 2 {
		t.Errorf("the patch changed the original: %v", a.Custom)
	}
}

func TestPseudonymiseDropsCustomAttributes(t *testing.T) {
	a, _ := NewActor("w", ActorInput{Kind: KindCommunity, Name: "Riverside", Custom: Custom{"informant": TextValue("Amina")}})
	a.ID = "act_1"
	r := &Relationship{ID: "rel_1", FromID: "act_1", ToID: "act_2", Type: Trusts, Custom: Custom{"witness": TextValue("ferryman")}}
	out := Pseudonymise(&Contents{Actors: []*Actor{a}, Relationships: []*Relationship{r}}, []byte("key"))
	if out.Actors[0].Custom != nil || out.Relationships[0].Custom != nil {
		t.Errorf("pseudonymised records keep custom attributes: %v %v", out.Actors[0].Custom, out.Relationships[0].Custom)
	}
	if a.Custom["informant"].Text != "Amina" {
		t.Error("pseudonymising changed the original")
	}
}
