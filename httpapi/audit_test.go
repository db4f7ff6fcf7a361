package httpapi_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/httpapi/apitest"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// The GraphQL-over-HTTP conformance audits of graphql-http
// (dev/audit/audit.mjs) run against the live service: every MUST of the
// spec (https://graphql.github.io/graphql-over-http/draft/) must hold.
// SHOULD and MAY audits that fail show in the output (go test -v) but do
// not fail the test.

const auditDir = "../dev/audit" // from this package's folder, where go test runs

func TestGraphQLOverHTTPAudits(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t) // skips under -short, like every Neo4j test
	a := apitest.New(t, st)
	out := runAudits(t, a.URL+"/graphql", a.Token)
	t.Log("\n" + out)
}

// auditSummary is audit.mjs's last line, e.g. "graphql-http 1.23.1: 61
// audits, 55 ok, 5 warn (SHOULD), 1 notice (MAY), 0 error (MUST), 0
// fatal; 0 MUST failed".
var auditSummary = regexp.MustCompile(`(?m)^graphql-http (\S+): (\d+) audits, (\d+) ok, (\d+) warn \(SHOULD\), (\d+) notice \(MAY\), (\d+) error \(MUST\), (\d+) fatal; (\d+) MUST failed$`)

// Floors on what a run must show, so that the test cannot pass with
// audits that did not run: graphql-http 1.23.1 (dev/audit/package.json)
// has 61 audits, 13 of them MUSTs (23 SHOULD, 25 MAY). An upgrade that
// drops audits must lower these on purpose.
const (
	minAudits     = 61
	minMustPassed = 13
)

// runAudits runs audit.mjs against url, with token (if any) as the bearer
// token, fails the test unless every MUST audit passed, and returns the
// script's output.
func runAudits(t *testing.T, url, token string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: the GraphQL-over-HTTP audits need Node.js 18 or newer; install it, then run `npm ci --prefix %s` (dev/test does)", auditDir)
	}
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http", "package.json")); err != nil {
		t.Fatalf("%s/node_modules is missing graphql-http: run `npm ci --prefix %s` (dev/test does): %v", auditDir, auditDir, err)
	}
	ctx, cancel := context.WithTimeout(storetest.Ctx(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(auditDir, "audit.mjs"), url)
	cmd.Env = append(os.Environ(), "AUDIT_TOKEN="+token) // the last AUDIT_TOKEN wins: none inherited
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			t.Fatalf("GraphQL-over-HTTP audits: a MUST audit failed (lines starting with error or FATAL):\n%s", out)
		}
		t.Fatalf("node %s/audit.mjs: %v\n%s", auditDir, err, out)
	}
	m := auditSummary.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("audit.mjs printed no summary line:\n%s", out)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	total, errs, fatal, mustFailed := n(2), n(6), n(7), n(8)
	mustPassed := 0
	for _, line := range strings.Split(out, "\n") {
		// "ok     4655 MUST accept application/json and match the content-type"
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "ok" && f[2] == "MUST" {
			mustPassed++
		}
	}
	if errs != 0 || fatal != 0 || mustFailed != 0 {
		t.Fatalf("audit.mjs exited 0 but reports %d MUST errors, %d fatal:\n%s", errs, fatal, out)
	}
	if total < minAudits || mustPassed < minMustPassed {
		t.Fatalf("only %d audits ran and %d MUST audits passed (want at least %d and %d): did graphql-http %s change?\n%s",
			total, mustPassed, minAudits, minMustPassed, m[1], out)
	}
	return out
}
