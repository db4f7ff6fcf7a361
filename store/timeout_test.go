package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A statement that would outlive its request is stopped by Neo4j before
// the request ends (the transaction carries the request's deadline, less
// Neo4j's check interval, as its timeout), and the client hears
// SERVICE_UNAVAILABLE in words, not Neo4j's.
//
// Not parallel: it keeps a Neo4j core busy for seconds, and what it checks
// is a race against the clock that other tests' load would only tilt.
func TestTransactionsEndWithTheirRequest(t *testing.T) {
	st := storetest.Open(t)
	ctx, cancel := context.WithTimeout(storetest.Ctx(), 8*time.Second)
	defer cancel()
	start := time.Now()
	err := st.SlowRead(ctx)
	if elapsed := time.Since(start); elapsed > 8*time.Second {
		t.Errorf("the slow read ran %v, past its 8s request", elapsed)
	}
	if msg, _ := errs.Public(err); !errs.Is(err, errs.Unavailable) || !strings.Contains(msg, "Neo4j stopped it") {
		t.Errorf("got %v (%q)", err, msg)
	}
}
