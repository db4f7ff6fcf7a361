package store

import (
	"maps"
	"sync"
	"time"

	"github.com/actorgraph/actorgraph/domain"
)

// AccessCacheTTL is how long a token this process has verified, with its
// subject's memberships, is trusted without asking Neo4j again. Every
// change this process makes to tokens or memberships (revoking, setting
// or removing a member, deleting a workspace) forgets them all at once,
// so within the process a revocation takes effect on the next request;
// a change made by another process (`actorgraph token revoke`, another
// replica) takes effect here within AccessCacheTTL.
const AccessCacheTTL = 2 * time.Second

// accessCache holds the live tokens and JWT subjects' memberships looked
// up in the last AccessCacheTTL. Unknown, revoked and expired tokens are
// never cached: each rejection asks Neo4j (and is rate limited).
type accessCache struct {
	mu      sync.Mutex
	epoch   uint64 // bumped by every change to tokens or memberships
	tokens  map[string]tokenEntry
	subject map[string]grantsEntry
}

type tokenEntry struct {
	token  *domain.Token
	grants map[string]domain.Grant
	epoch  uint64
	at     time.Time
}

type grantsEntry struct {
	grants map[string]domain.Grant
	epoch  uint64
	at     time.Time
}

// maxAccessEntries bounds each map: past it, the map starts afresh.
const maxAccessEntries = 10000

// current is the epoch a lookup starts at: what it finds is cached only
// if no change to access happened meanwhile.
func (c *accessCache) current() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// forget drops everything cached. Writes to tokens and memberships call
// it after they commit (and when they fail: a failed commit may have
// committed), so that a lookup that raced them is not kept either.
func (c *accessCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.tokens, c.subject = nil, nil
}

func (c *accessCache) token(hash string, now time.Time) (*domain.Token, map[string]domain.Grant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[hash]
	if !ok || e.epoch != c.epoch || now.Sub(e.at) >= AccessCacheTTL || now.Sub(e.at) < 0 ||
		(e.token.ExpiresAt != nil && !e.token.ExpiresAt.After(now)) {
		return nil, nil, false
	}
	t := *e.token
	return &t, maps.Clone(e.grants), true
}

func (c *accessCache) putToken(hash string, t *domain.Token, grants map[string]domain.Grant, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.tokens == nil || len(c.tokens) >= maxAccessEntries {
		c.tokens = map[string]tokenEntry{}
	}
	tc := *t
	c.tokens[hash] = tokenEntry{token: &tc, grants: maps.Clone(grants), epoch: epoch, at: now}
}

func (c *accessCache) grants(subject string, now time.Time) (map[string]domain.Grant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.subject[subject]
	if !ok || e.epoch != c.epoch || now.Sub(e.at) >= AccessCacheTTL || now.Sub(e.at) < 0 {
		return nil, false
	}
	return maps.Clone(e.grants), true
}

func (c *accessCache) putGrants(subject string, grants map[string]domain.Grant, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.subject == nil || len(c.subject) >= maxAccessEntries {
		c.subject = map[string]grantsEntry{}
	}
	c.subject[subject] = grantsEntry{grants: maps.Clone(grants), epoch: epoch, at: now}
}
