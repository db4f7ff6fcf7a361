package analysis

import (
	"context"

	"github.com/actorgraph/actorgraph/domain"
)

// Helpers the tests use and no command needs.

// removed is the severity the evaluated proposal removes in all.
func (ev *evaluator) removed() float64 {
	removed := 0.0
	for _, i := range ev.touched {
		if nb := ev.newBest[i]; nb > ev.refs[i].best+eps {
			removed += ev.drop(i, nb)
		}
	}
	return removed
}

// memoLen is how many results the projection keeps (for tests).
func (p *projection) memoLen() int {
	p.memoMu.Lock()
	defer p.memoMu.Unlock()
	return len(p.memo)
}

// Build projects actors and relationships under opts (already normalised).
// Relationships whose ends are not among actors are ignored. It is
// BuildContext without a request, for tests, from whole records.
func Build(actors []*domain.Actor, rels []*domain.Relationship, opts Options) *Graph {
	g, err := BuildContext(context.Background(), actors, factsOf(rels), opts)
	if err != nil {
		panic(err) // only a request's context or budget can stop a build
	}
	return g
}

// factsOf returns the facts of each of rs, in order.
func factsOf(rs []*domain.Relationship) []*domain.RelationshipFacts {
	out := make([]*domain.RelationshipFacts, len(rs))
	for i, r := range rs {
		out[i] = r.Facts()
	}
	return out
}

// waiting is how many analyses wait for a slot.
func (l *limiter) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiters
}
