package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"

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
