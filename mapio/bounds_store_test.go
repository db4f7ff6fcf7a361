package mapio_test

import (
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/mapio"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A file over a bound imports nothing, not even the files beside it that
// are sound: the import reports the TOO_LARGE problem, writes nothing,
// and leaves the workspace as it was.
func TestOversizedFilesImportNothing(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	actors := "externalId,name,kind\na,Riverside,COMMUNITY\nb,Police,SECURITY_FORCE\n"
	rels := "from,to,type,strength\na,b,TRUSTS,0.5\n"
	wide := "name,kind," + strings.Repeat("x,", 6_000) + "y\nRiverside,COMMUNITY\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		row   int
		says  string
	}{
		{"a relationships row of 2 MB after a sound one", map[string]string{"actors.csv": actors,
			"relationships.csv": rels + "a,b,SUPPORTS,0.5," + strings.Repeat("x", 2<<20) + "\n"}, 3, "longer than 1 MiB"},
		{"an actors header of 6,003 columns", map[string]string{"actors.csv": wide, "relationships.csv": rels}, 1, "6003 columns"},
		{"a GEXF label of 17 MB", map[string]string{"map.gexf": `<gexf><graph defaultedgetype="directed"><nodes><node id="a" label="` +
			strings.Repeat("x", 17<<20) + `"/></nodes></graph></gexf>`}, 0, "longer than 16 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws := storetest.Workspace(t, st)
			var files []mapio.File
			for name, text := range c.files {
				files = append(files, mapio.File{Name: name, Data: strings.NewReader(text)})
			}
			rep, err := mapio.Import(ctx, st, ws.ID, files, mapio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || (p.Code == mapio.CodeTooLarge && p.Row == c.row && strings.Contains(p.Message, c.says))
			}
			if !found || rep.Written {
				t.Errorf("written %v, problems %v", rep.Written, rep.Problems)
			}
			if got := contents(t, st, ws.ID); len(got.Actors)+len(got.Relationships)+len(got.Sources) > 0 {
				t.Errorf("the workspace holds %d actors, %d relationships", len(got.Actors), len(got.Relationships))
			}
		})
	}
}
