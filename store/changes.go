package store

import (
	"sync"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// The change log. Every write to a workspace's content bumps its version
// (lock.go), and the analysis engine reads the whole workspace again when
// the version it holds is not the current one: seconds for a workspace of
// 100,000 actors. So the store remembers what its own single-record
// writes (creating, updating and deleting one actor or relationship)
// changed, by workspace and version, and ChangesSince hands the engine the
// changes between its version and the current one, when it has every one
// of them.
//
// Only a write that bumped one workspace once, and noted everything it
// wrote (noteWritten, noteDeleted), is logged. Any other (an import, a
// write to sources or memberships, a write by another process, a write
// whose commit the driver could not confirm) leaves a version the log
// lacks, and ChangesSince, which wants consecutive versions, answers
// false across it: the engine then reads the workspace whole, as before.

// changeLogDepth is how many consecutive changes the log keeps per
// workspace, and changeLogWorkspaces of how many workspaces (the most
// recently written).
const (
	changeLogDepth      = 256
	changeLogWorkspaces = 64
)

// changeLog holds the latest consecutive changes of recently written
// workspaces.
type changeLog struct {
	mu    sync.Mutex
	byWS  map[string][]domain.Change // consecutive versions, oldest first
	order []string                   // workspaces, least recently written first
}

// record keeps c. A change that does not follow the last one kept for
// its workspace starts the workspace's list again: the versions between
// were written by something the log did not see.
func (l *changeLog) record(c domain.Change) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byWS == nil {
		l.byWS = map[string][]domain.Change{}
	}
	list := l.byWS[c.WorkspaceID]
	if n := len(list); n > 0 && list[n-1].Version+1 != c.Version {
		list = nil
	}
	if len(list) == changeLogDepth {
		list = list[1:]
	}
	l.byWS[c.WorkspaceID] = append(list, c)
	l.touch(c.WorkspaceID)
}

// touch makes ws the most recently written workspace, forgetting the
// least recently written beyond changeLogWorkspaces.
func (l *changeLog) touch(ws string) {
	for i, w := range l.order {
		if w == ws {
			l.order = append(l.order[:i:i], l.order[i+1:]...)
			break
		}
	}
	l.order = append(l.order, ws)
	for len(l.order) > changeLogWorkspaces {
		delete(l.byWS, l.order[0])
		l.order = l.order[1:]
	}
}

// since returns the changes of ws that took it from version from to
// version to, oldest first, and whether the log has every one of them.
func (l *changeLog) since(ws string, from, to int64) ([]domain.Change, bool) {
	if to <= from {
		return nil, to == from
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.byWS[ws]
	if len(list) == 0 || list[0].Version > from+1 || list[len(list)-1].Version < to {
		return nil, false
	}
	start := from + 1 - list[0].Version
	return append([]domain.Change(nil), list[start:start+to-from]...), true
}

// ChangesSince returns the changes this store's writes made to workspace
// ws from version from to version to, oldest first, and whether it has
// every one of them (false: read the workspace again). It does not check
// the caller: the analysis engine asks only for a workspace the caller's
// WorkspaceVersion answered for, and applies the caller's clearance to
// what it builds.
func (s *Neo4j) ChangesSince(ws string, from, to int64) ([]domain.Change, bool) {
	return s.changes.since(ws, from, to)
}

// noteBump records, on a transaction of inTx, that it set workspace ws's
// version.
func noteBump(tx neo4j.ManagedTransaction, ws string, version int64) {
	if t, ok := tx.(*opTx); ok {
		t.bumps++
		t.change.WorkspaceID, t.change.Version = ws, version
	}
}

// noteWritten records, on a transaction of inTx, an actor or a
// relationship as it wrote it (a copy: the caller's may change later).
// Other records are not in snapshots, and are not noted.
func noteWritten(tx neo4j.ManagedTransaction, record any) {
	t, ok := tx.(*opTx)
	if !ok {
		return
	}
	switch r := record.(type) {
	case *domain.Actor:
		c := *r
		t.change.Actors = append(t.change.Actors, &c)
		t.noted = true
	case *domain.Relationship:
		c := *r
		t.change.Relationships = append(t.change.Relationships, &c)
		t.noted = true
	}
}

// noteDeletedActor and noteDeletedRelationship record, on a transaction
// of inTx, that it deleted a record (an actor with its relationships).
func noteDeletedActor(tx neo4j.ManagedTransaction, id string) {
	if t, ok := tx.(*opTx); ok {
		t.change.DeletedActors = append(t.change.DeletedActors, id)
		t.noted = true
	}
}

func noteDeletedRelationship(tx neo4j.ManagedTransaction, id string) {
	if t, ok := tx.(*opTx); ok {
		t.change.DeletedRelationships = append(t.change.DeletedRelationships, id)
		t.noted = true
	}
}

// logChange keeps what a committed transaction changed, when it bumped
// one workspace once and noted what it wrote.
func (s *Neo4j) logChange(t *opTx) {
	if t != nil && t.bumps == 1 && t.noted {
		s.changes.record(t.change)
	}
}
