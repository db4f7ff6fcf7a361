package mapio_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Imports with a mapping, against the real Neo4j.

// genericGEXF is a GEXF file as Gephi writes one for any network: no
// kind, no relationship type, weights on another scale, one edge without.
const genericGEXF = `<?xml version="1.0" encoding="UTF-8"?>
<gexf xmlns="http://gexf.net/1.3" version="1.3"><graph defaultedgetype="directed">
<attributes class="node"><attribute id="0" title="Category" type="string"/></attributes>
<nodes>
<node id="n1" label="Riverside village"><attvalues><attvalue for="0" value="Village"/></attvalues></node>
<node id="n2" label="District police"><attvalues><attvalue for="0" value="Police"/></attvalues></node>
<node id="n3" label="Women's network"><attvalues><attvalue for="0" value="Network"/></attvalues></node>
</nodes>
<edges>
<edge id="e1" source="n2" target="n1" weight="4"/>
<edge id="e2" source="n3" target="n1" weight="2"/>
<edge id="e3" source="n1" target="n3"/>
</edges></graph></gexf>`

const gexfMapping = `
actors:
  kind:
    column: Category
    values: {Village: COMMUNITY, Police: SECURITY_FORCE, Network: MOVEMENT}
relationships:
  type: {default: INFLUENCES}
  strength: {scale: 4}
`

func importWith(t *testing.T, st store.Store, ws string, fs []mapio.File, opts mapio.Options) *mapio.Report {
	t.Helper()
	rep, err := mapio.Import(ctx, st, ws, fs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func one(name, text string) []mapio.File {
	return []mapio.File{{Name: name, Data: strings.NewReader(text)}}
}

func TestImportGenericGEXFWithMapping(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	mapping := &mapio.MappingInput{Name: "gephi.yaml", Text: []byte(gexfMapping)}

	// Without a mapping the file lacks meaning: problems, nothing written.
	rep := importWith(t, st, ws.ID, one("net.gexf", genericGEXF), mapio.Options{})
	if len(rep.Problems) == 0 || rep.Written {
		t.Fatalf("without a mapping: %+v", rep)
	}

	// The dry run echoes every choice and lists the values it found.
	rep = importWith(t, st, ws.ID, one("net.gexf", genericGEXF), mapio.Options{DryRun: true, Mapping: mapping})
	if len(rep.Problems) > 0 {
		t.Fatalf("dry run: %v", rep.Problems)
	}
	for _, want := range []string{
		`actors: kind from attribute "Category"`,
		`actors: kind from attribute "Category": "Police" -> SECURITY_FORCE (1 actor)`,
		`relationships: strength 1.0 where a GEXF edge has no weight (GEXF's default weight) (1 edge)`,
		`relationships: strength divided by 4 (3 relationships)`,
		`relationships: type defaulted to INFLUENCES (3 relationships)`,
	} {
		if !slices.Contains(rep.Mapping, want) {
			t.Errorf("dry run's mapping lacks %q; got %q", want, rep.Mapping)
		}
	}
	if !hasValues(rep.Values, "Category", "Village", "Police", "Network") {
		t.Errorf("dry run's values: %+v", rep.Values)
	}
	if rep.Actors.Created != 3 || rep.Relationships.Created != 3 || len(contents(t, st, ws.ID).Actors) != 0 {
		t.Errorf("dry run counts %+v %+v, or it wrote", rep.Actors, rep.Relationships)
	}

	rep = importWith(t, st, ws.ID, one("net.gexf", genericGEXF), mapio.Options{Mapping: mapping})
	if len(rep.Problems) > 0 || !rep.Written {
		t.Fatalf("import: %v", rep.Problems)
	}
	c := contents(t, st, ws.ID)
	kinds := map[string]domain.ActorKind{}
	names := map[string]string{}
	for _, a := range c.Actors {
		kinds[a.Name] = a.Kind
		names[a.ID] = a.Name
	}
	if kinds["District police"] != domain.KindSecurityForce || kinds["Riverside village"] != domain.KindCommunity || kinds["Women's network"] != domain.KindMovement {
		t.Errorf("kinds %v", kinds)
	}
	strengths := map[string]float64{}
	for _, r := range c.Relationships {
		if r.Type != domain.Influences {
			t.Errorf("relationship %s is %s", names[r.FromID]+"->"+names[r.ToID], r.Type)
		}
		strengths[names[r.FromID]+"->"+names[r.ToID]] = r.Strength
	}
	want := map[string]float64{"District police->Riverside village": 1, "Women's network->Riverside village": 0.5, "Riverside village->Women's network": 0.25}
	if fmt.Sprint(strengths) != fmt.Sprint(want) {
		t.Errorf("strengths %v, want %v", strengths, want)
	}

	// Importing again with the same mapping changes nothing.
	rep = importWith(t, st, ws.ID, one("net.gexf", genericGEXF), mapio.Options{Mapping: mapping})
	if rep.Written || rep.Actors.Unchanged != 3 || rep.Relationships.Unchanged != 3 {
		t.Errorf("second import: %+v %+v written %v", rep.Actors, rep.Relationships, rep.Written)
	}
}

func hasValues(lists []mapio.ValueList, column string, values ...string) bool {
	for _, l := range lists {
		if l.Column != column {
			continue
		}
		var got []string
		for _, v := range l.Values {
			got = append(got, v.Value)
		}
		for _, v := range values {
			if !slices.Contains(got, v) {
				return false
			}
		}
		return true
	}
	return false
}

const undirectedGraphML = `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="k" for="node" attr.name="kind" attr.type="string"/>
<key id="l" for="node" attr.name="label" attr.type="string"/>
<key id="t" for="edge" attr.name="type" attr.type="string"/>
<key id="w" for="edge" attr.name="weight" attr.type="double"/>
<graph edgedefault="undirected">
<node id="a"><data key="l">Village</data><data key="k">COMMUNITY</data></node>
<node id="b"><data key="l">Network</data><data key="k">MOVEMENT</data></node>
<node id="c"><data key="l">Council</data><data key="k">STATE_INSTITUTION</data></node>
<edge id="ab" source="a" target="b"><data key="t">COOPERATES_WITH</data><data key="w">0.8</data></edge>
<edge id="bc" source="b" target="c"><data key="t">DIALOGUE</data><data key="w">0.5</data></edge>
<edge id="ca" source="c" target="a" directed="true"><data key="t">PROVIDES_SECURITY</data><data key="w">0.4</data></edge>
</graph></graphml>`

// An undirected GraphML file: refused without a say, two relationships
// per undirected edge with --undirected both, one of a symmetric type
// with --undirected TYPE.
func TestImportUndirectedGraphML(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	rep := importWith(t, st, ws.ID, one("g.graphml", undirectedGraphML), mapio.Options{})
	if len(rep.Problems) != 1 || rep.Problems[0].Code != mapio.CodeUndirected || !strings.Contains(rep.Problems[0].Message, "--undirected both") {
		t.Fatalf("without a say: %v", rep.Problems)
	}
	both := &mapio.MappingInput{Overrides: mapio.Overrides{Undirected: "both"}}
	rep = importWith(t, st, ws.ID, one("g.graphml", undirectedGraphML), mapio.Options{Mapping: both})
	if len(rep.Problems) > 0 || rep.Relationships.Created != 5 {
		t.Fatalf("both: %v %+v", rep.Problems, rep.Relationships)
	}
	if !slices.Contains(rep.Mapping, "relationships: undirected edge a-b -> 2 relationships, one each way") {
		t.Errorf("mapping lines %q", rep.Mapping)
	}
	c := contents(t, st, ws.ID)
	ends := map[string]bool{}
	for _, r := range c.Relationships {
		ends[*r.ExternalID] = true
	}
	for _, id := range []string{"ab", "ab (reverse)", "bc", "bc (reverse)", "ca"} {
		if !ends[id] {
			t.Errorf("no relationship %q; have %v", id, ends)
		}
	}
	rep = importWith(t, st, ws.ID, one("g.graphml", undirectedGraphML), mapio.Options{Mapping: both})
	if rep.Written || rep.Relationships.Unchanged != 5 {
		t.Errorf("re-import: %+v", rep.Relationships)
	}

	ws2 := storetest.Workspace(t, st)
	rep = importWith(t, st, ws2.ID, one("g.graphml", undirectedGraphML), mapio.Options{Mapping: &mapio.MappingInput{Overrides: mapio.Overrides{Undirected: "COOPERATES_WITH"}}})
	if len(rep.Problems) > 0 || rep.Relationships.Created != 3 {
		t.Fatalf("as a type: %v %+v", rep.Problems, rep.Relationships)
	}
	types := map[string]domain.RelationshipType{}
	for _, r := range contents(t, st, ws2.ID).Relationships {
		types[*r.ExternalID] = r.Type
	}
	if types["ab"] != domain.CooperatesWith || types["bc"] != domain.CooperatesWith || types["ca"] != domain.ProvidesSecurity {
		t.Errorf("types %v", types)
	}
}

const clashMatrix = `,Group A,Group B,Group C
Group A,0,3,0
Group B,3,0,6
Group C,0,6,0
`

// A symmetric CSV matrix of clashes: one IN_TENSION_WITH relationship per
// pair, weights divided by the largest, actors made from the names.
func TestImportMatrix(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	mapping := &mapio.MappingInput{Name: "clashes.yaml", Text: []byte(`
matrix: {type: IN_TENSION_WITH, directed: false}
undirected: IN_TENSION_WITH
actors:
  kind: {default: SECURITY_FORCE}
relationships:
  strength: {scale: max}
`)}
	rep := importWith(t, st, ws.ID, one("clashes_matrix.csv", clashMatrix), mapio.Options{Mapping: mapping})
	if len(rep.Problems) > 0 || rep.Actors.Created != 3 || rep.Relationships.Created != 2 {
		t.Fatalf("import: %v %+v %+v", rep.Problems, rep.Actors, rep.Relationships)
	}
	c := contents(t, st, ws.ID)
	names := map[string]string{}
	for _, a := range c.Actors {
		names[a.ID] = a.Name
		if a.Kind != domain.KindSecurityForce {
			t.Errorf("%s is %s", a.Name, a.Kind)
		}
	}
	got := map[string]float64{}
	for _, r := range c.Relationships {
		got[names[r.FromID]+"-"+names[r.ToID]+" "+string(r.Type)] = r.Strength
	}
	if fmt.Sprint(got) != fmt.Sprint(map[string]float64{"Group A-Group B IN_TENSION_WITH": 0.5, "Group B-Group C IN_TENSION_WITH": 1}) {
		t.Errorf("relationships %v", got)
	}
	rep = importWith(t, st, ws.ID, one("clashes_matrix.csv", clashMatrix), mapio.Options{Mapping: mapping})
	if rep.Written || rep.Relationships.Unchanged != 2 || rep.Actors.Unchanged != 3 {
		t.Errorf("re-import: %+v %+v", rep.Actors, rep.Relationships)
	}

	// Beside an actors file, the matrix's names refer to its actors (by
	// external id here), and no actor is made from them.
	ws3 := storetest.Workspace(t, st)
	withActors := []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("externalId,name,kind\nGroup A,Alpha front,SECURITY_FORCE\nGroup B,Beta militia,SECURITY_FORCE\nGroup C,Gamma army,SECURITY_FORCE\n")},
		{Name: "clashes_matrix.csv", Data: strings.NewReader(clashMatrix)}}
	rep = importWith(t, st, ws3.ID, withActors, mapio.Options{Mapping: &mapio.MappingInput{Text: []byte("matrix: {type: IN_TENSION_WITH, directed: false}\nundirected: both\nrelationships:\n  strength: {scale: 6}\n")}})
	if len(rep.Problems) > 0 || rep.Actors.Created != 3 || rep.Relationships.Created != 4 {
		t.Fatalf("beside an actors file: %v %+v %+v", rep.Problems, rep.Actors, rep.Relationships)
	}
	byName := map[string]bool{}
	for _, a := range contents(t, st, ws3.ID).Actors {
		byName[a.Name] = true
	}
	if !byName["Alpha front"] || byName["Group A"] {
		t.Errorf("actors %v", byName)
	}

	// Without a kind for its actors, the matrix is a problem, and nothing is written.
	ws2 := storetest.Workspace(t, st)
	rep = importWith(t, st, ws2.ID, one("clashes_matrix.csv", clashMatrix), mapio.Options{Mapping: &mapio.MappingInput{Text: []byte("matrix: {type: IN_TENSION_WITH}\n")}})
	if len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].Message, "--default-kind") || len(contents(t, st, ws2.ID).Actors) != 0 {
		t.Errorf("no kind: %v", rep.Problems)
	}
}

const twoGraphs = `{"graphs": [
 {"id": "2019", "label": "Survey 2019", "directed": true,
  "nodes": {"v": {"label": "Village", "metadata": {"kind": "COMMUNITY"}}, "p": {"label": "Police", "metadata": {"kind": "SECURITY_FORCE"}}},
  "edges": [{"source": "p", "target": "v", "relation": "THREATENS", "metadata": {"strength": 0.7}}]},
 {"id": "2020", "label": "Survey 2020", "directed": true,
  "nodes": {"v": {"label": "Village", "metadata": {"kind": "COMMUNITY"}}, "p": {"label": "Police", "metadata": {"kind": "SECURITY_FORCE"}}},
  "edges": [{"source": "p", "target": "v", "relation": "PROVIDES_SECURITY", "metadata": {"strength": 0.4}},
            {"source": "v", "target": "p", "relation": "TRUSTS", "metadata": {"strength": 0.3}}]}]}`

func TestImportJGFMultiGraph(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	rep := importWith(t, st, ws.ID, one("surveys.json", twoGraphs), mapio.Options{})
	if len(rep.Problems) != 1 || rep.Problems[0].Code != mapio.CodeGraphs || !strings.Contains(rep.Problems[0].Message, `2 id "2020" label "Survey 2020"`) {
		t.Fatalf("no choice: %v", rep.Problems)
	}
	rep = importWith(t, st, ws.ID, one("surveys.json", twoGraphs), mapio.Options{Mapping: &mapio.MappingInput{Text: []byte("graph: Survey 2020\n")}})
	if len(rep.Problems) > 0 || rep.Relationships.Created != 2 {
		t.Fatalf("choice: %v %+v", rep.Problems, rep.Relationships)
	}
	if !slices.ContainsFunc(rep.Mapping, func(s string) bool { return strings.Contains(s, `read graph 2 id "2020"`) }) {
		t.Errorf("mapping lines %q", rep.Mapping)
	}
	types := map[domain.RelationshipType]bool{}
	for _, r := range contents(t, st, ws.ID).Relationships {
		types[r.Type] = true
	}
	if !types[domain.ProvidesSecurity] || !types[domain.Trusts] || types[domain.Threatens] {
		t.Errorf("types %v: not the chosen graph", types)
	}
}

// A bad mapping is a MAPPING problem, found before anything is read or
// written; the workspace is unchanged.
func TestImportBadMappingChangesNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	cases := []struct {
		name, text string
		mentions   string
	}{
		{"syntax", "actors: {kind: [", "not valid YAML"},
		{"unknown key", "actors:\n  kind: Category\nweights: max\n", `"weights" is not a key`},
		{"not a kind", "actors:\n  kind:\n    column: Category\n    values: {Police: COPS}\n", `"COPS" is not a kind of actor`},
		{"strength default", "relationships:\n  strength: {default: 4}\n", "between 0 and 1"},
		{"column no file has", "actors:\n  kind: Sector\nrelationships:\n  type: {default: INFLUENCES}\n", `kind names "Sector", which no file has`},
		{"no matrix", "matrix: {file: clashes.csv, type: IN_TENSION_WITH}\n", `"clashes.csv", which is not among the files`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := importWith(t, st, ws.ID, one("net.gexf", genericGEXF), mapio.Options{Mapping: &mapio.MappingInput{Name: "m.yaml", Text: []byte(c.text)}})
			if rep.Written || !slices.ContainsFunc(rep.Problems, func(p mapio.Problem) bool {
				return p.Code == mapio.CodeMapping && p.File == "m.yaml" && strings.Contains(p.Message, c.mentions)
			}) {
				t.Errorf("problems %v; want a MAPPING problem mentioning %q", rep.Problems, c.mentions)
			}
			if n := len(contents(t, st, ws.ID).Actors); n != 0 {
				t.Errorf("a bad mapping wrote %d actors", n)
			}
		})
	}
}

// A streamed CSV relationships file is mapped chunk by chunk (here past
// one chunk of 50,000 rows); scale: max on it is refused with a clear
// problem, since the largest weight is not known until the end.
func TestImportStreamedRelationshipsWithMapping(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	const n = 400
	var actors, rels strings.Builder
	actors.WriteString("id,name,Category\n")
	for i := range n {
		fmt.Fprintf(&actors, "a%d,Actor %d,Village\n", i, i)
	}
	rels.WriteString("source,target,Polarity,weight\n")
	rows := 0
	for i := range n {
		for j := range n {
			if i != j && (i+j)%3 == 0 && rows < 52_000 {
				pol := "++"
				if i%2 == 0 {
					pol = "--"
				}
				fmt.Fprintf(&rels, "a%d,a%d,%s,%d\n", i, j, pol, 1+(i+j)%5)
				rows++
			}
		}
	}
	fs := func() []mapio.File {
		return []mapio.File{{Name: "actors.csv", Data: strings.NewReader(actors.String())}, {Name: "relationships.csv", Data: strings.NewReader(rels.String())}}
	}
	mapping := func(scale string) *mapio.MappingInput {
		return &mapio.MappingInput{Name: "m.yaml", Text: []byte(`
actors:
  kind: {column: Category, values: {Village: COMMUNITY}}
relationships:
  type: {column: Polarity, values: {"++": SUPPORTS, "--": IN_TENSION_WITH}}
  strength: {scale: ` + scale + `}
`)}
	}
	rep := importWith(t, st, ws.ID, fs(), mapio.Options{DryRun: true, Mapping: mapping("max")})
	if len(rep.Problems) != 1 || rep.Problems[0].Code != mapio.CodeMapping || !strings.Contains(rep.Problems[0].Message, "read in parts") {
		t.Fatalf("scale max on a streamed file: %v", rep.Problems)
	}
	// The same for confidence, which scale: max would otherwise divide
	// by the largest of each part, not of the file.
	confidence := &mapio.MappingInput{Name: "m.yaml", Text: append(mapping("5").Text, "  confidence: {column: weight, scale: max}\n"...)}
	rep = importWith(t, st, ws.ID, fs(), mapio.Options{DryRun: true, Mapping: confidence})
	if len(rep.Problems) != 1 || rep.Problems[0].Column != "relationships.confidence.scale" || !strings.Contains(rep.Problems[0].Message, "read in parts") {
		t.Fatalf("confidence scale max on a streamed file: %v", rep.Problems)
	}
	rep = importWith(t, st, ws.ID, fs(), mapio.Options{DryRun: true, Mapping: mapping("5")})
	if len(rep.Problems) > 0 || rep.Relationships.Created != rows || rep.Actors.Created != n {
		t.Fatalf("streamed dry run: %v %+v", rep.Problems, rep.Relationships)
	}
	supports := 0
	for _, l := range rep.Mapping {
		if strings.HasPrefix(l, `relationships: type from column "Polarity": "++" -> SUPPORTS`) {
			supports++
			if !strings.Contains(l, "relationships)") {
				t.Errorf("line without a count: %q", l)
			}
		}
	}
	if supports != 1 || !slices.Contains(rep.Mapping, fmt.Sprintf("relationships: strength divided by 5 (%d relationships)", rows)) {
		t.Errorf("mapping lines %q", rep.Mapping)
	}
}

// A problem of an undirected edge made two relationships is reported
// once, not once per relationship.
func TestUndirectedEdgeProblemsOnce(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	doc := strings.Replace(undirectedGraphML, `<data key="w">0.8</data>`, ``, 1)
	rep := importWith(t, st, ws.ID, one("g.graphml", doc), mapio.Options{Mapping: &mapio.MappingInput{Overrides: mapio.Overrides{Undirected: "both"}}})
	if len(rep.Problems) != 1 || rep.ProblemCount != 1 || rep.Problems[0].Element != "ab" || rep.Problems[0].Code != mapio.CodeMissing {
		t.Errorf("problems %v", rep.Problems)
	}
}

// A dry run lists the values of columns that look like categories, not of
// free text that happens to repeat (a description shared by two records).
func TestDryRunListsCategoriesNotFreeText(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	long := strings.Repeat("A long description of what this village is and does. ", 3)
	csv := "name,kind,Summary,Category\n" +
		"Riverside,COMMUNITY," + long + ",Village\n" +
		"Hillside,COMMUNITY," + long + ",Village\n" +
		"Police,SECURITY_FORCE,Short,Police\n"
	rep := importWith(t, st, ws.ID, one("actors.csv", csv), mapio.Options{DryRun: true})
	if !hasValues(rep.Values, "Category", "Village", "Police") {
		t.Errorf("the category column is not listed: %+v", rep.Values)
	}
	for _, l := range rep.Values {
		if l.Column == "Summary" {
			t.Errorf("free text is listed as a category: %+v", l)
		}
	}
}

// A graph file's self-loop is left out and listed as skipped; the rest of
// the file imports. (In a spreadsheet it stays a problem: see rows_test.)
func TestSelfLoopsOfGraphFilesAreSkippedAndListed(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	graphml := `<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<graph edgedefault="directed"><node id="a"/><node id="b"/>
<edge id="loop" source="a" target="a"/><edge id="ab" source="a" target="b"/></graph></graphml>`
	mapping := &mapio.MappingInput{Name: "m.yaml", Text: []byte("actors:\n  name: externalId\n  kind: {default: COMMUNITY}\nrelationships:\n  type: {default: DIALOGUE}\n  strength: {default: 0.5}\n")}
	rep := importWith(t, st, ws.ID, one("g.graphml", graphml), mapio.Options{Mapping: mapping})
	if len(rep.Problems) > 0 || rep.Relationships.Created != 1 || rep.Relationships.Skipped != 1 {
		t.Fatalf("problems %v, relationships %+v", rep.Problems, rep.Relationships)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Element != "loop" || !strings.Contains(rep.Skipped[0].Message, "to itself") {
		t.Errorf("skipped: %+v", rep.Skipped)
	}
	if c := contents(t, st, ws.ID); len(c.Relationships) != 1 {
		t.Errorf("stored %d relationships", len(c.Relationships))
	}
}

// A mapping's keep holds a column as a custom attribute although its name
// says a field; its drop leaves a column out (an informant's name the map
// must not hold), and the report says so. A keep or drop naming a column
// no file has is a MAPPING problem, and nothing is written.
func TestMappingKeepsAndDropsColumns(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	csv := "name,type,Informant,Region\nRiverside,bezier,Amina on the ferry,North\n"
	mapping := func(text string) *mapio.MappingInput { return &mapio.MappingInput{Name: "m.yaml", Text: []byte(text)} }
	rep := importWith(t, st, ws.ID, one("actors.csv", csv), mapio.Options{Mapping: mapping("actors:\n  keep: [type]\n  drop: Informant\n  kind: {default: COMMUNITY}\n")})
	if len(rep.Problems) > 0 || !rep.Written {
		t.Fatalf("import: %v", rep.Problems)
	}
	a := contents(t, st, ws.ID).Actors[0]
	if a.Kind != domain.KindCommunity || a.Custom["type"] != domain.TextValue("bezier") || a.Region != "North" {
		t.Errorf("actor: kind %s, custom %v, region %q", a.Kind, a.Custom, a.Region)
	}
	if _, kept := a.Custom["Informant"]; kept {
		t.Error("a dropped column was stored")
	}
	if !slices.ContainsFunc(rep.Ignored, func(p mapio.Problem) bool { return p.Column == "Informant" && strings.Contains(p.Message, "drop") }) {
		t.Errorf("the report does not list the dropped column: %+v", rep.Ignored)
	}
	if !slices.Contains(rep.Mapping, `actors: column "Informant" left out, as the mapping says`) {
		t.Errorf("the mapping lines do not echo the drop: %q", rep.Mapping)
	}

	other := storetest.Workspace(t, st)
	rep = importWith(t, st, other.ID, one("actors.csv", csv), mapio.Options{Mapping: mapping("actors:\n  keep: [type]\n  drop: [Informer]\n  kind: {default: COMMUNITY}\n")})
	if len(rep.Problems) != 1 || rep.Problems[0].Code != mapio.CodeMapping || !strings.Contains(rep.Problems[0].Message, `"Informer"`) {
		t.Errorf("a drop of a missing column: %+v", rep.Problems)
	}
	if c := contents(t, st, other.ID); len(c.Actors) != 0 {
		t.Error("an import with a bad mapping wrote")
	}
}
