package loaders

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Loader batches and caches one request's lookups of one kind. A batch
// starts with the first key not yet cached and is fetched once no new
// key has joined it for the idle gap (Idle), or once it is MaxWait old,
// or holds Capacity keys, whichever comes first. gqlgen resolves the
// items of a list in goroutines started together, so their keys arrive
// microseconds apart and keep the batch open; a lookup that is alone
// (actor(id), say) waits only the idle gap, not a fixed window.
type Loader[K comparable, V any] struct {
	fetch    func(context.Context, []K) ([]V, []error)
	idle     time.Duration
	maxWait  time.Duration
	capacity int

	mu    sync.Mutex
	cache map[K]*result[V]
	batch *batch[K, V]
}

type result[V any] struct {
	done  chan struct{}
	value V
	err   error
}

type batch[K comparable, V any] struct {
	ctx     context.Context // the first key's: the store reads its caller
	keys    []K
	results []*result[V]
	started time.Time
	last    time.Time // when the last key joined
	timer   *time.Timer
}

// newLoader returns a loader over fetch, which must answer one value per
// key in key order, and either no errors, one for the whole batch, or
// one per key.
func newLoader[K comparable, V any](fetch func(context.Context, []K) ([]V, []error), idle, maxWait time.Duration, capacity int) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, idle: idle, maxWait: maxWait, capacity: capacity, cache: map[K]*result[V]{}}
}

// Load returns the value of key, fetched with the keys loaded beside it.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	return l.LoadThunk(ctx, key)()
}

// LoadThunk adds key to the batch and returns a function that waits for
// its value, so that one goroutine can put many keys into a batch.
func (l *Loader[K, V]) LoadThunk(ctx context.Context, key K) func() (V, error) {
	l.mu.Lock()
	r, ok := l.cache[key]
	if !ok {
		r = &result[V]{done: make(chan struct{})}
		l.cache[key] = r
		l.add(ctx, key, r)
	}
	l.mu.Unlock()
	return func() (V, error) {
		<-r.done
		return r.value, r.err
	}
}

// LoadNow is Load for a lookup that no other is coming to join: one
// outside any list, whose count the query's text bounds, not the data.
// It fetches the open batch (with key, and any keys already waiting in
// it) at once instead of waiting for the idle gap.
func (l *Loader[K, V]) LoadNow(ctx context.Context, key K) (V, error) {
	th := l.LoadThunk(ctx, key)
	l.flush()
	return th()
}

// LoadAllNow is LoadAll for keys that no other lookup is coming to join
// (see LoadNow): it fetches them at once.
func (l *Loader[K, V]) LoadAllNow(ctx context.Context, keys []K) ([]V, error) {
	thunks := l.thunks(ctx, keys)
	l.flush()
	return wait(thunks)
}

// flush fetches the open batch, if any, now.
func (l *Loader[K, V]) flush() {
	l.mu.Lock()
	b := l.batch
	if b != nil {
		b.timer.Stop()
		l.batch = nil
	}
	l.mu.Unlock()
	if b != nil {
		l.run(b)
	}
}

// Prime caches value as key's, unless key is loaded or loading already.
func (l *Loader[K, V]) Prime(key K, value V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.cache[key]; ok {
		return
	}
	r := &result[V]{done: make(chan struct{}), value: value}
	close(r.done)
	l.cache[key] = r
}

// LoadAll loads keys in one batch (or several, past Capacity) and
// returns their values in order, and the first of the keys' errors.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	return wait(l.thunks(ctx, keys))
}

// thunks adds keys to the batch (LoadThunk).
func (l *Loader[K, V]) thunks(ctx context.Context, keys []K) []func() (V, error) {
	thunks := make([]func() (V, error), len(keys))
	for i, k := range keys {
		thunks[i] = l.LoadThunk(ctx, k)
	}
	return thunks
}

// wait returns the thunks' values in order, and the first error among
// theirs: a batch that fails gives each of its keys its one error (a
// join of them repeated it for each key, and hid its kind from
// errs.KindOf, which follows single wrapping only).
func wait[V any](thunks []func() (V, error)) ([]V, error) {
	values := make([]V, len(thunks))
	var first error
	for i, th := range thunks {
		v, err := th()
		values[i] = v
		if first == nil {
			first = err
		}
	}
	return values, first
}

// add puts key into the open batch, opening one if there is none. l.mu
// is held.
func (l *Loader[K, V]) add(ctx context.Context, key K, r *result[V]) {
	now := time.Now()
	b := l.batch
	if b == nil {
		b = &batch[K, V]{ctx: ctx, started: now}
		l.batch = b
		b.timer = time.AfterFunc(min(l.idle, l.maxWait), func() { l.tick(b) })
	}
	b.keys = append(b.keys, key)
	b.results = append(b.results, r)
	b.last = now
	if len(b.keys) >= l.capacity {
		b.timer.Stop()
		l.batch = nil
		go l.run(b)
	}
}

// tick runs when a batch's timer fires: it fetches the batch if it has
// been idle for the gap or has waited its longest, and waits again
// otherwise.
func (l *Loader[K, V]) tick(b *batch[K, V]) {
	l.mu.Lock()
	if l.batch != b { // fetched already, full
		l.mu.Unlock()
		return
	}
	now := time.Now()
	idleLeft := l.idle - now.Sub(b.last)
	maxLeft := l.maxWait - now.Sub(b.started)
	if idleLeft > 0 && maxLeft > 0 {
		b.timer.Reset(min(idleLeft, maxLeft))
		l.mu.Unlock()
		return
	}
	l.batch = nil
	l.mu.Unlock()
	l.run(b)
}

// run fetches a batch and hands each key its value.
func (l *Loader[K, V]) run(b *batch[K, V]) {
	values, errs := l.fetch(b.ctx, b.keys)
	for i, r := range b.results {
		switch {
		case len(errs) == 1 && errs[0] != nil:
			r.err = errs[0]
		case len(values) != len(b.keys) || (len(errs) != 0 && len(errs) != len(b.keys)):
			r.err = fmt.Errorf("loaders: bug in a batch function: %d values and %d errors for %d keys", len(values), len(errs), len(b.keys))
		default:
			r.value = values[i]
			if len(errs) == len(b.keys) {
				r.err = errs[i]
			}
		}
		close(r.done)
	}
}
