package analysis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// DefaultSlotWait is how long an analysis waits for a slot before it is
// refused: long enough to ride out another request finishing, short
// enough that a client learns quickly to come back later.
const DefaultSlotWait = 2 * time.Second

// limiter bounds how many analyses run at once in the process, and how
// many of them one caller may hold, so that one caller's heavy analyses
// cannot take every core from the others. A slot is taken per request,
// not per field: the analyses of one request share it (see requestSlot).
type limiter struct {
	max, perCaller int
	wait           time.Duration

	mu       sync.Mutex
	running  int
	waiters  int // analyses waiting for a slot (for tests and metrics)
	byCaller map[string]int
	freed    chan struct{} // closed (and replaced) whenever a slot is freed
}

func newLimiter(max, perCaller int, wait time.Duration) *limiter {
	if perCaller < 1 || perCaller > max {
		perCaller = max
	}
	return &limiter{max: max, perCaller: perCaller, wait: wait, byCaller: map[string]int{}, freed: make(chan struct{})}
}

// callerKey names the caller a slot is counted against: the subject of
// its credentials (a token, a user), or "" for requests without one (the
// library used directly), which all share one share.
func callerKey(ctx context.Context) string {
	if c := domain.CallerFrom(ctx); c != nil {
		return c.Subject
	}
	return ""
}

// acquire takes a slot for the caller, waiting up to the limiter's wait
// for one to be freed. It fails with RATE_LIMITED when the caller already
// holds its share, with SERVICE_UNAVAILABLE when every slot is busy, and
// with the request's own error when it ends first. release must be called
// once the analysis is done.
func (l *limiter) acquire(ctx context.Context, op string) (release func(), err error) {
	who := callerKey(ctx)
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	for {
		// A request already over (its client gone, its deadline past)
		// must not take a free slot: it would hold it for nothing, and
		// its analysis would only fail at its first check.
		if err := ctx.Err(); err != nil {
			return nil, tooLong(op, err)
		}
		l.mu.Lock()
		ownFull, allFull := l.byCaller[who] >= l.perCaller, l.running >= l.max
		if !ownFull && !allFull {
			l.running++
			l.byCaller[who]++
			l.mu.Unlock()
			return l.releaser(who), nil
		}
		freed := l.freed
		l.waiters++
		l.mu.Unlock()
		err := l.await(ctx, freed, timer.C, op, ownFull)
		l.mu.Lock()
		l.waiters--
		l.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// await waits for a freed slot (nil), the request's end or the wait's.
func (l *limiter) await(ctx context.Context, freed <-chan struct{}, timeout <-chan time.Time, op string, ownFull bool) error {
	select {
	case <-freed:
		return nil
	case <-ctx.Done():
		return tooLong(op, ctx.Err())
	case <-timeout:
		if ownFull {
			return errs.E(op, errs.RateLimited, fmt.Sprintf(
				"%s: you already have %d requests with analyses running, the most one caller may run at once; wait for them to finish and retry", op, l.perCaller))
		}
		return errs.E(op, errs.Unavailable, fmt.Sprintf(
			"%s: the server is running as many analyses as it can (%d); retry in a few seconds", op, l.max))
	}
}

// releaser frees the caller's slot once, and wakes every waiter.
func (l *limiter) releaser(who string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.running--
			if l.byCaller[who]--; l.byCaller[who] == 0 {
				delete(l.byCaller, who)
			}
			close(l.freed)
			l.freed = make(chan struct{})
		})
	}
}
