package domain

import (
	"context"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/actorgraph/actorgraph/errs"
)

// Access: who is calling, which workspaces they may see, with which role,
// and up to which sensitivity. The store reads the caller from the
// context and puts its visibility into every statement's WHERE clause, so
// that what a caller may not see is never read at all.

// Sensitivity is how much harm a record could do in the wrong hands.
type Sensitivity string

const (
	// Public records may be shown to anyone with access to the workspace.
	Public Sensitivity = "PUBLIC"
	// Restricted records are for analysts and above: the default for new
	// records, since most of a map is not for general circulation.
	Restricted Sensitivity = "RESTRICTED"
	// Confidential records could get people hurt: editors and owners only,
	// and every read of them is audited.
	Confidential Sensitivity = "CONFIDENTIAL"
)

// Sensitivities are the levels, least sensitive first.
var Sensitivities = []Sensitivity{Public, Restricted, Confidential}

// DefaultSensitivity is what a record gets when its input names none.
const DefaultSensitivity = Restricted

func (s Sensitivity) IsValid() bool          { return isValidEnum(s, Sensitivities) }
func (s Sensitivity) MarshalGQL(w io.Writer) { marshalEnum(s, w) }
func (s *Sensitivity) UnmarshalGQL(v any) (err error) {
	*s, err = unmarshalEnum(v, "Sensitivity", Sensitivities)
	return err
}

// ParseSensitivity reads a level as the schema spells it.
func ParseSensitivity(s string) (Sensitivity, error) {
	return parseEnum(s, "sensitivity", Sensitivities)
}

// rank orders levels; an unknown level ranks above every known one, so
// that a record with a corrupt level is hidden rather than shown.
func (s Sensitivity) rank() int {
	for i, x := range Sensitivities {
		if x == s {
			return i
		}
	}
	return len(Sensitivities)
}

// Covers reports whether a clearance of s lets its holder see level x.
func (s Sensitivity) Covers(x Sensitivity) bool { return s.IsValid() && x.rank() <= s.rank() }

// Role is what a member may do in a workspace; each role can do all that
// the roles before it can.
type Role string

const (
	// Viewer reads the map.
	Viewer Role = "VIEWER"
	// Analyst also runs analyses and exports.
	Analyst Role = "ANALYST"
	// Editor also writes and imports.
	Editor Role = "EDITOR"
	// Owner also manages members and tokens and reads the audit log.
	Owner Role = "OWNER"
)

// Roles are the roles, least powerful first.
var Roles = []Role{Viewer, Analyst, Editor, Owner}

func (r Role) IsValid() bool          { return isValidEnum(r, Roles) }
func (r Role) MarshalGQL(w io.Writer) { marshalEnum(r, w) }
func (r *Role) UnmarshalGQL(v any) (err error) {
	*r, err = unmarshalEnum(v, "Role", Roles)
	return err
}

// ParseRole reads a role as the schema spells it.
func ParseRole(s string) (Role, error) { return parseEnum(s, "role", Roles) }

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// AtLeast reports whether r includes everything min may do.
func (r Role) AtLeast(min Role) bool { return r.IsValid() && r.rank() >= min.rank() }

// DefaultClearance is the sensitivity a role sees unless its membership
// says otherwise.
func (r Role) DefaultClearance() Sensitivity {
	switch r {
	case Viewer:
		return Public
	case Analyst:
		return Restricted
	case Editor, Owner:
		return Confidential
	}
	return ""
}

// Grant is a caller's membership of one workspace.
type Grant struct {
	Role      Role
	Clearance Sensitivity
}

// Caller is who makes a request, as authentication established it.
type Caller struct {
	// Subject names the caller in audit records: "token:<id>", "jwt:<sub>",
	// "admin" or "cli:<user>".
	Subject string
	// Admin callers (the operator's bootstrap token, the CLI on the
	// server's machine) may create workspaces and act as owner of every
	// workspace.
	Admin bool
	// Grants are the caller's workspaces.
	Grants map[string]Grant
	// Reads notes the confidential records this request read, for the
	// audit log; nil when nobody collects them.
	Reads *ReadLog
}

// Grant returns the caller's membership of workspace ws.
func (c *Caller) Grant(ws string) (Grant, bool) {
	if c == nil {
		return Grant{}, false
	}
	if c.Admin {
		return Grant{Role: Owner, Clearance: Confidential}, true
	}
	g, ok := c.Grants[ws]
	if !ok || !g.Role.IsValid() {
		return Grant{}, false
	}
	if !g.Clearance.IsValid() {
		g.Clearance = Public // fail closed: an unreadable clearance sees the least
	}
	return g, true
}

// Can reports whether the caller holds at least role min in workspace ws.
func (c *Caller) Can(ws string, min Role) bool {
	g, ok := c.Grant(ws)
	return ok && g.Role.AtLeast(min)
}

// Levels lists the sensitivities the caller sees in workspace ws; none
// when the caller is no member.
func (c *Caller) Levels(ws string) []string {
	g, ok := c.Grant(ws)
	if !ok {
		return []string{}
	}
	var out []string
	for _, s := range Sensitivities {
		if g.Clearance.Covers(s) {
			out = append(out, string(s))
		}
	}
	return out
}

// Workspaces lists the workspaces the caller is a member of, sorted (all
// of them, for an admin: see Admin).
func (c *Caller) Workspaces() []string {
	if c == nil {
		return nil
	}
	out := make([]string, 0, len(c.Grants))
	for ws := range c.Grants {
		out = append(out, ws)
	}
	sort.Strings(out)
	return out
}

// Operator is the caller the CLI and the service's own start-up act as:
// an admin, named for the audit log.
func Operator(subject string) *Caller { return &Caller{Subject: subject, Admin: true} }

// Service is the service acting on its own behalf (start-up, checking
// credentials, its development token). It collects no reads, so one value
// serves every use.
var Service = Operator("service")

// View names what the caller sees of workspace ws (its visible levels, and
// whether it is an admin, who also sees records whose level is unreadable):
// callers with equal views see the same records there, so caches of
// derived data are keyed by it.
func (c *Caller) View(ws string) string {
	v := strings.Join(c.Levels(ws), ",")
	if c != nil && c.Admin {
		v += "+admin"
	}
	return v
}

type callerKey struct{}

// WithCaller returns a context that carries c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the context's caller, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}

// ReadLog gathers the confidential records one request reads, per
// workspace, so that the request leaves one audit record per workspace
// rather than one per record. Safe for concurrent use.
type ReadLog struct {
	mu   sync.Mutex
	ids  map[string]map[string]bool // workspace → ids noted one by one
	sets map[string][][]string      // workspace → sorted lists noted whole (NoteAll)
}

// Note records that the request read record id of workspace ws.
func (l *ReadLog) Note(ws, id string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ids == nil {
		l.ids = map[string]map[string]bool{}
	}
	if l.ids[ws] == nil {
		l.ids[ws] = map[string]bool{}
	}
	l.ids[ws][id] = true
}

// NoteAll records that the request read every record of sorted, a list of
// ids of workspace ws sorted and without repeats, which the log keeps
// without copying: the caller must not change it afterwards. It is how an
// analysis notes the confidential records its projection was built from
// (tens of thousands on a large map), shared by every request that uses
// the projection: noted one by one, they cost each request more than the
// analysis itself.
func (l *ReadLog) NoteAll(ws string, sorted []string) {
	if l == nil || len(sorted) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sets == nil {
		l.sets = map[string][][]string{}
	}
	for _, s := range l.sets[ws] {
		if len(s) == len(sorted) && &s[0] == &sorted[0] {
			return // the same list again
		}
	}
	l.sets[ws] = append(l.sets[ws], sorted)
}

// Take returns the ids noted so far, sorted and without repeats, per
// workspace, and forgets them. A workspace whose ids all lie in one list
// noted whole gets that list itself, shared: callers must not change it.
func (l *ReadLog) Take() map[string][]string {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string][]string, len(l.ids)+len(l.sets))
	for ws, sets := range l.sets {
		out[ws] = takeSets(sets, l.ids[ws])
	}
	for ws, set := range l.ids {
		if _, done := out[ws]; done {
			continue
		}
		ids := make([]string, 0, len(set))
		for id := range set {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		out[ws] = ids
	}
	l.ids, l.sets = nil, nil
	return out
}

// takeSets is the union of sorted lists and single ids: the one list
// itself when there is one and every single id lies in it (what an
// analysis request reads), merged otherwise.
func takeSets(sets [][]string, single map[string]bool) []string {
	if len(sets) == 1 {
		inside := true
		for id := range single {
			if _, found := slices.BinarySearch(sets[0], id); !found {
				inside = false
				break
			}
		}
		if inside {
			return sets[0]
		}
	}
	var ids []string
	for _, s := range sets {
		ids = append(ids, s...)
	}
	for id := range single {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// NoteConfidential notes a record's read in the context's read log if the
// record is confidential.
func NoteConfidential(ctx context.Context, ws, id string, s Sensitivity) {
	if s == Confidential {
		if c := CallerFrom(ctx); c != nil {
			c.Reads.Note(ws, id)
		}
	}
}

// normalizeSensitivity gives a record without a level the default and
// refuses unknown levels.
func normalizeSensitivity(op string, s Sensitivity) (Sensitivity, error) {
	if s == "" {
		return DefaultSensitivity, nil
	}
	if !s.IsValid() {
		return "", errs.Invalidf(op, "sensitivity", "%q is not a sensitivity (allowed: %s)", s, joinEnum(Sensitivities))
	}
	return s, nil
}

// applySensitivity sets a level; clearing it restores the default.
func applySensitivity(o Opt[Sensitivity], dst *Sensitivity) {
	if o.Set {
		*dst = deref(o.Value)
	}
}

// Token is an API token the service issued. Its secret is shown once, when
// it is created, and stored only as a hash.
type Token struct {
	ID   string
	Name string
	// Subject is who the token acts as in memberships and audit records:
	// "token:<id>".
	Subject string
	// WorkspaceID is the workspace the token was issued for, whose owners
	// list and revoke it; empty for an admin token.
	WorkspaceID string
	Admin       bool
	CreatedBy   string
	CreatedAt   time.Time
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
}

// NodeID makes a token a Relay node.
func (t *Token) NodeID() string { return t.ID }

// Member is a subject's membership of a workspace.
type Member struct {
	WorkspaceID string
	Subject     string
	Role        Role
	// Clearance overrides the role's default clearance when set.
	Clearance *Sensitivity
	UpdatedAt time.Time
}

// Grant is the membership as access control uses it.
func (m *Member) Grant() Grant {
	g := Grant{Role: m.Role, Clearance: m.Role.DefaultClearance()}
	if m.Clearance != nil {
		g.Clearance = *m.Clearance
	}
	return g
}

// AuditKind says whether an audit record is of a write or of a read of
// confidential records.
type AuditKind string

const (
	AuditWrite AuditKind = "WRITE"
	AuditRead  AuditKind = "READ"
)

var AuditKinds = []AuditKind{AuditWrite, AuditRead}

func (k AuditKind) IsValid() bool          { return isValidEnum(k, AuditKinds) }
func (k AuditKind) MarshalGQL(w io.Writer) { marshalEnum(k, w) }
func (k *AuditKind) UnmarshalGQL(v any) (err error) {
	*k, err = unmarshalEnum(v, "AuditKind", AuditKinds)
	return err
}

// AuditRecord is one entry of a workspace's audit log: who did what, when,
// to which records. Writes list the ids they touched (up to
// MaxAuditedIDs); reads of confidential records, and writes of more ids
// than that, give the count and a digest of the ids instead.
type AuditRecord struct {
	ID          string
	WorkspaceID string
	At          time.Time
	Subject     string
	Operation   string
	Kind        AuditKind
	IDs         []string
	Count       int
	Digest      string
}

// MaxAuditedIDs is how many ids a write's audit record lists.
const MaxAuditedIDs = 100

// PrefixToken and PrefixAudit are the id prefixes of tokens and audit records.
const (
	PrefixToken = "tok_"
	PrefixAudit = "aud_"
)
