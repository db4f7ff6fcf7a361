package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A mapping over GraphQL: the same YAML as the command line's file, the
// same echo, the same MAPPING problems for a bad one, and a suggested
// mapping on a dry run.
func TestImportActorMapWithMapping(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws := a.CreateWorkspace("mapped")
	gexf := apitest.Upload{Name: "net.gexf", Data: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph defaultedgetype="undirected">
<attributes class="node"><attribute id="0" title="Category" type="string"/></attributes>
<nodes><node id="n1" label="Village"><attvalues><attvalue for="0" value="Village"/></attvalues></node>
<node id="n2" label="Police"><attvalues><attvalue for="0" value="Police"/></attvalues></node></nodes>
<edges><edge id="e1" source="n2" target="n1" weight="0.5"/></edges></graph></gexf>`)}

	dry := a.ImportOK(map[string]any{"ws": ws, "dry": true, "suggest": true}, []apitest.Upload{gexf})
	if dry.SuggestedMapping == nil || !strings.Contains(*dry.SuggestedMapping, `"Police": "SECURITY_FORCE"`) || len(dry.Problems) == 0 {
		t.Fatalf("dry run with a suggestion: %+v", dry)
	}
	if len(dry.Values) == 0 || dry.Values[0].Column != "Category" || dry.Values[0].Field != nil || len(dry.Values[0].Values) != 2 {
		t.Errorf("values %+v", dry.Values)
	}

	bad := a.ImportOK(map[string]any{"ws": ws, "mapping": "actors:\n  kind:\n    column: Category\n    values: {Police: COPS}\n"}, []apitest.Upload{gexf})
	if bad.Written || len(bad.Problems) != 1 || bad.Problems[0].Code != "MAPPING" || bad.Problems[0].File != "mapping" ||
		bad.Problems[0].Row == nil || *bad.Problems[0].Row != 4 || !strings.Contains(bad.Problems[0].Message, `"COPS" is not a kind of actor`) {
		t.Errorf("a bad mapping: %+v", bad.Problems)
	}

	mapping := "actors:\n  kind:\n    column: Category\n    values: {Village: COMMUNITY, Police: SECURITY_FORCE}\n" +
		"relationships:\n  type: {default: PROVIDES_SECURITY}\nundirected: both\n"
	rep := a.ImportOK(map[string]any{"ws": ws, "mapping": mapping}, []apitest.Upload{gexf})
	if !rep.Written || len(rep.Problems) > 0 || rep.Actors.Created != 2 || rep.Relationships.Created != 2 {
		t.Fatalf("import with the mapping: %+v", rep)
	}
	if !slices.Contains(rep.Mapping, "relationships: undirected edge n2-n1 -> 2 relationships, one each way") || rep.SuggestedMapping != nil || len(rep.Values) > 0 {
		t.Errorf("mapping %q, suggestion %v, values %v", rep.Mapping, rep.SuggestedMapping, rep.Values)
	}
	if c := contents(t, a, ws); c != "0/2/2" {
		t.Errorf("stored %s", c)
	}
	if _, r := a.ImportFiles(map[string]any{"ws": ws, "suggest": true}, []apitest.Upload{gexf}, true); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "needs dryRun") {
		t.Errorf("suggestMapping without dryRun: %+v", r.Errors)
	}
}
