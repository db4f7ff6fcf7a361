package domain

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actorgraph/actorgraph/errs"
)

// Limits on free text, so that one field cannot carry a whole document.
const (
	MaxNameLen        = 200
	MaxTextLen        = 10000
	MaxTagLen         = 100
	MaxTags           = 50
	MaxSourcesPerItem = 100
)

// normalizeText trims s and reports an Invalid error when it is longer
// than max runes.
func normalizeText(op, field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		return s, errs.Invalidf(op, field, "%s is longer than %d characters", field, max)
	}
	return s, nil
}

// normalizeOptText trims an optional text; an empty text becomes absent.
func normalizeOptText(op, field string, s *string, max int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	t, err := normalizeText(op, field, *s, max)
	if err != nil || t == "" {
		return nil, err
	}
	return &t, nil
}

// checkUnit checks that v lies in [0,1].
func checkUnit(op, field string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > 1 {
		return errs.Invalidf(op, field, "%s must be a number between 0 and 1, got %v", field, v)
	}
	return nil
}

// normalizeList trims, drops empties and duplicates (keeping first-seen
// order) and enforces the count and length limits.
func normalizeList(op, field string, in []string, maxItems, maxLen int) ([]string, error) {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		if utf8.RuneCountInString(s) > maxLen {
			return nil, errs.Invalidf(op, field, "each of %s must be at most %d characters", field, maxLen)
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) > maxItems {
		return nil, errs.Invalidf(op, field, "at most %d %s are allowed, got %d", maxItems, field, len(out))
	}
	return out, nil
}

// FirstUnprintable returns the first rune of s that is not printable text
// (a control character such as ESC or a newline, an invisible formatting
// character such as a bidi override, or a byte that is not UTF-8, which it
// reports as utf8.RuneError), and whether there is one. Names an operator
// reads on a terminal must hold none: printed raw, they could rewrite
// what the terminal shows.
func FirstUnprintable(s string) (rune, bool) {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return r, true
		}
	}
	return 0, false
}
