package domain

import (
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/errs"
)

func TestFrameworkValues(t *testing.T) {
	t.Parallel()
	// The two frameworks of the brief, written out by hand: four UNSCR 1325
	// pillars and five New Deal goals, nothing else.
	pillars := []Framework{"PARTICIPATION", "PROTECTION", "PREVENTION", "RELIEF_AND_RECOVERY"}
	goals := []Framework{"LEGITIMATE_POLITICS", "SECURITY", "JUSTICE", "ECONOMIC_FOUNDATIONS", "REVENUES_AND_SERVICES"}
	if !reflect.DeepEqual(UNSCR1325Pillars, pillars) || !reflect.DeepEqual(NewDealGoals, goals) {
		t.Fatalf("pillars %v goals %v", UNSCR1325Pillars, NewDealGoals)
	}
	if !reflect.DeepEqual(Frameworks, append(append([]Framework{}, pillars...), goals...)) {
		t.Fatalf("Frameworks = %v", Frameworks)
	}
	var f Framework
	if err := f.UnmarshalGQL("JUSTICE"); err != nil || f != FrameworkJustice {
		t.Errorf("UnmarshalGQL(JUSTICE) = %q, %v", f, err)
	}
	for _, bad := range []any{"justice", "GENDER", 3} {
		if err := f.UnmarshalGQL(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("UnmarshalGQL(%v) = %v, want invalid", bad, err)
		}
	}
}

func TestFrameworksValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   []Framework
		want []Framework // nil with bad: the error
		bad  bool
	}{
		{"none", nil, nil, false},
		{"empty is none", []Framework{}, nil, false},
		{"one", []Framework{"SECURITY"}, []Framework{"SECURITY"}, false},
		{"canonical order", []Framework{"REVENUES_AND_SERVICES", "JUSTICE", "PROTECTION", "PARTICIPATION"},
			[]Framework{"PARTICIPATION", "PROTECTION", "JUSTICE", "REVENUES_AND_SERVICES"}, false},
		{"repeats dropped", []Framework{"PREVENTION", "SECURITY", "PREVENTION", "SECURITY"}, []Framework{"PREVENTION", "SECURITY"}, false},
		{"all nine", []Framework{"REVENUES_AND_SERVICES", "ECONOMIC_FOUNDATIONS", "JUSTICE", "SECURITY", "LEGITIMATE_POLITICS",
			"RELIEF_AND_RECOVERY", "PREVENTION", "PROTECTION", "PARTICIPATION"}, Frameworks, false},
		{"unknown", []Framework{"SECURITY", "GENDER"}, nil, true},
		{"lower case is not the enum", []Framework{"security"}, nil, true},
		{"empty value", []Framework{""}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Actor{Kind: KindCommunity, Name: "Village", Frameworks: c.in}
			r := rel(Trusts)
			r.Frameworks = c.in
			for what, check := range map[string]struct {
				err error
				got *[]Framework
			}{"actor": {a.Validate(), &a.Frameworks}, "relationship": {r.Validate(), &r.Frameworks}} {
				if c.bad {
					assertInvalid(t, check.err, "frameworks")
					msg, _ := errs.Public(check.err)
					if !strings.Contains(msg, "LEGITIMATE_POLITICS") || !strings.Contains(msg, "RELIEF_AND_RECOVERY") {
						t.Errorf("%s: message %q does not name the allowed values", what, msg)
					}
					continue
				}
				if check.err != nil {
					t.Fatalf("%s: %v", what, check.err)
				}
				if !reflect.DeepEqual(*check.got, c.want) {
					t.Errorf("%s: frameworks %v, want %v", what, *check.got, c.want)
				}
			}
		})
	}
}

func TestFrameworksPatch(t *testing.T) {
	t.Parallel()
	a := Actor{Kind: KindCommunity, Name: "Village", Frameworks: []Framework{"PROTECTION"}}
	r := rel(Threatens)
	r.Frameworks = []Framework{"SECURITY"}
	set := []Framework{"JUSTICE", "PARTICIPATION", "JUSTICE"}
	empty := []Framework{}
	cases := []struct {
		name string
		o    Opt[[]Framework]
		want []Framework
	}{
		{"absent keeps", Opt[[]Framework]{}, nil},
		{"a list replaces, normalised", Opt[[]Framework]{Set: true, Value: &set}, []Framework{"PARTICIPATION", "JUSTICE"}},
		{"null clears", Opt[[]Framework]{Set: true}, nil},
		{"an empty list clears", Opt[[]Framework]{Set: true, Value: &empty}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			na, err := ActorPatch{Frameworks: c.o}.Apply(a)
			if err != nil {
				t.Fatal(err)
			}
			nr, err := RelationshipPatch{Frameworks: c.o}.Apply(r)
			if err != nil {
				t.Fatal(err)
			}
			wantA, wantR := c.want, c.want
			if !c.o.Set {
				wantA, wantR = []Framework{"PROTECTION"}, []Framework{"SECURITY"}
			}
			if !reflect.DeepEqual(na.Frameworks, wantA) || !reflect.DeepEqual(nr.Frameworks, wantR) {
				t.Errorf("actor %v relationship %v, want %v and %v", na.Frameworks, nr.Frameworks, wantA, wantR)
			}
		})
	}
	bad := []Framework{"PEACE"}
	if _, err := (ActorPatch{Frameworks: Opt[[]Framework]{Set: true, Value: &bad}}).Apply(a); err == nil {
		t.Error("an unknown framework in a patch was accepted")
	}
}
