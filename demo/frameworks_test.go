package demo

import (
	"context"
	"reflect"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// recorder is a Writer that keeps what it is asked to write, validated
// as the store validates it.
type recorder struct {
	actors        []*domain.Actor
	relationships []*domain.Relationship
	deleted       bool
}

func (r *recorder) Workspaces(context.Context) ([]*domain.Workspace, error) { return nil, nil }
func (r *recorder) CreateWorkspace(_ context.Context, in domain.WorkspaceInput) (*domain.Workspace, error) {
	return &domain.Workspace{ID: "ws", Name: in.Name}, nil
}
func (r *recorder) DeleteWorkspace(context.Context, string) (*domain.DeleteResult, error) {
	r.deleted = true
	return &domain.DeleteResult{}, nil
}
func (r *recorder) CreateSource(_ context.Context, ws string, in domain.SourceInput) (*domain.Source, error) {
	s, err := domain.NewSource(ws, in)
	if err == nil {
		s.ID = "src_" + *in.ExternalID
	}
	return s, err
}
func (r *recorder) CreateActor(_ context.Context, ws string, in domain.ActorInput) (*domain.Actor, error) {
	a, err := domain.NewActor(ws, in)
	if err != nil {
		return nil, err
	}
	a.ID = "act_" + *in.ExternalID
	r.actors = append(r.actors, a)
	return a, nil
}
func (r *recorder) CreateRelationship(_ context.Context, in domain.RelationshipInput) (*domain.Relationship, error) {
	x, err := domain.NewRelationship("ws", in)
	if err != nil {
		return nil, err
	}
	r.relationships = append(r.relationships, x)
	return x, nil
}

// The demo document's actors and relationships may carry a frameworks
// key, which reaches the records written; an unknown framework fails the
// load, which then removes what it wrote.
func TestDemoFrameworksKey(t *testing.T) {
	t.Parallel()
	doc := func(relFrameworks string) []byte {
		return []byte(`{"workspace": {"name": "Test"},
		  "actors": [
			{"key": "v", "kind": "COMMUNITY", "name": "Village", "frameworks": ["SECURITY", "PROTECTION"]},
			{"key": "p", "kind": "SECURITY_FORCE", "name": "Police"}],
		  "relationships": [
			{"key": "r", "type": "PROVIDES_SECURITY", "from": "p", "to": "v", "strength": 0.5, "frameworks": ` + relFrameworks + `}]}`)
	}
	m, err := parse(doc(`["JUSTICE"]`))
	if err != nil {
		t.Fatal(err)
	}
	w := &recorder{}
	if _, err := load(context.Background(), w, m); err != nil {
		t.Fatal(err)
	}
	if got, want := w.actors[0].Frameworks, []domain.Framework{"PROTECTION", "SECURITY"}; !reflect.DeepEqual(got, want) {
		t.Errorf("village frameworks %v, want %v", got, want)
	}
	if w.actors[1].Frameworks != nil {
		t.Errorf("police frameworks %v, want none", w.actors[1].Frameworks)
	}
	if got := w.relationships[0].Frameworks; !reflect.DeepEqual(got, []domain.Framework{"JUSTICE"}) {
		t.Errorf("relationship frameworks %v, want [JUSTICE]", got)
	}

	m, err = parse(doc(`["JUSTICE", "PEACE"]`))
	if err != nil {
		t.Fatal(err)
	}
	w = &recorder{}
	if _, err := load(context.Background(), w, m); !errs.Is(err, errs.Invalid) || !w.deleted {
		t.Errorf("an unknown framework: err %v, workspace deleted %v; want invalid and deleted", err, w.deleted)
	}
}
