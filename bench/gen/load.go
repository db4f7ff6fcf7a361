package gen

import (
	"context"
	"fmt"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
)

// loadChunk is how many records one import transaction writes: small
// enough for a 2 GB Neo4j heap, large enough that the batches (UNWIND of
// 10,000 rows) stay full.
const loadChunk = 50_000

// Load writes the map into workspace ws through the store's import path
// (store.Import and its Apply, which the import command uses too), a
// transaction per chunk. The map is new and consistent, so it skips the
// import's planning against the workspace's contents, which is what makes
// large imports slow (see issue 14): loading is the benchmark's setup,
// not what it measures.
func Load(ctx context.Context, st *store.Neo4j, ws string, m *Map, logf func(string, ...any)) error {
	start := time.Now()
	apply := func(ch *domain.Changes) error {
		return st.Import(ctx, ws, true, func(ctx context.Context, tx domain.ImportTx) error {
			return tx.Apply(ctx, ch)
		})
	}
	for i := 0; i < len(m.Actors); i += loadChunk {
		if err := apply(&domain.Changes{CreateActors: m.Actors[i:min(i+loadChunk, len(m.Actors))]}); err != nil {
			return fmt.Errorf("loading actors: %w", err)
		}
	}
	for i := 0; i < len(m.Relationships); i += loadChunk {
		if err := apply(&domain.Changes{CreateRelationships: m.Relationships[i:min(i+loadChunk, len(m.Relationships))]}); err != nil {
			return fmt.Errorf("loading relationships: %w", err)
		}
		logf("  %d of %d relationships loaded (%s)", min(i+loadChunk, len(m.Relationships)), len(m.Relationships), time.Since(start).Round(time.Second))
	}
	return nil
}
