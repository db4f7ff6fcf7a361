package mapio

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
)

// graphTestContents is a small map that exercises every kind of field the
// graph formats carry: actors of several kinds with kind-specific
// attributes, tag lists, a population of 1200000 (which a float64 would
// print as 1.2e+06), sources, dates, perceivedBy, notes with quotes and
// non-ASCII text, an actor and a relationship without external ids (so
// keyed by service id), and a relationship whose external id is also an
// actor's (which Kumu, wanting ids unique across elements and
// connections, cannot take as an id). Records are of every sensitivity.
func graphTestContents() *domain.Contents {
	p := func(v string) *string { return &v }
	date := func(s string) *domain.Date { d := domaintest.Date(s); return &d }
	return &domain.Contents{
		Sources: []*domain.Source{
			{ID: "svc-s1", ExternalID: p("src-survey"), Title: "Household survey 2024", Kind: "SURVEY", URL: p("https://example.org/survey?q=1&lang=fr"),
				PublishedOn: date("2024-03-01"), Reliability: new(0.8), Sensitivity: domain.Public},
			{ID: "svc-s2", Title: "Interview notes, Tamal", Kind: "INTERVIEW", Sensitivity: domain.Confidential},
		},
		Actors: []*domain.Actor{
			{ID: "svc-a1", ExternalID: p("c-tamal"), Kind: domain.KindCommunity, Name: "Tamal villages", Description: "Farming villages on the east bank",
				Region: "East", Tags: []string{"rural", "UNSCR1325:protection"}, SourceIDs: []string{"svc-s1", "svc-s2"},
				ActorAttributes: domain.ActorAttributes{Population: new(1200000), RightsAwareness: new(0.4),
					Marginalised: new(true), Displaced: new(false)}, Sensitivity: domain.Confidential},
			{ID: "svc-a2", ExternalID: p("f-police"), Kind: domain.KindSecurityForce, Name: "District police", Sensitivity: domain.Public,
				ActorAttributes: domain.ActorAttributes{ForceType: new(domain.ForceType("POLICE")), StateAffiliated: new(true)}},
			{ID: "svc-a3", ExternalID: p("m-women"), Kind: domain.KindMovement, Name: "Women's network «Nour»", Tags: []string{"women"},
				ActorAttributes: domain.ActorAttributes{Focus: p("land rights"), WomenLed: new(true), Membership: new(450)}},
			{ID: "svc-a4", Kind: domain.KindStateInstitution, Name: "District council",
				ActorAttributes: domain.ActorAttributes{Level: new(domain.GovernanceLevel("LOCAL")), Branch: new(domain.Branch("EXECUTIVE"))}},
			{ID: "svc-a5", ExternalID: p("i-donor"), Kind: domain.KindInternational, Name: "Donor agency",
				ActorAttributes: domain.ActorAttributes{InternationalType: new(domain.InternationalType("DONOR"))}},
		},
		Relationships: []*domain.Relationship{
			{ID: "svc-r1", ExternalID: p("r-threat"), Type: domain.Threatens, FromID: "svc-a2", ToID: "svc-a1", Strength: 0.67, Confidence: 0.8,
				Form: new(domain.Form("EXTORTION")), ValidFrom: date("2023-01-01"), ValidTo: date("2024-07-01"),
				Notes: `Traders said "pay or wait" — frais de passage à Tamal`, SourceIDs: []string{"svc-s1"}, Sensitivity: domain.Confidential},
			{ID: "svc-r2", Type: domain.Trusts, FromID: "svc-a1", ToID: "svc-a2", Strength: 0.33, Confidence: 1, PerceivedBy: p("women"),
				SourceIDs: []string{"svc-s2"}, Sensitivity: domain.Restricted},
			{ID: "svc-r3", ExternalID: p("m-women"), Type: domain.Influences, FromID: "svc-a3", ToID: "svc-a4", Strength: 0.5, Confidence: 1,
				Channel: new(domain.Channel("ADVOCACY"))},
			{ID: "svc-r4", ExternalID: p("r-fund"), Type: domain.Supports, FromID: "svc-a5", ToID: "svc-a3", Strength: 1, Confidence: 0.9,
				Form: new(domain.Form("FUNDING")), ValidFrom: date("2022-01-01")},
		},
	}
}

// assertGraphRoundTrip writes c's elements in a format, reads them back,
// and checks they read into the same inputs as the CSV export does.
func assertGraphRoundTrip(t *testing.T, file string, write func(GraphElements, io.Writer) error, read func(string, io.Reader) (GraphElements, []Problem)) []byte {
	t.Helper()
	c := graphTestContents()
	var buf bytes.Buffer
	if err := write(ExportElements(c), &buf); err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(buf.Bytes())
	g, ps := read(file, &buf)
	if len(ps) > 0 {
		t.Fatalf("reading the export back: %v\n%s", ps, out)
	}
	tables := g.Tables(file)
	for r, tb := range tables {
		if ignored := keptColumns(tb, r); len(ignored) > 0 {
			t.Errorf("the export has attributes the import reads as custom attributes: %v", ignored)
		}
	}
	got, want := readGraphInputs(t, tables), csvInputs(t, c)
	if len(want.Actors) != len(c.Actors) || len(want.Relationships) != len(c.Relationships) || len(want.Sources) != len(c.Sources) {
		t.Fatalf("the CSV reference lost records: %+v", want)
	}
	for _, cmp := range []struct {
		what      string
		got, want any
	}{{"actors", got.Actors, want.Actors}, {"relationships", got.Relationships, want.Relationships}, {"sources", got.Sources, want.Sources}} {
		if !reflect.DeepEqual(cmp.got, cmp.want) {
			t.Errorf("%s differ from the CSV export's:\n got %s\nwant %s", cmp.what, dump(cmp.got), dump(cmp.want))
		}
	}
	return out
}

// dump shows inputs with their pointers followed, for failure messages.
func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func TestKumuRoundTrip(t *testing.T) {
	t.Parallel()
	out := assertGraphRoundTrip(t, "map.kumu.json", WriteKumu, ReadKumu)
	if !bytes.Contains(out, []byte(`"population": 1200000,`)) {
		t.Errorf("population is not written as a whole number:\n%s", out)
	}
}

// The writer uses the flat form Kumu documents for import: "id", "label",
// "type", "tags" as an array, typed values, and the sources beside.
func TestWriteKumuShape(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteKumu(ExportElements(graphTestContents()), &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Elements, Connections, Sources []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Elements) != 5 || len(doc.Connections) != 4 || len(doc.Sources) != 2 {
		t.Fatalf("sizes %d/%d/%d", len(doc.Elements), len(doc.Connections), len(doc.Sources))
	}
	tamal, threat, fund := doc.Elements[0], doc.Connections[0], doc.Connections[3]
	checks := []struct {
		what      string
		got, want any
	}{
		{"element id", tamal["id"], "c-tamal"},
		{"label", tamal["label"], "Tamal villages"},
		{"type", tamal["type"], "COMMUNITY"},
		{"tags", tamal["tags"], []any{"rural", "UNSCR1325:protection"}},
		{"population", tamal["population"], 1200000.0},
		{"marginalised", tamal["marginalised"], true},
		{"element sources", tamal["sources"], []any{"src-survey", "svc-s2"}},
		{"unkeyed actor id", doc.Elements[3]["id"], "svc-a4"},
		{"connection id", threat["id"], "r-threat"},
		{"from", threat["from"], "f-police"},
		{"connection type", threat["type"], "THREATENS"},
		{"strength", threat["strength"], 0.67},
		{"notes as description", threat["description"], `Traders said "pay or wait" — frais de passage à Tamal`},
		{"direction", threat["direction"], "directed"},
		{"strength 1", fund["strength"], 1.0},
		{"unkeyed relationship id", doc.Connections[1]["id"], "svc-r2"},
		{"colliding id left out", doc.Connections[2]["id"], nil},
		{"colliding id kept", doc.Connections[2]["externalId"], "m-women"},
		{"source id", doc.Sources[0]["id"], "src-survey"},
		{"reliability", doc.Sources[0]["reliability"], 0.8},
		{"element sensitivity", tamal["sensitivity"], "CONFIDENTIAL"},
		{"connection sensitivity", threat["sensitivity"], "CONFIDENTIAL"},
		{"source sensitivity", doc.Sources[1]["sensitivity"], "CONFIDENTIAL"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if _, ok := tamal["externalId"]; ok {
		t.Error("an element's key is its id, not an externalId attribute")
	}
}

// The format detection sees the first 4 KB; a blueprint with many
// elements must still be recognised as Kumu's, not as Cytoscape.js
// elements.
func TestWriteKumuIsDetected(t *testing.T) {
	t.Parallel()
	c := graphTestContents()
	for i := 0; i < 100; i++ {
		a := *c.Actors[1]
		a.ID, a.ExternalID = "svc-x"+string(rune('a'+i%26))+string(rune('a'+i/26)), nil
		c.Actors = append(c.Actors, &a)
	}
	var buf bytes.Buffer
	if err := WriteKumu(ExportElements(c), &buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 8<<10 {
		t.Fatalf("the test blueprint is too small (%d bytes) to test detection", buf.Len())
	}
	if f := DetectFormat("export."+FormatKumu.Extension(), buf.Bytes()[:4096]); f != FormatKumu {
		t.Errorf("detected as %q", f)
	}
}

// testdata/kumu-blueprint.json is in Kumu's own shape: "_id"s,
// "attributes", "element type", "connection type", tags arrays, Kumu's
// project keys, an attribute the service does not read ("image"), and a
// connection that names its ends by label.
func TestReadKumuBlueprint(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "kumu-blueprint.json"))
	if err != nil {
		t.Fatal(err)
	}
	g, ps := ReadKumu("kumu-blueprint.json", bytes.NewReader(raw))
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	tables := g.Tables("kumu-blueprint.json")
	actors, ps := ReadActors(tables["actors"])
	if len(ps) > 0 {
		t.Fatalf("actor problems: %v", ps)
	}
	rels, skipped, ps := ReadRelationships(tables["relationships"])
	if len(ps)+len(skipped) > 0 {
		t.Fatalf("relationship problems: %v %v", ps, skipped)
	}
	if len(actors) != 4 || len(rels) != 3 || tables["sources"] != nil {
		t.Fatalf("read %d actors, %d relationships, sources %v", len(actors), len(rels), tables["sources"])
	}
	tamal, police, women := actors[0].Input, actors[1].Input, actors[2].Input
	threat, influence, trust := rels[0], rels[1], rels[2]
	checks := []struct {
		what      string
		got, want any
	}{
		{"kinds", []domain.ActorKind{tamal.Kind, police.Kind, women.Kind, actors[3].Input.Kind},
			[]domain.ActorKind{domain.KindCommunity, domain.KindSecurityForce, domain.KindMovement, domain.KindStateInstitution}},
		{"external id from _id", *tamal.ExternalID, "elem-tamal"},
		{"name", tamal.Name, "Tamal villages"},
		{"description", *tamal.Description, "Farming villages on the east bank"},
		{"tags", tamal.Tags, []string{"rural", "UNSCR1325:protection"}},
		{"population", *tamal.Population, 3200},
		{"force type", *police.ForceType, domain.ForceType("POLICE")},
		{"police tags", police.Tags, []string(nil)},
		{"women led", *women.WomenLed, true},
		{"membership", *women.Membership, 450},
		{"element row", actors[1].Element, "elem-police"},
		{"types", []domain.RelationshipType{threat.Input.Type, influence.Input.Type, trust.Input.Type},
			[]domain.RelationshipType{domain.Threatens, domain.Influences, domain.Trusts}},
		{"ends by id", []string{threat.From, threat.To}, []string{"elem-police", "elem-tamal"}},
		{"ends by label", []string{influence.From, influence.To}, []string{"Women's network", "District council"}},
		{"strengths", []float64{threat.Input.Strength, influence.Input.Strength, trust.Input.Strength}, []float64{0.8, 0.6, 0.33}},
		{"notes from description", *threat.Input.Notes, "Checkpoint fees reported by traders"},
		{"form", *threat.Input.Form, domain.Form("EXTORTION")},
		{"channel", *influence.Input.Channel, domain.Channel("ADVOCACY")},
		{"perceived by", *trust.Input.PerceivedBy, "women"},
		{"valid from", threat.Input.ValidFrom.String(), "2023-01-01"},
		{"relationship external id", *trust.Input.ExternalID, "conn-trust"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}
	// The ends, by id and by label, resolve; "image" is kept as a custom attribute.
	doc := &Document{Actors: actors, Relationships: rels}
	if _, ps := Resolve(doc); len(ps) > 0 {
		t.Errorf("resolve: %v", ps)
	}
	ignored := keptColumns(tables["actors"], "actors")
	if len(ignored) != 1 || ignored[0].Column != "image" {
		t.Errorf("ignored: %v", ignored)
	}
}

// Both shapes, the service's names beside Kumu's, and Kumu's own "id"
// field beside its "_id".
func TestReadKumuShapesAndNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, json string
		actor      map[string]string // attribute -> value of the first element
		id         string
		ends       [2]string // of the first connection
	}{
		{"flat", `{"elements": [{"id": "a", "label": "A", "type": "COMMUNITY", "tags": ["x", "y"]}, {"id": "b", "label": "B"}],
			"connections": [{"from": "a", "to": "b", "type": "TRUSTS"}]}`,
			map[string]string{"name": "A", "kind": "COMMUNITY", "tags": "x|y"}, "a", [2]string{"a", "b"}},
		{"the service's name wins, whatever the order", `{"elements": [{"name": "Own", "label": "Kumu's", "kind": "MOVEMENT", "type": "COMMUNITY"}], "connections": []}`,
			map[string]string{"name": "Own", "kind": "MOVEMENT"}, "", [2]string{}},
		{"Kumu's names in any case", `{"elements": [{"_id": "e1", "attributes": {"Label": "A", "Element Type": "Community"}}]}`,
			map[string]string{"name": "A", "kind": "Community"}, "e1", [2]string{}},
		{"Kumu's id field over its _id", `{"elements": [{"_id": "elem-1", "attributes": {"id": "c-a", "label": "A"}}, {"_id": "elem-2", "attributes": {"label": "B"}}],
			"connections": [{"_id": "conn-1", "from": "elem-1", "to": "elem-2", "attributes": {"connection type": "trusts"}}]}`,
			map[string]string{"name": "A"}, "c-a", [2]string{"c-a", "elem-2"}},
		{"numbers as written", `{"elements": [{"id": "a", "population": 1200000, "rightsAwareness": 0.5, "membership": 1.2e6, "big": 12345678901234567890}]}`,
			map[string]string{"population": "1200000", "rightsAwareness": "0.5", "membership": "1200000", "big": "12345678901234567890"}, "a", [2]string{}},
		{"nulls are empty", `{"elements": [{"id": "a", "label": "A", "region": null, "tags": ["x", null]}]}`,
			map[string]string{"name": "A", "region": "", "tags": "x|"}, "a", [2]string{}},
		{"byte-order mark", "\ufeff{\"elements\": [{\"id\": \"a\", \"label\": \"A\"}]}", map[string]string{"name": "A"}, "a", [2]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, ps := ReadKumu("map.json", strings.NewReader(c.json))
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			e := g.Actors[0]
			if e.ID != c.id {
				t.Errorf("id %q, want %q", e.ID, c.id)
			}
			for name, want := range c.actor {
				if got := e.Get(name); got != want {
					t.Errorf("%s = %q, want %q (attributes %v)", name, got, want, e.Attrs)
				}
			}
			if c.ends != [2]string{} {
				r := g.Relationships[0]
				if got := [2]string{r.Get("from"), r.Get("to")}; got != c.ends {
					t.Errorf("ends %v, want %v", got, c.ends)
				}
			}
		})
	}
}

// graphProblemCase is a file and the problem it must give.
type graphProblemCase struct {
	name, json    string
	code, element string
	column, in    string // the problem's column, and a word its message must hold
}

// assertGraphProblems reads each case's file through read and, where
// the file reads, the row checks, and looks for the expected problem.
func assertGraphProblems(t *testing.T, read func(string, io.Reader) (GraphElements, []Problem), cases []graphProblemCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, ps := read("map.json", strings.NewReader(c.json))
			if len(ps) == 0 {
				tables := g.Tables("map.json")
				if tb := tables["actors"]; tb != nil {
					_, more := ReadActors(tb)
					ps = append(ps, more...)
				}
				if tb := tables["relationships"]; tb != nil {
					_, _, more := ReadRelationships(tb)
					ps = append(ps, more...)
				}
			}
			for _, p := range ps {
				if p.Code == c.code && p.Element == c.element && p.Column == c.column && strings.Contains(p.Message, c.in) && p.File == "map.json" {
					return
				}
			}
			t.Errorf("no %s problem on element %q column %q mentioning %q; got %v", c.code, c.element, c.column, c.in, ps)
		})
	}
}

func TestReadKumuProblems(t *testing.T) {
	t.Parallel()
	assertGraphProblems(t, ReadKumu, []graphProblemCase{
		{"invalid JSON", "{\"elements\": [\n  {\"label\": \"A\",}\n]}", CodeMalformed, "", "", "line 2, column 17"},
		{"unclosed", `{"elements": [{"label": "A"}`, CodeMalformed, "", "", "ends too early"},
		{"empty", "  \n", CodeMalformed, "", "", "empty"},
		{"two values", `{"elements": []} {}`, CodeMalformed, "", "", "more after the end"},
		{"an array", `[{"label": "A"}]`, CodeMalformed, "", "", "holds an array"},
		{"neither elements nor connections", `{"nodes": []}`, CodeMalformed, "", "", `"elements" and "connections"`},
		{"elements not an array", `{"elements": {"a": {}}}`, CodeMalformed, "", "elements", "should be an array"},
		{"element not an object", `{"elements": ["A"]}`, CodeMalformed, "#1", "elements", "should be a JSON object"},
		{"nested too deeply", `{"elements": [{"tags": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`, CodeMalformed, "", "", "too deeply"},
		{"object attribute", `{"elements": [{"id": "c-a", "label": "A", "type": "COMMUNITY", "population": {"value": 3}}]}`,
			CodeEnum, "c-a", "population", "JSON object"},
		{"object in a list", `{"elements": [{"_id": "e1", "attributes": {"tags": ["a", {"b": 1}]}}]}`, CodeEnum, "e1", "tags", "JSON object"},
		{"bad strength", `{"elements": [{"id": "a", "label": "A", "type": "COMMUNITY"}, {"id": "b", "label": "B", "type": "COMMUNITY"}],
			"connections": [{"id": "c1", "from": "a", "to": "b", "type": "TRUSTS", "strength": "high"}]}`, CodeNumber, "c1", "strength", `"high"`},
		{"bad kind", `{"elements": [{"_id": "e1", "attributes": {"label": "A", "element type": "Person"}}]}`, CodeEnum, "e1", "kind", "Person"},
	})
}

// FuzzReadKumu: reading never panics, and a file read without problems
// goes through the row checks and survives writing and reading back.
func FuzzReadKumu(f *testing.F) {
	for _, name := range []string{"kumu-blueprint.json"} {
		if raw, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(raw)
		}
	}
	var buf bytes.Buffer
	if err := WriteKumu(ExportElements(graphTestContents()), &buf); err == nil {
		f.Add(buf.Bytes())
	}
	for _, s := range []string{
		`{"elements": [{"label": "A", "type": "COMMUNITY", "tags": ["x"]}], "connections": [{"from": "A", "to": "A", "type": "TRUSTS", "strength": 1}]}`,
		`{"elements": [{"_id": "e", "attributes": {"id": "x", "label": 1e400}}], "connections": [{"from": "e", "to": "e", "direction": "mutual"}]}`,
		`{"connections": [{"attributes": []}], "sources": [{"id": null}]}`,
		`[[[[[[]]]]]]`,
		// Clean files for the write-back check: a connection id an element
		// has, an empty key column, numbers in odd spellings.
		`{"elements": [{"id": "x", "label": "A", "type": "COMMUNITY", "population": "+5", "marginalised": "1", "tags": "a||b"}, {"id": "y", "label": "B", "type": "COMMUNITY"}],
		  "connections": [{"id": "x", "from": "x", "to": "y", "type": "TRUSTS", "strength": "0x1p-2", "Key": ""}, {"from": "y", "to": "x", "type": "TRUSTS", "strength": 1e-7, "notes": "n", "Description": "d"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, ps := ReadKumu("fuzz.json", bytes.NewReader(raw))
		fuzzGraphElements(t, g, ps, WriteKumu, ReadKumu)
	})
}

// fuzzGraphElements is the fuzz targets' shared check. Problems name
// their file and say something. A file without problems goes through
// Tables and the row checks; if those find none either, writing the
// elements and reading them back must give the same rows: the writer
// keeps whatever the reader accepts.
func fuzzGraphElements(t *testing.T, g GraphElements, ps []Problem, write func(GraphElements, io.Writer) error, read func(string, io.Reader) (GraphElements, []Problem)) {
	for _, p := range ps {
		if p.File != "fuzz.json" || p.Message == "" || p.Code == "" {
			t.Fatalf("problem without file, code or message: %+v", p)
		}
	}
	if len(ps) > 0 {
		return
	}
	in, ps := graphRows(g.Tables("fuzz.json"))
	if len(ps) > 0 {
		return
	}
	var buf bytes.Buffer
	if err := write(g, &buf); err != nil {
		if !hasUnnamedOrRepeatedActor(g) { // which JGF cannot key
			t.Fatalf("writing what was read: %v", err)
		}
		return
	}
	g2, ps := read("fuzz.json", bytes.NewReader(buf.Bytes()))
	if len(ps) > 0 {
		t.Fatalf("reading back what was written: %v\n%s", ps, buf.Bytes())
	}
	again, ps := graphRows(g2.Tables("fuzz.json"))
	if len(ps) > 0 || !reflect.DeepEqual(again, in) {
		t.Fatalf("written and read back, the rows differ (problems %v):\n got %s\nwant %s\n%s", ps, dump(again), dump(in), buf.Bytes())
	}
}

func hasUnnamedOrRepeatedActor(g GraphElements) bool {
	seen := map[string]bool{}
	for _, e := range g.Actors {
		if e.ID == "" || seen[e.ID] {
			return true
		}
		seen[e.ID] = true
	}
	return false
}
