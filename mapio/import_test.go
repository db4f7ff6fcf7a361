package mapio_test

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
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

var ctx = context.Background()

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
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	rep, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), false, false)
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
	rep, err = mapio.Import(ctx, st, ws.ID, kumuFiles(t), false, false)
	if err != nil || rep.Actors.Unchanged != 4 || rep.Relationships.Unchanged != 4 || rep.Sources.Unchanged != 1 ||
		rep.Actors.Created+rep.Actors.Updated+rep.Relationships.Created+rep.Relationships.Updated != 0 {
		t.Errorf("second import: %+v %+v %+v %v", rep.Actors, rep.Relationships, rep.Sources, err)
	}
	if second := contents(t, st, ws.ID); !reflect.DeepEqual(first, second) {
		t.Error("importing the same files twice changed the workspace")
	}
}

func TestDryRunAndChangedRowsAndSync(t *testing.T) {
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	if _, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), false, false); err != nil {
		t.Fatal(err)
	}
	before := contents(t, st, ws.ID)
	changed := []mapio.File{
		{Name: "actors.csv", Data: strings.NewReader("Label,Type,id,Population,Force type\nTamal villages,Community,c-tamal,3300,\nDistrict Police,Security force,f-police,,POLICE\n")},
		{Name: "relationships.csv", Data: strings.NewReader("From,To,Type,strength\nf-police,c-tamal,THREATENS,0.9\n")},
	}
	rep, err := mapio.Import(ctx, st, ws.ID, changed, true, true)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("dry run: %v %v", err, rep.Problems)
	}
	if rep.Actors.Updated != 1 || rep.Actors.Unchanged != 1 || rep.Actors.Removed != 2 ||
		rep.Relationships.Updated != 1 || rep.Relationships.Removed != 3 || rep.Sources.Removed != 1 {
		t.Errorf("dry run with sync: actors %+v relationships %+v sources %+v", rep.Actors, rep.Relationships, rep.Sources)
	}
	if after := contents(t, st, ws.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("a dry run wrote to the workspace")
	}
	for i := range changed {
		changed[i].Data.(*strings.Reader).Seek(0, 0)
	}
	if _, err := mapio.Import(ctx, st, ws.ID, changed, false, true); err != nil {
		t.Fatal(err)
	}
	after := contents(t, st, ws.ID)
	if len(after.Actors) != 2 || len(after.Relationships) != 1 || len(after.Sources) != 0 || after.Relationships[0].Strength != 0.9 {
		t.Errorf("after sync: %d actors %d relationships %d sources", len(after.Actors), len(after.Relationships), len(after.Sources))
	}
}

func TestBadFilesChangeNothing(t *testing.T) {
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	if _, err := mapio.Import(ctx, st, ws.ID, kumuFiles(t), false, false); err != nil {
		t.Fatal(err)
	}
	before := contents(t, st, ws.ID)
	rep, err := mapio.Import(ctx, st, ws.ID, files(t, map[string]string{"actors.csv": "kumu-actors.csv", "relationships.csv": "bad-relationships.csv"}), false, false)
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

// racingTarget writes to the workspace between the import's planning and
// its write. With the version check, the import refuses; without it (the
// plan re-based on the new version), its transaction fails at the actor
// whose external id the racer took, after it has already written its
// sources. Either way it must leave nothing behind.
type racingTarget struct {
	*store.Neo4j
	rebase bool
}

func (r racingTarget) ApplyChanges(c context.Context, ws string, ch *domain.Changes) error {
	ext := *ch.CreateActors[len(ch.CreateActors)-1].ExternalID
	if _, err := r.Neo4j.CreateActor(c, ws, domain.ActorInput{Kind: domain.KindMovement, Name: "racer", ExternalID: &ext}); err != nil {
		return err
	}
	if r.rebase {
		v, err := r.Neo4j.WorkspaceVersion(c, ws)
		if err != nil {
			return err
		}
		ch.BaseVersion = v
	}
	return r.Neo4j.ApplyChanges(c, ws, ch)
}

func TestFailedImportLeavesNothing(t *testing.T) {
	for _, rebase := range []bool{false, true} {
		st := storetest.Open(t)
		ws := storetest.Workspace(t, st)
		_, err := mapio.Import(ctx, racingTarget{st, rebase}, ws.ID, kumuFiles(t), false, false)
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("rebase %v: want a conflict, got %v", rebase, err)
		}
		c := contents(t, st, ws.ID)
		if len(c.Sources) != 0 || len(c.Relationships) != 0 || len(c.Actors) != 1 || c.Actors[0].Name != "racer" {
			t.Errorf("rebase %v: a failed import left %d sources, %d relationships, %d actors", rebase, len(c.Sources), len(c.Relationships), len(c.Actors))
		}
	}
}

// Export, then import into a new workspace, gives back the same map: the
// demo map (every kind, type, date and source) plus an actor without an
// external id (exported under its service id).
func TestCSVRoundTrip(t *testing.T) {
	st := storetest.Open(t)
	src, err := demo.Load(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(ctx, src.ID) })
	if _, err := st.CreateActor(ctx, src.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Unkeyed youth forum"}); err != nil {
		t.Fatal(err)
	}
	before := contents(t, st, src.ID)
	bufs := map[string]*bytes.Buffer{}
	if err := mapio.WriteCSV(before, func(name string) (io.Writer, error) {
		bufs[name] = &bytes.Buffer{}
		return bufs[name], nil
	}); err != nil {
		t.Fatal(err)
	}
	dst := storetest.Workspace(t, st)
	var fs []mapio.File
	for name, b := range bufs {
		fs = append(fs, mapio.File{Name: name, Data: b})
	}
	rep, err := mapio.Import(ctx, st, dst.ID, fs, false, false)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("re-import: %v %v", err, rep.Problems)
	}
	after := contents(t, st, dst.ID)
	if len(after.Actors) != len(before.Actors) || len(after.Relationships) != len(before.Relationships) || len(after.Sources) != len(before.Sources) {
		t.Fatalf("sizes differ: %d/%d/%d vs %d/%d/%d", len(after.Actors), len(after.Relationships), len(after.Sources),
			len(before.Actors), len(before.Relationships), len(before.Sources))
	}
	// Compare record by record, keyed by external id (or the old id).
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
	normActor := func(a *domain.Actor) domain.Actor {
		x := *a
		k := key(a.ExternalID, a.ID)
		x.ID, x.WorkspaceID, x.ExternalID, x.CreatedAt, x.UpdatedAt = k, "", nil, time.Time{}, time.Time{}
		x.SourceIDs = mapKeys(a.SourceIDs, srcKey)
		return x
	}
	normRel := func(r *domain.Relationship) domain.Relationship {
		x := *r
		k := key(r.ExternalID, r.ID)
		x.ID, x.WorkspaceID, x.ExternalID, x.CreatedAt, x.UpdatedAt = k, "", nil, time.Time{}, time.Time{}
		x.FromID, x.ToID, x.SourceIDs = actKey[r.FromID], actKey[r.ToID], mapKeys(r.SourceIDs, srcKey)
		return x
	}
	want := map[string]domain.Actor{}
	for _, a := range before.Actors {
		want[key(a.ExternalID, a.ID)] = normActor(a)
	}
	for _, a := range after.Actors {
		if got := normActor(a); !reflect.DeepEqual(got, want[got.ID]) {
			t.Errorf("actor %s differs:\n got %+v\nwant %+v", got.ID, got, want[got.ID])
		}
	}
	wantR := map[string]domain.Relationship{}
	for _, r := range before.Relationships {
		wantR[key(r.ExternalID, r.ID)] = normRel(r)
	}
	for _, r := range after.Relationships {
		if got := normRel(r); !reflect.DeepEqual(got, wantR[got.ID]) {
			t.Errorf("relationship %s differs:\n got %+v\nwant %+v", got.ID, got, wantR[got.ID])
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

// A Kumu-style workbook: Elements and Connections sheets with Kumu's
// headers, plus a notes sheet the import ignores.
func TestImportKumuWorkbook(t *testing.T) {
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
	rep, err := mapio.Import(ctx, st, ws.ID, []mapio.File{{Name: "kumu-map.xlsx", Data: &buf}}, false, false)
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

// XLSX export then import into a new workspace gives back the demo map.
func TestXLSXRoundTrip(t *testing.T) {
	st := storetest.Open(t)
	src, err := demo.Load(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(ctx, src.ID) })
	before := contents(t, st, src.ID)
	var buf bytes.Buffer
	if err := mapio.WriteXLSX(before, &buf); err != nil {
		t.Fatal(err)
	}
	dst := storetest.Workspace(t, st)
	rep, err := mapio.Import(ctx, st, dst.ID, []mapio.File{{Name: "export.xlsx", Data: &buf}}, false, false)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("re-import: %v %v", err, rep.Problems)
	}
	after := contents(t, st, dst.ID)
	sum := func(c *domain.Contents) (float64, int) {
		s, dated := 0.0, 0
		for _, r := range c.Relationships {
			s += r.Strength * r.Confidence
			if r.ValidFrom != nil || r.ValidTo != nil {
				dated++
			}
		}
		return s, dated
	}
	s1, d1 := sum(before)
	s2, d2 := sum(after)
	if len(after.Actors) != len(before.Actors) || len(after.Relationships) != len(before.Relationships) || len(after.Sources) != len(before.Sources) ||
		math.Abs(s1-s2) > 1e-9 || d1 != d2 {
		t.Errorf("round trip differs: %d/%d/%d actors/relationships/sources vs %d/%d/%d; strength sums %v vs %v; dated %d vs %d",
			len(after.Actors), len(after.Relationships), len(after.Sources), len(before.Actors), len(before.Relationships), len(before.Sources), s2, s1, d2, d1)
	}
}
