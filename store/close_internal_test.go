package store

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestCloseWaitsForTheStoresOwnGoroutines: the plans warmed again after an
// outage run in a goroutine of the store's own, which Close waits for
// before it closes the driver's pool (closing it under a statement being
// sent is a data race in the driver), and none starts after Close began.
func TestCloseWaitsForTheStoresOwnGoroutines(t *testing.T) {
	s, err := Open(Config{URI: "bolt://127.0.0.1:1"}, nil) // Open does not connect
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var finished atomic.Bool
	s.goInBackground(func() {
		close(started)
		<-s.life.Done() // as WarmPlans' statements end with the store's life
		time.Sleep(50 * time.Millisecond)
		finished.Store(true)
	})
	<-started
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Close returned while the store's own goroutine was still running")
	}
	var ranAfter atomic.Bool
	s.goInBackground(func() { ranAfter.Store(true) })
	s.background.Wait()
	if ranAfter.Load() {
		t.Fatal("a goroutine started after Close")
	}
}
