package store

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// DieMidImport begins an import into ws, commits ch as its first batch
// and stops there, as a killed process would; its heart stopped beating
// long ago. Test-only.
func (s *Neo4j) DieMidImport(ctx context.Context, ws string, ch *domain.Changes) error {
	token := newImportToken()
	if err := s.beginImport(ctx, ws, token); err != nil {
		return err
	}
	tx := &importTx{s: s, ws: ws, token: token, written: &auditedIDs{}}
	if err := tx.Apply(ctx, ch); err != nil {
		return err
	}
	return s.execWrite(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		_, err := s.run(ctx, tx, "MATCH (w:Workspace {id: $id}) SET w.importBeat = 0", map[string]any{"id": ws})
		return err
	})
}
