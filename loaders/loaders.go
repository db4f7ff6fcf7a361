// Package loaders holds the per-request dataloaders: every lookup by id
// that a list can trigger once per item is collected for a few
// milliseconds and sent to the store as one batch, so a query that lists
// fifty actors with their relationships and endpoints costs a fixed number
// of Neo4j round trips, not one per actor.
package loaders

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
)

// DefaultWait is how long a loader collects keys before it fetches them.
// gqlgen resolves the items of a list concurrently, so a few milliseconds
// catch them all on an idle machine; a busy one may need more (the wait is
// configurable), and a batch split in two costs one more round trip, not
// one per item.
const DefaultWait = 5 * time.Millisecond

// Loaders are one request's loaders. They cache for the request's lifetime
// only, so a request never sees another request's stale data.
type Loaders struct {
	Actors             *dataloadgen.Loader[string, *domain.Actor]
	Relationships      *dataloadgen.Loader[string, *domain.Relationship]
	Sources            *dataloadgen.Loader[string, *domain.Source]
	Workspaces         *dataloadgen.Loader[string, *domain.Workspace]
	WorkspaceCounts    *dataloadgen.Loader[string, store.Counts]
	ActorRelationships *dataloadgen.Loader[ActorRelationshipsKey, *store.Page[*domain.Relationship]]

	store Source
	wait  time.Duration
	log   *zap.Logger
}

// Source is what the loaders read: the store's batch lookups, each one
// statement for many keys.
type Source interface {
	ActorsByIDs(ctx context.Context, ids []string) ([]*domain.Actor, error)
	RelationshipsByIDs(ctx context.Context, ids []string) ([]*domain.Relationship, error)
	SourcesByIDs(ctx context.Context, ids []string) ([]*domain.Source, error)
	WorkspacesByIDs(ctx context.Context, ids []string) ([]*domain.Workspace, error)
	WorkspaceCounts(ctx context.Context, ids []string) (map[string]store.Counts, error)
	RelationshipsOfActors(ctx context.Context, actorIDs []string, q store.ActorRelationshipsQuery) (map[string]*store.Page[*domain.Relationship], error)
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
}

// New returns fresh loaders over s that wait the given time to batch keys
// (DefaultWait when zero). A panic in a batch is logged to log and
// answers an internal error for each of its keys.
func New(s Source, wait time.Duration, log *zap.Logger) *Loaders {
	if wait <= 0 {
		wait = DefaultWait
	}
	opts := []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(1000)}
	return &Loaders{
		store:  s,
		wait:   wait,
		log:    log,
		Actors: dataloadgen.NewLoader(guard(log, "actors", byID(s.ActorsByIDs, func(a *domain.Actor) string { return a.ID })), opts...),
		Relationships: dataloadgen.NewLoader(guard(log, "relationships", byID(s.RelationshipsByIDs,
			func(r *domain.Relationship) string { return r.ID })), opts...),
		Sources:    dataloadgen.NewLoader(guard(log, "sources", byID(s.SourcesByIDs, func(x *domain.Source) string { return x.ID })), opts...),
		Workspaces: dataloadgen.NewLoader(guard(log, "workspaces", byID(s.WorkspacesByIDs, func(w *domain.Workspace) string { return w.ID })), opts...),
		WorkspaceCounts: dataloadgen.NewLoader(guard(log, "workspaceCounts", func(ctx context.Context, ids []string) ([]store.Counts, []error) {
			m, err := s.WorkspaceCounts(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			out := make([]store.Counts, len(ids))
			for i, id := range ids {
				out[i] = m[id]
			}
			return out, nil
		}), opts...),
		ActorRelationships: dataloadgen.NewLoader(guard(log, "actorRelationships", actorRelationships(s)), opts...),
	}
}

// guard turns a panic in a batch function into an internal error for the
// batch, logged with its value and stack as a panic in a resolver is.
// (dataloadgen recovers batch panics itself, but into an error that keeps
// neither, so an operator could not tell a panic had happened.)
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
func (l *Loaders) Reset() { *l = *New(l.store, l.wait, l.log) }

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
func actorRelationships(s Source) func(context.Context, []ActorRelationshipsKey) ([]*store.Page[*domain.Relationship], []error) {
	return func(ctx context.Context, keys []ActorRelationshipsKey) ([]*store.Page[*domain.Relationship], []error) {
		type args struct {
			dir        domain.Direction
			types      string
			frameworks string
			first      int
			after      string
		}
		groups := map[args][]string{}
		for _, k := range keys {
			a := args{k.Direction, k.Types, k.Frameworks, k.First, k.After}
			groups[a] = append(groups[a], k.ActorID)
		}
		pages := make(map[ActorRelationshipsKey]*store.Page[*domain.Relationship], len(keys))
		for a, ids := range groups {
			res, err := s.RelationshipsOfActors(ctx, ids, store.ActorRelationshipsQuery{
				Direction: a.dir, Types: SplitTypes[domain.RelationshipType](a.types), Frameworks: SplitTypes[domain.Framework](a.frameworks),
				PageArgs: store.PageArgs{First: a.first, After: a.after}})
			if err != nil {
				return nil, []error{err}
			}
			for _, id := range ids {
				p := res[id]
				if p == nil {
					p = &store.Page[*domain.Relationship]{}
				}
				pages[ActorRelationshipsKey{id, a.dir, a.types, a.frameworks, a.first, a.after}] = p
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
func Middleware(s Source, wait time.Duration, log *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(s, wait, log))))
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
