package store

import (
	"context"
	"maps"
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

// smallCache holds recent values (counts). It is small and forgets
// everything when full: stale entries (older versions) are never read
// again anyway.
type smallCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

const maxCachedCounts = 10_000

func (c *smallCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// put stores v under k, unless stay (when given) says the value already
// there should stay.
func (c *smallCache[K, V]) put(k K, v V, stay func(old V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCounts {
		c.m = map[K]V{}
	}
	if old, ok := c.m[k]; ok && stay != nil && stay(old) {
		return
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
			s.counts.put(keys[id], c, nil)
		}
		return out, nil
	})
}

// List totals, cached. A list's totalCount counts every record its filter
// matches, which costs time in proportion to the workspace; a page itself
// reads only the records it returns. The list statements read the
// workspace's version first, and the total of a (workspace, view, list,
// filter) is cached under the version it was counted at: a later page at
// the same version sends the statement with $count false and takes the
// cached total, so that paging on costs the page alone.
//
// The version is read before the records in the same statement: a write
// that commits while the statement counts has already bumped the version,
// so a total that saw part of it is cached under a version that no
// reader who starts later asks for.

// listCountKey is one list's filter, in one workspace, as one clearance
// sees it. filter is the filter's values printed with %#v (Go syntax,
// which keeps the string "12" apart from the number 12); the cursor is not
// part of it.
type listCountKey struct {
	ws, view, list, filter string
}

// listCount is a list's total at a workspace version.
type listCount struct {
	version, total int64
}

// readCountedList runs cypher, a list statement that returns one record of
// version (the workspace's), total (the count, when $count is true) and
// rows, and returns that record and the list's total (0 when count is
// false). key names the list for the cache of totals.
func (s *Neo4j) readCountedList(ctx context.Context, op string, key listCountKey, count bool, cypher string, params map[string]any) (*neo4j.Record, int, error) {
	key.view = domain.CallerFrom(ctx).View(key.ws)
	cached, known := s.listCounts.get(key)
	// Count in the page's statement when the cache has no total for this
	// list; else count only when the version has moved on since. Each
	// statement reads the page and its version together, in an
	// auto-commit transaction of its own (readRecords).
	countNow := count && !known
	for {
		p := maps.Clone(params)
		p["count"] = countNow
		recs, err := s.readRecords(ctx, op, cypher, p)
		if err != nil || len(recs) == 0 {
			return nil, 0, err
		}
		rec := recs[0]
		version := value[int64](rec, "version")
		switch {
		case !count:
			return rec, 0, nil
		case countNow:
			total := value[int64](rec, "total")
			// The latest version of each key is kept: older ones are
			// never asked for again.
			s.listCounts.put(key, listCount{version: version, total: total}, func(old listCount) bool { return old.version > version })
			return rec, int(total), nil
		case cached.version == version:
			return rec, int(cached.total), nil
		}
		countNow = true // the workspace changed since the cached count
	}
}
