package mapio

import "github.com/actorgraph/actorgraph/domain"

// Resolve checks (in tests, which check a document on its own) the references between a document's rows: external ids
// are unique per kind of row, every cited source exists (in the files or,
// when given, the workspace), and every relationship's From and To names
// exactly one actor, by external id or, where no external id matches and
// only one actor has it, by name; an end the files do not hold may name
// an actor already in the workspace.
func Resolve(doc *Document, workspace ...*domain.Contents) (*Links, []Problem) {
	r, problems := newResolver(doc, nil, workspace...)
	links, ps := r.relationships(doc.Relationships)
	problems = append(problems, ps...)
	sortProblems(problems)
	return links, problems
}
