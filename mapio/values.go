package mapio

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/actorgraph/actorgraph/domain"
)

// Cell parsers. Each returns a message a researcher understands; the
// caller adds file, row and column.

var decimalComma = regexp.MustCompile(`^-?\d+,\d+$`)

// parseUnit reads a number between 0 and 1. A decimal comma ("0,5") is
// refused rather than misread: in a semicolon file it is a number, in a
// comma file it would have split the cell, and guessing which is unsafe.
func parseUnit(s string) (float64, string, string) {
	if decimalComma.MatchString(s) {
		return 0, CodeDecimalComma, fmt.Sprintf("%q has a decimal comma; write it with a decimal point (%s)", s, strings.Replace(s, ",", ".", 1))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, CodeNumber, fmt.Sprintf("%q is not a number between 0 and 1", s)
	}
	return f, "", ""
}

// parseCount reads a whole number of 0 or more.
func parseCount(s string) (int, string, string) {
	if decimalComma.MatchString(s) {
		return 0, CodeDecimalComma, fmt.Sprintf("%q has a decimal comma; write a whole number", s)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n < 0 {
		return 0, CodeNumber, fmt.Sprintf("%q is not a whole number of 0 or more", s)
	}
	return n, "", ""
}

// parseBool reads yes/no in the ways spreadsheets write it.
func parseBool(s string) (bool, string, string) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "x":
		return true, "", ""
	case "false", "no", "n", "0":
		return false, "", ""
	}
	return false, CodeBool, fmt.Sprintf("%q is not yes or no (write true/false, yes/no or 1/0)", s)
}

// Date precision: a partial date names a period.
const (
	startOfPeriod = iota // validFrom: the first day of the period
	endOfPeriod          // validTo: the day after the period (validTo is exclusive)
)

// parseDate reads YYYY, YYYY-MM or YYYY-MM-DD. A partial validFrom means
// the first day of its period; a partial validTo the end of it, which as
// an exclusive bound is the first day of the next period (validTo 2019 is
// 2020-01-01).
func parseDate(s string, edge int) (domain.Date, string, string) {
	bad := fmt.Sprintf("%q is not a date; write YYYY, YYYY-MM or YYYY-MM-DD", s)
	for _, layout := range []struct {
		format string
		years  int
		months int
		days   int
	}{{"2006-01-02", 0, 0, 1}, {"2006-01", 0, 1, 0}, {"2006", 1, 0, 0}} {
		t, err := time.Parse(layout.format, s)
		if err != nil {
			continue
		}
		if edge == endOfPeriod && layout.format != "2006-01-02" {
			t = t.AddDate(layout.years, layout.months, 0)
		}
		return domain.DateOf(t), "", ""
	}
	return domain.Date{}, CodeDate, bad
}

// parseList splits a cell of values separated by "|" (Kumu's convention).
func parseList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// TrustSurveyStrengths maps the four survey answers to strengths; "don't
// know" is no relationship at all, not zero trust.
var TrustSurveyStrengths = map[string]float64{
	"a great deal":  1,
	"quite a lot":   0.67,
	"not very much": 0.33,
	"none at all":   0,
}

// dontKnow are the spellings of the survey's "don't know".
var dontKnow = map[string]bool{"don't know": true, "dont know": true, "don’t know": true, "dk": true}

// parseTrustSurvey reads a survey answer: its strength, or skip for
// "don't know".
func parseTrustSurvey(s string) (strength float64, skip bool, code, msg string) {
	a := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if dontKnow[a] {
		return 0, true, "", ""
	}
	if v, ok := TrustSurveyStrengths[a]; ok {
		return v, false, "", ""
	}
	return 0, false, CodeEnum, fmt.Sprintf("%q is not a survey answer (allowed: a great deal, quite a lot, not very much, none at all, don't know)", s)
}
