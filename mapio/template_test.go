package mapio

import (
	"bytes"
	"testing"
)

// The template reads back as a valid map: every column known, the example
// rows free of problems, the references resolved.
func TestTemplateReadsBack(t *testing.T) {
	t.Parallel()
	tables := map[string]*Table{}
	for _, name := range TemplateFiles {
		var buf bytes.Buffer
		if err := WriteTemplate(name, &buf); err != nil {
			t.Fatal(err)
		}
		tb, problems := ReadTable(name, &buf)
		if len(problems) > 0 {
			t.Fatalf("%s: %v", name, problems)
		}
		tables[name] = tb
	}
	srcs, p1 := ReadSources(tables["sources.csv"])
	actors, p2 := ReadActors(tables["actors.csv"])
	rels, skipped, p3 := ReadRelationships(tables["relationships.csv"])
	if len(p1)+len(p2)+len(p3) > 0 || len(skipped) > 0 {
		t.Fatalf("problems: %v %v %v %v", p1, p2, p3, skipped)
	}
	if _, problems := Resolve(&Document{Sources: srcs, Actors: actors, Relationships: rels}); len(problems) > 0 {
		t.Fatalf("resolve: %v", problems)
	}
	// Every column of the template is one the reader knows.
	for name, known := range map[string]map[string]string{"actors.csv": actorColumns, "relationships.csv": relationshipColumns, "sources.csv": sourceColumns} {
		for _, h := range tables[name].Header {
			if _, ok := known[normalize(h)]; !ok {
				t.Errorf("%s: template column %q is unknown to the reader", name, h)
			}
		}
	}
	if err := WriteTemplate("nope.csv", &bytes.Buffer{}); err == nil {
		t.Error("unknown template accepted")
	}
}
