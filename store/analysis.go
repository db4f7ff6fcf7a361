package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// WorkspaceVersion is a workspace's version: every write to its content
// bumps it, so a cached copy with the same version is current.
func (s *Neo4j) WorkspaceVersion(ctx context.Context, id string) (int64, error) {
	const op = "store.WorkspaceVersion"
	recs, err := s.readRecords(ctx, op, workspaceVersionCypher, map[string]any{"id": id})
	if err != nil {
		return 0, err
	}
	v, err := versionOf(recs, id)
	return v, s.mapErr(op, err)
}

// AnalysisSnapshot reads a whole workspace for analysis: every actor and
// every relationship of the analysis types, whatever their sensitivity,
// each list in id order. It answers only a caller who may see the
// workspace (NotFound otherwise, like a workspace that does not exist);
// the engine applies the caller's clearance to it (analysis.Engine.Graph),
// so that callers of every clearance share one read of the workspace.
//
// The version and the actors are read in one read transaction, which
// stays open while the relationships of those actors are read in
// snapshotParts transactions of their own, at once (see
// snapshotRelationships). As in any read of Neo4j (read committed), a
// write that commits meanwhile may show in part. The snapshot carries the
// version read first, so it is never taken for the workspace after that
// write: the engine either applies the write whole, from the store's
// change log (changes.go), or reads the workspace again.
func (s *Neo4j) AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error) {
	const op = "store.AnalysisSnapshot"
	return readTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (*domain.Snapshot, error) {
		version, err := s.workspaceVersionInTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		snap := &domain.Snapshot{WorkspaceID: id, Version: version}
		// The actors' ids by element id: a relationship names its ends by
		// theirs, so its ends cost no property reads.
		ids := map[string]string{}
		var elements []string
		params := map[string]any{"ws": id, "batch": s.snapshotBatch}
		err = s.stream(ctx, tx, snapshotActorsCypher, params, func(rec *neo4j.Record) error {
			batch, err := recordBatch(rec)
			if err != nil {
				return fmt.Errorf("%s: the actors' %w", op, err)
			}
			for _, v := range batch {
				row, _ := v.([]any)
				if len(row) != 2 {
					return fmt.Errorf("%s: an actor's row has %d values, want 2", op, len(row))
				}
				node, isNode := row[0].(neo4j.Node)
				element, isElement := row[1].(string)
				if !isNode || !isElement {
					return fmt.Errorf("%s: an actor's row is not a node and its element id: %T, %T", op, row[0], row[1])
				}
				a := decodeActor(node.Props)
				a.WorkspaceID, a.Sensitivity = id, internSensitivity(a.Sensitivity)
				ids[element] = a.ID
				elements = append(elements, element)
				snap.Actors = append(snap.Actors, a)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(snap.Actors, func(x, y *domain.Actor) int { return strings.Compare(x.ID, y.ID) })
		if snap.Relationships, err = s.snapshotRelationships(ctx, op, id, elements, ids); err != nil {
			return nil, err
		}
		return snap, nil
	})
}

// snapshotRelationships reads the relationships of the analysis types
// that start at the actors of workspace ws whose element ids are
// elements, in id order, naming their ends by ids (actors' ids by element
// id). It reads them in snapshotParts read transactions at once, each the
// relationships of every snapshotParts-th batch of those actors: the
// batches are cut here, from the one list the actors' transaction read,
// so that every actor is in exactly one.
//
// Why this shape (measured on the 100,000-actor benchmark map, 750,000
// relationships, on 2 cores: docs/performance.md): Neo4j's cost is
// finding the relationships and sending their values (1.5 s of its CPU
// to count them, 4.2 s to send them); the Go side's is the driver's cost
// per record (it reads every message under a context of its own, in a
// goroutine of its own, since Neo4j sends the
// connection.recv_timeout_seconds hint), so a record carries a batch of
// actors' relationships rather than one, and the cost per value: each
// relationship comes as a list of the values the facts need, not as a
// whole relationship (its every property in a map, and three element
// ids), which costs Neo4j the same and the Go side a third (0.5 s of CPU
// instead of 1.5 s, and a third of the garbage). One record per
// relationship took 9.5 s; batched, 4.5 s; batched in two transactions
// at once, 3.7 s.
//
// The transaction that read the actors must stay open until this
// returns: Neo4j does not reuse a deleted node's id while a transaction
// that could have seen it is open, so an element id in ids still names
// the actor it named there (on one server: in a cluster, the parts may
// run on other members). A relationship whose end is not in ids (an actor
// created after the actors were read) is left out.
func (s *Neo4j) snapshotRelationships(ctx context.Context, op, ws string, elements []string, ids map[string]string) ([]*domain.RelationshipFacts, error) {
	batches := make([][][]string, snapshotParts)
	for i, batch := range slices.Collect(slices.Chunk(elements, s.snapshotBatch)) {
		batches[i%snapshotParts] = append(batches[i%snapshotParts], batch)
	}
	parts := make([][]*domain.RelationshipFacts, snapshotParts)
	failed := make([]error, snapshotParts)
	var wg sync.WaitGroup
	for part := range snapshotParts {
		if len(batches[part]) == 0 {
			continue
		}
		wg.Go(func() {
			params := map[string]any{"ws": ws, "types": analysisTypeNames, "batches": batches[part]}
			parts[part], failed[part] = readTx(ctx, s, op, func(tx neo4j.ManagedTransaction) ([]*domain.RelationshipFacts, error) {
				var rels []*domain.RelationshipFacts
				sh := newShared()
				err := s.stream(ctx, tx, snapshotRelsCypher, params, func(rec *neo4j.Record) error {
					batch, err := recordBatch(rec)
					if err != nil {
						return fmt.Errorf("%s: the relationships' %w", op, err)
					}
					for _, v := range batch {
						row, _ := v.([]any)
						r, err := snapshotRelationship(row, ids, sh)
						if err != nil {
							return errs.Wrap(op, err)
						}
						if r != nil {
							rels = append(rels, r)
						}
					}
					return nil
				})
				// Each part sorts its own, at once with the other part's
				// read or sort: one sort of the whole after both took
				// 0.7 s of one core at 100k, with the other idle.
				slices.SortFunc(rels, compareFactIDs)
				return rels, err
			})
		})
	}
	wg.Wait()
	for _, err := range failed {
		if err != nil {
			return nil, err // the first: both parts fail alike when Neo4j does
		}
	}
	return mergeFacts(parts), nil
}

func compareFactIDs(x, y *domain.RelationshipFacts) int { return strings.Compare(x.ID, y.ID) }

// mergeFacts merges lists of facts each in id order into one in id order
// with each id once: each relationship has one start, in one batch, and
// should one come twice all the same, it is one relationship. (Written
// here: the standard library sorts but does not merge.)
func mergeFacts(lists [][]*domain.RelationshipFacts) []*domain.RelationshipFacts {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]*domain.RelationshipFacts, 0, n)
	lists = slices.Clone(lists) // its heads move; the caller's stay
	for {
		next := -1 // the list whose head comes first
		for i, l := range lists {
			if len(l) > 0 && (next < 0 || compareFactIDs(l[0], lists[next][0]) < 0) {
				next = i
			}
		}
		if next < 0 {
			return out
		}
		r := lists[next][0]
		lists[next] = lists[next][1:]
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, r)
		}
	}
}

// recordBatch is the one value of a snapshot statement's record: a list
// (of actors' or relationships' rows). A record of another shape fails
// the read rather than leave its rows out.
func recordBatch(rec *neo4j.Record) ([]any, error) {
	if len(rec.Values) == 1 {
		if batch, ok := rec.Values[0].([]any); ok {
			return batch, nil
		}
	}
	return nil, fmt.Errorf("record is not one list of rows: %d values", len(rec.Values))
}

// snapshotRelationship decodes the facts of one relationship from its
// row of snapshotRelsCypher, factColumns values (the fields analyses
// read, not the whole record: see domain.RelationshipFacts), with the one
// copy of its ends' ids, type, sensitivity, and of its perceivedBy, power
// and form among sh; nil when an end is not among ids. A row of the
// wrong shape (a value missing where every relationship has one, or of
// another type than the store writes) is an error: decoded, it would be
// a relationship without an id (merged with others), of strength 0, or
// in force for ever, and the analyses would be wrong without a word.
func snapshotRelationship(row []any, ids map[string]string, sh *shared) (*domain.RelationshipFacts, error) {
	if len(row) != factColumns {
		return nil, fmt.Errorf("a relationship's row has %d values, want %d", len(row), factColumns)
	}
	if bad := badFactColumn(row); bad != "" {
		id, _ := row[factID].(string)
		return nil, malformedRow{id: id, column: bad}
	}
	from, okFrom := ids[strOf(row[factFrom])]
	to, okTo := ids[strOf(row[factTo])]
	if !okFrom || !okTo {
		return nil, nil
	}
	return &domain.RelationshipFacts{
		ID: strOf(row[factID]), Type: internType(domain.RelationshipType(strOf(row[factType]))), FromID: from, ToID: to,
		Strength: floatOf(row[factStrength]), Confidence: floatOf(row[factConfidence]),
		PerceivedBy: internOpt(row[factPerceivedBy], sh.perceivers),
		Power:       internOpt(row[factPower], sh.powers), Form: internOpt(row[factForm], sh.forms),
		ValidFrom: optDateOf(row[factValidFrom]), ValidTo: optDateOf(row[factValidTo]), Frameworks: frameworksOf(row[factFrameworks]),
		Sensitivity: internSensitivity(domain.Sensitivity(strOf(row[factSensitivity]))),
	}, nil
}

// malformedRow is a relationship's row of the wrong shape. Its text names
// the relationship by id and the column, never a value, so the log shows
// it whole (errs.Safe): the analyses of the workspace fail until the
// record is mended, and the operator must be able to find it.
type malformedRow struct{ id, column string }

func (e malformedRow) Error() string {
	return fmt.Sprintf("relationship %q: its %s is missing or of the wrong type", e.id, e.column)
}

func (e malformedRow) SafeText() string { return e.Error() }

// badFactColumn is the name of the first column of row whose value is not
// of the type the store writes there ("" when every one is): the id, type,
// ends and sensitivity strings (the id not empty), strength and confidence
// numbers, and the optional values null or of their type. (A table made
// once: a snapshot checks 750,000 rows at 100,000 actors.)
func badFactColumn(row []any) string {
	for _, c := range factChecks {
		if !c.ok(row[c.column]) {
			return c.name
		}
	}
	return ""
}

var factChecks = []struct {
	name   string
	column int
	ok     func(any) bool
}{
	{"id", factID, func(v any) bool { s, ok := v.(string); return ok && s != "" }},
	{"type", factType, isString}, {"start", factFrom, isString}, {"end", factTo, isString},
	{"sensitivity", factSensitivity, isString},
	{"strength", factStrength, isNumber}, {"confidence", factConfidence, isNumber},
	{"perceivedBy", factPerceivedBy, orNull(isString)}, {"power", factPower, orNull(isString)}, {"form", factForm, orNull(isString)},
	{"validFrom", factValidFrom, orNull(isDate)}, {"validTo", factValidTo, orNull(isDate)},
	{"frameworks", factFrameworks, orNull(isStrings)},
}

func isString(v any) bool { _, ok := v.(string); return ok }
func isDate(v any) bool   { _, ok := v.(neo4j.Date); return ok }

func isNumber(v any) bool {
	switch v.(type) {
	case float64, int64:
		return true
	}
	return false
}

func isStrings(v any) bool {
	l, ok := v.([]any)
	return ok && !slices.ContainsFunc(l, func(x any) bool { return !isString(x) })
}

func orNull(ok func(any) bool) func(any) bool { return func(v any) bool { return v == nil || ok(v) } }

// shared holds the one copy of each value of a snapshot's optional
// fields that a map names many times: facts are read only, so they may
// share them. Each part of a read has its own (the parts run at once).
type shared struct {
	perceivers map[string]*string
	powers     map[domain.Power]*domain.Power
	forms      map[domain.Form]*domain.Form
}

func newShared() *shared {
	return &shared{perceivers: map[string]*string{}, powers: map[domain.Power]*domain.Power{}, forms: map[domain.Form]*domain.Form{}}
}

// internOpt returns the one copy among seen of the string v, adding it
// when it is new; nil when v is not a string (a property not set).
func internOpt[T ~string](v any, seen map[T]*T) *T {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	t := T(s)
	if q, ok := seen[t]; ok {
		return q
	}
	seen[t] = &t
	return &t
}

// The snapshot's statements. They read the whole workspace, so they take
// no visibility parameters: the caller's access to the workspace is
// checked by the version's statement, its clearance by the engine.
//
// The actors come a batch a record (the driver's cost per record: 0.9 s
// for 100,000 actors a record each, 0.5 s in batches), from one list
// Neo4j collects: of references to the nodes, whose properties it reads
// as it sends them.
//
// The relationships are found from the actors read (by element id), a
// batch of actors per record, and not sorted by Neo4j. They are not
// filtered by their own workspaceId: snapshotRelationship keeps only
// those whose two ends are among the workspace's actors, which every
// relationship of the workspace has and no other can (a relationship is
// made only between two actors of its workspace, by a write or an
// import, and no write moves an actor), and the filter cost a fifth of
// Neo4j's time on the 100,000-actor map (1.0 of 5.2 s of its CPU).
var (
	snapshotActorsCypher = `MATCH (a:Actor {workspaceId: $ws})
WITH collect([a, elementId(a)]) AS actors
UNWIND range(0, size(actors) - 1, $batch) AS i
RETURN actors[i..i + $batch] AS batch`
	snapshotRelsCypher = `UNWIND $batches AS batch
CALL (batch) {
  UNWIND batch AS element
  MATCH (a:Actor) WHERE elementId(a) = element AND a.workspaceId = $ws
  MATCH (a)-[r]->(b) WHERE type(r) IN $types
  RETURN collect([r.id, type(r), element, elementId(b), r.strength, r.confidence, r.perceivedBy,
    r.power, r.form, r.validFrom, r.validTo, r.frameworks, r.sensitivity]) AS rels
}
RETURN rels`
	analysisTypeNames = func() []string {
		out := make([]string, len(domain.AnalysisTypes))
		for i, t := range domain.AnalysisTypes {
			out[i] = string(t)
		}
		return out
	}()
)

// The columns of a relationship's row in snapshotRelsCypher.
const (
	factID = iota
	factType
	factFrom
	factTo
	factStrength
	factConfidence
	factPerceivedBy
	factPower
	factForm
	factValidFrom
	factValidTo
	factFrameworks
	factSensitivity
	factColumns // how many
)

// snapshotParts is how many transactions read a snapshot's relationships
// at once, and defaultSnapshotBatch how many actors (or actors'
// relationships) one record carries (see snapshotRelationships; three
// parts were no faster than two on 2 cores, batches of 250 to 1,000
// actors alike).
const (
	snapshotParts        = 2
	defaultSnapshotBatch = 500
)

// internType and internSensitivity return the one copy of a known value
// (the value itself when unknown).
func internType(t domain.RelationshipType) domain.RelationshipType {
	if i := slices.Index(domain.RelationshipTypes, t); i >= 0 {
		return domain.RelationshipTypes[i]
	}
	return t
}

func internSensitivity(s domain.Sensitivity) domain.Sensitivity {
	if i := slices.Index(domain.Sensitivities, s); i >= 0 {
		return domain.Sensitivities[i]
	}
	return s
}

// Subgraph returns the actors within depth relationships of center (in
// either direction, of the given types, in force on asOf when it is set),
// and the relationships among them: breadth first, one statement per
// level, stopping at maxActors.
func (s *Neo4j) Subgraph(ctx context.Context, center string, depth int, types []domain.RelationshipType, asOf *domain.Date, maxActors int) (*domain.Subgraph, error) {
	const op = "store.Subgraph"
	typeNames := make([]string, 0, len(types))
	for _, t := range types {
		typeNames = append(typeNames, string(t))
	}
	var at any
	if asOf != nil {
		at = neo4j.DateOf(asOf.Time())
	}
	const relCond = `(size($types) = 0 OR type(r) IN $types) AND ($at IS NULL OR
		((r.validFrom IS NULL OR r.validFrom <= $at) AND (r.validTo IS NULL OR r.validTo > $at)))`
	sg, err := readTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (*domain.Subgraph, error) {
		centerActors, err := s.actorsByIDsInTx(ctx, tx, []string{center})
		if err != nil {
			return nil, err
		}
		if len(centerActors) == 0 {
			return nil, errs.NotFoundf("", "no actor has id %q", center)
		}
		sg := &domain.Subgraph{Center: centerActors[0]}
		ids := []string{center}
		seen := map[string]bool{center: true}
		frontier := []string{center}
		for d := 0; d < depth && len(frontier) > 0 && !sg.Truncated; d++ {
			recs, err := s.run(ctx, tx, `UNWIND $frontier AS fid MATCH (a:Actor {id: fid})-[r]-(b:Actor)
				WHERE `+relCond+` AND `+visible("r")+` AND `+visible("b")+` RETURN DISTINCT b.id AS id ORDER BY id`,
				map[string]any{"frontier": frontier, "types": typeNames, "at": at})
			if err != nil {
				return nil, err
			}
			var next []string
			for _, r := range recs {
				id := value[string](r, "id")
				if seen[id] {
					continue
				}
				if len(ids) >= maxActors {
					sg.Truncated = true
					break
				}
				seen[id] = true
				ids = append(ids, id)
				next = append(next, id)
			}
			frontier = next
		}
		if sg.Actors, err = s.actorsByIDsInTx(ctx, tx, ids); err != nil {
			return nil, err
		}
		recs, err := s.run(ctx, tx, `UNWIND $ids AS aid MATCH (a:Actor {id: aid})-[r]->(b:Actor)
			WHERE b.id IN $ids AND `+relCond+` AND `+visible("r")+` RETURN `+relRow+` ORDER BY r.id`,
			map[string]any{"ids": ids, "types": typeNames, "at": at})
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			sg.Relationships = append(sg.Relationships, decodeRelRow(r))
		}
		return sg, nil
	})
	if err != nil {
		return nil, err
	}
	noteActors(ctx, sg.Actors)
	noteRelationships(ctx, sg.Relationships)
	return sg, nil
}
