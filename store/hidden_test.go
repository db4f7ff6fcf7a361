package store_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A record above a caller's clearance does not exist for it, and that
// holds for writes too: an editor whose clearance was lowered, sending
// the id of a hidden source, hears what an unknown id gets, whether or not
// the record it edits already cites that source.

// loweredEditor is a caller who edits ws but sees only up to RESTRICTED.
func loweredEditor(ws string) context.Context {
	return domain.WithCaller(context.Background(), &domain.Caller{Subject: "token:lowered",
		Grants: map[string]domain.Grant{ws: {Role: domain.Editor, Clearance: domain.Restricted}}})
}

// publicAnswer is what a client reads of err: its code, field and message
// with id written as <id>, so that the answers to two ids can be compared.
func publicAnswer(err error, id string) string {
	if err == nil {
		return "no error"
	}
	msg, field := errs.Public(err)
	return errs.KindOf(err).Code() + " " + field + ": " + strings.ReplaceAll(msg, id, "<id>")
}

func TestHiddenRecordsAnswerAsUnknownOnWrites(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	public, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Report", Kind: "REPORT", Sensitivity: new(domain.Public)})
	if err != nil {
		t.Fatal(err)
	}
	hiddenSrc, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Interview notes", Kind: "INTERVIEW", Sensitivity: new(domain.Confidential)})
	if err != nil {
		t.Fatal(err)
	}
	both := []string{public.ID, hiddenSrc.ID}
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Riverside", Sensitivity: new(domain.Public), SourceIDs: both})
	b := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Union", Sensitivity: new(domain.Public)})
	hiddenActor := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "Underground", Sensitivity: new(domain.Confidential)})
	r := mustRel(t, st, domain.RelationshipInput{Type: domain.Trusts, From: a.ID, To: b.ID, Strength: 0.5, Sensitivity: new(domain.Public), SourceIDs: both})
	hiddenRel := mustRel(t, st, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5, Sensitivity: new(domain.Confidential)})
	editor := loweredEditor(ws.ID)
	before := take(t, st, ws.ID)

	unknownSrc, unknownActor, unknownRel := domain.NewID(domain.PrefixSource), domain.NewID(domain.PrefixActor), domain.NewID(domain.PrefixRelationship)
	// Each case is a write naming an id: it is tried with a hidden record's
	// id and with an unknown one of the same kind. The hidden source is one
	// that a and r already cite.
	cases := []struct {
		name            string
		hidden, unknown string
		want            string // how the answer to the unknown id begins
		write           func(id string) error
	}{
		{"updateActor sourceIds alone", hiddenSrc.ID, unknownSrc, "NOT_FOUND sourceIds: ", func(src string) error {
			_, err := st.UpdateActor(editor, a.ID, domain.ActorPatch{SourceIDs: domaintest.Some([]string{src})})
			return err
		}},
		{"updateActor sourceIds beside a visible one", hiddenSrc.ID, unknownSrc, "NOT_FOUND sourceIds: ", func(src string) error {
			_, err := st.UpdateActor(editor, a.ID, domain.ActorPatch{Name: domaintest.Some("Renamed"), SourceIDs: domaintest.Some([]string{public.ID, src})})
			return err
		}},
		{"createActor sourceIds", hiddenSrc.ID, unknownSrc, "NOT_FOUND sourceIds: ", func(src string) error {
			_, err := st.CreateActor(editor, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "New", Sensitivity: new(domain.Public), SourceIDs: []string{src}})
			return err
		}},
		{"updateRelationship sourceIds", hiddenSrc.ID, unknownSrc, "NOT_FOUND sourceIds: ", func(src string) error {
			_, err := st.UpdateRelationship(editor, r.ID, domain.RelationshipPatch{SourceIDs: domaintest.Some([]string{public.ID, src})})
			return err
		}},
		{"createRelationship sourceIds", hiddenSrc.ID, unknownSrc, "NOT_FOUND sourceIds: ", func(src string) error {
			_, err := st.CreateRelationship(editor, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: b.ID, Strength: 0.5,
				Sensitivity: new(domain.Public), SourceIDs: []string{src}})
			return err
		}},
		{"createRelationship from", hiddenActor.ID, unknownActor, "NOT_FOUND from: ", func(id string) error {
			_, err := st.CreateRelationship(editor, domain.RelationshipInput{Type: domain.Dialogue, From: id, To: a.ID, Strength: 0.5, Sensitivity: new(domain.Public)})
			return err
		}},
		{"createRelationship to", hiddenActor.ID, unknownActor, "NOT_FOUND to: ", func(id string) error {
			_, err := st.CreateRelationship(editor, domain.RelationshipInput{Type: domain.Dialogue, From: a.ID, To: id, Strength: 0.5, Sensitivity: new(domain.Public)})
			return err
		}},
		{"updateActor", hiddenActor.ID, unknownActor, "NOT_FOUND : ", func(id string) error {
			_, err := st.UpdateActor(editor, id, domain.ActorPatch{Name: domaintest.Some("Renamed")})
			return err
		}},
		{"updateRelationship", hiddenRel.ID, unknownRel, "NOT_FOUND : ", func(id string) error {
			_, err := st.UpdateRelationship(editor, id, domain.RelationshipPatch{Strength: domaintest.Some(0.9)})
			return err
		}},
		{"updateSource", hiddenSrc.ID, unknownSrc, "NOT_FOUND : ", func(id string) error {
			_, err := st.UpdateSource(editor, id, domain.SourcePatch{Title: domaintest.Some("Renamed")})
			return err
		}},
		{"deleteRelationship", hiddenRel.ID, unknownRel, "NOT_FOUND : ", func(id string) error {
			_, err := st.DeleteRelationship(editor, id)
			return err
		}},
		{"deleteActor", hiddenActor.ID, unknownActor, "NOT_FOUND : ", func(id string) error {
			_, err := st.DeleteActor(editor, id)
			return err
		}},
		{"deleteSource", hiddenSrc.ID, unknownSrc, "NOT_FOUND : ", func(id string) error {
			_, err := st.DeleteSource(editor, id)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, want := publicAnswer(c.write(c.hidden), c.hidden), publicAnswer(c.write(c.unknown), c.unknown)
			if !strings.HasPrefix(want, c.want) {
				t.Fatalf("an unknown id answers %q, want it to begin %q", want, c.want)
			}
			if got != want {
				t.Errorf("a hidden id answers %q, an unknown one %q: the difference reveals the hidden record", got, want)
			}
		})
	}
	assertUnchanged(t, st, ws.ID, before)
}

// An edit that does not send sourceIds, or sends only what the editor
// sees, keeps the citations it cannot see.
func TestLoweredEditsKeepHiddenCitations(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ws := storetest.Workspace(t, st)
	public, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Report", Kind: "REPORT", Sensitivity: new(domain.Public)})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := st.CreateSource(ctx, ws.ID, domain.SourceInput{Title: "Interview notes", Kind: "INTERVIEW", Sensitivity: new(domain.Confidential)})
	if err != nil {
		t.Fatal(err)
	}
	a := mustActor(t, st, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "Riverside", Sensitivity: new(domain.Public),
		SourceIDs: []string{public.ID, hidden.ID}})
	editor := loweredEditor(ws.ID)
	cases := []struct {
		name  string
		patch domain.ActorPatch
		want  []string
	}{
		{"sourceIds not sent", domain.ActorPatch{Description: domaintest.Some("edited")}, []string{public.ID, hidden.ID}},
		{"the visible source sent", domain.ActorPatch{SourceIDs: domaintest.Some([]string{public.ID})}, []string{public.ID, hidden.ID}},
		{"sourceIds cleared", domain.ActorPatch{SourceIDs: domaintest.Clear[[]string]()}, []string{hidden.ID}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := st.UpdateActor(editor, a.ID, c.patch); err != nil {
				t.Fatal(err)
			}
			got, err := st.ActorsByIDs(ctx, []string{a.ID})
			if err != nil || len(got) != 1 {
				t.Fatalf("read back: %v %v", got, err)
			}
			if !reflect.DeepEqual(slices.Sorted(slices.Values(got[0].SourceIDs)), slices.Sorted(slices.Values(c.want))) {
				t.Errorf("cites %v, want %v", got[0].SourceIDs, c.want)
			}
		})
	}
}
