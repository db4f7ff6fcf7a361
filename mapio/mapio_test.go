package mapio

import (
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

func TestReadTableEncodingsAndSeparators(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		raw  []byte
	}{
		{"utf-8", []byte("name,region\nCafé Traders,Nörth\n")},
		{"utf-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, []byte("name,region\nCafé Traders,Nörth\n")...)},
		{"windows-1252", []byte("name;region\nCaf\xe9 Traders;N\xf6rth\r\n")},
		{"semicolons and quotes", []byte("name;region\n\"Café Traders\";\"Nörth\"\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, problems := ReadTable("actors.csv", strings.NewReader(string(c.raw)))
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if strings.Join(tb.Header, "|") != "name|region" || len(tb.Rows) != 1 ||
				tb.Rows[0].Cells[0] != "Café Traders" || tb.Rows[0].Cells[1] != "Nörth" || tb.Rows[0].Number != 2 {
				t.Errorf("read %q %+v", tb.Header, tb.Rows)
			}
		})
	}
}

func TestReadTableRowProblems(t *testing.T) {
	t.Parallel()
	tb, problems := ReadTable("actors.csv", strings.NewReader("name,region\nA,North\n,,\nB,South,extra\nC\n"))
	if len(problems) != 1 || problems[0].Row != 4 || problems[0].Code != CodeColumns {
		t.Fatalf("problems %v", problems)
	}
	// Blank rows are skipped; short rows are padded; row numbers are the spreadsheet's.
	if len(tb.Rows) != 2 || tb.Rows[1].Number != 5 || tb.Rows[1].Cells[1] != "" {
		t.Errorf("rows %+v", tb.Rows)
	}
	if _, problems := ReadTable("x.csv", strings.NewReader("name\n\"unclosed\n")); len(problems) != 1 || problems[0].Code != CodeMalformed {
		t.Errorf("unclosed quote: %v", problems)
	}
	if _, problems := ReadTable("x.csv", strings.NewReader("")); len(problems) != 1 {
		t.Errorf("empty file: %v", problems)
	}
}

func TestParseUnit(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"0": 0, "1": 1, "0.67": 0.67, ".5": 0.5} {
		if got, code, _ := parseUnit(in); code != "" || got != want {
			t.Errorf("%q → %v %s", in, got, code)
		}
	}
	for in, code := range map[string]string{"0,5": CodeDecimalComma, "high": CodeNumber, "1.5": CodeNumber, "-0.1": CodeNumber, "": CodeNumber} {
		if _, got, msg := parseUnit(in); got != code || msg == "" {
			t.Errorf("%q → %s %q, want %s", in, got, msg, code)
		}
	}
	if _, _, msg := parseUnit("high"); msg != `"high" is not a number between 0 and 1` {
		t.Errorf("message %q", msg)
	}
}

func TestParseDatePeriods(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		edge int
		want string
	}{
		{"2019", startOfPeriod, "2019-01-01"},
		{"2019", endOfPeriod, "2020-01-01"},
		{"2019-02", startOfPeriod, "2019-02-01"},
		{"2019-02", endOfPeriod, "2019-03-01"},
		{"2019-12", endOfPeriod, "2020-01-01"},
		{"2019-02-14", startOfPeriod, "2019-02-14"},
		{"2019-02-14", endOfPeriod, "2019-02-14"},
	}
	for _, c := range cases {
		got, code, _ := parseDate(c.in, c.edge)
		if code != "" || got.String() != c.want {
			t.Errorf("%q edge %d → %v %s, want %s", c.in, c.edge, got, code, c.want)
		}
	}
	for _, bad := range []string{"14/02/2019", "2019-13", "2019-02-30", "soon"} {
		if _, code, _ := parseDate(bad, startOfPeriod); code != CodeDate {
			t.Errorf("%q accepted", bad)
		}
	}
	var _ domain.Date // the type partial dates become
}

func TestTrustSurveyAnswers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{"A great deal": 1, "quite  a lot": 0.67, "Not very much": 0.33, "none at all": 0} {
		if got, skip, code, _ := parseTrustSurvey(in); skip || code != "" || got != want {
			t.Errorf("%q → %v skip=%v %s", in, got, skip, code)
		}
	}
	if _, skip, _, _ := parseTrustSurvey("Don't know"); !skip {
		t.Error("don't know must skip the relationship, not make zero trust")
	}
	if _, _, code, msg := parseTrustSurvey("somewhat"); code != CodeEnum || !strings.Contains(msg, "quite a lot") {
		t.Errorf("unknown answer: %s %q", code, msg)
	}
}

func TestParseBoolAndCountAndList(t *testing.T) {
	t.Parallel()
	if v, code, _ := parseBool("Yes"); !v || code != "" {
		t.Error("Yes")
	}
	if _, code, _ := parseBool("maybe"); code != CodeBool {
		t.Error("maybe accepted")
	}
	if n, code, _ := parseCount("3200"); n != 3200 || code != "" {
		t.Error("3200")
	}
	if _, code, _ := parseCount("3,2"); code != CodeDecimalComma {
		t.Error("3,2 accepted")
	}
	if got := parseList(" rural | farming||UNSCR1325:participation "); strings.Join(got, ";") != "rural;farming;UNSCR1325:participation" {
		t.Errorf("list %q", got)
	}
}

// The encoding check reads a block at a time: a rune cut by a block's end
// is still valid UTF-8, and a Windows-1252 byte anywhere is found.
func TestIsUTF8AcrossBlocks(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat("a", 64<<10-1)
	for _, c := range []struct {
		name string
		text string
		want bool
	}{
		{"rune across the block boundary", pad + "é and more", true},
		{"four-byte rune across the boundary", pad[:len(pad)-2] + "😀", true},
		{"Windows-1252 after the first block", pad + pad + "caf\xe9", false},
		{"cut at the end of the file", "caf\xc3", false},
		{"empty", "", true},
	} {
		if got, err := isUTF8(strings.NewReader(c.text)); err != nil || got != c.want {
			t.Errorf("%s: %v %v", c.name, got, err)
		}
	}
}
