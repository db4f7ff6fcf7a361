package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// driver asks the callers.
type driver struct {
	db     *rawDB
	o      options
	ag     *server
	peer   *server
	tokens map[string]string
	// writes numbers the write workloads' requests across measurements,
	// so that no two create the same id.
	writes atomic.Int64
}

// first is the index of a measurement's first request: 0 for reads, so
// that every caller asks the same questions; past every earlier write's
// for writes.
func (d *driver) first(wl *workload) int64 {
	if !wl.write {
		return 0
	}
	return d.writes.Add(1_000_000) - 1_000_000
}

func (d *driver) ask(c string, q gql) (map[string]any, error) {
	var out map[string]any
	if c == peer {
		return out, post(d.peer.url, "", q, &out)
	}
	return out, post(d.ag.url, d.tokens[c], q, &out)
}

// deepPage finds where the deep page starts for the admin and the analyst:
// the cursor ActorGraph gives the last actor before it, and that actor's
// (name, id) for the raw keyset statement.
func (d *driver) deepPage(ctx context.Context, f *fixture) error {
	skip := (f.page - 1) * 50
	for _, c := range []string{admin, analyst} {
		var after any
		seen := 0
		for seen < skip {
			data, err := d.ask(c, gql{`query($ws: ID!, $first: Int!, $after: String) { workspace(id: $ws) { actors(first: $first, after: $after) { edges { cursor node { id name } } } } }`,
				map[string]any{"ws": f.ws, "first": min(500, skip-seen), "after": after}})
			if err != nil {
				return fmt.Errorf("walking to page %d as %s: %w", f.page, c, err)
			}
			edges := list(dig(data, "workspace", "actors", "edges"))
			if len(edges) == 0 {
				return fmt.Errorf("walking to page %d as %s: only %d actors", f.page, c, seen)
			}
			seen += len(edges)
			last := edges[len(edges)-1]
			after = dig(last, "cursor")
			f.after[c] = fmt.Sprint(after)
			f.rawAfter[c] = [2]string{fmt.Sprint(dig(last, "node", "name")), fmt.Sprint(dig(last, "node", "id"))}
		}
	}
	return nil
}

// verify asks each caller the workload's first requests and compares the
// answers: the admin's, the peer's and raw Cypher's must be the same, and
// the analyst's the same as raw Cypher's at the analyst's clearance.
func (d *driver) verify(ctx context.Context, wl *workload, cs []string, n int) (problems []string, first map[string]time.Duration) {
	first = map[string]time.Duration{}
	for i := range 3 {
		answers := map[string]string{}
		for _, c := range cs {
			var a string
			if c == raw {
				rows, err := d.db.query(ctx, wl.cypher(i, allLevels), false)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%d actors, %s, raw: %v", n, wl.name, err))
					continue
				}
				a = wl.rawAnswer(rows)
			} else {
				t := time.Now()
				data, err := d.ask(c, wl.graphql(c, i))
				if i == 0 {
					first[c] = time.Since(t)
				}
				if err != nil {
					problems = append(problems, fmt.Sprintf("%d actors, %s, %s: %v", n, wl.name, c, err))
					continue
				}
				if wl.answer == nil {
					continue
				}
				a = wl.answer(c, data)
			}
			answers[c] = a
		}
		if wl.answer == nil {
			continue
		}
		want, ok := answers[raw]
		if !ok {
			continue
		}
		if want == "" {
			problems = append(problems, fmt.Sprintf("%d actors, %s, request %d: raw Cypher answered nothing", n, wl.name, i))
		}
		for _, c := range cs {
			got, ok := answers[c]
			if !ok || c == raw {
				continue
			}
			expect := want
			if c == analyst {
				rows, err := d.db.query(ctx, wl.cypher(i, analystLevels), false)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%d actors, %s, raw at the analyst's clearance: %v", n, wl.name, err))
					continue
				}
				expect = wl.rawAnswer(rows)
			}
			if got != expect {
				problems = append(problems, fmt.Sprintf("%d actors, %s, request %d: %s answered %s, raw Cypher %s", n, wl.name, i, c, clip(got), clip(expect)))
			}
		}
	}
	return problems, first
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// cell is one caller's measurement of one workload at one concurrency.
type cell struct {
	requests   int
	errors     int
	firstError string
	p50        time.Duration
	p95        time.Duration
	p99        time.Duration
	throughput float64 // successful requests per second
}

// countPacer sends as fast as the workers allow and stops after n
// requests (n = 0: never).
type countPacer struct{ n uint64 }

func (p countPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, p.n > 0 && hits >= p.n
}
func (p countPacer) Rate(time.Duration) float64 { return 0 }

// limits is how long, and how many requests, one measurement takes.
func (d *driver) limits(wl *workload) (time.Duration, uint64) {
	if d.o.requests > 0 {
		return 0, uint64(d.o.requests)
	}
	return d.o.duration, uint64(wl.maxRequests)
}

func (d *driver) measure(ctx context.Context, wl *workload, c string, conc int) (*cell, error) {
	if c == raw {
		return d.measureRaw(ctx, wl, conc), nil
	}
	du, n := d.limits(wl)
	url, token := d.ag.url, d.tokens[c]
	if c == peer {
		url, token = d.peer.url, ""
	}
	var next atomic.Int64
	next.Store(d.first(wl))
	header := http.Header{"Content-Type": []string{"application/json"}}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	targeter := func(t *vegeta.Target) error {
		i := int(next.Add(1) - 1)
		*t = vegeta.Target{Method: http.MethodPost, URL: url, Body: wl.graphql(c, i).body(), Header: header}
		return nil
	}
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(conc)), vegeta.MaxWorkers(uint64(conc)),
		vegeta.Connections(conc), vegeta.KeepAlive(true), vegeta.Timeout(3*time.Minute))
	var m vegeta.Metrics
	cl := &cell{}
	for res := range atk.Attack(targeter, countPacer{n}, du, wl.name) {
		if res.Error == "" {
			if err := checkAnswer(int(res.Code), res.Body, nil); err != nil {
				res.Error = err.Error()
			}
		}
		if res.Error != "" {
			cl.errors++
			if cl.firstError == "" {
				cl.firstError = res.Error
			}
		}
		res.Body = nil
		m.Add(res)
	}
	m.Close()
	cl.requests = int(m.Requests)
	cl.p50, cl.p95, cl.p99 = m.Latencies.P50, m.Latencies.P95, m.Latencies.P99
	cl.throughput = m.Throughput
	return cl, nil
}

// measureRaw runs the workload's statements through the driver, conc at
// a time, and measures them the way vegeta measures HTTP requests.
func (d *driver) measureRaw(ctx context.Context, wl *workload, conc int) *cell {
	du, n := d.limits(wl)
	var next atomic.Int64
	start := d.first(wl)
	next.Store(start)
	var mu sync.Mutex
	var m vegeta.Metrics
	cl := &cell{}
	began := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if (n > 0 && uint64(i-start) >= n) || (du > 0 && time.Since(began) > du) {
					return
				}
				t := time.Now()
				_, err := d.db.query(ctx, wl.cypher(int(i), allLevels), wl.write)
				res := &vegeta.Result{Attack: wl.name, Seq: uint64(i), Timestamp: t, Latency: time.Since(t), Code: 200}
				mu.Lock()
				if err != nil {
					res.Code, res.Error = 0, err.Error()
					cl.errors++
					if cl.firstError == "" {
						cl.firstError = err.Error()
					}
				}
				m.Add(res)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	m.Close()
	cl.requests = int(m.Requests)
	cl.p50, cl.p95, cl.p99 = m.Latencies.P50, m.Latencies.P95, m.Latencies.P99
	cl.throughput = m.Throughput
	return cl
}
