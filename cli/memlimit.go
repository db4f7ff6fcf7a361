package cli

import (
	"errors"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/config"
)

// memoryLimitRatio is the share of the container's memory limit that the
// service gives the Go runtime as its soft limit: the rest is for what the
// runtime does not count (stacks' slack, the binary, buffers the kernel
// charges to the container).
const memoryLimitRatio = 0.9

// setMemoryLimit gives the Go runtime a soft memory limit of nine tenths
// of the container's (its cgroup's), unless GOMEMLIMIT sets one already.
// Near the limit the collector works harder, rather than the service
// being killed for going past the container's limit: an analysis of a
// large map peaks at about three times what it keeps, most of it garbage
// the collector would otherwise leave for later (docs/operations.md).
// Reading the cgroup's limit is automemlimit's; by hand it would be the
// cgroup v1 and v2 file formats and mount points.
func setMemoryLimit(env config.Env, container memlimit.Provider, log *zap.Logger) {
	if v, ok := env("GOMEMLIMIT"); ok && v != "" {
		log.Info("memory limit from GOMEMLIMIT", zap.String("GOMEMLIMIT", v))
		return
	}
	limit, err := container()
	if err != nil {
		if !errors.Is(err, memlimit.ErrNoLimit) {
			log.Info("no container memory limit found; the Go runtime sets none", zap.Error(err))
		}
		return
	}
	soft := int64(float64(limit) * memoryLimitRatio)
	debug.SetMemoryLimit(soft)
	log.Info("memory limit set from the container's", zap.Uint64("container_bytes", limit), zap.Int64("soft_limit_bytes", soft))
}
