package main

import (
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestShownArgsLeaveOutWhatBenchRunAdds(t *testing.T) {
	got := shownArgs([]string{"--actorgraph", "bin/actorgraph", "--logs=/tmp/x", "--sizes", "1k", "--requests", "10"})
	if want := []string{"--sizes", "1k", "--requests", "10"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// The command the report shows runs again as shown: a shell reads each
// argument back as it was given, the empty one and those with spaces or
// quotes included.
func TestShownArgsAreReadBackByAShell(t *testing.T) {
	args := []string{"--peer", "", "--workloads", "N+1,by id", "--sizes", "1k,10k", "--out", "it's here.md", "--duration=5s"}
	shown := shownArgs(args)
	if want := []string{"--peer", "''", "--workloads", "'N+1,by id'", "--sizes", "1k,10k"}; !reflect.DeepEqual(shown[:6], want) {
		t.Errorf("shown %q, want it to begin %q", shown, want)
	}
	out, err := exec.Command("sh", "-c", "set -- "+strings.Join(shown, " ")+`; for a in "$@"; do printf '%s\n' "[$a]"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	var back []string
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		back = append(back, strings.TrimSuffix(strings.TrimPrefix(line, "["), "]"))
	}
	if !reflect.DeepEqual(back, args) {
		t.Fatalf("the shell read %q back, want %q", back, args)
	}
}

func TestWriteReportReplacesOnlyTheMarkedLines(t *testing.T) {
	path := t.TempDir() + "/p.md"
	page := "# P\n\nSay `<!-- bench:begin -->` and `<!-- bench:end -->`.\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\nafter\n"
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := writeReport(path, "new\n"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	if want := strings.Replace(page, "\nold\n", "\nnew\n", 1); string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// docs/performance.md holds one report, under its "Latest figures"
// heading, where `bench/run --out docs/performance.md` writes it; a
// report pasted anywhere else (a copy once landed inside the table of
// flags, and writeReport would then have replaced that one) fails here.
func TestPerformancePageHoldsOneReportUnderLatestFigures(t *testing.T) {
	raw, err := os.ReadFile("../../../docs/performance.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	const begin, end = "\n<!-- bench:begin -->\n", "\n<!-- bench:end -->\n"
	if n, m := strings.Count(page, begin), strings.Count(page, end); n != 1 || m != 1 {
		t.Fatalf("the page has %d report beginnings and %d ends on lines of their own, want one of each", n, m)
	}
	if n := strings.Count(page, "<!-- bench:begin -->"); n != 2 {
		t.Errorf("the page names the begin marker %d times, want twice (the table of flags and the report)", n)
	}
	i, j := strings.Index(page, begin), strings.Index(page, end)
	if j < i {
		t.Fatal("the report ends before it begins")
	}
	if h := strings.LastIndex(page[:i], "\n## "); h < 0 || !strings.HasPrefix(page[h:], "\n## Latest figures\n") {
		t.Errorf("the report is not under the heading \"## Latest figures\"")
	}
	if report := page[i+len(begin) : j]; !strings.HasPrefix(report, "Measured ") || !strings.Contains(report, "| workload |") {
		t.Errorf("the report does not read as bench's: %.80q…", report)
	}
}
