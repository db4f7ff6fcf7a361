package mapio

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseMapping(t *testing.T) {
	t.Parallel()
	m, ps := ParseMapping(MappingInput{Name: "m.yaml", Text: []byte(`
# a Kumu map
actors:
  name: Label
  kind:
    column: Type
    values:
      Stakeholder: civil society
      "Armed group": SECURITY_FORCE
      Unsure: ""
    default: COMMUNITY
  externalid: ID
relationships:
  type:
    values: {"++": SUPPORTS, "--": IN_TENSION_WITH}
    default: INFLUENCES
  strength:
    column: weight
    scale: max
    default: 0.5
undirected: cooperates with
graph: g2
matrix:
  file: clashes.csv
  type: IN_TENSION_WITH
  directed: false
`)})
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	kind := m.Actors["kind"]
	if m.Actors["name"].Column != "Label" || kind.Column != "Type" || kind.Default != "COMMUNITY" || m.Actors["externalId"].Column != "ID" {
		t.Errorf("actors %+v %+v", m.Actors["name"], kind)
	}
	if to, ok := kind.lookup("Stakeholder"); !ok || to != "CIVIL_SOCIETY" {
		t.Errorf("Stakeholder -> %q %v", to, ok)
	}
	if to, ok := kind.lookup(" armed GROUP "); !ok || to != "SECURITY_FORCE" {
		t.Errorf("folded lookup -> %q %v", to, ok)
	}
	if _, ok := kind.lookup("Unsure"); ok {
		t.Error("a value mapped to a blank should stay as it is")
	}
	if !slices.Equal(kind.valueOrder, []string{"Stakeholder", "Armed group", "Unsure"}) {
		t.Errorf("order %v", kind.valueOrder)
	}
	st := m.Relationships["strength"]
	if st.Scale != "max" || st.Default != "0.5" || m.Relationships["type"].Values["++"] != "SUPPORTS" {
		t.Errorf("relationships %+v", m.Relationships)
	}
	if m.Undirected != "COOPERATES_WITH" || m.Graph != "g2" || *m.Matrix != (MatrixMap{File: "clashes.csv", Type: "IN_TENSION_WITH", Directed: false}) {
		t.Errorf("undirected %q graph %q matrix %+v", m.Undirected, m.Graph, m.Matrix)
	}
}

// Every bad mapping is a MAPPING problem on the line that says it, in
// words that say what is allowed.
func TestParseMappingProblems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		over       Overrides
		line       int
		mentions   string
	}{
		{"syntax", "actors:\n  name: [Label\n", Overrides{}, 0, "not valid YAML"},
		{"unknown top key", "actors:\n  name: Label\nnodes: x\n", Overrides{}, 3, `"nodes" is not a key of the mapping (allowed: actors, relationships, undirected, graph, matrix)`},
		{"unknown field", "actors:\n  colour: C\n", Overrides{}, 2, `"colour" is not a key of "actors"`},
		{"unknown key of a field", "actors:\n  kind:\n    colum: Type\n", Overrides{}, 3, `(allowed: column, values, default)`},
		{"values without values:", "actors:\n  kind: {Stakeholder: CIVIL_SOCIETY}\n", Overrides{}, 2, `"Stakeholder" is not a key of "actors.kind" (allowed: column, values, default); to map the file's values, list them under values:`},
		{"kind not a kind", "actors:\n  kind:\n    values:\n      Police: COPS\n", Overrides{}, 4, `"COPS" is not a kind of actor (allowed: COMMUNITY`},
		{"type not a type", "relationships:\n  type:\n    values: {\"++\": LIKES}\n", Overrides{}, 3, `"LIKES" is not a relationship type`},
		{"default kind", "actors:\n  kind: {default: Person}\n", Overrides{}, 2, `"Person" is not a kind of actor`},
		{"strength default above 1", "relationships:\n  strength:\n    default: 2\n", Overrides{}, 3, `strength "2" is not a number between 0 and 1`},
		{"strength default negative", "relationships:\n  strength: {default: -0.5}\n", Overrides{}, 2, "between 0 and 1"},
		{"scale", "relationships:\n  strength: {scale: biggest}\n", Overrides{}, 2, `scale "biggest" should be "max"`},
		{"scale on a name", "actors:\n  name: {scale: max}\n", Overrides{}, 2, `"scale" is not a key of "actors.name"`},
		{"undirected", "undirected: TRUSTS\n", Overrides{}, 1, "both, DIALOGUE, COOPERATES_WITH, IN_TENSION_WITH"},
		{"repeated key", "actors:\n  name: A\n  name: B\n", Overrides{}, 3, `"name" is given twice (first on line 2)`},
		{"a list", "actors: [name]\n", Overrides{}, 1, `should be a set of keys and values; it is a list`},
		{"matrix directed", "matrix: {directed: sometimes}\n", Overrides{}, 1, `directed "sometimes"`},
		{"flag kind", "", Overrides{DefaultKind: "Person"}, 0, `"Person" is not a kind of actor`},
		{"flag strength", "", Overrides{DefaultStrength: "1.5"}, 0, "between 0 and 1"},
		{"flag undirected", "", Overrides{Undirected: "sideways"}, 0, `undirected "sideways"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, ps := ParseMapping(MappingInput{Name: "m.yaml", Text: []byte(c.text), Overrides: c.over})
			if m != nil || len(ps) != 1 {
				t.Fatalf("mapping %v problems %v, want one problem", m, ps)
			}
			p := ps[0]
			if p.Code != CodeMapping || !strings.Contains(p.Message, c.mentions) || (c.line > 0 && p.Row != c.line) {
				t.Errorf("got %+v; want code MAPPING, line %d, mentioning %q", p, c.line, c.mentions)
			}
			if c.over != (Overrides{}) && p.File != "command line" {
				t.Errorf("a flag's problem is on %q, want the command line", p.File)
			}
		})
	}
}

// A mapping saved by a Windows editor (a byte-order mark, CRLF line ends)
// reads the same.
func TestParseMappingWindowsText(t *testing.T) {
	t.Parallel()
	m, ps := ParseMapping(MappingInput{Text: []byte("\xEF\xBB\xBFactors:\r\n  kind:\r\n    values: {Police: SECURITY_FORCE}\r\nundirected: both\r\n")})
	if len(ps) > 0 || m.Actors["kind"].Values["Police"] != "SECURITY_FORCE" || m.Undirected != "both" {
		t.Errorf("%v %+v", ps, m)
	}
}

// The command line's shortcuts win over the file.
func TestMappingOverrides(t *testing.T) {
	t.Parallel()
	m, ps := ParseMapping(MappingInput{Text: []byte("actors:\n  kind: {default: COMMUNITY}\nundirected: both\n"),
		Overrides: Overrides{DefaultKind: "security force", DefaultType: "DIALOGUE", DefaultStrength: "0.3", Undirected: "IN_TENSION_WITH"}})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if m.Actors["kind"].Default != "SECURITY_FORCE" || m.Relationships["type"].Default != "DIALOGUE" ||
		m.Relationships["strength"].Default != "0.3" || m.Undirected != "IN_TENSION_WITH" {
		t.Errorf("%+v %+v %+v %q", m.Actors["kind"], m.Relationships["type"], m.Relationships["strength"], m.Undirected)
	}
}

func table(header string, rows ...string) *Table {
	t := &Table{File: "f", Header: strings.Split(header, ",")}
	for i, r := range rows {
		t.Rows = append(t.Rows, Row{Number: i + 2, Element: "e" + string(rune('1'+i)), Cells: strings.Split(r, ",")})
	}
	return t
}

func mustMapping(t *testing.T, text string) *Mapping {
	t.Helper()
	m, ps := ParseMapping(MappingInput{Name: "m.yaml", Text: []byte(text)})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return m
}

// Applying a mapping to a table gives the rows the row checks read, and
// echoes each choice.
func TestApplyMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		mapping string
		role    string
		format  Format
		in      *Table
		want    []string // the rows as the row checks read them: field=value pairs
		echo    []string // lines the report must hold
		problem string   // a code, when one is expected
	}{
		{name: "columns and values", role: "actors", format: FormatCSV,
			mapping: "actors:\n  name: Label\n  kind:\n    column: Category\n    values: {Stakeholder: CIVIL_SOCIETY, Militia: SECURITY_FORCE}\n",
			in:      table("Label,Category,Type", "A,Stakeholder,x", "B,Militia,y", "C,Stakeholder,z"),
			want:    []string{"name=A kind=CIVIL_SOCIETY", "name=B kind=SECURITY_FORCE", "name=C kind=CIVIL_SOCIETY"},
			echo: []string{`actors: kind from column "Category"`, `actors: column "Type" not read as kind: the mapping takes kind from "Category" (kept as a custom attribute)`,
				`actors: kind from column "Category": "Stakeholder" -> CIVIL_SOCIETY (2 actors)`, `actors: kind from column "Category": "Militia" -> SECURITY_FORCE (1 actor)`}},
		{name: "one column, two fields", role: "actors", format: FormatGraphML,
			mapping: "actors:\n  name: externalId\n  kind: {default: COMMUNITY}\n",
			in:      table("color,externalId", "red,n1", "blue,n2"),
			want:    []string{"externalId=n1 name=n1 kind=COMMUNITY", "externalId=n2 name=n2 kind=COMMUNITY"},
			echo:    []string{`actors: name from column "externalId"`}},
		{name: "defaults fill a missing column and empty cells", role: "relationships", format: FormatCSV,
			mapping: "relationships:\n  type: {default: SUPPORTS}\n  strength: {default: 0.5}\n",
			in:      table("from,to,strength", "a,b,", "b,c,0.9"),
			want:    []string{"from=a to=b strength=0.5 type=SUPPORTS", "from=b to=c strength=0.9 type=SUPPORTS"},
			echo:    []string{"relationships: strength defaulted to 0.5 (1 relationship)", "relationships: type defaulted to SUPPORTS (2 relationships)"}},
		{name: "scale by max", role: "relationships", format: FormatCSV,
			mapping: "relationships:\n  type: {default: SUPPORTS}\n  strength: {column: weight, scale: max}\n",
			in:      table("from,to,weight", "a,b,4", "b,c,8"),
			want:    []string{"from=a to=b strength=0.5 type=SUPPORTS", "from=b to=c strength=1 type=SUPPORTS"},
			echo:    []string{"relationships: strength divided by 8, the largest in the file (2 relationships)"}},
		{name: "scale by a number", role: "relationships", format: FormatCSV,
			mapping: "relationships:\n  strength: {scale: 10}\n",
			in:      table("from,to,type,strength", "a,b,TRUSTS,5"),
			want:    []string{"from=a to=b type=TRUSTS strength=0.5"},
			echo:    []string{"relationships: strength divided by 10 (1 relationship)"}},
		{name: "GEXF's missing weight is 1", role: "relationships", format: FormatGEXF, mapping: "",
			in:   table("from,to,type", "a,b,TRUSTS"),
			want: []string{"from=a to=b type=TRUSTS strength=1"},
			echo: []string{"relationships: strength 1.0 where a GEXF edge has no weight (GEXF's default weight) (1 edge)"}},
		{name: "a default strength wins over GEXF's", role: "relationships", format: FormatGEXF, mapping: "relationships:\n  strength: {default: 0.2}\n",
			in:   table("from,to,type", "a,b,TRUSTS"),
			want: []string{"from=a to=b type=TRUSTS strength=0.2"}},
		{name: "undirected both", role: "relationships", format: FormatGraphML, mapping: "undirected: both\n",
			in:   undirected(table("from,to,type,strength,externalId", "a,b,DIALOGUE,1,e1", "b,c,TRUSTS,1,e2"), 0),
			want: []string{"from=a to=b type=DIALOGUE strength=1 externalId=e1", "from=b to=c type=TRUSTS strength=1 externalId=e2", "from=b to=a type=DIALOGUE strength=1 externalId=e1 (reverse)"},
			echo: []string{"relationships: undirected edge a-b -> 2 relationships, one each way"}},
		{name: "undirected as a type", role: "relationships", format: FormatGraphML, mapping: "undirected: IN_TENSION_WITH\n",
			in:   undirected(table("from,to,strength", "a,b,1"), 0),
			want: []string{"from=a to=b strength=1 type=IN_TENSION_WITH"},
			echo: []string{"relationships: undirected edge a-b -> one IN_TENSION_WITH relationship"}},
		{name: "Kumu's Direction column", role: "relationships", format: FormatCSV, mapping: "undirected: both\n",
			in:   table("From,To,Type,Strength,Direction", "a,b,DIALOGUE,1,mutual", "b,c,TRUSTS,1,directed"),
			want: []string{"from=a to=b type=DIALOGUE strength=1", "from=b to=c type=TRUSTS strength=1", "from=b to=a type=DIALOGUE strength=1"},
			echo: []string{"relationships: undirected edge a-b -> 2 relationships, one each way"}},
		{name: "undirected without a mapping", role: "relationships", format: FormatGraphML, mapping: "",
			in:      undirected(table("from,to,type,strength", "a,b,TRUSTS,1"), 0),
			problem: CodeUndirected},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m *Mapping
			if c.mapping != "" {
				m = mustMapping(t, c.mapping)
			}
			mp := newMapper(m, true)
			ps := mp.apply(c.role, c.in, c.format)
			if c.problem != "" {
				if len(ps) != 1 || ps[0].Code != c.problem || !strings.Contains(ps[0].Message, "--undirected both") {
					t.Fatalf("problems %v, want one %s saying what to do", ps, c.problem)
				}
				return
			}
			if len(ps) > 0 {
				t.Fatalf("problems %v", ps)
			}
			if got := readBack(c.role, c.in); !slices.Equal(got, c.want) {
				t.Errorf("rows\n got %q\nwant %q", got, c.want)
			}
			lines := mp.lines()
			for _, e := range c.echo {
				if !slices.Contains(lines, e) {
					t.Errorf("echo lacks %q; got %q", e, lines)
				}
			}
		})
	}
}

func undirected(t *Table, rows ...int) *Table {
	for _, r := range rows {
		t.Rows[r].Undirected = true
	}
	return t
}

// readBack reads a mapped table as the row checks do: each row as the
// fields they find, in column order, empty cells left out.
func readBack(role string, t *Table) []string {
	idx, _ := fields(t, roleColumns[role])
	byCol := map[int]string{}
	for f, i := range idx {
		byCol[i] = f
	}
	var out []string
	for _, r := range t.Rows {
		var parts []string
		for i, v := range r.Cells {
			if f, ok := byCol[i]; ok && v != "" {
				parts = append(parts, f+"="+v)
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// A mapping that names a column no file has is a MAPPING problem on its
// line, listing the columns there are.
func TestMappingNamesMissingColumn(t *testing.T) {
	t.Parallel()
	m := mustMapping(t, "actors:\n  name: Label\n  kind: Category\nrelationships:\n  type: Polarity\n")
	mp := newMapper(m, false)
	mp.noteColumns("actors", []string{"Label", "Type"})
	ps := mp.missingColumns()
	if len(ps) != 2 {
		t.Fatalf("problems %v", ps)
	}
	if ps[0].String() != `m.yaml line 3 column "actors.kind": actors: kind names "Category", which no file has (the actors have: "Label", "Type")` {
		t.Errorf("printed as %q", ps[0])
	}
	if ps[0].Code != CodeMapping || ps[0].Row != 3 || !strings.Contains(ps[0].Message, `kind names "Category", which no file has (the actors have: "Label", "Type")`) {
		t.Errorf("missing column: %+v", ps[0])
	}
	if ps[1].Row != 5 || !strings.Contains(ps[1].Message, "no file holds relationships") {
		t.Errorf("missing role: %+v", ps[1])
	}
}

func TestReadMatrix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		csv      string
		directed bool
		want     []string // from>to:weight
		problem  string   // a message fragment, when one is expected
	}{
		{name: "directed", directed: true, csv: ",A,B,C\nA,0,2,\nB,1,5,0\nC,0,0,0\n", want: []string{"A>B:2", "B>A:1"}},
		{name: "undirected reads above the diagonal", csv: ",A,B,C\nA,0,2,3\nB,2,0,0\nC,3,0,0\n", want: []string{"A>B:2", "A>C:3"}},
		{name: "not symmetric", csv: ",A,B\nA,0,2\nB,1,0\n", problem: "should be symmetric"},
		{name: "not square", directed: true, csv: ",A,B,C\nA,0,1,0\nB,1,0,0\n", problem: "square"},
		{name: "names differ", directed: true, csv: ",A,B\nA,0,1\nC,1,0\n", problem: `the row names "C" but column 3 of the first row names "B"`},
		{name: "not a number", directed: true, csv: ",A,B\nA,0,many\nB,1,0\n", problem: `"many" is not a number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			actors, rels, ps := readMatrix("m.csv", strings.NewReader(c.csv), &MatrixMap{Type: "IN_TENSION_WITH", Directed: c.directed})
			if c.problem != "" {
				if len(ps) == 0 || !strings.Contains(ps[0].Message, c.problem) {
					t.Fatalf("problems %v, want one mentioning %q", ps, c.problem)
				}
				return
			}
			if len(ps) > 0 {
				t.Fatal(ps)
			}
			var got []string
			for _, r := range rels.Rows {
				got = append(got, r.Cells[0]+">"+r.Cells[1]+":"+r.Cells[2])
				if r.Cells[3] != "IN_TENSION_WITH" || r.Undirected == c.directed {
					t.Errorf("row %+v: type or direction wrong", r)
				}
			}
			if !slices.Equal(got, c.want) || len(actors.Rows) != len(strings.Split(strings.TrimSpace(c.csv), "\n"))-1 {
				t.Errorf("relationships %v (want %v), %d actors", got, c.want, len(actors.Rows))
			}
		})
	}
}

// The suggested mapping parses as written, lists the values found with
// guesses, and, once its blanks are filled, maps the file.
func TestSuggestMapping(t *testing.T) {
	t.Parallel()
	mp := newMapper(nil, true)
	actors := &Table{File: "map.gexf", Lenient: true, Header: []string{"name", "Category", "externalId"}, Rows: []Row{
		{Cells: []string{"A", "Police", "a"}}, {Cells: []string{"B", "Stakeholder", "b"}}, {Cells: []string{"C", "Police", "c"}}}}
	rels := &Table{File: "map.gexf", Lenient: true, Header: []string{"from", "to", "polarity", "externalId"}, Rows: []Row{
		{Cells: []string{"a", "b", "++", "e1"}, Undirected: true}, {Cells: []string{"b", "c", "--", "e2"}}}}
	for role, tb := range map[string]*Table{"actors": actors, "relationships": rels} {
		mp.noteColumns(role, tb.Header)
		mp.apply(role, tb, FormatGEXF)
	}
	text := mp.suggest()
	for _, want := range []string{
		`column: "Category"`, `"Police": "SECURITY_FORCE"  # 2 actors, a guess: check it`, `"Stakeholder": ""  # 1 actor, no guess`,
		`column: "polarity"`, `"++": "SUPPORTS"`, `"--": "IN_TENSION_WITH"`, "# allowed: TRUSTS, ACCOUNTABLE_TO", `undirected: ""`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("suggestion lacks %q:\n%s", want, text)
		}
	}
	m, ps := ParseMapping(MappingInput{Name: "suggested", Text: []byte(text)})
	if len(ps) > 0 {
		t.Fatalf("the suggestion does not parse: %v\n%s", ps, text)
	}
	if m.Actors["kind"].Column != "Category" || m.Relationships["type"].Values["++"] != "SUPPORTS" {
		t.Errorf("parsed suggestion: %+v %+v", m.Actors["kind"], m.Relationships["type"])
	}
	filled := strings.Replace(strings.Replace(text, `"Stakeholder": ""`, `"Stakeholder": "CIVIL_SOCIETY"`, 1), `undirected: ""`, `undirected: "both"`, 1)
	m, ps = ParseMapping(MappingInput{Name: "filled", Text: []byte(filled)})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	if to, _ := m.Actors["kind"].lookup("Stakeholder"); to != "CIVIL_SOCIETY" || m.Undirected != "both" {
		t.Errorf("filled suggestion: %q %q", to, m.Undirected)
	}
}

// A suggestion made with a mapping keeps the mapping's choices, found
// under the file's own spelling of the column.
func TestSuggestMappingKeepsTheMapping(t *testing.T) {
	t.Parallel()
	mp := newMapper(mustMapping(t, "actors:\n  kind:\n    column: category\n    values: {Stakeholder: CIVIL_SOCIETY}\n    default: COMMUNITY\nundirected: both\n"), true)
	actors := table("name,Category", "A,Stakeholder", "B,Police")
	mp.noteColumns("actors", actors.Header)
	mp.apply("actors", actors, FormatCSV)
	text := mp.suggest()
	for _, want := range []string{`column: "Category"`, `"Stakeholder": "CIVIL_SOCIETY"  # 1 actor, as the mapping says`, `"Police": "SECURITY_FORCE"  # 1 actor, a guess`,
		`default: "COMMUNITY"`, `undirected: "both"`} {
		if !strings.Contains(text, want) {
			t.Errorf("suggestion lacks %q:\n%s", want, text)
		}
	}
}

// Brackets nested deeply take the YAML parser memory in the square of
// their depth (200 KB of "[" took gigabytes): a mapping with more than a
// mapping ever holds is refused before it is parsed.
func TestParseMappingRefusesDeepBrackets(t *testing.T) {
	for _, text := range []string{
		strings.Repeat("[", 100000),
		"a: " + strings.Repeat("{b: ", 50000),
		`actors: {kind: {values: {"` + strings.Repeat("[", 5000) + `": STATE}}}`,
	} {
		m, ps := ParseMapping(MappingInput{Text: []byte(text)})
		if m != nil || len(ps) != 1 || !strings.Contains(ps[0].Message, "brackets") {
			t.Fatalf("%.20q…: mapping %v, problems %v", text, m, ps)
		}
	}
	m, ps := ParseMapping(MappingInput{Text: []byte("actors:\n  keep: [a, b]\n  kind: {default: SECURITY_FORCE}\n")})
	if m == nil || len(ps) > 0 || m.Actors["kind"].Default != "SECURITY_FORCE" || len(m.Keep["actors"]) != 2 {
		t.Fatalf("a mapping with a few brackets: %v, %v", m, ps)
	}
}

// A column both dropped and read as a field is a problem: the drop would
// otherwise be ignored, and what the researcher meant the service not to
// hold stored as the field.
func TestParseMappingDropOfAReadColumn(t *testing.T) {
	t.Parallel()
	m, ps := ParseMapping(MappingInput{Text: []byte("relationships:\n  notes: Informant\n  drop: [informant]\n")})
	if m != nil || len(ps) != 1 || ps[0].Row != 3 || !strings.Contains(ps[0].Message, `drops "informant" but reads its notes from it (line 2)`) {
		t.Fatalf("mapping %v, problems %v", m, ps)
	}
	if m, ps := ParseMapping(MappingInput{Text: []byte("relationships:\n  notes: Comment\n  drop: [Informant]\n")}); m == nil || len(ps) > 0 {
		t.Fatalf("a drop of another column: %v", ps)
	}
}

// A dense matrix makes a relationship per two bytes of the file: past
// maxMatrixRelationships it is refused rather than held (a 2,000-actor
// matrix of 8 MB took 486 MB).
func TestReadMatrixTooLarge(t *testing.T) {
	t.Parallel()
	const n = 1100 // 1,208,900 non-zero cells off the diagonal
	var b strings.Builder
	for j := range n {
		fmt.Fprintf(&b, ",a%d", j)
	}
	b.WriteString("\n")
	for i := range n {
		fmt.Fprintf(&b, "a%d%s\n", i, strings.Repeat(",1", n))
	}
	actors, rels, ps := readMatrix("m.csv", strings.NewReader(b.String()), &MatrixMap{Directed: true})
	if actors != nil || rels != nil || len(ps) != 1 || ps[0].Code != CodeTooLarge {
		t.Fatalf("actors %v, relationships %v, problems %v", actors != nil, rels != nil, ps)
	}
}

// A mapping is a page of text: one larger than MaxMappingBytes is refused
// before it is parsed (the parser's time grows with the square of its
// keys).
func TestParseMappingRefusesLargeText(t *testing.T) {
	text := "actors:\n  kind:\n    values:\n" + strings.Repeat("      v: COMMUNITY # padding padding padding\n", MaxMappingBytes/40)
	m, ps := ParseMapping(MappingInput{Name: "big.yaml", Text: []byte(text)})
	if m != nil || len(ps) != 1 || ps[0].Code != CodeMapping || !strings.Contains(ps[0].Message, "256 KiB") {
		t.Fatalf("a %d-byte mapping: %v, %v", len(text), m, ps)
	}
}
