package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/mapio"
)

// Every command answers -h and --help with its usage on standard output
// (what it does and its flags) and succeeds, touching no database (the
// environment here has none).
func TestEveryCommandAnswersHelp(t *testing.T) {
	t.Parallel()
	noEnv := func(string) (string, bool) { return "", false }
	for _, c := range []struct {
		cmd  []string
		want []string // in the usage
	}{
		{[]string{"serve"}, []string{"usage: actorgraph [serve]", "Runs the service", "-port"}},
		{[]string{"import"}, []string{"usage: actorgraph import", "Imports actor-map files", "-dry-run", "-format"}},
		{[]string{"export"}, []string{"usage: actorgraph export", "Exports a workspace", "-workspace", "-o"}},
		{[]string{"template"}, []string{"usage: actorgraph template", "Writes the import template", "-format"}},
		{[]string{"token"}, []string{"usage: actorgraph token create", "Manages API tokens"}},
		{[]string{"token", "create"}, []string{"usage: actorgraph token create", "Manages API tokens", "-role", "-clearance"}},
	} {
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string(nil), c.cmd...), h)
			var out, errOut strings.Builder
			err := Run(context.Background(), args, IO{Env: noEnv, Stdout: &out, Stderr: &errOut})
			if err != nil {
				t.Errorf("%v: %v", args, err)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%v: the usage lacks %q:\n%s", args, w, out.String())
				}
			}
		}
	}
}

// A refused option says what is wrong in words, never with the name of
// the function that refused it.
func TestMessagesCarryNoInternalNames(t *testing.T) {
	t.Parallel()
	noEnv := func(string) (string, bool) { return "", false }
	for _, args := range [][]string{
		{"import", "--workspace", "w", "--format", "pdf", "map.csv"},
		{"export", "--workspace", "w", "--format", "pdf"},
	} {
		err := Run(context.Background(), args, IO{Env: noEnv, Stdout: &strings.Builder{}, Stderr: &strings.Builder{}})
		if err == nil || !strings.Contains(err.Error(), `format "pdf" is not one of`) || strings.Contains(err.Error(), "mapio.") || strings.Contains(err.Error(), "Parse") {
			t.Errorf("%v: %v", args, err)
		}
	}
	// Cytoscape.js files are imported now: the format is accepted.
	if f, err := mapio.ParseImportFormat("cytoscape"); err != nil || f != mapio.FormatCytoscape {
		t.Errorf("cytoscape: %v %v", f, err)
	}
}

// The printed report says what was kept as custom attributes, and what
// was dropped and why.
func TestReportListsKeptAndDropped(t *testing.T) {
	t.Parallel()
	rep := &mapio.Report{DryRun: true,
		Kept:    []mapio.Kept{{File: "map.gexf", Role: "actors", Column: "fighters", Key: "fighters", Type: "NUMBER"}},
		Ignored: []mapio.Problem{{File: "map.gexf", Column: "viz:shape", Code: mapio.CodeIgnored, Message: "Gephi's node shapes (viz:shape) are not kept"}}}
	var out strings.Builder
	printReport(&out, rep)
	for _, w := range []string{
		`kept: map.gexf actors column "fighters" as the custom attribute "fighters" (NUMBER)`,
		`dropped: map.gexf column "viz:shape": Gephi's node shapes (viz:shape) are not kept`,
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("the report lacks %q:\n%s", w, out.String())
		}
	}
}
