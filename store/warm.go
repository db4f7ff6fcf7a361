package store

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/domain"
)

// Plan warm-up. Neo4j plans a statement the first time it sees its text
// (and the types of its parameters), and keeps the plan in a cache that
// it empties when it restarts. The list statements are the expensive ones
// to plan: ListRelationships' twenty-four branches take seconds (tens
// under load), and the request that first sends one waits for that. So
// WarmPlans sends each of them once, in a workspace that does not exist
// (the plans are the ones every request shares; the runs read nothing),
// when the service starts, and the store sends them again in the
// background after it has lost its connection to Neo4j and found it again
// (Neo4j may have restarted with an empty cache).

// warmCtx is the context the warm-up statements run in: as the service,
// with a bound on how long they may take.
func warmCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(domain.WithCaller(ctx, system), 2*time.Minute)
}

// warmStatements are the list statements, with parameters of the types
// a request gives them, for a workspace id that names no workspace.
func warmStatements() []struct {
	cypher string
	params map[string]any
} {
	ws := domain.NewID(domain.PrefixWorkspace) // the length of a real id, and no workspace's
	var out []struct {
		cypher string
		params map[string]any
	}
	add := func(cypher string, params map[string]any) {
		params["count"] = false
		out = append(out, struct {
			cypher string
			params map[string]any
		}{cypher, params})
	}
	add(relListStatement(ws, RelationshipQuery{PageArgs: PageArgs{First: 1}}, ""))
	region, externalID := "a region", "an external id"
	for _, field := range []domain.ActorOrderField{domain.OrderByName, domain.OrderByCreatedAt} {
		for _, dir := range []domain.OrderDirection{domain.Asc, domain.Desc} {
			ord := actorOrderOf(domain.ActorOrder{Field: field, Direction: dir})
			for _, c := range []*cursor{nil, {Key: ord.keyOf(&domain.Actor{CreatedAt: now()}), ID: "act_"}} {
				seen := map[actorSeek]bool{}
				for _, f := range []domain.ActorFilter{{}, {Region: &region}, {ExternalID: &externalID}} {
					by := actorSeekOf(ord, f)
					if seen[by] {
						continue // a text already planned (a region by createdAt seeks the order's index)
					}
					seen[by] = true
					cypher, params, err := actorListStatement(ws, ActorQuery{Filter: f, PageArgs: PageArgs{First: 1}}, ord, c)
					if err != nil {
						panic(err) // a cursor made here always decodes
					}
					add(cypher, params)
				}
			}
		}
	}
	return out
}

// WarmPlans has Neo4j plan the list statements now, so that no request
// waits for their planning; it is logged, with the time it took. Once it
// has run, the store warms the plans again after a lost connection.
func (s *Neo4j) WarmPlans(ctx context.Context) error {
	s.warmed.Store(true)
	ctx, cancel := warmCtx(ctx)
	defer cancel()
	start := time.Now()
	stmts := warmStatements()
	// The first (the relationship list, which takes most of the time)
	// alone: the driver sets up its connector on its first connection,
	// and two goroutines making the first two at once race
	// (neo4j-go-driver 5.28, Connector.Connect). Then the others two at a
	// time: planning is CPU work in Neo4j.
	errc := make(chan error, len(stmts))
	_, first := s.readRecords(ctx, "store.WarmPlans", stmts[0].cypher, stmts[0].params)
	errc <- first
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, st := range stmts[1:] {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := s.readRecords(ctx, "store.WarmPlans", st.cypher, st.params)
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	var err error
	failed := 0
	for e := range errc {
		if e != nil {
			err, failed = errors.Join(err, e), failed+1
		}
	}
	if err != nil {
		// By count: an unexpected error was logged where it was mapped
		// (see mapErr), and a driver's text is not for the log.
		s.log.Warn("warming the list statements' plans failed: the first requests will plan them",
			zap.Int("failed", failed), zap.Int("statements", len(stmts)))
		return err
	}
	s.log.Info("list statements planned", zap.Int("statements", len(stmts)), zap.Duration("took", time.Since(start)))
	return nil
}

// noteConnection watches what a transaction's error says about the
// connection. The first transaction that reaches Neo4j, and the first
// that succeeds after one that says the connection is lost, have the
// undoer look for imports to undo (importundo.go); after a lost
// connection, that transaction also warms the plans again, in the
// background.
func (s *Neo4j) noteConnection(err error) {
	switch {
	case err != nil:
		if connectionLost(err) {
			s.lost.Store(true)
		}
	case s.lost.CompareAndSwap(true, false):
		s.undo.kick()
		if s.warmed.Load() {
			s.log.Info("neo4j answers again: planning the list statements")
			s.goInBackground(func() { _ = s.WarmPlans(inBackground(s.life)) })
		}
	case !s.met.Load() && s.met.CompareAndSwap(false, true):
		s.undo.kick()
	}
}

// connectionLost says whether err means that Neo4j could not be reached
// (rather than that a statement failed).
func connectionLost(err error) bool {
	var netErr net.Error
	var n4j *neo4j.Neo4jError
	return neo4j.IsConnectivityError(err) || errors.As(err, &netErr) ||
		(errors.As(err, &n4j) && strings.Contains(n4j.Code, "DatabaseUnavailable"))
}
