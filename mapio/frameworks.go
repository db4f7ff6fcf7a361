package mapio

import (
	"fmt"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Frameworks in files. A cell (or a graph attribute, or a JSON list) names
// any number of frameworks, read leniently, as researchers write them:
//
//   - values are separated by "|" (as tags are), ";" or ","; no
//     framework's name holds one of them, and empty values are skipped;
//   - a value is the enum's name in any case, with spaces or hyphens for
//     its underscores and "&" for "and" ("Relief and recovery",
//     "relief-and-recovery", "Revenues & services", "LEGITIMATE_POLITICS");
//   - a value may start with the framework it belongs to and a colon:
//     "UNSCR 1325", "UNSCR1325", "SCR 1325", "1325" or "WPS" for a pillar of
//     Resolution 1325, "New Deal", "PSG" or "PSGs" for a New Deal goal
//     (the prefix in any case, with or without spaces, hyphens or
//     underscores). A prefix must name the framework the value belongs to:
//     "1325: Security" is a problem, since SECURITY is a New Deal goal.
//
// Anything else is a BAD_VALUE problem naming the value and the allowed
// ones. Repeats count once, and the list is kept in the enum's order.
// Exports write the enum's names joined with "|" (JSON formats: a list).

// frameworkSeparators split a cell of frameworks.
const frameworkSeparators = "|;,"

// frameworkPrefixes map a normalised prefix (lower case, letters and
// digits only) to the values of the framework it names.
var frameworkPrefixes = map[string]struct {
	name   string
	values []domain.Framework
}{
	"unscr1325":  {"a UNSCR 1325 pillar", domain.UNSCR1325Pillars},
	"scr1325":    {"a UNSCR 1325 pillar", domain.UNSCR1325Pillars},
	"1325":       {"a UNSCR 1325 pillar", domain.UNSCR1325Pillars},
	"wps":        {"a UNSCR 1325 pillar", domain.UNSCR1325Pillars},
	"newdeal":    {"a New Deal goal", domain.NewDealGoals},
	"psg":        {"a New Deal goal", domain.NewDealGoals},
	"psgs":       {"a New Deal goal", domain.NewDealGoals},
	"newdealpsg": {"a New Deal goal", domain.NewDealGoals},
}

// parseFramework reads one value as the rules above say; msg says what is
// wrong when ok is false.
func parseFramework(raw string) (f domain.Framework, ok bool, msg string) {
	value := strings.TrimSpace(raw)
	allowed := domain.Frameworks
	belongs := ""
	if prefix, rest, found := strings.Cut(value, ":"); found {
		p, known := frameworkPrefixes[lettersAndDigits(prefix)]
		if !known {
			return "", false, fmt.Sprintf("%q is not a framework: the prefix %q names neither UNSCR 1325 (\"UNSCR 1325:\", \"1325:\") nor the New Deal (\"New Deal:\", \"PSG:\"); allowed values: %s",
				value, strings.TrimSpace(prefix), joinNames(domain.Frameworks))
		}
		allowed, belongs, value = p.values, p.name, strings.TrimSpace(rest)
	}
	norm := strings.Join(strings.FieldsFunc(strings.ToUpper(strings.ReplaceAll(value, "&", " and ")), func(r rune) bool {
		return r == ' ' || r == '-' || r == '_' || r == '\t'
	}), "_")
	for _, x := range domain.Frameworks {
		if string(x) != norm {
			continue
		}
		for _, a := range allowed {
			if a == x {
				return x, true, ""
			}
		}
		return "", false, fmt.Sprintf("%q: %s is not %s (the UNSCR 1325 pillars are %s; the New Deal goals %s)",
			strings.TrimSpace(raw), x, belongs, joinNames(domain.UNSCR1325Pillars), joinNames(domain.NewDealGoals))
	}
	return "", false, fmt.Sprintf("%q is not a framework; allowed: %s (any case, spaces or hyphens for underscores, optionally after \"UNSCR 1325:\" or \"New Deal:\")",
		strings.TrimSpace(raw), joinNames(domain.Frameworks))
}

// lettersAndDigits is s in lower case with everything but letters and
// digits left out.
func lettersAndDigits(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseFrameworks reads a cell of frameworks: the values it names, and a
// message per value that is not one.
func parseFrameworks(cell string) (out []domain.Framework, bad []string) {
	for _, part := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(frameworkSeparators, r) }) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		f, ok, msg := parseFramework(part)
		if !ok {
			bad = append(bad, msg)
			continue
		}
		out = append(out, f)
	}
	return out, bad
}

// frameworks reads the frameworks column of a row, with a BAD_VALUE
// problem for each value that names no framework.
func (c *cells) frameworks() []domain.Framework {
	out, bad := parseFrameworks(c.get("frameworks"))
	for _, msg := range bad {
		c.problem("frameworks", CodeEnum, "frameworks: "+msg)
	}
	return out
}

// fmtFrameworks is a list of frameworks as exports write it.
func fmtFrameworks(fs []domain.Framework) string { return strings.Join(strs(fs), "|") }
