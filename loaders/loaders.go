// Package loaders holds the per-request dataloaders: every lookup by id
// that a list can trigger once per item is collected while the list's
// items ask for it and sent to the store as one batch, so a query that
// lists fifty actors with their relationships and endpoints costs a fixed
// number of Neo4j round trips, not one per actor. A lookup outside any
// list (actor(id)) can be fetched at once (LoadNow).
package loaders

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
)

// DefaultWait is the longest a loader collects keys before it fetches
// them, and DefaultIdle how long a batch stays open after its last key
// joined when no other joins. gqlgen resolves the items of a list
// concurrently, in goroutines started together, so their keys arrive
// microseconds apart and keep the batch open; a busy machine may need a
// longer gap (both are configurable), and a batch split in two costs one
// more round trip, not one per item. (Go's timers rarely fire sooner than
// a millisecond on an idle process, so the gap costs about that much.)
const (
	DefaultWait = 5 * time.Millisecond
	DefaultIdle = 300 * time.Microsecond
)

// capacity is the most keys one batch holds.
const capacity = 1000

// Timing is how loaders batch: Idle and Wait as DefaultIdle and
// DefaultWait, which zero fields take.
type Timing struct {
	Idle, Wait time.Duration
}

// Loaders are one request's loaders. They cache for the request's lifetime
// only, so a request never sees another request's stale data.
type Loaders struct {
	Actors        *Loader[string, *domain.Actor]
	Relationships *Loader[string, *domain.Relationship]
	// TypedRelationships looks relationships up by id and type: what an
	// analysis's answer loads (its facts know each one's type).
	TypedRelationships *Loader[TypedID, *domain.Relationship]
	Sources            *Loader[string, *domain.Source]
	Workspaces         *Loader[string, *domain.Workspace]
	WorkspaceCounts    *Loader[string, store.Counts]
	ActorRelationships *Loader[ActorRelationshipsKey, *store.Page[*domain.Relationship]]

	store  Source
	timing Timing
	log    *zap.Logger
}

// Source is what the loaders read: the store's batch lookups, each one
// statement for many keys.
type Source interface {
	ActorsByIDs(ctx context.Context, ids []string) ([]*domain.Actor, error)
	RelationshipsByIDs(ctx context.Context, ids []string) ([]*domain.Relationship, error)
	RelationshipsByTypedIDs(ctx context.Context, ids map[domain.RelationshipType][]string) ([]*domain.Relationship, error)
	SourcesByIDs(ctx context.Context, ids []string) ([]*domain.Source, error)
	WorkspacesByIDs(ctx context.Context, ids []string) ([]*domain.Workspace, error)
	WorkspaceCounts(ctx context.Context, ids []string) (map[string]store.Counts, error)
	RelationshipsOfActors(ctx context.Context, actorIDs []string, q store.ActorRelationshipsQuery) (map[string]*store.Page[*domain.Relationship], error)
}

// TypedID is a relationship's id with its type.
type TypedID struct {
	Type domain.RelationshipType
	ID   string
}

// ActorRelationshipsKey names one actor's page of relationships. Keys that
// differ only in ActorID are fetched together in one statement.
type ActorRelationshipsKey struct {
	ActorID   string
	Direction domain.Direction
	Types     string // the types joined by ",", so that the key is comparable
	// Frameworks joined by ",", likewise (see JoinTypes).
	Frameworks string
	First      int
	After      string
	SkipCount  bool // the page's totalCount is not asked for
	// Ends: the other ends are asked for; they are read with the
	// relationships and primed into Actors.
	Ends bool
}

// New returns fresh loaders over s that batch keys as t says. A panic in
// a batch is logged to log and answers an internal error for each of its
// keys.
func New(s Source, t Timing, log *zap.Logger) *Loaders {
	if t.Wait <= 0 {
		t.Wait = DefaultWait
	}
	if t.Idle <= 0 {
		t.Idle = DefaultIdle
	}
	t.Idle = min(t.Idle, t.Wait)
	l := &Loaders{
		store:  s,
		timing: t,
		log:    log,
		Actors: newLoader(guard(log, "actors", byID(s.ActorsByIDs, func(a *domain.Actor) string { return a.ID })), t.Idle, t.Wait, capacity),
		Relationships: newLoader(guard(log, "relationships", byID(s.RelationshipsByIDs,
			func(r *domain.Relationship) string { return r.ID })), t.Idle, t.Wait, capacity),
		Sources:    newLoader(guard(log, "sources", byID(s.SourcesByIDs, func(x *domain.Source) string { return x.ID })), t.Idle, t.Wait, capacity),
		Workspaces: newLoader(guard(log, "workspaces", byID(s.WorkspacesByIDs, func(w *domain.Workspace) string { return w.ID })), t.Idle, t.Wait, capacity),
		WorkspaceCounts: newLoader(guard(log, "workspaceCounts", func(ctx context.Context, ids []string) ([]store.Counts, []error) {
			m, err := s.WorkspaceCounts(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			out := make([]store.Counts, len(ids))
			for i, id := range ids {
				out[i] = m[id]
			}
			return out, nil
		}), t.Idle, t.Wait, capacity),
	}
	l.TypedRelationships = newLoader(guard(log, "typedRelationships", typedRelationships(s,
		func(r *domain.Relationship) { l.Relationships.Prime(r.ID, r) })), t.Idle, t.Wait, capacity)
	l.ActorRelationships = newLoader(guard(log, "actorRelationships", actorRelationships(s,
		func(a *domain.Actor) { l.Actors.Prime(a.ID, a) })), t.Idle, t.Wait, capacity)
	return l
}

// guard turns a panic in a batch function into an internal error for the
// batch, logged with its value and stack as a panic in a resolver is.
func guard[K comparable, V any](log *zap.Logger, name string, batch func(context.Context, []K) ([]V, []error)) func(context.Context, []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) (values []V, errors []error) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("loader panicked", zap.String("loader", name), zap.String("panic", fmt.Sprint(v)), zap.Stack("stack"))
				values, errors = nil, []error{&errs.Error{Op: "loaders." + name, Kind: errs.Internal}}
			}
		}()
		return batch(ctx, keys)
	}
}

// Reset drops everything the loaders have cached. Mutations call it after
// they write, so that the fields of their result, and the mutations after
// them in the same document, never see data from before the write.
// Mutations run one at a time, so nothing loads while it runs.
func (l *Loaders) Reset() { *l = *New(l.store, l.timing, l.log) }

// typedRelationships is the batch function of TypedRelationships: one
// statement for every key, by type; each relationship found is primed into
// the loader by id.
func typedRelationships(s Source, prime func(*domain.Relationship)) func(context.Context, []TypedID) ([]*domain.Relationship, []error) {
	return func(ctx context.Context, keys []TypedID) ([]*domain.Relationship, []error) {
		byType := map[domain.RelationshipType][]string{}
		for _, k := range keys {
			byType[k.Type] = append(byType[k.Type], k.ID)
		}
		rels, err := s.RelationshipsByTypedIDs(ctx, byType)
		if err != nil {
			return nil, []error{err}
		}
		found := make(map[TypedID]*domain.Relationship, len(rels))
		for _, r := range rels {
			found[TypedID{r.Type, r.ID}] = r
			prime(r)
		}
		out := make([]*domain.Relationship, len(keys))
		for i, k := range keys {
			out[i] = found[k]
		}
		return out, nil
	}
}

// byID adapts a store batch lookup, which omits unknown ids, to the
// loader's contract of one value per key in key order (nil for unknown).
func byID[T any](fetch func(context.Context, []string) ([]T, error), idOf func(T) string) func(context.Context, []string) ([]T, []error) {
	return func(ctx context.Context, ids []string) ([]T, []error) {
		items, err := fetch(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		found := make(map[string]T, len(items))
		for _, it := range items {
			found[idOf(it)] = it
		}
		out := make([]T, len(ids))
		for i, id := range ids {
			out[i] = found[id]
		}
		return out, nil
	}
}

// actorRelationships groups keys by their page arguments and fetches each
// group in one store call.
func actorRelationships(s Source, prime func(*domain.Actor)) func(context.Context, []ActorRelationshipsKey) ([]*store.Page[*domain.Relationship], []error) {
	return func(ctx context.Context, keys []ActorRelationshipsKey) ([]*store.Page[*domain.Relationship], []error) {
		type args struct {
			dir        domain.Direction
			types      string
			frameworks string
			first      int
			after      string
			skipCount  bool
			ends       bool
		}
		groups := map[args][]string{}
		for _, k := range keys {
			a := args{k.Direction, k.Types, k.Frameworks, k.First, k.After, k.SkipCount, k.Ends}
			groups[a] = append(groups[a], k.ActorID)
		}
		pages := make(map[ActorRelationshipsKey]*store.Page[*domain.Relationship], len(keys))
		for a, ids := range groups {
			q := store.ActorRelationshipsQuery{
				Direction: a.dir, Types: SplitTypes[domain.RelationshipType](a.types), Frameworks: SplitTypes[domain.Framework](a.frameworks),
				PageArgs: store.PageArgs{First: a.first, After: a.after}, SkipCount: a.skipCount}
			if a.ends {
				q.Ends = prime
			}
			res, err := s.RelationshipsOfActors(ctx, ids, q)
			if err != nil {
				return nil, []error{err}
			}
			for _, id := range ids {
				p := res[id]
				if p == nil {
					p = &store.Page[*domain.Relationship]{}
				}
				pages[ActorRelationshipsKey{id, a.dir, a.types, a.frameworks, a.first, a.after, a.skipCount, a.ends}] = p
			}
		}
		out := make([]*store.Page[*domain.Relationship], len(keys))
		for i, k := range keys {
			out[i] = pages[k]
		}
		return out, nil
	}
}

// JoinTypes and SplitTypes convert a list of enum values (relationship
// types, frameworks) to and from a key string.
func JoinTypes[T ~string](ts []T) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = string(t)
	}
	return strings.Join(parts, ",")
}

func SplitTypes[T ~string](s string) []T {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]T, len(parts))
	for i, p := range parts {
		out[i] = T(p)
	}
	return out
}

type ctxKey struct{}

// Middleware gives each HTTP request its own loaders.
func Middleware(s Source, t Timing, log *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(s, t, log))))
	})
}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the loaders of the request ctx belongs to.
func For(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	if l == nil {
		panic("loaders: no loaders in context; wrap the handler with loaders.Middleware")
	}
	return l
}
