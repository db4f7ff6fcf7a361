package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// The digest of ids is SHA-256 over each id followed by a zero byte,
// whether the ids fill one buffer of auditedIDs, several, or an id is
// longer than a buffer: audit records of reads and of writes (imports,
// which add ids as they come) digest the same ids alike, and a reader of
// the log can check a digest from the ids alone.
func TestDigestIDsIsSHA256OfTheIDs(t *testing.T) {
	many := make([]string, 5000) // more than one 32 KiB buffer
	for i := range many {
		many[i] = fmt.Sprintf("rel_%08d", i)
	}
	cases := map[string][]string{
		"none":           nil,
		"one":            {"act_1"},
		"an empty id":    {"", "act_1"},
		"many":           many,
		"a very long id": {"act_1", strings.Repeat("x", 70<<10), "act_2"},
	}
	for name, ids := range cases {
		h := sha256.New()
		for _, id := range ids {
			h.Write([]byte(id + "\x00"))
		}
		want := hex.EncodeToString(h.Sum(nil))
		if got := digestIDs(ids); got != want {
			t.Errorf("%s: digestIDs %s, want %s", name, got, want)
		}
		a := &auditedIDs{}
		for _, id := range ids {
			a.add(id)
		}
		if got := a.digest(); got != want {
			t.Errorf("%s: auditedIDs %s, want %s", name, got, want)
		}
	}
	if digestIDs([]string{"ab", "c"}) == digestIDs([]string{"a", "bc"}) {
		t.Error("ids that join to the same text digest alike")
	}
}
