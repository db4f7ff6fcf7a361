package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Tokens and memberships. Authentication reads them before any caller
// exists, so those reads run as the service itself (system); everything
// else here runs as the request's caller, whose role the resolvers have
// checked.

// system is who the store acts as when it authenticates a request.
var system = domain.Service

func tokenProps(t *domain.Token, hash string) map[string]any {
	return map[string]any{"id": t.ID, "name": t.Name, "subject": t.Subject, "workspaceId": t.WorkspaceID,
		"admin": t.Admin, "createdBy": t.CreatedBy, "createdAt": t.CreatedAt, "expiresAt": optVal(t.ExpiresAt), "hash": hash}
}

func decodeToken(p props) *domain.Token {
	t := &domain.Token{ID: p.str("id"), Name: p.str("name"), Subject: p.str("subject"), WorkspaceID: p.str("workspaceId"),
		CreatedBy: p.str("createdBy"), CreatedAt: p.time("createdAt")}
	t.Admin, _ = p["admin"].(bool)
	if v, ok := p["expiresAt"].(time.Time); ok {
		t.ExpiresAt = &v
	}
	if v, ok := p["revokedAt"].(time.Time); ok {
		t.RevokedAt = &v
	}
	return t
}

func decodeMember(p props) *domain.Member {
	m := &domain.Member{WorkspaceID: p.str("workspaceId"), Subject: p.str("subject"), Role: domain.Role(p.str("role")),
		UpdatedAt: p.time("updatedAt")}
	if c := p.str("clearance"); c != "" {
		s := domain.Sensitivity(c)
		m.Clearance = &s
	}
	return m
}

// CreateToken stores a new token (only its hash) and, for a workspace
// token, its membership of that workspace, in one transaction.
func (s *Neo4j) CreateToken(ctx context.Context, t *domain.Token, hash string, grant *domain.Member) error {
	const op = "store.CreateToken"
	return s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		if t.WorkspaceID != "" {
			if err := s.lockWorkspace(ctx, tx, t.WorkspaceID); err != nil {
				return err
			}
		}
		if _, err := s.run(ctx, tx, "CREATE (t:ApiToken) SET t = $props", map[string]any{"props": tokenProps(t, hash)}); err != nil {
			return err
		}
		if grant != nil {
			if _, err := s.setMemberInTx(ctx, tx, grant); err != nil {
				return err
			}
		}
		return s.auditWrite(ctx, tx, t.WorkspaceID, "createToken", []string{t.ID})
	})
}

// Authenticate finds the live token whose hash is hash, with the
// memberships of its subject. Unknown, revoked and expired tokens are all
// NotFound: the caller learns only that the token is not valid. A live
// token is remembered for AccessCacheTTL, or until this process changes
// any token or membership.
func (s *Neo4j) Authenticate(ctx context.Context, hash string) (*domain.Token, map[string]domain.Grant, error) {
	const op = "store.Authenticate"
	if t, g, ok := s.access.token(hash, time.Now()); ok {
		return t, g, nil
	}
	epoch := s.access.current()
	ctx = domain.WithCaller(ctx, system)
	recs, err := s.readRecords(ctx, op, `MATCH (t:ApiToken {hash: $hash})
			WHERE t.revokedAt IS NULL AND (t.expiresAt IS NULL OR t.expiresAt > datetime())
			OPTIONAL MATCH (m:Member {subject: t.subject})
			RETURN t, collect(m) AS members`, map[string]any{"hash": hash})
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, errs.NotFoundf(op, "no such token")
	}
	t := decodeToken(nodeProps(recs[0], "t"))
	grants := grantsOf(value[[]any](recs[0], "members"))
	s.access.putToken(hash, t, grants, epoch, time.Now())
	return t, grants, nil
}

// Grants returns the memberships of subject (a JWT's subject, say),
// remembered as Authenticate remembers a token's.
func (s *Neo4j) Grants(ctx context.Context, subject string) (map[string]domain.Grant, error) {
	if g, ok := s.access.grants(subject, time.Now()); ok {
		return g, nil
	}
	epoch := s.access.current()
	ctx = domain.WithCaller(ctx, system)
	recs, err := s.readRecords(ctx, "store.Grants", "MATCH (m:Member {subject: $subject}) RETURN collect(m) AS members", map[string]any{"subject": subject})
	if err != nil {
		return nil, err
	}
	grants := map[string]domain.Grant{}
	if len(recs) > 0 {
		grants = grantsOf(value[[]any](recs[0], "members"))
	}
	s.access.putGrants(subject, grants, epoch, time.Now())
	return grants, nil
}

func grantsOf(nodes []any) map[string]domain.Grant {
	out := make(map[string]domain.Grant, len(nodes))
	for _, n := range nodes {
		if node, ok := n.(neo4j.Node); ok {
			m := decodeMember(node.Props)
			out[m.WorkspaceID] = m.Grant()
		}
	}
	return out
}

// Tokens lists the tokens issued for workspace ws ("" for every token,
// which only an admin may ask), newest first.
func (s *Neo4j) Tokens(ctx context.Context, ws string) ([]*domain.Token, error) {
	recs, err := s.readRecords(ctx, "store.Tokens", `MATCH (t:ApiToken) WHERE ($ws = '' AND $all) OR (t.workspaceId = $ws AND $ws IN $wss) OR (t.workspaceId = $ws AND $all)
			RETURN t ORDER BY t.createdAt DESC, t.id`, map[string]any{"ws": ws})
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "t", decodeToken), nil
}

// TokenByID returns one token (NotFound if it does not exist).
func (s *Neo4j) TokenByID(ctx context.Context, id string) (*domain.Token, error) {
	recs, err := s.readRecords(ctx, "store.TokenByID", "MATCH (t:ApiToken {id: $id}) RETURN t", map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.NotFoundf("store.TokenByID", "no token has id %q", id)
	}
	return decodeToken(nodeProps(recs[0], "t")), nil
}

// RevokeToken revokes a token at once: the next request that carries it
// is refused. Revoking a revoked token changes nothing.
func (s *Neo4j) RevokeToken(ctx context.Context, id string) (*domain.Token, error) {
	const op = "store.RevokeToken"
	defer s.access.forget()
	return writeTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (*domain.Token, error) {
		recs, err := s.run(ctx, tx, "MATCH (t:ApiToken {id: $id}) SET t.revokedAt = coalesce(t.revokedAt, $now) RETURN t",
			map[string]any{"id": id, "now": now()})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, errs.NotFoundf("", "no token has id %q", id)
		}
		t := decodeToken(nodeProps(recs[0], "t"))
		return t, s.auditWrite(ctx, tx, t.WorkspaceID, "revokeToken", []string{id})
	})
}

// SetMember gives subject a role (and optionally a clearance) in a workspace.
func (s *Neo4j) SetMember(ctx context.Context, m *domain.Member) (*domain.Member, error) {
	const op = "store.SetMember"
	defer s.access.forget()
	return writeTx(ctx, s, op, func(tx neo4j.ManagedTransaction) (*domain.Member, error) {
		if err := s.lockWorkspace(ctx, tx, m.WorkspaceID); err != nil {
			return nil, err
		}
		out, err := s.setMemberInTx(ctx, tx, m)
		if err != nil {
			return nil, err
		}
		g := out.Grant()
		return out, s.auditWrite(ctx, tx, m.WorkspaceID, fmt.Sprintf("setMember %s %s", g.Role, g.Clearance), []string{m.Subject})
	})
}

func (s *Neo4j) setMemberInTx(ctx context.Context, tx neo4j.ManagedTransaction, m *domain.Member) (*domain.Member, error) {
	var clearance any
	if m.Clearance != nil {
		clearance = string(*m.Clearance)
	}
	recs, err := s.run(ctx, tx, `MERGE (m:Member {workspaceId: $ws, subject: $subject})
		SET m.role = $role, m.clearance = $clearance, m.updatedAt = $now RETURN m`,
		map[string]any{"ws": m.WorkspaceID, "subject": m.Subject, "role": string(m.Role), "clearance": clearance, "now": now()})
	if err != nil {
		return nil, err
	}
	return decodeMember(nodeProps(recs[0], "m")), nil
}

// RemoveMember ends subject's membership of a workspace.
func (s *Neo4j) RemoveMember(ctx context.Context, ws, subject string) error {
	const op = "store.RemoveMember"
	defer s.access.forget()
	return s.execWrite(ctx, op, func(tx neo4j.ManagedTransaction) error {
		if err := s.lockWorkspace(ctx, tx, ws); err != nil {
			return err
		}
		recs, err := s.run(ctx, tx, "MATCH (m:Member {workspaceId: $ws, subject: $subject}) DELETE m RETURN 1 AS x",
			map[string]any{"ws": ws, "subject": subject})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return errs.NotFoundf("", "%q is not a member of this workspace", subject)
		}
		return s.auditWrite(ctx, tx, ws, "removeMember", []string{subject})
	})
}

// Members lists a workspace's members by subject.
func (s *Neo4j) Members(ctx context.Context, ws string) ([]*domain.Member, error) {
	recs, err := s.readRecords(ctx, "store.Members", `MATCH (w:Workspace {id: $ws}) WHERE `+visibleWorkspace("w")+`
			MATCH (m:Member {workspaceId: $ws}) RETURN m ORDER BY m.subject`, map[string]any{"ws": ws})
	if err != nil {
		return nil, err
	}
	return nodesOf(recs, "m", decodeMember), nil
}

// PseudonymKey returns workspace ws's secret key for pseudonymised
// exports, made at its first use. It never leaves the service.
func (s *Neo4j) PseudonymKey(ctx context.Context, ws string) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	return writeTx(ctx, s, "store.PseudonymKey", func(tx neo4j.ManagedTransaction) ([]byte, error) {
		find := "MATCH (w:Workspace {id: $ws}) WHERE " + visibleWorkspace("w") + " MATCH (k:PseudonymKey {workspaceId: $ws}) RETURN k.key AS key"
		recs, err := s.run(ctx, tx, find, map[string]any{"ws": ws})
		if err != nil || len(recs) > 0 {
			return firstKey(recs), err
		}
		// The first use: make it under the workspace's lock, so that two
		// first exports do not make two keys.
		if err := s.lockWorkspace(ctx, tx, ws); err != nil {
			return nil, err
		}
		if recs, err = s.run(ctx, tx, find, map[string]any{"ws": ws}); err != nil || len(recs) > 0 {
			return firstKey(recs), err
		}
		if _, err := s.run(ctx, tx, "CREATE (k:PseudonymKey {workspaceId: $ws, key: $key})", map[string]any{"ws": ws, "key": fresh}); err != nil {
			return nil, err
		}
		return fresh, s.auditWrite(ctx, tx, ws, "createPseudonymKey", nil)
	})
}

func firstKey(recs []*neo4j.Record) []byte {
	if len(recs) == 0 {
		return nil
	}
	return value[[]byte](recs[0], "key")
}
