package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// BenchmarkExplorer loads a workspace of 10,000 actors (regions of 100,
// about 7.5 relationships each, as bench/run's maps) in the explorer in
// Chromium, and reports the time from signing in to the first drawing of
// the whole map (every page of actors and relationships read through the
// API) and the frame rate while the map is dragged with the mouse, once
// the force layout (in its worker) has stopped. Software WebGL
// (SwiftShader) on the machine's CPUs: a machine with a GPU draws faster.
//
//	go test ./httpapi -run '^$' -bench Explorer -benchtime 3x
func BenchmarkExplorer(b *testing.B) {
	const actors, perActor = 10_000, 7.5
	st := storetest.Open(b)
	ws, _ := importSyntheticMap(b, st, "explorer benchmark", actors, perActor)
	a := apitest.New(b, st)
	token, _ := a.CreateToken(ws.ID, "ANALYST", "CONFIDENTIAL")
	p := openBrowser(b, a.URL)
	var readMs, drawMs, fps float64
	for b.Loop() {
		p.signIn(token)
		readMs += evaluate[float64](p, `actorgraphExplorer.timings.read - actorgraphExplorer.timings.signIn`)
		drawMs += evaluate[float64](p, `actorgraphExplorer.timings.drawn - actorgraphExplorer.timings.signIn`)
		p.waitFor("the layout to stop", `!actorgraphExplorer.layoutRunning()`)
		fps += p.panFrameRate(3 * time.Second)
	}
	b.ReportMetric(readMs/float64(b.N), "ms-to-read")
	b.ReportMetric(drawMs/float64(b.N), "ms-to-first-draw")
	b.ReportMetric(fps/float64(b.N), "fps-panning")
	b.ReportMetric(0, "ns/op") // the wall time of a round is not the measure
	p.checkClean()
}

// syntheticMap is n actors of every kind in regions of 100, with about
// perActor relationships each, nine in ten inside their region.
// importSyntheticMap imports syntheticMap's map of n actors into a new
// workspace named name, deleted when the test ends, and returns the
// workspace and the map.
func importSyntheticMap(tb testing.TB, st store.Store, name string, n int, perActor float64) (*domain.Workspace, *domain.Changes) {
	tb.Helper()
	ctx := storetest.Ctx()
	ws, err := st.CreateWorkspace(ctx, domain.WorkspaceInput{Name: name})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _, _ = st.DeleteWorkspace(storetest.Ctx(), ws.ID) })
	ch, err := syntheticMap(ws.ID, n, perActor)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error { return tx.Apply(ctx, ch) }); err != nil {
		tb.Fatal(err)
	}
	return ws, ch
}

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

// panFrameRate drags the map with the mouse, as an analyst pans it, for
// about d, and returns the frames sigma drew per second meanwhile. The
// drag is real input (Chrome's Input.dispatchMouseEvent), so the renderer
// sees a pan exactly as from a person's hand, settings such as
// hideEdgesOnMove included.
func (p *browserPage) panFrameRate(d time.Duration) float64 {
	p.t.Helper()
	rect := p.mapBox()
	x, y := rect[0]+rect[2]/2, rect[1]+rect[3]/2
	evaluate[bool](p, `(() => { const x = actorgraphExplorer; x.frames = 0; if (!x.counting) { x.renderer().on("afterRender", () => x.frames++); x.counting = true; } return true; })()`)
	p.do("pressing the mouse on the map", chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft))
	start := evaluate[float64](p, `(actorgraphExplorer.frames0 = actorgraphExplorer.frames, performance.now())`)
	for i := 0; ; i++ {
		// Back and forth across 200 pixels, a pixel or two per event.
		dx := float64(i%400) - 200
		if i%800 >= 400 {
			dx = -dx
		}
		p.do("dragging the map", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x+dx, y+dx/4, chromedp.ButtonLeft))
		if i%20 == 19 && evaluate[float64](p, `performance.now()`)-start >= float64(d.Milliseconds()) {
			break
		}
	}
	rate := evaluate[float64](p, `(actorgraphExplorer.frames - actorgraphExplorer.frames0) * 1000 / (performance.now() - `+fmt.Sprint(start)+`)`)
	p.do("releasing the mouse", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft))
	return rate
}
