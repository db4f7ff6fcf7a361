package store

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// importBatch is how many rows one UNWIND statement of an import takes.
const importBatch = 10_000

// Contents reads everything a workspace holds, in one read transaction:
// what an export writes.
func (s *Neo4j) Contents(ctx context.Context, ws string) (*domain.Contents, error) {
	c, err := readTx(ctx, s, "store.Contents", func(tx neo4j.ManagedTransaction) (*domain.Contents, error) {
		return s.contentsInTx(ctx, tx, ws)
	})
	if err != nil {
		return nil, err
	}
	noteSources(ctx, c.Sources)
	noteActors(ctx, c.Actors)
	noteRelationships(ctx, c.Relationships)
	return c, nil
}

func (s *Neo4j) contentsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string) (*domain.Contents, error) {
	version, err := s.workspaceVersionInTx(ctx, tx, ws)
	if err != nil {
		return nil, err
	}
	c := &domain.Contents{Version: version}
	recs, err := s.run(ctx, tx, "MATCH (x:Source) WHERE x.workspaceId = $ws AND "+visible("x")+" RETURN x ORDER BY x.id", map[string]any{"ws": ws})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		c.Sources = append(c.Sources, decodeSource(nodeProps(r, "x")))
	}
	if c.Actors, err = s.workspaceActorsInTx(ctx, tx, ws); err != nil {
		return nil, err
	}
	c.Relationships, err = s.workspaceRelationshipsInTx(ctx, tx, ws, allRelsCypher)
	return c, err
}

// Import runs fn in one transaction on workspace ws: all that fn writes
// is committed when it returns nil, and none of it when it returns an
// error (which Import returns), when Neo4j goes away or when ctx ends. A
// write import locks the workspace first, so that nothing changes under
// it while it reads, checks and writes; a dry run (write false) reads in
// a read transaction and may not write. The transaction is never retried:
// fn reads the import's files as it goes.
func (s *Neo4j) Import(ctx context.Context, ws string, write bool, fn func(ctx context.Context, tx domain.ImportTx) error) error {
	const op = "store.Import"
	mode := neo4j.AccessModeRead
	if write {
		mode = neo4j.AccessModeWrite
	}
	sess := s.session(ctx, mode)
	defer sess.Close(context.WithoutCancel(ctx))
	tx, err := sess.BeginTransaction(ctx, txTimeout(ctx)...)
	if err != nil {
		return s.mapErr(op, err)
	}
	defer tx.Close(context.WithoutCancel(ctx))         // rolls back unless committed
	otx := &opTx{ManagedTransaction: tx, op: op, n: 1} // names the import in run's log
	if write {
		if err := s.lockWorkspace(ctx, otx, ws); err != nil {
			return s.mapErr(op, err, otx.failedStatement()...)
		}
	}
	itx := &importTx{s: s, tx: otx, ws: ws, write: write, written: &auditedIDs{}}
	if err := fn(ctx, itx); err != nil {
		return err
	}
	if !write {
		return nil
	}
	if itx.written.count > 0 {
		if _, err := s.run(ctx, otx, createAudit, map[string]any{"props": auditProps(itx.written.record(ctx, ws, "importActorMap"))}); err != nil {
			return s.mapErr(op, err, otx.failedStatement()...)
		}
	}
	return s.mapErr(op, tx.Commit(ctx))
}

// importTx is an import's view of its transaction.
type importTx struct {
	s       *Neo4j
	tx      *opTx // the import's explicit transaction
	ws      string
	write   bool
	written *auditedIDs // what the import wrote, for its audit record
}

func (t *importTx) Contents(ctx context.Context) (*domain.Contents, error) {
	c, err := t.s.contentsInTx(ctx, t.tx, t.ws)
	if err != nil {
		return nil, t.s.mapErr("store.Import", err, t.tx.failedStatement()...)
	}
	// An import's report can name what it matched or would remove, so its
	// read of confidential records is audited like any other.
	noteSources(ctx, c.Sources)
	noteActors(ctx, c.Actors)
	noteRelationships(ctx, c.Relationships)
	return c, nil
}

func (t *importTx) Apply(ctx context.Context, ch *domain.Changes) error {
	if !t.write {
		return &errs.Error{Op: "store.Import", Kind: errs.Internal, Msg: "a dry run tried to write"}
	}
	t.written.addChanges(ch)
	stampTimes(ch, now())
	return t.s.mapErr("store.Import", t.s.applyInTx(ctx, t.tx, t.ws, ch), t.tx.failedStatement()...)
}

// stampTimes gives what an import creates its createdAt and what it
// creates or updates its updatedAt, as the store's own writes do (the
// planner keeps an updated record's createdAt).
func stampTimes(ch *domain.Changes, t time.Time) {
	for _, x := range ch.CreateSources {
		x.CreatedAt, x.UpdatedAt = t, t
	}
	for _, x := range ch.UpdateSources {
		x.UpdatedAt = t
	}
	for _, a := range ch.CreateActors {
		a.CreatedAt, a.UpdatedAt = t, t
	}
	for _, a := range ch.UpdateActors {
		a.UpdatedAt = t
	}
	for _, r := range ch.CreateRelationships {
		r.CreatedAt, r.UpdatedAt = t, t
	}
	for _, r := range ch.UpdateRelationships {
		r.UpdatedAt = t
	}
}

// applyInTx writes changes in tx. Rows go in with UNWIND, a statement per
// kind of change (and per relationship type, which Cypher cannot take as
// a parameter).
func (s *Neo4j) applyInTx(ctx context.Context, tx neo4j.ManagedTransaction, ws string, ch *domain.Changes) error {
	// Every statement names the id index it must use: planned once for
	// the whole batch, with $ws known and row.id not, Neo4j otherwise
	// picks the workspace index and filters every actor of the
	// workspace for every row, which is quadratic in the import's size.
	//
	// Large imports go in batches of statements, all in this one
	// transaction, so that no single parameter list is huge and the
	// all-or-nothing guarantee still holds.
	runBatches := func(cypher string, rows rowSource) (int64, error) {
		var n int64
		for start := 0; start < rows.n; start += importBatch {
			batch := make([]map[string]any, 0, min(importBatch, rows.n-start))
			for i := start; i < start+cap(batch); i++ {
				batch = append(batch, rows.row(i))
			}
			params := map[string]any{"rows": batch, "ws": ws}
			recs, err := s.run(ctx, tx, cypher, params)
			// The driver keeps every statement's parameters until its
			// transaction ends; emptying the map lets this batch's rows go,
			// so that a long import's memory does not grow with its rows.
			clear(params)
			if err != nil {
				return n, err
			}
			if len(recs) == 1 {
				c, _ := recs[0].Get("n")
				v, _ := c.(int64)
				n += v
			}
		}
		return n, nil
	}
	run := func(cypher string, rows rowSource) error {
		_, err := runBatches(cypher, rows)
		return err
	}
	steps := []struct {
		cypher string
		rows   rowSource
	}{
		{"UNWIND $rows AS row MATCH (a:Actor {id: row.id}) USING INDEX a:Actor(id) WHERE a.workspaceId = $ws DETACH DELETE a", rowsOf(ch.RemoveActors, idRow)},
		{"UNWIND $rows AS row MATCH (x:Source {id: row.id}) USING INDEX x:Source(id) WHERE x.workspaceId = $ws DELETE x", rowsOf(ch.RemoveSources, idRow)},
		{"UNWIND $rows AS row CREATE (x:Source) SET x = row", rowsOf(ch.CreateSources, sourceProps)},
		{"UNWIND $rows AS row MATCH (x:Source {id: row.id}) USING INDEX x:Source(id) WHERE x.workspaceId = $ws SET x = row", rowsOf(ch.UpdateSources, sourceProps)},
		{"UNWIND $rows AS row CREATE (a:Actor) SET a = row", rowsOf(ch.CreateActors, actorProps)},
		{"UNWIND $rows AS row MATCH (a:Actor {id: row.id}) USING INDEX a:Actor(id) WHERE a.workspaceId = $ws SET a = row", rowsOf(ch.UpdateActors, actorProps)},
	}
	for _, t := range relTypes {
		if err := run(fmt.Sprintf("UNWIND $rows AS row MATCH ()-[r:%s]->() USING INDEX r:%s(id) WHERE r.id = row.id AND r.workspaceId = $ws DELETE r", t, t),
			rowsOf(ofType(ch.RemoveRelationships, t), func(r *domain.Relationship) map[string]any { return idRow(r.ID) })); err != nil {
			return err
		}
	}
	for _, st := range steps {
		if err := run(st.cypher, st.rows); err != nil {
			return err
		}
	}
	for _, t := range relTypes {
		creates, updates := ofType(ch.CreateRelationships, t), ofType(ch.UpdateRelationships, t)
		// t is one of relTypes, never client text. Every row must
		// write: one that finds no ends (or no relationship) means the
		// plan and the workspace disagree, and the whole import fails.
		created, err := runBatches(fmt.Sprintf(`UNWIND $rows AS row MATCH (a:Actor {id: row.from}), (b:Actor {id: row.to})
			USING INDEX a:Actor(id) USING INDEX b:Actor(id) WHERE a.workspaceId = $ws AND b.workspaceId = $ws
			CREATE (a)-[r:%s]->(b) SET r = row.props RETURN count(r) AS n`, t),
			rowsOf(creates, func(r *domain.Relationship) map[string]any {
				return map[string]any{"from": r.FromID, "to": r.ToID, "props": relationshipProps(r)}
			}))
		if err != nil {
			return err
		}
		updated, err := runBatches(fmt.Sprintf("UNWIND $rows AS row MATCH ()-[r:%s]->() USING INDEX r:%s(id) WHERE r.id = row.id SET r = row.props RETURN count(r) AS n", t, t),
			rowsOf(updates, func(r *domain.Relationship) map[string]any {
				return map[string]any{"id": r.ID, "props": relationshipProps(r)}
			}))
		if err != nil {
			return err
		}
		if created != int64(len(creates)) || updated != int64(len(updates)) {
			return &errs.Error{Kind: errs.Conflict,
				Msg: "the import's relationships no longer match the workspace's actors; nothing was written, run the import again"}
		}
	}
	// Removed sources leave no dangling citations (as DeleteSource).
	if len(ch.RemoveSources) > 0 {
		return s.unciteInTx(ctx, tx, ws, ch.RemoveSources)
	}
	return nil
}

// rowSource gives a statement's rows one at a time, so that a batch's
// parameter maps exist only while the batch is sent (a million
// relationships' maps at once would take gigabytes).
type rowSource struct {
	n   int
	row func(i int) map[string]any
}

func rowsOf[T any](items []T, props func(T) map[string]any) rowSource {
	return rowSource{len(items), func(i int) map[string]any { return props(items[i]) }}
}

func idRow(id string) map[string]any { return map[string]any{"id": id} }

// ofType picks the relationships of one type.
func ofType(rs []*domain.Relationship, t domain.RelationshipType) []*domain.Relationship {
	var out []*domain.Relationship
	for _, r := range rs {
		if r.Type == t {
			out = append(out, r)
		}
	}
	return out
}
