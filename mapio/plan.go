package mapio

import (
	"fmt"
	"reflect"
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
// record from such a row gets the default, RESTRICTED. What the planner
// keeps between batches is keyed by the workspace's records, not by the
// files' rows.
type planner struct {
	ws       string
	existing *domain.Contents
	sync     bool
	has      map[string]bool // the roles the files hold: a sync removes only within those
	rep      *Report

	srcKeys     keys[*domain.Source]
	sourceID    map[string]string // source key in the files -> id
	keptSources map[string]bool
	goneSources map[string]bool

	actorIDs   []string // by index in the document
	keptActors map[string]bool
	goneActors map[string]bool
	names      map[string]string // existing actor id -> name, for removal reports

	relKeys     keys[*domain.Relationship]
	relByEnds   map[string]*domain.Relationship
	matchedRels map[string]Ref // existing relationship id -> the row that matched it
	goneRels    map[string]bool
}

func newPlanner(ws string, existing *domain.Contents, has map[string]bool, sync bool, rep *Report) *planner {
	p := &planner{ws: ws, existing: existing, sync: sync, has: has, rep: rep,
		srcKeys:  newKeys(existing.Sources, func(s *domain.Source) (*string, string) { return s.ExternalID, s.ID }),
		sourceID: map[string]string{}, keptSources: map[string]bool{}, goneSources: map[string]bool{},
		keptActors: map[string]bool{}, goneActors: map[string]bool{}, names: map[string]string{},
		relKeys:   newKeys(existing.Relationships, func(r *domain.Relationship) (*string, string) { return r.ExternalID, r.ID }),
		relByEnds: map[string]*domain.Relationship{}, matchedRels: map[string]Ref{}, goneRels: map[string]bool{}}
	for _, a := range existing.Actors {
		p.names[a.ID] = a.Name
	}
	for _, r := range existing.Relationships {
		if r.ExternalID == nil {
			p.relByEnds[endsKey(r)] = r
		}
	}
	return p
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
func (p *planner) sourcesAndActors(doc *Document) *domain.Changes {
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
		for _, s := range p.existing.Sources {
			if !p.keptSources[s.ID] {
				p.goneSources[s.ID] = true // removed last, once nothing cites it
			}
		}
	}

	actKeys := newKeys(p.existing.Actors, func(a *domain.Actor) (*string, string) { return a.ExternalID, a.ID })
	actByName := map[string][]*domain.Actor{}
	for _, a := range p.existing.Actors {
		if a.ExternalID == nil {
			actByName[strings.ToLower(a.Name)] = append(actByName[strings.ToLower(a.Name)], a)
		}
	}
	p.actorIDs = make([]string, len(doc.Actors))
	matchedActors := map[string]Ref{}
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
		for _, a := range p.existing.Actors {
			if !p.keptActors[a.ID] && !p.goneActors[a.ID] {
				ch.RemoveActors = append(ch.RemoveActors, a.ID)
				p.goneActors[a.ID] = true
				rep.Actors.Removed++
				rep.Removals = append(rep.Removals, actorRemoval(a, false))
			}
		}
	}
	return ch
}

// relationships plans a batch of relationship rows, resolved by links.
func (p *planner) relationships(rows []RelationshipRow, links *Links) *domain.Changes {
	ch, rep := &domain.Changes{}, p.rep
	for j, row := range rows {
		in := row.Input
		in.From, in.To = links.FromID[j], links.ToID[j]
		if links.From[j] >= 0 {
			in.From = p.actorIDs[links.From[j]]
		}
		if links.To[j] >= 0 {
			in.To = p.actorIDs[links.To[j]]
		}
		in.SourceIDs = p.sourceIDs(row.SourceKeys)
		var old *domain.Relationship
		if in.ExternalID != nil {
			var byService bool
			if old, byService = p.relKeys.find(*in.ExternalID); byService {
				in.ExternalID = nil // the key is the service id an export wrote
			}
		}
		next, _ := domain.NewRelationship(p.ws, in)
		if row.Input.ExternalID == nil {
			old = p.relByEnds[endsKey(next)]
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
		case old.Type != next.Type || old.FromID != next.FromID || old.ToID != next.ToID:
			// Type and ends never change: the row is another relationship
			// now, known by the row's key from now on.
			next.ID, next.ExternalID = domain.NewID(domain.PrefixRelationship), row.Input.ExternalID
			ch.CreateRelationships = append(ch.CreateRelationships, next)
			ch.RemoveRelationships = append(ch.RemoveRelationships, old)
			p.goneRels[old.ID] = true
			rep.Relationships.Created++
			rep.Relationships.Removed++
			rep.Removals = append(rep.Removals, relationshipRemoval(old, p.names, true))
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
	return ch
}

// checkCitations reports a row citing a source that a sync removes.
func (p *planner) checkCitations(ref Ref, ids []string) {
	for _, id := range ids {
		if p.goneSources[id] {
			p.rep.Problems = append(p.rep.Problems, ref.problem("sources", "UNKNOWN_SOURCE",
				fmt.Sprintf("cites source %s, which this import removes (the sources file does not hold it); add it to the sources file, or import without sync", id)))
		}
	}
}

// finish plans what goes last: relationships that go with a removed actor
// or (with sync and a relationships file) that no row matched, and the
// sources a sync removes.
func (p *planner) finish() *domain.Changes {
	ch, rep := &domain.Changes{}, p.rep
	for _, r := range p.existing.Relationships {
		if _, kept := p.matchedRels[r.ID]; kept || p.goneRels[r.ID] {
			continue
		}
		// A removed actor takes its relationships with it; the report
		// says so rather than letting them vanish unnoticed.
		if (p.sync && p.has["relationships"]) || p.goneActors[r.FromID] || p.goneActors[r.ToID] {
			ch.RemoveRelationships = append(ch.RemoveRelationships, r)
			p.goneRels[r.ID] = true
			rep.Relationships.Removed++
			rep.Removals = append(rep.Removals, relationshipRemoval(r, p.names, false))
		}
	}
	for _, s := range p.existing.Sources {
		if p.goneSources[s.ID] {
			ch.RemoveSources = append(ch.RemoveSources, s.ID)
			rep.Sources.Removed++
			rep.Removals = append(rep.Removals, Removal{What: "source", ID: s.ID, Key: deref(s.ExternalID), Name: s.Title})
		}
	}
	return ch
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
		if ext, id := key(r); ext != nil {
			k.byExt[*ext] = r
		} else {
			k.byService[id] = r
		}
	}
	return k
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
