package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/graph/model"
	"github.com/actorgraph/actorgraph/loaders"
	"github.com/actorgraph/actorgraph/store"
)

// asksFor says whether the field being resolved, whose type is typ,
// selects field (under any alias, in a fragment, or not skipped by a
// directive). Outside a GraphQL operation it answers yes.
func asksFor(ctx context.Context, typ, field string) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return true
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typ}) {
		if f.Name == field {
			return true
		}
	}
	return false
}

// MaxPageSize is the largest `first` a list accepts.
const MaxPageSize = 500

// pageArgs checks a list's first and after arguments.
func pageArgs(op string, first *int, after *string) (store.PageArgs, error) {
	n := 50
	if first != nil {
		n = *first
	}
	if n < 1 || n > MaxPageSize {
		return store.PageArgs{}, errs.Invalidf(op, "first", "first must be between 1 and %d, got %d", MaxPageSize, n)
	}
	a := ""
	if after != nil {
		a = *after
	}
	return store.PageArgs{First: n, After: a}, nil
}

// pageOf cuts one page of at most first items from rest (the items after
// the request's cursor), with their cursors and whether more follow: the
// in-memory lists (the analyses' connections) page as the store's do.
func pageOf[T any](rest []T, first int, cursor func(T) string) (page []T, cursors []string, more bool) {
	page = rest[:min(len(rest), first)]
	cursors = make([]string, len(page))
	for i, x := range page {
		cursors[i] = cursor(x)
	}
	return page, cursors, len(rest) > len(page)
}

func pageInfo(cursors []string, hasNext, hadAfter bool) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hadAfter}
	if len(cursors) > 0 {
		pi.StartCursor, pi.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	return pi
}

func actorConnection(p *store.Page[*domain.Actor], args store.PageArgs) *model.ActorConnection {
	c := &model.ActorConnection{TotalCount: p.TotalCount, PageInfo: pageInfo(p.Cursors, p.HasNextPage, args.After != "")}
	c.Edges = make([]*model.ActorEdge, len(p.Items))
	for i, a := range p.Items {
		c.Edges[i] = &model.ActorEdge{Cursor: p.Cursors[i], Node: a.Typed()}
	}
	return c
}

func relationshipConnection(p *store.Page[*domain.Relationship], args store.PageArgs) *model.RelationshipConnection {
	c := &model.RelationshipConnection{TotalCount: p.TotalCount, PageInfo: pageInfo(p.Cursors, p.HasNextPage, args.After != "")}
	c.Edges = make([]*model.RelationshipEdge, len(p.Items))
	for i, r := range p.Items {
		c.Edges[i] = &model.RelationshipEdge{Cursor: p.Cursors[i], Node: r}
	}
	return c
}

func sourceConnection(p *store.Page[*domain.Source], args store.PageArgs) *model.SourceConnection {
	c := &model.SourceConnection{TotalCount: p.TotalCount, PageInfo: pageInfo(p.Cursors, p.HasNextPage, args.After != "")}
	c.Edges = make([]*model.SourceEdge, len(p.Items))
	for i, x := range p.Items {
		c.Edges[i] = &model.SourceEdge{Cursor: p.Cursors[i], Node: x}
	}
	return c
}

// Lookups by id through the request's loaders. Unknown ids are NOT_FOUND.
// A lookup of a field outside any list (actor(id), a workspace's field)
// is fetched at once: only the query's text can repeat it (aliases), so it
// waits for no batch. One inside a list waits for its siblings.

func loadByID[T any](ctx context.Context, l *loaders.Loader[string, *T], what, id string) (*T, error) {
	v, err := loadOne(ctx, l, id)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errs.NotFoundf(what, "no %s has id %q", what, id)
	}
	return v, nil
}

// loadOne loads key through l, at once outside a list (see loadByID).
func loadOne[K comparable, V any](ctx context.Context, l *loaders.Loader[K, V], key K) (V, error) {
	if inList(ctx) {
		return l.Load(ctx, key)
	}
	return l.LoadNow(ctx, key)
}

// inList says whether the field being resolved is inside a list: whether
// its path holds an index. Outside a GraphQL operation it answers yes, so
// that lookups batch.
func inList(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return true
	}
	// The field contexts up to the operation, as GetPath walks them, without
	// building the path: every lookup asks (about 2% of a nested read's
	// CPU went to paths built only for this, in BenchmarkNestedRead).
	for ; fc != nil; fc = fc.Parent {
		if fc.Index != nil {
			return true
		}
	}
	return false
}

func loadWorkspace(ctx context.Context, id string) (*domain.Workspace, error) {
	return loadByID(ctx, loaders.For(ctx).Workspaces, "workspace", id)
}

func loadActor(ctx context.Context, id string) (*domain.Actor, error) {
	return loadByID(ctx, loaders.For(ctx).Actors, "actor", id)
}

func loadRelationship(ctx context.Context, id string) (*domain.Relationship, error) {
	return loadByID(ctx, loaders.For(ctx).Relationships, "relationship", id)
}

func loadSource(ctx context.Context, id string) (*domain.Source, error) {
	return loadByID(ctx, loaders.For(ctx).Sources, "source", id)
}

// loadNode fetches any record by id; the id's prefix says which kind.
func loadNode(ctx context.Context, id string) (domain.Node, error) {
	switch domain.IDKind(id) {
	case domain.PrefixWorkspace:
		return loadWorkspace(ctx, id)
	case domain.PrefixActor:
		a, err := loadActor(ctx, id)
		if err != nil {
			return nil, err
		}
		return a.Typed(), nil
	case domain.PrefixRelationship:
		return loadRelationship(ctx, id)
	case domain.PrefixSource:
		return loadSource(ctx, id)
	}
	return nil, errs.NotFoundf("node", "nothing has id %q", id)
}

// loadNodes fetches several records at once: the ids go into the loaders
// together (as thunks), so that each kind costs one batch, not one round
// trip per id. Unknown ids give nil.
func loadNodes(ctx context.Context, ids []string) ([]domain.Node, error) {
	l := loaders.For(ctx)
	thunks := make([]func() (domain.Node, error), len(ids))
	for i, id := range ids {
		switch domain.IDKind(id) {
		case domain.PrefixWorkspace:
			th := l.Workspaces.LoadThunk(ctx, id)
			thunks[i] = func() (domain.Node, error) { w, err := th(); return nilIfAbsent(w, err) }
		case domain.PrefixActor:
			th := l.Actors.LoadThunk(ctx, id)
			thunks[i] = func() (domain.Node, error) {
				a, err := th()
				if err != nil || a == nil {
					return nil, err
				}
				return a.Typed(), nil
			}
		case domain.PrefixRelationship:
			th := l.Relationships.LoadThunk(ctx, id)
			thunks[i] = func() (domain.Node, error) { r, err := th(); return nilIfAbsent(r, err) }
		case domain.PrefixSource:
			th := l.Sources.LoadThunk(ctx, id)
			thunks[i] = func() (domain.Node, error) { x, err := th(); return nilIfAbsent(x, err) }
		default:
			thunks[i] = func() (domain.Node, error) { return nil, nil }
		}
	}
	out := make([]domain.Node, len(ids))
	for i, th := range thunks {
		n, err := th()
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// nilIfAbsent turns a loader's nil pointer into a nil interface, which
// GraphQL shows as null.
func nilIfAbsent[T interface {
	*domain.Workspace | *domain.Relationship | *domain.Source
	domain.Node
}](v T, err error) (domain.Node, error) {
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}

// afterWrite runs after every mutation: see loaders.Loaders.Reset.
func afterWrite(ctx context.Context) { loaders.For(ctx).Reset() }

// loadSources resolves a list of source ids; sources deleted meanwhile are skipped.
func loadSources(ctx context.Context, ids []string) ([]*domain.Source, error) {
	if len(ids) == 0 {
		return []*domain.Source{}, nil
	}
	found, err := loaders.For(ctx).Sources.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Source, 0, len(found))
	for _, s := range found {
		if s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// actorRelationships is Actor.relationships for every concrete actor type.
func actorRelationships(ctx context.Context, a *domain.Actor, direction *domain.Direction, types []domain.RelationshipType, frameworks []domain.Framework, first *int, after *string) (*model.RelationshipConnection, error) {
	args, err := pageArgs("Actor.relationships", first, after)
	if err != nil {
		return nil, err
	}
	dir := domain.Both
	if direction != nil {
		dir = *direction
	}
	page, err := loadOne(ctx, loaders.For(ctx).ActorRelationships, loaders.ActorRelationshipsKey{
		ActorID: a.ID, Direction: dir, Types: loaders.JoinTypes(types), Frameworks: loaders.JoinTypes(frameworks), First: args.First, After: args.After,
		SkipCount: !asksFor(ctx, "RelationshipConnection", "totalCount"), Ends: asksForEnds(ctx, dir)})
	if err != nil {
		return nil, err
	}
	return relationshipConnection(page, args), nil
}

// asksForEnds says whether the relationship connection being resolved
// selects the other end of every relationship on it: edges { node { to } }
// for OUT, from for IN, both for BOTH (where either end may be the actor
// itself). Only then are the ends read with the relationships, so that
// no end is read (and audited as read) that the answer does not hold.
func asksForEnds(ctx context.Context, dir domain.Direction) bool {
	fc := graphql.GetFieldContext(ctx)
	if !graphql.HasOperationContext(ctx) || fc == nil {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	asked := map[string]bool{}
	for _, e := range graphql.CollectFields(oc, fc.Field.Selections, []string{"RelationshipConnection"}) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(oc, e.Selections, []string{"RelationshipEdge"}) {
			if n.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, n.Selections, []string{"Relationship"}) {
				asked[f.Name] = true
			}
		}
	}
	switch dir {
	case domain.Out:
		return asked["to"]
	case domain.In:
		return asked["from"]
	}
	return asked["to"] && asked["from"]
}

// Conversions from gqlgen's Omittable update fields to domain.Opt.

func opt[T any](o graphql.Omittable[*T]) domain.Opt[T] {
	v, set := o.ValueOK()
	return domain.Opt[T]{Set: set, Value: v}
}

func optList[T any](o graphql.Omittable[[]T]) domain.Opt[[]T] {
	v, set := o.ValueOK()
	if !set || v == nil {
		return domain.Opt[[]T]{Set: set}
	}
	return domain.Opt[[]T]{Set: true, Value: &v}
}

func actorPatch(in model.UpdateActorInput) (domain.ActorPatch, error) {
	custom, err := optCustom("updateActor", in.CustomAttributes)
	return domain.ActorPatch{
		Name: opt(in.Name), Description: opt(in.Description), Region: opt(in.Region), Tags: optList(in.Tags), Frameworks: optList(in.Frameworks),
		ExternalID: opt(in.ExternalID), SourceIDs: optList(in.SourceIds), Population: opt(in.Population),
		RightsAwareness: opt(in.RightsAwareness), Marginalised: opt(in.Marginalised), Displaced: opt(in.Displaced),
		Unregistered: opt(in.Unregistered), Level: opt(in.Level), Branch: opt(in.Branch), ForceType: opt(in.ForceType),
		StateAffiliated: opt(in.StateAffiliated), Focus: opt(in.Focus), WomenLed: opt(in.WomenLed),
		Membership: opt(in.Membership), OrganizationType: opt(in.OrganizationType), AuthorityType: opt(in.AuthorityType),
		InternationalType: opt(in.InternationalType), Sensitivity: opt(in.Sensitivity),
		Custom: custom, Layout: opt(in.Layout),
	}, err
}

func relationshipPatch(in model.UpdateRelationshipInput) (domain.RelationshipPatch, error) {
	custom, err := optCustom("updateRelationship", in.CustomAttributes)
	return domain.RelationshipPatch{
		Strength: opt(in.Strength), Confidence: opt(in.Confidence), ExternalID: opt(in.ExternalID),
		PerceivedBy: opt(in.PerceivedBy), Mechanism: opt(in.Mechanism), Channel: opt(in.Channel), Power: opt(in.Power),
		Form: opt(in.Form), ValidFrom: opt(in.ValidFrom), ValidTo: opt(in.ValidTo), Notes: opt(in.Notes),
		SourceIDs: optList(in.SourceIds), Frameworks: optList(in.Frameworks), Sensitivity: opt(in.Sensitivity), Custom: custom,
	}, err
}

func sourcePatch(in model.UpdateSourceInput) domain.SourcePatch {
	return domain.SourcePatch{Title: opt(in.Title), Kind: opt(in.Kind), ExternalID: opt(in.ExternalID),
		URL: opt(in.URL), PublishedOn: opt(in.PublishedOn), Reliability: opt(in.Reliability),
		Sensitivity: opt(in.Sensitivity)}
}

func workspacePatch(in model.UpdateWorkspaceInput) domain.WorkspacePatch {
	return domain.WorkspacePatch{Name: opt(in.Name), Description: opt(in.Description)}
}

// checkRange checks an optional filter bound lies in [0,1]. Written so
// that NaN (every comparison with it is false) fails too.
func checkRange(op, field string, v *float64) error {
	if v == nil {
		return nil
	}
	if !(*v >= 0 && *v <= 1) {
		return errs.Invalidf(op, field, "%s must be a number between 0 and 1, got %v", field, *v)
	}
	return nil
}
