package mapio

import (
	"bytes"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Helpers that every graph format's tests share: what a format's tables
// read into, compared with what the CSV export reads into.

// graphInputs are what a map's tables read into, with the rows' Refs
// cleared: where a row came from differs between formats, what it says
// must not.
type graphInputs struct {
	Actors        []ActorRow
	Relationships []RelationshipRow
	Sources       []SourceRow
}

// graphRows feeds tables through the row readers: the inputs, with
// Refs cleared, and every problem.
func graphRows(tables map[string]*Table) (graphInputs, []Problem) {
	var in graphInputs
	var problems []Problem
	if tb := tables["actors"]; tb != nil {
		rows, ps := ReadActors(tb)
		problems = append(problems, ps...)
		for _, r := range rows {
			r.Ref = Ref{}
			in.Actors = append(in.Actors, r)
		}
	}
	if tb := tables["relationships"]; tb != nil {
		rows, _, ps := ReadRelationships(tb)
		problems = append(problems, ps...)
		for _, r := range rows {
			r.Ref = Ref{}
			in.Relationships = append(in.Relationships, r)
		}
	}
	if tb := tables["sources"]; tb != nil {
		rows, ps := ReadSources(tb)
		problems = append(problems, ps...)
		for _, r := range rows {
			r.Ref = Ref{}
			in.Sources = append(in.Sources, r)
		}
	}
	return in, problems
}

// readGraphInputs is graphRows, failing on any problem.
func readGraphInputs(t *testing.T, tables map[string]*Table) graphInputs {
	t.Helper()
	in, problems := graphRows(tables)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	return in
}

// csvInputs are what the CSV export of c reads back into: the reference
// every graph format must match.
func csvInputs(t *testing.T, c *domain.Contents) graphInputs {
	t.Helper()
	write := CSVExport(c)
	tables := map[string]*Table{}
	for _, r := range []string{"actors", "relationships", "sources"} {
		var buf bytes.Buffer
		if err := write(r+".csv", &buf); err != nil {
			t.Fatal(err)
		}
		tb, ps := ReadTable(r+".csv", &buf)
		if len(ps) > 0 {
			t.Fatalf("CSV export of %s: %v", r, ps)
		}
		tables[r] = tb
	}
	return readGraphInputs(t, tables)
}

// An element's externalId attribute is its key, and edges that name it by
// its element id follow it there.
func TestGraphTablesFollowExternalIDs(t *testing.T) {
	t.Parallel()
	g := GraphElements{
		Actors: []Element{{ID: "n0", Attrs: []Attr{{"name", "Police"}, {"kind", "SECURITY_FORCE"}, {"externalId", "POL"}}},
			{ID: "n1", Attrs: []Attr{{"name", "Village"}, {"type", "COMMUNITY"}}}},
		Relationships: []Element{{ID: "e0", Attrs: []Attr{{"from", "n0"}, {"to", "n1"}, {"type", "THREATENS"}, {"strength", "0.5"}}}},
	}
	tables := g.Tables("map.graphml")
	actors, ps := ReadActors(tables["actors"])
	rels, _, ps2 := ReadRelationships(tables["relationships"])
	if len(ps)+len(ps2) > 0 || len(actors) != 2 || len(rels) != 1 {
		t.Fatalf("%v %v", ps, ps2)
	}
	if *actors[0].Input.ExternalID != "POL" || *actors[1].Input.ExternalID != "n1" || actors[1].Input.Kind != domain.KindCommunity {
		t.Errorf("actors %+v %+v", actors[0].Input, actors[1].Input)
	}
	if rels[0].From != "POL" || rels[0].To != "n1" {
		t.Errorf("edge ends %q -> %q", rels[0].From, rels[0].To)
	}
	links, problems := Resolve(&Document{Actors: actors, Relationships: rels})
	if len(problems) > 0 || links.From[0] != 0 || links.To[0] != 1 {
		t.Errorf("resolved %+v %v", links, problems)
	}
}

// Two nodes with one element id and different externalId attributes: an
// edge naming that id is not sent to either; resolving reports it.
func TestGraphTablesDoNotGuessBetweenTwins(t *testing.T) {
	t.Parallel()
	g := GraphElements{
		Actors: []Element{{ID: "n1", Attrs: []Attr{{"name", "A"}, {"kind", "COMMUNITY"}, {"externalId", "A"}}},
			{ID: "n1", Attrs: []Attr{{"name", "B"}, {"kind", "COMMUNITY"}, {"externalId", "B"}}},
			{ID: "n2", Attrs: []Attr{{"name", "C"}, {"kind", "COMMUNITY"}}}},
		Relationships: []Element{{ID: "e", Attrs: []Attr{{"from", "n2"}, {"to", "n1"}, {"type", "TRUSTS"}, {"strength", "0.5"}}}},
	}
	tables := g.Tables("map.graphml")
	actors, _ := ReadActors(tables["actors"])
	rels, _, _ := ReadRelationships(tables["relationships"])
	if rels[0].To != "n1" {
		t.Fatalf("the edge was sent to %q", rels[0].To)
	}
	if _, problems := Resolve(&Document{Actors: actors, Relationships: rels}); len(problems) != 1 || problems[0].Code != "UNKNOWN_ACTOR" {
		t.Errorf("problems %v", problems)
	}
}

// An actor whose external id is another actor's service id would make an
// export ambiguous: every format refuses it before writing a byte.
func TestExportRefusesAmbiguousKeys(t *testing.T) {
	t.Parallel()
	ext := "act_1"
	c := &domain.Contents{Actors: []*domain.Actor{{ID: "act_1", Name: "A", Kind: domain.KindCommunity},
		{ID: "act_2", Name: "B", Kind: domain.KindCommunity, ExternalID: &ext}}}
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Export(c, f, &b); !errs.Is(err, errs.Conflict) || b.Len() > 0 {
			t.Errorf("%s: %v, %d bytes written", f, err, b.Len())
		}
	}
}
