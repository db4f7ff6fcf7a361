package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkExplorer loads a workspace of 10,000 actors (regions of 100,
// about 7.5 relationships each, as bench/run's maps) in the explorer in
// Chromium, and reports the time from signing in to the first drawing of
// the whole map (every page of actors and relationships read through the
// API) and the frame rate while the map is panned, once the force layout
// (in its worker) has stopped. Software WebGL (SwiftShader): a machine
// with a GPU draws faster.
//
//	go test ./httpapi -run '^$' -bench Explorer -benchtime 3x
func BenchmarkExplorer(b *testing.B) {
	const actors, perActor = 10_000, 7.5
	st := storetest.Open(b)
	ctx := storetest.Ctx()
	ws, err := st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: "explorer benchmark"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = st.DeleteWorkspace(storetest.Ctx(), ws.ID) })
	ch, err := syntheticMap(ws.ID, actors, perActor)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error { return tx.Apply(ctx, ch) }); err != nil {
		b.Fatal(err)
	}
	a := apitest.New(b, st)
	token, _ := a.CreateToken(ws.ID, "ANALYST", "CONFIDENTIAL")
	p := openBrowser(b, a.URL)
	var drawMs, fps float64
	for b.Loop() {
		p.signIn(token)
		drawMs += evaluate[float64](p, `actorgraphExplorer.timings.drawn - actorgraphExplorer.timings.signIn`)
		p.waitFor("the layout to stop", `!actorgraphExplorer.layoutRunning()`)
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Minute)
		f, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise(done => {
			const cam = actorgraphExplorer.renderer().getCamera();
			let frames = 0;
			const start = performance.now();
			const step = () => {
				frames++;
				cam.setState({ x: cam.x + 0.002 });
				if (performance.now() - start < 3000) requestAnimationFrame(step);
				else done(frames * 1000 / (performance.now() - start));
			};
			requestAnimationFrame(step);
		})`, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		fps += f
	}
	b.ReportMetric(drawMs/float64(b.N), "ms-to-first-draw")
	b.ReportMetric(fps/float64(b.N), "fps-panning")
	b.ReportMetric(0, "ns/op") // the wall time of a round is not the measure
	p.checkClean()
}

// syntheticMap is n actors of every kind in regions of 100, with about
// perActor relationships each, nine in ten inside their region.
func syntheticMap(ws string, n int, perActor float64) (*domain.Changes, error) {
	rng := rand.New(rand.NewPCG(15, 15))
	kinds := []domain.ActorKind{domain.KindCommunity, domain.KindStateInstitution, domain.KindSecurityForce, domain.KindMovement,
		domain.KindCivilSociety, domain.KindCustomaryAuthority, domain.KindInternational}
	ch := &domain.Changes{}
	for i := range n {
		region := fmt.Sprintf("region %03d", i/100)
		a, err := domain.NewActor(ws, domain.ActorInput{Kind: kinds[rng.IntN(len(kinds))], Name: fmt.Sprintf("actor %05d", i), Region: &region})
		if err != nil {
			return nil, err
		}
		a.ID = domain.NewID(domain.PrefixActor)
		ch.CreateActors = append(ch.CreateActors, a)
	}
	types := []domain.RelationshipType{domain.CooperatesWith, domain.Supports, domain.InTensionWith, domain.Trusts}
	for range int(float64(n) * perActor) {
		from := rng.IntN(n)
		to := from/100*100 + rng.IntN(100)
		if rng.IntN(10) == 0 {
			to = rng.IntN(n)
		}
		if to == from {
			continue
		}
		r, err := domain.NewRelationship(ws, domain.RelationshipInput{Type: types[rng.IntN(len(types))],
			From: ch.CreateActors[from].ID, To: ch.CreateActors[to].ID, Strength: float64(rng.IntN(101)) / 100})
		if err != nil {
			return nil, err
		}
		r.ID = domain.NewID(domain.PrefixRelationship)
		ch.CreateRelationships = append(ch.CreateRelationships, r)
	}
	return ch, nil
}
