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

// Relationships are real Neo4j relationship types, and Neo4j indexes
// relationship properties per type. A lookup across types is therefore a
// UNION of one indexed branch per type, built here from the fixed list of
// types (never from client input).
func unionOverTypes(types []domain.RelationshipType, branch string) string {
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf(branch, t)
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// relRow is the shape every relationship query returns.
const relRow = "r, type(r) AS relType, a.id AS fromId, b.id AS toId"

func decodeRelRow(rec *neo4j.Record) *domain.Relationship {
	rv, _ := rec.Get("r")
	var p props
	if rel, ok := rv.(neo4j.Relationship); ok {
		p = rel.Props
	}
	return decodeRelationship(p, value[string](rec, "relType"), value[string](rec, "fromId"), value[string](rec, "toId"))
}

var relByIDCypher = "UNWIND $ids AS rid CALL (rid) {\n" +
	unionOverTypes(relTypes, "MATCH (a)-[r:%s]->(b) WHERE r.id = rid AND "+visibleRel("r", "a", "b")+" RETURN "+relRow) + "\n} RETURN r, relType, fromId, toId"

// relByTypedIDCypher is relByIDCypher for ids whose types are known
// ($ids maps a type to its ids): each id seeks its type's index only,
// where relByIDCypher seeks every type's (12 seeks an id).
var relByTypedIDCypher = "CALL () {\n" +
	unionOverTypes(relTypes, "UNWIND coalesce($ids.%[1]s, []) AS rid MATCH (a)-[r:%[1]s]->(b) WHERE r.id = rid AND "+visibleRel("r", "a", "b")+" RETURN "+relRow) +
	"\n} RETURN r, relType, fromId, toId"

// RelationshipsByTypedIDs returns the relationships that exist among ids,
// given by type (an id under another type than its relationship's is not
// found).
func (s *Neo4j) RelationshipsByTypedIDs(ctx context.Context, ids map[domain.RelationshipType][]string) ([]*domain.Relationship, error) {
	byType := make(map[string]any, len(ids))
	for t, list := range ids {
		byType[string(t)] = list
	}
	return s.readRelationships(ctx, "store.RelationshipsByTypedIDs", relByTypedIDCypher, map[string]any{"ids": byType})
}

// RelationshipsByIDs returns the relationships that exist among ids.
func (s *Neo4j) RelationshipsByIDs(ctx context.Context, ids []string) ([]*domain.Relationship, error) {
	return s.readRelationships(ctx, "store.RelationshipsByIDs", relByIDCypher, map[string]any{"ids": ids})
}

// readRelationships runs a statement returning relRow rows for the
// caller, and notes the confidential ones read.
func (s *Neo4j) readRelationships(ctx context.Context, op, cypher string, params map[string]any) ([]*domain.Relationship, error) {
	recs, err := s.readRecords(ctx, op, cypher, params)
	if err != nil {
		return nil, err
	}
	rels := relationshipsOf(recs)
	noteRelationships(ctx, rels)
	return rels, nil
}

func (s *Neo4j) relationshipsByIDsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) ([]*domain.Relationship, error) {
	recs, err := s.run(ctx, tx, relByIDCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	return relationshipsOf(recs), nil
}

// relationshipsOf decodes the rows of relByIDCypher.
func relationshipsOf(recs []*neo4j.Record) []*domain.Relationship {
	out := make([]*domain.Relationship, len(recs))
	for i, r := range recs {
		out[i] = decodeRelRow(r)
	}
	return out
}

func (s *Neo4j) relationshipInTx(ctx context.Context, tx neo4j.ManagedTransaction, id string) (*domain.Relationship, error) {
	rels, err := s.relationshipsByIDsInTx(ctx, tx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, errs.NotFoundf("", "no relationship has id %q", id)
	}
	return rels[0], nil
}

// CreateRelationship creates a relationship between two actors of one workspace.
func (s *Neo4j) CreateRelationship(ctx context.Context, in domain.RelationshipInput) (*domain.Relationship, error) {
	const op = "store.CreateRelationship"
	return writeTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (*domain.Relationship, error) {
		ends, err := s.actorsByIDsInTx(ctx, tx, []string{in.From, in.To})
		if err != nil {
			return nil, err
		}
		from, to := findActor(ends, in.From), findActor(ends, in.To)
		// A hidden end answers as an unknown one, naming the field as the
		// resolvers' check of from does.
		if from == nil {
			return nil, &errs.Error{Kind: errs.NotFound, Field: "from", Msg: fmt.Sprintf("from: no actor has id %q", in.From)}
		}
		if to == nil {
			return nil, &errs.Error{Kind: errs.NotFound, Field: "to", Msg: fmt.Sprintf("to: no actor has id %q", in.To)}
		}
		if from.WorkspaceID != to.WorkspaceID {
			return nil, errs.Invalidf("", "to", "from and to belong to different workspaces; a relationship must stay within one workspace")
		}
		if err := s.lockWorkspace(ctx, tx, from.WorkspaceID); err != nil {
			return nil, err
		}
		r, err := domain.NewRelationship(from.WorkspaceID, in)
		if err != nil {
			return nil, err
		}
		t := now()
		r.ID, r.CreatedAt, r.UpdatedAt = domain.NewID(domain.PrefixRelationship), t, t
		if err := s.checkSources(ctx, tx, r.WorkspaceID, r.SourceIDs); err != nil {
			return nil, err
		}
		if err := s.checkRelationshipExternalID(ctx, tx, r, ""); err != nil {
			return nil, err
		}
		// The type comes from the validated enum, so it is one of relTypes.
		cypher := fmt.Sprintf("MATCH (a:Actor {id: $from}), (b:Actor {id: $to}) CREATE (a)-[r:%s]->(b) SET r = $props RETURN r.id", r.Type)
		recs, err := s.run(ctx, tx, cypher, map[string]any{"from": r.FromID, "to": r.ToID, "props": relationshipProps(r)})
		if err == nil && len(recs) == 0 {
			// An endpoint was deleted after it was read.
			return nil, errs.NotFoundf("", "an actor of this relationship no longer exists")
		}
		if err != nil {
			return nil, err
		}
		noteWritten(tx, r)
		return r, s.auditWrite(ctx, tx, r.WorkspaceID, "createRelationship", []string{r.ID})
	})
}

// checkRelationshipExternalID checks that a relationship's externalId is
// not taken by another relationship of its workspace (self is the
// relationship being updated, if any).
func (s *Neo4j) checkRelationshipExternalID(ctx context.Context, tx neo4j.ManagedTransaction, r *domain.Relationship, self string) error {
	if r.ExternalID == nil {
		return nil
	}
	recs, err := s.run(ctx, tx, relByExternalIDCypher, map[string]any{"ws": r.WorkspaceID, "ext": *r.ExternalID})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if value[string](rec, "id") != self {
			return &errs.Error{Kind: errs.Conflict, Field: "externalId",
				Msg: fmt.Sprintf("externalId %q is already used by another relationship in this workspace", *r.ExternalID)}
		}
	}
	return nil
}

var relByExternalIDCypher = "CALL () {\n" +
	unionOverTypes(relTypes, "MATCH ()-[r:%s]->() WHERE r.workspaceId = $ws AND r.externalId = $ext RETURN r.id AS id") + "\n} RETURN id"

// UpdateRelationship changes a relationship's fields.
func (s *Neo4j) UpdateRelationship(ctx context.Context, id string, p domain.RelationshipPatch) (*domain.Relationship, error) {
	return updateRecord(ctx, s, id, recordUpdate[domain.Relationship]{
		op: "store.UpdateRelationship", audited: "updateRelationship",
		lock: s.lockRelationship, apply: p.Apply,
		check: func(ctx context.Context, tx neo4j.ManagedTransaction, cur, next *domain.Relationship) error {
			var err error
			if next.SourceIDs, err = s.citeOnUpdate(ctx, tx, cur.WorkspaceID, cur.SourceIDs, next.SourceIDs, p.SourceIDs.Set); err != nil {
				return err
			}
			return s.checkRelationshipExternalID(ctx, tx, next, id)
		},
		set: func(next *domain.Relationship) (string, map[string]any) {
			// The type was read from Neo4j (a patch cannot change it), so
			// it is one of relTypes.
			return fmt.Sprintf("MATCH ()-[r:%s]->() WHERE r.id = $id SET r = $props", next.Type), relationshipProps(next)
		},
		updatedAt: func(r *domain.Relationship) *time.Time { return &r.UpdatedAt },
		workspace: func(r *domain.Relationship) string { return r.WorkspaceID },
	})
}

// DeleteRelationship deletes one relationship.
func (s *Neo4j) DeleteRelationship(ctx context.Context, id string) (*domain.DeleteResult, error) {
	const op = "store.DeleteRelationship"
	err := s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		cur, err := s.lockRelationship(ctx, tx, id)
		if err != nil {
			return err
		}
		cypher := fmt.Sprintf("MATCH ()-[r:%s]->() WHERE r.id = $id DELETE r", cur.Type)
		if _, err := s.run(ctx, tx, cypher, map[string]any{"id": id}); err != nil {
			return err
		}
		noteDeletedRelationship(tx, id)
		return s.auditWrite(ctx, tx, cur.WorkspaceID, "deleteRelationship", []string{id})
	})
	if err != nil {
		return nil, err
	}
	return &domain.DeleteResult{ID: id, RelationshipsDeleted: 1}, nil
}

// relFilterCond is the condition of a relationship filter, and
// relQueryParam the values it tests. Neo4j plans a statement once and
// caches the plan under its text and the types of its parameters (and, for
// a string or a list, the order of magnitude of its length). So that every
// filter shares one plan, the text is the same for every filter: a field
// the filter does not set is null and its test is true; and the values
// travel in one map parameter, $q, whose type is the same whichever fields
// are set and however long their values are. (A text per combination of
// fields, as before, was planned afresh at each combination's first use:
// seconds, for ListRelationships' twenty-four branches.)
var relFilterCond = "r.workspaceId = $ws AND " + visibleRel("r", "a", "b") + `
  AND ($q.from IS NULL OR a.id = $q.from) AND ($q.to IS NULL OR b.id = $q.to)
  AND ($q.minStrength IS NULL OR r.strength >= $q.minStrength)
  AND ($q.minConfidence IS NULL OR r.confidence >= $q.minConfidence)
  AND ($q.perceivedBy IS NULL OR r.perceivedBy = $q.perceivedBy)
  AND ($q.frameworks IS NULL OR any(f IN $q.frameworks WHERE f IN r.frameworks))
  AND ($q.validAt IS NULL OR ((r.validFrom IS NULL OR r.validFrom <= $q.validAt) AND (r.validTo IS NULL OR r.validTo > $q.validAt)))
  AND ` + customFilterCond("r")

// relQueryParam is $q for filter f.
func relQueryParam(f domain.RelationshipFilter) map[string]any {
	var validAt any // null: the filter does not test this
	if f.ValidAt != nil {
		validAt = neo4j.DateOf(f.ValidAt.Time())
	}
	return map[string]any{"from": optVal(f.From), "to": optVal(f.To), "minStrength": optVal(f.MinStrength),
		"minConfidence": optVal(f.MinConfidence), "perceivedBy": optVal(f.PerceivedBy), "validAt": validAt,
		"frameworks": frameworksParam(f.Frameworks), "custom": customFilterParam(f.CustomAttributes)}
}

// frameworksParam is the frameworks of a filter as $q holds them: null
// when the filter names none (no condition), else the list of values, any
// of which an item must carry.
func frameworksParam(fs []domain.Framework) any {
	if len(fs) == 0 {
		return nil
	}
	return frameworkList(fs)
}

const relOrder = "rel:id"

// relListCypher is the one statement of every page of ListRelationships,
// whatever its filter. It reads the workspace's version first (see
// readCountedList), then has a branch per relationship type for the count
// and another for the page, as always (see unionOverTypes), and each
// branch
//   - first tests $want_<type>, whether its type is asked for (and, for
//     the count, $count, whether the count is wanted): a test of
//     parameters alone, which Neo4j makes before the branch reads
//     anything, so a branch of a type not asked for costs nothing;
//   - then seeks its type's workspace index (the count) or (workspaceId,
//     id) index past the cursor (the page). The seek is a hint, because
//     the plan is made once for every filter: without it, Neo4j may plan a
//     branch whose type the first caller did not ask for (so whose cost
//     it took for nothing) as a scan of the index across all workspaces,
//     and keep that plan for the callers who do ask for it.
//
// A page branch orders by workspaceId (one value here) and id, the
// index's properties, so that Neo4j takes the index's order and stops the
// seek after $limit rows; ordered by id alone, each branch sorted every
// relationship of its type past the cursor (PROFILE: 6,250 rows per type
// into a Top at 10k actors, for a page of 51). The union of the branches
// is at most a page per type, sorted.
var relListCypher = "OPTIONAL MATCH (w:Workspace {id: $ws})\nCALL () {\n" +
	unionOverTypes(relTypes, "WITH 1 AS one WHERE $want_%[1]s AND $count\n"+
		" MATCH (a)-[r:%[1]s]->(b) USING INDEX SEEK r:%[1]s(workspaceId) WHERE "+relFilterCond+"\n"+
		" RETURN count(r) AS c") +
	"\n} WITH w, sum(c) AS total\n" +
	"CALL () {\n CALL () {\n" +
	unionOverTypes(relTypes, "WITH 1 AS one WHERE $want_%[1]s\n"+
		" MATCH (a)-[r:%[1]s]->(b) USING INDEX SEEK r:%[1]s(workspaceId, id) WHERE "+relFilterCond+" AND r.id > $q.after\n"+
		" RETURN "+relRow+" ORDER BY r.workspaceId, r.id LIMIT $limit") +
	"\n }\n WITH r, relType, fromId, toId ORDER BY r.id LIMIT $limit\n" +
	" RETURN collect({r: r, relType: relType, fromId: fromId, toId: toId}) AS rows\n}\n" +
	"RETURN coalesce(w.version, 0) AS version, total, rows"

// relListStatement is the statement and parameters of q's page of a
// workspace's relationships after the relationship with id after ("" for
// the first page).
func relListStatement(workspaceID string, q RelationshipQuery, after string) (string, map[string]any) {
	values := relQueryParam(q.Filter)
	values["after"] = after
	params := map[string]any{"ws": workspaceID, "q": values, "limit": q.First + 1}
	for _, t := range relTypes {
		// No types in the filter means every type.
		params["want_"+string(t)] = len(q.Filter.Types) == 0 || slices.Contains(q.Filter.Types, t)
	}
	return relListCypher, params
}

// ListRelationships pages through a workspace's relationships in id order.
func (s *Neo4j) ListRelationships(ctx context.Context, workspaceID string, q RelationshipQuery) (*Page[*domain.Relationship], error) {
	const op = "store.ListRelationships"
	c, err := decodeCursor(q.After, relOrder)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	for _, t := range q.Filter.Types {
		// A type the store does not know is a mistake to report, not a
		// filter that matches nothing.
		if !t.IsValid() {
			return nil, errs.Invalidf(op, "types", "%q is not a relationship type", t)
		}
	}
	if q.Filter.CustomAttributes, err = domain.CheckCustomFilters(op, q.Filter.CustomAttributes); err != nil {
		return nil, err
	}
	if q.Filter.Frameworks, err = domain.NormalizeFrameworks(op, "frameworks", q.Filter.Frameworks); err != nil {
		return nil, err
	}
	after := ""
	if c != nil {
		after = c.ID
	}
	cypher, params := relListStatement(workspaceID, q, after)
	types := slices.Clone(q.Filter.Types)
	slices.Sort(types)
	key := listCountKey{ws: workspaceID, list: "relationships", filter: fmt.Sprintf("%v %#v", slices.Compact(types), relQueryParam(q.Filter))}
	rec, total, err := s.readCountedList(ctx, op, key, !q.SkipCount, cypher, params)
	if err != nil {
		return nil, err
	}
	page := relPageFromRecords(records(rec), q.First)
	page.TotalCount = total
	noteRelationships(ctx, page.Items)
	return page, nil
}

// relPageFromRecords reads a {total, rows} result into a page.
func relPageFromRecords(recs []*neo4j.Record, first int) *Page[*domain.Relationship] {
	page := &Page[*domain.Relationship]{}
	if len(recs) == 0 {
		return page
	}
	page.TotalCount = int(value[int64](recs[0], "total"))
	rows := value[[]any](recs[0], "rows")
	for _, row := range rows {
		m, _ := row.(map[string]any)
		rel, _ := m["r"].(neo4j.Relationship)
		typ, _ := m["relType"].(string)
		from, _ := m["fromId"].(string)
		to, _ := m["toId"].(string)
		page.Items = append(page.Items, decodeRelationship(rel.Props, typ, from, to))
	}
	if len(page.Items) > first {
		page.Items, page.HasNextPage = page.Items[:first], true
	}
	for _, r := range page.Items {
		page.Cursors = append(page.Cursors, encodeCursor(cursor{Order: relOrder, ID: r.ID}))
	}
	return page
}

// RelationshipsOfActors pages the relationships of several actors with one
// statement: a subquery per actor keeps each actor's page and count apart
// (the count only unless q.SkipCount).
func (s *Neo4j) RelationshipsOfActors(ctx context.Context, actorIDs []string, q ActorRelationshipsQuery) (map[string]*Page[*domain.Relationship], error) {
	const op = "store.RelationshipsOfActors"
	c, err := decodeCursor(q.After, relOrder)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	pattern := map[domain.Direction]string{
		domain.Out: "(x)-[r]->(y)", domain.In: "(x)<-[r]-(y)", domain.Both: "(x)-[r]-(y)",
	}[q.Direction]
	if pattern == "" {
		pattern = "(x)-[r]-(y)"
	}
	types := make([]string, 0, len(q.Types))
	for _, t := range q.Types {
		types = append(types, string(t))
	}
	frameworks, err := domain.NormalizeFrameworks(op, "frameworks", q.Frameworks)
	if err != nil {
		return nil, err
	}
	params := map[string]any{"ids": actorIDs, "types": types, "frameworks": frameworkList(frameworks), "limit": q.First + 1, "after": "",
		"ends": q.Ends != nil}
	if c != nil {
		params["after"] = c.ID
	}
	typeCond := "(size($types) = 0 OR type(r) IN $types) AND (size($frameworks) = 0 OR any(f IN $frameworks WHERE f IN r.frameworks)) AND " +
		visible("r") + " AND " + visible("y")
	count := "CALL (x) { MATCH " + pattern + " WHERE " + typeCond + " RETURN count(r) AS total }\n"
	if q.SkipCount {
		count = "WITH xid, x, 0 AS total\n"
	}
	cypher := "UNWIND $ids AS xid MATCH (x:Actor {id: xid}) WHERE " + visible("x") + "\n" + count +
		"CALL (x) { MATCH " + pattern + " WHERE " + typeCond + " AND r.id > $after\n" +
		"  WITH r, y ORDER BY r.id LIMIT $limit\n" +
		"  RETURN collect({r: r, relType: type(r), fromId: startNode(r).id, toId: endNode(r).id, other: CASE WHEN $ends THEN y END}) AS rows }\n" +
		"RETURN xid, total, rows"
	recs, err := s.readRecords(ctx, op, cypher, params)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Page[*domain.Relationship], len(actorIDs))
	seen := map[string]bool{}
	for _, rec := range recs {
		page := relPageFromRecords([]*neo4j.Record{rec}, q.First)
		noteRelationships(ctx, page.Items)
		out[value[string](rec, "xid")] = page
		if q.Ends == nil {
			continue
		}
		// The ends of the page's relationships only (the rows hold one
		// more, which tells that there is a next page).
		onPage := map[string]bool{}
		for _, r := range page.Items {
			onPage[r.ID] = true
		}
		for _, row := range value[[]any](rec, "rows") {
			m, _ := row.(map[string]any)
			rel, _ := m["r"].(neo4j.Relationship)
			node, ok := m["other"].(neo4j.Node)
			if !ok || !onPage[props(rel.Props).str("id")] {
				continue
			}
			a := decodeActor(node.Props)
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			noteActors(ctx, []*domain.Actor{a})
			q.Ends(a)
		}
	}
	return out, nil
}
