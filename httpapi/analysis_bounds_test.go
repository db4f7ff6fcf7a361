package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
	// At 8 hops, brokers needs about 6.7M units on the plain clique and
	// the routes from one village to its force about 1.1M (analysis
	// package, measured): 7.5M fits either, not both.
	a := boundedAPI(t, st, 7_500_000)
	ws, ids := craftedClique(t, st, false)

	// Two analyses in one request share its budget. (An analysis may be
	// asked once per operation, so they are two different ones.) Each
	// alone fits: the routes first, on a workspace of their own so that
	// nothing is memoised for the shared one; brokers alone below.
	routesQuery := `query($ws: ID!, $from: ID!, $to: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $from, to: $to, maxHops: 8) { strength } } }`
	wsAlone, idsAlone := craftedClique(t, st, false)
	if r := a.Do(routesQuery, map[string]any{"ws": wsAlone, "from": idsAlone["village0"], "to": idsAlone["force0"]}); len(r.Errors) > 0 {
		t.Fatalf("the routes alone: %v", r.Errors)
	}
	r := a.Do(`query($ws: ID!, $from: ID!, $to: ID!) { workspace(id: $ws) {
		brokers(maxHops: 8) { pairs }
		accountabilityRoutes(from: $from, to: $to, maxHops: 8) { strength } } }`,
		map[string]any{"ws": ws, "from": ids["village0"], "to": ids["force0"]})
	if r.Code() != "ANALYSIS_LIMIT_EXCEEDED" {
		t.Errorf("brokers and routes over one budget: code %q, errors %v", r.Code(), r.Errors)
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
	holder
}

func (s *heldStore) AnalysisSnapshot(ctx context.Context, id string) (*domain.Snapshot, error) {
	s.hold()
	return s.Store.AnalysisSnapshot(ctx, id)
}

// holder tells held that a call has come, then holds it until release is
// closed. held has room for every call a test makes, so that only the
// ones it waits for need to be received.
type holder struct {
	held    chan struct{}
	release chan struct{}
}

func newHolder() holder { return holder{held: make(chan struct{}, 8), release: make(chan struct{})} }

func (h holder) hold() {
	h.held <- struct{}{}
	<-h.release
}

// One analysis slot, held by the admin's brokers: the admin's second
// analysis is over its share (RATE_LIMITED), another caller's finds every
// slot busy (SERVICE_UNAVAILABLE); once the first is done, the next runs.
func TestAnalysisSlotsThroughTheAPI(t *testing.T) {
	storetest.Integration(t)
	// held has room for every later read, so that only the first waits
	// to be seen.
	st := &heldStore{Store: storetest.Open(t), holder: newHolder()}
	opts := apitest.Options()
	opts.GraphQL.Analysis = config.Analysis{MaxRunning: 1, PerCaller: 1, WorkBudget: 10_000_000}
	a := apitest.NewWith(t, st, opts)
	ws, ids := craftedClique(t, st.Store, false)
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
	// subgraph (an @analysis field, though the store computes it) needs
	// a slot too.
	if r := a.As(analyst).Do(subgraphQuery, map[string]any{"ws": ws, "c": ids["clique00"]}); r.Code() != "SERVICE_UNAVAILABLE" {
		t.Errorf("another caller's subgraph, every slot busy: code %q, errors %v", r.Code(), r.Errors)
	}
	close(st.release)
	if r := <-first; len(r.Errors) > 0 {
		t.Fatalf("the analysis holding the slot: %v", r.Errors)
	}
	if r := a.As(analyst).Do(brokersQuery, vars); len(r.Errors) > 0 {
		t.Errorf("after the slot was freed: %v", r.Errors)
	}
}

const subgraphQuery = `query($ws: ID!, $c: ID!) { workspace(id: $ws) { subgraph(center: $c) { truncated } } }`

// The analyses of one request share its slot. On two cores the defaults
// are two slots and one per caller; gqlgen resolves a request's fields
// concurrently, and each analysis once took a slot of its own, so the
// second of brokers and gapClosures waited for the first and was refused
// RATE_LIMITED, the caller blamed for their own single request. Here both
// are held reading the map at once, inside the request's one slot; the
// caller's share counts that request (the admin's next one is over it),
// and the other slot is free for another caller.
// versionHeldStore holds every analysis as it asks for its workspace's
// version: after it has its slot, and before the engine reads the
// workspace (which two analyses of one request share, so that holding the
// read would show only one of them).
type versionHeldStore struct {
	store.Store
	holder
}

func (s *versionHeldStore) WorkspaceVersion(ctx context.Context, id string) (int64, error) {
	s.hold()
	return s.Store.WorkspaceVersion(ctx, id)
}

func TestOneRequestsAnalysesShareItsSlot(t *testing.T) {
	storetest.Integration(t)
	st := &versionHeldStore{Store: storetest.Open(t), holder: newHolder()}
	opts := apitest.Options()
	opts.GraphQL.Analysis = config.Analysis{MaxRunning: 2, PerCaller: 1}
	a := apitest.NewWith(t, st, opts)
	ws, ids := craftedClique(t, st.Store, false)
	analyst, _ := a.CreateToken(ws, "ANALYST", "")

	resp := make(chan apitest.Response, 1)
	go func() {
		resp <- a.Do(`query($ws: ID!) { workspace(id: $ws) { brokers(maxHops: 4) { pairs } gapClosures { severityRemoved } } }`, map[string]any{"ws": ws})
	}()
	for i := 0; i < 2; i++ {
		select {
		case <-st.held:
		case <-time.After(10 * time.Second):
			// With a slot per field the second never gets in while
			// the first is held (this only turns that hang into a
			// failure: both get in at once when they share).
			close(st.release)
			t.Fatalf("%d of the request's two analyses got in; the other waits for a slot of its own: %v", i, (<-resp).Errors)
		}
	}
	sub := map[string]any{"ws": ws, "c": ids["clique00"]}
	if r := a.Do(subgraphQuery, sub); r.Code() != "RATE_LIMITED" {
		t.Errorf("the caller's second request, over its share: code %q, errors %v", r.Code(), r.Errors)
	}
	if r := a.As(analyst).Do(subgraphQuery, sub); len(r.Errors) > 0 {
		t.Errorf("another caller, one slot free: %v", r.Errors)
	}
	close(st.release)
	if r := <-resp; len(r.Errors) > 0 {
		t.Errorf("brokers and gapClosures in one request: %v", r.Errors)
	}
	// The request's slot was freed when its last analysis finished.
	if r := a.Do(subgraphQuery, sub); len(r.Errors) > 0 {
		t.Errorf("after the request: %v", r.Errors)
	}
}
