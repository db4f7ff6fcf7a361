package mapio_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/mapio"
)

// Sensitivity in imports and exports, without a database: memTarget holds
// a workspace in memory and applies an import's changes as the store
// would, all or nothing.

// memTarget is a one-workspace Target: an import sees its contents and,
// when it commits, replaces them with what it wrote.
type memTarget struct{ c *domain.Contents }

func (m *memTarget) Import(ctx context.Context, ws string, write bool, fn func(context.Context, domain.ImportTx) error) error {
	tx := &memTx{c: &domain.Contents{Version: m.c.Version,
		Actors: slices.Clone(m.c.Actors), Relationships: slices.Clone(m.c.Relationships), Sources: slices.Clone(m.c.Sources)}}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if write {
		m.c = tx.c
	}
	return nil
}

type memTx struct{ c *domain.Contents }

// Lookup finds what q names as the store does: by key (an external id,
// or the service id of a record without one), id, lower-case name, ends
// or actor.
func (t *memTx) Lookup(_ context.Context, q *domain.ImportLookup) (*domain.Contents, error) {
	out := &domain.Contents{Version: t.c.Version}
	byKey := func(keys []string, ext *string, id string) bool {
		return (ext != nil && slices.Contains(keys, *ext)) || (ext == nil && slices.Contains(keys, id))
	}
	for _, s := range t.c.Sources {
		if byKey(q.SourceKeys, s.ExternalID, s.ID) {
			out.Sources = append(out.Sources, s)
		}
	}
	for _, a := range t.c.Actors {
		if byKey(q.ActorKeys, a.ExternalID, a.ID) || slices.Contains(q.ActorIDs, a.ID) || slices.Contains(q.ActorNames, strings.ToLower(a.Name)) {
			out.Actors = append(out.Actors, a)
		}
	}
	for _, r := range t.c.Relationships {
		if byKey(q.RelationshipKeys, r.ExternalID, r.ID) || (r.ExternalID == nil && slices.Contains(q.RelationshipEnds, [2]string{r.FromID, r.ToID})) ||
			slices.Contains(q.RelationshipsOf, r.FromID) || slices.Contains(q.RelationshipsOf, r.ToID) {
			out.Relationships = append(out.Relationships, r)
		}
	}
	return out, nil
}

// Rest lists the records of one kind not among keep.
func (t *memTx) Rest(_ context.Context, kind string, keep []string) (*domain.Contents, error) {
	out := &domain.Contents{Version: t.c.Version}
	switch kind {
	case "sources":
		out.Sources = slices.DeleteFunc(slices.Clone(t.c.Sources), func(s *domain.Source) bool { return slices.Contains(keep, s.ID) })
	case "actors":
		out.Actors = slices.DeleteFunc(slices.Clone(t.c.Actors), func(a *domain.Actor) bool { return slices.Contains(keep, a.ID) })
	case "relationships":
		out.Relationships = slices.DeleteFunc(slices.Clone(t.c.Relationships), func(r *domain.Relationship) bool { return slices.Contains(keep, r.ID) })
	}
	return out, nil
}

func (t *memTx) Apply(_ context.Context, ch *domain.Changes) error {
	t.c.Version++
	t.c.Sources = upsert(t.c.Sources, ch.CreateSources, ch.UpdateSources, ch.RemoveSources, func(s *domain.Source) string { return s.ID })
	t.c.Actors = upsert(t.c.Actors, ch.CreateActors, ch.UpdateActors, ch.RemoveActors, func(a *domain.Actor) string { return a.ID })
	var gone []string
	for _, r := range ch.RemoveRelationships {
		gone = append(gone, r.ID)
	}
	t.c.Relationships = upsert(t.c.Relationships, ch.CreateRelationships, ch.UpdateRelationships, gone, func(r *domain.Relationship) string { return r.ID })
	return nil
}

// upsert removes, replaces and appends records by id.
func upsert[T any](have, create, update []T, remove []string, id func(T) string) []T {
	replaced := map[string]T{}
	for _, u := range update {
		replaced[id(u)] = u
	}
	var out []T
	for _, h := range have {
		if slices.Contains(remove, id(h)) {
			continue
		}
		if u, ok := replaced[id(h)]; ok {
			h = u
		}
		out = append(out, h)
	}
	return append(out, create...)
}

// levelContents is a valid workspace with records of every level, built
// as the store builds them (through the domain's constructors): every
// level on each kind of record, with and without external ids.
func levelContents(t *testing.T) *domain.Contents {
	t.Helper()
	p := func(v string) *string { return &v }
	level := func(v domain.Sensitivity) *domain.Sensitivity { return &v }
	c := &domain.Contents{}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, in := range []domain.SourceInput{
		{Title: "Public report", Kind: "REPORT", ExternalID: p("s-public"), Sensitivity: level(domain.Public)},
		{Title: "Survey", Kind: "SURVEY", ExternalID: p("s-restricted"), Reliability: new(0.7), Sensitivity: level(domain.Restricted)},
		{Title: "Interview notes", Kind: "INTERVIEW", Sensitivity: level(domain.Confidential)},
	} {
		s, err := domain.NewSource("ws", in)
		if err != nil {
			t.Fatal(err)
		}
		s.ID, s.CreatedAt, s.UpdatedAt = "src_"+string(rune('a'+i)), at, at
		c.Sources = append(c.Sources, s)
	}
	for i, in := range []domain.ActorInput{
		{Kind: domain.KindStateInstitution, Name: "District council", ExternalID: p("a-public"), Sensitivity: level(domain.Public),
			SourceIDs: []string{"src_a"}},
		{Kind: domain.KindSecurityForce, Name: "District police", ExternalID: p("a-restricted"), Sensitivity: level(domain.Restricted),
			ActorAttributes: domain.ActorAttributes{ForceType: new(domain.ForceType("POLICE"))}},
		{Kind: domain.KindMovement, Name: "Women's network", Tags: []string{"women"}, Sensitivity: level(domain.Confidential),
			SourceIDs: []string{"src_c"}},
	} {
		a, err := domain.NewActor("ws", in)
		if err != nil {
			t.Fatal(err)
		}
		a.ID, a.CreatedAt, a.UpdatedAt = "act_"+string(rune('a'+i)), at, at
		c.Actors = append(c.Actors, a)
	}
	for i, in := range []domain.RelationshipInput{
		{From: "act_a", To: "act_c", Type: domain.Supports, Strength: 0.5, ExternalID: p("r-public"), Sensitivity: level(domain.Public)},
		{From: "act_b", To: "act_c", Type: domain.Threatens, Strength: 0.8, Sensitivity: level(domain.Restricted),
			ValidFrom: new(domaintest.Date("2024-01-01"))},
		{From: "act_c", To: "act_b", Type: domain.Trusts, Strength: 0.33, ExternalID: p("r-confidential"), PerceivedBy: p("women"),
			Sensitivity: level(domain.Confidential), SourceIDs: []string{"src_c"}},
	} {
		r, err := domain.NewRelationship("ws", in)
		if err != nil {
			t.Fatal(err)
		}
		r.ID, r.CreatedAt, r.UpdatedAt = "rel_"+string(rune('a'+i)), at, at
		c.Relationships = append(c.Relationships, r)
	}
	return c
}

// roundTrips says whether a format's export imports back whole: the
// Cytoscape.js export is for display and carries no sources, so the
// records citing them cannot come back from it alone.
func roundTrips(f mapio.Format) bool { return f != mapio.FormatCytoscape }

// Records of every level export and import with their level, in every
// format that can be imported; importing the export again changes
// nothing. (TestRoundTripEveryFormat does the same against Neo4j.)
func TestSensitivityRoundTripEveryFormat(t *testing.T) {
	t.Parallel()
	before := levelContents(t)
	for _, f := range mapio.Formats {
		if !roundTrips(f) {
			continue
		}
		t.Run(string(f), func(t *testing.T) {
			exported := exportFiles(t, before, f)
			dst := &memTarget{c: &domain.Contents{}}
			rep, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
			if err != nil || len(rep.Problems) > 0 || len(rep.Ignored) > 0 {
				t.Fatalf("import: %v %v %v", err, rep.Problems, rep.Ignored)
			}
			assertSameMap(t, before, dst.c)
			for what, levels := range levelsOf(dst.c) {
				if !slices.Equal(levels, []domain.Sensitivity{domain.Public, domain.Restricted, domain.Confidential}) {
					t.Errorf("%s imported at %v", what, levels)
				}
			}
			again, err := mapio.Import(ctx, dst, "ws", exported(), mapio.Options{})
			if err != nil || again.Written || again.Actors.Unchanged != 3 || again.Relationships.Unchanged != 3 || again.Sources.Unchanged != 3 {
				t.Errorf("importing the export again: %v %+v", err, again)
			}
		})
	}
}

// levelsOf lists each kind of record's levels, sorted least sensitive first.
func levelsOf(c *domain.Contents) map[string][]domain.Sensitivity {
	out := map[string][]domain.Sensitivity{}
	for _, s := range c.Sources {
		out["sources"] = append(out["sources"], s.Sensitivity)
	}
	for _, a := range c.Actors {
		out["actors"] = append(out["actors"], a.Sensitivity)
	}
	for _, r := range c.Relationships {
		out["relationships"] = append(out["relationships"], r.Sensitivity)
	}
	rank := func(s domain.Sensitivity) int { return slices.Index(domain.Sensitivities, s) }
	for k := range out {
		slices.SortFunc(out[k], func(a, b domain.Sensitivity) int { return rank(a) - rank(b) })
	}
	return out
}

// The export writes a sensitivity column (CSV, XLSX) or attribute (graph
// formats, Cytoscape.js too) with each record's level.
func TestSensitivityIsExported(t *testing.T) {
	t.Parallel()
	c := levelContents(t)
	for _, f := range mapio.Formats {
		if f == mapio.FormatXLSX {
			continue // zipped XML: the round trip reads it back
		}
		t.Run(string(f), func(t *testing.T) {
			var out strings.Builder
			for _, file := range exportFiles(t, c, f)() {
				text := readAll(t, file)
				if header, _, _ := strings.Cut(text, "\n"); f == mapio.FormatCSV && !strings.HasSuffix(header, ",sensitivity") {
					t.Errorf("%s: header %q has no sensitivity column at its end", file.Name, header)
				}
				out.WriteString(text)
			}
			records := 3 // a source, an actor and a relationship of each level
			if f == mapio.FormatCytoscape {
				records = 2 // no sources
			}
			for _, level := range domain.Sensitivities {
				if n := strings.Count(out.String(), string(level)); n != records {
					t.Errorf("the export names %s %d times, want %d:\n%s", level, n, records, out.String())
				}
			}
		})
	}
}

// existingLevels is a workspace whose records are CONFIDENTIAL and PUBLIC.
func existingLevels(t *testing.T) *memTarget {
	t.Helper()
	c := levelContents(t)
	// s-restricted, a-restricted and the unkeyed threat become confidential:
	// every record then has a level other than the default but one.
	c.Sources[1].Sensitivity, c.Actors[1].Sensitivity, c.Relationships[1].Sensitivity = domain.Confidential, domain.Confidential, domain.Confidential
	return &memTarget{c: c}
}

// csvFiles exports c as CSV, lets edit change each file's text, and
// returns the files.
func csvFiles(t *testing.T, c *domain.Contents, edit func(name, text string) string) []mapio.File {
	t.Helper()
	var out []mapio.File
	for _, f := range exportFiles(t, c, mapio.FormatCSV)() {
		b := new(bytes.Buffer)
		_, _ = b.ReadFrom(f.Data)
		out = append(out, mapio.File{Name: f.Name, Data: strings.NewReader(edit(f.Name, b.String()))})
	}
	return out
}

// dropLastColumn removes the last column (the sensitivity) of a CSV text;
// with empty, it keeps the header and empties the cells instead.
func dropLastColumn(text string, empty bool) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		cut := strings.LastIndexByte(l, ',')
		if empty && i > 0 {
			lines[i] = l[:cut+1]
		} else if !empty {
			lines[i] = l[:cut]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// A file without the sensitivity column, or with it empty, creates records
// RESTRICTED and leaves the levels of the records it matches as they are:
// those records are unchanged, not updated.
func TestSensitivityAbsentKeepsLevels(t *testing.T) {
	t.Parallel()
	for _, empty := range []bool{false, true} {
		name := map[bool]string{false: "no column", true: "empty cells"}[empty]
		t.Run(name, func(t *testing.T) {
			target := existingLevels(t)
			before := target.c
			files := csvFiles(t, before, func(_, text string) string { return dropLastColumn(text, empty) })
			if empty && !strings.Contains(readAll(t, files[0]), "sensitivity") {
				t.Fatal("the empty-cells files lost their header")
			}
			// A new record of each kind, without a level.
			for i, f := range files {
				text := readAll(t, f)
				cells := map[string]string{
					"sources.csv":       "s-new,New report,REPORT,,,",
					"actors.csv":        "a-new,New committee,CIVIL_SOCIETY" + strings.Repeat(",", 19),
					"relationships.csv": "r-new,a-public,a-new,SUPPORTS,0.4" + strings.Repeat(",", 11),
				}[f.Name]
				if empty {
					cells += ","
				}
				files[i] = mapio.File{Name: f.Name, Data: strings.NewReader(text + cells + "\n")}
			}
			rep, err := mapio.Import(ctx, target, "ws", files, mapio.Options{})
			if err != nil || len(rep.Problems) > 0 || !rep.Written {
				t.Fatalf("import: %v %+v", err, rep)
			}
			want := mapio.Counts{Created: 1, Unchanged: 3}
			if rep.Sources != want || rep.Actors != want || rep.Relationships != want {
				t.Errorf("sources %+v, actors %+v, relationships %+v; want each %+v", rep.Sources, rep.Actors, rep.Relationships, want)
			}
			after := target.c
			for i := range before.Sources {
				if after.Sources[i] != before.Sources[i] || after.Actors[i] != before.Actors[i] || after.Relationships[i] != before.Relationships[i] {
					t.Errorf("record %d was rewritten", i)
				}
			}
			if s := after.Sources[3]; s.Sensitivity != domain.Restricted {
				t.Errorf("new source %s is %s", s.Title, s.Sensitivity)
			}
			if a := after.Actors[3]; a.Sensitivity != domain.Restricted {
				t.Errorf("new actor %s is %s", a.Name, a.Sensitivity)
			}
			if r := after.Relationships[3]; r.Sensitivity != domain.Restricted {
				t.Errorf("new relationship %s is %s", *r.ExternalID, r.Sensitivity)
			}
		})
	}
}

func readAll(t *testing.T, f mapio.File) string {
	t.Helper()
	b := new(bytes.Buffer)
	if _, err := b.ReadFrom(f.Data); err != nil {
		t.Fatal(err)
	}
	if s, ok := f.Data.(interface {
		Seek(int64, int) (int64, error)
	}); ok {
		_, _ = s.Seek(0, 0)
	}
	return b.String()
}

// Without the column, a row that changes another field updates its record
// and keeps the level; a row whose kind (or type or ends) changed replaces
// its record with one of the same level. A level given, in any case, that
// differs is an update.
func TestSensitivityUpdates(t *testing.T) {
	t.Parallel()
	target := existingLevels(t)
	actors := "externalId,name,kind,description\n" +
		"act_c,Women's network,MOVEMENT,Renamed in the field\n" + // confidential: description changes
		"a-restricted,District police,STATE_INSTITUTION,\n" // confidential: kind changes
	relationships := "externalId,from,to,type,strength,perceivedBy\n" +
		"rel_b,a-restricted,act_c,THREATENS,0.9,\n" // confidential, unkeyed: strength changes; its end is replaced
	rep, err := mapio.Import(ctx, target, "ws", []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader(actors)},
		{Name: "relationships.csv", Data: strings.NewReader(relationships)},
	}, mapio.Options{})
	if err != nil || len(rep.Problems) > 0 || !rep.Written {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if rep.Actors.Updated != 1 || rep.Actors.Created != 1 || rep.Actors.Removed != 1 {
		t.Errorf("actors %+v", rep.Actors)
	}
	for _, a := range target.c.Actors {
		if (a.Name == "Women's network" || a.Name == "District police") && a.Sensitivity != domain.Confidential {
			t.Errorf("actor %s (%s) is %s, was CONFIDENTIAL", a.Name, a.Kind, a.Sensitivity)
		}
	}
	for _, r := range target.c.Relationships {
		if r.Type == domain.Threatens && r.Sensitivity != domain.Confidential {
			t.Errorf("relationship %s is %s, was CONFIDENTIAL", r.ID, r.Sensitivity)
		}
	}

	// A level given, in any case and spelling the enum cells take, is
	// what the record becomes: an update when it differs.
	target = existingLevels(t)
	rep, err = mapio.Import(ctx, target, "ws", []mapio.File{
		{Name: "sources.csv", Data: strings.NewReader("externalId,title,kind,reliability,Sensitivity\ns-public,Public report,REPORT,,confidential\n" +
			"s-restricted,Survey,SURVEY,0.7,Confidential\n")},
		{Name: "actors.csv", Data: strings.NewReader("externalId,name,kind,tags,sources,SENSITIVITY\nact_c,Women's network,MOVEMENT,women,src_c,public\n")},
	}, mapio.Options{})
	if err != nil || len(rep.Problems) > 0 || !rep.Written {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if rep.Sources.Updated != 1 || rep.Sources.Unchanged != 1 || rep.Actors.Updated != 1 {
		t.Errorf("sources %+v actors %+v", rep.Sources, rep.Actors)
	}
	if got := levelsOf(target.c)["sources"]; !slices.Equal(got, []domain.Sensitivity{domain.Confidential, domain.Confidential, domain.Confidential}) {
		t.Errorf("sources at %v", got)
	}
	if a := target.c.Actors[2]; a.Name != "Women's network" || a.Sensitivity != domain.Public {
		t.Errorf("actor %s is %s", a.Name, a.Sensitivity)
	}
}

// A level that is none of the three is a row problem, of the code other
// bad enum cells get, naming the allowed values, in every kind of file;
// nothing is written.
func TestSensitivityBadValue(t *testing.T) {
	t.Parallel()
	target := existingLevels(t)
	before := target.c
	files := []mapio.File{
		{Name: "sources.csv", Data: strings.NewReader("externalId,title,kind,Sensitivity\ns-new,Report,REPORT,secret\n")},
		{Name: "actors.csv", Data: strings.NewReader("name,kind,sensitivity level\nA,COMMUNITY,top secret\nB,COMMUNITY,Restricted\n")},
		{Name: "relationships.csv", Data: strings.NewReader("from,to,type,strength,sensitivity\nA,B,TRUSTS,0.5,private\n")},
	}
	rep, err := mapio.Import(ctx, target, "ws", files, mapio.Options{})
	if err != nil || rep.Written {
		t.Fatalf("%v %+v", err, rep)
	}
	want := map[string]string{"sources.csv": "Sensitivity", "actors.csv": "sensitivity level", "relationships.csv": "sensitivity"}
	if len(rep.Problems) != 3 {
		t.Fatalf("problems %v", rep.Problems)
	}
	for _, p := range rep.Problems {
		if p.Code != mapio.CodeEnum || p.Row != 2 || p.Column != want[p.File] ||
			!strings.Contains(p.Message, "is not one of the allowed values: PUBLIC, RESTRICTED, CONFIDENTIAL") {
			t.Errorf("problem %+v", p)
		}
	}
	if target.c != before {
		t.Error("a file with problems wrote")
	}

	// In a graph file, the problem names the element.
	kumu := `{"elements": [{"id": "a", "label": "A", "type": "COMMUNITY", "sensitivity": "TOP-SECRET"}], "connections": []}`
	rep, err = mapio.Import(ctx, target, "ws", []mapio.File{{Name: "map.json", Data: strings.NewReader(kumu)}}, mapio.Options{})
	if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Element != "a" || rep.Problems[0].Code != mapio.CodeEnum ||
		!strings.Contains(rep.Problems[0].Message, "PUBLIC, RESTRICTED, CONFIDENTIAL") {
		t.Errorf("kumu: %v %+v", err, rep)
	}
}

// The template has the column in every file, shows each level and an
// empty cell, and (as a workbook) says in a note what an empty cell means.
func TestTemplateSensitivity(t *testing.T) {
	t.Parallel()
	var levels []string
	for _, name := range mapio.TemplateFiles {
		var b bytes.Buffer
		if err := mapio.WriteTemplate(name, &b); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if !strings.HasSuffix(strings.TrimSpace(lines[0]), ",sensitivity") {
			t.Errorf("%s: header %q", name, lines[0])
		}
		for _, l := range lines[1:] {
			levels = append(levels, l[strings.LastIndexByte(strings.TrimSpace(l), ',')+1:])
		}
	}
	for _, want := range []string{"PUBLIC", "RESTRICTED", "CONFIDENTIAL", ""} {
		if !slices.Contains(levels, want) {
			t.Errorf("no template row has the level %q: %q", want, levels)
		}
	}
	var b bytes.Buffer
	if err := mapio.WriteTemplateXLSX(&b); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for _, sheet := range []string{"sources", "actors", "relationships"} {
		comments, err := wb.GetComments(sheet)
		// Other headers may have notes too (frameworks); one is about sensitivity.
		i := slices.IndexFunc(comments, func(c excelize.Comment) bool { return strings.Contains(c.Text, "RESTRICTED for a new record") })
		if err != nil || i < 0 {
			t.Errorf("%s: notes %+v %v", sheet, comments, err)
			continue
		}
		if v, _ := wb.GetCellValue(sheet, comments[i].Cell); v != "sensitivity" {
			t.Errorf("%s: the note is on %s (%q), not on the sensitivity header", sheet, comments[i].Cell, v)
		}
	}
}
