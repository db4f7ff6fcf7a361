package store_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actorgraph/actorgraph/domain"
	"github.com/actorgraph/actorgraph/errs"
	"github.com/actorgraph/actorgraph/store"
	"github.com/actorgraph/actorgraph/store/storetest"
)

// cutProxy stands between a store and the test's Neo4j, and can cut the
// line: while it is cut, its connections are closed and new ones are
// closed as soon as they open, as when Neo4j stops. Neo4j itself stays
// up for the other tests.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.Cut(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *cutProxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		_ = c.Close()
		_ = up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		_ = dst.Close()
		_ = src.Close()
	}
	go pipe(up, c)
	pipe(c, up)
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// Cut cuts the line (closing every connection through it), or mends it.
func (p *cutProxy) Cut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

// openThroughCutProxy opens a store (its configuration the tests' as
// adjust changes it) whose line to the tests' Neo4j goes through a
// cutProxy, and logs what it logs.
func openThroughCutProxy(t *testing.T, adjust func(*store.Config)) (*store.Neo4j, *cutProxy, *observer.ObservedLogs) {
	t.Helper()
	cfg := storetest.Config(t)
	u, err := url.Parse(cfg.URI)
	if err != nil || u.Scheme != "bolt" {
		t.Fatalf("NEO4J_URI %q: this test cuts a direct bolt:// connection (dev/test gives one)", cfg.URI)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	cfg.URI = u.String()
	adjust(&cfg)
	core, logs := observer.New(zapcore.InfoLevel)
	st, err := store.Open(cfg, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	return st, proxy, logs
}

// An import cut off from Neo4j half way (its connection gone, so that its
// own undo fails too) answers SERVICE_UNAVAILABLE, not an internal error,
// and leaves its workspace locked against writers, with what it wrote
// visible to readers; its store tries the undo again in the background
// (and says so in its log), and once Neo4j answers again the workspace is
// as it was, without another import or write.
func TestImportCutOffIsUndoneWhenNeo4jAnswersAgain(t *testing.T) {
	t.Parallel()
	direct := storetest.Open(t) // beside the cut line
	st, proxy, logs := openThroughCutProxy(t, func(cfg *store.Config) {
		cfg.TxRetryTime = time.Second // fail fast while the line is cut
		cfg.ImportInOneTx = -1        // the first Apply commits, as a batch
	})

	ws := storetest.Workspace(t, direct)
	a := mustActor(t, direct, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "A", ExternalID: new("a")})
	b := mustActor(t, direct, ws.ID, domain.ActorInput{Kind: domain.KindSecurityForce, Name: "B"})
	mustRel(t, direct, domain.RelationshipInput{Type: domain.Threatens, From: b.ID, To: a.ID, Strength: 0.5})
	before, err := direct.Contents(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}

	err = st.Import(ctx, ws.ID, true, func(ctx context.Context, tx domain.ImportTx) error {
		if err := tx.Apply(ctx, halfAnImport(t, ws.ID, a, b)); err != nil {
			t.Errorf("the first batch, before the cut: %v", err)
			return err
		}
		proxy.Cut(true)
		more, err := domain.NewActor(ws.ID, domain.ActorInput{Kind: domain.KindMovement, Name: "E"})
		if err != nil {
			return err
		}
		more.ID = domain.NewID(domain.PrefixActor)
		return tx.Apply(ctx, &domain.Changes{CreateActors: []*domain.Actor{more}})
	})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("the import cut off from Neo4j answered %v (%s), want SERVICE_UNAVAILABLE", err, errs.KindOf(err).Code())
	}

	// Neo4j is away for this store: the undo has not run.
	if token, err := direct.ImportHolding(ctx, ws.ID); err != nil || token == "" {
		t.Fatalf("the workspace is not held by the cut-off import (%q, %v): was it undone through a cut line?", token, err)
	}
	if half, err := direct.Contents(ctx, ws.ID); err != nil || reflect.DeepEqual(before, half) {
		t.Errorf("readers do not see what the cut-off import wrote (%v)", err)
	}
	if _, err := direct.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "D"}); !errs.Is(err, errs.Conflict) {
		t.Errorf("a write while the import waits for its undo: %v, want CONFLICT", err)
	}
	// The store tries again, and fails while the line is cut.
	for deadline := time.Now().Add(2 * time.Minute); logs.FilterMessage("store: undoing imports that did not finish failed; trying again").Len() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the store does not try the undo again: %v", logs.All())
		}
	}

	proxy.Cut(false)
	untilReleased(t, direct, ws.ID)
	undone(t, direct, ws.ID, before, "the undo of the cut-off import")
	if logs.FilterMessage("store: import undone").Len() != 1 {
		t.Errorf("the store did not log the undo: %v", logs.All())
	}
	if _, err := direct.CreateActor(ctx, ws.ID, domain.ActorInput{Kind: domain.KindCommunity, Name: "D"}); err != nil {
		t.Errorf("a write once the import was undone: %v", err)
	}
}
