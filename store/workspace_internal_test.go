package store

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// WriteLate marks ws deleting, as DeleteWorkspace's first step does, and
// then writes an actor with a relationship to other into it, as a writer
// that read the workspace's deleting flag as it was before would: past
// the lock's check. Test-only.
func (s *Neo4j) WriteLate(ctx context.Context, ws, other string) (string, error) {
	a, err := domain.NewActor(ws, domain.ActorInput{Kind: domain.KindCommunity, Name: "late"})
	if err != nil {
		return "", err
	}
	a.ID = domain.NewID(domain.PrefixActor)
	err = s.execWrite(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		if _, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.deleting = true", map[string]any{"id": ws}); err != nil {
			return err
		}
		_, err := s.run(ctx, tx, "MATCH (o:Actor {id: $other}) CREATE (a:Actor)-[:TRUSTS {id: $rel, workspaceId: $ws}]->(o) SET a = $props",
			map[string]any{"other": other, "rel": domain.NewID(domain.PrefixRelationship), "ws": ws, "props": actorProps(a)})
		return err
	})
	return a.ID, err
}

// FinishDeleting is the end of DeleteWorkspace on its own: what a writer
// added late, then the workspace. Test-only.
func (s *Neo4j) FinishDeleting(ctx context.Context, ws string) (*domain.DeleteResult, error) {
	res := &domain.DeleteResult{ID: ws}
	return res, s.deleteWorkspaceNode(ctx, "test", ws, res)
}
