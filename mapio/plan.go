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
	Problems                       []Problem
	Skipped                        []Problem // rows left out on purpose ("don't know")
	Ignored                        []Problem // graph-file attributes the service does not read
	// Removals are the records the import removes (with sync, those the
	// files no longer contain; and records replaced because their kind or
	// ends changed), so that a dry run shows them before anything goes.
	Removals []Removal
}

// Removal is one record an import removes.
type Removal struct {
	What     string // "actor", "relationship" or "source"
	ID       string // the service id
	Key      string // the external id, or "" when it has none
	Name     string // the actor's name, the source's title, or the relationship as "from TYPE to"
	Replaced bool   // true when a record of the files takes its place (kind or ends changed)
}

// Plan compares a resolved document with what the workspace holds and
// works out the changes. Records are matched by external id; actors
// without one by name (when one actor has it), relationships without one
// by from, to, type and perceivedBy. A matched record that differs is
// updated, one that does not is left unchanged; with sync, records the
// files no longer contain are removed. The row is the truth: a matched
// record becomes exactly what its row says, so an empty cell or a missing
// column clears that field.
func Plan(ws string, doc *Document, links *Links, existing *domain.Contents, sync bool) (*domain.Changes, *Report) {
	ch := &domain.Changes{BaseVersion: existing.Version}
	rep := &Report{Skipped: doc.Skipped}
	rep.Relationships.Skipped = len(doc.Skipped)

	// Sources.
	srcByExt := map[string]*domain.Source{}
	for _, s := range existing.Sources {
		if s.ExternalID != nil {
			srcByExt[*s.ExternalID] = s
		} else {
			srcByExt[s.ID] = s // exported under its service id
		}
	}
	sourceID := map[string]string{}
	keptSources := map[string]bool{}
	for _, row := range doc.Sources {
		in := row.Input
		old := srcByExt[*in.ExternalID]
		if old != nil && old.ExternalID == nil {
			in.ExternalID = nil // the key is the service id an export wrote, not an external id
		}
		next, _ := domain.NewSource(ws, in)
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
		sourceID[*row.Input.ExternalID] = next.ID
		keptSources[next.ID] = true
	}
	sourceIDs := func(keys []string) []string {
		out := make([]string, 0, len(keys))
		for _, k := range keys {
			if id, ok := sourceID[k]; ok {
				out = append(out, id)
			} else if s := srcByExt[k]; s != nil {
				out = append(out, s.ID)
			}
		}
		return out
	}

	// Actors.
	actByExt, actByName := map[string]*domain.Actor{}, map[string][]*domain.Actor{}
	for _, a := range existing.Actors {
		if a.ExternalID != nil {
			actByExt[*a.ExternalID] = a
		} else {
			actByExt[a.ID] = a // exported under its service id
			actByName[strings.ToLower(a.Name)] = append(actByName[strings.ToLower(a.Name)], a)
		}
	}
	actorIDs := make([]string, len(doc.Actors))
	keptActors := map[string]bool{}
	for i, row := range doc.Actors {
		in := row.Input
		in.SourceIDs = sourceIDs(row.SourceKeys)
		var old *domain.Actor
		if in.ExternalID != nil {
			if old = actByExt[*in.ExternalID]; old != nil && old.ExternalID == nil {
				in.ExternalID = nil // the key is the service id an export wrote
			}
		} else if m := actByName[strings.ToLower(in.Name)]; len(m) == 1 {
			old = m[0]
		}
		next, _ := domain.NewActor(ws, in)
		switch {
		case old == nil:
			next.ID = domain.NewID(domain.PrefixActor)
			ch.CreateActors = append(ch.CreateActors, next)
			rep.Actors.Created++
		case old.Kind != next.Kind:
			// A kind never changes: the row is another actor now.
			next.ID = domain.NewID(domain.PrefixActor)
			ch.CreateActors = append(ch.CreateActors, next)
			ch.RemoveActors = append(ch.RemoveActors, old.ID)
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
		actorIDs[i] = next.ID
		keptActors[next.ID] = true
	}

	// Relationships.
	names := map[string]string{}
	for _, a := range existing.Actors {
		names[a.ID] = a.Name
	}
	relByExt, relByEnds := map[string]*domain.Relationship{}, map[string]*domain.Relationship{}
	for _, r := range existing.Relationships {
		if r.ExternalID != nil {
			relByExt[*r.ExternalID] = r
		} else {
			relByExt[r.ID] = r // exported under its service id
			relByEnds[endsKey(r)] = r
		}
	}
	keptRels := map[string]bool{}
	for j, row := range doc.Relationships {
		in := row.Input
		in.From, in.To = links.FromID[j], links.ToID[j]
		if links.From[j] >= 0 {
			in.From = actorIDs[links.From[j]]
		}
		if links.To[j] >= 0 {
			in.To = actorIDs[links.To[j]]
		}
		in.SourceIDs = sourceIDs(row.SourceKeys)
		var old *domain.Relationship
		if in.ExternalID != nil {
			if old = relByExt[*in.ExternalID]; old != nil && old.ExternalID == nil {
				in.ExternalID = nil // the key is the service id an export wrote
			}
		}
		next, _ := domain.NewRelationship(ws, in)
		if in.ExternalID == nil && old == nil {
			old = relByEnds[endsKey(next)]
		}
		switch {
		case old == nil:
			next.ID = domain.NewID(domain.PrefixRelationship)
			ch.CreateRelationships = append(ch.CreateRelationships, next)
			rep.Relationships.Created++
		case old.Type != next.Type || old.FromID != next.FromID || old.ToID != next.ToID:
			// Type and ends never change: the row is another relationship now.
			next.ID = domain.NewID(domain.PrefixRelationship)
			ch.CreateRelationships = append(ch.CreateRelationships, next)
			ch.RemoveRelationships = append(ch.RemoveRelationships, old)
			rep.Relationships.Created++
			rep.Relationships.Removed++
			rep.Removals = append(rep.Removals, relationshipRemoval(old, names, true))
		case sameRelationship(old, next):
			next = old
			rep.Relationships.Unchanged++
		default:
			next.ID, next.CreatedAt = old.ID, old.CreatedAt
			ch.UpdateRelationships = append(ch.UpdateRelationships, next)
			rep.Relationships.Updated++
		}
		keptRels[next.ID] = true
	}

	// With sync, what the files no longer contain goes, role by role: a
	// sync with no sources file leaves the sources alone.
	removedActors, removedRels := map[string]bool{}, map[string]bool{}
	for _, id := range ch.RemoveActors {
		removedActors[id] = true
	}
	for _, r := range ch.RemoveRelationships {
		removedRels[r.ID] = true
	}
	if sync && doc.Has["actors"] {
		for _, a := range existing.Actors {
			if !keptActors[a.ID] && !removedActors[a.ID] {
				ch.RemoveActors = append(ch.RemoveActors, a.ID)
				removedActors[a.ID] = true
				rep.Actors.Removed++
				rep.Removals = append(rep.Removals, actorRemoval(a, false))
			}
		}
	}
	for _, r := range existing.Relationships {
		if keptRels[r.ID] || removedRels[r.ID] {
			continue
		}
		// A removed actor takes its relationships with it; the report
		// says so rather than letting them vanish unnoticed.
		if (sync && doc.Has["relationships"]) || removedActors[r.FromID] || removedActors[r.ToID] {
			ch.RemoveRelationships = append(ch.RemoveRelationships, r)
			rep.Relationships.Removed++
			rep.Removals = append(rep.Removals, relationshipRemoval(r, names, false))
		}
	}
	if sync && doc.Has["sources"] {
		for _, s := range existing.Sources {
			if !keptSources[s.ID] {
				ch.RemoveSources = append(ch.RemoveSources, s.ID)
				rep.Sources.Removed++
				rep.Removals = append(rep.Removals, Removal{What: "source", ID: s.ID, Key: deref(s.ExternalID), Name: s.Title})
			}
		}
	}
	return ch, rep
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
