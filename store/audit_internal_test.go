package store

import (
	"fmt"
	"strings"
	"testing"
)

// digestIDs, which hashes a buffer at a time, gives the digest that
// auditedIDs gives adding the same ids one at a time (the digest of an
// import): a change to either must change both, or audit records of
// reads and of writes would digest the same ids differently.
func TestDigestIDsAgreesWithAuditedIDs(t *testing.T) {
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
		a := &auditedIDs{}
		for _, id := range ids {
			a.add(id)
		}
		if got, want := digestIDs(ids), a.digest(); got != want {
			t.Errorf("%s: digestIDs %s, auditedIDs %s", name, got, want)
		}
	}
	if digestIDs([]string{"ab", "c"}) == digestIDs([]string{"a", "bc"}) {
		t.Error("ids that join to the same text digest alike")
	}
}
