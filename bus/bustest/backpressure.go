package bustest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var backpressureCases = []testCase{
	{"Backpressure/NoLoss", testNoLoss},
	{"Backpressure/PublishWaitsUntilContextEnds", testPublishWaitsForRoom},
}

// testNoLoss publishes from many goroutines into small queues, one of them
// with a slow handler, and checks every event arrives exactly once.
func testNoLoss(t *testing.T, h *harness) {
	b := h.bus(t, Config{QueueSize: 4})
	slow, fast := newRecorder(), newRecorder()
	slow.fn = func(context.Context, herald.Event) error { runtime.Gosched(); return nil }
	subscribe(t, b, herald.Subscription{Name: "slow", Handler: slow})
	subscribe(t, b, herald.Subscription{Name: "fast", Handler: fast})

	const publishers, perPublisher = 8, 300
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			events := newEvents(perPublisher, "shop", fmt.Sprintf("publisher%d", p), "placed")
			for i, size := 0, 1; i < len(events); i, size = i+size, size%7+1 {
				batch := events[i:min(i+size, len(events))]
				assert.NoError(t, b.Publish(context.Background(), batch))
			}
		}()
	}
	wg.Wait()
	publish(t, b, newFence())
	for name, r := range map[string]*recorder{"slow": slow, "fast": fast} {
		assertExactlyOnce(t, name, r.waitFence(t, name), publishers*perPublisher)
	}
}

// assertExactlyOnce checks events holds n distinct ids, none twice.
func assertExactlyOnce(t *testing.T, name string, events []herald.Event, n int) {
	t.Helper()
	seen := make(map[uuid.UUID]int, len(events))
	for _, e := range events {
		seen[e.ID]++
	}
	assert.Len(t, seen, n, "%s: distinct events received", name)
	for id, count := range seen {
		if count != 1 {
			assert.Failf(t, "delivered more than once", "%s: event %s received %d times", name, id, count)
		}
	}
}

// testPublishWaitsForRoom fills a queue of one behind a blocked handler and
// checks Publish gives up with the context's error.
func testPublishWaitsForRoom(t *testing.T, h *harness) {
	b := h.bus(t, Config{QueueSize: 1})
	g := newGate(t)
	r := newRecorder()
	r.fn = func(context.Context, herald.Event) error { g.wait(); return nil }
	subscribe(t, b, herald.Subscription{Name: "blocked", Handler: r})
	publish(t, b, newEvent("shop", "order", "placed", 0))
	g.waitEntered(t)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	// The first event is with the handler; this one fills the queue, or,
	// on a bus that counts the event being handled, finds it full already.
	err := publishAsync(t, cancelled, b, newEvent("shop", "order", "placed", 1))
	if err != nil {
		require.ErrorIs(t, err, context.Canceled)
	}
	err = publishAsync(t, cancelled, b, newEvent("shop", "order", "placed", 2))
	require.Error(t, err, "publish to a full queue with a cancelled context")
	assert.ErrorIs(t, err, context.Canceled)

	g.release()
	publish(t, b, newFence())
	got := r.waitFence(t, "blocked")
	assert.GreaterOrEqual(t, len(got), 1, "the events queued before are delivered")
}

// publishAsync publishes e on another goroutine and returns the result,
// failing the case if Publish does not return within timeout.
func publishAsync(t *testing.T, ctx context.Context, b herald.Bus, e herald.Event) error {
	t.Helper()
	done := async(func() error { return b.Publish(ctx, []herald.Event{e}) })
	return receive(t, done, "Publish with a cancelled context")
}
