package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var introspectionCases = []testCase{
	{"Introspection/Counts", testIntrospectionCounts},
	{"Introspection/PendingAndInFlight", testIntrospectionInFlight},
}

// waitInfo waits until the named subscription's description satisfies ok
// and returns it, failing the case after timeout with the last one seen.
func waitInfo(t *testing.T, in Inspector, name string, ok func(engine.Status) bool) engine.Status {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var info engine.Status
		found := false
		all, err := in.Status(context.Background())
		require.NoError(t, err)
		for _, i := range all {
			if i.Name == name {
				info, found = i, true
			}
		}
		if found && ok(info) {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription %q: not as expected within %v; last seen: %+v", name, timeout, info)
		}
		time.Sleep(time.Millisecond)
	}
}

// testIntrospectionCounts checks the counters of a subscription whose
// handler fails some events for good, some once, and handles the rest.
func testIntrospectionCounts(t *testing.T, h *harness) {
	dead := newLetters()
	b := h.bus(t, Config{DeadLetter: dead.add, Retry: herald.RetryPolicy{
		InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxAttempts: 2,
	}})
	in := inspector(t, b)
	onceFailed := failFirst(1)
	r := newRecorder()
	r.fn = func(ctx context.Context, e herald.Event) error {
		switch e.Data.(int) % 3 {
		case 0:
			return failWithError(ctx, e) // fails twice, dead-lettered
		case 1:
			return onceFailed(ctx, e) // fails once, then delivered
		}
		return nil
	}
	subscribe(t, b, herald.Subscription{Name: "counted", Events: []string{"shop.order.*"},
		Pattern: `{"metadata":{"revision":[{"numeric":["<",1000]}]}}`, Handler: r})
	before := time.Now()
	publish(t, b, newEvents(9, "shop", "order", "placed")...)

	info := waitInfo(t, in, "counted", func(i engine.Status) bool {
		return i.Delivered+i.DeadLettered == 9 && i.Pending == 0 && i.InFlight == 0
	})
	assert.Equal(t, "shop.order.*", info.Events)
	assert.JSONEq(t, `{"metadata":{"revision":[{"numeric":["<",1000]}]}}`, info.Pattern)
	assert.False(t, info.Sync)
	assert.Equal(t, uint64(6), info.Delivered, "delivered")
	assert.Equal(t, uint64(3), info.DeadLettered, "dead-lettered")
	assert.Equal(t, uint64(9), info.Failed, "failed calls: three events twice, three once")
	assert.Equal(t, uint64(6), info.Retried, "retries: one for each of six events")
	require.Error(t, info.LastError)
	assert.ErrorIs(t, info.LastError, errPlanned)
	assert.False(t, info.LastErrorAt.Before(before.Add(-time.Second)), "the last error's time")
	assert.Len(t, dead.waitCount(t, 3), 3)
}

// testIntrospectionInFlight checks that a handler that does not return is
// reported in flight, its queue as pending, and that both drain once it
// returns.
func testIntrospectionInFlight(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	in := inspector(t, b)
	g := newGate(t)
	r := newRecorder()
	r.fn = func(context.Context, herald.Event) error { g.wait(); return nil }
	subscribe(t, b, herald.Subscription{Name: "stuck", Handler: r})
	publish(t, b, newEvents(3, "shop", "order", "placed")...)
	g.waitEntered(t)

	// A bus across processes may update what it counts as queued a moment
	// after the rest: each wait is for every count it checks.
	info := waitInfo(t, in, "stuck", func(i engine.Status) bool { return i.InFlight == 1 && i.Pending == 3 })
	assert.Equal(t, uint64(3), info.Pending, "pending: the one in flight and two queued")
	assert.Zero(t, info.Delivered)
	g.release()
	info = waitInfo(t, in, "stuck", func(i engine.Status) bool { return i.Delivered == 3 && i.Pending == 0 && i.InFlight == 0 })
	assert.Zero(t, info.Pending)
	assert.Zero(t, info.InFlight)
	assert.NoError(t, info.LastError)
}
