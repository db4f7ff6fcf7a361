package mapio_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// Imports against the real Neo4j.

// ctx carries the caller every statement of the store runs for: the
// operator, who sees every record of every level.
var ctx = domain.WithCaller(context.Background(), domain.Operator("test"))

func files(t *testing.T, names map[string]string) []mapio.File {
	t.Helper()
	var out []mapio.File
	for as, from := range names {
		b, err := os.ReadFile(filepath.Join("testdata", from))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mapio.File{Name: as, Data: strings.NewReader(string(b))})
	}
	return out
}

func kumuFiles(t *testing.T) []mapio.File {
	return files(t, map[string]string{"actors.csv": "kumu-actors.csv", "relationships.csv": "kumu-relationships.csv", "sources.csv": "sources.csv"})
}

func contents(t *testing.T, st store.Store, ws string) *domain.Contents {
	t.Helper()
	c, err := st.Contents(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestImportIsIdempotent(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	rep, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	want := mapio.Report{Actors: mapio.Counts{Created: 4}, Relationships: mapio.Counts{Created: 4, Skipped: 1}, Sources: mapio.Counts{Created: 1}}
	if rep.Actors != want.Actors || rep.Relationships != want.Relationships || rep.Sources != want.Sources {
		t.Errorf("first import: %+v %+v %+v", rep.Actors, rep.Relationships, rep.Sources)
	}
	first := contents(t, st, ws.ID)
	if len(first.Actors) != 4 || len(first.Relationships) != 4 || len(first.Sources) != 1 {
		t.Fatalf("stored %d actors, %d relationships, %d sources", len(first.Actors), len(first.Relationships), len(first.Sources))
	}
	rep, err = mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{})
	if err != nil || rep.Actors.Unchanged != 4 || rep.Relationships.Unchanged != 4 || rep.Sources.Unchanged != 1 ||
		rep.Actors.Created+rep.Actors.Updated+rep.Relationships.Created+rep.Relationships.Updated != 0 {
		t.Errorf("second import: %+v %+v %+v %v", rep.Actors, rep.Relationships, rep.Sources, err)
	}
	if second := contents(t, st, ws.ID); !reflect.DeepEqual(first, second) {
		t.Error("importing the same files twice changed the workspace")
	}
}

func TestDryRunAndChangedRowsAndSync(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	if _, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{}); err != nil {
		t.Fatal(err)
	}
	before := contents(t, st, ws.ID)
	changed := []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("Label,Type,id,Population,Force type\nTamal villages,Community,c-tamal,3300,\nDistrict Police,Security force,f-police,,POLICE\n")},
		{Name: "relationships.csv", Data: strings.NewReader("From,To,Type,strength\nf-police,c-tamal,THREATENS,0.9\n")},
	}
	rep, err := mapio.Import(ctx, st, ws.ID, changed, mapio.Options{DryRun: true, Sync: true})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("dry run: %v %v", err, rep.Problems)
	}
	// No sources file: a sync leaves the sources alone.
	if rep.Actors.Updated != 1 || rep.Actors.Unchanged != 1 || rep.Actors.Removed != 2 ||
		rep.Relationships.Updated != 1 || rep.Relationships.Removed != 3 || rep.Sources.Removed != 0 {
		t.Errorf("dry run with sync: actors %+v relationships %+v sources %+v", rep.Actors, rep.Relationships, rep.Sources)
	}
	// The dry run lists what the sync would remove, by name.
	var removals []string
	for _, r := range rep.Removals {
		removals = append(removals, r.What+" "+r.Name)
	}
	if len(removals) != 5 || !slices.Contains(removals, "actor Women's network") {
		t.Errorf("removals: %q", removals)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("a dry run wrote to the workspace")
	}
	for i := range changed {
		changed[i].Data.(*strings.Reader).Seek(0, 0)
	}
	if _, err := mapio.Import(ctx, st, ws.ID, changed, mapio.Options{Sync: true}); err != nil {
		t.Fatal(err)
	}
	after := contents(t, st, ws.ID)
	if len(after.Actors) != 2 || len(after.Relationships) != 1 || len(after.Sources) != 1 || after.Relationships[0].Strength != 0.9 {
		t.Errorf("after sync: %d actors %d relationships %d sources", len(after.Actors), len(after.Relationships), len(after.Sources))
	}
}

func TestBadFilesChangeNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	if _, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{}); err != nil {
		t.Fatal(err)
	}
	before := contents(t, st, ws.ID)
	rep, err := mapio.Import(ctx, st, ws.ID, files(t, map[string]string{"actors.csv": "kumu-actors.csv", "relationships.csv": "bad-relationships.csv"}), mapio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) < 7 {
		t.Errorf("%d problems: %v", len(rep.Problems), rep.Problems)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Error("a failed import changed the workspace")
	}
}

// failingTarget fails an import's second write, after its sources and
// actors went in: Neo4j going away half way through.
type failingTarget struct{ *store.Neo4j }

func (f failingTarget) Import(c context.Context, ws string, write bool, fn func(context.Context, domain.ImportTx) error) error {
	return f.Neo4j.Import(c, ws, write, func(c context.Context, tx domain.ImportTx) error { return fn(c, &failingTx{ImportTx: tx}) })
}

type failingTx struct {
	domain.ImportTx
	writes int
}

func (t *failingTx) Apply(c context.Context, ch *domain.Changes) error {
	if t.writes++; t.writes == 2 {
		return errs.E("test", errs.Unavailable, "Neo4j went away")
	}
	return t.ImportTx.Apply(c, ch)
}

func TestFailedImportLeavesNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	before := contents(t, st, ws.ID)
	_, err := mapio.Import(ctx, failingTarget{st}, ws.ID, kumuFiles(t), mapio.Options{})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("want the failure, got %v", err)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed import left %d sources, %d actors, %d relationships (version %d, was %d)",
			len(after.Sources), len(after.Actors), len(after.Relationships), after.Version, before.Version)
	}
}

// Export, then import into a new workspace, gives back the same map, in
// every format that can be imported: the demo map (every kind, type, date
// and source) plus an actor and a relationship without external ids
// (exported under their service ids), and sources, actors and
// relationships of every sensitivity. Importing the export again changes
// nothing.
func TestRoundTripEveryFormat(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	src, err := demo.Load(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(ctx, src.ID) })
	level := func(v domain.Sensitivity) *domain.Sensitivity { return &v }
	youth, err := st.CreateActor(ctx, src.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Unkeyed youth forum", Tags: []string{"youth", "north bank"},
		Frameworks: []domain.Framework{"PARTICIPATION", "LEGITIMATE_POLITICS"}, Sensitivity: level(domain.Confidential)})
	if err != nil {
		t.Fatal(err)
	}
	office, err := st.CreateActor(ctx, src.ID, domain.ActorInput{Kind: domain.KindStateInstitution, Name: "Ombudsman's office", ExternalID: new("st-ombudsman"),
		Sensitivity: level(domain.Public)})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []domain.SourceInput{
		{Title: "Published audit", Kind: "REPORT", ExternalID: new("s-audit"), Sensitivity: level(domain.Public)},
		{Title: "Interview with a defector", Kind: "INTERVIEW", Sensitivity: level(domain.Confidential)},
		{Title: "Internal memo", Kind: "REPORT"}, // RESTRICTED, the default
	} {
		if _, err := st.CreateSource(ctx, src.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	before := contents(t, st, src.ID)
	for _, in := range []domain.RelationshipInput{
		{From: youth.ID, To: before.Actors[0].ID, Type: domain.Trusts, Strength: 0.5,
			Notes: new(`Said "we trust them" <sometimes> & élan`), Sensitivity: level(domain.Confidential)},
		{From: youth.ID, To: office.ID, Type: domain.Influences, Strength: 0.3, ExternalID: new("r-petition"), Sensitivity: level(domain.Public),
			Frameworks: []domain.Framework{"JUSTICE", "PARTICIPATION"}},
	} {
		if _, err := st.CreateRelationship(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	before = contents(t, st, src.ID)
	for what, levels := range levelsOf(before) {
		for _, l := range domain.Sensitivities {
			if !slices.Contains(levels, l) {
				t.Fatalf("the map to export has no %s %s", l, what)
			}
		}
	}
	for _, f := range mapio.Formats {
		if !roundTrips(f) {
			continue
		}
		t.Run(string(f), func(t *testing.T) {
			exported := exportFiles(t, before, f)
			dst := storetest.Workspace(t, st)
			rep, err := mapio.Import(ctx, st, dst.ID, exported(), mapio.Options{})
			if err != nil || len(rep.Problems) > 0 || len(rep.Ignored) > 0 {
				t.Fatalf("re-import: %v %v %v", err, rep.Problems, rep.Ignored)
			}
			if rep.Actors.Created != len(before.Actors) || rep.Relationships.Created != len(before.Relationships) || rep.Sources.Created != len(before.Sources) {
				t.Errorf("report: %+v", rep)
			}
			assertSameMap(t, before, contents(t, st, dst.ID))
			again, err := mapio.Import(ctx, st, dst.ID, exported(), mapio.Options{})
			if err != nil || again.Written || again.Actors.Unchanged != len(before.Actors) || again.Relationships.Unchanged != len(before.Relationships) {
				t.Errorf("importing the export again: %v %+v", err, again)
			}
			// Back into the workspace it came from: records without an
			// external id were written under their service ids, and match
			// themselves (nothing created, nothing removed by a sync).
			home, err := mapio.Import(ctx, st, src.ID, exported(), mapio.Options{Sync: true, DryRun: true})
			if err != nil || len(home.Problems) > 0 || home.Actors.Unchanged != len(before.Actors) || home.Relationships.Unchanged != len(before.Relationships) ||
				home.Sources.Unchanged != len(before.Sources) || len(home.Removals) > 0 {
				t.Errorf("importing the export into its own workspace: %v %+v", err, home)
			}
		})
	}
}

// exportFiles exports c in format f and returns a function that gives the
// exported files, fresh readers each time.
func exportFiles(t *testing.T, c *domain.Contents, f mapio.Format) func() []mapio.File {
	t.Helper()
	bufs := map[string][]byte{}
	if f == mapio.FormatCSV {
		if err := mapio.CheckKeys(c); err != nil {
			t.Fatal(err)
		}
		write := mapio.CSVExport(c)
		for _, name := range mapio.TemplateFiles {
			var b bytes.Buffer
			if err := write(name, &b); err != nil {
				t.Fatal(err)
			}
			bufs[name] = b.Bytes()
		}
	} else {
		var buf bytes.Buffer
		if err := mapio.Export(c, f, &buf); err != nil {
			t.Fatal(err)
		}
		bufs["export."+f.Extension()] = buf.Bytes()
	}
	return func() []mapio.File {
		var out []mapio.File
		for name, b := range bufs {
			out = append(out, mapio.File{Name: name, Data: bytes.NewReader(b)})
		}
		return out
	}
}

// assertSameMap compares two workspaces' contents record by record, keyed
// by external id (or, for records without one, the id in before, which an
// export writes as the external id).
func assertSameMap(t *testing.T, before, after *domain.Contents) {
	t.Helper()
	if len(after.Actors) != len(before.Actors) || len(after.Relationships) != len(before.Relationships) || len(after.Sources) != len(before.Sources) {
		t.Fatalf("sizes differ: %d/%d/%d vs %d/%d/%d", len(after.Actors), len(after.Relationships), len(after.Sources),
			len(before.Actors), len(before.Relationships), len(before.Sources))
	}
	key := func(ext *string, id string) string {
		if ext != nil {
			return *ext
		}
		return id
	}
	srcKey := map[string]string{}
	for _, c := range []*domain.Contents{before, after} {
		for _, s := range c.Sources {
			srcKey[s.ID] = key(s.ExternalID, s.ID)
		}
	}
	actKey := map[string]string{}
	for _, c := range []*domain.Contents{before, after} {
		for _, a := range c.Actors {
			actKey[a.ID] = key(a.ExternalID, a.ID)
		}
	}
	normSource := func(s *domain.Source) domain.Source {
		x := *s
		x.ID, x.WorkspaceID, x.ExternalID, x.CreatedAt, x.UpdatedAt = key(s.ExternalID, s.ID), "", nil, time.Time{}, time.Time{}
		return x
	}
	normActor := func(a *domain.Actor) domain.Actor {
		x := *a
		x.ID, x.WorkspaceID, x.ExternalID, x.CreatedAt, x.UpdatedAt = key(a.ExternalID, a.ID), "", nil, time.Time{}, time.Time{}
		x.SourceIDs = mapKeys(a.SourceIDs, srcKey)
		return x
	}
	normRel := func(r *domain.Relationship) domain.Relationship {
		x := *r
		x.ID, x.WorkspaceID, x.ExternalID, x.CreatedAt, x.UpdatedAt = key(r.ExternalID, r.ID), "", nil, time.Time{}, time.Time{}
		x.FromID, x.ToID, x.SourceIDs = actKey[r.FromID], actKey[r.ToID], mapKeys(r.SourceIDs, srcKey)
		return x
	}
	compare(t, "source", before.Sources, after.Sources, normSource)
	compare(t, "actor", before.Actors, after.Actors, normActor)
	compare(t, "relationship", before.Relationships, after.Relationships, normRel)
}

// compare checks that every record of after equals the record of before
// with the same normalised id.
func compare[R any, N any](t *testing.T, what string, before, after []R, norm func(R) N) {
	t.Helper()
	want := map[string]N{}
	id := func(n N) string { return reflect.ValueOf(n).FieldByName("ID").String() }
	for _, r := range before {
		n := norm(r)
		want[id(n)] = n
	}
	for _, r := range after {
		got := norm(r)
		if w, ok := want[id(got)]; !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("%s %s differs:\n got %+v\nwant %+v", what, id(got), got, w)
		}
	}
}

func mapKeys(ids []string, keys map[string]string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = keys[id]
	}
	return out
}

// Against the store: a file without the sensitivity column creates
// records RESTRICTED and leaves the records it matches at their level,
// unchanged; a level given that differs updates the record.
func TestImportKeepsSensitivity(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	confidential := new(domain.Confidential)
	if _, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Informant", Kind: "INTERVIEW", ExternalID: new("s-informant"), Sensitivity: confidential}); err != nil {
		t.Fatal(err)
	}
	camp, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Hidden camp", ExternalID: new("c-hidden"), Sensitivity: confidential})
	if err != nil {
		t.Fatal(err)
	}
	militia, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "Militia", ExternalID: new("f-militia")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateRelationship(ctx, domain.RelationshipInput{From: militia.ID, To: camp.ID, Type: domain.Threatens, Strength: 0.7,
		ExternalID: new("r-threat"), Sensitivity: confidential}); err != nil {
		t.Fatal(err)
	}
	// files are the map as a researcher's old spreadsheet has it: without
	// a sensitivity column, or with one whose cells for the existing
	// records say level (and for the others nothing).
	files := func(column bool, level string) []mapio.File {
		head, cell, empty := "", "", ""
		if column {
			head, cell, empty = ",Sensitivity", ","+level, ","
		}
		return []mapio.File{
			{Name: "sources.csv", Data: strings.NewReader("externalId,title,kind" + head + "\n" +
				"s-informant,Informant,INTERVIEW" + cell + "\ns-news,News,REPORT" + empty + "\n")},
			{Name: "actors.csv", Data: strings.NewReader("externalId,name,kind" + head + "\n" +
				"c-hidden,Hidden camp,COMMUNITY" + cell + "\nf-militia,Militia,SECURITY_FORCE" + empty + "\nc-new,New village,COMMUNITY" + empty + "\n")},
			{Name: "relationships.csv", Data: strings.NewReader("externalId,from,to,type,strength" + head + "\n" +
				"r-threat,f-militia,c-hidden,THREATENS,0.7" + cell + "\n")},
		}
	}
	// No column: the new records are created, the others unchanged.
	// Then empty cells: everything unchanged.
	for _, step := range []struct {
		column                         bool
		sources, actors, relationships mapio.Counts
	}{
		{false, mapio.Counts{Created: 1, Unchanged: 1}, mapio.Counts{Created: 1, Unchanged: 2}, mapio.Counts{Unchanged: 1}},
		{true, mapio.Counts{Unchanged: 2}, mapio.Counts{Unchanged: 3}, mapio.Counts{Unchanged: 1}},
	} {
		rep, err := mapio.Import(ctx, st, ws.ID, files(step.column, ""), mapio.Options{})
		if err != nil || len(rep.Problems) > 0 {
			t.Fatalf("import (column %v): %v %v", step.column, err, rep.Problems)
		}
		if rep.Sources != step.sources || rep.Actors != step.actors || rep.Relationships != step.relationships {
			t.Errorf("import (column %v): sources %+v actors %+v relationships %+v", step.column, rep.Sources, rep.Actors, rep.Relationships)
		}
	}
	c := contents(t, st, ws.ID)
	got := map[string]domain.Sensitivity{}
	for _, x := range c.Sources {
		got[*x.ExternalID] = x.Sensitivity
	}
	for _, x := range c.Actors {
		got[*x.ExternalID] = x.Sensitivity
	}
	for _, x := range c.Relationships {
		got[*x.ExternalID] = x.Sensitivity
	}
	want := map[string]domain.Sensitivity{"s-informant": domain.Confidential, "s-news": domain.Restricted, "c-hidden": domain.Confidential,
		"f-militia": domain.Restricted, "c-new": domain.Restricted, "r-threat": domain.Confidential}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("levels %v, want %v", got, want)
	}
	rep, err := mapio.Import(ctx, st, ws.ID, files(true, "public"), mapio.Options{})
	if err != nil || len(rep.Problems) > 0 || rep.Sources.Updated != 1 || rep.Actors.Updated != 1 || rep.Relationships.Updated != 1 {
		t.Fatalf("a level given: %v %+v", err, rep)
	}
	for _, a := range contents(t, st, ws.ID).Actors {
		if *a.ExternalID == "c-hidden" && a.Sensitivity != domain.Public {
			t.Errorf("c-hidden is %s after an import that made it PUBLIC", a.Sensitivity)
		}
	}
}

// A Kumu-style workbook: Elements and Connections sheets with Kumu's
// headers, plus a notes sheet the import ignores.
func TestImportKumuWorkbook(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	wb := excelize.NewFile()
	defer wb.Close()
	_ = wb.SetSheetName("Sheet1", "Elements")
	for r, row := range [][]any{{"Label", "Type", "Description", "Tags", "ID"}, {"Tamal villages", "Community", "Farming villages", "rural|north", "c-1"},
		{"District Police", "Security Force", "", "", "f-1"}} {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		_ = wb.SetSheetRow("Elements", cell, &row)
	}
	_, _ = wb.NewSheet("Connections")
	for r, row := range [][]any{{"From", "To", "Type", "Strength", "Valid From"}, {"f-1", "c-1", "THREATENS", 0.7, "2021"}, {"Tamal villages", "District Police", "TRUSTS", 0.2, ""}} {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		_ = wb.SetSheetRow("Connections", cell, &row)
	}
	_, _ = wb.NewSheet("Notes")
	_ = wb.SetCellValue("Notes", "A1", "drawn from the 2024 workshop")
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: "kumu-map.xlsx", Data: &buf}}, mapio.Options{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	c := contents(t, st, ws.ID)
	if rep.Actors.Created != 2 || rep.Relationships.Created != 2 || len(c.Relationships) != 2 {
		t.Fatalf("report %+v %+v, stored %d relationships", rep.Actors, rep.Relationships, len(c.Relationships))
	}
	for _, r := range c.Relationships {
		if r.Type == domain.Threatens && (r.Strength != 0.7 || r.ValidFrom == nil || r.ValidFrom.String() != "2021-01-01") {
			t.Errorf("threat read as %+v", r)
		}
	}
}

// A sync never leaves a reference to what it removes: a relationship that
// names an actor the actors file lacks is a problem, and sources the
// sources file lacks are no longer cited by records the files leave alone.
func TestSyncKeepsReferencesWhole(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	if rep, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{}); err != nil || !rep.Written {
		t.Fatal(err, rep)
	}
	before := contents(t, st, ws.ID)
	actorsOnly := []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("Label,Type,id\nTamal villages,Community,c-tamal\n")},
		{Name: "relationships.csv", Data: strings.NewReader("From,To,Type,strength\nf-police,c-tamal,THREATENS,0.9\n")},
	}
	rep, err := mapio.Import(ctx, st, ws.ID, actorsOnly, mapio.Options{Sync: true})
	if err != nil || rep.Written || len(rep.Problems) != 1 || rep.Problems[0].Code != "UNKNOWN_ACTOR" || rep.Problems[0].Column != "From" ||
		rep.Problems[0].Row != 2 || !strings.Contains(rep.Problems[0].Message, "names an actor this import removes") {
		t.Fatalf("sync naming a removed actor: %v %+v", err, rep)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("a refused sync wrote")
	}
	// A sources file without s-survey: the sync removes it, and Tamal
	// (not in these files) stops citing it.
	newSource := []mapio.File{{Name: "sources.csv", Data: strings.NewReader("externalId,title,kind\ns-new,New report,REPORT\n")}}
	if rep, err := mapio.Import(ctx, st, ws.ID, newSource, mapio.Options{Sync: true}); err != nil || !rep.Written || rep.Sources.Removed != 1 {
		t.Fatalf("sync of sources: %v %+v", err, rep)
	}
	for _, a := range contents(t, st, ws.ID).Actors {
		if len(a.SourceIDs) != 0 {
			t.Errorf("%s still cites %v after its source was removed", a.Name, a.SourceIDs)
		}
	}
}

// A record without an external id is exported under its service id. A
// row with that key whose kind changed replaces the record and keeps the
// key, so importing the same file again changes nothing; and two rows
// cannot both be one record.
func TestServiceIDKeys(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	alice, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	file := func(rows string) []mapio.File {
		return []mapio.File{{Name: "actors.csv", Data: strings.NewReader("externalId,name,kind\n" + rows)}}
	}
	asMovement := alice.ID + ",Alice,MOVEMENT\n"
	rep, err := mapio.Import(ctx, st, ws.ID, file(asMovement), mapio.Options{})
	if err != nil || !rep.Written || rep.Actors.Created != 1 || rep.Actors.Removed != 1 {
		t.Fatalf("kind change: %v %+v", err, rep)
	}
	again, err := mapio.Import(ctx, st, ws.ID, file(asMovement), mapio.Options{})
	if err != nil || again.Written || again.Actors.Unchanged != 1 {
		t.Fatalf("the same file again: %v %+v", err, again)
	}
	if c := contents(t, st, ws.ID); len(c.Actors) != 1 || *c.Actors[0].ExternalID != alice.ID || c.Actors[0].Kind != domain.KindMovement {
		t.Errorf("stored %+v", c.Actors)
	}

	bob, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := mapio.Import(ctx, st, ws.ID, file(bob.ID+",Bob,COMMUNITY\n,Bob,COMMUNITY\n"), mapio.Options{})
	if err != nil || twice.Written || len(twice.Problems) != 1 || twice.Problems[0].Code != "DUPLICATE" || twice.Problems[0].Row != 3 {
		t.Errorf("two rows for one record: %v %+v", err, twice)
	}
}

// A file wrong on every row reports the first MaxProblems problems and how
// many there are in all, and writes nothing.
func TestProblemsAreCapped(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	var b strings.Builder
	b.WriteString("name,kind\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "Actor %d,PLANET\n", i)
	}
	rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: "actors.csv", Data: strings.NewReader(b.String())}}, mapio.Options{})
	if err != nil || rep.Written || rep.ProblemCount != 1500 || len(rep.Problems) != mapio.MaxProblems+1 {
		t.Fatalf("%v: written %v, %d problems listed of %d", err, rep.Written, len(rep.Problems), rep.ProblemCount)
	}
	last := rep.Problems[len(rep.Problems)-1]
	if last.Code != mapio.CodeTruncated || !strings.Contains(last.Message, "500 more problems") || rep.Problems[0].Row != 2 {
		t.Errorf("first %v, last %v", rep.Problems[0], last)
	}
	if c := contents(t, st, ws.ID); len(c.Actors) != 0 {
		t.Error("a file with problems wrote")
	}
}

// countingTarget counts the relationships an import hands the store.
type countingTarget struct {
	*store.Neo4j
	relationships *int
}

func (c countingTarget) Import(x context.Context, ws string, write bool, fn func(context.Context, domain.ImportTx) error) error {
	return c.Neo4j.Import(x, ws, write, func(x context.Context, tx domain.ImportTx) error {
		return fn(x, countingTx{tx, c.relationships})
	})
}

type countingTx struct {
	domain.ImportTx
	relationships *int
}

func (c countingTx) Apply(x context.Context, ch *domain.Changes) error {
	*c.relationships += len(ch.CreateRelationships) + len(ch.UpdateRelationships)
	return c.ImportTx.Apply(x, ch)
}

// Streaming keeps the whole-file guarantees: a relationships file that is
// only a (wrong) header is still checked, so a sync with it removes
// nothing; a bad row in the first chunk stops all writing of relationships;
// the plan's problems are all reported, with what the plan would do.
func TestStreamedRelationshipsAreCheckedWhole(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	if rep, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), mapio.Options{}); err != nil || !rep.Written {
		t.Fatal(err, rep)
	}
	before := contents(t, st, ws.ID)

	headerOnly := []mapio.File{{Name: "relationships.csv", Data: strings.NewReader("name,kind\n")}}
	rep, err := mapio.Import(ctx, st, ws.ID, headerOnly, mapio.Options{Sync: true})
	if err != nil || rep.Written || len(rep.Problems) == 0 || rep.Problems[0].Code != mapio.CodeColumns {
		t.Fatalf("a header-only relationships file with sync: %v %+v", err, rep)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("a refused sync removed relationships")
	}

	var b strings.Builder
	b.WriteString("externalId,from,to,type,strength\nr-bad,c-tamal,f-police,TRUSTS,0.5,extra\n")
	for i := range 60_000 { // more than one chunk
		fmt.Fprintf(&b, "r-%d,c-tamal,f-police,TRUSTS,0.5\n", i)
	}
	applied := 0
	rep, err = mapio.Import(ctx, countingTarget{st, &applied}, ws.ID, []mapio.File{{Name: "relationships.csv", Data: strings.NewReader(b.String())}}, mapio.Options{})
	if err != nil || rep.Written || rep.ProblemCount != 1 || rep.Problems[0].Row != 2 || applied != 0 {
		t.Fatalf("a bad row then 60,000 good ones: %v, %d problems (%v), %d relationships handed to the store", err, rep.ProblemCount, rep.Problems, applied)
	}

	// Two rows match one actor, and (with sync) a relationship names an
	// actor the sync removes: both reported, and the dry run still says
	// what it would remove.
	zed, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Zed"})
	if err != nil {
		t.Fatal(err)
	}
	files := []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("Label,Type,id\nTamal villages,Community,c-tamal\n" + "Zed,Community," + zed.ID + "\nZed,Community,\n")},
		{Name: "relationships.csv", Data: strings.NewReader("From,To,Type,strength\nf-police,c-tamal,THREATENS,0.9\n")},
	}
	rep, err = mapio.Import(ctx, st, ws.ID, files, mapio.Options{Sync: true, DryRun: true})
	codes := map[string]bool{}
	for _, p := range rep.Problems {
		codes[p.Code] = true
	}
	if err != nil || !codes["DUPLICATE"] || !codes["UNKNOWN_ACTOR"] || len(rep.Removals) == 0 {
		t.Errorf("problems %v %v, removals %v", err, rep.Problems, rep.Removals)
	}
}

// A CSV file that cannot seek (a pipe) is read all the same.
func TestImportFromAPipe(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, _ = w.WriteString("name,kind\nPiped village,COMMUNITY\n")
		w.Close()
	}()
	rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: "actors.csv", Data: r}}, mapio.Options{Format: mapio.FormatCSV})
	if err != nil || !rep.Written || rep.Actors.Created != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
}
