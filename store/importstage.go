package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// A write import commits a transaction per Apply, not one for the whole
// import: one transaction holding a million rows' changes needs more than
// a 4 GB Neo4j heap, and Neo4j gives up (issue 14). It is still all or
// nothing for its caller:
//
//   - It holds the workspace's import lock from its first statement to its
//     last: the workspace's importing property names the import. Every
//     other write to the workspace finds it under the workspace's lock
//     (lockWorkspace) and is refused, as is a second import, so nothing
//     changes under the import between its transactions.
//   - Before a batch changes or removes a record that was there before the
//     import, it copies the record into an ImportUndo node of the import
//     (its before-image: every property, and a relationship's type and
//     ends), in the same transaction; the ids of what a batch creates go
//     into ImportUndo nodes too.
//   - On success, one last transaction writes the audit record, bumps the
//     version and clears the lock; the undo nodes are then deleted. On any
//     failure (a problem found late, a Neo4j error, a cancelled context)
//     the import is undone: what it created is deleted, every before-image
//     is written back (records it removed are created again, with the
//     same ids and properties), the version moves on once more, and the
//     lock is cleared (while the undo runs, the version is one of its
//     own: see undoer.takeOver). Undoing is idempotent, so that one that
//     stops half way can simply run again.
//   - An undo that cannot run (Neo4j went away), and an import whose
//     process died, leave the lock and the undo nodes: the workspace stays
//     locked against other writers until the undoer (importundo.go) has
//     undone it, in the background as soon as Neo4j answers again, or
//     once a dead process's import has not beaten its heart for
//     importStale (a live import beats every importBeat).
//
// Readers are not locked out: between an import's batches they see the
// part it has written so far. A version names one content of the
// workspace for good: versions only grow, and none is taken twice. Every
// batch bumps the version, into a range of its own (importVersionStride
// above both the version before the import and the highest version any
// import or undo of the workspace took, w.importTop); an undo takes one
// of its own while it runs and another when it ends, though the content
// is then as before the import. So nothing cached of a half-written or
// half-undone workspace (the analyses' projections, list totals), nor a
// read that began before the import and saw a batch of it, is ever taken
// for the workspace after.

const (
	// importBeat is how often a running import says it is alive.
	importBeat = 20 * time.Second
	// importStale is how long an import may go without a beat before it
	// is taken for dead and undone (importundo.go).
	importStale = 2 * time.Minute
	// importVersionStride lifts the version while an import runs, far
	// above the versions ordinary writes reach (they would take 2^32
	// writes to get there), and above every version an import took
	// before.
	importVersionStride = int64(1) << 32
	// undoBatch is how many undo records one inner transaction of an undo
	// or a clean-up handles.
	undoBatch = 5_000
)

// moveVersion moves the version of the workspace w (bound before it) by
// $step above every version it or any import or undo of it took, and
// notes that in w.importTop: the one rule by which versions only grow
// and none is taken twice (see above), for the import's start, its
// batches, and its undo's claim and end. Now that no undo sets the
// version back, w.version alone is the highest; importTop still keeps a
// new import above the versions of one that the previous release undid
// (its undo set the version back to importBase) during a rolling
// upgrade. Drop both, and this rule's max, a release later.
const moveVersion = `
WITH w, coalesce(w.version, 0) AS v, coalesce(w.importTop, 0) AS top
SET w.version = CASE WHEN top > v THEN top ELSE v END + $step
SET w.importTop = w.version`

// heldByMe keeps the workspace w (bound before it, with any other
// variables) only while store $me holds import $token on it, read once w
// is locked: a condition read before the lock could see the import as it
// was before a claim that held the lock meanwhile, and the statement
// would then write under the claimer.
const heldByMe = `
SET w.__lock = true REMOVE w.__lock
WITH * WHERE w.importing = $token AND w.importHolder = $me`

// beginImport takes workspace ws's import lock for the import token,
// undoing first an import that holds it and that nothing runs (see
// importundo.go), and drops the undo records that finished imports left
// behind. It refuses unless the workspace's version is base (-1: any):
// an import that read and checked in a transaction of its own moves to
// batches only if nothing has changed since.
func (s *Neo4j) beginImport(ctx context.Context, ws, token string, base int64) error {
	const op = "store.Import"
	for range 2 {
		other, err := writeTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (string, error) {
			recs, err := s.run(ctx, tx, `MATCH (w:Workspace {id: $id}) WHERE `+visibleWorkspace("w")+`
				SET w.__lock = true REMOVE w.__lock
				RETURN w.deleting AS deleting, w.importing AS importing, w.importHolder AS holder,
					timestamp() - coalesce(w.importBeat, 0) AS since, coalesce(w.version, 0) AS version`, map[string]any{"id": ws})
			if err != nil {
				return "", err
			}
			if len(recs) == 0 || value[bool](recs[0], "deleting") {
				return "", errs.NotFoundf("", "no workspace has id %q", ws)
			}
			if base >= 0 && value[string](recs[0], "importing") == "" && value[int64](recs[0], "version") != base {
				return "", errWorkspaceMoved
			}
			if other := value[string](recs[0], "importing"); other != "" {
				since := time.Duration(value[int64](recs[0], "since")) * time.Millisecond
				if !s.undo.undoable(value[string](recs[0], "holder"), other, since) {
					return "", errImportRunning
				}
				return other, nil
			}
			// importBase is read by no undo of this version, only by the
			// previous release's (which set the version back to it), so
			// that one still running beside this one (a rolling upgrade)
			// does not remove the version. Drop it a release later (see
			// moveVersion).
			_, err = s.run(ctx, tx, `MATCH (w:Workspace {id: $id})
				SET w.importing = $token, w.importHolder = $holder, w.importBeat = timestamp(), w.importBase = coalesce(w.version, 0)`+moveVersion,
				map[string]any{"id": ws, "token": token, "holder": s.undo.me, "step": importVersionStride})
			return "", err
		})
		if err != nil || other == "" {
			if err == nil {
				// Undo records of imports that finished but died before
				// deleting them are only garbage now.
				err = s.dropUndo(ctx, ws, "")
			}
			return err
		}
		if err := s.undo.undo(ctx, ws, other); err != nil {
			s.undo.kick() // the undoer finishes it
			return err
		}
	}
	return errs.Wrap(op, errImportRunning)
}

// errWorkspaceMoved refuses a large import whose workspace another write
// changed while the import moved to batches.
var errWorkspaceMoved = errs.E("", errs.Conflict, "the workspace changed while the import was being written (another write came first); nothing was written; try again")

// errImportRunning refuses an import into a workspace that another import
// holds, running or being undone.
var errImportRunning = errs.E("", errs.Conflict, "another import into this workspace is running, or being undone; try again when it has finished")

// heartbeat beats for the import, while this store holds it, until stop
// is closed.
func (s *Neo4j) heartbeat(ctx context.Context, ws, token string, stop <-chan struct{}) {
	t := time.NewTicker(importBeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = s.execWrite(ctx, "store.Import", func(tx neo4j.ManagedTransaction) error {
				_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id})"+heldByMe+" SET w.importBeat = timestamp()",
					map[string]any{"id": ws, "token": token, "me": s.undo.me})
				return err
			})
		}
	}
}

// lockImport locks the workspace for one batch of import token, and bumps
// its version (and importTop with it: see beginImport). It fails when the
// import no longer holds the workspace, or no longer as this store's: the
// workspace was deleted, or the import was taken for dead (after a long
// pause, or a batch longer than importStale) and another store claimed it
// to undo it, which this batch must not write under.
func (s *Neo4j) lockImport(ctx context.Context, tx neo4j.ManagedTransaction, ws, token string) error {
	recs, err := s.run(ctx, tx, `MATCH (w:Workspace {id: $id})`+heldByMe+` AND w.deleting IS NULL
		SET w.importBeat = timestamp()`+moveVersion+` RETURN w.id`,
		map[string]any{"id": ws, "token": token, "me": s.undo.me, "step": 1})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return errs.E("", errs.Conflict, "the import no longer holds its workspace: the workspace was deleted, or the import was taken for dead after a long pause and is being undone by another process of the service; nothing of it is kept")
	}
	return nil
}

// beatInTx says, as the last statement of an import's transaction, that
// the import is alive: the heartbeat waits for the workspace's lock,
// which the transaction holds, and lockImport's beat is as old as the
// transaction, so a batch longer than importStale would otherwise look
// dead to another process the moment it commits.
func (s *Neo4j) beatInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string) error {
	_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.importBeat = timestamp()", map[string]any{"id": ws})
	return err
}

// Before-images. MERGE on (token, key) keeps the first image of a record
// (the one from before the import) should a later batch touch it again.
var (
	imageSourcesCypher = `UNWIND $ids AS id MATCH (x:Source {id: id}) USING INDEX x:Source(id) WHERE x.workspaceId = $ws
		MERGE (u:ImportUndo {__token: $token, __key: id}) ON CREATE SET u += properties(x), u.__ws = $ws, u.__kind = 'source'`
	imageActorsCypher = `UNWIND $ids AS id MATCH (x:Actor {id: id}) USING INDEX x:Actor(id) WHERE x.workspaceId = $ws
		MERGE (u:ImportUndo {__token: $token, __key: id}) ON CREATE SET u += properties(x), u.__ws = $ws, u.__kind = 'actor'`
	imageRelsOfCypher = `UNWIND $ids AS id MATCH (x:Actor {id: id})-[r]-() USING INDEX x:Actor(id) WHERE x.workspaceId = $ws WITH DISTINCT r
		MERGE (u:ImportUndo {__token: $token, __key: r.id}) ON CREATE SET u += properties(r), u.__ws = $ws, u.__kind = 'relationship',
			u.__type = type(r), u.__from = startNode(r).id, u.__to = endNode(r).id`
	imageCitingActorsCypher = `MATCH (x:Actor {workspaceId: $ws}) WHERE any(s IN x.sourceIds WHERE s IN $ids)
		MERGE (u:ImportUndo {__token: $token, __key: x.id}) ON CREATE SET u += properties(x), u.__ws = $ws, u.__kind = 'actor'`
)

// imageRelsCypher copies the relationships of type t (one of relTypes)
// that match (a statement binding a, r and b, with %s for the type).
func imageRelsCypher(t domain.RelationshipType, match string) string {
	return fmt.Sprintf(`%s
		MERGE (u:ImportUndo {__token: $token, __key: r.id}) ON CREATE SET u += properties(r), u.__ws = $ws, u.__kind = 'relationship',
			u.__type = '%s', u.__from = a.id, u.__to = b.id`, fmt.Sprintf(match, t), t)
}

// stageUndo records, in the batch's transaction and before it writes, how
// to undo ch: the ids it creates, and before-images of what it changes or
// removes (including what a removed actor takes with it, and the records
// that stop citing a removed source).
func (s *Neo4j) stageUndo(ctx context.Context, tx neo4j.ManagedTransaction, ws, token string, ch *domain.Changes) error {
	p := func(ids []string) map[string]any { return map[string]any{"ws": ws, "token": token, "ids": ids} }
	created := func(label string, ids []string) error {
		for start := 0; start < len(ids); start += importBatch {
			if _, err := s.run(ctx, tx, "CREATE (u:ImportUndo {__token: $token, __ws: $ws, __kind: 'created', __label: $label, __ids: $ids})",
				map[string]any{"ws": ws, "token": token, "label": label, "ids": ids[start:min(start+importBatch, len(ids))]}); err != nil {
				return err
			}
		}
		return nil
	}
	steps := []struct {
		cypher string
		ids    []string
	}{
		{imageSourcesCypher, append(ids(ch.UpdateSources, func(x *domain.Source) string { return x.ID }), ch.RemoveSources...)},
		{imageActorsCypher, append(ids(ch.UpdateActors, func(x *domain.Actor) string { return x.ID }), ch.RemoveActors...)},
		{imageRelsOfCypher, ch.RemoveActors},
	}
	if len(ch.RemoveSources) > 0 {
		steps = append(steps, struct {
			cypher string
			ids    []string
		}{imageCitingActorsCypher, ch.RemoveSources})
	}
	for _, st := range steps {
		for start := 0; start < len(st.ids); start += importBatch {
			if _, err := s.run(ctx, tx, st.cypher, p(st.ids[start:min(start+importBatch, len(st.ids))])); err != nil {
				return err
			}
		}
	}
	relID := func(r *domain.Relationship) string { return r.ID }
	for _, t := range relTypes {
		touched := append(ids(ofType(ch.UpdateRelationships, t), relID), ids(ofType(ch.RemoveRelationships, t), relID)...)
		for start := 0; start < len(touched); start += importBatch {
			if _, err := s.run(ctx, tx, imageRelsCypher(t, "UNWIND $ids AS id MATCH (a)-[r:%[1]s]->(b) USING INDEX r:%[1]s(id) WHERE r.id = id AND r.workspaceId = $ws"),
				p(touched[start:min(start+importBatch, len(touched))])); err != nil {
				return err
			}
		}
		if len(ch.RemoveSources) > 0 {
			if _, err := s.run(ctx, tx, imageRelsCypher(t, "MATCH (a)-[r:%s]->(b) WHERE r.workspaceId = $ws AND any(s IN r.sourceIds WHERE s IN $ids)"),
				p(ch.RemoveSources)); err != nil {
				return err
			}
		}
		if err := created(string(t), ids(ofType(ch.CreateRelationships, t), relID)); err != nil {
			return err
		}
	}
	if err := created("Actor", ids(ch.CreateActors, func(x *domain.Actor) string { return x.ID })); err != nil {
		return err
	}
	return created("Source", ids(ch.CreateSources, func(x *domain.Source) string { return x.ID }))
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// dropUndo deletes the undo records of import token on ws, or (token "")
// of every import of ws but the one holding it.
func (s *Neo4j) dropUndo(ctx context.Context, ws, token string) error {
	cypher := `MATCH (w:Workspace {id: $ws}) MATCH (u:ImportUndo) WHERE u.__ws = $ws AND
		CASE WHEN $token = '' THEN u.__token <> coalesce(w.importing, '') ELSE u.__token = $token END
		CALL (u) { DELETE u } IN TRANSACTIONS OF ` + fmt.Sprint(undoBatch) + " ROWS"
	_, err := s.autoCommit(context.WithoutCancel(ctx), "store.Import", cypher, map[string]any{"ws": ws, "token": token})
	return s.mapErr("store.Import", err)
}

// newImportToken names one import.
func newImportToken() string { return "imp_" + uuid.Must(uuid.NewV7()).String() }
