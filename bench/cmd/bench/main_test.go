package main

import (
	"os"
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
