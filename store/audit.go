package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// The audit log. A write records itself inside its own transaction, so a
// change is never committed without its record, and a record never
// describes a change that was rolled back. AuditRecord nodes are only ever
// created: no statement of the store changes or deletes one, not even
// the deletion of their workspace (its records outlive it, for whoever
// must later account for what was done).

// digestIDs is a SHA-256 over ids in order: enough to check which records
// an operation read, without keeping every id.
func digestIDs(ids []string) string {
	a := &auditedIDs{}
	for _, id := range ids {
		a.add(id)
	}
	return a.digest()
}

// auditedIDs digests ids as they come, keeping only the first
// MaxAuditedIDs: an import of a million rows is audited in constant memory.
// Each id is hashed followed by a zero byte, a buffer at a time: an
// analysis of a large map is audited as a read of its tens of thousands of
// confidential records on every request, and two small writes per id to
// the hash cost more than the analysis.
type auditedIDs struct {
	h     hash.Hash
	buf   []byte // ids not yet hashed
	first []string
	count int
}

func (a *auditedIDs) add(id string) {
	if a.h == nil {
		a.h, a.buf = sha256.New(), make([]byte, 0, 32<<10)
	}
	if len(a.buf)+len(id)+1 > cap(a.buf) {
		a.h.Write(a.buf)
		a.buf = a.buf[:0]
	}
	a.buf = append(a.buf, id...)
	a.buf = append(a.buf, 0)
	if a.count < domain.MaxAuditedIDs+1 {
		a.first = append(a.first, id)
	}
	a.count++
}

func (a *auditedIDs) digest() string {
	if a.h == nil {
		a.h = sha256.New()
	}
	a.h.Write(a.buf)
	a.buf = a.buf[:0]
	return hex.EncodeToString(a.h.Sum(nil))
}

// addChanges adds every record an import's changes write or remove.
func (a *auditedIDs) addChanges(ch *domain.Changes) {
	for _, xs := range [][]*domain.Source{ch.CreateSources, ch.UpdateSources} {
		for _, x := range xs {
			a.add(x.ID)
		}
	}
	for _, xs := range [][]*domain.Actor{ch.CreateActors, ch.UpdateActors} {
		for _, x := range xs {
			a.add(x.ID)
		}
	}
	for _, xs := range [][]*domain.Relationship{ch.CreateRelationships, ch.UpdateRelationships, ch.RemoveRelationships} {
		for _, x := range xs {
			a.add(x.ID)
		}
	}
	for _, ids := range [][]string{ch.RemoveActors, ch.RemoveSources} {
		for _, id := range ids {
			a.add(id)
		}
	}
}

// record is the audit record of a write of these ids.
func (a *auditedIDs) record(ctx context.Context, ws, operation string) *domain.AuditRecord {
	r := newAuditRecord(ctx, ws, operation, domain.AuditWrite, nil)
	r.Count, r.Digest = a.count, a.digest()
	if a.count <= domain.MaxAuditedIDs {
		r.IDs = a.first
	}
	return r
}

// newAuditRecord describes an operation by the context's caller.
func newAuditRecord(ctx context.Context, ws, operation string, kind domain.AuditKind, ids []string) *domain.AuditRecord {
	subject := "unknown"
	if c := domain.CallerFrom(ctx); c != nil {
		subject = c.Subject
	}
	r := &domain.AuditRecord{ID: domain.NewID(domain.PrefixAudit), WorkspaceID: ws, At: now(), Subject: subject,
		Operation: operation, Kind: kind, Count: len(ids), Digest: digestIDs(ids)}
	if kind == domain.AuditWrite && len(ids) <= domain.MaxAuditedIDs {
		r.IDs = ids
	}
	return r
}

func auditProps(r *domain.AuditRecord) map[string]any {
	return map[string]any{"id": r.ID, "workspaceId": r.WorkspaceID, "at": r.At, "subject": r.Subject,
		"operation": r.Operation, "kind": string(r.Kind), "ids": strList(r.IDs), "count": r.Count, "digest": r.Digest}
}

func decodeAudit(p props) *domain.AuditRecord {
	r := &domain.AuditRecord{ID: p.str("id"), WorkspaceID: p.str("workspaceId"), At: p.time("at"), Subject: p.str("subject"),
		Operation: p.str("operation"), Kind: domain.AuditKind(p.str("kind")), IDs: p.strs("ids"), Digest: p.str("digest")}
	if n, ok := p["count"].(int64); ok {
		r.Count = int(n)
	}
	return r
}

const createAudit = "CREATE (x:AuditRecord) SET x = $props"

// auditWrite records, in tx, that the caller's operation wrote ids in ws.
func (s *Neo4j) auditWrite(ctx context.Context, tx neo4j.ManagedTransaction, ws, operation string, ids []string) error {
	_, err := s.run(ctx, tx, createAudit, map[string]any{"props": auditProps(newAuditRecord(ctx, ws, operation, domain.AuditWrite, ids))})
	return err
}

// RecordReads records that the caller's operation read the confidential
// records ids of workspace ws: one record with their count and digest.
//
// The records of requests that arrive while others are being written go
// together in the next statement (groupcommit.go), each statement in an
// auto-commit transaction (oneStatement): a round trip less than an
// explicit transaction, before the answer of every request that read a
// confidential record. The statement merges on the records' ids, so that
// sending it again after a lost connection, when the first one did commit,
// neither fails on the ids' constraint (withholding every answer of the
// group) nor writes a record twice.
func (s *Neo4j) RecordReads(ctx context.Context, ws, operation string, ids []string) error {
	const op = "store.RecordReads"
	row := auditProps(newAuditRecord(ctx, ws, operation, domain.AuditRead, ids))
	return s.inGroup(&s.readAudits, op, "", newMember(ctx, row, nil), func(ctx context.Context, group []*member) error {
		_, err := s.oneStatement(ctx, op, neo4j.AccessModeWrite, `UNWIND $rows AS props
			MERGE (x:AuditRecord {id: props.id}) ON CREATE SET x = props`, map[string]any{"rows": groupRows(group)})
		return err
	})
}

const auditOrder = "audit:id"

// AuditLog pages through a workspace's audit records, newest first.
func (s *Neo4j) AuditLog(ctx context.Context, ws string, q PageArgs) (*Page[*domain.AuditRecord], error) {
	const op = "store.AuditLog"
	c, err := decodeCursor(q.After, auditOrder)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	params := map[string]any{"ws": ws, "limit": q.First + 1, "before": nil}
	if c != nil {
		params["before"] = c.ID
	}
	recs, err := readTx(ctx, s, op, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		if _, err := s.workspaceVersionInTx(ctx, tx, ws); err != nil {
			return nil, err
		}
		return s.run(ctx, tx, `CALL () { MATCH (x:AuditRecord {workspaceId: $ws}) RETURN count(x) AS total }
CALL () { MATCH (x:AuditRecord {workspaceId: $ws}) WHERE $before IS NULL OR x.id < $before
  WITH x ORDER BY x.id DESC LIMIT $limit RETURN collect(x) AS rows }
RETURN total, rows`, params)
	})
	if err != nil {
		return nil, err
	}
	return nodePage(recs, q.First, decodeAudit, func(x *domain.AuditRecord) cursor {
		return cursor{Order: auditOrder, ID: x.ID}
	}), nil
}
