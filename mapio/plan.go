package mapio

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Counts are what an import does to one kind of record.
type Counts struct {
	Created, Updated, Unchanged, Removed, Skipped int
}

// Report is what an import did, or (on a dry run) would do.
type Report struct {
	DryRun                         bool // nothing was to be written
	Written                        bool // the import wrote to the workspace
	Actors, Relationships, Sources Counts
	Problems                       []Problem // the first MaxProblems, sorted by file, row and column
	ProblemCount                   int       // all of them
	Skipped                        []Problem // rows left out on purpose ("don't know")
	// Kept are the columns and attributes kept as custom attributes, per
	// file and role; Ignored what the files hold that could not be kept
	// (code IGNORED, with why): nothing is left out without a word.
	Kept    []Kept
	Ignored []Problem
	// Removals are the records the import removes (with sync, those the
	// files no longer contain; and records replaced because their kind or
	// ends changed), so that a dry run shows them before anything goes.
	Removals []Removal
	// Mapping says, a line per choice, how the files were mapped (the
	// mapping's and the format's own defaults: columns read as fields,
	// values mapped, defaults and scales applied, undirected edges made
	// relationships), each with how many records it touched.
	Mapping []string
	// Values are, on a dry run, the distinct values of the columns that
	// carry meaning (kinds, types, and unread columns that look like
	// categories), for a researcher to map.
	Values []ValueList
	// SuggestedMapping is a mapping skeleton for the files, in YAML, when
	// the import was asked for one.
	SuggestedMapping string
}

// Removal is one record an import removes.
type Removal struct {
	What     string // "actor", "relationship" or "source"
	ID       string // the service id
	Key      string // the external id, or "" when it has none
	Name     string // the actor's name, the source's title, or the relationship as "from TYPE to"
	Replaced bool   // true when a record of the files takes its place (kind or ends changed)
}

// planner compares an import's rows with what the workspace holds and
// works out the changes, in the order an import writes them: sources and
// actors first (with the actors a sync or a changed kind removes), then
// relationships a batch at a time, then what goes last (relationships and
// sources a sync removes). Records are matched by external id (or, for
// records exported under their service id, by that); actors without one
// by name (when one actor has it), relationships without one by from, to,
// type and perceivedBy. A matched record that differs is updated, one
// that does not is left unchanged. The row is the truth: a matched record
// becomes exactly what its row says, so an empty cell or a missing column
// clears that field. Sensitivity is the one exception: a row without one
// leaves the matched record's level as it is (including when a changed
// kind or changed ends replace the record), so that re-importing an old
// spreadsheet never lowers a CONFIDENTIAL record to the default; a new
// record from such a row gets the default, RESTRICTED.
//
// The planner never holds the workspace: it asks the import's transaction
// for the records the rows name (ImportTx.Lookup, a batch per chunk of
// rows) and, for a sync, for those the files do not hold (ImportTx.Rest),
// so that an import costs what its files hold whatever the size of the
// workspace. What it keeps between batches is keyed by the records the
// files name (and those the import removes), not by the workspace.
type planner struct {
	ws   string
	tx   domain.ImportTx
	sync bool
	has  map[string]bool // the roles the files hold: a sync removes only within those
	rep  *Report

	named       *domain.Contents // the sources and actors the files name, until they are planned
	srcKeys     keys[*domain.Source]
	sourceID    map[string]string // source key in the files -> id
	keptSources map[string]bool
	goneSources []*domain.Source // removed last, once nothing cites them
	goneSource  map[string]bool

	actorIDs   []string // by index in the document
	keptActors map[string]bool
	goneActors map[string]bool
	// removedActors are the actors the plan removes, for the resolver
	// (see resolver.add), until it has them.
	removedActors []*domain.Actor
	names         map[string]string // actor id -> name, of the actors looked up, for removal reports

	// detached are the relationships of the actors the import removes,
	// read before they go (removing an actor removes them): the rows may
	// still name them, and what no row matches is reported as removed.
	detached     keys[*domain.Relationship]
	detachedEnds map[string]*domain.Relationship
	matchedRels  map[string]Ref // existing relationship id -> the row that matched it
	goneRels     map[string]bool
	// created are the relationships this import created that a later
	// lookup could find as if they had been there before: those without
	// an external id (found by their ends), and, for a sync, all of them
	// (which its last statement must not remove).
	created map[string]bool
}

func newPlanner(ws string, tx domain.ImportTx, named *domain.Contents, has map[string]bool, sync bool, rep *Report) *planner {
	p := &planner{ws: ws, tx: tx, named: named, sync: sync, has: has, rep: rep,
		srcKeys:  newKeys(named.Sources, func(s *domain.Source) (*string, string) { return s.ExternalID, s.ID }),
		sourceID: map[string]string{}, keptSources: map[string]bool{}, goneSource: map[string]bool{},
		keptActors: map[string]bool{}, goneActors: map[string]bool{}, names: map[string]string{},
		detached: newKeys[*domain.Relationship](nil, nil), detachedEnds: map[string]*domain.Relationship{},
		matchedRels: map[string]Ref{}, goneRels: map[string]bool{}, created: map[string]bool{}}
	p.addActorNames(named.Actors)
	return p
}

func (p *planner) addActorNames(as []*domain.Actor) {
	for _, a := range as {
		p.names[a.ID] = a.Name
	}
}

// addSources makes sources found by a later lookup (those relationship
// rows cite) known to sourceIDs.
func (p *planner) addSources(ss []*domain.Source) {
	for _, s := range ss {
		p.srcKeys.add(s, s.ExternalID, s.ID)
	}
}

// lookupNamed asks the workspace for the sources and actors the files
// name: the sources by key (those of the sources file, and those the
// actors cite), the actors by key, and actors without an external id by
// name. It returns each record once, and the names it looked up.
func lookupNamed(ctx context.Context, tx domain.ImportTx, doc *Document) (*domain.Contents, map[string]bool, error) {
	q, names := &domain.ImportLookup{}, map[string]bool{}
	seen := map[string]bool{}
	once := func(list *[]string, k string) {
		if !seen[k] {
			seen[k] = true
			*list = append(*list, k)
		}
	}
	for _, row := range doc.Sources {
		once(&q.SourceKeys, *row.Input.ExternalID)
	}
	for _, row := range doc.Actors {
		for _, k := range row.SourceKeys {
			once(&q.SourceKeys, k)
		}
		if row.Input.ExternalID != nil {
			q.ActorKeys = append(q.ActorKeys, *row.Input.ExternalID)
		} else if name := strings.ToLower(row.Input.Name); !names[name] {
			names[name] = true
			q.ActorNames = append(q.ActorNames, name)
		}
	}
	if q.Empty() {
		return &domain.Contents{}, names, nil
	}
	c, err := tx.Lookup(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	c.Actors = uniqueByID(c.Actors, func(a *domain.Actor) string { return a.ID })
	c.Sources = uniqueByID(c.Sources, func(s *domain.Source) string { return s.ID })
	return c, names, nil
}

// uniqueByID keeps the first of records found twice (by key and by name).
func uniqueByID[T any](xs []T, id func(T) string) []T {
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[id(x)] {
			seen[id(x)] = true
			out = append(out, x)
		}
	}
	return out
}

// sourceIDs are the ids of the sources a row cites by key.
func (p *planner) sourceIDs(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if id, ok := p.sourceID[k]; ok {
			out = append(out, id)
		} else if s, _ := p.srcKeys.find(k); s != nil {
			out = append(out, s.ID)
		}
	}
	return out
}

// sourcesAndActors plans the document's sources and actors, and the
// actors a sync removes. It comes first.
func (p *planner) sourcesAndActors(ctx context.Context, doc *Document) (*domain.Changes, error) {
	ch, rep, ws := &domain.Changes{}, p.rep, p.ws
	matchedSources := map[string]Ref{}
	for _, row := range doc.Sources {
		in := row.Input
		old, byService := p.srcKeys.find(*in.ExternalID)
		if byService {
			in.ExternalID = nil // the key is the service id an export wrote, not an external id
		}
		matchOnce(rep, matchedSources, "source", old, func(s *domain.Source) string { return s.ID }, row.Ref)
		next, _ := domain.NewSource(ws, in)
		if old != nil {
			keepSensitivity(in.Sensitivity, old.Sensitivity, &next.Sensitivity)
		}
		switch {
		case old == nil:
			next.ID = domain.NewID(domain.PrefixSource)
			ch.CreateSources = append(ch.CreateSources, next)
			rep.Sources.Created++
		case sameSource(old, next):
			next = old
			rep.Sources.Unchanged++
		default:
			next.ID, next.CreatedAt = old.ID, old.CreatedAt
			ch.UpdateSources = append(ch.UpdateSources, next)
			rep.Sources.Updated++
		}
		p.sourceID[*row.Input.ExternalID] = next.ID
		p.keptSources[next.ID] = true
	}
	if p.sync && p.has["sources"] {
		rest, err := p.tx.Rest(ctx, "sources", setKeys(p.keptSources))
		if err != nil {
			return nil, err
		}
		for _, s := range rest.Sources {
			p.goneSources = append(p.goneSources, s) // removed last, once nothing cites it
			p.goneSource[s.ID] = true
		}
	}

	actKeys := newKeys(p.named.Actors, func(a *domain.Actor) (*string, string) { return a.ExternalID, a.ID })
	actByName := map[string][]*domain.Actor{}
	for _, a := range p.named.Actors {
		if a.ExternalID == nil {
			actByName[strings.ToLower(a.Name)] = append(actByName[strings.ToLower(a.Name)], a)
		}
	}
	p.named = nil
	p.actorIDs = make([]string, len(doc.Actors))
	matchedActors := map[string]Ref{}
	var gone []string
	for i, row := range doc.Actors {
		in := row.Input
		in.SourceIDs = p.sourceIDs(row.SourceKeys)
		var old *domain.Actor
		if in.ExternalID != nil {
			var byService bool
			if old, byService = actKeys.find(*in.ExternalID); byService {
				in.ExternalID = nil // the key is the service id an export wrote
			}
		} else if m := actByName[strings.ToLower(in.Name)]; len(m) == 1 {
			old = m[0]
		}
		matchOnce(rep, matchedActors, "actor", old, func(a *domain.Actor) string { return a.ID }, row.Ref)
		next, _ := domain.NewActor(ws, in)
		if old != nil {
			keepSensitivity(in.Sensitivity, old.Sensitivity, &next.Sensitivity)
		}
		switch {
		case old == nil:
			next.ID = domain.NewID(domain.PrefixActor)
			ch.CreateActors = append(ch.CreateActors, next)
			rep.Actors.Created++
		case old.Kind != next.Kind:
			// A kind never changes: the row is another actor now, known
			// by the row's key from now on.
			next.ID, next.ExternalID = domain.NewID(domain.PrefixActor), row.Input.ExternalID
			ch.CreateActors = append(ch.CreateActors, next)
			ch.RemoveActors = append(ch.RemoveActors, old.ID)
			p.goneActors[old.ID] = true
			p.removedActors = append(p.removedActors, old)
			gone = append(gone, old.ID)
			rep.Actors.Created++
			rep.Actors.Removed++
			rep.Removals = append(rep.Removals, actorRemoval(old, true))
		case sameActor(old, next):
			next = old
			rep.Actors.Unchanged++
		default:
			next.ID, next.CreatedAt = old.ID, old.CreatedAt
			ch.UpdateActors = append(ch.UpdateActors, next)
			rep.Actors.Updated++
		}
		p.actorIDs[i] = next.ID
		p.keptActors[next.ID] = true
		p.checkCitations(row.Ref, next.SourceIDs)
	}
	if p.sync && p.has["actors"] {
		keep := setKeys(p.keptActors)
		for id := range p.goneActors {
			keep = append(keep, id)
		}
		rest, err := p.tx.Rest(ctx, "actors", keep)
		if err != nil {
			return nil, err
		}
		p.addActorNames(rest.Actors)
		for _, a := range rest.Actors {
			ch.RemoveActors = append(ch.RemoveActors, a.ID)
			p.goneActors[a.ID] = true
			p.removedActors = append(p.removedActors, a)
			gone = append(gone, a.ID)
			rep.Actors.Removed++
			rep.Removals = append(rep.Removals, actorRemoval(a, false))
		}
	}
	if len(gone) > 0 {
		// Removing an actor removes its relationships: read them now, while
		// they are there.
		c, err := p.tx.Lookup(ctx, &domain.ImportLookup{RelationshipsOf: gone})
		if err != nil {
			return nil, err
		}
		for _, r := range c.Relationships {
			p.detached.add(r, r.ExternalID, r.ID)
			if r.ExternalID == nil {
				p.detachedEnds[endsKey(r)] = r
			}
		}
	}
	return ch, nil
}

// setKeys lists a set's members.
func setKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	return out
}

// relationships plans a batch of relationship rows, resolved by links:
// it looks up the relationships the rows name (by key, and those without
// an external id by their ends), and compares.
func (p *planner) relationships(ctx context.Context, rows []RelationshipRow, links *Links) (*domain.Changes, error) {
	ch, rep := &domain.Changes{}, p.rep
	ins := make([]domain.RelationshipInput, len(rows))
	q := &domain.ImportLookup{}
	for j, row := range rows {
		in := row.Input
		in.From, in.To = links.FromID[j], links.ToID[j]
		if links.From[j] >= 0 {
			in.From = p.actorIDs[links.From[j]]
		}
		if links.To[j] >= 0 {
			in.To = p.actorIDs[links.To[j]]
		}
		ins[j] = in
		if in.ExternalID != nil {
			q.RelationshipKeys = append(q.RelationshipKeys, *in.ExternalID)
		} else {
			q.RelationshipEnds = append(q.RelationshipEnds, [2]string{in.From, in.To})
		}
	}
	found, err := p.tx.Lookup(ctx, q)
	if err != nil {
		return nil, err
	}
	relKeys := newKeys[*domain.Relationship](nil, nil)
	relByEnds := map[string]*domain.Relationship{}
	for _, r := range found.Relationships {
		if p.created[r.ID] {
			continue // written by this import, not there before it
		}
		relKeys.add(r, r.ExternalID, r.ID)
		if r.ExternalID == nil {
			relByEnds[endsKey(r)] = r
		}
	}
	found = nil
	var replaced []*domain.Relationship
	for j, row := range rows {
		in := ins[j]
		in.SourceIDs = p.sourceIDs(row.SourceKeys)
		var old *domain.Relationship
		if in.ExternalID != nil {
			var byService bool
			if old, byService = relKeys.find(*in.ExternalID); old == nil {
				old, byService = p.detached.find(*in.ExternalID)
			}
			if byService {
				in.ExternalID = nil // the key is the service id an export wrote
			}
		}
		next, _ := domain.NewRelationship(p.ws, in)
		if row.Input.ExternalID == nil {
			if old = relByEnds[endsKey(next)]; old == nil {
				old = p.detachedEnds[endsKey(next)]
			}
		}
		matchOnce(rep, p.matchedRels, "relationship", old, func(r *domain.Relationship) string { return r.ID }, row.Ref)
		if old != nil {
			keepSensitivity(in.Sensitivity, old.Sensitivity, &next.Sensitivity)
		}
		switch {
		case old == nil:
			next.ID = domain.NewID(domain.PrefixRelationship)
			ch.CreateRelationships = append(ch.CreateRelationships, next)
			rep.Relationships.Created++
			p.noteCreated(next)
		case old.Type != next.Type || old.FromID != next.FromID || old.ToID != next.ToID:
			// Type and ends never change: the row is another relationship
			// now, known by the row's key from now on.
			next.ID, next.ExternalID = domain.NewID(domain.PrefixRelationship), row.Input.ExternalID
			ch.CreateRelationships = append(ch.CreateRelationships, next)
			ch.RemoveRelationships = append(ch.RemoveRelationships, old)
			p.goneRels[old.ID] = true
			rep.Relationships.Created++
			rep.Relationships.Removed++
			replaced = append(replaced, old)
			p.noteCreated(next)
		case sameRelationship(old, next):
			rep.Relationships.Unchanged++
		default:
			next.ID, next.CreatedAt = old.ID, old.CreatedAt
			ch.UpdateRelationships = append(ch.UpdateRelationships, next)
			rep.Relationships.Updated++
		}
		for _, end := range []struct{ field, key, id string }{{"from", row.From, next.FromID}, {"to", row.To, next.ToID}} {
			if p.goneActors[end.id] {
				rep.Problems = append(rep.Problems, row.problem(end.field, "UNKNOWN_ACTOR", fmt.Sprintf(
					"%q names an actor this import removes (a sync removes what the actors file lacks, and a row whose kind changed replaces its actor); name the actor as the actors file does", end.key)))
			}
		}
		p.checkCitations(row.Ref, next.SourceIDs)
	}
	if err := p.lookupNames(ctx, replaced); err != nil {
		return nil, err
	}
	for _, old := range replaced {
		rep.Removals = append(rep.Removals, relationshipRemoval(old, p.names, true))
	}
	return ch, nil
}

// noteCreated remembers a relationship the import creates, when a later
// lookup could find it (see created).
func (p *planner) noteCreated(r *domain.Relationship) {
	if r.ExternalID == nil || (p.sync && p.has["relationships"]) {
		p.created[r.ID] = true
	}
}

// lookupNames looks up the names of the ends of relationships the import
// removes that it does not know yet, for the report.
func (p *planner) lookupNames(ctx context.Context, rs []*domain.Relationship) error {
	q, asked := &domain.ImportLookup{}, map[string]bool{}
	for _, r := range rs {
		for _, id := range []string{r.FromID, r.ToID} {
			if _, ok := p.names[id]; !ok && !asked[id] {
				asked[id] = true
				q.ActorIDs = append(q.ActorIDs, id)
			}
		}
	}
	if q.Empty() {
		return nil
	}
	c, err := p.tx.Lookup(ctx, q)
	if err != nil {
		return err
	}
	p.addActorNames(c.Actors)
	return nil
}

// checkCitations reports a row citing a source that a sync removes.
func (p *planner) checkCitations(ref Ref, ids []string) {
	for _, id := range ids {
		if p.goneSource[id] {
			p.rep.Problems = append(p.rep.Problems, ref.problem("sources", "UNKNOWN_SOURCE",
				fmt.Sprintf("cites source %s, which this import removes (the sources file does not hold it); add it to the sources file, or import without sync", id)))
		}
	}
}

// finish plans what goes last: relationships that go with a removed actor
// or (with sync and a relationships file) that no row matched, and the
// sources a sync removes. A sync's relationships are found by one
// statement: those of the workspace that no row matched, that the import
// did not remove already and did not create.
func (p *planner) finish(ctx context.Context) (*domain.Changes, error) {
	ch, rep := &domain.Changes{}, p.rep
	var gone []*domain.Relationship
	seen := map[string]bool{}
	keep := func(r *domain.Relationship) bool {
		_, kept := p.matchedRels[r.ID]
		return kept || p.goneRels[r.ID] || seen[r.ID]
	}
	// A removed actor takes its relationships with it; the report
	// says so rather than letting them vanish unnoticed.
	for _, r := range p.detached.all() {
		if !keep(r) {
			seen[r.ID] = true
			gone = append(gone, r)
		}
	}
	if p.sync && p.has["relationships"] {
		keepIDs := setKeys(p.goneRels)
		for id := range p.matchedRels {
			keepIDs = append(keepIDs, id)
		}
		for id := range p.created {
			keepIDs = append(keepIDs, id)
		}
		rest, err := p.tx.Rest(ctx, "relationships", keepIDs)
		if err != nil {
			return nil, err
		}
		for _, r := range rest.Relationships {
			if !keep(r) {
				seen[r.ID] = true
				gone = append(gone, r)
			}
		}
	}
	slices.SortFunc(gone, func(a, b *domain.Relationship) int { return strings.Compare(a.ID, b.ID) })
	if err := p.lookupNames(ctx, gone); err != nil {
		return nil, err
	}
	for _, r := range gone {
		ch.RemoveRelationships = append(ch.RemoveRelationships, r)
		p.goneRels[r.ID] = true
		rep.Relationships.Removed++
		rep.Removals = append(rep.Removals, relationshipRemoval(r, p.names, false))
	}
	for _, s := range p.goneSources {
		ch.RemoveSources = append(ch.RemoveSources, s.ID)
		rep.Sources.Removed++
		rep.Removals = append(rep.Removals, Removal{What: "source", ID: s.ID, Key: deref(s.ExternalID), Name: s.Title})
	}
	return ch, nil
}

// keepSensitivity gives a record planned from a row the level of the
// record the row matched (old) when the row names none (row is nil): an
// absent column or an empty cell keeps a record's level, where for other
// fields it clears them. A level the store should never hold (old not
// valid) is not kept; the record gets the default its row gave it.
func keepSensitivity(row *domain.Sensitivity, old domain.Sensitivity, next *domain.Sensitivity) {
	if row == nil && old.IsValid() {
		*next = old
	}
}

// keys finds existing records by the key a file gives: an external id
// first, else the service id of a record without one (which is how
// exports write such records).
type keys[T any] struct{ byExt, byService map[string]T }

func newKeys[T any](records []T, key func(T) (*string, string)) keys[T] {
	k := keys[T]{map[string]T{}, map[string]T{}}
	for _, r := range records {
		ext, id := key(r)
		k.add(r, ext, id)
	}
	return k
}

// add adds one record, by its external id or else its service id.
func (k keys[T]) add(r T, ext *string, id string) {
	if ext != nil {
		k.byExt[*ext] = r
	} else {
		k.byService[id] = r
	}
}

// all lists the records.
func (k keys[T]) all() []T {
	out := make([]T, 0, len(k.byExt)+len(k.byService))
	for _, r := range k.byExt {
		out = append(out, r)
	}
	for _, r := range k.byService {
		out = append(out, r)
	}
	return out
}

// find returns the record a key names, and whether it named it by service id.
func (k keys[T]) find(key string) (T, bool) {
	if r, ok := k.byExt[key]; ok {
		return r, false
	}
	r, ok := k.byService[key]
	return r, ok
}

// matchOnce reports a second row matching a record an earlier row matched:
// two rows cannot both be one record.
func matchOnce[T comparable](rep *Report, seen map[string]Ref, what string, old T, id func(T) string, ref Ref) {
	var zero T
	if old == zero {
		return
	}
	if first, dup := seen[id(old)]; dup {
		rep.Problems = append(rep.Problems, ref.problem("externalId", "DUPLICATE", fmt.Sprintf(
			"this row and %s both match the same %s (%s); give each its own external id", first.where(), what, id(old))))
		return
	}
	seen[id(old)] = ref
}

func actorRemoval(a *domain.Actor, replaced bool) Removal {
	return Removal{What: "actor", ID: a.ID, Key: deref(a.ExternalID), Name: a.Name, Replaced: replaced}
}

func relationshipRemoval(r *domain.Relationship, names map[string]string, replaced bool) Removal {
	return Removal{What: "relationship", ID: r.ID, Key: deref(r.ExternalID),
		Name: fmt.Sprintf("%s %s %s", names[r.FromID], r.Type, names[r.ToID]), Replaced: replaced}
}

// endsKey matches relationships without an external id.
func endsKey(r *domain.Relationship) string {
	return string(r.Type) + "\x00" + r.FromID + "\x00" + r.ToID + "\x00" + deref(r.PerceivedBy)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// The same*: equal in everything a file can say (not ids or timestamps).

func sameActor(a, b *domain.Actor) bool {
	x, y := *a, *b
	x.ID, y.ID, x.CreatedAt, x.UpdatedAt = "", "", y.CreatedAt, y.UpdatedAt
	return reflect.DeepEqual(x, y)
}

func sameRelationship(a, b *domain.Relationship) bool {
	x, y := *a, *b
	x.ID, y.ID, x.CreatedAt, x.UpdatedAt = "", "", y.CreatedAt, y.UpdatedAt
	return reflect.DeepEqual(x, y)
}

func sameSource(a, b *domain.Source) bool {
	x, y := *a, *b
	x.ID, y.ID, x.CreatedAt, x.UpdatedAt = "", "", y.CreatedAt, y.UpdatedAt
	return reflect.DeepEqual(x, y)
}
