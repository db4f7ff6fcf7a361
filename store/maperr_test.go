package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/errs"
)

// A transaction that outgrows Neo4j's memory pool says so in words an
// operator can act on, without Neo4j's own text.
func TestMapErrTransactionMemory(t *testing.T) {
	t.Parallel()
	s := &Neo4j{}
	err := s.mapErr("store.Import", &neo4j.Neo4jError{Code: "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
		Msg: "The allocation of an extra 2.0 MiB would use more than the limit 7.0 GiB."})
	msg, _ := errs.Public(err)
	if !errs.Is(err, errs.Unavailable) || !strings.Contains(msg, "too large for one Neo4j transaction") || strings.Contains(msg, "GiB") {
		t.Errorf("%v: %q", err, msg)
	}
}

// A transaction Neo4j terminates (its timeout passed while it waited for a
// lock, an operator stopped it, the database is shutting down) was rolled
// back: the client hears SERVICE_UNAVAILABLE, not an internal error. The
// soak test (TestSoak, package main) met LockClientStopped while Neo4j
// was coming back from an outage.
func TestMapErrTerminatedTransaction(t *testing.T) {
	t.Parallel()
	s := &Neo4j{}
	for _, code := range []string{"Neo.ClientError.Transaction.LockClientStopped", "Neo.ClientError.Transaction.Terminated",
		"Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"} {
		err := s.mapErr("store.WorkspaceCounts", &neo4j.Neo4jError{Code: code,
			Msg: "The transaction has been terminated. Retry your operation in a new transaction, and you should see a successful result."})
		msg, _ := errs.Public(err)
		if !errs.Is(err, errs.Unavailable) || msg == "" {
			t.Errorf("%s: %v: %q", code, err, msg)
		}
	}
}

func TestSchemaRuleExists(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{
		"Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists": true,
		"Neo.ClientError.Schema.IndexAlreadyExists":                true,
		"Neo.ClientError.Schema.ConstraintAlreadyExists":           true,
		"Neo.ClientError.Schema.ConstraintValidationFailed":        false,
		"Neo.ClientError.Statement.SyntaxError":                    false,
	} {
		if got := schemaRuleExists(fmt.Errorf("wrapped: %w", &neo4j.Neo4jError{Code: code})); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
	}
	if schemaRuleExists(errors.New("Neo.ClientError.Schema.IndexAlreadyExists")) {
		t.Error("only Neo4j's own errors count")
	}
}

// A read or write on the connection cut short (the driver's
// ConnectionReadCanceled and kin, which unwrap to nothing) is
// SERVICE_UNAVAILABLE, not an internal error: TestSoak met one while Neo4j
// restarted. The errors are the driver's own texts, wrapped as the driver
// and the store wrap them.
func TestMapErrConnectionInterrupted(t *testing.T) {
	t.Parallel()
	s := &Neo4j{}
	for _, text := range []string{
		"Reading from connection has been canceled: context canceled",
		"Writing to connection has been canceled: context deadline exceeded",
		"Timeout while reading from connection [server-side timeout hint: 5s, user-provided context deadline: 2026-12-04]: i/o timeout",
		"Timeout while writing to connection [user-provided context deadline: 2026-12-04]: i/o timeout",
	} {
		err := s.mapErr("store.Import", fmt.Errorf("run import: %w", errors.New(text)))
		msg, _ := errs.Public(err)
		if !errs.Is(err, errs.Unavailable) || !strings.Contains(msg, "connection to Neo4j was cut") || strings.Contains(msg, "context") {
			t.Errorf("%s: %v (%q)", text, err, msg)
		}
	}
}

// A lost or refused connection is logged whole (the address and what the
// network said), so that an operator can tell a stopped Neo4j from a slow
// one; an error that may quote data is still logged by type alone. The
// client hears neither.
func TestMapErrTracesLostConnectionsWhole(t *testing.T) {
	t.Parallel()
	st, err := Open(Config{URI: "bolt://127.0.0.1:1", TxRetryTime: 200 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	refused := st.Ping(context.Background()) // port 1: nothing listens
	secret := &neo4j.Neo4jError{Code: "Neo.TransientError.Transaction.DeadlockDetected", Msg: "while writing 'informant-7'"}
	for _, c := range []struct {
		name     string
		err      error
		want     string // in the trace
		wantNone string // not in the trace
	}{
		{"a refused connection, after the driver's retries", refused, "connection refused", ""},
		{"a refused dial", st.mapErr("store.Import", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}),
			"dial tcp: connect: connection refused", ""},
		{"retries that ran out on a Neo4j error", st.mapErr("store.Ping", &neo4j.TransactionExecutionLimit{Cause: "timeout", Errors: []error{secret}}),
			"*errorutil.TransactionExecutionLimit", "informant"},
	} {
		trace := errs.Trace(c.err)
		if !errs.Is(c.err, errs.Unavailable) || !strings.Contains(trace, c.want) || (c.wantNone != "" && strings.Contains(trace, c.wantNone)) {
			t.Errorf("%s: %s, traced %q", c.name, errs.KindOf(c.err).Code(), trace)
		}
		if msg, _ := errs.Public(c.err); msg != "the database is unavailable; try again shortly" {
			t.Errorf("%s: the client hears %q", c.name, msg)
		}
	}
}
