package domain

import (
	"context"
	"io"

	"github.com/actorgraph/actorgraph/errs"
)

// Direction says which relationships of an actor to list.
type Direction string

const (
	Out  Direction = "OUT"
	In   Direction = "IN"
	Both Direction = "BOTH"
)

var Directions = []Direction{Out, In, Both}

func (d Direction) IsValid() bool          { return isValidEnum(d, Directions) }
func (d Direction) MarshalGQL(w io.Writer) { marshalEnum(d, w) }
func (d *Direction) UnmarshalGQL(v any) (err error) {
	*d, err = unmarshalEnum(v, "Direction", Directions)
	return err
}

// OrderDirection is ascending or descending.
type OrderDirection string

const (
	Asc  OrderDirection = "ASC"
	Desc OrderDirection = "DESC"
)

var OrderDirections = []OrderDirection{Asc, Desc}

func (d OrderDirection) IsValid() bool          { return isValidEnum(d, OrderDirections) }
func (d OrderDirection) MarshalGQL(w io.Writer) { marshalEnum(d, w) }
func (d *OrderDirection) UnmarshalGQL(v any) (err error) {
	*d, err = unmarshalEnum(v, "OrderDirection", OrderDirections)
	return err
}

// ActorOrderField is what actor lists sort by.
type ActorOrderField string

const (
	OrderByName      ActorOrderField = "NAME"
	OrderByCreatedAt ActorOrderField = "CREATED_AT"
)

var ActorOrderFields = []ActorOrderField{OrderByName, OrderByCreatedAt}

func (f ActorOrderField) IsValid() bool          { return isValidEnum(f, ActorOrderFields) }
func (f ActorOrderField) MarshalGQL(w io.Writer) { marshalEnum(f, w) }
func (f *ActorOrderField) UnmarshalGQL(v any) (err error) {
	*f, err = unmarshalEnum(v, "ActorOrderField", ActorOrderFields)
	return err
}

// ActorOrder is how actor lists sort; ties are broken by id.
type ActorOrder struct {
	Field     ActorOrderField
	Direction OrderDirection
}

// ActorFilter selects actors of a workspace; every condition set must hold.
type ActorFilter struct {
	Kinds      []ActorKind
	Region     *string
	Tags       []string
	Search     *string
	ExternalID *string
	// Frameworks keeps the actors that carry any of them; empty is no condition.
	Frameworks []Framework
	// CustomAttributes must all match (see CustomFilter).
	CustomAttributes []CustomFilter
}

// CheckFilterTags drops repeated tags from an actor filter and checks that
// at most MaxTags remain: an actor holds at most MaxTags tags, so a filter
// that asks for more matches nothing, and each tag it names costs a
// comparison on every actor of the workspace.
func CheckFilterTags(op string, tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, errs.Invalidf(op, "tags", "a filter takes at most %d tags (an actor has at most %d), got %d", MaxTags, MaxTags, len(out))
	}
	return out, nil
}

// RelationshipFilter selects relationships of a workspace.
type RelationshipFilter struct {
	Types         []RelationshipType
	From          *string
	To            *string
	MinStrength   *float64
	MinConfidence *float64
	PerceivedBy   *string
	ValidAt       *Date
	// Frameworks keeps the relationships that carry any of them; empty is
	// no condition.
	Frameworks []Framework
	// CustomAttributes must all match (see CustomFilter).
	CustomAttributes []CustomFilter
}

// DeleteResult says what a delete removed.
type DeleteResult struct {
	ID                   string
	ActorsDeleted        int
	RelationshipsDeleted int
	SourcesDeleted       int
}

// Snapshot is what analyses read of one workspace: every actor and the
// facts of every relationship of the types analyses use, as of one
// version.
type Snapshot struct {
	WorkspaceID   string
	Version       int64
	Actors        []*Actor
	Relationships []*RelationshipFacts
}

// Change is what one committed write did to a workspace's actors and
// relationships: the records it created or updated, as written, and the
// ids of those it deleted (an actor with every relationship of its). The
// store keeps the changes its own writes made (store.ChangesSince), so
// that the analysis engine can bring a snapshot up to date without
// reading the workspace again.
type Change struct {
	WorkspaceID          string
	Version              int64 // the version the write gave the workspace
	Actors               []*Actor
	Relationships        []*Relationship
	DeletedActors        []string
	DeletedRelationships []string
}

// AnalysisTypes are the relationship types a Snapshot holds: the leverage
// types, the two kinds of power, and trust; support, cooperation and
// tension for the do-no-harm flags (SUPPORTS, IN_TENSION_WITH) and the
// trust gaps' contested cooperation (COOPERATES_WITH, IN_TENSION_WITH).
var AnalysisTypes = []RelationshipType{AccountableTo, Controls, Represents, ParticipatesIn, Influences, Dialogue,
	ProvidesSecurity, Threatens, Trusts, Supports, CooperatesWith, InTensionWith}

// Subgraph is an actor's neighbourhood, for visualisation.
type Subgraph struct {
	Center        *Actor
	Actors        []*Actor
	Relationships []*Relationship
	Truncated     bool // the neighbourhood had more actors than the limit
}

// Contents is everything a workspace holds, as of one version.
type Contents struct {
	Version       int64
	Actors        []*Actor
	Relationships []*Relationship
	Sources       []*Source
}

// Changes are a part of what an import writes to a workspace; an import
// applies several, in order, all kept or none.
type Changes struct {
	CreateSources, UpdateSources             []*Source
	CreateActors, UpdateActors               []*Actor
	CreateRelationships, UpdateRelationships []*Relationship
	RemoveRelationships                      []*Relationship
	RemoveActors, RemoveSources              []string
}

// Empty reports whether the changes change nothing.
func (c *Changes) Empty() bool { return c.Size() == 0 }

// Size is the number of records the changes write or remove.
func (c *Changes) Size() int {
	return len(c.CreateSources) + len(c.UpdateSources) + len(c.CreateActors) + len(c.UpdateActors) + len(c.CreateRelationships) +
		len(c.UpdateRelationships) + len(c.RemoveRelationships) + len(c.RemoveActors) + len(c.RemoveSources)
}

// ImportTx is one import on one workspace: what it reads and what it
// writes, all kept together at the end, or none of it.
//
// An import never reads the whole workspace: it asks for the records its
// rows name (Lookup) and, for a sync, for the records its files do not
// hold (Rest), so that its cost follows the files, not the workspace.
type ImportTx interface {
	// Lookup reads the records of the workspace that q names, as they are
	// now (later lookups see earlier Applies).
	Lookup(ctx context.Context, q *ImportLookup) (*Contents, error)
	// Rest reads the workspace's records of one kind ("sources", "actors"
	// or "relationships") whose ids are not among keep, in id order.
	Rest(ctx context.Context, kind string, keep []string) (*Contents, error)
	// Apply writes changes; later changes see earlier ones.
	Apply(ctx context.Context, ch *Changes) error
}

type importRowsKey struct{}

// WithImportRows tells the store, before an import starts, how many
// records its files are known to hold (the sources and actors, read
// whole before it starts): a hint, so that an import known to be large
// goes in batches from its start, rather than moving to them part way
// (see store.Config.ImportInOneTx).
func WithImportRows(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, importRowsKey{}, n)
}

// ImportRows is WithImportRows's hint, 0 when none was given.
func ImportRows(ctx context.Context) int {
	n, _ := ctx.Value(importRowsKey{}).(int)
	return n
}

// ImportLookup names the records an import asks for; each list may be
// empty. A key is an external id, or the service id of a record without
// one (which is how exports name such records).
type ImportLookup struct {
	SourceKeys, ActorKeys, RelationshipKeys []string
	// ActorIDs are service ids.
	ActorIDs []string
	// ActorNames are names in lower case: every actor whose name, in
	// lower case, is one of them.
	ActorNames []string
	// RelationshipEnds are pairs of actor ids: the relationships without
	// an external id from the first actor to the second.
	RelationshipEnds [][2]string
	// RelationshipsOf are actor ids: every relationship from or to one.
	RelationshipsOf []string
}

// Empty says whether the lookup asks for nothing.
func (q *ImportLookup) Empty() bool {
	return len(q.SourceKeys)+len(q.ActorKeys)+len(q.RelationshipKeys)+len(q.ActorIDs)+len(q.ActorNames)+
		len(q.RelationshipEnds)+len(q.RelationshipsOf) == 0
}
