package mapio

import (
	"fmt"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// ReadActors turns an actors table into actor rows. Every row is checked
// against the model's rules (domain.Actor.Validate), so a row that passes
// here is one the store accepts.
func ReadActors(t *Table) ([]ActorRow, []Problem) {
	idx, problems := fields(t, actorColumns)
	headers := headerNames(t, idx)
	for _, need := range []string{"name", "kind"} {
		if !hasField(t, idx, need) {
			problems = append(problems, missingColumn(t, "actors", need))
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	custom := customColumns(t, actorColumns)
	var rows []ActorRow
	for _, r := range t.Rows {
		c := newCells(t, r, idx)
		in := domain.ActorInput{Name: c.get("name"), Description: c.opt("description"), Region: c.opt("region"),
			Tags: parseList(c.get("tags")), Frameworks: c.frameworks(), ExternalID: c.opt("externalId")}
		if k := c.get("kind"); k != "" {
			norm := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(k))
			if alias, ok := kindAliases[norm]; ok {
				in.Kind = alias
			} else if kind := enum(c, "kind", domain.ActorKinds); kind != nil {
				in.Kind = *kind
			}
		} else {
			c.problem("kind", CodeMissing, "kind is empty; every actor needs one of: "+joinNames(domain.ActorKinds))
		}
		if in.Name == "" {
			c.problem("name", CodeMissing, "name is empty; every actor needs a name")
		}
		at := &in.ActorAttributes
		at.Population, at.RightsAwareness = c.count("population"), c.unit("rightsAwareness")
		at.Marginalised, at.Displaced, at.Unregistered = c.boolean("marginalised"), c.boolean("displaced"), c.boolean("unregistered")
		at.Level, at.Branch = enum(c, "level", domain.GovernanceLevels), enum(c, "branch", domain.Branches)
		at.ForceType, at.StateAffiliated = enum(c, "forceType", domain.ForceTypes), c.boolean("stateAffiliated")
		at.Focus, at.WomenLed, at.Membership = c.opt("focus"), c.boolean("womenLed"), c.count("membership")
		at.OrganizationType = enum(c, "organizationType", domain.OrganizationTypes)
		at.AuthorityType = enum(c, "authorityType", domain.AuthorityTypes)
		at.InternationalType = enum(c, "internationalType", domain.InternationalTypes)
		// An empty or missing sensitivity stays nil: the planner gives a new
		// record the default (RESTRICTED) and lets a matched one keep its own.
		in.Sensitivity = enum(c, "sensitivity", domain.Sensitivities)
		in.Custom, in.Layout = c.custom(custom), c.layout()
		if len(c.problems) == 0 {
			if _, err := domain.NewActor("", in); err != nil {
				c.domainProblem(err)
			}
		}
		problems = append(problems, c.problems...)
		rows = append(rows, ActorRow{Ref: Ref{t.File, r.Number, r.Element, headers, t.Place}, Input: in, SourceKeys: parseList(c.get("sources"))})
	}
	return rows, problems
}

// hasField says whether a table holds a field: it has the column, and,
// in a graph file, some element has a value for it (an attribute declared
// for nodes but given to none is as good as absent, and is one problem,
// not one per node).
func hasField(t *Table, idx map[string]int, field string) bool {
	i, ok := idx[field]
	return ok && (t.Place == nil || len(t.Rows) == 0 || !columnEmpty(t, i))
}

// ReadRelationships turns a relationships table into relationship rows.
// Survey answers go in trustSurvey, never in strength; "don't know" makes
// no relationship and is reported as skipped.
func ReadRelationships(t *Table) (rows []RelationshipRow, skipped, problems []Problem) {
	idx, problems := fields(t, relationshipColumns)
	headers := headerNames(t, idx)
	for _, need := range []string{"from", "to", "type"} {
		if !hasField(t, idx, need) {
			problems = append(problems, missingColumn(t, "relationships", need))
		}
	}
	// A graph file without strengths anywhere (GEXF's weight is
	// optional, Kumu maps rarely carry one) is one problem, not one per
	// edge.
	if t.Place != nil && len(t.Rows) > 0 && !hasField(t, idx, "strength") && !hasField(t, idx, "trustSurvey") {
		problems = append(problems, wholeFileMissing(t, "strength"))
	}
	if len(problems) > 0 {
		return nil, nil, problems
	}
	custom := customColumns(t, relationshipColumns)
	for _, r := range t.Rows {
		c := newCells(t, r, idx)
		row := RelationshipRow{Ref: Ref{t.File, r.Number, r.Element, headers, t.Place}, From: c.get("from"), To: c.get("to"), SourceKeys: parseList(c.get("sources"))}
		if t.Place != nil && row.From != "" && row.From == row.To {
			// Graph files draw self-loops (yEd, Cytoscape.js); the model
			// has no relationship of an actor with itself. Leaving the
			// edge out, and saying so, keeps the rest of the file; in a
			// spreadsheet, where someone typed the row, it stays a problem.
			skipped = append(skipped, t.located(Problem{File: t.File, Row: r.Number, Element: r.Element, Column: c.column("to"), Code: "SKIPPED",
				Message: fmt.Sprintf("the edge runs from %q to itself: a relationship connects two different actors, so none is made", row.From)}))
			continue
		}
		in := &row.Input
		if typ := enum(c, "type", domain.RelationshipTypes); typ != nil {
			in.Type = *typ
		} else if c.get("type") == "" {
			c.problem("type", CodeMissing, "type is empty; every relationship needs one of: "+joinNames(domain.RelationshipTypes))
		}
		for _, end := range []string{"from", "to"} {
			if c.get(end) == "" {
				c.problem(end, CodeMissing, end+" is empty; name an actor by its external id or its name")
			}
		}
		strength, survey := c.get("strength"), c.get("trustSurvey")
		switch {
		case strength != "" && survey != "":
			c.problem("trustSurvey", CodeEnum, "both strength and trustSurvey are filled; give the survey answer or a strength, not both")
		case survey != "":
			s, skip, code, msg := parseTrustSurvey(survey)
			if code != "" {
				c.problem("trustSurvey", code, "trustSurvey "+msg)
			} else if skip {
				skipped = append(skipped, t.located(Problem{File: t.File, Row: r.Number, Element: r.Element, Column: c.column("trustSurvey"), Code: "SKIPPED",
					Message: "the survey answer is \"don't know\": no relationship is made"}))
				continue
			}
			in.Strength = s
			if in.Type != "" && in.Type != domain.Trusts {
				c.problem("trustSurvey", CodeEnum, "trustSurvey applies only to TRUSTS relationships")
			}
		case strength == "":
			c.problem("strength", CodeMissing, "strength is empty; give a number between 0 and 1 (or, for TRUSTS, a trustSurvey answer)")
		default:
			if s := c.unit("strength"); s != nil {
				in.Strength = *s
			}
		}
		in.Confidence, in.ExternalID, in.PerceivedBy = c.unit("confidence"), c.opt("externalId"), c.opt("perceivedBy")
		in.Mechanism, in.Channel = enum(c, "mechanism", domain.Mechanisms), enum(c, "channel", domain.Channels)
		in.Power, in.Form = enum(c, "power", domain.Powers), enum(c, "form", domain.Forms)
		in.ValidFrom, in.ValidTo = c.date("validFrom", startOfPeriod), c.date("validTo", endOfPeriod)
		in.Notes = c.opt("notes")
		in.Frameworks = c.frameworks()
		in.Sensitivity = enum(c, "sensitivity", domain.Sensitivities)
		in.Custom = c.custom(custom)
		if row.From != "" && strings.EqualFold(row.From, row.To) {
			c.problem("to", CodeEnum, fmt.Sprintf("From and To are both %q; a relationship must connect two different actors", row.From))
		}
		if len(c.problems) == 0 {
			check := *in
			check.From, check.To = "from", "to" // the ends are resolved later
			if _, err := domain.NewRelationship("", check); err != nil {
				c.domainProblem(err)
			}
		}
		problems = append(problems, c.problems...)
		rows = append(rows, row)
	}
	return rows, skipped, problems
}

// ReadSources turns a sources table into source rows.
func ReadSources(t *Table) ([]SourceRow, []Problem) {
	idx, problems := fields(t, sourceColumns)
	headers := headerNames(t, idx)
	for _, need := range []string{"externalId", "title", "kind"} {
		if _, ok := idx[need]; !ok {
			problems = append(problems, missingColumn(t, "sources", need))
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var rows []SourceRow
	for _, r := range t.Rows {
		c := newCells(t, r, idx)
		in := domain.SourceInput{Title: c.get("title"), ExternalID: c.opt("externalId"), URL: c.opt("url"),
			PublishedOn: c.date("publishedOn", startOfPeriod), Reliability: c.unit("reliability")}
		if k := enum(c, "kind", domain.SourceKinds); k != nil {
			in.Kind = *k
		}
		in.Sensitivity = enum(c, "sensitivity", domain.Sensitivities)
		if in.ExternalID == nil {
			c.problem("externalId", CodeMissing, "externalId is empty; actors and relationships cite sources by it")
		}
		if len(c.problems) == 0 {
			if _, err := domain.NewSource("", in); err != nil {
				c.domainProblem(err)
			}
		}
		problems = append(problems, c.problems...)
		rows = append(rows, SourceRow{Ref: Ref{t.File, r.Number, r.Element, headers, t.Place}, Input: in})
	}
	return rows, problems
}

func joinNames[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}
