package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var retryCases = []testCase{
	{"Retry/RecoversInAggregateOrder", testRetryRecovers},
	{"Retry/DoesNotSlowOtherSubscriptions", testRetryIsolated},
	{"Retry/StopsPromptlyOnClose", testRetryStopsOnClose},
	{"Retry/StopsPromptlyOnUnsubscribe", testRetryStopsOnUnsubscribe},
}

// slowRetry waits an hour before a retry: only closing or unsubscribing
// ends the wait within a case.
var slowRetry = herald.RetryPolicy{InitialInterval: time.Hour, MaxInterval: time.Hour, MaxAttempts: 3}

// failFirst returns a handler function that fails the first n calls with
// each event and then succeeds.
func failFirst(n int) func(context.Context, herald.Event) error {
	var mu sync.Mutex
	calls := make(map[uuid.UUID]int)
	return func(_ context.Context, e herald.Event) error {
		mu.Lock()
		defer mu.Unlock()
		calls[e.ID]++
		if calls[e.ID] <= n && !isFence(&e) {
			return fmt.Errorf("call %d of event %d: %w", calls[e.ID], e.Data, errPlanned)
		}
		return nil
	}
}

// testRetryRecovers checks that a handler failing twice per event gets
// each event a third time and handles it, with nothing dead-lettered, and
// that the retries keep the events of each aggregate in order while two
// workers run.
func testRetryRecovers(t *testing.T, h *harness) {
	dead := newLetters()
	b := h.bus(t, Config{Workers: 2, Retry: herald.RetryPolicy{
		InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxAttempts: 5,
	}, DeadLetter: dead.add})
	r := newRecorder()
	r.fn = failFirst(2)
	subscribe(t, b, herald.Subscription{Name: "flaky", Handler: r})

	const aggregates, perAggregate = 6, 8
	streams := make([][]herald.Event, aggregates)
	for a := range streams {
		streams[a] = aggregateEvents(perAggregate, "shop", "order", "placed")
	}
	for i := range perAggregate {
		batch := make([]herald.Event, 0, aggregates)
		for a := range streams {
			batch = append(batch, streams[a][i])
		}
		publish(t, b, batch...)
	}
	got := r.waitCount(t, "flaky", 3*aggregates*perAggregate)
	assert.Empty(t, dead.received(), "nothing dead-lettered")
	for a, stream := range streams {
		assert.Equal(t, repeatEach(ids(stream), 3), ids(ofAggregate(got, stream[0].Aggregate)),
			"aggregate %d: each event three times, in order", a)
	}
}

// testRetryIsolated checks that a subscription waiting to retry does not
// hold up another one.
func testRetryIsolated(t *testing.T, h *harness) {
	b := h.bus(t, Config{Retry: slowRetry})
	failing, other := newRecorder(), newRecorder()
	failing.fn = failWithError
	subscribe(t, b, herald.Subscription{Name: "failing", Handler: failing})
	subscribe(t, b, herald.Subscription{Name: "other", Handler: other})
	events := newEvents(100, "shop", "order", "placed")
	publish(t, b, events...)
	publish(t, b, newFence())
	assert.Equal(t, ids(events), ids(other.waitFence(t, "other")),
		"the other subscription gets everything while the failing one waits to retry")
	assert.Equal(t, ids(events[:1]), ids(failing.waitCount(t, "failing", 1)), "the failing one waits after its first attempt")
}

// testRetryStopsOnClose checks Close does not wait for retries: the event
// waiting for one is dead-lettered with its attempts, and the queued ones
// get one attempt each.
func testRetryStopsOnClose(t *testing.T, h *harness) {
	dead := newLetters()
	b := h.bus(t, Config{Retry: slowRetry, DeadLetter: dead.add})
	c := closer(t, b)
	failing := newRecorder()
	failing.fn = failWithError
	subscribe(t, b, herald.Subscription{Name: "failing", Handler: failing})
	events := newEvents(5, "shop", "order", "placed")
	publish(t, b, events...)
	failing.waitCount(t, "failing", 1)

	require.NoError(t, c.Close(background(t)), "Close returns once the queue is handled, without waiting an hour")
	letters := dead.received()
	require.Len(t, letters, len(events), "every event is dead-lettered")
	for i, d := range letters {
		assert.Equal(t, events[i].ID, d.Event.ID, "dead letter %d", i)
		assert.Equal(t, 1, d.Attempts, "dead letter %d: one attempt", i)
		assert.ErrorIs(t, d.Err, errPlanned, "dead letter %d: the last error", i)
	}
	assert.Equal(t, ids(events), ids(failing.received()), "one attempt each")
}

// testRetryStopsOnUnsubscribe checks Unsubscribe does not wait for retries
// either.
func testRetryStopsOnUnsubscribe(t *testing.T, h *harness) {
	dead := newLetters()
	b := h.bus(t, Config{Retry: slowRetry, DeadLetter: dead.add})
	failing := newRecorder()
	failing.fn = failWithError
	subscribe(t, b, herald.Subscription{Name: "failing", Handler: failing})
	events := newEvents(3, "shop", "order", "placed")
	publish(t, b, events...)
	failing.waitCount(t, "failing", 1)

	require.NoError(t, b.Unsubscribe(background(t), "failing"), "Unsubscribe returns without waiting an hour")
	letters := dead.received()
	require.Len(t, letters, len(events), "every event is dead-lettered")
	for i, d := range letters {
		assert.Equal(t, events[i].ID, d.Event.ID, "dead letter %d", i)
		assert.Equal(t, 1, d.Attempts, "dead letter %d: one attempt", i)
	}
}

// aggregateEvents returns n events of one new aggregate with revisions and
// data 1..n.
func aggregateEvents(n int, context, aggregate, name string) []herald.Event {
	ref := herald.AggregateRef{Context: context, Name: aggregate, ID: uuid.New()}
	events := make([]herald.Event, n)
	for i := range events {
		events[i] = newEvent(context, aggregate, name, i+1)
		events[i].Aggregate = ref
		events[i].Metadata.Revision = uint64(i + 1)
	}
	return events
}

// ofAggregate returns the events of ref among events, in order.
func ofAggregate(events []herald.Event, ref herald.AggregateRef) []herald.Event {
	var out []herald.Event
	for _, e := range events {
		if e.Aggregate == ref {
			out = append(out, e)
		}
	}
	return out
}
