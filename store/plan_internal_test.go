package store

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// PlanStep is one operator of a profiled plan. Test-only.
type PlanStep struct {
	Operator, Details string
	DBHits, Rows      int64
}

// ProfileListRelationships runs ListRelationships' statement for q (with
// its count) under PROFILE and returns what each operator of its plan
// did. Test-only.
func (s *Neo4j) ProfileListRelationships(ctx context.Context, ws string, q RelationshipQuery) ([]PlanStep, error) {
	cypher, params := relListStatement(ws, q, "")
	params["count"] = true
	return s.profile(ctx, cypher, params)
}

// ProfileListActors runs ListActors' statement for q (without its count)
// under PROFILE and returns what each operator of its plan did.
// Test-only.
func (s *Neo4j) ProfileListActors(ctx context.Context, ws string, q ActorQuery) ([]PlanStep, error) {
	ord := actorOrderOf(q.Order)
	c, err := decodeCursor(q.After, ord.tag)
	if err != nil {
		return nil, err
	}
	cypher, params, err := actorListStatement(ws, q, ord, c)
	if err != nil {
		return nil, err
	}
	params["count"] = false
	return s.profile(ctx, cypher, params)
}

func (s *Neo4j) profile(ctx context.Context, cypher string, params map[string]any) ([]PlanStep, error) {
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
		steps = append(steps, PlanStep{Operator: p.Operator(), Details: fmt.Sprint(p.Arguments()["Details"]), DBHits: p.DbHits(), Rows: p.Records()})
		for _, c := range p.Children() {
			walk(c)
		}
	}
	walk(sum.Profile())
	return steps, nil
}

// NoteLostConnection tells the store that a transaction found Neo4j
// unreachable, as a failed dial does. Test-only.
func (s *Neo4j) NoteLostConnection() {
	s.noteConnection(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})
}
