package mapio

import (
	"fmt"
	"strings"

	"github.com/actorgraph/actorgraph/domain"
)

// Links are a document's references resolved: each relationship's ends
// as indexes into the document's actors, or (index -1) as the id of an
// actor already in the workspace.
type Links struct {
	From, To           []int
	FromID, ToID       []string
	existingByExt      map[string]string
	existingByNameList map[string][]string
}

// Resolve checks the references between a document's rows: external ids
// are unique per kind of row, every cited source exists (in the files or,
// when given, the workspace), and every relationship's From and To names
// exactly one actor, by external id or, where no external id matches and
// only one actor has it, by name; an end the files do not hold may name
// an actor already in the workspace.
func Resolve(doc *Document, workspace ...*domain.Contents) (*Links, []Problem) {
	var existing []*domain.Actor
	knownSources := map[string]bool{}
	for _, c := range workspace {
		existing = append(existing, c.Actors...)
		for _, s := range c.Sources {
			if s.ExternalID != nil {
				knownSources[*s.ExternalID] = true
			} else {
				knownSources[s.ID] = true // exports name such sources by service id
			}
		}
	}
	var problems []Problem
	dup := func(ref Ref, what, key string, seen map[string]Ref) {
		if first, ok := seen[key]; ok {
			problems = append(problems, ref.problem("externalId", "DUPLICATE", fmt.Sprintf("%s external id %q is already used in %s", what, key, first.where())))
			return
		}
		seen[key] = ref
	}
	sources := map[string]Ref{}
	for _, s := range doc.Sources {
		if s.Input.ExternalID != nil {
			dup(s.Ref, "source", *s.Input.ExternalID, sources)
		}
	}
	cited := func(k string) bool {
		_, inFiles := sources[k]
		return inFiles || knownSources[k]
	}
	byExt, byName := map[string]int{}, map[string][]int{}
	seenActors := map[string]Ref{}
	for i, a := range doc.Actors {
		if a.Input.ExternalID != nil {
			dup(a.Ref, "actor", *a.Input.ExternalID, seenActors)
			byExt[*a.Input.ExternalID] = i
		}
		name := strings.ToLower(strings.TrimSpace(a.Input.Name))
		byName[name] = append(byName[name], i)
		for _, k := range a.SourceKeys {
			if !cited(k) {
				problems = append(problems, a.problem("sources", "UNKNOWN_SOURCE", fmt.Sprintf("source %q is neither in the sources file nor in the workspace", k)))
			}
		}
	}
	n := len(doc.Relationships)
	links := &Links{From: make([]int, n), To: make([]int, n), FromID: make([]string, n), ToID: make([]string, n),
		existingByExt: map[string]string{}, existingByNameList: map[string][]string{}}
	for _, a := range existing {
		if a.ExternalID != nil {
			links.existingByExt[*a.ExternalID] = a.ID
		} else {
			links.existingByExt[a.ID] = a.ID // exports name such actors by service id
		}
		name := strings.ToLower(a.Name)
		links.existingByNameList[name] = append(links.existingByNameList[name], a.ID)
	}
	seenRels := map[string]Ref{}
	for j, r := range doc.Relationships {
		if r.Input.ExternalID != nil {
			dup(r.Ref, "relationship", *r.Input.ExternalID, seenRels)
		}
		for _, end := range []struct {
			column, key string
			out         *int
			outID       *string
		}{{"from", r.From, &links.From[j], &links.FromID[j]}, {"to", r.To, &links.To[j], &links.ToID[j]}} {
			i, msg := findActor(end.key, byExt, byName)
			*end.out = i
			if i < 0 {
				// Not in the files: an actor already in the workspace.
				if id, ok := links.existingByExt[end.key]; ok {
					*end.outID, msg = id, ""
				} else if ids := links.existingByNameList[strings.ToLower(strings.TrimSpace(end.key))]; len(ids) == 1 && msg == "matches no actor (by external id or name)" {
					*end.outID, msg = ids[0], ""
				}
			}
			if msg != "" {
				problems = append(problems, r.problem(end.column, "UNKNOWN_ACTOR",
					fmt.Sprintf("%s %q %s", map[string]string{"from": "From", "to": "To"}[end.column], end.key, msg)))
			}
		}
		for _, k := range r.SourceKeys {
			if !cited(k) {
				problems = append(problems, r.problem("sources", "UNKNOWN_SOURCE", fmt.Sprintf("source %q is neither in the sources file nor in the workspace", k)))
			}
		}
	}
	sortProblems(problems)
	return links, problems
}

// findActor finds the actor a From or To cell names.
func findActor(key string, byExt map[string]int, byName map[string][]int) (int, string) {
	if i, ok := byExt[key]; ok {
		return i, ""
	}
	switch m := byName[strings.ToLower(strings.TrimSpace(key))]; len(m) {
	case 1:
		return m[0], ""
	case 0:
		return -1, "matches no actor (by external id or name)"
	default:
		return -1, fmt.Sprintf("matches %d actors by name; use their external ids", len(m))
	}
}
