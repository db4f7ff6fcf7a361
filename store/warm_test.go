package store_test

import (
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"github.com/actorgraph/actorgraph/store/storetest"
)

// planned counts the log's entries that say the list statements were
// planned.
func planned(logs *observer.ObservedLogs) int {
	return logs.FilterMessage("list statements planned").Len()
}

// WarmPlans plans every list statement and says so in the log; after a
// lost connection, the first transaction that succeeds has the store plan
// them again, once, in the background.
func TestWarmPlansAtStartAndAfterAReconnect(t *testing.T) {
	t.Parallel()
	st, logs := openLogged(t, 0)
	if err := st.WarmPlans(ctx); err != nil {
		t.Fatal(err)
	}
	if planned(logs) != 1 {
		t.Fatalf("WarmPlans did not log its work: %v", logs.All())
	}
	if n := logs.FilterMessage("list statements planned").All()[0].ContextMap()["statements"]; n != int64(21) {
		t.Errorf("%v statements planned, want 21 (twenty actor lists, one relationship list)", n)
	}
	st.NoteLostConnection()
	for range 2 {
		if err := st.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := logs.FilterMessage("neo4j answers again: planning the list statements").Len(); n != 1 {
		t.Errorf("the reconnect started %d warm-ups, want 1", n)
	}
	// The warm-up runs in the background: wait for its log entry (the
	// bound only stops a hung test).
	for deadline := time.Now().Add(2 * time.Minute); planned(logs) < 2; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no warm-up after the reconnect: %v", logs.All())
		}
	}
}

// QueryCount counts the statements sent for callers, not the store's own
// background work: the undoer of one store sweeps every workspace
// whenever it must, and a test counting one request's round trips on
// another store must not see its statements.
func TestBackgroundWorkIsNotCounted(t *testing.T) {
	st := storetest.Open(t)
	before := st.QueryCount()
	if err := st.SweepImports(false); err != nil {
		t.Fatal(err)
	}
	counted := st.QueryCount() - before
	if counted == 0 {
		t.Fatal("a sweep for imports to undo sent no statement: the test proves nothing")
	}
	before = st.QueryCount()
	if err := st.SweepImports(true); err != nil {
		t.Fatal(err)
	}
	if n := st.QueryCount() - before; n != 0 {
		t.Errorf("the same sweep in the background counted %d statements, want 0 (%d when not)", n, counted)
	}
}
