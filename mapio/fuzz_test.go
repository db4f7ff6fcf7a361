package mapio

import (
	"bytes"
	"testing"
)

// Fuzz targets for the spreadsheet readers and for format detection; the
// graph-file readers have theirs beside their tests. Seed corpora live in
// testdata/fuzz/<target>/; dev/test runs each target briefly.

// checkTables runs a file's tables through every row check and reference
// resolution, which must not panic on anything a reader accepted, and
// checks the readers' promises: rows as wide as the header, problems with
// a file and a code.
func checkTables(t *testing.T, tables map[string]*Table, problems []Problem) {
	for _, p := range problems {
		if p.File == "" || p.Code == "" || p.Message == "" || p.Row < 0 {
			t.Fatalf("problem without a place, code or message: %+v", p)
		}
	}
	doc := &Document{}
	for role, tb := range tables {
		for _, r := range tb.Rows {
			if len(r.Cells) != len(tb.Header) {
				t.Fatalf("row %d has %d cells for %d columns", r.Number, len(r.Cells), len(tb.Header))
			}
		}
		switch role {
		case "actors":
			doc.Actors, _ = ReadActors(tb)
		case "relationships":
			doc.Relationships, _, _ = ReadRelationships(tb)
		case "sources":
			doc.Sources, _ = ReadSources(tb)
		}
	}
	links, _ := Resolve(doc)
	if len(links.From) != len(doc.Relationships) {
		t.Fatalf("resolved %d of %d relationships", len(links.From), len(doc.Relationships))
	}
}

func FuzzReadTable(f *testing.F) {
	for _, name := range TemplateFiles {
		var b bytes.Buffer
		_ = WriteTemplate(name, &b)
		f.Add(b.Bytes())
	}
	f.Add([]byte("Label;Type;Population\r\nTamal;Community;3200\r\n"))
	f.Add([]byte("\xef\xbb\xbfFrom,To,Type,strength\n\"a\"\"b\",c,TRUSTS,\"0,5\"\n"))
	f.Add([]byte("name,kind\n\xe9l\xe8ve,COMMUNITY\n")) // Windows-1252
	f.Add([]byte("\xef\xbb\xbfa,b\n\"x\n"))             // an unclosed quote
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, role := range []string{"actors", "relationships", "sources"} {
			tb, problems := ReadTable(role+".csv", bytes.NewReader(data))
			if tb == nil && len(problems) == 0 {
				t.Fatal("no table and no problem")
			}
			tables := map[string]*Table{}
			if tb != nil && tb.Header != nil {
				tables[role] = tb
			}
			checkTables(t, tables, problems)
		}
	})
}

func FuzzReadWorkbook(f *testing.F) {
	var b bytes.Buffer
	_ = WriteTemplateXLSX(&b)
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04 not really a workbook"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tables, problems := ReadWorkbook("map.xlsx", bytes.NewReader(data))
		checkTables(t, tables, problems)
	})
}

// FuzzReadAnyFile reads arbitrary bytes the way an upload is read: the
// format recognised from the name and content, then the matching reader,
// with the mapping when one is given (a mapping that does not parse is
// FuzzParseMapping's business: such inputs read the file without one).
func FuzzReadAnyFile(f *testing.F) {
	f.Add("actors.csv", []byte("name,kind\nA,COMMUNITY\n"), "")
	f.Add("map.json", []byte(`{"elements":[{"label":"A","type":"Community"}],"connections":[]}`), "")
	f.Add("map.json", []byte(`{"graph":{"nodes":{"a":{"label":"A"}},"edges":[]}}`), "")
	f.Add("map.graphml", []byte(`<graphml><graph edgedefault="directed"><node id="a"/></graph></graphml>`), "")
	f.Add("map.gexf", []byte(`<gexf><graph defaultedgetype="directed"><nodes><node id="a" label="A"/></nodes></graph></gexf>`), "")
	f.Add("map.json", []byte(`[{"data": {"id": "a", "label": "A", "kind": "COMMUNITY"}, "position": {"x": 1, "y": 2}}]`), "")
	f.Add("map.json", []byte(`{"attributes": {"x": [1, {"y": 2}]}, "elements": [{"data": {"id": "a"}}]}`), "")
	// With mappings: defaults, renamed columns, values, a scale, the
	// undirected choice, a JGF graph and a matrix.
	f.Add("map.json", []byte(`{"elements":[{"label":"A","type":"Stakeholder"},{"label":"B","type":"Group"}],"connections":[{"from":"A","to":"B","type":"++"}]}`),
		"actors:\n  kind:\n    column: Type\n    values: {Stakeholder: CIVIL_SOCIETY, Group: COMMUNITY}\nrelationships:\n  type: {column: Type, values: {\"++\": COOPERATES_WITH}}\n  strength: {default: 0.5}\n")
	f.Add("map.gexf", []byte(`<gexf><graph defaultedgetype="undirected"><nodes><node id="a" label="A"/><node id="b" label="B"/></nodes><edges><edge source="a" target="b" weight="4"/></edges></graph></gexf>`),
		"actors: {kind: {default: COMMUNITY}}\nrelationships:\n  type: {default: COOPERATES_WITH}\n  strength: {scale: max}\nundirected: both\n")
	f.Add("map.json", []byte(`{"graphs":[{"nodes":{"a":{}}},{"nodes":{"b":{},"c":{}},"edges":[{"source":"b","target":"c"}]}]}`),
		"graph: 2\nactors: {kind: {default: COMMUNITY}}\nrelationships: {type: {default: TRUSTS}, strength: {default: 1}}\n")
	f.Add("ties.csv", []byte(",A,B\nA,0,2\nB,1,0\n"), "matrix: {type: COOPERATES_WITH, directed: false}\nrelationships: {strength: {scale: 2}}\nactors: {kind: {default: COMMUNITY}}\n")
	f.Add("relationships.csv", []byte("Source,Target,Weight\nA,B,3\n"),
		"relationships:\n  from: {column: Source}\n  to: {column: Target}\n  strength: {column: Weight, scale: 5}\n  type: {default: TRUSTS}\n")
	f.Fuzz(func(t *testing.T, name string, data []byte, mapping string) {
		var m *Mapping
		if mapping != "" {
			m, _ = ParseMapping(MappingInput{Name: "mapping", Text: []byte(mapping)})
		}
		doc, rels, problems, _ := readFiles([]File{{Name: name, Data: bytes.NewReader(data)}}, "", newMapper(m, true), func(Stage) {})
		for _, stream := range rels {
			ps, _ := stream(func(t *Table, readProblems []Problem) error {
				problems = append(problems, readProblems...)
				rows, _, ps := ReadRelationships(t)
				doc.Relationships = append(doc.Relationships, rows...)
				problems = append(problems, ps...)
				return nil
			})
			problems = append(problems, ps...)
		}
		for _, p := range problems {
			if p.Code == "" || p.Message == "" {
				t.Fatalf("problem without code or message: %+v", p)
			}
		}
		if len(problems) == 0 {
			Resolve(doc)
		}
	})
}

// FuzzParseMapping parses arbitrary text as a mapping: it never panics,
// and either gives a mapping or problems with the code MAPPING.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte("actors:\n  kind:\n    column: Type\n    values: {Stakeholder: CIVIL_SOCIETY}\nundirected: both\n"))
	f.Add([]byte("relationships:\n  strength: {scale: max, default: 0.5}\nmatrix: {type: IN_TENSION_WITH, directed: false}\ngraph: 2\n"))
	f.Add([]byte("actors: [\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		m, ps := ParseMapping(MappingInput{Name: "m", Text: text})
		if (m == nil) == (len(ps) == 0) {
			t.Fatalf("mapping %v with problems %v", m, ps)
		}
		for _, p := range ps {
			if p.Code != CodeMapping || p.Message == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
