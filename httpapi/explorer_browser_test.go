package httpapi_test

// The explorer in a real browser: Debian's Chromium (dev/test installs it),
// driven by chromedp, against the service with the demo map. Every request
// the page makes is recorded, so that one leaving the origin fails the test
// (the browser also resolves no other host), and so is every console error.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserPage is one tab on the explorer, with what it has asked for and
// what it has written to its console.
type browserPage struct {
	t      testing.TB
	ctx    context.Context
	origin string

	mu       sync.Mutex
	requests []string
	console  []string
}

func openBrowser(t testing.TB, origin string) *browserPage {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("no Chromium at %s (dev/test installs Debian's chromium package): %v", chromiumPath, err)
	}
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// WebGL (sigma.js draws with it) in software, with no GPU.
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		// No host but the service's resolves: nothing can leave the origin.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE "+u.Hostname()),
		chromedp.WindowSize(1400, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	p := &browserPage{t: t, ctx: ctx, origin: origin}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.requests = append(p.requests, ev.Request.URL)
			p.mu.Unlock()
		}
	}()
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				p.mu.Lock()
				p.console = append(p.console, m.String()+" ("+m.URL+")")
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// browserWait bounds each step in the browser. It is for a condition the
// page never reaches, not for a slow machine: in CI the page shares two
// cores with race-built servers and the other packages' tests, and
// drawing the 2,000-actor map once took over two minutes there.
const browserWait = 5 * time.Minute

// do runs steps, failing the test on an error; browserWait bounds it.
func (p *browserPage) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func evaluate[T any](p *browserPage, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor waits until expr is truthy in the page. When it never is, the
// failure says what the page showed instead (its status line, the
// workspace and the map's size) and what it logged, so that a CI run's
// failure can be read without the browser.
func (p *browserPage) waitFor(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(0)))
	if err != nil {
		p.t.Fatalf("%s: %v; the page showed %s", what, err, p.describe())
	}
}

// describe is what the page shows and logged, for a failure's message.
func (p *browserPage) describe() string {
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		status: document.getElementById("status")?.textContent,
		workspace: window.actorgraphExplorer?.state?.workspace,
		actors: window.actorgraphExplorer?.graph?.order,
		relationships: window.actorgraphExplorer?.graph?.size,
	})`))
	if err != nil {
		shown = "(unreadable: " + err.Error() + ")"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("%s, console errors %q", shown, p.console)
}

// await waits until done is closed; browserWait bounds it.
func (p *browserPage) await(what string, done <-chan struct{}) {
	p.t.Helper()
	select {
	case <-done:
	case <-time.After(browserWait):
		p.t.Fatalf("%s: not after %v; the page showed %s", what, browserWait, p.describe())
	}
}

// mapBox is where the map is in the window: left, top, width, height.
func (p *browserPage) mapBox() []float64 {
	p.t.Helper()
	return evaluate[[]float64](p, `(() => { const r = document.getElementById("map").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
}

// screenshot saves the page as name.png in $ARTEFACTS_DIR (dev/test sets
// it), or in the test's temporary folder.
func (p *browserPage) screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("ARTEFACTS_DIR")
	if dir == "" {
		dir = p.t.TempDir()
	}
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// checkClean fails the test for any request that left the origin and any
// console error.
func (p *browserPage) checkClean() { p.checkCleanBut(func(string) bool { return false }) }

// consoleCount is how many console errors so far match.
func (p *browserPage) consoleCount(match func(message string) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.console {
		if match(m) {
			n++
		}
	}
	return n
}

// checkCleanBut is checkClean for a page that should log the console
// errors expected says it expects, and returns how many it logged.
func (p *browserPage) checkCleanBut(expected func(message string) bool) int {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.requests {
		if !strings.HasPrefix(r, p.origin+"/") && !strings.HasPrefix(r, "data:") && !strings.HasPrefix(r, "blob:") {
			p.t.Errorf("the page asked for %s, outside the origin %s", r, p.origin)
		}
	}
	n := 0
	for _, m := range p.console {
		if expected(m) {
			n++
			continue
		}
		p.t.Errorf("console error: %s", m)
	}
	return n
}

// set sets a control's value as a person would (the control may be in a
// closed section: the page's JavaScript is what is tested, not the
// browser's clicks).
func set(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.getElementById(%q); el.value = %q;
		el.dispatchEvent(new Event("input", { bubbles: true })); el.dispatchEvent(new Event("change", { bubbles: true })); })()`, id, value))
}

// click clicks the element with the id.
func click(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).click()`, id))
}

// signIn opens the explorer, enters token and waits for the map of the
// workspace the token opens.
func (p *browserPage) signIn(token string) {
	p.t.Helper()
	p.enterToken(token)
	p.waitFor("the map to be drawn", `document.getElementById("status").textContent.endsWith("drawn")`)
}

// signInAsAdmin signs in with the admin token and waits until the
// explorer lists the workspaces, not for a map: the explorer opens the
// first workspace of all, which in the tests' shared Neo4j is any other
// test's, as large as it likes and perhaps deleted while it is read. The
// test then opens its own.
func (p *browserPage) signInAsAdmin() {
	p.t.Helper()
	p.enterToken(apitest.AdminToken)
	p.waitFor("the workspaces to be listed", `document.getElementById("who").textContent.endsWith("(admin)") && document.getElementById("workspace").options.length > 0`)
}

func (p *browserPage) enterToken(token string) {
	p.t.Helper()
	p.do("opening the explorer", chromedp.Navigate(p.origin+"/"))
	p.do("signing in",
		chromedp.SetValue(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(`#sign-in button[type="submit"]`)),
	)
}

func TestExplorerDrawsTheDemoMap(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	owner, _ := f.a.CreateToken(f.ws, "OWNER", "")
	viewer, _ := f.a.CreateToken(f.ws, "VIEWER", "")

	// What GraphQL says the owner sees: every actor and relationship.
	var want struct {
		Workspace struct {
			Actors struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Relationships struct {
				Edges []struct{ Node struct{ ID string } }
			}
			Gaps struct {
				Edges []struct {
					Node struct {
						Community, PowerHolder struct{ ID string }
						PowerRelationships     []struct{ ID string }
						BestRoute              *struct {
							Actors, Relationships []struct{ ID string }
						}
					}
				}
			} `json:"accountabilityGaps"`
		}
	}
	f.a.As(owner).OK(`query($ws: ID!) { workspace(id: $ws) {
		actors(first: 500) { edges { node { id } } }
		relationships(first: 500) { edges { node { id } } }
		accountabilityGaps(first: 1) { edges { node { community { id } powerHolder { id } powerRelationships { id }
		  bestRoute { actors { id } relationships { id } } } } } } }`, map[string]any{"ws": f.ws}, &want)
	ids := func(es []struct{ Node struct{ ID string } }) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Node.ID)
		}
		slices.Sort(out)
		return out
	}

	p := openBrowser(t, f.a.URL)
	p.signIn(owner)
	if got := evaluate[[]string](p, `actorgraphExplorer.graph.nodes().sort()`); !slices.Equal(got, ids(want.Workspace.Actors.Edges)) {
		t.Errorf("actors drawn: %d %v, want GraphQL's %d", len(got), got, len(want.Workspace.Actors.Edges))
	}
	if got := evaluate[[]string](p, `actorgraphExplorer.graph.edges().sort()`); !slices.Equal(got, ids(want.Workspace.Relationships.Edges)) {
		t.Errorf("relationships drawn: %d, want GraphQL's %d", len(got), len(want.Workspace.Relationships.Edges))
	}
	if hidden := evaluate[bool](p, `document.querySelector("[data-needs=edit]").hidden`); hidden {
		t.Error("an owner sees no edit controls")
	}
	p.screenshot("explorer-demo-map")

	// Clicking an actor shows its details with its sources, as GraphQL has them.
	var withSources struct {
		Workspace struct {
			Actors struct {
				Edges []struct {
					Node struct {
						ID, Name string
						Sources  []struct{ Title string }
					}
				}
			}
		}
	}
	f.a.As(owner).OK(`query($ws: ID!) { workspace(id: $ws) { actors(first: 500) { edges { node { id name sources { title } } } } } }`,
		map[string]any{"ws": f.ws}, &withSources)
	clicked := false
	for _, e := range withSources.Workspace.Actors.Edges {
		if len(e.Node.Sources) == 0 {
			continue
		}
		p.do("clicking "+e.Node.Name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`actorgraphExplorer.renderer().emit("clickNode", { node: %q })`, e.Node.ID)))
		p.waitFor("the details of "+e.Node.Name, fmt.Sprintf(`document.querySelector("#details h3")?.textContent === %q && document.querySelector("#details dl").textContent.includes("sources")`, e.Node.Name))
		shown := evaluate[string](p, `document.querySelector("#details dl").textContent`)
		for _, src := range e.Node.Sources {
			if !strings.Contains(shown, src.Title) {
				t.Errorf("details of %s: %q, want the source %q", e.Node.Name, shown, src.Title)
			}
		}
		// Its relationships are listed as buttons (the keyboard's way to
		// them), each opening that relationship's details.
		listed := evaluate[int](p, `document.querySelectorAll("#details .relationships button").length`)
		if mine := evaluate[int](p, fmt.Sprintf(`actorgraphExplorer.graph.edges(%q).length`, e.Node.ID)); listed != mine || mine == 0 {
			t.Errorf("details of %s list %d relationships, want its %d", e.Node.Name, listed, mine)
		} else {
			// The button names the relationship, then its strength.
			button := evaluate[string](p, `document.querySelector("#details .relationships button").textContent`)
			title, _, _ := strings.Cut(button, ", strength ")
			p.do("opening "+button, chromedp.Click(chromedp.CSS(`#details .relationships button`)))
			p.waitFor("the details of "+title, fmt.Sprintf(`document.querySelector("#details h3")?.textContent === %q && document.querySelector("#details dl").textContent.includes("confidence")`, title))
		}
		clicked = true
		break
	}
	if !clicked {
		t.Error("no demo actor has a source to show")
	}

	// Hovering over an actor with the mouse shows a card with its details
	// and sources (read for the card: this actor was never clicked).
	// The actor with sources farthest from any other on screen, so that
	// none covers the point (the layout is the demo's saved one).
	var sourced []string
	for _, e := range withSources.Workspace.Actors.Edges {
		if len(e.Node.Sources) > 0 {
			sourced = append(sourced, e.Node.ID)
		}
	}
	sourcedJSON, _ := json.Marshal(sourced)
	isolated := evaluate[string](p, `((sourced) => { const r = actorgraphExplorer.renderer(); const g = actorgraphExplorer.graph;
		const at = n => r.graphToViewport({ x: g.getNodeAttribute(n, "x"), y: g.getNodeAttribute(n, "y") });
		const clicked = document.querySelector("#details .title")?.textContent;
		let best = "", far = -1;
		for (const n of g.nodes()) {
			const a = actorgraphExplorer.state.actors.get(n);
			if (a.name === clicked || !sourced.includes(n)) continue;
			const p = at(n);
			const near = Math.min(...g.nodes().filter(m => m !== n).map(m => { const q = at(m); return Math.hypot(p.x - q.x, p.y - q.y); }));
			if (near > far) { far = near; best = n; }
		}
		return best; })(`+string(sourcedJSON)+`)`)
	if isolated == "" {
		t.Error("no demo actor with sources to hover over")
	}
	for _, e := range withSources.Workspace.Actors.Edges {
		a := e.Node
		if a.ID != isolated {
			continue
		}
		box := p.mapBox()
		at := evaluate[[]float64](p, fmt.Sprintf(`(() => { const g = actorgraphExplorer.graph;
			const v = actorgraphExplorer.renderer().graphToViewport({ x: g.getNodeAttribute(%[1]q, "x"), y: g.getNodeAttribute(%[1]q, "y") });
			return [v.x, v.y]; })()`, a.ID))
		p.do("pointing at "+a.Name, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+at[0], box[1]+at[1]))
		p.waitFor("the card of "+a.Name, fmt.Sprintf(`!document.getElementById("hover-card").hidden && document.querySelector("#hover-card .title")?.textContent === %q && document.querySelector("#hover-card dl").textContent.includes(%q)`, a.Name, a.Sources[0].Title))
		p.screenshot("explorer-hover")
		p.do("pressing Escape", chromedp.KeyEvent(kb.Escape))
		p.waitFor("Escape to dismiss the card", `document.getElementById("hover-card").hidden`)
		p.do("pointing at the map's empty corner", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+3, box[1]+3))
		p.waitFor("the card to go", `document.getElementById("hover-card").hidden`)
		break
	}

	// Each kind is drawn in the shape its legend shows.
	// (sigma draws a node with the program its type names: one per shape.)
	if bad := evaluate[[]string](p, `actorgraphExplorer.graph.filterNodes((n, a) => a.type !== a.shape ||
		!(a.shape in actorgraphExplorer.renderer().getSetting("nodeProgramClasses")) ||
		a.shape !== document.querySelector("#kind-" + a.kind)?.closest("label")?.querySelector("svg")?.getAttribute("data-shape"))`); len(bad) > 0 {
		t.Errorf("actors drawn in another shape than their kind's legend: %v", bad)
	}
	if shapes := evaluate[int](p, `new Set(actorgraphExplorer.graph.mapNodes((n, a) => a.shape)).size`); shapes < 5 {
		t.Errorf("the demo map's kinds are drawn in %d shapes, want one per kind", shapes)
	}

	// The most severe gap: exactly its community, power holder, power
	// relationships and strongest route are highlighted.
	if len(want.Workspace.Gaps.Edges) == 0 {
		t.Fatal("the demo map has no gap")
	}
	g := want.Workspace.Gaps.Edges[0].Node
	wantNodes := []string{g.Community.ID, g.PowerHolder.ID}
	var wantEdges []string
	for _, r := range g.PowerRelationships {
		wantEdges = append(wantEdges, r.ID)
	}
	if g.BestRoute != nil {
		for _, a := range g.BestRoute.Actors {
			wantNodes = append(wantNodes, a.ID)
		}
		for _, r := range g.BestRoute.Relationships {
			wantEdges = append(wantEdges, r.ID)
		}
	}
	slices.Sort(wantNodes)
	wantNodes = slices.Compact(wantNodes)
	slices.Sort(wantEdges)
	wantEdges = slices.Compact(wantEdges)
	p.waitFor("the gaps list", `document.querySelector('#gaps button[data-index="0"]') !== null`)
	p.do("selecting the most severe gap", chromedp.Click(chromedp.CSS(`#gaps button[data-index="0"]`)))
	if got := evaluate[[]string](p, `[...actorgraphExplorer.state.selected.nodes].sort()`); !slices.Equal(got, wantNodes) {
		t.Errorf("highlighted actors: %v, want %v", got, wantNodes)
	}
	if got := evaluate[[]string](p, `[...actorgraphExplorer.state.selected.edges].sort()`); !slices.Equal(got, wantEdges) {
		t.Errorf("highlighted relationships: %v, want %v", got, wantEdges)
	}
	// Its best closures (GraphQL's gapClosures that close it, best first,
	// at most three) are drawn as dashed proposed relationships labelled
	// with the severity each removes.
	var closures struct {
		Workspace struct {
			GapClosures []struct {
				SeverityRemoved float64
				Relationship    struct {
					Type     string
					From, To struct{ ID string }
				}
				Closes []struct {
					Gap struct{ Community, PowerHolder struct{ ID string } }
				}
			}
		}
	}
	f.a.As(owner).OK(`query($ws: ID!) { workspace(id: $ws) { gapClosures(first: 20) { severityRemoved
		relationship { type from { id } to { id } } closes { gap { community { id } powerHolder { id } } } } } }`, map[string]any{"ws": f.ws}, &closures)
	var wantProposed []string
	for _, c := range closures.Workspace.GapClosures {
		for _, x := range c.Closes {
			if x.Gap.Community.ID == g.Community.ID && x.Gap.PowerHolder.ID == g.PowerHolder.ID && len(wantProposed) < 3 {
				wantProposed = append(wantProposed, fmt.Sprintf("%s %s %s dashed −%.2f", c.Relationship.From.ID, c.Relationship.To.ID, c.Relationship.Type, c.SeverityRemoved))
				break
			}
		}
	}
	p.waitFor("the closures", `document.getElementById("gap-closures").textContent !== ""`)
	gotProposed := evaluate[[]string](p, `actorgraphExplorer.graph.filterEdges((e, a) => a.proposed).map(e => {
		const g = actorgraphExplorer.graph, a = g.getEdgeAttributes(e);
		return g.source(e) + " " + g.target(e) + " " + a.label.split(":")[0].replace("proposed ", "").toUpperCase().replaceAll(" ", "_") + " " + a.type + " " + a.label.split(": ")[1].split(" ")[0]; })`)
	if len(wantProposed) == 0 || !slices.Equal(gotProposed, wantProposed) {
		t.Errorf("proposed relationships drawn: %q, want GraphQL's best closures of the gap %q", gotProposed, wantProposed)
	}
	p.screenshot("explorer-gap-selected")

	// asOf: the relationships drawn are exactly those GraphQL lists in
	// force on that date.
	var drawnOn []int
	for _, date := range []string{"2019-01-01", demoAsOf} {
		var inForce struct {
			Workspace struct {
				Relationships struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		f.a.As(owner).OK(`query($ws: ID!, $d: Date) { workspace(id: $ws) { relationships(first: 500, filter: {validAt: $d}) { edges { node { id } } } } }`,
			map[string]any{"ws": f.ws, "d": date}, &inForce)
		wantIDs := ids(inForce.Workspace.Relationships.Edges)
		loads := evaluate[int](p, `actorgraphExplorer.state.loads`)
		if date == demoAsOf {
			// The slider, a day a step: the date field follows it.
			d, _ := time.Parse(time.DateOnly, date)
			p.do("moving the date slider to "+date, set("as-of-slider", strconv.FormatInt(d.Unix()/86400, 10)))
		} else {
			p.do("setting the date "+date, set("as-of", date))
		}
		p.waitFor("the map on "+date, fmt.Sprintf(`actorgraphExplorer.state.loads > %d`, loads))
		if got := evaluate[[]string](p, `actorgraphExplorer.graph.edges().sort()`); !slices.Equal(got, wantIDs) {
			t.Errorf("relationships drawn on %s: %d, want GraphQL's %d in force", date, len(got), len(wantIDs))
		}
		if got := evaluate[string](p, `document.getElementById("as-of").value`); got != date {
			t.Errorf("the date field says %s, want %s", got, date)
		}
		drawnOn = append(drawnOn, len(wantIDs))
	}
	if drawnOn[0] == drawnOn[1] {
		t.Errorf("the demo map has %d relationships in force on both dates: the dates show nothing", drawnOn[0])
	}
	p.checkClean()

	// A viewer sees no edit controls and no analyses (which it may not run).
	v := openBrowser(t, f.a.URL)
	v.signIn(viewer)
	if hidden := evaluate[bool](v, `[...document.querySelectorAll("[data-needs]")].every(el => el.hidden)`); !hidden {
		t.Error("a viewer sees edit or analysis controls")
	}
	v.checkClean()
}

func TestGraphiQLWorksOffline(t *testing.T) {
	t.Parallel()
	opts := apitest.Options()
	opts.GraphiQLToken = apitest.AdminToken // as the development environment hands it its token
	a := apitest.NewWith(t, storetest.Open(t), opts)
	p := openBrowser(t, a.URL)
	p.do("opening GraphiQL", chromedp.Navigate(a.URL+"/graphiql"))
	// GraphiQL has drawn its editor and read the schema from /graphql.
	p.waitFor("GraphiQL's editor", `document.querySelector(".graphiql-container .graphiql-query-editor") !== null`)
	p.waitFor("the schema", `[...document.querySelectorAll("button")].some(b => b.getAttribute("aria-label") === "Show Documentation Explorer")`)
	p.screenshot("graphiql")
	p.checkClean()
}

// An editor edits from the page: a create, a rename and a refused input
// each end up in GraphQL exactly as the page shows them; a dropped CSV
// file shows its dry run's problems and writes nothing.
func TestExplorerEditsAndImports(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	editor, _ := f.a.CreateToken(f.ws, "EDITOR", "")
	ed := f.a.As(editor)
	count := func() int {
		var out struct{ Workspace struct{ ActorCount int } }
		ed.OK(`query($ws: ID!) { workspace(id: $ws) { actorCount } }`, map[string]any{"ws": f.ws}, &out)
		return out.Workspace.ActorCount
	}
	named := func(name string) []string {
		var out struct {
			Workspace struct {
				Actors struct {
					Edges []struct{ Node struct{ ID, Name string } }
				}
			}
		}
		ed.OK(`query($ws: ID!) { workspace(id: $ws) { actors(first: 500) { edges { node { id name } } } } }`, map[string]any{"ws": f.ws}, &out)
		var ids []string
		for _, e := range out.Workspace.Actors.Edges {
			if e.Node.Name == name {
				ids = append(ids, e.Node.ID)
			}
		}
		return ids
	}
	before := count()

	p := openBrowser(t, f.a.URL)
	p.signIn(editor)
	if hidden := evaluate[bool](p, `document.querySelector("[data-needs=edit]").hidden`); hidden {
		t.Fatal("an editor sees no edit controls")
	}

	// A refused input: the service's message next to the field, nothing written.
	refused := ed.Do(`mutation($ws: ID!) { createActor(workspace: $ws, input: {kind: COMMUNITY, name: ""}) { id } }`, map[string]any{"ws": f.ws})
	if len(refused.Errors) == 0 {
		t.Fatal("the service took an empty name")
	}
	p.do("creating an actor without a name",
		click("actor-new"),
		set("actor-name", ""),
		click("actor-save"),
	)
	p.waitFor("the field's error", `document.getElementById("actor-name-error").textContent !== ""`)
	if got, want := evaluate[string](p, `document.getElementById("actor-name-error").textContent`), refused.Errors[0].Message+" (BAD_USER_INPUT)"; got != want {
		t.Errorf("the error next to the name: %q, want the service's %q", got, want)
	}
	if n := count(); n != before {
		t.Errorf("a refused create changed the workspace: %d actors, want %d", n, before)
	}

	// A create, then a rename, both in GraphQL.
	p.do("creating an actor",
		set("actor-name", "Riverbank fishers"),
		set("actor-region", "North"),
		click("actor-save"),
	)
	p.waitFor("the new actor drawn", fmt.Sprintf(`actorgraphExplorer.graph.order === %d`, before+1))
	ids := named("Riverbank fishers")
	if len(ids) != 1 || count() != before+1 {
		t.Fatalf("after the create: actors named Riverbank fishers %v, %d actors, want one new", ids, count())
	}
	p.do("renaming it",
		set("actor-name", "Riverbank fishing cooperative"),
		click("actor-save"),
	)
	p.waitFor("the rename drawn", fmt.Sprintf(`actorgraphExplorer.graph.getNodeAttribute(%q, "label") === "Riverbank fishing cooperative"`, ids[0]))
	if got := named("Riverbank fishing cooperative"); !slices.Equal(got, ids) {
		t.Errorf("after the rename: %v, want %v", got, ids)
	}

	// A relationship of low confidence, created from the page: in GraphQL,
	// and drawn dashed (sigma compiles the dashed program's shaders: a
	// failure would be a console error).
	from, to := ids[0], f.ids["f-district-police"]
	p.do("creating a relationship",
		click("rel-new"),
		set("rel-from", from),
		set("rel-type", "DIALOGUE"),
		set("rel-to", to),
		set("rel-strength", "0.4"),
		set("rel-confidence", "0.3"),
		click("rel-save"),
	)
	p.waitFor("the relationship drawn", `actorgraphExplorer.state.focus.relationship !== undefined && actorgraphExplorer.graph.hasEdge(actorgraphExplorer.state.focus.relationship)`)
	relID := evaluate[string](p, `actorgraphExplorer.state.focus.relationship`)
	var rel struct {
		Relationship struct {
			Type       string
			From, To   struct{ ID string }
			Confidence float64
		}
	}
	ed.OK(`query($id: ID!) { relationship(id: $id) { type from { id } to { id } confidence } }`, map[string]any{"id": relID}, &rel)
	if r := rel.Relationship; r.Type != "DIALOGUE" || r.From.ID != from || r.To.ID != to || r.Confidence != 0.3 {
		t.Errorf("the relationship created from the page is %+v in GraphQL", r)
	}
	if typ := evaluate[string](p, fmt.Sprintf(`actorgraphExplorer.graph.getEdgeAttribute(%q, "type")`, relID)); typ != "dashed" {
		t.Errorf("a relationship of confidence 0.3 is drawn %q, want dashed", typ)
	}

	// A dropped CSV file: the dry run's problems, as GraphQL reports them,
	// and nothing written.
	csv := "kind,name\nCOMMUNITY,Upper ford\nWIZARD,Lower ford\n"
	report := ed.ImportOK(map[string]any{"ws": f.ws, "dry": true}, []apitest.Upload{{Name: "actors.csv", Data: []byte(csv)}})
	if len(report.Problems) == 0 {
		t.Fatal("the service found no problem in the file")
	}
	p.do("dropping a CSV file", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([%q], "actors.csv", { type: "text/csv" }));
		document.getElementById("drop-zone").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
	})()`, csv)))
	p.waitFor("the dry run's problems", `document.querySelectorAll("#import-report .problems li").length > 0`)
	shown := evaluate[[]string](p, `[...document.querySelectorAll("#import-report .problems li")].map(li => li.textContent)`)
	if len(shown) != len(report.Problems) {
		t.Errorf("problems shown: %q, want the dry run's %d", shown, len(report.Problems))
	}
	for i, pr := range report.Problems {
		if i < len(shown) && !strings.Contains(shown[i], pr.Message) || i < len(shown) && !strings.Contains(shown[i], pr.Code) {
			t.Errorf("problem %d shown as %q, want the message %q and code %s", i, shown[i], pr.Message, pr.Code)
		}
	}
	if hidden := evaluate[bool](p, `document.getElementById("import-confirm").hidden`); !hidden {
		t.Error("a file with problems can be imported")
	}
	if n := count(); n != before+1 {
		t.Errorf("the dry run changed the workspace: %d actors, want %d", n, before+1)
	}
	p.screenshot("explorer-dry-run")
	p.checkClean()
}

// The analyses drawn: the routes between two actors are GraphQL's,
// strongest first; the view saves as PNG and SVG.
func TestExplorerRoutesAndImages(t *testing.T) {
	t.Parallel()
	f := loadDemo(t)
	analyst, _ := f.a.CreateToken(f.ws, "ANALYST", "")
	from, to := f.ids["c-tamal-village"], f.ids["f-district-police"]
	var want struct {
		Workspace struct {
			AccountabilityRoutes []struct {
				Actors        []struct{ ID string }
				Relationships []struct{ ID string }
			}
		}
	}
	f.a.As(analyst).OK(`query($ws: ID!, $from: ID!, $to: ID!) { workspace(id: $ws) { accountabilityRoutes(from: $from, to: $to, first: 5) {
		actors { id } relationships { id } } } }`, map[string]any{"ws": f.ws, "from": from, "to": to}, &want)
	if len(want.Workspace.AccountabilityRoutes) == 0 {
		t.Fatal("the demo map has no route from Tamal to the police")
	}

	p := openBrowser(t, f.a.URL)
	p.signIn(analyst)
	if hidden := evaluate[bool](p, `document.querySelector("[data-needs=edit]").hidden`); !hidden {
		t.Error("an analyst sees edit controls")
	}
	p.do("asking for routes",
		set("route-from", from),
		set("route-to", to),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#routes-form button[type="submit"]').click()`),
	)
	p.waitFor("the routes", `document.querySelectorAll('#routes button').length > 0`)
	if n := evaluate[int](p, `document.querySelectorAll('#routes button').length`); n != len(want.Workspace.AccountabilityRoutes) {
		t.Errorf("routes listed: %d, want GraphQL's %d", n, len(want.Workspace.AccountabilityRoutes))
	}
	p.do("selecting the strongest", chromedp.Evaluate[chromedp.Void](`document.querySelector('#routes button[data-index="0"]').click()`))
	best := want.Workspace.AccountabilityRoutes[0]
	var wantNodes, wantEdges []string
	for _, a := range best.Actors {
		wantNodes = append(wantNodes, a.ID)
	}
	for _, r := range best.Relationships {
		wantEdges = append(wantEdges, r.ID)
	}
	slices.Sort(wantNodes)
	slices.Sort(wantEdges)
	if got := evaluate[[]string](p, `[...actorgraphExplorer.state.selected.nodes].sort()`); !slices.Equal(got, wantNodes) {
		t.Errorf("the strongest route highlights %v, want %v", got, wantNodes)
	}
	if got := evaluate[[]string](p, `[...actorgraphExplorer.state.selected.edges].sort()`); !slices.Equal(got, wantEdges) {
		t.Errorf("the strongest route highlights relationships %v, want %v", got, wantEdges)
	}

	// An export button downloads the workspace through a signed link: the
	// link the page follows serves the GEXF file without a token.
	p.do("exporting as GEXF", chromedp.Evaluate[chromedp.Void](`(() => {
		window.followed = [];
		HTMLAnchorElement.prototype.click = function () { window.followed.push(this.href); };
		[...document.querySelectorAll("#export-buttons button")].find(b => b.textContent === "gexf").click();
	})()`))
	p.waitFor("the export link", `window.followed.length > 0`)
	link := evaluate[string](p, `window.followed[0]`)
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<gexf") {
		t.Errorf("the export link %s: %d %.100q, want the GEXF file", link, resp.StatusCode, body)
	}

	// PNG: a PNG file; SVG: one circle per actor drawn.
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.Evaluate[string](`actorgraphExplorer.image("png").then(async b => b.type + " " + new Uint8Array(await b.arrayBuffer()).slice(1, 4).reduce((s, c) => s + String.fromCharCode(c), ""))`, chromedp.EvalAwaitPromise))
	if err != nil || png != "image/png PNG" {
		t.Errorf("Save as PNG: %q %v, want a PNG file", png, err)
	}
	// SVG: each actor once, in its kind's shape (circles, squares, the
	// rest polygons), so the image tells kinds apart as the map does.
	svg, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`actorgraphExplorer.image("svg").then(b => b.text()).then(t => {
		const doc = new DOMParser().parseFromString(t, "image/svg+xml");
		const drawn = [...doc.querySelectorAll("g.actor > *")].map(e => e.tagName);
		const want = actorgraphExplorer.graph.mapNodes((n, a) => ({ circle: "circle", square: "rect" })[a.shape] ?? "polygon");
		const count = (xs, tag) => xs.filter(x => x === tag).length;
		return { actors: actorgraphExplorer.graph.order, drawn: drawn.length,
			circle: count(drawn, "circle"), rect: count(drawn, "rect"), polygon: count(drawn, "polygon"),
			wantCircle: count(want, "circle"), wantRect: count(want, "rect"), wantPolygon: count(want, "polygon") };
	})`, chromedp.EvalAwaitPromise))
	if err != nil || svg["drawn"] != svg["actors"] || svg["circle"] != svg["wantCircle"] || svg["rect"] != svg["wantRect"] || svg["polygon"] != svg["wantPolygon"] || svg["wantPolygon"] == 0 {
		t.Errorf("Save as SVG: %v %v, want each actor once, in its kind's shape", svg, err)
	}
	p.checkClean()
}

// The explorer passes axe-core's WCAG 2 A and AA rules (labels, contrast,
// keyboard access, landmarks) as an editor sees it, every section open.
// axe-core comes from web/'s lockfile (web/build installs it); it is
// injected through DevTools, which the page's CSP does not govern.
func TestExplorerAccessibility(t *testing.T) {
	t.Parallel()
	axe, err := os.ReadFile("../web/node_modules/axe-core/axe.min.js")
	if err != nil {
		t.Fatalf("axe-core is missing (web/build installs it; dev/test runs web/build): %v", err)
	}
	f := loadDemo(t)
	editor, _ := f.a.CreateToken(f.ws, "EDITOR", "")
	p := openBrowser(t, f.a.URL)
	p.signIn(editor)
	p.do("opening every section and the table view",
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`),
		click("show-table"),
		chromedp.Evaluate[chromedp.Void](string(axe)),
	)
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]struct {
		ID, Impact, Help string
		Nodes            []struct{ Target []string }
	}](`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.Join(n.Target, " "))
		}
		t.Errorf("%s (%s): %s, at %s", v.ID, v.Impact, v.Help, strings.Join(where, "; "))
	}
	// Every control can be reached with the keyboard: tabbing visits each
	// enabled, visible button, input and select.
	reached := evaluate[bool](p, `(() => {
		const controls = [...document.querySelectorAll("button, input, select, textarea, summary, a[href]")]
			.filter(el => !el.disabled && el.offsetParent !== null);
		return controls.every(el => el.tabIndex >= 0);
	})()`)
	if !reached {
		t.Error("some control is out of the keyboard's reach")
	}
	p.checkClean()
}

// A map read faster than the service's per-token rate limit allows is
// still drawn whole: the explorer waits as each 429's Retry-After asks and
// sends the refused page again, and reports no error.
func TestExplorerWaitsOutTheRateLimit(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	opts := apitest.Options()
	// The page's four files fit the burst of its address; the map's
	// seventeen or so requests do not fit its token's, unless reading the
	// map took over 11 s.
	opts.HTTP.RateLimit, opts.HTTP.RateBurst = 1, 6
	a := apitest.NewWith(t, st, opts)
	ws, ch := importSyntheticMap(t, st, "rate limited", 1200, 5)
	owner, _ := a.CreateToken(ws.ID, "OWNER", "")

	p := openBrowser(t, a.URL)
	p.signIn(owner)
	if got, want := evaluate[[]int](p, `[actorgraphExplorer.graph.order, actorgraphExplorer.graph.size]`), []int{len(ch.CreateActors), len(ch.CreateRelationships)}; !slices.Equal(got, want) {
		t.Errorf("drawn: %v actors and relationships, want %v", got, want)
	}
	// The gaps are read after the drawing, and may wait too; then the
	// status line says again what it said before the wait.
	p.waitFor("the gaps", `document.querySelector("#gaps:not([aria-busy]) li") !== null`)
	p.waitFor("the status line after the waits", `document.getElementById("status").textContent.endsWith("drawn")`)
	if status := evaluate[string](p, `document.getElementById("status").className`); status == "error" {
		t.Errorf("the status reports an error: %s", evaluate[string](p, `document.getElementById("status").textContent`))
	}
	waited := evaluate[int](p, `actorgraphExplorer.state.api.waited`)
	if waited == 0 {
		t.Error("no request waited for the rate limit: the test does not test it")
	}
	// Chromium logs each refused request (a moment after it answered);
	// nothing else may be logged.
	refusal := func(m string) bool {
		return strings.Contains(m, "status of 429") && strings.Contains(m, a.URL+"/graphql")
	}
	for deadline := time.Now().Add(time.Minute); p.consoleCount(refusal) < waited && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if refused := p.checkCleanBut(refusal); refused != waited {
		t.Errorf("%d requests refused (429), but the explorer waited %d times", refused, waited)
	}
}

// A map of 2,000 actors or more gets a renderer made for it: relationships
// hidden while the map moves, not found under the pointer, but reached
// from their actors' details (and back) by keyboard; the map still drags.
// Opening a small map then gets a renderer that finds relationships again,
// with its clicks wired as before. An actor's name in the table opens its
// details too.
func TestExplorerLargeAndSmallMaps(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := apitest.New(t, st)
	large, _ := importSyntheticMap(t, st, "large map", 2000, 3)
	small := a.CreateWorkspace("small map")
	village := a.CreateActor(small, map[string]any{"kind": "COMMUNITY", "name": "Village"})
	police := a.CreateActor(small, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	a.CreateRelationship(map[string]any{"type": "TRUSTS", "from": village, "to": police, "strength": 0.3})

	p := openBrowser(t, a.URL)
	p.signInAsAdmin()
	open := func(ws string, actors int) {
		p.do("opening workspace "+ws, set("workspace", ws))
		p.waitFor("the map to be drawn", fmt.Sprintf(`actorgraphExplorer.state.workspace === %q && actorgraphExplorer.graph.order === %d && document.getElementById("status").textContent.endsWith("drawn")`, ws, actors))
	}
	settings := func() []bool {
		return evaluate[[]bool](p, `["hideEdgesOnMove", "enableEdgeEvents"].map(s => actorgraphExplorer.renderer().getSetting(s))`)
	}

	open(large.ID, 2000)
	if got := settings(); !slices.Equal(got, []bool{true, false}) {
		t.Errorf("a large map's renderer: hideEdgesOnMove, enableEdgeEvents = %v, want true, false", got)
	}
	// An actor with relationships: its details list them all as buttons,
	// which lead to a relationship and back, the focus following.
	hub := evaluate[string](p, `actorgraphExplorer.graph.nodes().find(n => actorgraphExplorer.graph.degree(n) >= 3)`)
	name := evaluate[string](p, fmt.Sprintf(`actorgraphExplorer.graph.getNodeAttribute(%q, "label")`, hub))
	p.do("clicking "+name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`actorgraphExplorer.renderer().emit("clickNode", { node: %q })`, hub)))
	p.waitFor("the details of "+name, fmt.Sprintf(`document.querySelector("#details .title")?.textContent === %q`, name))
	if listed, degree := evaluate[int](p, `document.querySelectorAll("#details .relationships button").length`), evaluate[int](p, fmt.Sprintf(`actorgraphExplorer.graph.degree(%q)`, hub)); listed != degree {
		t.Errorf("%s's details list %d relationships, want its %d", name, listed, degree)
	}
	p.do("opening its first relationship", chromedp.Click(chromedp.CSS(`#details .relationships button`)))
	p.waitFor("the relationship's details, focused", `document.querySelector("#details .title")?.textContent.includes(" ") && document.activeElement === document.querySelector("#details .title") && !!document.querySelector("#details dl")?.textContent.includes("confidence")`)
	p.do("going back", chromedp.Click(chromedp.CSS(`#details > button`)))
	p.waitFor("the actor's details again, focused", fmt.Sprintf(`document.querySelector("#details .title")?.textContent === %q && document.activeElement === document.querySelector("#details .title")`, name))
	// It drags (sigma's hover lookup is skipped while it does).
	before := evaluate[[]float64](p, `[actorgraphExplorer.renderer().getCamera().x, actorgraphExplorer.renderer().getCamera().y]`)
	if fps := p.panFrameRate(time.Second); fps <= 0 {
		t.Errorf("dragging the large map drew %v frames a second", fps)
	}
	if after := evaluate[[]float64](p, `[actorgraphExplorer.renderer().getCamera().x, actorgraphExplorer.renderer().getCamera().y]`); slices.Equal(before, after) {
		t.Error("dragging the large map did not move it")
	}
	// The table's actor names open their details.
	first := evaluate[string](p, `document.querySelector("#actor-table button[data-actor]").textContent`)
	p.do("opening "+first+" from the table", click("show-table"), chromedp.Evaluate[chromedp.Void](`document.querySelector("#actor-table button[data-actor]").click()`))
	p.waitFor("the details of "+first, fmt.Sprintf(`document.querySelector("#details .title")?.textContent === %q`, first))

	open(small, 2)
	if got := settings(); !slices.Equal(got, []bool{false, true}) {
		t.Errorf("a small map's renderer: hideEdgesOnMove, enableEdgeEvents = %v, want false, true", got)
	}
	p.do("clicking Police", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`actorgraphExplorer.renderer().emit("clickNode", { node: %q })`, police)))
	p.waitFor("the details of Police", `document.querySelector("#details .title")?.textContent === "Police"`)
	p.checkClean()
}

// leftHeldStore holds the first analysis of one workspace, once one is
// named, as it asks for the workspace's version: until the request ends
// (its client gone), which it tells on abandoned.
type leftHeldStore struct {
	store.Store
	ws        atomic.Pointer[string]
	held      chan struct{}
	abandoned chan struct{}
}

func (s *leftHeldStore) WorkspaceVersion(ctx context.Context, id string) (int64, error) {
	if w := s.ws.Load(); w != nil && *w == id && s.ws.CompareAndSwap(w, nil) {
		close(s.held)
		<-ctx.Done()
		close(s.abandoned)
		return 0, ctx.Err()
	}
	return s.Store.WorkspaceVersion(ctx, id)
}

// The explorer abandons what it asked for in a workspace it has left:
// the left workspace's gaps analysis is aborted (the service stops it,
// and the caller's analysis slot is free for the next workspace's), and
// its failure is neither listed as the next workspace's gaps nor told as
// its error. While a workspace's gaps are read, the list says so instead
// of showing the last workspace's.
func TestExplorerAbandonsTheWorkspaceItLeft(t *testing.T) {
	t.Parallel()
	st := &leftHeldStore{Store: storetest.Open(t), held: make(chan struct{}), abandoned: make(chan struct{})}
	a := apitest.New(t, st)
	left := a.CreateWorkspace("left")
	army := a.CreateActor(left, map[string]any{"kind": "SECURITY_FORCE", "name": "Army"})
	hill := a.CreateActor(left, map[string]any{"kind": "COMMUNITY", "name": "Hill"})
	a.CreateRelationship(map[string]any{"type": "THREATENS", "from": army, "to": hill, "strength": 0.8})
	shown := a.CreateWorkspace("shown")
	police := a.CreateActor(shown, map[string]any{"kind": "SECURITY_FORCE", "name": "Police"})
	village := a.CreateActor(shown, map[string]any{"kind": "COMMUNITY", "name": "Village"})
	a.CreateRelationship(map[string]any{"type": "THREATENS", "from": police, "to": village, "strength": 0.8})
	analyst, subject := a.CreateToken(left, "ANALYST", "")
	a.OK(`mutation($ws: ID!, $s: String!) { setMember(workspace: $ws, subject: $s, role: ANALYST) { role } }`, map[string]any{"ws": shown, "s": subject}, nil)

	p := openBrowser(t, a.URL)
	p.signIn(analyst)
	// The workspace opened first (either) settles before the test begins.
	p.waitFor("the first workspace's gaps", `document.querySelector("#gaps:not([aria-busy]) li") !== null`)
	showsGapsOf := func(ws, gap string) string {
		return fmt.Sprintf(`actorgraphExplorer.state.workspace === %q && document.getElementById("status").textContent.endsWith("drawn") && !!document.querySelector("#gaps:not([aria-busy]) button")?.textContent.startsWith(%q)`, ws, gap)
	}
	p.do("opening shown", set("workspace", shown))
	p.waitFor("shown's gaps", showsGapsOf(shown, "Village under Police"))

	st.ws.Store(&left)
	p.do("opening left", set("workspace", left))
	p.await("left's gaps to be asked for", st.held)
	if got := evaluate[[]any](p, `[actorgraphExplorer.state.workspace, actorgraphExplorer.state.gaps.length, document.getElementById("gaps").getAttribute("aria-busy"), document.getElementById("gaps").textContent]`); !slices.Equal(got, []any{left, 0.0, "true", "Reading the gaps…"}) {
		t.Errorf("while left's gaps are read: workspace, gaps, aria-busy, list = %q, want left's, none, busy, reading", got)
	}
	p.do("opening shown again", set("workspace", shown))
	p.await("left's gaps analysis to be abandoned", st.abandoned)
	p.waitFor("shown's gaps again", showsGapsOf(shown, "Village under Police"))
	p.waitFor("left's gaps to be dropped", `actorgraphExplorer.state.dropped === 1`)
	if got := evaluate[[]string](p, `[...document.querySelectorAll("#gaps li")].map(li => li.textContent.split(":")[0]).concat(actorgraphExplorer.state.gaps.map(g => g.community.name))`); !slices.Equal(got, []string{"Village under Police", "Village"}) {
		t.Errorf("shown's gaps, listed and kept: %q, want only Village under Police", got)
	}
	if got := evaluate[[]string](p, `[document.getElementById("status").textContent, document.getElementById("status").className]`); !strings.HasSuffix(got[0], "drawn") || got[1] == "error" {
		t.Errorf("the status after left's gaps were abandoned: %q", got)
	}
	p.checkClean()
}
