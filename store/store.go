// Package store is ActorGraph's one storage layer: every Cypher statement
// lives here, behind the Store interface, and no other package imports the
// Neo4j driver. Statements take parameters only; the few parts of a
// statement that vary (relationship types, sort keys) come from fixed lists
// in this package, never from client strings.
package store

import (
	"context"

	"github.com/actorgraph/actorgraph/domain"
)

// Store is what resolvers, loaders and the demo loader hold. Lookups by id
// return an errs.NotFound error for unknown ids; batch lookups (…ByIDs)
// omit them instead, so that a loader can answer null.
type Store interface {
	Ping(ctx context.Context) error
	EnsureSchema(ctx context.Context) error
	Close(ctx context.Context) error

	CreateWorkspace(ctx context.Context, in domain.WorkspaceInput) (*domain.Workspace, error)
	UpdateWorkspace(ctx context.Context, id string, p domain.WorkspacePatch) (*domain.Workspace, error)
	DeleteWorkspace(ctx context.Context, id string) (*domain.DeleteResult, error)
	Workspaces(ctx context.Context) ([]*domain.Workspace, error)
	WorkspacesByIDs(ctx context.Context, ids []string) ([]*domain.Workspace, error)
	WorkspaceCounts(ctx context.Context, ids []string) (map[string]Counts, error)

	CreateActor(ctx context.Context, workspaceID string, in domain.ActorInput) (*domain.Actor, error)
	UpdateActor(ctx context.Context, id string, p domain.ActorPatch) (*domain.Actor, error)
	DeleteActor(ctx context.Context, id string) (*domain.DeleteResult, error)
	ActorsByIDs(ctx context.Context, ids []string) ([]*domain.Actor, error)
	ListActors(ctx context.Context, workspaceID string, q ActorQuery) (*Page[*domain.Actor], error)

	CreateRelationship(ctx context.Context, in domain.RelationshipInput) (*domain.Relationship, error)
	UpdateRelationship(ctx context.Context, id string, p domain.RelationshipPatch) (*domain.Relationship, error)
	DeleteRelationship(ctx context.Context, id string) (*domain.DeleteResult, error)
	RelationshipsByIDs(ctx context.Context, ids []string) ([]*domain.Relationship, error)
	// RelationshipsByTypedIDs is RelationshipsByIDs for ids whose types
	// are known (an analysis's answer knows them): it seeks one index an
	// id, not one per type.
	RelationshipsByTypedIDs(ctx context.Context, ids map[domain.RelationshipType][]string) ([]*domain.Relationship, error)
	ListRelationships(ctx context.Context, workspaceID string, q RelationshipQuery) (*Page[*domain.Relationship], error)
	// RelationshipsOfActors pages the relationships of several actors at
	// once (one round trip), for the Actor.relationships loader.
	RelationshipsOfActors(ctx context.Context, actorIDs []string, q ActorRelationshipsQuery) (map[string]*Page[*domain.Relationship], error)

	CreateSource(ctx context.Context, workspaceID string, in domain.SourceInput) (*domain.Source, error)
	UpdateSource(ctx context.Context, id string, p domain.SourcePatch) (*domain.Source, error)
	DeleteSource(ctx context.Context, id string) (*domain.DeleteResult, error)
	SourcesByIDs(ctx context.Context, ids []string) ([]*domain.Source, error)
	ListSources(ctx context.Context, workspaceID string, q PageArgs) (*Page[*domain.Source], error)

	// WorkspaceVersion, AnalysisSnapshot and ChangesSince feed the
	// analysis engine (analysis.Source and analysis.ChangeLog).
	// AnalysisSnapshot returns the whole workspace, whatever the caller's
	// clearance, and ChangesSince what this store's writes changed in it:
	// only the engine, which applies the clearance, may read them.
	WorkspaceVersion(ctx context.Context, id string) (int64, error)
	AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error)
	ChangesSince(ws string, from, to int64) ([]domain.Change, bool)
	// Contents is what an export writes.
	Contents(ctx context.Context, ws string) (*domain.Contents, error)
	// Import runs an import, all or nothing (see Neo4j.Import).
	Import(ctx context.Context, ws string, write bool, fn func(ctx context.Context, tx domain.ImportTx) error) error
	// Subgraph is an actor's neighbourhood within depth relationships.
	Subgraph(ctx context.Context, center string, depth int, types []domain.RelationshipType, asOf *domain.Date, maxActors int) (*domain.Subgraph, error)

	Access
	// AuditLog pages a workspace's audit records, newest first.
	AuditLog(ctx context.Context, ws string, q PageArgs) (*Page[*domain.AuditRecord], error)
	// RecordReads records that the caller read confidential records.
	RecordReads(ctx context.Context, ws, operation string, ids []string) error
}

// Access is what authentication and the management of tokens and members
// need. Authenticate and Grants run without a caller (they establish one).
type Access interface {
	CreateToken(ctx context.Context, t *domain.Token, hash string, grant *domain.Member) error
	Authenticate(ctx context.Context, hash string) (*domain.Token, map[string]domain.Grant, error)
	Grants(ctx context.Context, subject string) (map[string]domain.Grant, error)
	Tokens(ctx context.Context, ws string) ([]*domain.Token, error)
	TokenByID(ctx context.Context, id string) (*domain.Token, error)
	RevokeToken(ctx context.Context, id string) (*domain.Token, error)
	SetMember(ctx context.Context, m *domain.Member) (*domain.Member, error)
	RemoveMember(ctx context.Context, ws, subject string) error
	Members(ctx context.Context, ws string) ([]*domain.Member, error)
	PseudonymKey(ctx context.Context, ws string) ([]byte, error)
}

// Counts are a workspace's sizes.
type Counts struct {
	Actors        int
	Relationships int
}

// PageArgs asks for one page of a list: at most First items after the
// item whose cursor is After ("" for the first page).
type PageArgs struct {
	First int
	After string
}

// Page is one page of a list.
type Page[T any] struct {
	Items       []T
	Cursors     []string
	TotalCount  int
	HasNextPage bool
}

// ActorQuery selects and orders a page of actors.
type ActorQuery struct {
	Filter domain.ActorFilter
	Order  domain.ActorOrder
	PageArgs
	// SkipCount leaves the page's TotalCount at 0 without counting: for
	// a caller that does not ask for it.
	SkipCount bool
}

// RelationshipQuery selects a page of relationships (ordered by id, which
// is creation order).
type RelationshipQuery struct {
	Filter domain.RelationshipFilter
	PageArgs
	// SkipCount leaves the page's TotalCount at 0 without counting.
	SkipCount bool
}

// ActorRelationshipsQuery selects a page of one actor's relationships.
type ActorRelationshipsQuery struct {
	Direction domain.Direction
	Types     []domain.RelationshipType
	// Frameworks keeps the relationships that carry any of them; empty is
	// no condition.
	Frameworks []domain.Framework
	PageArgs
	// SkipCount leaves each page's TotalCount at 0 without counting.
	SkipCount bool
	// Ends, when set, is handed the other end of every relationship of
	// the pages (each once), read in the same statement: visible to the
	// caller, since the relationship is, and recorded as read.
	Ends func(*domain.Actor)
}
