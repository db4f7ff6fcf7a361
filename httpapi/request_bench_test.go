package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/actorgraph/actorgraph/bench/gen"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkActorByID is one `actor(id)` request over HTTP, a different
// actor of a 2,000-actor map each time, through the whole service (the
// server's limits as in production) on a kept-alive connection: what
// bench/run's "actor by id" costs the server, in one process so that a
// CPU profile shows where its time goes.
//
//	go test ./httpapi -run '^$' -bench ActorByID -cpuprofile /tmp/cpu.out
func BenchmarkActorByID(b *testing.B) {
	st := storetest.Open(b)
	_, ch := importSyntheticMap(b, st, "actor by id", 2000, 3)
	a := apitest.NewWith(b, st, apitest.ProductionOptions())
	ids := make([]string, len(ch.CreateActors))
	for i, c := range ch.CreateActors {
		ids[i] = c.ID
	}
	client := &http.Client{}
	i := 0
	for b.Loop() {
		postAsAdmin(b, client, a.URL, `query($id: ID!) { actor(id: $id) { id name region } }`, map[string]any{"id": ids[i%len(ids)]}, `"name"`)
		i++
	}
}

// postAsAdmin sends a GraphQL request as the admin on client, and fails
// b unless the answer is a 200 without errors that holds want.
func postAsAdmin(b *testing.B, client *http.Client, url, query string, vars map[string]any, want string) {
	if err := postAdmin(client, url, query, vars, want); err != nil {
		b.Fatal(err)
	}
}

// postAdmin is postAsAdmin's request, with its failure returned (for
// RunParallel's goroutines, which must not call b.Fatal).
func postAdmin(client *http.Client, url, query string, vars map[string]any, want string) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) || !bytes.Contains(out, []byte(want)) {
		return fmt.Errorf("%d: %s", res.StatusCode, out)
	}
	return nil
}

// BenchmarkNestedRead is bench/run's N+1 read over HTTP: the 50 first
// actors of a region (of 100), each with its relationships out and their
// other ends, on a 2,000-actor map with 7.5 relationships an actor. It
// reports the Neo4j round trips per request, which must not grow with the
// actors listed.
//
//	go test ./httpapi -run '^$' -bench NestedRead -cpuprofile /tmp/cpu.out
func BenchmarkNestedRead(b *testing.B) {
	st := storetest.Open(b)
	ws, _ := importSyntheticMap(b, st, "nested read", 2000, 7.5)
	a := apitest.NewWith(b, st, apitest.ProductionOptions())
	client := &http.Client{}
	const query = `query($ws: ID!, $region: String!) { workspace(id: $ws) { actors(filter: {region: $region}, first: 50) {
		edges { node { id relationships(direction: OUT, first: 100) { edges { node { id to { id name } } } } } } } } }`
	i := 0
	before := st.QueryCount()
	for b.Loop() {
		region := fmt.Sprintf("region %03d", i%20)
		i++
		postAsAdmin(b, client, a.URL, query, map[string]any{"ws": ws.ID, "region": region}, `"to"`)
	}
	b.ReportMetric(float64(st.QueryCount()-before)/float64(b.N), "queries/op")
}

// BenchmarkWarmGaps is bench/run's warm workspace-wide accountabilityGaps
// over HTTP, as the admin (who sees every confidential record, so that
// each answer is audited as a read of all those the analysis read) and as
// an analyst of clearance RESTRICTED, on bench/run's generated map
// (WARM_BENCH_SIZE actors, 10,000 by default).
//
//	go test ./httpapi -run '^$' -bench WarmGaps -cpuprofile /tmp/cpu.out
func BenchmarkWarmGaps(b *testing.B) {
	size := 10_000
	if env := os.Getenv("WARM_BENCH_SIZE"); env != "" {
		n, err := strconv.Atoi(env)
		if err != nil || n <= 0 || n%gen.RegionSize != 0 {
			b.Fatalf("WARM_BENCH_SIZE: want a positive multiple of %d, got %q", gen.RegionSize, env)
		}
		size = n
	}
	st := storetest.Open(b)
	ws := storetest.Workspace(b, st)
	m, err := gen.Generate(ws.ID, size, 14)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Load(storetest.Ctx(), st, ws.ID, m, b.Logf); err != nil {
		b.Fatal(err)
	}
	a := apitest.NewWith(b, st, apitest.ProductionOptions())
	analyst, _ := a.CreateToken(ws.ID, "ANALYST", "RESTRICTED")
	// As bench/run asks it, and with the records of the relationships
	// behind each gap (which the engine does not keep: they are loaded).
	const (
		query   = `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(first: 50) { totalCount edges { node { kind severity } } } } }`
		records = `query($ws: ID!) { workspace(id: $ws) { accountabilityGaps(first: 50) { totalCount edges { node { kind severity
		  relationships { id type strength notes from { id } to { id } } } } } } }`
	)
	for _, c := range []struct{ name, token, query string }{
		{"admin", apitest.AdminToken, query}, {"analyst", analyst, query}, {"admin/with records", apitest.AdminToken, records},
	} {
		b.Run(c.name, func(b *testing.B) {
			as := a.As(c.token)
			as.OK(c.query, map[string]any{"ws": ws.ID}, nil) // the cold one, not measured
			for b.Loop() {
				as.OK(c.query, map[string]any{"ws": ws.ID}, nil)
			}
		})
	}
}

// BenchmarkCreateActor is bench/run's "create one actor" over HTTP, as
// the admin into a 2,000-actor map, with eight requests in flight as in
// bench/run's concurrency 8 (creations answered at once are
// committed together: store's group commit). It reports the Neo4j
// statements per creation.
//
//	go test ./httpapi -run '^$' -bench CreateActor -cpuprofile /tmp/cpu.out
func BenchmarkCreateActor(b *testing.B) {
	st := storetest.Open(b)
	ws, _ := importSyntheticMap(b, st, "create actor", 2000, 3)
	a := apitest.NewWith(b, st, apitest.ProductionOptions())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	const mutation = `mutation($ws: ID!, $name: String!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: $name, sensitivity: PUBLIC}) { id } }`
	var n atomic.Int64
	before := st.QueryCount()
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0))) // eight in flight (on 2 cores, 4 a core)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := fmt.Sprintf("created %d", n.Add(1))
			if err := postAdmin(client, a.URL, mutation, map[string]any{"ws": ws.ID, "name": name}, `"id"`); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(st.QueryCount()-before)/float64(b.N), "queries/op")
}
