package store

import (
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/actorgraph/actorgraph/errs"
)

// A transaction that outgrows Neo4j's memory pool says so in words an
// operator can act on, without Neo4j's own text.
func TestMapErrTransactionMemory(t *testing.T) {
	s := &Neo4j{}
	err := s.mapErr("store.Import", &neo4j.Neo4jError{Code: "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
		Msg: "The allocation of an extra 2.0 MiB would use more than the limit 7.0 GiB."})
	msg, _ := errs.Public(err)
	if !errs.Is(err, errs.Unavailable) || !strings.Contains(msg, "too large for one Neo4j transaction") || strings.Contains(msg, "GiB") {
		t.Errorf("%v: %q", err, msg)
	}
}
