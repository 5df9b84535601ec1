package bustest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var closeCases = []testCase{
	{"Close/DrainsQueues", testCloseDrains},
	{"Close/RefusesPublishAndSubscribe", testAfterClose},
	{"Close/GivesUpOnBlockedHandler", testCloseBlockedHandler},
	{"Close/CancelsHandlerContext", testCloseCancelsHandlers},
}

// testCloseDrains checks Close stops intake at once, then waits until every
// queued event is handled.
func testCloseDrains(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	c := closer(t, b)
	g := newGate(t)
	slow, other := newRecorder(), newRecorder()
	slow.fn = func(context.Context, herald.Event) error { g.wait(); return nil }
	subscribe(t, b, herald.Subscription{Name: "slow", Events: []string{"shop.order.*"}, Handler: slow})
	subscribe(t, b, herald.Subscription{Name: "other", Events: []string{"shop.order.*"}, Handler: other})
	events := newEvents(100, "shop", "order", "placed")
	publish(t, b, events...)
	g.waitEntered(t)

	done := async(func() error { return c.Close(background(t)) })
	waitIntakeStopped(t, b)
	g.release()
	require.NoError(t, receive(t, done, "Close"))
	assert.Equal(t, ids(events), ids(slow.received()), "handled by the slow subscription when Close returns")
	assert.Equal(t, ids(events), ids(other.received()), "handled by the other subscription when Close returns")
}

// waitIntakeStopped publishes an event no subscription wants until Publish
// fails with herald.ErrClosed, so the case knows Close has begun.
func waitIntakeStopped(t *testing.T, b herald.Bus) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := b.Publish(context.Background(), []herald.Event{newEvent("bustest", "probe", "ignored", 0)})
		if errors.Is(err, herald.ErrClosed) {
			return
		}
		require.NoError(t, err, "publish while Close begins")
		require.True(t, time.Now().Before(deadline), "Close did not stop intake within %v", timeout)
		time.Sleep(time.Millisecond)
	}
}

// testAfterClose checks Publish and Subscribe fail with herald.ErrClosed
// after Close.
func testAfterClose(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	c := closer(t, b)
	r := newRecorder()
	subscribe(t, b, herald.Subscription{Name: "sync", Handler: r, Sync: true})
	require.NoError(t, c.Close(background(t)))
	err := b.Publish(context.Background(), []herald.Event{newEvent("shop", "order", "placed", 0)})
	assert.ErrorIs(t, err, herald.ErrClosed, "publish after close")
	assert.Empty(t, r.received(), "nothing delivered after close")
	err = b.Subscribe(herald.Subscription{Name: "late", Handler: newRecorder()})
	assert.ErrorIs(t, err, herald.ErrClosed, "subscribe after close")
}

// testCloseBlockedHandler checks Close returns when its context ends even
// though a handler never returns.
func testCloseBlockedHandler(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	c := closer(t, b)
	g := newGate(t) // opened only when the case ends
	r := newRecorder()
	r.fn = func(context.Context, herald.Event) error { g.wait(); return nil }
	subscribe(t, b, herald.Subscription{Name: "stuck", Handler: r})
	publish(t, b, newEvents(3, "shop", "order", "placed")...)
	g.waitEntered(t)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := receive(t, async(func() error { return c.Close(ctx) }), "Close with a blocked handler")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// testCloseCancelsHandlers checks that when Close gives up, the context of
// the handler it gave up on ends.
func testCloseCancelsHandlers(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	c := closer(t, b)
	entered, ended := make(chan struct{}), make(chan error, 1)
	r := newRecorder()
	r.fn = func(ctx context.Context, _ herald.Event) error {
		close(entered)
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}
	subscribe(t, b, herald.Subscription{Name: "waits-for-context", Handler: r})
	publish(t, b, newEvent("shop", "order", "placed", 0))
	receive(t, entered, "the handler starts")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := receive(t, async(func() error { return c.Close(ctx) }), "Close with a cancelled context")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Error(t, receive(t, ended, "the handler's context ends"))
}
