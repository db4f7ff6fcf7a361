package mapio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A dry run proposes a mapping: a YAML skeleton of what it found, per
// role, with the field each column is read as, and for the columns that
// carry meaning (kinds, types and other fixed lists) their distinct
// values, each mapped to a best guess or left blank, with the allowed
// values in a comment. A blank ("") is accepted by the parser and means
// "not mapped", so the skeleton parses as written and imports once its
// blanks are filled.

// suggest writes the mapping skeleton.
func (mp *mapper) suggest() string {
	var b strings.Builder
	b.WriteString("# A mapping for actorgraph import, proposed by a dry run (docs/formats.md, \"Mappings\").\n")
	b.WriteString("# Check the guesses, fill in the blanks (\"\"), and import with --mapping THIS_FILE.\n")
	b.WriteString("# A blank is left as it is: a value mapped to \"\" keeps its own spelling, an empty default fills nothing.\n")
	for _, role := range []string{"actors", "relationships"} {
		if mp.seen[role] {
			mp.suggestRole(&b, role)
		}
	}
	if mp.undirected > 0 || mp.m != nil && mp.m.Undirected != "" {
		current := ""
		if mp.m != nil {
			current = mp.m.Undirected
		}
		what := fmt.Sprintf("%d edges have no direction. Say what each becomes", mp.undirected)
		if mp.undirected == 0 {
			what = "No edge of these files lacks a direction. What one would become"
		}
		fmt.Fprintf(&b, "# %s: both (two relationships, one each way)\n# or one relationship of a type read in both directions: %s.\n", what, joinNames(symmetricTypes))
		fmt.Fprintf(&b, "undirected: %s\n", yq(current))
	}
	if len(mp.graphs) > 0 || mp.m != nil && mp.m.Graph != "" {
		for _, g := range mp.graphs {
			fmt.Fprintf(&b, "# %s\n", g)
		}
		current := ""
		if mp.m != nil {
			current = mp.m.Graph
		}
		fmt.Fprintf(&b, "graph: %s\n", yq(current))
	}
	if mm := mp.matrix(); mm != nil {
		fmt.Fprintf(&b, "matrix:\n  file: %s\n  type: %s\n  directed: %t\n", yq(mm.File), yq(mm.Type), mm.Directed)
	}
	return b.String()
}

// yq quotes a string for YAML: a double-quoted scalar, whose escapes are
// Go's.
func yq(s string) string { return strconv.Quote(s) }

// meaningful are the fields a skeleton always names, found or not: what
// no record can do without.
var meaningful = map[string][]string{"actors": {"name", "kind"}, "relationships": {"from", "to", "type", "strength"}}

func (mp *mapper) suggestRole(b *strings.Builder, role string) {
	fmt.Fprintf(b, "%s:\n", role)
	cols := mp.columns[role]
	var read, unread []string
	byField := map[string]string{}
	for _, c := range cols {
		if c.Field == "" {
			unread = append(unread, strconv.Quote(c.Column))
			continue
		}
		read = append(read, fmt.Sprintf("%q (%s)", c.Column, c.Field))
		if _, ok := byField[c.Field]; !ok {
			byField[c.Field] = c.Column
		}
	}
	if len(read) > 0 {
		fmt.Fprintf(b, "  # read as fields: %s\n", strings.Join(read, ", "))
	}
	if len(unread) > 0 {
		fmt.Fprintf(b, "  # not read: %s\n", strings.Join(unread, ", "))
	}
	fields := slices.Clone(meaningful[role])
	for _, c := range cols {
		if c.Field != "" && !slices.Contains(fields, c.Field) {
			fields = append(fields, c.Field)
		}
	}
	for _, f := range fields {
		col, found := byField[f]
		if !found && tallied(role, f) {
			col = mp.guessColumn(role, f)
		}
		mp.suggestField(b, role, f, col)
	}
}

// guessColumn picks, for a field with a fixed list of values that no
// column holds, an unread column whose name suggests it and whose values
// look like categories; "" when none does.
func (mp *mapper) guessColumn(role, field string) string {
	hints := map[string][]string{
		"kind": {"kind", "type", "category", "class", "group", "sector", "role"},
		"type": {"type", "kind", "relation", "polarity", "sign", "category", "class", "label", "tie"},
	}[field]
	for _, h := range hints {
		for _, tl := range mp.tallies {
			if tl.Role == role && tl.Field == "" && !tl.overflow && !tl.numeric && len(tl.counts) > 0 &&
				strings.Contains(strings.ToLower(tl.Column), h) {
				return tl.Column
			}
		}
	}
	return ""
}

func (mp *mapper) suggestField(b *strings.Builder, role, field, col string) {
	fm := mp.m.field(role, field)
	if fm != nil && fm.Column != "" {
		col = fm.Column
		// The file's own spelling, which the values were counted under.
		names := make([]string, len(mp.columns[role]))
		for i, c := range mp.columns[role] {
			names[i] = c.Column
		}
		if i := findColumn(names, col); i >= 0 {
			col = names[i]
		}
	}
	allowed := enumValues(role, field)
	tl := mp.byCol[role+"\x00"+col]
	needsDefault := field == "kind" || field == "type" || field == "strength"
	if allowed == nil && !needsDefault && (fm == nil || fm.Default == "" && fm.Scale == "") {
		note := ""
		if col == "" {
			note = fmt.Sprintf("  # no column was found for %s: name the one that holds it", field)
		}
		fmt.Fprintf(b, "  %s: %s%s\n", field, yq(col), note)
		return
	}
	fmt.Fprintf(b, "  %s:\n", field)
	if col == "" {
		fmt.Fprintf(b, "    column: \"\"  # no column was found for %s: name one, or give a default\n", field)
	} else {
		fmt.Fprintf(b, "    column: %s\n", yq(col))
	}
	if allowed != nil {
		fmt.Fprintf(b, "    # allowed: %s\n", strings.Join(allowed, ", "))
		mp.suggestValues(b, role, field, fm, tl, allowed)
	}
	def := ""
	if fm != nil {
		def = fm.Default
	}
	switch field {
	case "strength":
		if mp.gexf {
			fmt.Fprintf(b, "    # GEXF edges without a weight have weight 1 unless a default is given\n")
		}
		fmt.Fprintf(b, "    default: %s  # a number between 0 and 1, for relationships without one\n", yq(def))
		mp.suggestScale(b, fm)
	default:
		fmt.Fprintf(b, "    default: %s  # for %s without one\n", yq(def), role)
	}
}

func (mp *mapper) suggestScale(b *strings.Builder, fm *FieldMap) {
	if fm != nil && fm.Scale != "" {
		fmt.Fprintf(b, "    scale: %s\n", yq(fm.Scale))
		return
	}
	if mp.maxWeight > 1 {
		fmt.Fprintf(b, "    scale: \"max\"  # the largest weight is %s; strengths are between 0 and 1, so weights are divided by it (or give a number to divide by)\n",
			strconv.FormatFloat(mp.maxWeight, 'f', -1, 64))
	}
}

// suggestValues lists a column's distinct values, each mapped to what the
// mapping already says, else a best guess, else a blank.
func (mp *mapper) suggestValues(b *strings.Builder, role, field string, fm *FieldMap, tl *tally, allowed []string) {
	if tl == nil || len(tl.counts) == 0 {
		fmt.Fprintf(b, "    values: {}\n")
		return
	}
	list := mp.valueListOf(tl)
	fmt.Fprintf(b, "    values:\n")
	for _, v := range list.Values {
		to, note := "", "no guess"
		if fm != nil {
			if t, ok := fm.lookup(v.Value); ok {
				to, note = t, "as the mapping says"
			}
		}
		if to == "" {
			if t, ok := matchEnum(field, v.Value, allowed); ok {
				to, note = t, "the service's own name"
			} else if t := guessValue(field, v.Value); t != "" {
				to, note = t, "a guess: check it"
			}
		}
		noun := role
		if v.Count == 1 {
			noun = strings.TrimSuffix(role, "s")
		}
		fmt.Fprintf(b, "      %s: %s  # %d %s, %s\n", yq(v.Value), yq(to), v.Count, noun, note)
	}
	if list.More > 0 {
		fmt.Fprintf(b, "      # and %d more values, not listed\n", list.More)
	}
}

func (mp *mapper) valueListOf(tl *tally) ValueList {
	for _, l := range mp.valueLists() {
		if l.Role == tl.Role && l.Column == tl.Column {
			return l
		}
	}
	return ValueList{}
}

// guessWords are everyday words for kinds and types, checked in order:
// the first word found in a value (lower case) gives the guess.
var guessWords = map[string][]struct{ word, to string }{
	"kind": {
		{"police", "SECURITY_FORCE"}, {"army", "SECURITY_FORCE"}, {"military", "SECURITY_FORCE"}, {"militia", "SECURITY_FORCE"},
		{"armed", "SECURITY_FORCE"}, {"rebel", "SECURITY_FORCE"}, {"security", "SECURITY_FORCE"}, {"gendarm", "SECURITY_FORCE"},
		{"vigilante", "SECURITY_FORCE"}, {"force", "SECURITY_FORCE"}, {"insurgent", "SECURITY_FORCE"},
		{"ministry", "STATE_INSTITUTION"}, {"government", "STATE_INSTITUTION"}, {"state", "STATE_INSTITUTION"}, {"council", "STATE_INSTITUTION"},
		{"parliament", "STATE_INSTITUTION"}, {"court", "STATE_INSTITUTION"}, {"agency", "STATE_INSTITUTION"}, {"municipal", "STATE_INSTITUTION"},
		{"ngo", "CIVIL_SOCIETY"}, {"civil", "CIVIL_SOCIETY"}, {"media", "CIVIL_SOCIETY"}, {"radio", "CIVIL_SOCIETY"},
		{"church", "CIVIL_SOCIETY"}, {"faith", "CIVIL_SOCIETY"}, {"organi", "CIVIL_SOCIETY"},
		{"elder", "CUSTOMARY_AUTHORITY"}, {"chief", "CUSTOMARY_AUTHORITY"}, {"customary", "CUSTOMARY_AUTHORITY"}, {"traditional", "CUSTOMARY_AUTHORITY"},
		{"movement", "MOVEMENT"}, {"union", "MOVEMENT"}, {"network", "MOVEMENT"}, {"association", "MOVEMENT"}, {"campaign", "MOVEMENT"},
		{"donor", "INTERNATIONAL"}, {"international", "INTERNATIONAL"}, {" un ", "INTERNATIONAL"}, {"embassy", "INTERNATIONAL"},
		{"community", "COMMUNITY"}, {"village", "COMMUNITY"}, {"neighbo", "COMMUNITY"}, {"resident", "COMMUNITY"},
	},
	"type": {
		{"trust", "TRUSTS"}, {"accountab", "ACCOUNTABLE_TO"}, {"control", "CONTROLS"}, {"command", "CONTROLS"},
		{"protect", "PROVIDES_SECURITY"}, {"threat", "THREATENS"}, {"represent", "REPRESENTS"}, {"member", "PARTICIPATES_IN"},
		{"participat", "PARTICIPATES_IN"}, {"influenc", "INFLUENCES"}, {"dialog", "DIALOGUE"}, {"fund", "SUPPORTS"},
		{"support", "SUPPORTS"}, {"cooperat", "COOPERATES_WITH"}, {"collaborat", "COOPERATES_WITH"}, {"alli", "COOPERATES_WITH"},
		{"ally", "COOPERATES_WITH"}, {"partner", "COOPERATES_WITH"}, {"conflict", "IN_TENSION_WITH"}, {"tension", "IN_TENSION_WITH"},
		{"clash", "IN_TENSION_WITH"}, {"hostil", "IN_TENSION_WITH"}, {"rival", "IN_TENSION_WITH"}, {"enem", "IN_TENSION_WITH"},
		{"positive", "SUPPORTS"}, {"negative", "IN_TENSION_WITH"},
	},
}

// guessValue guesses what an everyday name of a kind or type stands for;
// "" when it cannot tell.
func guessValue(field, v string) string {
	if field == "type" {
		// Kumu's polarities: "+" and "++" support, "-" and "--" tension,
		// "+-" mixed (no guess).
		switch t := strings.TrimSpace(v); {
		case t != "" && strings.Trim(t, "+") == "":
			return "SUPPORTS"
		case t != "" && strings.Trim(t, "-") == "":
			return "IN_TENSION_WITH"
		}
	}
	lower := " " + strings.ToLower(strings.TrimSpace(v)) + " "
	for _, g := range guessWords[field] {
		if strings.Contains(lower, g.word) {
			return g.to
		}
	}
	return ""
}
