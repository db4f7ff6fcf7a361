package store

import (
	"fmt"
	"testing"

	"github.com/actorgraph/actorgraph/domain"
)

// The change log answers only for consecutive versions it holds whole:
// a version it did not see, one it has forgotten (past its depth, or a
// workspace past its count) or one not written yet makes it answer false.
func TestChangeLogAnswersOnlyWhole(t *testing.T) {
	var l changeLog
	record := func(ws string, versions ...int64) {
		for _, v := range versions {
			l.record(domain.Change{WorkspaceID: ws, Version: v})
		}
	}
	record("old", 1, 2)         // the least recently written: forgotten below
	record("ws", 4, 5, 6, 8, 9) // 7 was written by something the log did not see
	record("deep", 1)           // then pushed past the depth
	for v := int64(2); v <= changeLogDepth+10; v++ {
		record("deep", v)
	}
	for i := range changeLogWorkspaces - 2 { // with "ws" and "deep", one more than the log keeps
		record(fmt.Sprint("other", i), 1)
	}
	record("ws", 10)
	record("deep", changeLogDepth+11)
	cases := []struct {
		ws       string
		from, to int64
		want     []int64 // the versions answered; nil: false
	}{
		{"ws", 8, 10, []int64{9, 10}},
		{"ws", 9, 10, []int64{10}},
		{"ws", 10, 10, []int64{}},
		{"ws", 6, 10, nil},  // across 7
		{"ws", 3, 6, nil},   // the list started again after 6
		{"ws", 10, 11, nil}, // not written yet
		{"deep", changeLogDepth + 9, changeLogDepth + 11, []int64{changeLogDepth + 10, changeLogDepth + 11}},
		{"deep", 1, 3, nil}, // forgotten
		{"old", 1, 2, nil},  // a workspace forgotten
		{"never", 1, 2, nil},
	}
	for _, c := range cases {
		got, ok := l.since(c.ws, c.from, c.to)
		if ok != (c.want != nil) {
			t.Errorf("%s %d→%d: ok %v, want %v", c.ws, c.from, c.to, ok, c.want != nil)
			continue
		}
		var versions []int64
		for _, ch := range got {
			versions = append(versions, ch.Version)
		}
		if fmt.Sprint(versions) != fmt.Sprint(c.want) && !(len(versions) == 0 && len(c.want) == 0) {
			t.Errorf("%s %d→%d: versions %v, want %v", c.ws, c.from, c.to, versions, c.want)
		}
	}
}
