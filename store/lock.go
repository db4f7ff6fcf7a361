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
// about to change before they read it: writing a property takes the
// record's write lock until the transaction ends.
//
// Every write to a workspace's content first locks the workspace itself,
// and bumps its version: writes to one workspace run one at a time (which
// serialises the checks that must not race, such as externalId uniqueness
// across relationship types, and keeps writes out of a workspace being
// deleted), locks are always taken workspace first (so writers cannot
// deadlock), and the version tells the analysis cache when its copy of the
// workspace is stale. A write that fails rolls its bump back with it.

// lockWorkspace locks a workspace for the rest of the transaction and
// bumps its version; it refuses while an import holds the workspace.
func (s *Neo4j) lockWorkspace(ctx context.Context, tx neo4j.ManagedTransaction, id string) error {
	_, err := s.lockWorkspaceVersion(ctx, tx, id)
	return err
}

// lockWorkspaceVersion is lockWorkspace, and returns the version it set.
func (s *Neo4j) lockWorkspaceVersion(ctx context.Context, tx neo4j.ManagedTransaction, id string) (int64, error) {
	// The deleting flag is read after the lock is held: a filter before
	// the SET would see the value from before a concurrent delete committed.
	recs, err := s.run(ctx, tx, `MATCH (w:Workspace {id: $id})
		WHERE `+visibleWorkspace("w")+`
		SET w.version = coalesce(w.version, 0) + 1
		RETURN w.deleting AS deleting, w.importing AS importing, w.version AS version`, map[string]any{"id": id})
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 || value[bool](recs[0], "deleting") {
		return 0, errs.NotFoundf("", "no workspace has id %q", id)
	}
	// A large import commits in batches under its own lock
	// (importstage.go): writing between its batches would be undone with
	// it, or block its undo, so other writers are refused until it ends,
	// and, when it failed, until it is undone (importundo.go).
	if value[string](recs[0], "importing") != "" {
		return 0, errImporting
	}
	version := value[int64](recs[0], "version")
	noteBump(tx, id, version)
	return version, nil
}

// errImporting refuses a write to a workspace that an import holds.
var errImporting = errs.E("", errs.Conflict, "an import into this workspace is running, or being undone; try again when it has finished")

// lockOwner locks the workspace that the record matched by match (a
// statement returning its workspaceId as ws) belongs to.
func (s *Neo4j) lockOwner(ctx context.Context, tx neo4j.ManagedTransaction, match, what, id string) error {
	recs, err := s.run(ctx, tx, match, map[string]any{"id": id})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return errs.NotFoundf("", "no %s has id %q", what, id)
	}
	return s.lockWorkspace(ctx, tx, value[string](recs[0], "ws"))
}

// lockActor locks an actor's workspace and the actor, and returns the
// actor as it is now.
func (s *Neo4j) lockActor(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Actor, error) {
	if err := s.lockOwner(ctx, tx, "MATCH (a:Actor {id: $id}) WHERE "+visible("a")+" RETURN a.workspaceId AS ws", "actor", id); err != nil {
		return nil, err
	}
	// Visibility again, now under the lock: the record may have been made
	// more sensitive between the first look and the lock.
	recs, err := s.run(ctx, tx, "MATCH (a:Actor {id: $id}) SET a.__lock = true REMOVE a.__lock WITH a WHERE "+visible("a")+" RETURN a", map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no actor has id %q", id)
	}
	return decodeActor(nodeProps(recs[0], "a")), nil
}

// lockSource locks a source's workspace and the source, and returns the
// source as it is now.
func (s *Neo4j) lockSource(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Source, error) {
	if err := s.lockOwner(ctx, tx, "MATCH (x:Source {id: $id}) WHERE "+visible("x")+" RETURN x.workspaceId AS ws", "source", id); err != nil {
		return nil, err
	}
	recs, err := s.run(ctx, tx, "MATCH (x:Source {id: $id}) SET x.__lock = true REMOVE x.__lock WITH x WHERE "+visible("x")+" RETURN x", map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no source has id %q", id)
	}
	return decodeSource(nodeProps(recs[0], "x")), nil
}

// lockRelationship finds a relationship's type and workspace, locks the
// workspace and the relationship, and returns it as it is now.
func (s *Neo4j) lockRelationship(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Relationship, error) {
	found, err := s.relationshipInTx(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := s.lockWorkspace(ctx, tx, found.WorkspaceID); err != nil {
		return nil, err
	}
	// found.Type was read from Neo4j, so it is one of relTypes.
	cypher := fmt.Sprintf("MATCH (a)-[r:%s]->(b) WHERE r.id = $id SET r.__lock = true REMOVE r.__lock WITH a, r, b WHERE %s RETURN %s",
		found.Type, visibleRel("r", "a", "b"), relRow)
	recs, err := s.run(ctx, tx, cypher, map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("", "no relationship has id %q", id)
	}
	return decodeRelRow(recs[0]), nil
}
