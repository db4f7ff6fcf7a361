package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// CreateActor adds an actor to a workspace.
func (s *Neo4j) CreateActor(ctx context.Context, workspaceID string, in domain.ActorInput) (*domain.Actor, error) {
	const op = "store.CreateActor"
	a, err := domain.NewActor(workspaceID, in)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	t := now()
	a.ID, a.CreatedAt, a.UpdatedAt = domain.NewID(domain.PrefixActor), t, t
	if len(a.SourceIDs) == 0 && a.ExternalID == nil {
		// Nothing to check under the lock: written with the other
		// creations of the workspace that wait for it (groupcommit.go).
		if err := s.createPlainActor(ctx, workspaceID, a); err != nil {
			return nil, err
		}
		return a, nil
	}
	const create = "CREATE (a:Actor) SET a = $props"
	err = s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		if err := s.lockWorkspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		if err := s.checkSources(ctx, tx, workspaceID, a.SourceIDs); err != nil {
			return err
		}
		if err := s.checkActorExternalID(ctx, tx, a); err != nil {
			return err
		}
		if _, err := s.run(ctx, tx, create, map[string]any{"props": actorProps(a)}); err != nil {
			return err
		}
		noteWritten(tx, a)
		return s.auditWrite(ctx, tx, workspaceID, "createActor", []string{a.ID})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// checkActorExternalID checks that an actor's externalId is free.
func (s *Neo4j) checkActorExternalID(ctx context.Context, tx neo4j.ManagedTransaction, a *domain.Actor) error {
	if a.ExternalID == nil {
		return nil
	}
	recs, err := s.run(ctx, tx, "MATCH (o:Actor {workspaceId: $ws, externalId: $ext}) WHERE o.id <> $id RETURN o.id AS id LIMIT 1",
		map[string]any{"ws": a.WorkspaceID, "ext": *a.ExternalID, "id": a.ID})
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		return &errs.Error{Kind: errs.Conflict, Field: "externalId",
			Msg: fmt.Sprintf("externalId %q is already used by another actor in this workspace", *a.ExternalID)}
	}
	return nil
}

// checkSources checks that every id names a source of the workspace that
// the caller sees: a hidden source answers as an unknown one.
func (s *Neo4j) checkSources(ctx context.Context, tx neo4j.ManagedTransaction, ws string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	recs, err := s.run(ctx, tx, "UNWIND $ids AS id OPTIONAL MATCH (x:Source {id: id}) WHERE "+visible("x")+" RETURN id, x.workspaceId AS ws",
		map[string]any{"ids": ids})
	if err != nil {
		return err
	}
	for _, r := range recs {
		id, got := value[string](r, "id"), value[string](r, "ws")
		switch {
		case got == "":
			return &errs.Error{Kind: errs.NotFound, Field: "sourceIds", Msg: fmt.Sprintf("sourceIds: no source has id %q", id)}
		case got != ws:
			return errs.Invalidf("", "sourceIds", "sourceIds: source %q belongs to another workspace", id)
		}
	}
	return nil
}

var actorsByIDCypher = "UNWIND $ids AS id MATCH (a:Actor {id: id}) WHERE " + visible("a") + " RETURN a"

func (s *Neo4j) actorsByIDsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) ([]*domain.Actor, error) {
	recs, err := s.run(ctx, tx, actorsByIDCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "a", decodeActor), nil
}

func findActor(as []*domain.Actor, id string) *domain.Actor {
	for _, a := range as {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// ActorsByIDs returns the actors that exist among ids.
func (s *Neo4j) ActorsByIDs(ctx context.Context, ids []string) ([]*domain.Actor, error) {
	recs, err := s.readRecords(ctx, "store.ActorsByIDs", actorsByIDCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	as := nodesOf(recs, "a", decodeActor)
	noteActors(ctx, as)
	return as, nil
}

// UpdateActor changes an actor's fields.
func (s *Neo4j) UpdateActor(ctx context.Context, id string, p domain.ActorPatch) (*domain.Actor, error) {
	return updateRecord(ctx, s, id, recordUpdate[domain.Actor]{
		op: "store.UpdateActor", audited: "updateActor",
		lock: s.lockActor, apply: p.Apply,
		check: func(ctx context.Context, tx neo4j.ManagedTransaction, cur, next *domain.Actor) error {
			var err error
			if next.SourceIDs, err = s.citeOnUpdate(ctx, tx, cur.WorkspaceID, cur.SourceIDs, next.SourceIDs, p.SourceIDs.Set); err != nil {
				return err
			}
			return s.checkActorExternalID(ctx, tx, next)
		},
		set: func(next *domain.Actor) (string, map[string]any) {
			return "MATCH (a:Actor {id: $id}) SET a = $props", actorProps(next)
		},
		updatedAt: func(a *domain.Actor) *time.Time { return &a.UpdatedAt },
		workspace: func(a *domain.Actor) string { return a.WorkspaceID },
	})
}

// DeleteActor deletes an actor and all its relationships.
func (s *Neo4j) DeleteActor(ctx context.Context, id string) (*domain.DeleteResult, error) {
	const op = "store.DeleteActor"
	rels, err := writeTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (int, error) {
		cur, err := s.lockActor(ctx, tx, id)
		if err != nil {
			return 0, err
		}
		if err := s.auditWrite(ctx, tx, cur.WorkspaceID, "deleteActor", []string{id}); err != nil {
			return 0, err
		}
		recs, err := s.run(ctx, tx, `MATCH (a:Actor {id: $id})
			CALL (a) { MATCH (a)-[r]-(b) WHERE `+visible("r")+` AND `+visible("b")+` RETURN count(r) AS rels }
			DETACH DELETE a RETURN rels`, map[string]any{"id": id})
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 {
			return 0, errs.NotFoundf("", "no actor has id %q", id)
		}
		noteDeletedActor(tx, id)
		return int(value[int64](recs[0], "rels")), nil
	})
	if err != nil {
		return nil, err
	}
	return &domain.DeleteResult{ID: id, ActorsDeleted: 1, RelationshipsDeleted: rels}, nil
}

// actorOrder describes one ordering of actor lists: the property it sorts
// on, how a cursor's key is turned back into a value, and its cursor tag.
type actorOrder struct {
	prop   string
	desc   bool
	tag    string
	keyOf  func(*domain.Actor) string
	keyArg func(string) (any, error)
}

// actorSeek is the index a page of actors seeks.
type actorSeek int

const (
	// seekOrder: the (workspaceId, key, id) index of the page's order.
	seekOrder actorSeek = iota
	// seekRegion: the (workspaceId, region, name, id) index, for a list of
	// one region's actors by name (a map's regions, listed one by one, are
	// the usual way through a large map). The order's index would read the
	// workspace's actors in name order until a page of the region's had
	// come by, about half the workspace for a page of half a region:
	// 50,000 index entries and as many regions read for the 50 actors of
	// a region of 100 in a map of 100,000 (docs/performance.md).
	seekRegion
	// seekExternalID: the (workspaceId, externalId) index, for the one
	// actor of an external id. The order's index would read the whole
	// workspace looking for a second that cannot be there.
	seekExternalID
)

// actorSeekOf is the index a page in order ord of actors filtered by f
// seeks.
func actorSeekOf(ord actorOrder, f domain.ActorFilter) actorSeek {
	switch {
	case f.ExternalID != nil:
		return seekExternalID
	case ord.prop == "name" && f.Region != nil:
		return seekRegion
	}
	return seekOrder
}

func actorOrderOf(o domain.ActorOrder) actorOrder {
	desc := o.Direction == domain.Desc
	if o.Field == domain.OrderByCreatedAt {
		return actorOrder{prop: "createdAt", desc: desc, tag: "actor:created:" + string(o.Direction),
			keyOf: func(a *domain.Actor) string { return a.CreatedAt.Format(time.RFC3339Nano) },
			keyArg: func(k string) (any, error) {
				return time.Parse(time.RFC3339Nano, k)
			}}
	}
	return actorOrder{prop: "name", desc: desc, tag: "actor:name:" + string(o.Direction),
		keyOf:  func(a *domain.Actor) string { return a.Name },
		keyArg: func(k string) (any, error) { return k, nil }}
}

// actorFilterCond is the condition of an actor filter, and
// actorQueryParam the values it tests: one text for every filter, with
// the values in one map parameter, $q, for the reasons relFilterCond
// gives.
var actorFilterCond = "a.workspaceId = $ws AND " + visible("a") + `
  AND ($q.kinds IS NULL OR a.kind IN $q.kinds)
  AND ($q.region IS NULL OR a.region = $q.region)
  AND ($q.tags IS NULL OR all(t IN $q.tags WHERE t IN a.tags))
  AND ($q.frameworks IS NULL OR any(f IN $q.frameworks WHERE f IN a.frameworks))
  AND ($q.search IS NULL OR toLower(a.name) CONTAINS toLower($q.search))
  AND ($q.externalId IS NULL OR a.externalId = $q.externalId)
  AND ` + customFilterCond("a")

// actorQueryParam is $q for filter f.
func actorQueryParam(f domain.ActorFilter) map[string]any {
	var kinds, tags, search any // null: the filter does not test this
	if len(f.Kinds) > 0 {
		// Each kind once: a list that repeats them would cost its length
		// in comparisons on every actor.
		var ks []string
		for _, k := range f.Kinds {
			if !slices.Contains(ks, string(k)) {
				ks = append(ks, string(k))
			}
		}
		kinds = ks
	}
	if len(f.Tags) > 0 {
		tags = f.Tags
	}
	if f.Search != nil && strings.TrimSpace(*f.Search) != "" {
		search = strings.TrimSpace(*f.Search)
	}
	return map[string]any{"kinds": kinds, "region": optVal(f.Region), "tags": tags, "search": search,
		"frameworks": frameworksParam(f.Frameworks),
		"externalId": trimmedOpt(f.ExternalID), "custom": customFilterParam(f.CustomAttributes)}
}

// trimmedOpt is *s without its surrounding spaces, or nil: an external id
// is stored trimmed (domain.Actor.Validate), so that is how it is looked
// up.
func trimmedOpt(s *string) any {
	if s == nil {
		return nil
	}
	return strings.TrimSpace(*s)
}

// actorListCypher is the statement of a page of actors in order ord,
// after a cursor or not, seeking by: one of twenty fixed texts (two sort
// keys, two directions, first page or not; a region's by name, two
// directions, first page or not; an external id's, in every order, first
// page or not), each planned once.
//
// The page seeks the (workspaceId, key, id) index, which holds a
// workspace's actors in the page's order, and tests the filter (clearance
// included) on the entries it reads; since the index gives them in the
// order asked for, the seek stops once it has $limit of them. (The order
// names workspaceId, one value here, because Neo4j only takes an index's
// order for an ORDER BY that starts with the index's first property.)
// After a cursor, two such seeks each read at most a page: the actors of
// the cursor's key past its id, and the actors past its key; the page is
// the first $limit of the two. A deep page thus reads what the first
// does, however many actors share a key (an import gives all its actors
// one createdAt). The cursor condition written as one OR of two ranges
// was planned as two unbounded seeks whose union was sorted whole: every
// actor after the cursor, on each page. The index is a hint, so that no
// first caller's filter can have the statement planned on another index
// for everyone; and a hint to seek, not only to use the index: on a
// database with few actors (a new one, where the statistics say a scan
// costs no more) Neo4j planned the seek after a cursor as a scan of the
// index across every workspace, filtered (TestDeepActorPageReadsOnlyThePage
// met that on an emptied test database).
//
// The workspace's version comes first; the count, of every actor the
// filter matches, runs only when $count is true (see readCountedList).
//
// A page of one region's actors by name (seekRegion) seeks the
// (workspaceId, region, name, id) index the same way, the region fixed
// like the workspace; its count seeks that index too. A page of an
// external id's actor (seekExternalID) seeks the (workspaceId,
// externalId) index, which gives at most one, and tests the cursor on it.
func actorListCypher(ord actorOrder, afterCursor bool, by actorSeek) string {
	cmp, dir := ">", "ASC"
	if ord.desc {
		cmp, dir = "<", "DESC"
	}
	index, fixed, filter := "workspaceId, "+ord.prop+", id", "a.workspaceId "+dir, actorFilterCond
	count := "MATCH (a:Actor) WHERE " + actorFilterCond
	switch by {
	case seekRegion:
		index, fixed, filter = "workspaceId, region, "+ord.prop+", id", "a.workspaceId "+dir+", a.region "+dir, "a.region = $q.region AND "+actorFilterCond
		// The count seeks the region's index too, by a hint as the page
		// does (on a nearly empty database Neo4j planned it on the
		// workspace's); every actor has a name and an id, and a composite
		// index is sought only with a condition on each of its properties.
		count = "MATCH (a:Actor) USING INDEX SEEK a:Actor(" + index + ") WHERE a.name IS NOT NULL AND a.id IS NOT NULL AND " + filter
	case seekExternalID:
		index, filter = "workspaceId, externalId", "a.externalId = $q.externalId AND "+actorFilterCond
		count = "MATCH (a:Actor) USING INDEX SEEK a:Actor(" + index + ") WHERE " + filter
	}
	order := fmt.Sprintf("%[3]s, a.%[1]s %[2]s, a.id %[2]s", ord.prop, dir, fixed)
	seek := func(cond string) string {
		return fmt.Sprintf("MATCH (a:Actor) USING INDEX SEEK a:Actor(%s) WHERE %s AND %s\n WITH a ORDER BY %s LIMIT $limit",
			index, cond, filter, order)
	}
	page := seek(fmt.Sprintf("a.%s IS NOT NULL AND a.id IS NOT NULL", ord.prop))
	switch {
	case afterCursor && by == seekExternalID:
		// At most one actor: the cursor is a condition on it.
		page = seek(fmt.Sprintf("(a.%[1]s = $q.key AND a.id %[2]s $q.kid OR a.%[1]s %[2]s $q.key)", ord.prop, cmp))
	case afterCursor:
		page = fmt.Sprintf("CALL () {\n %s RETURN a\n UNION ALL\n %s RETURN a\n }\n WITH a ORDER BY %s LIMIT $limit",
			seek(fmt.Sprintf("a.%s = $q.key AND a.id %s $q.kid", ord.prop, cmp)),
			seek(fmt.Sprintf("a.%s %s $q.key AND a.id IS NOT NULL", ord.prop, cmp)), order)
	}
	return fmt.Sprintf(`OPTIONAL MATCH (w:Workspace {id: $ws})
CALL () { WITH 1 AS one WHERE $count %s RETURN count(a) AS total }
CALL () { %s RETURN collect(a) AS rows }
RETURN coalesce(w.version, 0) AS version, total, rows`, count, page)
}

// actorListStatement is the statement and parameters of q's page of a
// workspace's actors in order ord, after cursor c (nil: the first page).
// $count is left to readCountedList.
func actorListStatement(workspaceID string, q ActorQuery, ord actorOrder, c *cursor) (string, map[string]any, error) {
	values := actorQueryParam(q.Filter)
	if c != nil {
		key, err := ord.keyArg(c.Key)
		if err != nil {
			return "", nil, err
		}
		values["key"], values["kid"] = key, c.ID
	}
	params := map[string]any{"ws": workspaceID, "q": values, "limit": q.First + 1}
	return actorListCypher(ord, c != nil, actorSeekOf(ord, q.Filter)), params, nil
}

// ListActors pages through a workspace's actors. The cursor holds the sort
// key and id of the last actor seen, and the next page starts strictly
// after that (key, id) pair: a keyset, so pages neither skip nor repeat
// actors when others are added meanwhile, and a deep page is as cheap as
// the first.
func (s *Neo4j) ListActors(ctx context.Context, workspaceID string, q ActorQuery) (*Page[*domain.Actor], error) {
	const op = "store.ListActors"
	ord := actorOrderOf(q.Order)
	c, err := decodeCursor(q.After, ord.tag)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if q.Filter.CustomAttributes, err = domain.CheckCustomFilters(op, q.Filter.CustomAttributes); err != nil {
		return nil, err
	}
	if q.Filter.Tags, err = domain.CheckFilterTags(op, q.Filter.Tags); err != nil {
		return nil, err
	}
	if q.Filter.Frameworks, err = domain.NormalizeFrameworks(op, "frameworks", q.Filter.Frameworks); err != nil {
		return nil, err
	}
	cypher, params, err := actorListStatement(workspaceID, q, ord, c)
	if err != nil {
		return nil, errs.Invalidf(op, "after", "after is not a cursor this list produced; start again without after")
	}
	key := listCountKey{ws: workspaceID, list: "actors", filter: fmt.Sprintf("%#v", actorQueryParam(q.Filter))}
	rec, total, err := s.readCountedList(ctx, op, key, !q.SkipCount, cypher, params)
	if err != nil {
		return nil, err
	}
	page := nodePage(records(rec), q.First, decodeActor, func(a *domain.Actor) cursor {
		return cursor{Order: ord.tag, Key: ord.keyOf(a), ID: a.ID}
	})
	page.TotalCount = total
	noteActors(ctx, page.Items)
	return page, nil
}
