package cli

import (
	"errors"
	"math"
	"runtime/debug"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"go.uber.org/zap"
)

// The service's soft memory limit: nine tenths of the container's when
// there is one, untouched when GOMEMLIMIT sets it or no limit is found.
func TestSetMemoryLimit(t *testing.T) {
	const gib = 1 << 30
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	none := func(string) (string, bool) { return "", false }
	cases := []struct {
		name      string
		env       func(string) (string, bool)
		container memlimit.Provider
		want      int64
	}{
		{"a container of 2 GiB", none, memlimit.Limit(2 * gib), 2 * gib * 9 / 10},
		{"GOMEMLIMIT set", func(k string) (string, bool) { return "1GiB", k == "GOMEMLIMIT" }, memlimit.Limit(2 * gib), math.MaxInt64},
		{"no limit", none, func() (uint64, error) { return 0, memlimit.ErrNoLimit }, math.MaxInt64},
		{"no cgroup", none, func() (uint64, error) { return 0, errors.New("cgroups are not supported here") }, math.MaxInt64},
	}
	for _, c := range cases {
		debug.SetMemoryLimit(math.MaxInt64)
		setMemoryLimit(c.env, c.container, zap.NewNop())
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("%s: limit %d, want %d", c.name, got, c.want)
		}
	}
}
