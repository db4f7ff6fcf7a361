package mapio

import (
	"fmt"
	"io"
)

// The CSV template: every column the service reads, under the service's
// own names, with one example row, so that a researcher starts from the
// right headers. The example rows are a small valid map: they read back
// without a problem (a test checks).
//
// Every file ends with a sensitivity column: PUBLIC, RESTRICTED or
// CONFIDENTIAL (any case). An empty cell, or no column at all, gives a new
// record the default, RESTRICTED (never PUBLIC), and leaves an existing
// record's level as it is. The example rows show each level and an empty
// cell; the workbook template says so in a note on the column's header.

// TemplateFiles are the template's file names, in the order to fill them.
var TemplateFiles = []string{"sources.csv", "actors.csv", "relationships.csv"}

var templates = map[string][][]string{
	"sources.csv": {
		{"externalId", "title", "kind", "url", "publishedOn", "reliability", "sensitivity"},
		{"src-survey-2024", "Household security survey 2024", "SURVEY", "https://example.org/survey", "2024-03", "0.8", "RESTRICTED"},
	},
	"actors.csv": {
		{"externalId", "name", "kind", "description", "region", "tags", "frameworks", "sources",
			"population", "rightsAwareness", "marginalised", "displaced", "unregistered",
			"level", "branch", "forceType", "stateAffiliated", "focus", "womenLed", "membership",
			"organizationType", "authorityType", "internationalType", "sensitivity"},
		{"c-village", "Riverside village", "COMMUNITY", "Farming households on the east bank", "East", "rural|UNSCR1325:protection", "PROTECTION|SECURITY", "src-survey-2024",
			"1200", "0.4", "yes", "no", "no", "", "", "", "", "", "", "", "", "", "", ""},
		{"f-police", "District police", "SECURITY_FORCE", "", "East", "", "", "",
			"", "", "", "", "", "", "", "POLICE", "yes", "", "", "", "", "", "", "PUBLIC"},
	},
	"relationships.csv": {
		{"externalId", "from", "to", "type", "strength", "trustSurvey", "confidence", "perceivedBy",
			"mechanism", "channel", "power", "form", "validFrom", "validTo", "notes", "frameworks", "sources", "sensitivity"},
		{"r-threat-1", "f-police", "c-village", "THREATENS", "0.6", "", "0.8", "",
			"", "", "", "EXTORTION", "2023", "", "Checkpoint fees reported by traders", "SECURITY|JUSTICE", "src-survey-2024", "CONFIDENTIAL"},
		{"r-trust-1", "c-village", "f-police", "TRUSTS", "", "not very much", "", "women",
			"", "", "", "", "", "", "", "PROTECTION", "src-survey-2024", ""},
	},
}

// WriteTemplate writes one template file.
func WriteTemplate(name string, w io.Writer) error {
	rows, ok := templates[name]
	if !ok {
		return fmt.Errorf("no template named %q", name)
	}
	return writeCSV(name, rows, nil, w)
}
