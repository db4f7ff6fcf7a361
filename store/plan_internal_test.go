package store

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// PlanStep is one operator of a profiled plan. Test-only.
type PlanStep struct {
	Operator, Details string
	DBHits            int64
}

// ProfileListRelationships runs ListRelationships' statement for q under
// PROFILE and returns what each operator of its plan did. Test-only.
func (s *Neo4j) ProfileListRelationships(ctx context.Context, ws string, q RelationshipQuery) ([]PlanStep, error) {
	cypher, params := relListStatement(ws, q, "")
	params, err := scope(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	sess := s.session(ctx, neo4j.AccessModeRead)
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, "PROFILE "+cypher, params)
	if err != nil {
		return nil, err
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return nil, err
	}
	var steps []PlanStep
	var walk func(p neo4j.ProfiledPlan)
	walk = func(p neo4j.ProfiledPlan) {
		steps = append(steps, PlanStep{Operator: p.Operator(), Details: fmt.Sprint(p.Arguments()["Details"]), DBHits: p.DbHits()})
		for _, c := range p.Children() {
			walk(c)
		}
	}
	walk(sum.Profile())
	return steps, nil
}
