package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
)

// gapClosures as a job, through GraphQL, on the demo map: started, watched
// and fetched; its answer is the field's; one job per question and
// workspace version; a write makes the next start a new job; only callers
// with the starter's view see it, and only a starter cancels it.

const closureFields = `severityRemoved relationship { type from { id } to { id } strength }
  closes { severityBefore severityAfter bestStrengthAfter closed kindAfter gap { community { id } powerHolder { id } } }`

const jobFields = `id analysis workspaceId workspaceVersion upToDate state phase progress createdAt startedAt finishedAt
  error { code message } gapClosures(first: 5) { ` + closureFields + ` }`

type jobJSON struct {
	ID, Analysis, WorkspaceID string
	WorkspaceVersion          int
	UpToDate                  bool
	State, Phase              string
	Progress                  float64
	CreatedAt                 string
	StartedAt, FinishedAt     *string
	Error                     *struct{ Code, Message string }
	GapClosures               json.RawMessage
}

func startClosuresJob(t *testing.T, a *apitest.API, ws string) jobJSON {
	t.Helper()
	var out struct{ StartGapClosuresJob jobJSON }
	a.OK(`mutation($ws: ID!) { startGapClosuresJob(workspace: $ws, first: 5) { `+jobFields+` } }`, map[string]any{"ws": ws}, &out)
	return out.StartGapClosuresJob
}

func readJob(t *testing.T, a *apitest.API, id string) jobJSON {
	t.Helper()
	var out struct{ AnalysisJob jobJSON }
	a.OK(`query($id: ID!) { analysisJob(id: $id) { `+jobFields+` } }`, map[string]any{"id": id}, &out)
	return out.AnalysisJob
}

// awaitJob polls the job until it is over (the demo map takes
// milliseconds; the bound is only there so that a hung job fails).
func awaitJob(t *testing.T, a *apitest.API, id string) jobJSON {
	t.Helper()
	for i := 0; i < 600; i++ {
		j := readJob(t, a, id)
		if j.Progress < 0 || j.Progress > 1 {
			t.Fatalf("progress %v", j.Progress)
		}
		if j.State != "QUEUED" && j.State != "RUNNING" {
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %s never ended", id)
	return jobJSON{}
}

func syncClosures(t *testing.T, a *apitest.API, ws string) json.RawMessage {
	t.Helper()
	var out struct {
		Workspace struct{ GapClosures json.RawMessage }
	}
	a.OK(`query($ws: ID!) { workspace(id: $ws) { gapClosures(first: 5) { `+closureFields+` } } }`, map[string]any{"ws": ws}, &out)
	return out.Workspace.GapClosures
}

func TestGapClosuresJobThroughGraphQL(t *testing.T) {
	f := loadDemo(t)
	a := f.a

	j := startClosuresJob(t, a, f.ws)
	if j.ID == "" || j.Analysis != "gapClosures" || j.WorkspaceID != f.ws || !j.UpToDate || j.CreatedAt == "" {
		t.Fatalf("started: %+v", j)
	}
	done := awaitJob(t, a, j.ID)
	if done.State != "DONE" || done.Phase != "FINISHED" || done.Progress != 1 || done.Error != nil || done.StartedAt == nil || done.FinishedAt == nil {
		t.Fatalf("done: %+v", done)
	}
	want := syncClosures(t, a, f.ws)
	var cls []any
	if err := json.Unmarshal(want, &cls); err != nil || len(cls) == 0 {
		t.Fatalf("the field's answer: %s %v", want, err)
	}
	if string(done.GapClosures) != string(want) {
		t.Errorf("the job's answer differs from the field's:\n%s\n%s", done.GapClosures, want)
	}
	// Fewer of its proposals, when asked.
	var few struct {
		AnalysisJob struct{ GapClosures []json.RawMessage }
	}
	a.OK(`query($id: ID!) { analysisJob(id: $id) { gapClosures(first: 2) { severityRemoved } } }`, map[string]any{"id": j.ID}, &few)
	if len(few.AnalysisJob.GapClosures) != 2 {
		t.Errorf("gapClosures(first: 2): %d", len(few.AnalysisJob.GapClosures))
	}

	// The same question: the same job, done.
	if again := startClosuresJob(t, a, f.ws); again.ID != j.ID || again.State != "DONE" {
		t.Errorf("a second start: %+v, want job %s, DONE", again, j.ID)
	}

	// Another caller: an analyst of another clearance does not see it,
	// nor does a viewer; an analyst who sees what the admin sees does,
	// but may not cancel it.
	restricted, _ := a.CreateToken(f.ws, "ANALYST", "RESTRICTED")
	viewer, _ := a.CreateToken(f.ws, "VIEWER", "")
	for name, tok := range map[string]string{"restricted analyst": restricted, "viewer": viewer} {
		other := a.As(tok)
		r := other.Do(`query($id: ID!) { analysisJob(id: $id) { state gapClosures { severityRemoved } } }`, map[string]any{"id": j.ID})
		if r.Code() != "NOT_FOUND" || strings.Contains(string(r.Data), "severityRemoved") {
			t.Errorf("%s reads the admin's job: %s %v", name, r.Data, r.Errors)
		}
		if r := other.Do(`mutation($id: ID!) { cancelAnalysisJob(id: $id) { state } }`, map[string]any{"id": j.ID}); r.Code() != "NOT_FOUND" {
			t.Errorf("%s cancels the admin's job: %v", name, r.Errors)
		}
	}
	// The restricted analyst's own job is its own, over what it sees.
	rj := startClosuresJob(t, a.As(restricted), f.ws)
	if rj.ID == j.ID {
		t.Error("another clearance got the admin's job")
	}
	awaitJob(t, a.As(restricted), rj.ID)
	if r := a.As(viewer).Do(`mutation($ws: ID!) { startGapClosuresJob(workspace: $ws) { id } }`, map[string]any{"ws": f.ws}); r.Code() != "FORBIDDEN" {
		t.Errorf("a viewer starts a job: %v", r.Errors)
	}

	// Cancelling a job that is over leaves it as it is.
	var cancelled struct{ CancelAnalysisJob struct{ State string } }
	a.OK(`mutation($id: ID!) { cancelAnalysisJob(id: $id) { state } }`, map[string]any{"id": j.ID}, &cancelled)
	if cancelled.CancelAnalysisJob.State != "DONE" {
		t.Errorf("cancel after done: %s", cancelled.CancelAnalysisJob.State)
	}

	// A write: the proposal the job ranked first is made real. The job
	// says it is stale, and the next start is a new job, whose answer is
	// the field's on the new map (without that proposal).
	var top []struct {
		Relationship struct {
			Type     string
			From, To struct{ ID string }
		}
	}
	if err := json.Unmarshal(done.GapClosures, &top); err != nil {
		t.Fatal(err)
	}
	a.CreateRelationship(map[string]any{"type": top[0].Relationship.Type, "from": top[0].Relationship.From.ID,
		"to": top[0].Relationship.To.ID, "strength": 0.5})
	if stale := readJob(t, a, j.ID); stale.UpToDate {
		t.Error("after a write the job must say it is not up to date")
	}
	next := startClosuresJob(t, a, f.ws)
	if next.ID == j.ID || next.WorkspaceVersion <= j.WorkspaceVersion {
		t.Fatalf("after a write: job %s version %d, before %s version %d", next.ID, next.WorkspaceVersion, j.ID, j.WorkspaceVersion)
	}
	next = awaitJob(t, a, next.ID)
	after := syncClosures(t, a, f.ws)
	if next.State != "DONE" || string(next.GapClosures) != string(after) || string(after) == string(want) {
		t.Errorf("after the write: %s\njob %s\nfield %s", next.State, next.GapClosures, after)
	}

	// Unknown ids and bad arguments.
	if r := a.Do(`{ analysisJob(id: "job_nope") { state } }`, nil); r.Code() != "NOT_FOUND" {
		t.Errorf("an unknown job: %v", r.Errors)
	}
	if r := a.Do(`mutation($ws: ID!) { startGapClosuresJob(workspace: $ws, first: 501) { id } }`, map[string]any{"ws": f.ws}); r.Code() != "BAD_USER_INPUT" {
		t.Errorf("first 501: %v", r.Errors)
	}
}

// Over the request's work budget the field refuses and points to the job;
// the job, with its larger budget, answers.
func TestGapClosuresFieldPointsToTheJob(t *testing.T) {
	f := loadDemo(t)
	// The smallest budget (doubling) that builds the projection and
	// finds the gaps but not the closures: those fail in gapClosures.
	var a *apitest.API
	for budget := int64(50); ; budget *= 2 {
		opts := apitest.Options()
		opts.GraphQL.Analysis.WorkBudget = budget
		a = apitest.NewWith(t, f.a.Store, opts)
		r := a.Do(`query($ws: ID!) { workspace(id: $ws) { gapClosures { severityRemoved } } }`, map[string]any{"ws": f.ws})
		if r.Code() != "ANALYSIS_LIMIT_EXCEEDED" {
			t.Fatalf("budget %d: no budget refused gapClosures itself: %v", budget, r.Errors)
		}
		if msg := r.Errors[0].Message; strings.HasPrefix(msg, "gapClosures ") {
			if !strings.Contains(msg, "startGapClosuresJob") {
				t.Fatalf("the field over budget does not point to the job: %q", msg)
			}
			break
		}
	}
	j := awaitJob(t, a, startClosuresJob(t, a, f.ws).ID)
	if j.State != "DONE" {
		t.Errorf("the job: %s %+v", j.State, j.Error)
	}
}
