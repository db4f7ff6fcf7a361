package analysis

import (
	"context"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/domain/domaintest"
	"github.com/actorgraph/actorgraph/errs"
)

// The jobs over a fake source: the answer is the synchronous one, the
// same question is one job per workspace version, a job is scoped to its
// view, and it can be cancelled while it runs.

func asCaller(subject string, admin bool, grants map[string]domain.Grant) context.Context {
	return domain.WithCaller(context.Background(), &domain.Caller{Subject: subject, Admin: admin, Grants: grants})
}

func jobOpts(t *testing.T) Options {
	t.Helper()
	o, err := Options{AsOf: domaintest.Date("2025-01-01"), Threshold: DefaultThreshold}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func waitJob(t *testing.T, j *Job) {
	t.Helper()
	if err := j.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestJobAnswersAsTheFieldOncePerVersion(t *testing.T) {
	actors, rels := syntheticMap(1_000, 3)
	src := &fakeSource{version: 1, b: &mapBuilder{actors: actors, rels: rels}}
	js := NewJobs(NewEngine(src, 4), JobLimits{})
	ctx := asCaller("admin", true, nil)
	opts := jobOpts(t)

	j, err := js.StartGapClosures(ctx, "ws", opts, 10, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, j)
	got, g := j.GapClosures(ctx)
	if j.State() != JobDone || g == nil || j.Progress() != 1 || j.Phase() != PhaseFinished || j.FinishedAt() == nil {
		t.Fatalf("job: state %s, phase %s, progress %v, error %v", j.State(), j.Phase(), j.Progress(), j.Err())
	}
	want, err := Build(actors, rels, opts).GapClosures(unbounded(), 10, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !sameClosures(got, want) {
		t.Fatalf("the job's answer differs from the field's:\n%v\n%v", closureSummary(got), closureSummary(want))
	}

	// The same question at the same version: the same job, not run again.
	again, err := js.StartGapClosures(ctx, "ws", opts, 10, 0.5)
	if err != nil || again != j {
		t.Fatalf("a second start: %v, same job %v", err, again == j)
	}
	if up, _ := js.UpToDate(ctx, j); !up {
		t.Error("no write since: the job is up to date")
	}
	// Another question is another job.
	other, err := js.StartGapClosures(ctx, "ws", opts, 5, 0.5)
	if err != nil || other == j {
		t.Fatalf("first 5: %v, same job %v", err, other == j)
	}
	waitJob(t, other)

	// A write: the old job is stale, and a start is a new job over the new map.
	src.version = 2
	if up, _ := js.UpToDate(ctx, j); up {
		t.Error("after a write the job must say it is not up to date")
	}
	fresh, err := js.StartGapClosures(ctx, "ws", opts, 10, 0.5)
	if err != nil || fresh == j || fresh.WorkspaceVersion() != 2 {
		t.Fatalf("after a write: %v, same job %v", err, fresh == j)
	}
	waitJob(t, fresh)
	if src.loads != 2 {
		t.Errorf("the workspace was read %d times, want once per version", src.loads)
	}
}

// sameClosures: the same proposals in the same order, with the same
// figures (a sum's order follows map iteration: equal to rounding).
func sameClosures(a, b []*Closure) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].From.ID != b[i].From.ID || a[i].To.ID != b[i].To.ID ||
			math.Abs(a[i].SeverityRemoved-b[i].SeverityRemoved) > 1e-9 || len(a[i].Closes) != len(b[i].Closes) {
			return false
		}
		for k := range a[i].Closes {
			x, y := a[i].Closes[k], b[i].Closes[k]
			if x.Gap.Community.ID != y.Gap.Community.ID || x.Gap.PowerHolder.ID != y.Gap.PowerHolder.ID ||
				x.BestAfter != y.BestAfter || x.SeverityAfter != y.SeverityAfter || x.KindAfter != y.KindAfter {
				return false
			}
		}
	}
	return true
}

func closureSummary(cls []*Closure) []string {
	var out []string
	for _, c := range cls {
		out = append(out, string(c.Type)+" "+c.From.ID+"→"+c.To.ID)
	}
	return out
}

func TestJobsAreScopedToTheirView(t *testing.T) {
	src := &fakeSource{version: 1, b: gapMap()}
	js := NewJobs(NewEngine(src, 4), JobLimits{})
	grant := func(c domain.Sensitivity) map[string]domain.Grant {
		return map[string]domain.Grant{"ws": {Role: domain.Analyst, Clearance: c}}
	}
	alice := asCaller("alice", false, grant(domain.Restricted))
	bob := asCaller("bob", false, grant(domain.Restricted))       // the same view
	carol := asCaller("carol", false, grant(domain.Confidential)) // another clearance
	stranger := asCaller("dave", false, nil)

	j, err := js.StartGapClosures(alice, "ws", jobOpts(t), 10, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, j)
	for name, ctx := range map[string]context.Context{"another clearance": carol, "no grant": stranger} {
		if _, err := js.Get(ctx, j.ID()); !errs.Is(err, errs.NotFound) {
			t.Errorf("%s: Get %v, want NOT_FOUND", name, err)
		}
		if _, err := js.Cancel(ctx, j.ID()); !errs.Is(err, errs.NotFound) {
			t.Errorf("%s: Cancel %v, want NOT_FOUND", name, err)
		}
	}
	if got, err := js.Get(bob, j.ID()); err != nil || got != j {
		t.Errorf("the same view sees the job: %v", err)
	}
	if _, err := js.Cancel(bob, j.ID()); !errs.Is(err, errs.Permission) {
		t.Errorf("only a starter cancels: %v", err)
	}
	// The other clearance asks the same question: a job of its own.
	if c, err := js.StartGapClosures(carol, "ws", jobOpts(t), 10, 0.5); err != nil || c == j {
		t.Errorf("another view: %v, same job %v", err, c == j)
	} else {
		waitJob(t, c)
	}
}

// A job cancelled while it scores stops as CANCELLED, and frees its slot;
// a second job of the caller is refused while the first runs, and a job
// that waits for a slot shows it.
func TestJobCancelAndBounds(t *testing.T) {
	actors, rels := syntheticMap(1_000, 3)
	src := &fakeSource{version: 1, b: &mapBuilder{actors: actors, rels: rels}}
	js := NewJobs(NewEngine(src, 4), JobLimits{Running: 1, PerCaller: 1, Kept: 2})
	ctx := asCaller("admin", true, nil)
	opts := jobOpts(t)

	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	closureWorkerHook = func(int) {
		once.Do(func() { close(started) })
		<-release
	}
	defer func() { closureWorkerHook = nil }()
	j, err := js.StartGapClosures(ctx, "ws", opts, 10, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if j.State() != JobRunning || j.Phase() != PhaseScoring || j.Progress() < phaseSpan[PhaseScoring][0] || j.Progress() >= 1 {
		t.Errorf("while scoring: state %s, phase %s, progress %v", j.State(), j.Phase(), j.Progress())
	}
	if _, err := js.StartGapClosures(ctx, "ws", opts, 7, 0.5); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a second job of one caller while the first runs: %v, want RATE_LIMITED", err)
	}
	other := asCaller("other admin", true, nil)
	queued, err := js.StartGapClosures(other, "ws", opts, 8, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if queued.State() != JobQueued || queued.Phase() != PhaseWaiting || queued.StartedAt() != nil {
		t.Errorf("with one slot, taken: state %s, phase %s", queued.State(), queued.Phase())
	}
	if _, err := js.StartGapClosures(asCaller("third", true, nil), "ws", opts, 9, 0.5); !errs.Is(err, errs.Unavailable) {
		t.Errorf("two jobs kept, both going: %v, want SERVICE_UNAVAILABLE", err)
	}
	if _, err := js.Cancel(ctx, j.ID()); err != nil {
		t.Fatal(err)
	}
	close(release)
	waitJob(t, j)
	if cls, _ := j.GapClosures(ctx); j.State() != JobCancelled || cls != nil {
		t.Errorf("cancelled: state %s, %d closures", j.State(), len(cls))
	}
	waitJob(t, queued) // the hook lets it through: release is closed
	if queued.State() != JobDone {
		t.Errorf("the waiting job, once the slot is free: %s %v", queued.State(), queued.Err())
	}
	// A cancelled job is started again by the next start.
	again, err := js.StartGapClosures(ctx, "ws", opts, 10, 0.5)
	if err != nil || again == j {
		t.Fatalf("after a cancel: %v, same job %v", err, again == j)
	}
	waitJob(t, again)
	if again.State() != JobDone {
		t.Errorf("started again: %s", again.State())
	}
}

// Over its budget the field says how to run it as a job; a job over its
// own budget fails with ANALYSIS_LIMIT_EXCEEDED, and says how to narrow.
func TestClosuresOverBudgetPointToTheJob(t *testing.T) {
	actors, rels := syntheticMap(1_000, 3)
	g := Build(actors, rels, jobOpts(t))
	_, err := g.GapClosures(WithBudget(context.Background(), NewBudget(1000)), 10, 0.5)
	if msg, _ := errs.Public(err); !errs.Is(err, errs.AnalysisLimit) || !strings.Contains(msg, "startGapClosuresJob") {
		t.Errorf("the field over budget: %v", err)
	}
	src := &fakeSource{version: 1, b: &mapBuilder{actors: actors, rels: rels}}
	var logged []string // what the log is told
	var mu sync.Mutex
	js := NewJobs(NewEngine(src, 4), JobLimits{WorkBudget: 1000, Failed: func(id string, err error) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, id+" "+errs.KindOf(err).Code())
	}})
	j, err := js.StartGapClosures(asCaller("admin", true, nil), "ws", jobOpts(t), 10, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, j)
	mu.Lock()
	if len(logged) != 1 || logged[0] != j.ID()+" ANALYSIS_LIMIT_EXCEEDED" {
		t.Errorf("the failure told to the log: %v", logged)
	}
	mu.Unlock()
	msg, _ := errs.Public(j.Err())
	if j.State() != JobFailed || !errs.Is(j.Err(), errs.AnalysisLimit) || strings.Contains(msg, "startGapClosuresJob") || !strings.Contains(msg, "maxHops") {
		t.Errorf("a job over budget: %s, %q", j.State(), msg)
	}
	if _, err := js.StartGapClosures(asCaller("admin", true, nil), "ws", jobOpts(t), 0, 0.5); !errs.Is(err, errs.Invalid) {
		t.Errorf("first 0: %v", err)
	}
	if !reflect.DeepEqual(jobPhases[len(jobPhases)-1], PhaseFinished) {
		t.Error("FINISHED is the last phase")
	}
}
