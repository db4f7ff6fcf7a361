package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// openLogged opens a store whose log the test reads, on the test database.
func openLogged(t *testing.T, slow time.Duration) (*store.Neo4j, *observer.ObservedLogs) {
	t.Helper()
	storetest.Open(t) // the schema
	core, logs := observer.New(zapcore.DebugLevel)
	cfg := storetest.Config(t)
	cfg.SlowStatement = slow
	st, err := store.Open(cfg, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(ctx) })
	return st, logs
}

// assertNotLogged fails if any entry of logs mentions one of values.
func assertNotLogged(t *testing.T, logs *observer.ObservedLogs, values ...string) {
	t.Helper()
	for _, e := range logs.All() {
		text := fmt.Sprint(e.Message, e.ContextMap())
		for _, v := range values {
			if strings.Contains(text, v) {
				t.Errorf("a statement's parameter, %q, reached the log: %s", v, text)
			}
		}
	}
}

// With a threshold every statement passes, every statement is logged, by
// its operation and fingerprint, and none of what it was given (names,
// ids, filter values) or returned.
func TestSlowStatementsAreLoggedWithoutTheirParameters(t *testing.T) {
	t.Parallel()
	st, logs := openLogged(t, time.Nanosecond)
	ws := storetest.Workspace(t, st)
	const secret = "Secret-Village-4f1c"
	a, err := st.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: secret,
		Description: new(secret + " description"), ExternalID: new(secret + "-ext")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ListActors(ctx, ws.ID, store.ActorQuery{Filter: domain.ActorFilter{Search: new(secret)}, PageArgs: store.PageArgs{First: 5}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ListRelationships(ctx, ws.ID, store.RelationshipQuery{Filter: domain.RelationshipFilter{PerceivedBy: new(secret)}, PageArgs: store.PageArgs{First: 5}}); err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for _, e := range logs.FilterMessage("store: slow statement").All() {
		fields := e.ContextMap()
		ops[fmt.Sprint(fields["op"])] = true
		if fields["statement"] == "" || fields["elapsed"] == nil {
			t.Errorf("a slow statement's entry does not name it and its time: %v", fields)
		}
	}
	for _, op := range []string{"store.CreateActor", "store.ListActors", "store.ListRelationships"} {
		if !ops[op] {
			t.Errorf("no slow statement of %s logged; logged: %v", op, ops)
		}
	}
	assertNotLogged(t, logs, secret, ws.ID, a.ID)
}

// An error the store cannot classify is logged (it is a bug) with the
// statement that failed, but not with Neo4j's text, which quotes the
// value it could not use.
func TestUnexpectedErrorsAreLoggedWithoutTheirParameters(t *testing.T) {
	t.Parallel()
	st, logs := openLogged(t, 0)
	const secret = "not-a-date-9c2e"
	err := st.ParseDateInNeo4j(ctx, secret)
	if !errs.Is(err, errs.Internal) {
		t.Fatalf("got %v, want an internal error", err)
	}
	entries := logs.FilterMessage("store: unexpected Neo4j error").All()
	if len(entries) != 1 {
		t.Fatalf("want the error logged once, got %v", logs.All())
	}
	fields := entries[0].ContextMap()
	if fields["op"] != "store.ParseDateInNeo4j" || !strings.HasPrefix(fmt.Sprint(fields["code"]), "Neo.ClientError.") ||
		!strings.HasPrefix(fmt.Sprint(fields["statement"]), "RETURN date($text) AS d #") {
		t.Errorf("the entry does not say which operation, statement and error: %v", fields)
	}
	assertNotLogged(t, logs, secret)
}

// A transaction the driver runs again is logged, with what ended the
// attempt before.
func TestRetriedTransactionsAreLogged(t *testing.T) {
	t.Parallel()
	st, logs := openLogged(t, 0)
	if err := st.ReadAfterATransientFailure(ctx); err != nil {
		t.Fatal(err)
	}
	entries := logs.FilterMessage("store: retrying transaction").All()
	if len(entries) != 1 {
		t.Fatalf("want one retry logged, got %v", logs.All())
	}
	fields := entries[0].ContextMap()
	if fields["op"] != "store.ReadAfterATransientFailure" || fields["attempt"] != int64(2) ||
		fields["code"] != "Neo.TransientError.Transaction.DeadlockDetected" {
		t.Errorf("the entry does not say which operation, attempt and cause: %v", fields)
	}
}
