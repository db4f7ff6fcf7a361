package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/actorgraph/actorgraph/auth"
	"github.com/actorgraph/actorgraph/bench/gen"
	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/store"
)

// sizeResult is what one map size measured.
type sizeResult struct {
	actors, relationships int
	loadTime              time.Duration
	rows                  []*row
	serverPeak, peerPeak  int64
	notes                 []string
	problems              []string
}

func runSize(ctx context.Context, st *store.Neo4j, db *rawDB, o options, n int, logf func(string, ...any)) (*sizeResult, error) {
	sr := &sizeResult{actors: n}
	stamp := time.Now().UTC().Format("20060102-150405")
	w, err := st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: fmt.Sprintf("bench %d actors (seed %d, %s)", n, o.seed, stamp)})
	if err != nil {
		return nil, err
	}
	m, err := gen.Generate(w.ID, n, o.seed)
	if err != nil {
		return nil, err
	}
	sr.relationships = len(m.Relationships)
	logf("%d actors: loading %d actors and %d relationships into %s", n, len(m.Actors), len(m.Relationships), w.ID)
	t0 := time.Now()
	if err := gen.Load(ctx, st, w.ID, m, logf); err != nil {
		return nil, err
	}
	sr.loadTime = time.Since(t0)
	logf("%d actors: loaded in %s", n, sr.loadTime.Round(time.Second))

	_, adminToken, err := auth.Issue(ctx, st, auth.IssueInput{Name: "bench admin " + stamp, Admin: true})
	if err != nil {
		return nil, err
	}
	_, analystToken, err := auth.Issue(ctx, st, auth.IssueInput{Name: "bench analyst " + stamp, Workspace: w.ID,
		Role: domain.Analyst, Clearance: new(domain.Restricted)})
	if err != nil {
		return nil, err
	}
	ag, err := startActorGraph(o)
	if err != nil {
		return nil, err
	}
	defer ag.stop()
	var pr *server
	if o.peerDir != "" {
		if pr, err = startPeer(o); err != nil {
			return nil, err
		}
		defer pr.stop()
	}
	d := &driver{db: db, o: o, ag: ag, peer: pr, tokens: map[string]string{admin: adminToken, analyst: analystToken}}

	f, err := makeFixture(m, w.ID, stamp, o.seed)
	if err != nil {
		return nil, err
	}
	if err := d.deepPage(ctx, f); err != nil {
		return nil, err
	}
	for _, wl := range workloads(f) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !o.wants(wl.name) {
			continue
		}
		cs := slices.DeleteFunc(slices.Clone(wl.callers), func(c string) bool { return c == peer && pr == nil })
		if !wl.write {
			ps, first := d.verify(ctx, wl, cs, n)
			sr.problems = append(sr.problems, ps...)
			if wl.cold {
				sr.notes = append(sr.notes, fmt.Sprintf("%s: the first request (cold, after the load and the reads above) took %s as the admin, then %s as the analyst",
					wl.name, first[admin].Round(time.Millisecond), first[analyst].Round(time.Millisecond)))
			}
		}
		for _, c := range o.conc {
			r := &row{workload: wl.name, actors: n, conc: c, cells: map[string]*cell{}}
			for _, caller := range cs {
				cl, err := d.measure(ctx, wl, caller, c)
				if err != nil {
					return nil, err
				}
				r.cells[caller] = cl
				if cl.errors > 0 {
					sr.problems = append(sr.problems, fmt.Sprintf("%d actors, %s, %s, concurrency %d: %d of %d requests failed, e.g. %s",
						n, wl.name, caller, c, cl.errors, cl.requests, cl.firstError))
				}
			}
			logf("%d actors: %s", n, r.summary())
			sr.rows = append(sr.rows, r)
		}
	}
	sr.serverPeak = ag.peakMemory()
	if pr != nil {
		sr.peerPeak = pr.peakMemory()
	}
	return sr, nil
}

// makeFixture picks what the workloads ask about from the map: PUBLIC
// actors (everyone sees them), every region, and pairs of a community and
// an actor holding power over it, all PUBLIC.
func makeFixture(m *gen.Map, ws, stamp string, seed uint64) (*fixture, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	f := &fixture{ws: ws, scratch: "bench-scratch-" + stamp, after: map[string]string{}, rawAfter: map[string][2]string{}}
	byID := map[string]*domain.Actor{}
	regions := map[string]bool{}
	for _, a := range m.Actors {
		byID[a.ID] = a
		if a.Sensitivity == domain.Public {
			f.publicIDs = append(f.publicIDs, a.ID)
		}
		if !regions[a.Region] {
			regions[a.Region] = true
			f.regions = append(f.regions, a.Region)
		}
	}
	for _, r := range m.Relationships {
		if (r.Type == domain.Threatens || r.Type == domain.ProvidesSecurity) && r.Sensitivity == domain.Public &&
			byID[r.FromID].Sensitivity == domain.Public && byID[r.ToID].Sensitivity == domain.Public {
			f.routes = append(f.routes, [2]string{r.ToID, r.FromID})
		}
	}
	if len(f.publicIDs) == 0 || len(f.routes) == 0 {
		return nil, fmt.Errorf("the map is too small to benchmark")
	}
	rng.Shuffle(len(f.publicIDs), func(i, j int) { f.publicIDs[i], f.publicIDs[j] = f.publicIDs[j], f.publicIDs[i] })
	rng.Shuffle(len(f.regions), func(i, j int) { f.regions[i], f.regions[j] = f.regions[j], f.regions[i] })
	rng.Shuffle(len(f.routes), func(i, j int) { f.routes[i], f.routes[j] = f.routes[j], f.routes[i] })
	// Page 200 of 50 where the map has it; otherwise the page four fifths
	// into the map (which the analyst, who sees nine actors in ten, has too).
	f.page = min(200, len(m.Actors)*4/5/50)
	f.peerOffset = (f.page - 1) * 50
	return f, nil
}
