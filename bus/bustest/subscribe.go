package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var subscribeCases = []testCase{
	{"Subscribe/Invalid", testInvalidSubscriptions},
	{"Subscribe/DuplicateName", testDuplicateName},
	{"Unsubscribe/Unknown", testUnsubscribeUnknown},
	{"Unsubscribe/DrainsQueue", testUnsubscribeDrains},
	{"Unsubscribe/StopsDelivery", testUnsubscribeStops},
}

// testInvalidSubscriptions checks that bad subscriptions are refused with
// herald.ErrInvalid and leave no trace: their names stay free.
func testInvalidSubscriptions(t *testing.T, h *harness) {
	ok := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	invalid := []struct {
		name string
		sub  herald.Subscription
	}{
		{"empty name", herald.Subscription{Name: "", Handler: ok}},
		{"nil handler", herald.Subscription{Name: "nil-handler"}},
		{"two segments", herald.Subscription{Name: "two-segments", Events: []string{"shop.order"}, Handler: ok}},
		{"four segments", herald.Subscription{Name: "four-segments", Events: []string{"shop.order.placed.now"}, Handler: ok}},
		{"empty segment", herald.Subscription{Name: "empty-segment", Events: []string{"shop..placed"}, Handler: ok}},
		{"empty pattern", herald.Subscription{Name: "empty-pattern", Events: []string{""}, Handler: ok}},
		{"partial wildcard", herald.Subscription{Name: "partial-wildcard", Events: []string{"shop.ord*.placed"}, Handler: ok}},
		{"one bad of two", herald.Subscription{Name: "one-bad", Events: []string{"shop.order.placed", "shop.order"}, Handler: ok}},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			b := h.bus(t, Config{})
			err := b.Subscribe(c.sub)
			require.Error(t, err)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			if c.sub.Name == "" {
				return
			}
			assert.NoError(t, b.Subscribe(herald.Subscription{Name: c.sub.Name, Handler: ok}),
				"the name of a refused subscription is free")
		})
	}
}

// testDuplicateName checks that a second subscription with a taken name is
// refused and the first one keeps receiving.
func testDuplicateName(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	first, second := newRecorder(), newRecorder()
	subscribe(t, b, herald.Subscription{Name: "orders", Handler: first, Sync: true})
	err := b.Subscribe(herald.Subscription{Name: "orders", Handler: second, Sync: true})
	require.Error(t, err, "a second subscription named orders")
	assert.ErrorIs(t, err, herald.ErrInvalid)
	err = b.Subscribe(herald.Subscription{Name: "orders", Handler: second})
	require.Error(t, err, "a second, async subscription named orders")
	assert.ErrorIs(t, err, herald.ErrInvalid)

	events := newEvents(2, "shop", "order", "placed")
	publish(t, b, events...)
	assert.Equal(t, ids(events), ids(first.received()), "the first subscription receives")
	assert.Empty(t, second.received(), "the refused subscription receives nothing")
}

// testUnsubscribeUnknown checks Unsubscribe of a name never subscribed, or
// already removed, is herald.ErrNotFound.
func testUnsubscribeUnknown(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	assert.ErrorIs(t, b.Unsubscribe(background(t), "nobody"), herald.ErrNotFound)
	subscribe(t, b, herald.Subscription{Name: "once", Handler: newRecorder()})
	require.NoError(t, b.Unsubscribe(background(t), "once"))
	assert.ErrorIs(t, b.Unsubscribe(background(t), "once"), herald.ErrNotFound)
}

// notYet is how long testUnsubscribeDrains lets Unsubscribe run before it
// checks that it is still waiting. A correct bus never fails that check,
// whatever the machine's speed; it only catches a bus that does not wait.
const notYet = 50 * time.Millisecond

// testUnsubscribeDrains checks Unsubscribe waits until what was queued for
// the subscription is handled.
func testUnsubscribeDrains(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	g := newGate(t)
	r := newRecorder()
	r.fn = func(context.Context, herald.Event) error { g.wait(); return nil }
	subscribe(t, b, herald.Subscription{Name: "slow", Handler: r})
	events := newEvents(10, "shop", "order", "placed")
	publish(t, b, events...)
	g.waitEntered(t)

	done := async(func() error { return b.Unsubscribe(background(t), "slow") })
	select {
	case err := <-done:
		t.Fatalf("Unsubscribe returned (%v) while its handler was blocked", err)
	case <-time.After(notYet):
	}
	g.release()
	require.NoError(t, receive(t, done, "Unsubscribe"))
	assert.Equal(t, ids(events), ids(r.received()), "handled when Unsubscribe returns")
	subscribe(t, b, herald.Subscription{Name: "slow", Handler: newRecorder()})
}

// testUnsubscribeStops checks nothing is delivered after Unsubscribe.
func testUnsubscribeStops(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	gone, stays := newRecorder(), newRecorder()
	subscribe(t, b, herald.Subscription{Name: "gone", Handler: gone, Sync: true})
	subscribe(t, b, herald.Subscription{Name: "stays", Handler: stays, Sync: true})
	first := newEvent("shop", "order", "placed", 0)
	publish(t, b, first)
	require.NoError(t, b.Unsubscribe(background(t), "gone"))
	second := newEvent("shop", "order", "placed", 1)
	publish(t, b, second)
	assert.Equal(t, ids([]herald.Event{first}), ids(gone.received()), "the removed subscription")
	assert.Equal(t, ids([]herald.Event{first, second}), ids(stays.received()), "the other subscription")
}
