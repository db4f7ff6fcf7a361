package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actorgraph/actorgraph/errs"
)

// ParseDateInNeo4j asks Neo4j to read text as a date: an error the store
// does not expect (Neo4j's message quotes text), for the logging test.
// Test-only.
func (s *Neo4j) ParseDateInNeo4j(ctx context.Context, text string) error {
	_, err := s.readRecords(ctx, "store.ParseDateInNeo4j", "RETURN date($text) AS d", map[string]any{"text": text})
	return err
}

// ReadAfterATransientFailure runs a read whose first attempt fails as a
// deadlock would, so that the driver retries it. Test-only.
func (s *Neo4j) ReadAfterATransientFailure(ctx context.Context) error {
	attempts := 0
	_, err := readTx(ctx, s, "store.ReadAfterATransientFailure", func(tx neo4j.ManagedTransaction) (int, error) {
		if attempts++; attempts == 1 {
			return 0, &neo4j.Neo4jError{Code: "Neo.TransientError.Transaction.DeadlockDetected", Msg: "a deadlock, for the test"}
		}
		return attempts, nil
	})
	return err
}

// entryText is everything a log entry says: its message and every field.
func entryText(e observer.LoggedEntry) string {
	return fmt.Sprint(e.Message, e.ContextMap())
}

func TestMapErrLogsUnexpectedErrorsWithoutTheirText(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.DebugLevel)
	s := &Neo4j{log: zap.New(core)}
	const secret = "the-secret-date"
	stmt := zap.String("statement", fingerprint("RETURN date($text) AS d"))
	err := s.mapErr("store.Test", &neo4j.Neo4jError{Code: "Neo.ClientError.Statement.ArgumentError",
		Msg: `Text cannot be parsed to a Date "` + secret + `"`}, stmt)
	if !errs.Is(err, errs.Internal) {
		t.Fatalf("got %v, want an internal error", err)
	}
	entries := logs.All()
	if len(entries) != 1 || entries[0].Level != zapcore.ErrorLevel {
		t.Fatalf("want one error logged, got %v", entries)
	}
	fields := entries[0].ContextMap()
	if fields["op"] != "store.Test" || fields["code"] != "Neo.ClientError.Statement.ArgumentError" ||
		!strings.HasPrefix(fmt.Sprint(fields["statement"]), "RETURN date($text) AS d #") {
		t.Errorf("the entry does not say where and what: %v", fields)
	}
	if strings.Contains(entryText(entries[0]), secret) {
		t.Errorf("Neo4j's text, which quotes a parameter, reached the log: %s", entryText(entries[0]))
	}

	// Errors the store expects (a clash, an outage) are the client's or
	// the operator's news, reported elsewhere, not a bug to log here.
	_ = s.mapErr("store.Test", &neo4j.Neo4jError{Code: "Neo.ClientError.Schema.ConstraintValidationFailed", Msg: secret})
	_ = s.mapErr("store.Test", &neo4j.Neo4jError{Code: "Neo.TransientError.Transaction.DeadlockDetected", Msg: secret})
	if n := logs.Len(); n != 1 {
		t.Errorf("expected errors were logged too: %v", logs.All()[1:])
	}
}

func TestSlowStatementsAreLoggedByFingerprint(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.DebugLevel)
	s := &Neo4j{log: zap.New(core), slow: time.Second}
	const cypher = "MATCH (a:Actor {id: $id})\nSET a = $props"
	s.logIfSlow("store.Test", cypher, 999*time.Millisecond)
	if logs.Len() != 0 {
		t.Fatalf("a statement under the threshold was logged: %v", logs.All())
	}
	s.logIfSlow("store.Test", cypher, 2*time.Second)
	if logs.Len() != 1 {
		t.Fatalf("want the slow statement logged once, got %v", logs.All())
	}
	fields := logs.All()[0].ContextMap()
	if fields["op"] != "store.Test" || fields["statement"] != fingerprint(cypher) || fields["elapsed"] != 2*time.Second {
		t.Errorf("the entry does not name the statement and its time: %v", fields)
	}

	off := &Neo4j{log: zap.New(core), slow: slowThreshold(-1)}
	off.logIfSlow("store.Test", cypher, time.Hour)
	if logs.Len() != 1 {
		t.Errorf("a negative SlowStatement still logs")
	}
	if got := slowThreshold(0); got != defaultSlowStatement {
		t.Errorf("SlowStatement 0 gives %v, want the default %v", got, defaultSlowStatement)
	}
}

func TestFingerprintNamesAStatementWithoutItsTail(t *testing.T) {
	t.Parallel()
	a, b := "CALL () {\n MATCH (a:Actor) RETURN a\n}", "CALL () {\n MATCH (x:Source) RETURN x\n}"
	if fa, fb := fingerprint(a), fingerprint(b); fa == fb || !strings.HasPrefix(fa, "CALL () { #") {
		t.Errorf("fingerprints %q and %q: want the first line and a hash that tells them apart", fa, fb)
	}
	long := strings.Repeat("MATCH (a) ", 20)
	if f := fingerprint(long); len([]rune(f)) > 80 {
		t.Errorf("fingerprint of a long line is %d runes: %q", len([]rune(f)), f)
	}
}
