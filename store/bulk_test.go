package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// BulkBaseline writes actors and relationships with Neo4j's own bulk path:
// batched UNWIND statements, each batch its own transaction, no checks
// and no planning. It is the limit an import can approach (an import
// also validates, compares with what is stored, and writes all or
// nothing), for the import benchmark to report beside it. Test-only.
func (s *Neo4j) BulkBaseline(ctx context.Context, actors []*domain.Actor, rels []*domain.Relationship) error {
	write := func(cypher string, rows []map[string]any) error {
		for len(rows) > 0 {
			n := min(len(rows), importBatch)
			batch := rows[:n]
			if err := s.execWrite(ctx, "store.BulkBaseline", func(tx neo4j.ManagedTransaction) error {
				_, err := s.run(ctx, tx, cypher, map[string]any{"rows": batch})
				return err
			}); err != nil {
				return err
			}
			rows = rows[n:]
		}
		return nil
	}
	rows := make([]map[string]any, len(actors))
	for i, a := range actors {
		rows[i] = actorProps(a)
	}
	if err := write("UNWIND $rows AS row CREATE (a:Actor) SET a = row", rows); err != nil {
		return err
	}
	for _, t := range relTypes {
		var rows []map[string]any
		for _, r := range rels {
			if r.Type == t {
				rows = append(rows, map[string]any{"from": r.FromID, "to": r.ToID, "props": relationshipProps(r)})
			}
		}
		if err := write(fmt.Sprintf(`UNWIND $rows AS row MATCH (a:Actor {id: row.from}), (b:Actor {id: row.to})
			CREATE (a)-[r:%s]->(b) SET r = row.props`, t), rows); err != nil {
			return err
		}
	}
	return nil
}

// SlowRead runs a read that takes far longer than any request may
// (counting to two billion), for the transaction-timeout test. Test-only.
func (s *Neo4j) SlowRead(ctx context.Context) error {
	_, err := s.readRecords(ctx, "store.SlowRead", "UNWIND range(1, 2000000000) AS x RETURN count(x) AS n", nil)
	return err
}
