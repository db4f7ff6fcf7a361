package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/demo"
	"github.com/actorgraph/actorgraph/httpapi/apitest"
)

// dev/run, the way a new developer starts the service: the real script
// (it builds bin/actorgraph and runs `serve --demo` in the development
// environment) against a private, empty Neo4j, started twice.

// devLog collects a process's output, line by line, and lets a test wait
// for a line.
type devLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{} // closed and replaced on every new line
}

func newDevLog() *devLog { return &devLog{changed: make(chan struct{})} }

func (l *devLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

func (l *devLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + "\n" + string(l.partial)
}

// entries are the JSON log lines (zap's JSON encoder: one object a line);
// other lines (the go build's) are left out.
func (l *devLog) entries() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range l.lines {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && e["msg"] != nil {
			out = append(out, e)
		}
	}
	return out
}

// devRun is one run of dev/run, in its own process group.
type devRun struct {
	cmd    *exec.Cmd
	log    *devLog
	base   string
	exited chan struct{}
	err    error // the script's exit, once exited is closed
}

// startDevRun runs ../dev/run against neo4jURI with PORT set to a free
// port and JSON logs. Whatever happens, its process group is killed when
// the test ends.
func startDevRun(t *testing.T, neo4jURI string) *devRun {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "dev", "run"))
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		// The test says where Neo4j is and how the service runs; nothing
		// of the caller's own configuration may leak in.
		if strings.HasPrefix(k, "ACTORGRAPH_") || strings.HasPrefix(k, "NEO4J_") || k == "PORT" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "NEO4J_URI="+neo4jURI, fmt.Sprintf("PORT=%d", port), "ACTORGRAPH_LOG_FORMAT=json")
	r := &devRun{log: newDevLog(), base: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{})}
	r.cmd = exec.Command(script)
	r.cmd.Dir = ".." // the module's root: dev/run builds the module there
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r.cmd.WaitDelay = 10 * time.Second // a child holding the output open cannot hang Wait
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := r.cmd.Process.Pid
	go func() {
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // the script and the server it started
		select {
		case <-r.exited:
		case <-time.After(30 * time.Second):
			t.Errorf("dev/run (process group %d) still running 30s after SIGKILL", pgid)
		}
	})
	return r
}

// waitLog waits, up to limit, for a JSON log entry that match accepts,
// and returns it. It fails the test if the script exits first.
func (r *devRun) waitLog(t *testing.T, what string, limit time.Duration, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		r.log.mu.Lock()
		changed := r.log.changed
		r.log.mu.Unlock()
		for _, e := range r.log.entries() {
			if match(e) {
				return e
			}
		}
		select {
		case <-changed:
		case <-r.exited:
			t.Fatalf("dev/run exited (%v) before logging %s:\n%s", r.err, what, r.log)
		case <-deadline.C:
			t.Fatalf("dev/run logged no %s within %s:\n%s", what, limit, r.log)
		}
	}
}

// waitReady polls /readyz until it answers 200, up to limit.
func (r *devRun) waitReady(t *testing.T, limit time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for time.Now().Before(deadline) {
		if resp, err := client.Get(r.base + "/readyz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-tick.C:
		case <-r.exited:
			t.Fatalf("dev/run exited (%v) before it was ready:\n%s", r.err, r.log)
		}
	}
	t.Fatalf("dev/run not ready within %s (last /readyz: %s):\n%s", limit, last, r.log)
}

// stop sends sig to the whole process group, as a terminal's Ctrl-C (or
// a process manager) does, and waits up to limit for the script to end.
// With waitServer, the server may still be finishing when the script has
// ended, and stop waits (up to limit) for it too; without, the script
// must have waited for it.
func (r *devRun) stop(t *testing.T, sig syscall.Signal, limit time.Duration, waitServer bool) error {
	t.Helper()
	pgid := r.cmd.Process.Pid
	target := -pgid // the whole group, as Ctrl-C in a terminal signals it
	if sig == syscall.SIGTERM {
		target = pgid // the script alone, as a process manager signals the process it started
	}
	if err := syscall.Kill(target, sig); err != nil {
		t.Fatalf("signal dev/run: %v", err)
	}
	deadline := time.After(limit)
	select {
	case <-r.exited:
	case <-deadline:
		t.Fatalf("dev/run still running %s after %v:\n%s", limit, sig, r.log)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for live := liveInGroup(t, pgid); len(live) > 0; live = liveInGroup(t, pgid) {
		if !waitServer {
			t.Errorf("dev/run exited after %v while processes of its group still run: %v", sig, live)
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("processes of dev/run's group still run %s after %v: %v", limit, sig, live)
		}
	}
	return r.err
}

// liveInGroup lists the processes of process group pgid that have not
// exited (zombies, which only wait for their parent to reap them, aside).
func liveInGroup(t *testing.T, pgid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) >= 3 && fields[2] == fmt.Sprint(pgid) && fields[0] != "Z" {
			out = append(out, string(b[:i+1]))
		}
	}
	return out
}

func isDevToken(e map[string]any) bool {
	msg, _ := e["msg"].(string)
	return strings.HasPrefix(msg, "development environment")
}

// startedDevToken runs dev/run until it is ready and returns it with the
// development token it printed.
func startedDevToken(t *testing.T, neo4jURI string) (*devRun, string) {
	t.Helper()
	r := startDevRun(t, neo4jURI)
	// The first go build of a cold cache takes a while.
	e := r.waitLog(t, "development token", 5*time.Minute, isDevToken)
	token, _ := e["token"].(string)
	if !strings.HasPrefix(token, "agt_") || len(token) < 20 || e["level"] != "info" {
		t.Fatalf("development token log entry: %v", e)
	}
	r.waitReady(t, 2*time.Minute)
	return r, token
}

type devWorkspaces struct {
	Workspaces []struct {
		ID, Name                      string
		ActorCount, RelationshipCount int
	}
}

func TestDevRunServesTheDemoWithADevelopmentToken(t *testing.T) {
	t.Parallel()
	n := startTestNeo4j(t) // private and empty: the demo loads only into a database without workspaces
	m, err := demo.Parse()
	if err != nil {
		t.Fatal(err)
	}

	// First start: the demo loads, a development token is printed.
	first, token1 := startedDevToken(t, n.uri)
	loaded := first.waitLog(t, "demo map loaded", time.Second, func(e map[string]any) bool { return e["msg"] == "demo map loaded" })
	api := &apitest.API{T: t, URL: first.base, Token: token1}
	var ws devWorkspaces
	api.OK(`{ workspaces { id name actorCount relationshipCount } }`, nil, &ws)
	if len(ws.Workspaces) != 1 {
		t.Fatalf("workspaces after the first start: %+v, want the demo alone", ws.Workspaces)
	}
	w := ws.Workspaces[0]
	if w.Name != m.Workspace.Name || w.ID != loaded["workspace"] || w.ActorCount != len(m.Actors) || w.RelationshipCount != len(m.Relationships) ||
		w.ActorCount == 0 || w.RelationshipCount == 0 {
		t.Errorf("the demo workspace: %+v, want %q (%v) with %d actors and %d relationships",
			w, m.Workspace.Name, loaded["workspace"], len(m.Actors), len(m.Relationships))
	}
	// The development token is an admin's.
	var v struct{ Viewer struct{ Admin bool } }
	api.OK(`{ viewer { admin } }`, nil, &v)
	if !v.Viewer.Admin {
		t.Error("the development token is not an admin token")
	}
	// The explorer at / and GraphiQL at /graphiql, each handed the
	// development token for its requests.
	for path, want := range map[string]string{"/": "ActorGraph explorer", "/graphiql": "GraphiQL"} {
		if page := getPage(t, first.base+path); !strings.Contains(page, want) || !strings.Contains(page, token1) {
			t.Errorf("GET %s in development: %.300q, want %s carrying the development token", path, page, want)
		}
	}
	// Without a token: refused.
	if resp, r := api.As("").Post([]byte(`{"query":"{ workspaces { id } }"}`), nil); resp.StatusCode != http.StatusUnauthorized ||
		r.Code() != "UNAUTHENTICATED" {
		t.Errorf("no token: HTTP %d %s %+v, want 401 UNAUTHENTICATED", resp.StatusCode, r.Data, r.Errors)
	}
	// Ctrl-C: the server finishes, the script exits 0.
	if err := first.stop(t, syscall.SIGINT, time.Minute, false); err != nil {
		t.Errorf("dev/run after SIGINT: %v, want exit 0:\n%s", err, first.log)
	}
	first.waitLog(t, "clean stop", time.Second, func(e map[string]any) bool { return e["msg"] == "stopped" })

	// Second start on the same database: a new token, the old one
	// revoked, and the demo not loaded again.
	second, token2 := startedDevToken(t, n.uri)
	if token2 == token1 {
		t.Fatal("the second start printed the first start's token")
	}
	api2 := &apitest.API{T: t, URL: second.base, Token: token2}
	var ws2 devWorkspaces
	api2.OK(`{ workspaces { id name actorCount relationshipCount } }`, nil, &ws2)
	if len(ws2.Workspaces) != 1 || ws2.Workspaces[0] != w {
		t.Errorf("workspaces after the second start: %+v, want the one demo workspace as before (%+v)", ws2.Workspaces, w)
	}
	for _, e := range second.log.entries() {
		if e["msg"] == "demo map loaded" {
			t.Errorf("the second start loaded the demo again: %v", e)
		}
	}
	if resp, r := api2.As(token1).Post([]byte(`{"query":"{ workspaces { id } }"}`), nil); resp.StatusCode != http.StatusUnauthorized ||
		r.Code() != "UNAUTHENTICATED" {
		t.Errorf("the first start's token after the second start: HTTP %d %s %+v, want 401 UNAUTHENTICATED", resp.StatusCode, r.Data, r.Errors)
	}
	if page := getPage(t, second.base+"/"); !strings.Contains(page, token2) || strings.Contains(page, token1) {
		t.Errorf("the explorer after the second start does not carry the new token alone: %.300q", page)
	}
	// SIGTERM to the script alone, as a process manager stops it: the
	// script passes it on to the server, waits for it to finish its
	// requests and stop, and only then exits 0 (and stops Neo4j, had it
	// started one).
	if err := second.stop(t, syscall.SIGTERM, time.Minute, false); err != nil {
		t.Errorf("dev/run after SIGTERM: %v, want exit 0:\n%s", err, second.log)
	}
	second.waitLog(t, "clean stop", time.Second, func(e map[string]any) bool { return e["msg"] == "stopped" })
	for _, r := range []*devRun{first, second} {
		for _, e := range r.log.entries() {
			if lvl := e["level"]; lvl == "error" || lvl == "fatal" || lvl == "panic" {
				t.Errorf("dev/run logged %v: %v", lvl, e)
			}
		}
	}
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return string(body)
}
