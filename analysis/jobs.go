package analysis

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// Analysis jobs: an analysis too heavy for one request (gapClosures on a
// large map) runs in the background; the client starts it, watches its
// progress and fetches its answer. A job is keyed by what its answer
// depends on: the workspace, its version, what the starter may see (its
// view, as projections are) and the question's options; a second start
// of the same question returns the same job, running or done, so the
// answer is computed once per workspace version. A write bumps the
// version, so the next start is a new job. A job is visible only to
// callers with the same view of its workspace: it holds nothing they
// could not compute themselves.

// JobState is where a job is in its life.
type JobState string

// The job states.
const (
	JobQueued    JobState = "QUEUED"
	JobRunning   JobState = "RUNNING"
	JobDone      JobState = "DONE"
	JobFailed    JobState = "FAILED"
	JobCancelled JobState = "CANCELLED"
)

var jobStates = []JobState{JobQueued, JobRunning, JobDone, JobFailed, JobCancelled}

// MarshalGQL writes the state as GraphQL does.
func (s JobState) MarshalGQL(w io.Writer) { marshalKind(w, s) }

// UnmarshalGQL reads a state.
func (s *JobState) UnmarshalGQL(v any) (err error) {
	*s, err = unmarshalKind(v, "job state", jobStates)
	return err
}

// JobPhase is the stage a job is at.
type JobPhase string

// The phases of a gapClosures job, in order.
const (
	PhaseWaiting   JobPhase = "WAITING"   // for a job slot
	PhaseReading   JobPhase = "READING"   // the workspace, and the projection
	PhaseGaps      JobPhase = "GAPS"      // every gap and its best route
	PhasePreparing JobPhase = "PREPARING" // the route tables of the gaps, the proposals
	PhaseScoring   JobPhase = "SCORING"   // every proposal's severity removed
	PhaseRanking   JobPhase = "RANKING"   // the best proposals in full
	PhaseFinished  JobPhase = "FINISHED"
)

var jobPhases = []JobPhase{PhaseWaiting, PhaseReading, PhaseGaps, PhasePreparing, PhaseScoring, PhaseRanking, PhaseFinished}

// phaseSpan is the part of a job's progress each phase covers.
var phaseSpan = map[JobPhase][2]float64{
	PhaseWaiting: {0, 0}, PhaseReading: {0, 0.05}, PhaseGaps: {0.05, 0.15}, PhasePreparing: {0.15, 0.4},
	PhaseScoring: {0.4, 0.97}, PhaseRanking: {0.97, 1}, PhaseFinished: {1, 1},
}

// MarshalGQL writes the phase as GraphQL does.
func (p JobPhase) MarshalGQL(w io.Writer) { marshalKind(w, p) }

// UnmarshalGQL reads a phase.
func (p *JobPhase) UnmarshalGQL(v any) (err error) {
	*p, err = unmarshalKind(v, "job phase", jobPhases)
	return err
}

// progress is what a running analysis reports: its phase, and how much of
// the phase is done. Safe for concurrent use; a nil progress ignores
// every report (requests carry none).
type progress struct {
	phase       atomic.Value // JobPhase
	done, total atomic.Int64
}

type progressKey struct{}

func withProgress(ctx context.Context, p *progress) context.Context {
	return context.WithValue(ctx, progressKey{}, p)
}

func progressFrom(ctx context.Context) *progress {
	p, _ := ctx.Value(progressKey{}).(*progress)
	return p
}

// enter starts a phase of total steps.
func (p *progress) enter(ph JobPhase, total int) {
	if p == nil {
		return
	}
	p.done.Store(0)
	p.total.Store(int64(total))
	p.phase.Store(ph)
}

// step notes n more steps of the phase done.
func (p *progress) step(n int) {
	if p != nil {
		p.done.Add(int64(n))
	}
}

// read returns the phase and the fraction of the whole job done.
func (p *progress) read() (JobPhase, float64) {
	ph, _ := p.phase.Load().(JobPhase)
	if ph == "" {
		ph = PhaseWaiting
	}
	span := phaseSpan[ph]
	f := span[0]
	if t := p.total.Load(); t > 0 {
		f += (span[1] - span[0]) * math.Min(1, float64(p.done.Load())/float64(t))
	}
	return ph, f
}

// jobKey is what a job's answer depends on.
type jobKey struct {
	graphKey
	kind      string
	maxHops   int
	threshold float64
	first     int
	assumed   float64
}

// Job is one analysis running, or run, in the background.
type Job struct {
	id      string
	key     jobKey
	created time.Time
	jobs    *Jobs
	prog    progress
	cancel  context.CancelFunc
	done    chan struct{}

	mu        sync.Mutex
	state     JobState
	started   time.Time
	finished  time.Time
	err       error
	starters  map[string]bool // the subjects that started it
	graph     *Graph
	closures  []*Closure
	cancelled bool
}

// ID is the job's id.
func (j *Job) ID() string { return j.id }

// Analysis names what the job computes (the field's name).
func (j *Job) Analysis() string { return j.key.kind }

// WorkspaceID is the workspace the job reads.
func (j *Job) WorkspaceID() string { return j.key.ws }

// WorkspaceVersion is the workspace's version the job was started at.
func (j *Job) WorkspaceVersion() int { return int(j.key.version) }

// State is where the job is.
func (j *Job) State() JobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state
}

// Phase is the stage the job is at.
func (j *Job) Phase() JobPhase {
	switch j.State() {
	case JobDone:
		return PhaseFinished
	case JobQueued:
		return PhaseWaiting
	}
	ph, _ := j.prog.read()
	return ph
}

// Progress is the fraction of the job done, from 0 to 1 (1 once it is
// done; where it stopped when it failed or was cancelled).
func (j *Job) Progress() float64 {
	if j.State() == JobDone {
		return 1
	}
	_, f := j.prog.read()
	return f
}

// CreatedAt is when the job was first started.
func (j *Job) CreatedAt() time.Time { return j.created }

// StartedAt is when it began to run (nil while it waits).
func (j *Job) StartedAt() *time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return timeOrNil(j.started)
}

// FinishedAt is when it ended (nil while it waits or runs).
func (j *Job) FinishedAt() *time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return timeOrNil(j.finished)
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Err is why the job failed or was cancelled, or nil.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Wait blocks until the job is over or ctx is done.
func (j *Job) Wait(ctx context.Context) error {
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// GapClosures is the answer of a gapClosures job once it is done (nil
// before), and the projection it was computed on, to present it. Each
// read of a job's answer is audited as a read of the projection's
// confidential records, as the synchronous field is.
func (j *Job) GapClosures(ctx context.Context) ([]*Closure, *Graph) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state != JobDone {
		return nil, nil
	}
	j.graph.noteConfidential(ctx)
	return j.closures, j.graph
}

// JobLimits bound the background jobs.
type JobLimits struct {
	// Running is how many jobs run at once (< 1: 1); the others wait.
	Running int
	// PerCaller is how many jobs one caller may have waiting or running
	// (< 1: 2).
	PerCaller int
	// Kept is how many jobs are kept, done or not (< 1: 16); the oldest
	// finished go first. A done job holds its answer and the projection
	// it was computed on (shared with the engine's cache and with the
	// other jobs of the same workspace version and view), so this bounds
	// the memory jobs hold too.
	Kept int
	// WorkBudget is the work one job may spend (< 1: JobBudgetFactor
	// times the engine's request budget).
	WorkBudget int64
	// Failed, when set, is told of every job that fails, with its error
	// (a client sees only its public part: the log should see the rest).
	Failed func(id string, err error)
}

// JobBudgetFactor is how many requests' work budgets one job may spend
// by default: gapClosures at 4 hops on 100,000 actors needs about nine.
const JobBudgetFactor = 25

// Jobs runs analysis jobs over an engine's projections.
type Jobs struct {
	e      *Engine
	limits JobLimits
	slots  chan struct{}

	mu    sync.Mutex
	byID  map[string]*Job
	byKey map[jobKey]*Job
	order []*Job // oldest first
}

// NewJobs returns the job runner of e.
func NewJobs(e *Engine, l JobLimits) *Jobs {
	if l.Running < 1 {
		l.Running = 1
	}
	if l.PerCaller < 1 {
		l.PerCaller = 2
	}
	if l.Kept < 1 {
		l.Kept = 16
	}
	if l.WorkBudget < 1 {
		l.WorkBudget = JobBudgetFactor * e.budget
	}
	return &Jobs{e: e, limits: l, slots: make(chan struct{}, l.Running), byID: map[string]*Job{}, byKey: map[jobKey]*Job{}}
}

// StartGapClosures starts gapClosures over workspace ws as a job, or
// returns the job already asked the same question at the workspace's
// current version by a caller with the same view (unless it failed or
// was cancelled: then it starts again). The caller's access is checked
// by the resolver; the job reads the workspace as the caller.
func (js *Jobs) StartGapClosures(ctx context.Context, ws string, opts Options, first int, assumed float64) (*Job, error) {
	const op = "startGapClosuresJob"
	if err := checkClosureArgs(op, first, assumed); err != nil {
		return nil, err
	}
	opts, err := opts.Normalize()
	if err != nil {
		return nil, err
	}
	version, err := js.e.src.WorkspaceVersion(ctx, ws)
	if err != nil {
		return nil, err
	}
	caller := domain.CallerFrom(ctx)
	key := jobKey{graphKey: graphKey{viewKey{ws, caller.View(ws)}, version, opts.AsOf, opts.MinConfidence},
		kind: "gapClosures", maxHops: opts.MaxHops, threshold: opts.Threshold, first: first, assumed: assumed}
	who := callerKey(ctx)

	js.mu.Lock()
	defer js.mu.Unlock()
	if j := js.byKey[key]; j != nil {
		if st := j.State(); st != JobFailed && st != JobCancelled {
			j.mu.Lock()
			j.starters[who] = true
			j.mu.Unlock()
			return j, nil
		}
	}
	active := 0
	for _, j := range js.order {
		if st := j.State(); (st == JobQueued || st == JobRunning) && j.startedBy(who) {
			active++
		}
	}
	if active >= js.limits.PerCaller {
		return nil, errs.E(op, errs.RateLimited, fmt.Sprintf(
			"%s: you already have %d analysis jobs waiting or running, the most one caller may have; wait for one to finish, or cancel one", op, active))
	}
	if !js.makeRoom() {
		return nil, errs.E(op, errs.Unavailable, fmt.Sprintf(
			"%s: the server holds as many analysis jobs as it keeps (%d), none of them finished; retry when one is", op, js.limits.Kept))
	}
	// The job outlives the request: it keeps the request's values (the
	// caller, which scopes what the store reads) but not its end, and has
	// a budget of its own. Its reads of confidential records are audited
	// when its answer is read (GapClosures), not here.
	base := context.WithoutCancel(ctx)
	if caller != nil {
		c := *caller
		c.Reads = nil
		base = domain.WithCaller(base, &c)
	}
	jctx, cancel := context.WithCancel(base)
	j := &Job{id: domain.NewID("job_"), key: key, created: time.Now().UTC(), jobs: js, cancel: cancel,
		done: make(chan struct{}), state: JobQueued, starters: map[string]bool{who: true}}
	j.prog.enter(PhaseWaiting, 0)
	js.byID[j.id], js.byKey[key] = j, j
	js.order = append(js.order, j)
	jctx = withProgress(WithBudget(jctx, NewBudget(js.limits.WorkBudget)), &j.prog)
	go j.run(jctx, opts, first, assumed)
	return j, nil
}

func (j *Job) startedBy(who string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.starters[who]
}

// makeRoom drops the oldest finished jobs beyond the limit (one place is
// needed for a new job); false when every kept job is still going.
func (js *Jobs) makeRoom() bool {
	for len(js.order) >= js.limits.Kept {
		i := -1
		for k, j := range js.order {
			if st := j.State(); st != JobQueued && st != JobRunning {
				i = k
				break
			}
		}
		if i < 0 {
			return false
		}
		old := js.order[i]
		js.order = append(js.order[:i:i], js.order[i+1:]...)
		delete(js.byID, old.id)
		if js.byKey[old.key] == old {
			delete(js.byKey, old.key)
		}
	}
	return true
}

// run waits for a job slot, then computes the answer.
func (j *Job) run(ctx context.Context, opts Options, first int, assumed float64) {
	defer close(j.done)
	defer j.cancel()
	select {
	case j.jobs.slots <- struct{}{}:
		defer func() { <-j.jobs.slots }()
	case <-ctx.Done():
		j.finish(nil, nil, ctx.Err())
		return
	}
	j.mu.Lock()
	if j.cancelled {
		j.mu.Unlock()
		j.finish(nil, nil, context.Canceled)
		return
	}
	j.state, j.started = JobRunning, time.Now().UTC()
	j.mu.Unlock()
	cls, g, err := runRecoveredJob(func() ([]*Closure, *Graph, error) {
		j.prog.enter(PhaseReading, 0)
		g, err := j.jobs.e.Graph(ctx, j.key.ws, opts)
		if err != nil {
			return nil, nil, err
		}
		cls, err := g.GapClosures(ctx, first, assumed)
		return cls, g, err
	})
	j.finish(cls, g, err)
}

func runRecoveredJob(f func() ([]*Closure, *Graph, error)) (cls []*Closure, g *Graph, err error) {
	defer func() {
		if p := recover(); p != nil {
			cls, g, err = nil, nil, recovered("gapClosures job", p)
		}
	}()
	return f()
}

func (j *Job) finish(cls []*Closure, g *Graph, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err != nil && !j.cancelled && j.jobs.limits.Failed != nil {
		j.jobs.limits.Failed(j.id, err)
	}
	j.finished = time.Now().UTC()
	switch {
	case j.cancelled:
		j.state = JobCancelled
	case errs.Is(err, errs.AnalysisLimit):
		j.state, j.err = JobFailed, &errs.Error{Op: "gapClosures job", Kind: errs.AnalysisLimit, Err: err,
			Msg: fmt.Sprintf("the job needs more work than a job may do (%d steps); narrow the question: fewer maxHops, a higher threshold or minConfidence", j.jobs.limits.WorkBudget)}
	case err != nil:
		j.state, j.err = JobFailed, err
	default:
		j.state, j.closures, j.graph = JobDone, cls, g
	}
}

// visible reports whether the caller may see job j: the same view of its
// workspace (the resolver checks the caller's role there).
func visible(ctx context.Context, j *Job) bool {
	return domain.CallerFrom(ctx).View(j.key.ws) == j.key.view
}

// Get returns job id when the caller may see it; NOT_FOUND otherwise, as
// for an id that never was (a job over what the caller may not see does
// not exist for it).
func (js *Jobs) Get(ctx context.Context, id string) (*Job, error) {
	js.mu.Lock()
	j := js.byID[id]
	js.mu.Unlock()
	if j == nil || !visible(ctx, j) {
		return nil, JobNotFound(id)
	}
	return j, nil
}

// JobNotFound is what a caller asking for job id gets when there is no
// such job or it may not see it: the same answer.
func JobNotFound(id string) error {
	return errs.NotFoundf("analysisJob", "no analysis job has id %q (jobs are kept for a while, and shown only to callers who see the same workspace with the same role and clearance as their starter)", id)
}

// Cancel stops job id, if the caller started it; a job already over is
// left as it is.
func (js *Jobs) Cancel(ctx context.Context, id string) (*Job, error) {
	j, err := js.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.startedBy(callerKey(ctx)) {
		return nil, errs.E("cancelAnalysisJob", errs.Permission, "only a caller who started this job may cancel it")
	}
	j.mu.Lock()
	if j.state == JobQueued || j.state == JobRunning {
		j.cancelled = true
	}
	j.mu.Unlock()
	j.cancel()
	return j, nil
}

// UpToDate reports whether the job was asked at the workspace's current
// version (a write since makes its answer stale).
func (js *Jobs) UpToDate(ctx context.Context, j *Job) (bool, error) {
	v, err := js.e.src.WorkspaceVersion(ctx, j.key.ws)
	if err != nil {
		return false, err
	}
	return v == j.key.version, nil
}
