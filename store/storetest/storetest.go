// Package storetest opens the real Neo4j that integration tests run
// against (NEO4J_URI, set by dev/test) and gives each test its own
// workspace. There is no mock: a test that claims to test the store talks
// to Neo4j. When Neo4j is unreachable, tests fail; only `go test -short`
// leaves them out.
package storetest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
)

var schemaOnce sync.Once

// Integration marks t as an integration test: `go test -short` (the
// unit tests alone, no database) leaves it out. dev/test, and so CI, never
// passes -short, so there every integration test runs, and one that cannot
// reach Neo4j fails. This is the only place a test skips itself.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs Neo4j (run without -short, via dev/test)")
	}
}

// Config is the test database's configuration, from the environment.
func Config(t testing.TB) store.Config {
	t.Helper()
	Integration(t)
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		t.Fatal("NEO4J_URI is not set: integration tests need a real Neo4j; run them with dev/test, which starts one")
	}
	return store.Config{URI: uri, Username: os.Getenv("NEO4J_USERNAME"), Password: os.Getenv("NEO4J_PASSWORD"),
		Database: os.Getenv("NEO4J_DATABASE")}
}

// Open connects a fresh store to the test database, applies the schema
// once per test binary, and closes the store when the test ends.
func Open(t testing.TB) *store.Neo4j {
	t.Helper()
	return OpenWith(t, Config(t))
}

// BatchedImports is the test database's configuration with every write
// import in batches (Config.ImportInOneTx), for tests of what batches
// do that would otherwise need imports of over 20,000 changes.
func BatchedImports(t testing.TB) store.Config {
	t.Helper()
	cfg := Config(t)
	cfg.ImportInOneTx = -1
	return cfg
}

// OpenWith is Open with cfg, a changed Config.
func OpenWith(t testing.TB, cfg store.Config) *store.Neo4j {
	t.Helper()
	st, err := store.Open(cfg, nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Neo4j at %s is unreachable: %v", os.Getenv("NEO4J_URI"), err)
	}
	var schemaErr error
	schemaOnce.Do(func() { schemaErr = st.EnsureSchema(ctx) })
	if schemaErr != nil {
		t.Fatalf("ensure schema: %v", schemaErr)
	}
	return st
}

// Ctx is the context tests call the store in: the store runs nothing
// without a caller, and tests act as the operator, who sees everything.
func Ctx() context.Context {
	return domain.WithCaller(context.Background(), domain.Operator("test"))
}

// Workspace creates a workspace for one test and deletes it afterwards.
func Workspace(t testing.TB, st store.Store) *domain.Workspace {
	t.Helper()
	ws, err := st.CreateWorkspace(Ctx(), domain.WorkspaceInput{Name: t.Name()})
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	t.Cleanup(func() { _, _ = st.DeleteWorkspace(Ctx(), ws.ID) })
	return ws
}
