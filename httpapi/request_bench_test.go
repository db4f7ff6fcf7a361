package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

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
		body, _ := json.Marshal(map[string]any{"query": `query($id: ID!) { actor(id: $id) { id name region } }`, "variables": map[string]any{"id": ids[i%len(ids)]}})
		i++
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"name"`)) {
			b.Fatalf("%d: %s", res.StatusCode, out)
		}
	}
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
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"ws": ws.ID, "region": region}})
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) || !bytes.Contains(out, []byte(`"to"`)) {
			b.Fatalf("%d: %s", res.StatusCode, out)
		}
	}
	b.ReportMetric(float64(st.QueryCount()-before)/float64(b.N), "queries/op")
}
