package cli

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/actorgraph/actorgraph/domain"
)

// What the commands print to an operator's terminal can hold text that
// others stored (token names, record names, external ids): printed raw, a
// control character in it (an escape sequence, a carriage return) would
// be obeyed by the terminal, not shown, and a bidi override would reorder
// what the operator reads. So stored text is printed as it is only when
// it is plain printable text, and escaped otherwise, as Go escapes it.

// shown is a stored name as the commands print it: as it is when it is
// plain printable text, and quoted (strconv.Quote) when it is not, or
// when it begins with a quote and so could pass for a quoted name.
func shown(s string) string {
	if _, bad := domain.FirstUnprintable(s); bad || strings.HasPrefix(s, `"`) {
		return strconv.Quote(s)
	}
	return s
}

// escaped is a line of output with every unprintable rune in it escaped
// as strconv.Quote escapes it (\x1b, \u202e; \xff for a byte that is not
// UTF-8), and the rest as it is: for lines that mix the command's words
// with text from files or the store.
func escaped(line string) string {
	if _, bad := domain.FirstUnprintable(line); !bad {
		return line
	}
	var b strings.Builder
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, line[i])
		case r == utf8.RuneError || !strconv.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
