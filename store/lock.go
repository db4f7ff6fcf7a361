package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Neo4j reads take no locks, so a read-modify-write could lose a
// concurrent update. The write paths below therefore lock what they are
// about to change before they read it: setting and removing a property in
// one statement takes the record's write lock until the transaction ends
// and leaves the data as it was.

// lockWorkspace locks a workspace for the rest of the transaction. Every
// create in a workspace takes this lock, which serialises the checks that
// must not race (externalId uniqueness across relationship types) and keeps
// writes from landing in a workspace that is being deleted.
func (s *Neo4j) lockWorkspace(ctx context.Context, tx neo4j.ManagedTransaction, id string) error {
	// The deleting flag is read after the lock is held: a filter before
	// the SET would see the value from before a concurrent delete committed.
	recs, err := s.run(ctx, tx, `MATCH (w:Workspace {id: $id})
		SET w.__lock = true REMOVE w.__lock RETURN w.deleting AS deleting`, map[string]any{"id": id})
	if err != nil {
		return err
	}
	if len(recs) == 0 || value[bool](recs[0], "deleting") {
		return errs.NotFoundf("", "no workspace has id %q", id)
	}
	return nil
}

// lockActor locks an actor and returns it as it is now.
func (s *Neo4j) lockActor(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Actor, error) {
	recs, err := s.run(ctx, tx, "MATCH (a:Actor {id: $id}) SET a.__lock = true REMOVE a.__lock RETURN a", map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no actor has id %q", id)
	}
	return decodeActor(nodeProps(recs[0], "a")), nil
}

// lockSource locks a source and returns it as it is now.
func (s *Neo4j) lockSource(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Source, error) {
	recs, err := s.run(ctx, tx, "MATCH (x:Source {id: $id}) SET x.__lock = true REMOVE x.__lock RETURN x", map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no source has id %q", id)
	}
	return decodeSource(nodeProps(recs[0], "x")), nil
}

// lockRelationship finds a relationship's type, then locks it and returns
// it as it is now.
func (s *Neo4j) lockRelationship(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Relationship, error) {
	found, err := s.relationshipInTx(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	// found.Type was read from Neo4j, so it is one of relTypes.
	cypher := fmt.Sprintf("MATCH (a)-[r:%s]->(b) WHERE r.id = $id SET r.__lock = true REMOVE r.__lock RETURN %s", found.Type, relRow)
	recs, err := s.run(ctx, tx, cypher, map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no relationship has id %q", id)
	}
	return decodeRelRow(recs[0]), nil
}
