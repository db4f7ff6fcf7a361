package mapio

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Links are relationship rows' references resolved: each relationship's
// ends as indexes into the document's actors, or (index -1) as the id of
// an actor already in the workspace.
type Links struct {
	From, To     []int
	FromID, ToID []string
}

// resolver resolves references: built from a document's sources and
// actors (and the workspace's), it then takes relationship rows a batch at
// a time, so that an import need not hold them all. What it keeps of the
// relationships is their external ids, to find duplicates.
type resolver struct {
	sources        map[string]Ref // source external ids in the files
	knownSources   map[string]bool
	byExt          map[string]int   // actor key -> index in the document
	byName         map[string][]int // lower-case name -> indexes
	existingByExt  map[string]string
	existingByName map[string][]string
	// seenRels are the relationships' external ids so far, with where
	// each was first seen: all an import keeps of its relationship rows.
	// Keys are cloned: a CSV cell shares its row's memory, which the map
	// would otherwise keep alive.
	seenRels map[string]seenAt
	// failed are the keys of actors whose table could not be read: a
	// relationship naming one is not reported (the actors' problem says
	// why), only counted in folded.
	failed map[string]bool
	folded int
	// failedSources, likewise, are the keys of sources whose table could
	// not be read; citedFailed counts the rows citing one.
	failedSources map[string]bool
	citedFailed   int
	// looked are the actor keys, names and source keys already asked of
	// the workspace (see lookup): each is asked for once per import.
	looked map[string]bool
}

// seenAt is where a key was first seen, compactly: a spreadsheet row, or a
// graph file's element (the file is the relationships file's).
type seenAt struct {
	row     int32
	element string
}

// newResolver builds a resolver of doc's rows, knowing the workspace's
// records in workspace: the whole workspace when names is nil, else the
// records an import looked up, names being the lower-case names it
// looked actors up by.
func newResolver(doc *Document, names map[string]bool, workspace ...*domain.Contents) (*resolver, []Problem) {
	r := &resolver{sources: map[string]Ref{}, knownSources: map[string]bool{}, byExt: map[string]int{}, byName: map[string][]int{},
		existingByExt: map[string]string{}, existingByName: map[string][]string{}, seenRels: map[string]seenAt{},
		failedSources: doc.failedSources, looked: map[string]bool{}}
	for _, c := range workspace {
		r.add(c, names)
	}
	for name := range names {
		r.looked["n\x00"+name] = true
	}
	var problems []Problem
	for _, s := range doc.Sources {
		if s.Input.ExternalID != nil {
			problems = append(problems, duplicate(s.Ref, "source", *s.Input.ExternalID, r.sources)...)
		}
	}
	seenActors := map[string]Ref{}
	for i, a := range doc.Actors {
		if a.Input.ExternalID != nil {
			problems = append(problems, duplicate(a.Ref, "actor", *a.Input.ExternalID, seenActors)...)
			r.byExt[*a.Input.ExternalID] = i
		}
		name := strings.ToLower(strings.TrimSpace(a.Input.Name))
		r.byName[name] = append(r.byName[name], i)
		problems = append(problems, r.citations(a.Ref, a.SourceKeys)...)
	}
	return r, problems
}

// add makes the workspace's records in c known to the resolver. names,
// when given, are the lower-case names c's actors were looked up by: only
// actors of those names join existingByName, whose lists must be whole
// for a name to resolve (an actor found by its key is listed under its
// name when that name is looked up). With names nil, every actor of c
// joins it (the whole workspace, or actors the import removes: no later
// lookup finds those, and an end that names one must still resolve to
// it, to be reported as naming an actor the import removes).
func (r *resolver) add(c *domain.Contents, names map[string]bool) {
	for _, s := range c.Sources {
		if s.ExternalID != nil {
			r.knownSources[*s.ExternalID] = true
		} else {
			r.knownSources[s.ID] = true // exports name such sources by service id
		}
	}
	for _, a := range c.Actors {
		if a.ExternalID != nil {
			r.existingByExt[*a.ExternalID] = a.ID
		} else {
			r.existingByExt[a.ID] = a.ID // exports name such actors by service id
		}
		name := strings.ToLower(a.Name)
		if (names != nil && !names[name]) || slices.Contains(r.existingByName[name], a.ID) {
			continue
		}
		r.existingByName[name] = append(r.existingByName[name], a.ID)
	}
}

// lookup asks the workspace for what a chunk of relationship rows names
// and the files do not hold: the actors their ends name (by key, then,
// for keys still unknown, by name) and the sources they cite. Only those,
// once each per import: the resolver never holds the workspace.
func (r *resolver) lookup(ctx context.Context, tx domain.ImportTx, rows []RelationshipRow) ([]*domain.Source, error) {
	q, names := &domain.ImportLookup{}, map[string]bool{}
	var unknown []string
	for _, row := range rows {
		for _, key := range []string{row.From, row.To} {
			if i, _ := r.findActor(key); i >= 0 || r.looked["a\x00"+key] || r.existingByExt[key] != "" {
				continue
			}
			r.looked["a\x00"+key] = true
			q.ActorKeys = append(q.ActorKeys, key)
			unknown = append(unknown, key)
		}
		for _, k := range row.SourceKeys {
			if _, inFiles := r.sources[k]; !inFiles && !r.knownSources[k] && !r.looked["s\x00"+k] {
				r.looked["s\x00"+k] = true
				q.SourceKeys = append(q.SourceKeys, k)
			}
		}
	}
	if q.Empty() {
		return nil, nil
	}
	c, err := tx.Lookup(ctx, q)
	if err != nil {
		return nil, err
	}
	r.add(c, map[string]bool{})
	sources := c.Sources
	q = &domain.ImportLookup{}
	for _, key := range unknown {
		name := strings.ToLower(strings.TrimSpace(key))
		if _, found := r.existingByExt[key]; found || r.looked["n\x00"+name] {
			continue
		}
		r.looked["n\x00"+name], names[name] = true, true
		q.ActorNames = append(q.ActorNames, name)
	}
	if q.Empty() {
		return sources, nil
	}
	if c, err = tx.Lookup(ctx, q); err != nil {
		return nil, err
	}
	r.add(c, names)
	return sources, nil
}

// duplicate reports a key seen before, and otherwise remembers it.
func duplicate(ref Ref, what, key string, seen map[string]Ref) []Problem {
	if first, ok := seen[key]; ok {
		return []Problem{duplicateProblem(ref, what, key, first)}
	}
	seen[key] = ref
	return nil
}

func duplicateProblem(ref Ref, what, key string, first Ref) Problem {
	return ref.problem("externalId", "DUPLICATE", fmt.Sprintf("%s external id %q is already used in %s", what, key, first.where()))
}

// citations reports cited sources that neither the files nor the
// workspace hold.
func (r *resolver) citations(ref Ref, keys []string) []Problem {
	var problems []Problem
	folded := false
	for _, k := range keys {
		if _, inFiles := r.sources[k]; !inFiles && !r.knownSources[k] {
			if r.failedSources[k] {
				folded = true
				continue
			}
			problems = append(problems, ref.problem("sources", "UNKNOWN_SOURCE", fmt.Sprintf("source %q is neither in the sources file nor in the workspace", k)))
		}
	}
	if folded {
		r.citedFailed++
	}
	return problems
}

// relationships resolves a batch of relationship rows.
func (r *resolver) relationships(rows []RelationshipRow) (*Links, []Problem) {
	n := len(rows)
	links := &Links{From: make([]int, n), To: make([]int, n), FromID: make([]string, n), ToID: make([]string, n)}
	var problems []Problem
	for j, row := range rows {
		folded := false
		if row.Input.ExternalID != nil {
			key := *row.Input.ExternalID
			if first, ok := r.seenRels[key]; ok {
				problems = append(problems, duplicateProblem(row.Ref, "relationship", key, Ref{File: row.File, Row: int(first.row), Element: first.element}))
			} else {
				r.seenRels[strings.Clone(key)] = seenAt{int32(row.Row), row.Element}
			}
		}
		for _, end := range []struct {
			column, key string
			out         *int
			outID       *string
		}{{"from", row.From, &links.From[j], &links.FromID[j]}, {"to", row.To, &links.To[j], &links.ToID[j]}} {
			i, msg := r.findActor(end.key)
			*end.out = i
			if i < 0 {
				// Not in the files: an actor already in the workspace.
				if id, ok := r.existingByExt[end.key]; ok {
					*end.outID, msg = id, ""
				} else if ids := r.existingByName[strings.ToLower(strings.TrimSpace(end.key))]; len(ids) == 1 && msg == noActor {
					*end.outID, msg = ids[0], ""
				}
			}
			if msg == noActor && (r.failed[end.key] || r.failed[strings.ToLower(strings.TrimSpace(end.key))]) {
				folded = true
				continue
			}
			if msg != "" {
				problems = append(problems, row.problem(end.column, "UNKNOWN_ACTOR",
					fmt.Sprintf("%s %q %s", map[string]string{"from": "From", "to": "To"}[end.column], end.key, msg)))
			}
		}
		if folded {
			r.folded++
		}
		problems = append(problems, r.citations(row.Ref, row.SourceKeys)...)
	}
	return links, problems
}

const noActor = "matches no actor (by external id or name)"

// findActor finds the actor a From or To cell names among the files' rows.
func (r *resolver) findActor(key string) (int, string) {
	if i, ok := r.byExt[key]; ok {
		return i, ""
	}
	switch m := r.byName[strings.ToLower(strings.TrimSpace(key))]; len(m) {
	case 1:
		return m[0], ""
	case 0:
		return -1, noActor
	default:
		return -1, fmt.Sprintf("matches %d actors by name; use their external ids", len(m))
	}
}
