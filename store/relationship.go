package store

import (
	"context"
	"fmt"
	"strings"

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

// RelationshipsByIDs returns the relationships that exist among ids.
func (s *Neo4j) RelationshipsByIDs(ctx context.Context, ids []string) ([]*domain.Relationship, error) {
	res, err := s.read(ctx, "store.RelationshipsByIDs", func(tx neo4j.ManagedTransaction) (any, error) {
		return s.relationshipsByIDsInTx(ctx, tx, ids)
	})
	if err != nil {
		return nil, err
	}
	noteRelationships(ctx, res.([]*domain.Relationship))
	return res.([]*domain.Relationship), nil
}

func (s *Neo4j) relationshipsByIDsInTx(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) ([]*domain.Relationship, error) {
	recs, err := s.run(ctx, tx, relByIDCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Relationship, len(recs))
	for i, r := range recs {
		out[i] = decodeRelRow(r)
	}
	return out, nil
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
	res, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		ends, err := s.actorsByIDsInTx(ctx, tx, []string{in.From, in.To})
		if err != nil {
			return nil, err
		}
		from, to := findActor(ends, in.From), findActor(ends, in.To)
		if from == nil {
			return nil, errs.NotFoundf("", "from: no actor has id %q", in.From)
		}
		if to == nil {
			return nil, errs.NotFoundf("", "to: no actor has id %q", in.To)
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
		if err := s.checkRelationshipRefs(ctx, tx, r, "", nil); err != nil {
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
		return r, s.auditWrite(ctx, tx, r.WorkspaceID, "createRelationship", []string{r.ID})
	})
	if err != nil {
		return nil, err
	}
	return res.(*domain.Relationship), nil
}

// checkRelationshipRefs checks what a relationship refers to within its
// workspace: its sources exist there, and its externalId is not taken by
// another relationship (self is the relationship being updated, if any).
func (s *Neo4j) checkRelationshipRefs(ctx context.Context, tx neo4j.ManagedTransaction, r *domain.Relationship, self string, before []string) error {
	if err := s.checkSources(ctx, tx, r.WorkspaceID, added(r.SourceIDs, before)); err != nil {
		return err
	}
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
	const op = "store.UpdateRelationship"
	res, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		cur, err := s.lockRelationship(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		next, err := p.Apply(*cur)
		if err != nil {
			return nil, err
		}
		next.UpdatedAt = now()
		if next.SourceIDs, err = s.keepHiddenSources(ctx, tx, cur.SourceIDs, next.SourceIDs); err != nil {
			return nil, err
		}
		if err := s.checkRelationshipRefs(ctx, tx, next, id, cur.SourceIDs); err != nil {
			return nil, err
		}
		cypher := fmt.Sprintf("MATCH ()-[r:%s]->() WHERE r.id = $id SET r = $props", next.Type)
		if _, err = s.run(ctx, tx, cypher, map[string]any{"id": id, "props": relationshipProps(next)}); err != nil {
			return nil, err
		}
		return next, s.auditWrite(ctx, tx, next.WorkspaceID, "updateRelationship", []string{id})
	})
	if err != nil {
		return nil, err
	}
	return res.(*domain.Relationship), nil
}

// DeleteRelationship deletes one relationship.
func (s *Neo4j) DeleteRelationship(ctx context.Context, id string) (*domain.DeleteResult, error) {
	const op = "store.DeleteRelationship"
	_, err := s.write(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		cur, err := s.lockRelationship(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		cypher := fmt.Sprintf("MATCH ()-[r:%s]->() WHERE r.id = $id DELETE r", cur.Type)
		if _, err := s.run(ctx, tx, cypher, map[string]any{"id": id}); err != nil {
			return nil, err
		}
		return nil, s.auditWrite(ctx, tx, cur.WorkspaceID, "deleteRelationship", []string{id})
	})
	if err != nil {
		return nil, err
	}
	return &domain.DeleteResult{ID: id, RelationshipsDeleted: 1}, nil
}

// relFilterWhere builds the WHERE conditions of a relationship filter from
// fixed fragments; every value travels as a parameter.
func relFilterWhere(f domain.RelationshipFilter, params map[string]any) string {
	conds := []string{"r.workspaceId = $ws", visibleRel("r", "a", "b")}
	add := func(cond, name string, v any) {
		conds = append(conds, cond)
		params[name] = v
	}
	if f.From != nil {
		add("a.id = $from", "from", *f.From)
	}
	if f.To != nil {
		add("b.id = $to", "to", *f.To)
	}
	if f.MinStrength != nil {
		add("r.strength >= $minStrength", "minStrength", *f.MinStrength)
	}
	if f.MinConfidence != nil {
		add("r.confidence >= $minConfidence", "minConfidence", *f.MinConfidence)
	}
	if f.PerceivedBy != nil {
		add("r.perceivedBy = $perceivedBy", "perceivedBy", *f.PerceivedBy)
	}
	if f.ValidAt != nil {
		add("(r.validFrom IS NULL OR r.validFrom <= $validAt) AND (r.validTo IS NULL OR r.validTo > $validAt)", "validAt", neo4j.DateOf(f.ValidAt.Time()))
	}
	return strings.Join(conds, " AND ")
}

const relOrder = "rel:id"

// ListRelationships pages through a workspace's relationships in id order.
// Each type's branch seeks its (workspaceId, id) index past the cursor and
// stops after one page, so a deep page costs what the first one does.
func (s *Neo4j) ListRelationships(ctx context.Context, workspaceID string, q RelationshipQuery) (*Page[*domain.Relationship], error) {
	const op = "store.ListRelationships"
	c, err := decodeCursor(q.After, relOrder)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	types := q.Filter.Types
	for _, t := range types {
		// Types are spliced into the statement, so only known ones pass.
		if !t.IsValid() {
			return nil, errs.Invalidf(op, "types", "%q is not a relationship type", t)
		}
	}
	if len(types) == 0 {
		types = relTypes
	}
	params := map[string]any{"ws": workspaceID, "limit": q.First + 1, "after": ""}
	if c != nil {
		params["after"] = c.ID
	}
	where := relFilterWhere(q.Filter, params)
	cypher := "CALL () {\n" + unionOverTypes(types, "MATCH (a)-[r:%s]->(b) WHERE "+where+" RETURN count(r) AS c") + "\n} WITH sum(c) AS total\n" +
		"CALL () {\n CALL () {\n" + unionOverTypes(types, "MATCH (a)-[r:%s]->(b) WHERE "+where+" AND r.id > $after RETURN "+relRow+" ORDER BY r.id LIMIT $limit") +
		"\n }\n WITH r, relType, fromId, toId ORDER BY r.id LIMIT $limit\n" +
		" RETURN collect({r: r, relType: relType, fromId: fromId, toId: toId}) AS rows\n}\n" +
		"RETURN total, rows"
	res, err := s.read(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		return s.run(ctx, tx, cypher, params)
	})
	if err != nil {
		return nil, err
	}
	page := relPageFromRecords(res.([]*neo4j.Record), q.First)
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
// statement: a subquery per actor keeps each actor's page and count apart.
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
	params := map[string]any{"ids": actorIDs, "types": types, "limit": q.First + 1, "after": ""}
	if c != nil {
		params["after"] = c.ID
	}
	typeCond := "(size($types) = 0 OR type(r) IN $types) AND " + visible("r") + " AND " + visible("y")
	cypher := "UNWIND $ids AS xid MATCH (x:Actor {id: xid}) WHERE " + visible("x") + "\n" +
		"CALL (x) { MATCH " + pattern + " WHERE " + typeCond + " RETURN count(r) AS total }\n" +
		"CALL (x) { MATCH " + pattern + " WHERE " + typeCond + " AND r.id > $after\n" +
		"  WITH r ORDER BY r.id LIMIT $limit\n" +
		"  RETURN collect({r: r, relType: type(r), fromId: startNode(r).id, toId: endNode(r).id}) AS rows }\n" +
		"RETURN xid, total, rows"
	res, err := s.read(ctx, op, func(tx neo4j.ManagedTransaction) (any, error) {
		return s.run(ctx, tx, cypher, params)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Page[*domain.Relationship], len(actorIDs))
	for _, rec := range res.([]*neo4j.Record) {
		page := relPageFromRecords([]*neo4j.Record{rec}, q.First)
		noteRelationships(ctx, page.Items)
		out[value[string](rec, "xid")] = page
	}
	return out, nil
}
