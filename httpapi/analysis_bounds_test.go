package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The bounds of the analyses (docs/analysis.md#bounds) through GraphQL.

// craftedClique stores the crafted map of analysis/crafted_test.go: a
// 17-member DIALOGUE clique, six villages each with one gateway into it,
// each threatened by a force that answers to its gateway alone; with
// backDoors, each force also answers, very weakly, to a far clique member,
// which keeps the route search busy until the budget stops it.
func craftedClique(t *testing.T, st store.Store, backDoors bool) (ws string, ids map[string]string) {
	t.Helper()
	ctx := storetest.Ctx()
	ws = storetest.Workspace(t, st).ID
	ids = map[string]string{}
	actor := func(key string, kind domain.ActorKind) {
		a, err := st.CreateActor(ctx, ws, domain.ActorInput{Kind: kind, Name: key})
		if err != nil {
			t.Fatalf("actor %s: %v", key, err)
		}
		ids[key] = a.ID
	}
	rel := func(typ domain.RelationshipType, from, to string, s float64) {
		if _, err := st.CreateRelationship(ctx, domain.RelationshipInput{Type: typ, From: ids[from], To: ids[to], Strength: s}); err != nil {
			t.Fatalf("%s %s → %s: %v", typ, from, to, err)
		}
	}
	member := func(i int) string { return fmt.Sprintf("clique%02d", i) }
	for i := 0; i < 17; i++ {
		actor(member(i), domain.KindStateInstitution)
	}
	for i := 0; i < 17; i++ {
		for j := i + 1; j < 17; j++ {
			rel(domain.Dialogue, member(i), member(j), 0.9)
		}
	}
	for v := 0; v < 6; v++ {
		village, force := fmt.Sprintf("village%d", v), fmt.Sprintf("force%d", v)
		actor(village, domain.KindCommunity)
		actor(force, domain.KindSecurityForce)
		rel(domain.Dialogue, village, member(v), 0.8)
		rel(domain.AccountableTo, force, member(v), 0.7)
		rel(domain.Threatens, force, village, 0.9)
		if backDoors {
			rel(domain.AccountableTo, force, member(16), 0.01)
		}
	}
	return ws, ids
}

// boundedAPI is the API with a small analysis work budget, and slots
// enough that no analysis of these tests waits for one.
func boundedAPI(t *testing.T, st store.Store, budget int64) *apitest.API {
	opts := apitest.Options()
	opts.GraphQL.Analysis = config.Analysis{MaxRunning: 8, PerCaller: 8, WorkBudget: budget}
	return apitest.NewWith(t, st, opts)
}

const brokersQuery = `query($ws: ID!, $h: Int) { workspace(id: $ws) { brokers(maxHops: $h) { actor { id } pairs critical cutOff { community { id } } } } }`

func TestCraftedCliqueThroughTheAPI(t *testing.T) {
	storetest.Integration(t)
	st := storetest.Open(t)
	// The plain clique needs about 6.7M units at 8 hops and 6.5M at 6
	// (analysis tests); 10M fits one, not both.
	a := boundedAPI(t, st, 10_000_000)
	ws, ids := craftedClique(t, st, false)

	// Two analyses in one request share its budget.
	r := a.Do(`query($ws: ID!) { workspace(id: $ws) { h8: brokers(maxHops: 8) { pairs } h6: brokers(maxHops: 6) { pairs } } }`, map[string]any{"ws": ws})
	if r.Code() != "ANALYSIS_LIMIT_EXCEEDED" {
		t.Errorf("two brokers over one budget: code %q, errors %v", r.Code(), r.Errors)
	}

	// Alone, brokers answers exactly: each gateway brokers its village's
	// one route, and cuts it off.
	var out struct {
		Workspace struct {
			Brokers []struct {
				Actor    struct{ ID string }
				Pairs    int
				Critical bool
				CutOff   []struct{ Community struct{ ID string } }
			}
		}
	}
	a.OK(brokersQuery, map[string]any{"ws": ws, "h": 8}, &out)
	brokers := out.Workspace.Brokers
	if len(brokers) != 6 {
		t.Fatalf("%d brokers, want the 6 gateways", len(brokers))
	}
	gateways := map[string]string{}
	for v := 0; v < 6; v++ {
		gateways[ids[fmt.Sprintf("clique%02d", v)]] = ids[fmt.Sprintf("village%d", v)]
	}
	for _, b := range brokers {
		village, ok := gateways[b.Actor.ID]
		if !ok || b.Pairs != 1 || !b.Critical || len(b.CutOff) != 1 || b.CutOff[0].Community.ID != village {
			t.Errorf("broker %+v: want a gateway brokering and cutting off its own village", b)
		}
	}

	// With back doors no state is a dead end: the budget stops it.
	ws2, _ := craftedClique(t, st, true)
	r = a.Do(brokersQuery, map[string]any{"ws": ws2, "h": 8})
	if r.Code() != "ANALYSIS_LIMIT_EXCEEDED" {
		t.Fatalf("the clique with back doors: code %q, errors %v", r.Code(), r.Errors)
	}
	if msg := r.Errors[0].Message; !strings.Contains(msg, "maxHops") || !strings.Contains(msg, "one community") {
		t.Errorf("the message must say how to narrow the question: %q", msg)
	}
}

// NaN passed as a variable is refused with the field named, and leaves
// nothing behind (the analysis cache cannot be flooded with it).
func TestNaNArgumentsAreRefused(t *testing.T) {
	storetest.Integration(t)
	st := storetest.Open(t)
	a := apitest.New(t, st)
	ws, _ := craftedClique(t, st, false)
	for _, c := range []struct{ name, query string }{
		{"threshold", `query($ws: ID!, $x: Float) { workspace(id: $ws) { accountabilityGaps(threshold: $x) { totalCount } } }`},
		{"minConfidence", `query($ws: ID!, $x: Float) { workspace(id: $ws) { brokers(minConfidence: $x) { pairs } } }`},
		{"minSeverity", `query($ws: ID!, $x: Float) { workspace(id: $ws) { accountabilityGaps(minSeverity: $x) { totalCount } } }`},
		{"gapClosures threshold", `query($ws: ID!, $x: Float) { workspace(id: $ws) { gapClosures(threshold: $x) { severityRemoved } } }`},
	} {
		for _, v := range []any{"NaN", "Infinity", "-Infinity"} {
			r := a.Do(c.query, map[string]any{"ws": ws, "x": v})
			// The Float scalar may refuse it before the resolver does.
			if code := r.Code(); code != "BAD_USER_INPUT" && code != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s %v: code %q, errors %v", c.name, v, code, r.Errors)
			}
		}
	}
}

// heldStore holds every analysis snapshot read until release is closed,
// telling held when one starts (once release is closed, reads pass): an analysis that holds its slot for as
// long as the test wants, without a clock.
type heldStore struct {
	store.Store
	held    chan struct{}
	release chan struct{}
}

func (s *heldStore) AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error) {
	s.held <- struct{}{}
	<-s.release
	return s.Store.AnalysisSnapshot(ctx, id)
}

// One analysis slot, held by the admin's brokers: the admin's second
// analysis is over its share (RATE_LIMITED), another caller's finds every
// slot busy (SERVICE_UNAVAILABLE); once the first is done, the next runs.
func TestAnalysisSlotsThroughTheAPI(t *testing.T) {
	storetest.Integration(t)
	// held has room for every later read, so that only the first waits
	// to be seen.
	st := &heldStore{Store: storetest.Open(t), held: make(chan struct{}, 8), release: make(chan struct{})}
	opts := apitest.Options()
	opts.GraphQL.Analysis = config.Analysis{MaxRunning: 1, PerCaller: 1, WorkBudget: 10_000_000}
	a := apitest.NewWith(t, st, opts)
	ws, _ := craftedClique(t, st.Store, false)
	analyst, _ := a.CreateToken(ws, "ANALYST", "")
	vars := map[string]any{"ws": ws, "h": 4}

	first := make(chan apitest.Response)
	go func() { first <- a.Do(brokersQuery, vars) }()
	<-st.held // the admin's brokers holds the one slot
	if r := a.Do(brokersQuery, vars); r.Code() != "RATE_LIMITED" {
		t.Errorf("the same caller's second analysis: code %q, errors %v", r.Code(), r.Errors)
	}
	r := a.As(analyst).Do(brokersQuery, vars)
	if r.Code() != "SERVICE_UNAVAILABLE" {
		t.Errorf("another caller, every slot busy: code %q, errors %v", r.Code(), r.Errors)
	} else if !strings.Contains(r.Errors[0].Message, "retry") {
		t.Errorf("the message must say to retry: %q", r.Errors[0].Message)
	}
	close(st.release)
	if r := <-first; len(r.Errors) > 0 {
		t.Fatalf("the analysis holding the slot: %v", r.Errors)
	}
	if r := a.As(analyst).Do(brokersQuery, vars); len(r.Errors) > 0 {
		t.Errorf("after the slot was freed: %v", r.Errors)
	}
}
