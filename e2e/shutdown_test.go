package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// SIGTERM under load: the real binary stops accepting connections, finishes
// every request it had accepted, and exits 0. Each request is a mutation
// with a unique name, so the test can tell what happened to it: one that
// answered success is stored; one that was refused, or reset because the
// kernel still held it in the listener's accept queue when the listener
// closed, never reached the service and left nothing behind (a client may
// safely retry it). No request gets a broken or half answer.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	cfg := storetest.Config(t)
	bin := filepath.Join(t.TempDir(), "actorgraph")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".." // the module's root: the actorgraph command
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "serve", "--port", fmt.Sprint(port), "--rate-limit", "0") // load, not abuse
	cmd.Env = append(os.Environ(), "NEO4J_URI="+cfg.URI, "ACTORGRAPH_ADMIN_TOKEN="+apitest.AdminToken)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitReady(t, base+"/readyz", exited, &logs)

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	var completed, refused atomic.Int64
	var mu sync.Mutex
	var cutOff []error
	run := fmt.Sprintf("shutdown-%d", time.Now().UnixNano())
	var succeeded, notServed []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("%s-%d-%d", run, w, i)
				req, _ := http.NewRequest(http.MethodPost, base+"/graphql",
					bytes.NewReader([]byte(`{"query":"mutation { createWorkspace(input: {name: \"`+name+`\"}) { id } }"}`)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+apitest.AdminToken)
				resp, err := client.Do(req)
				if err != nil {
					if notReached(err) {
						refused.Add(1)
						mu.Lock()
						notServed = append(notServed, name)
						mu.Unlock()
						return // the listener is closed: shutdown has begun
					}
					mu.Lock()
					cutOff = append(cutOff, err)
					mu.Unlock()
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"data"`)) {
					mu.Lock()
					cutOff = append(cutOff, fmt.Errorf("status %d body %.100q err %v", resp.StatusCode, body, err))
					mu.Unlock()
					return
				}
				completed.Add(1)
				mu.Lock()
				succeeded = append(succeeded, name)
				mu.Unlock()
			}
		}()
	}
	// SIGTERM comes once the server is under load: some requests answered
	// and more in flight, however long that takes on this machine.
	for deadline := time.Now().Add(time.Minute); completed.Load() < 16; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests completed in a minute\n%s", completed.Load(), logs.String())
		}
	}
	before := completed.Load()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("still running 40s after SIGTERM\n%s", logs.String())
	}
	close(stop)
	wg.Wait()
	t.Logf("%d requests completed (%d before SIGTERM), %d refused after shutdown began", completed.Load(), before, refused.Load())
	if before == 0 {
		t.Error("no request completed before SIGTERM; the test did not load the server")
	}
	for _, err := range cutOff {
		t.Errorf("request cut off by shutdown: %v", err)
	}
	if !bytes.Contains(logs.Bytes(), []byte("stopped")) {
		t.Errorf("no clean stop in the log:\n%s", logs.String())
	}

	st := storetest.Open(t)
	all, err := st.Workspaces(ctxBackground)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, w := range all {
		if strings.HasPrefix(w.Name, run) {
			stored[w.Name] = true
			_, _ = st.DeleteWorkspace(ctxBackground, w.ID)
		}
	}
	for _, name := range succeeded {
		if !stored[name] {
			t.Errorf("%s answered success but is not stored", name)
		}
	}
	for _, name := range notServed {
		if stored[name] {
			t.Errorf("%s was reset or refused, yet it was written", name)
		}
	}
}

var ctxBackground = storetest.Ctx()

// notReached tells the errors of a request that got no byte of an answer:
// refused at connect, or closed by the kernel while it sat in the closed
// listener's accept queue (reset when its bytes had arrived, EOF when they
// had not, or a broken pipe while its request was still being sent). The test then proves from the database that such a request
// left nothing behind: a request cut off half way would show here too, and
// fail that check.
func notReached(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady waits until url answers 200, failing with the server's logs
// when it exits first or is not ready in two minutes.
func waitReady(t *testing.T, url string, exited chan error, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("server exited during start-up: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("server not ready after 2 minutes\n%s", logs.String())
}
