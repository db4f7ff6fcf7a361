package loaders

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
)

// recorder is a batch function that records the batches it was asked
// for and answers each key with its length.
type recorder struct {
	mu      sync.Mutex
	batches [][]string
	err     error
}

func (r *recorder) fetch(_ context.Context, keys []string) ([]int, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, slices.Clone(keys))
	if r.err != nil {
		return nil, []error{r.err}
	}
	out := make([]int, len(keys))
	for i, k := range keys {
		out[i] = len(k)
	}
	return out, nil
}

func (r *recorder) got() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

// Keys loaded together by many goroutines (as gqlgen resolves a list's
// items) go to the store as one batch. The batch never times out here
// (an hour), so only the keys themselves can close it: when it is full.
func TestLoaderBatchesConcurrentKeys(t *testing.T) {
	rec := &recorder{}
	const n = 50
	l := newLoader(rec.fetch, time.Hour, time.Hour, n)
	var wg sync.WaitGroup
	vals := make([]int, n)
	for i := range n {
		wg.Go(func() {
			v, err := l.Load(context.Background(), fmt.Sprintf("key-%d", i))
			if err != nil {
				t.Error(err)
			}
			vals[i] = v
		})
	}
	wg.Wait()
	if b := rec.got(); len(b) != 1 || len(b[0]) != n {
		t.Fatalf("batches %v, want one of %d keys", b, n)
	}
	for i, v := range vals {
		if want := len(fmt.Sprintf("key-%d", i)); v != want {
			t.Errorf("value %d = %d, want %d", i, v, want)
		}
	}
	// Cached for the request: loading a key again costs nothing.
	if _, err := l.Load(context.Background(), "key-7"); err != nil {
		t.Fatal(err)
	}
	if b := rec.got(); len(b) != 1 {
		t.Errorf("a cached key was fetched again: %v", b)
	}
}

// LoadNow does not wait for the batch's gap (an hour here): it fetches
// its key at once, with the keys already waiting in the open batch.
func TestLoadNowFetchesTheOpenBatchAtOnce(t *testing.T) {
	rec := &recorder{}
	l := newLoader(rec.fetch, time.Hour, time.Hour, 1000)
	waiting := l.LoadThunk(context.Background(), "aa")
	v, err := l.LoadNow(context.Background(), "bbb")
	if err != nil || v != 3 {
		t.Fatalf("LoadNow = %d, %v; want 3", v, err)
	}
	if v, err := waiting(); err != nil || v != 2 {
		t.Fatalf("the waiting key = %d, %v; want 2", v, err)
	}
	if b := rec.got(); len(b) != 1 || !slices.Equal(b[0], []string{"aa", "bbb"}) {
		t.Errorf("batches %v, want [[aa bbb]]", b)
	}
	// A key already cached answers without a fetch.
	if v, err := l.LoadNow(context.Background(), "aa"); err != nil || v != 2 {
		t.Fatalf("LoadNow of a cached key = %d, %v", v, err)
	}
	if b := rec.got(); len(b) != 1 {
		t.Errorf("batches %v after a cached LoadNow, want one", b)
	}
}

// LoadAllNow does not wait for the gap either: its keys, with those
// already waiting, go in one batch, fetched at once; more keys than a
// batch holds go in several.
func TestLoadAllNowFetchesAtOnce(t *testing.T) {
	rec := &recorder{}
	l := newLoader(rec.fetch, time.Hour, time.Hour, 3)
	waiting := l.LoadThunk(context.Background(), "a")
	vs, err := l.LoadAllNow(context.Background(), []string{"bb", "ccc", "dddd", "a"})
	if err != nil || !slices.Equal(vs, []int{2, 3, 4, 1}) {
		t.Fatalf("LoadAllNow = %v, %v; want [2 3 4 1]", vs, err)
	}
	if v, err := waiting(); err != nil || v != 1 {
		t.Fatalf("the waiting key = %d, %v; want 1", v, err)
	}
	// The full batch is fetched in a goroutine of its own: in either order.
	b := rec.got()
	slices.SortFunc(b, func(x, y []string) int { return strings.Compare(x[0], y[0]) })
	if len(b) != 2 || !slices.Equal(b[0], []string{"a", "bb", "ccc"}) || !slices.Equal(b[1], []string{"dddd"}) {
		t.Errorf("batches %v, want [a bb ccc] and [dddd]", b)
	}
}

// A batch nobody fills is fetched once it has been idle for the gap,
// and one that keys keep open is fetched at its longest wait.
func TestLoaderFetchesAnIdleBatch(t *testing.T) {
	rec := &recorder{}
	l := newLoader(rec.fetch, time.Millisecond, time.Hour, 1000)
	if v, err := l.Load(context.Background(), "abcd"); err != nil || v != 4 {
		t.Fatalf("Load = %d, %v", v, err)
	}
	rec2 := &recorder{}
	l2 := newLoader(rec2.fetch, time.Hour, time.Millisecond, 1000)
	if v, err := l2.Load(context.Background(), "abcd"); err != nil || v != 4 {
		t.Fatalf("Load = %d, %v", v, err)
	}
}

// An error for the whole batch reaches each of its keys, and LoadAll
// answers it once, its kind intact (Neo4j down stays SERVICE_UNAVAILABLE,
// not an internal error).
func TestLoaderErrors(t *testing.T) {
	boom := errs.E("store.RelationshipsByIDs", errs.Unavailable, "Neo4j is down")
	rec := &recorder{err: boom}
	l := newLoader(rec.fetch, time.Hour, time.Hour, 2)
	// Two full batches, fetched at once: a b, then c d.
	_, err := l.LoadAll(context.Background(), []string{"a", "b", "c", "d"})
	if !errors.Is(err, boom) || errs.KindOf(err) != errs.Unavailable || strings.Count(err.Error(), "Neo4j is down") != 1 {
		t.Fatalf("LoadAll error = %v, want boom once, of its kind", err)
	}
	bad := newLoader(func(context.Context, []string) ([]int, []error) { return []int{1}, nil }, time.Hour, time.Hour, 2)
	if _, err := bad.LoadAll(context.Background(), []string{"a", "b"}); err == nil {
		t.Fatal("a batch function answering too few values went unnoticed")
	}
}

// typedSource answers RelationshipsByTypedIDs from rels, recording the
// lookups it was asked.
type typedSource struct {
	Source
	rels  []*domain.Relationship
	asked []map[domain.RelationshipType][]string
}

func (s *typedSource) RelationshipsByTypedIDs(_ context.Context, ids map[domain.RelationshipType][]string) ([]*domain.Relationship, error) {
	s.asked = append(s.asked, ids)
	var out []*domain.Relationship
	for _, r := range s.rels {
		if slices.Contains(ids[r.Type], r.ID) {
			out = append(out, r)
		}
	}
	return out, nil
}

// The typed lookup asks the store once, by type, answers each key in
// order (nil for one of another type, or unknown), and primes what it
// found into the lookup by id.
func TestTypedRelationshipsLookup(t *testing.T) {
	src := &typedSource{rels: []*domain.Relationship{{ID: "r1", Type: domain.Trusts}, {ID: "r2", Type: domain.Threatens}, {ID: "r3", Type: domain.Trusts}}}
	var primed []string
	fetch := typedRelationships(src, func(r *domain.Relationship) { primed = append(primed, r.ID) })
	keys := []TypedID{{domain.Trusts, "r3"}, {domain.Threatens, "r2"}, {domain.Threatens, "r1"}, {domain.Trusts, "r1"}, {domain.Trusts, "r9"}}
	got, errs := fetch(context.Background(), keys)
	if errs != nil {
		t.Fatal(errs)
	}
	var ids []string
	for _, r := range got {
		if r == nil {
			ids = append(ids, "-")
		} else {
			ids = append(ids, r.ID)
		}
	}
	if !slices.Equal(ids, []string{"r3", "r2", "-", "r1", "-"}) {
		t.Errorf("answers %v, want [r3 r2 - r1 -]", ids)
	}
	want := map[domain.RelationshipType][]string{domain.Trusts: {"r3", "r1", "r9"}, domain.Threatens: {"r2", "r1"}}
	if len(src.asked) != 1 || !reflect.DeepEqual(src.asked[0], want) {
		t.Errorf("asked the store %v, want once %v", src.asked, want)
	}
	slices.Sort(primed)
	if !slices.Equal(primed, []string{"r1", "r2", "r3"}) {
		t.Errorf("primed %v, want every relationship found", primed)
	}
}
