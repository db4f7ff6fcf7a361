package store_test

import (
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// A lookup by id, and a workspace's version, are one statement each in an
// auto-commit transaction (one round trip, not two; BenchmarkActorByID
// measures it): they still answer after the line to Neo4j was cut and restored (their pooled connections
// dead), and while it is cut they are retried as a managed transaction
// is, each retry logged, then answer SERVICE_UNAVAILABLE.
func TestLookupsSurviveALostConnection(t *testing.T) {
	t.Parallel()
	direct := storetest.Open(t)
	st, proxy, logs := openThroughCutProxy(t, func(cfg *store.Config) { cfg.TxRetryTime = 3 * time.Second })

	ws := storetest.Workspace(t, direct)
	a := mustActor(t, direct, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A"})
	lookups := map[string]func() error{
		"actor": func() error {
			as, err := st.ActorsByIDs(ctx, []string{a.ID, "act_missing"})
			if err == nil && (len(as) != 1 || as[0].Name != "A") {
				t.Errorf("ActorsByIDs: %v, want A alone", as)
			}
			return err
		},
		"version": func() error {
			v, err := st.WorkspaceVersion(ctx, ws.ID)
			if err == nil && v < 1 {
				t.Errorf("WorkspaceVersion: %d, want at least 1 (one actor written)", v)
			}
			return err
		},
	}
	for name, lookup := range lookups {
		if err := lookup(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	proxy.Cut(true)
	proxy.Cut(false)
	for name, lookup := range lookups {
		if err := lookup(); err != nil {
			t.Errorf("%s, the line cut and restored: %v", name, err)
		}
	}

	proxy.Cut(true)
	for name, lookup := range lookups {
		retries := logs.FilterMessage("store: retrying transaction").Len()
		if err := lookup(); !errs.Is(err, errs.Unavailable) {
			t.Errorf("%s, the line cut: %v, want Unavailable", name, err)
		}
		if logs.FilterMessage("store: retrying transaction").Len() == retries {
			t.Errorf("%s, the line cut: no retry logged", name)
		}
	}
	if _, err := direct.WorkspaceVersion(ctx, ws.ID); err != nil {
		t.Errorf("beside the cut line: %v", err)
	}
}
