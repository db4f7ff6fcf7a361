package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	neo4jconfig "github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

// server is a process the benchmark started: ActorGraph or the peer.
type server struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	url    string // its GraphQL endpoint
	log    string
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs a server and waits until ready answers true.
func start(name, logDir string, cmd *exec.Cmd, url string, ready func() bool) (*server, error) {
	logPath := filepath.Join(logDir, "bench-"+name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	// Should the benchmark die, its servers go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	exited := make(chan struct{})
	s := &server{name: name, cmd: cmd, url: url, log: logPath, exited: exited}
	go func() { _ = cmd.Wait(); close(exited) }()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited at start; see %s", name, logPath)
		default:
		}
		if ready() {
			return s, nil
		}
	}
	s.stop()
	return nil, fmt.Errorf("%s was not ready within 3 minutes; see %s", name, logPath)
}

// peakMemory is the process's peak resident memory (VmHWM), in bytes.
func (s *server) peakMemory() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func startActorGraph(o options) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// --rate-limit 0: the callers are the benchmark, not a flood. Analyses
	// (subgraph, routes, gaps) may run twice the highest concurrency at
	// once, so that the measurement sees them rather than their refusals
	// (and a request that arrives while the one before it still holds its
	// slot never waits); a 100k map's cold accountabilityGaps takes longer
	// than the default request timeout.
	analyses := strconv.Itoa(2 * slices.Max(o.conc))
	cmd := exec.Command(o.binary, "serve", "--port", strconv.Itoa(port), "--rate-limit", "0",
		"--max-analyses", analyses, "--max-analyses-per-caller", analyses, "--request-timeout", "2m", "--write-timeout", "3m")
	cmd.Env = append(os.Environ(), "NEO4J_URI="+o.neo4jURI, "ACTORGRAPH_ENV=production")
	return start("actorgraph", o.logDir, cmd, base+"/graphql", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func startPeer(o options) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/graphql", port)
	cmd := exec.Command("node", filepath.Join(o.peerDir, "server.mjs"))
	cmd.Env = append(os.Environ(), "NEO4J_URI="+o.neo4jURI, "PORT="+strconv.Itoa(port))
	return start("peer", o.logDir, cmd, url, func() bool {
		var out map[string]any
		return post(url, "", gql{Query: "{ __typename }"}, &out) == nil
	})
}

var client = &http.Client{Timeout: 3 * time.Minute}

// post sends one GraphQL request and decodes its answer; an answer with
// errors is an error.
func post(url, token string, q gql, out *map[string]any) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(q.body()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return err
	}
	return checkAnswer(resp.StatusCode, body.Bytes(), out)
}

// checkAnswer is the check every answer passes: HTTP 200, JSON, data and
// no errors.
func checkAnswer(status int, body []byte, out *map[string]any) error {
	var a struct {
		Data   map[string]any    `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("HTTP %d, not JSON: %.200s", status, body)
	}
	if len(a.Errors) > 0 {
		return fmt.Errorf("HTTP %d, errors: %.300s", status, a.Errors[0])
	}
	if status != http.StatusOK || a.Data == nil {
		return fmt.Errorf("HTTP %d: %.200s", status, body)
	}
	if out != nil {
		*out = a.Data
	}
	return nil
}

// rawDB runs single statements through the Go driver.
type rawDB struct{ driver neo4j.DriverWithContext }

func openRaw(ctx context.Context, uri string) (*rawDB, error) {
	auth := neo4j.NoAuth()
	if u := os.Getenv("NEO4J_USERNAME"); u != "" {
		auth = neo4j.BasicAuth(u, os.Getenv("NEO4J_PASSWORD"), "")
	}
	d, err := neo4j.NewDriverWithContext(uri, auth, func(c *neo4jconfig.Config) { c.MaxConnectionPoolSize = 16 })
	if err != nil {
		return nil, err
	}
	if err := d.VerifyConnectivity(ctx); err != nil {
		return nil, err
	}
	return &rawDB{d}, nil
}

func (r *rawDB) close() { _ = r.driver.Close(context.Background()) }

// query runs one statement and gives its rows.
func (r *rawDB) query(ctx context.Context, c cypher, write bool) ([]map[string]any, error) {
	routing := neo4j.ExecuteQueryWithReadersRouting()
	if write {
		routing = neo4j.ExecuteQueryWithWritersRouting()
	}
	res, err := neo4j.ExecuteQuery(ctx, r.driver, c.text, c.params, neo4j.EagerResultTransformer, routing)
	if err != nil {
		return nil, err
	}
	rows := make([]map[string]any, len(res.Records))
	for i, rec := range res.Records {
		rows[i] = rec.AsMap()
	}
	return rows, nil
}
