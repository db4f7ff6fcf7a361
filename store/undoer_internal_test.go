package store

import (
	"testing"
	"time"
)

// A store's undoer takes an import for dead when its heart has been
// silent past importStale, or when it is the store's own and has ended;
// never the store's own import while it runs, however long its silence
// and whoever holds it now (another store may have claimed it, failed to
// undo it and let it go): the import would write on under the undo.
func TestUndoerNeverTakesItsRunningImportForDead(t *testing.T) {
	u := newUndoer(nil)
	u.start("mine")
	for _, tc := range []struct {
		name          string
		holder, token string
		silent        time.Duration
		want          bool
	}{
		{"its own, running, silent a moment", u.me, "mine", time.Second, false},
		{"its own, running, silent past importStale", u.me, "mine", importStale + time.Minute, false},
		{"its own, running, claimed by another store that gave up", "store_other", "mine", importStale + time.Minute, false},
		{"another store's, silent a moment", "store_other", "theirs", time.Second, false},
		{"another store's, silent past importStale", "store_other", "theirs", importStale, true},
		{"its own, ended", u.me, "ended", 0, true},
	} {
		if got := u.undoable(tc.holder, tc.token, tc.silent); got != tc.want {
			t.Errorf("%s: undoable %v, want %v", tc.name, got, tc.want)
		}
	}
	u.end("mine")
	if !u.undoable(u.me, "mine", 0) {
		t.Error("its own import, ended, is not to be undone")
	}
}
