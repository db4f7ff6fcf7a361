package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// noControls fails t if out holds, beside its newlines, a character a
// terminal would obey rather than show (a control character, a bidi
// override) or a byte that is not UTF-8.
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r != '\n' && (r == utf8.RuneError || !unicode.IsPrint(r)) {
			t.Errorf("%s printed %U raw:\n%q", what, r, out)
			return
		}
	}
}

func TestShownQuotesAllButPlainText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"field laptop", "field laptop"},
		{"Équipe nord ☂", "Équipe nord ☂"},
		{"", ""},
		{"ok\x1b[2J", `"ok\x1b[2J"`},
		{"a\tb", `"a\tb"`},
		{"one\nADMIN", `"one\nADMIN"`},
		{"lead\u202Enimda", `"lead\u202enimda"`},
		{"bad\xff", `"bad\xff"`},
		{`"quoted"`, `"\"quoted\""`}, // could pass for a quoted name
	} {
		if got := shown(c.in); got != c.want {
			t.Errorf("shown(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestEscapedKeepsPrintableText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`removed: actor "Riverside" (act_1)`, `removed: actor "Riverside" (act_1)`},
		{`problem: map.csv row 2: "Équipe" \ ok`, `problem: map.csv row 2: "Équipe" \ ok`},
		{"reading \x1b[2Jmap.csv", `reading \x1b[2Jmap.csv`},
		{"values: a\rb", `values: a\rb`},
		{"bidi \u202Etxt", `bidi \u202etxt`},
		{"bad \xff byte", `bad \xff byte`},
	} {
		if got := escaped(c.in); got != c.want {
			t.Errorf("escaped(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// An import's report names records of the workspace (what a sync removes
// was written by others) and values from the files: none reaches the
// terminal raw.
func TestReportEscapesStoredText(t *testing.T) {
	t.Parallel()
	rep := &mapio.Report{DryRun: true,
		Removals: []mapio.Removal{{What: "actor", ID: "act_1", Name: "Riverside\x1b[2J", Key: "k\u202Eey"}},
		Problems: []mapio.Problem{{File: "a\x1b]0;pwned\x07.csv", Row: 2, Column: "name", Code: mapio.CodeMalformed, Message: "bad\rvalue"}}}
	var out strings.Builder
	printReport(&out, rep)
	noControls(t, "the report", out.String())
	for _, w := range []string{
		`would be removed: actor "Riverside\x1b[2J" ["k\u202eey"] (act_1)`,
		`problem: a\x1b]0;pwned\a.csv row 2 column "name": bad\rvalue`,
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("the report lacks %s:\n%s", w, out.String())
		}
	}
}

// `token create` refuses a name with control characters, and `token
// list` and `token revoke` print a name already stored with them quoted.
func TestTokenCommandNamesArePrintable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	ws := apitest.New(t, st).CreateWorkspace("token names")
	list := func() string {
		var out strings.Builder
		if err := runToken(ctx, []string{"list", "--workspace", ws}, testIO(&out, io.Discard)); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	before := list()
	for _, name := range []string{"ok\x1b[2J", "two\nlines", "lead\u202Enimda"} {
		err := runToken(ctx, []string{"create", "--workspace", ws, "--role", "VIEWER", "--name", name}, testIO(io.Discard, io.Discard))
		if err == nil || !strings.Contains(err.Error(), "printable") {
			t.Errorf("token create --name %q: %v, want it refused as unprintable", name, err)
		}
		noControls(t, "the refusal", err.Error())
	}
	if after := list(); after != before {
		t.Errorf("a refused create changed the list:\n%s\n%s", before, after)
	}
	// A token stored before names were checked.
	old := &domain.Token{ID: domain.NewID(domain.PrefixToken), Name: "old\x1b[31m\rowner\u202E", WorkspaceID: ws,
		CreatedBy: "test", CreatedAt: time.Now().UTC()}
	old.Subject = "token:" + old.ID
	if err := st.CreateToken(storetest.Ctx(), old, "hash-"+old.ID, nil); err != nil {
		t.Fatal(err)
	}
	out := list()
	noControls(t, "token list", out)
	if !strings.Contains(out, `"old\x1b[31m\rowner\u202e"`) {
		t.Errorf("token list does not quote the stored name:\n%s", out)
	}
	var revoked strings.Builder
	if err := runToken(ctx, []string{"revoke", old.ID}, testIO(&revoked, io.Discard)); err != nil {
		t.Fatal(err)
	}
	noControls(t, "token revoke", revoked.String())
	if !strings.Contains(revoked.String(), `("old\x1b[31m\rowner\u202e")`) {
		t.Errorf("token revoke does not quote the stored name: %s", revoked.String())
	}
}
