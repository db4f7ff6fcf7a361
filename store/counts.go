package store

import (
	"context"
	"sync"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
)

// Workspace counts, cached. Counting what a caller may see tests every
// record (and both ends of every relationship) against its grant, which
// costs time in proportion to the workspace. The counts only change when
// the workspace does, and every write bumps its version (see lock.go), so
// they are cached per workspace, version and view (the visible levels, and
// whether the caller is an admin): a repeated count costs one small query
// for the versions.

// countKey is one workspace at one version, as one clearance sees it.
type countKey struct {
	ws      string
	version int64
	view    string // domain.Caller.View
}

// countCache holds recent counts. It is small and forgets everything when
// full: stale entries (older versions) are never read again anyway.
type countCache struct {
	mu sync.Mutex
	m  map[countKey]Counts
}

const maxCachedCounts = 10_000

func (c *countCache) get(k countKey) (Counts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *countCache) put(k countKey, v Counts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCounts {
		c.m = map[countKey]Counts{}
	}
	c.m[k] = v
}

var workspaceVersionsCypher = `UNWIND $ids AS wid
MATCH (w:Workspace {id: wid}) WHERE w.deleting IS NULL AND ` + visibleWorkspace("w") + `
RETURN wid AS id, coalesce(w.version, 0) AS v`

// WorkspaceCounts counts the actors and relationships each caller sees in
// each workspace among ids (absent ids, and workspaces the caller is no
// member of, have no entry). The versions and the counts of the
// workspaces not in the cache are read in one read transaction.
func (s *Neo4j) WorkspaceCounts(ctx context.Context, ids []string) (map[string]Counts, error) {
	return readTx(ctx, s, "store.WorkspaceCounts", func(tx neo4j.ManagedTransaction) (map[string]Counts, error) {
		recs, err := s.run(ctx, tx, workspaceVersionsCypher, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		out := make(map[string]Counts, len(recs))
		keys := map[string]countKey{}
		var missing []string
		for _, r := range recs {
			id := value[string](r, "id")
			k := countKey{ws: id, version: value[int64](r, "v"), view: domain.CallerFrom(ctx).View(id)}
			if c, ok := s.counts.get(k); ok {
				out[id] = c
				continue
			}
			keys[id] = k
			missing = append(missing, id)
		}
		if len(missing) == 0 {
			return out, nil
		}
		recs, err = s.run(ctx, tx, workspaceCountsCypher, map[string]any{"ids": missing})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			id := value[string](r, "id")
			c := Counts{Actors: int(value[int64](r, "actors")), Relationships: int(value[int64](r, "rels"))}
			out[id] = c
			s.counts.put(keys[id], c)
		}
		return out, nil
	})
}
