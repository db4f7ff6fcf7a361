package mapio

import (
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// The lenient spellings of frameworks researchers write, and what each
// reads as.
func TestParseFrameworksSpellings(t *testing.T) {
	t.Parallel()
	type fw = domain.Framework
	cases := []struct {
		cell string
		want []fw
		bad  []string // a part of each problem's message, in order
	}{
		{"", nil, nil},
		{"LEGITIMATE_POLITICS", []fw{"LEGITIMATE_POLITICS"}, nil},
		{"Relief and recovery", []fw{"RELIEF_AND_RECOVERY"}, nil},
		{"relief-and-recovery", []fw{"RELIEF_AND_RECOVERY"}, nil},
		{"Relief & Recovery", []fw{"RELIEF_AND_RECOVERY"}, nil},
		{"  economic   foundations ", []fw{"ECONOMIC_FOUNDATIONS"}, nil},
		{"revenues_and-services", []fw{"REVENUES_AND_SERVICES"}, nil},
		{"UNSCR1325:protection", []fw{"PROTECTION"}, nil},
		{"UNSCR 1325: Participation", []fw{"PARTICIPATION"}, nil},
		{"1325: Protection", []fw{"PROTECTION"}, nil},
		{"SCR-1325:prevention", []fw{"PREVENTION"}, nil},
		{"WPS: relief and recovery", []fw{"RELIEF_AND_RECOVERY"}, nil},
		{"New Deal: Justice", []fw{"JUSTICE"}, nil},
		{"new_deal:legitimate politics", []fw{"LEGITIMATE_POLITICS"}, nil},
		{"PSG:security", []fw{"SECURITY"}, nil},
		{"PSGs : Revenues and services", []fw{"REVENUES_AND_SERVICES"}, nil},
		// Separators: "|" as for tags, and ";" or ","; empty parts are skipped.
		{"protection|SECURITY", []fw{"PROTECTION", "SECURITY"}, nil},
		{"Justice; 1325: Participation", []fw{"PARTICIPATION", "JUSTICE"}, nil},
		{"security, prevention,, ", []fw{"PREVENTION", "SECURITY"}, nil},
		{"|Protection|", []fw{"PROTECTION"}, nil},
		// Repeats count once, and the order is the enum's.
		{"PSG:security|Security|SECURITY", []fw{"SECURITY"}, nil},
		{"REVENUES_AND_SERVICES|PARTICIPATION", []fw{"PARTICIPATION", "REVENUES_AND_SERVICES"}, nil},
		// Problems.
		{"Gender", nil, []string{`"Gender" is not a framework`}},
		{"Protection|Peace|Justice", []fw{"PROTECTION", "JUSTICE"}, []string{`"Peace" is not a framework`}},
		{"1325: Security", nil, []string{`"1325: Security": SECURITY is not a UNSCR 1325 pillar`}},
		{"New Deal: protection", nil, []string{`"New Deal: protection": PROTECTION is not a New Deal goal`}},
		{"Gender: protection", nil, []string{`the prefix "Gender" names neither UNSCR 1325`}},
		{"reliefandrecovery", nil, []string{`"reliefandrecovery" is not a framework`}},
		{"PSG1", nil, []string{`"PSG1" is not a framework`}},
	}
	for _, c := range cases {
		t.Run(c.cell, func(t *testing.T) {
			got, bad := parseFrameworks(c.cell)
			// The cell's values as the domain keeps them.
			norm, err := domain.NormalizeFrameworks("", "frameworks", got)
			if err != nil {
				t.Fatalf("parsed values the domain refuses: %v", err)
			}
			if !reflect.DeepEqual(norm, c.want) {
				t.Errorf("read %v, want %v", norm, c.want)
			}
			if len(bad) != len(c.bad) {
				t.Fatalf("problems %q, want %d", bad, len(c.bad))
			}
			for i, msg := range bad {
				if !strings.Contains(msg, c.bad[i]) {
					t.Errorf("problem %q does not say %q", msg, c.bad[i])
				}
				if !strings.Contains(msg, "REVENUES_AND_SERVICES") || !strings.Contains(msg, "PARTICIPATION") {
					t.Errorf("problem %q does not name the allowed values", msg)
				}
			}
		})
	}
}
