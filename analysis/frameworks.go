package analysis

import (
	"slices"

	"github.com/actorgraph/actorgraph/domain"
)

// The frameworks filter of the relationship-gap analyses (docs/analysis.md,
// "Frameworks"): a result is kept when something behind it, an actor it
// names or a relationship it rests on, carries one of the frameworks
// asked for. Analysts report against one UNSCR 1325 pillar or one New
// Deal goal at a time, and a finding is relevant to that report when any
// of its evidence was tagged for it; requiring every actor and
// relationship to carry it would hide most findings, since tags are added
// to the records a report is about, not to every record around them.

// carriesAny reports whether one of the actors or relationships carries
// one of wanted. No frameworks asked for is no filter: true.
func carriesAny(wanted []domain.Framework, actors []*domain.Actor, rels []*domain.RelationshipFacts) bool {
	if len(wanted) == 0 {
		return true
	}
	has := func(fs []domain.Framework) bool {
		for _, f := range fs {
			if slices.Contains(wanted, f) {
				return true
			}
		}
		return false
	}
	for _, a := range actors {
		if a != nil && has(a.Frameworks) {
			return true
		}
	}
	for _, r := range rels {
		if has(r.Frameworks) {
			return true
		}
	}
	return false
}

// stepRelationships are the relationships behind steps.
func stepRelationships(steps []Step) []*domain.RelationshipFacts {
	out := make([]*domain.RelationshipFacts, len(steps))
	for i, s := range steps {
		out[i] = s.Rel
	}
	return out
}
