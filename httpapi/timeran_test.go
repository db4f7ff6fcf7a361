package httpapi_test

import (
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A request whose time has run out before its operation runs gets
// SERVICE_UNAVAILABLE with a message, never the bare JSON null that
// gqlgen's executor leaves for a done context (HTTP 200, no data, no
// error: the soak test met thousands of those while Neo4j restarted).
// A request timeout of a nanosecond has always run out by then.
func TestRequestOutOfTimeBeforeItsOperationRuns(t *testing.T) {
	t.Parallel()
	opts := apitest.Options()
	opts.HTTP.RequestTimeout = time.Nanosecond
	a := apitest.NewWith(t, storetest.Open(t), opts)
	_, r := a.Post([]byte(`{"query": "{ __typename }"}`), nil)
	if r.Code() != "SERVICE_UNAVAILABLE" || len(r.Errors) != 1 || r.Errors[0].Message == "" {
		t.Fatalf("answer %+v, want one SERVICE_UNAVAILABLE error with a message", r)
	}
}
