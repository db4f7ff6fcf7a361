package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// issued records the tokens Issue writes.
type issued struct{ tokens []*domain.Token }

func (s *issued) CreateToken(_ context.Context, t *domain.Token, _ string, _ *domain.Member) error {
	s.tokens = append(s.tokens, t)
	return nil
}

// Token names are printed on operators' terminals (`actorgraph token
// list`): a name that holds a control or invisible character is refused,
// and nothing is written.
func TestIssueRefusesUnprintableNames(t *testing.T) {
	t.Parallel()
	ctx := domain.WithCaller(context.Background(), domain.Operator("test"))
	cases := []struct {
		name string
		in   string
		rune string // the character the message names; "" when the name is accepted
	}{
		{"plain", "field laptop", ""},
		{"accents", "Équipe nord ☂", ""},
		{"trimmed", "  padded  ", ""},
		{"escape sequence", "ok\x1b[2J\x1b[Hroot", "U+001B"},
		{"newline", "one\nADMIN  true", "U+000A"},
		{"carriage return", "harmless\rowner", "U+000D"},
		{"tab", "a\tb", "U+0009"},
		{"bidi override", "lead\u202Enimda", "U+202E"},
		{"zero-width joiner", "a\u200Db", "U+200D"},
		{"not UTF-8", "bad\xff", "U+FFFD"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &issued{}
			tok, _, err := Issue(ctx, st, IssueInput{Name: c.in, Workspace: "ws_1", Role: domain.Viewer})
			if c.rune == "" {
				if err != nil || len(st.tokens) != 1 || tok.Name != strings.TrimSpace(c.in) {
					t.Fatalf("Issue(%q): %v, wrote %v", c.in, err, st.tokens)
				}
				return
			}
			msg, field := errs.Public(err)
			if !errs.Is(err, errs.Invalid) || field != "name" || !strings.Contains(msg, "printable") || !strings.Contains(msg, c.rune) {
				t.Errorf("Issue(%q): %v (field %q), want BAD_USER_INPUT on name naming %s", c.in, err, field, c.rune)
			}
			if len(st.tokens) != 0 {
				t.Errorf("Issue(%q) wrote a token: %+v", c.in, st.tokens)
			}
		})
	}
}
