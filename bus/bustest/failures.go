package bustest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var failureCases = []testCase{
	{"Failures/HandlerError/Async", func(t *testing.T, h *harness) { testFailingHandler(t, h, false, failWithError) }},
	{"Failures/HandlerError/Sync", func(t *testing.T, h *harness) { testFailingHandler(t, h, true, failWithError) }},
	{"Failures/HandlerPanic/Async", func(t *testing.T, h *harness) { testFailingHandler(t, h, false, failWithPanic) }},
	{"Failures/HandlerPanic/Sync", func(t *testing.T, h *harness) { testFailingHandler(t, h, true, failWithPanic) }},
}

// errPlanned is what failing handlers of the suite return.
var errPlanned = errors.New("bustest: planned failure")

// quickRetry retries twice after a millisecond or two, so that cases about
// failures do not wait long.
var quickRetry = herald.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxAttempts: 3}

func failWithError(_ context.Context, e herald.Event) error {
	if isFence(&e) {
		return nil
	}
	return fmt.Errorf("event %d: %w", e.Data, errPlanned)
}

func failWithPanic(_ context.Context, e herald.Event) error {
	if isFence(&e) {
		return nil
	}
	panic(fmt.Sprintf("bustest: planned panic at event %d", e.Data))
}

// testFailingHandler checks that a handler that fails on every event is
// retried (async) and then gives each event up to the dead-letter function
// with the attempts and the last error, that it keeps being called with
// the following events, and that the subscriptions before and after it
// get everything.
func testFailingHandler(t *testing.T, h *harness, isSync bool, fail func(context.Context, herald.Event) error) {
	dead := newLetters()
	b := h.bus(t, Config{Retry: quickRetry, DeadLetter: dead.add})
	before, failing, after := newRecorder(), newRecorder(), newRecorder()
	failing.fn = fail
	subscribe(t, b, herald.Subscription{Name: "before", Handler: before, Sync: isSync})
	subscribe(t, b, herald.Subscription{Name: "failing", Handler: failing, Sync: isSync})
	subscribe(t, b, herald.Subscription{Name: "after", Handler: after, Sync: isSync})

	events := newEvents(20, "shop", "order", "placed")
	for i := 0; i < len(events); i += 5 {
		publishDespiteFailures(t, b, isSync, events[i:i+5])
	}
	publishDespiteFailures(t, b, isSync, []herald.Event{newFence()})
	want := ids(events)
	calls := ids(failing.waitFence(t, "failing"))
	if isSync {
		// A Sync handler runs inside Publish; whether it is retried there
		// is up to the bus, but it is called with every event in order.
		assert.Equal(t, want, slices.Compact(calls), "the failing handler is called with every event")
	} else {
		assert.Equal(t, repeatEach(want, quickRetry.MaxAttempts), calls,
			"the failing handler is called %d times with every event, in order", quickRetry.MaxAttempts)
	}
	assert.Equal(t, want, ids(before.waitFence(t, "before")), "the subscription before the failing one")
	assert.Equal(t, want, ids(after.waitFence(t, "after")), "the subscription after the failing one")

	letters := dead.waitCount(t, len(events))
	require.Len(t, letters, len(events), "one dead letter per event")
	for i, d := range letters {
		assert.Equal(t, "failing", d.Subscription, "dead letter %d", i)
		assert.Equal(t, events[i].ID, d.Event.ID, "dead letter %d: in order", i)
		if isSync {
			assert.GreaterOrEqual(t, d.Attempts, 1, "dead letter %d: attempts", i)
		} else {
			assert.Equal(t, quickRetry.MaxAttempts, d.Attempts, "dead letter %d: attempts", i)
		}
		var perr *herald.PanicError
		if errors.As(d.Err, &perr) {
			assert.Contains(t, d.Err.Error(), fmt.Sprintf("planned panic at event %d", i), "the panic's message")
			assert.Contains(t, string(perr.Stack), "goroutine", "the panic's stack")
		} else {
			assert.ErrorIs(t, d.Err, errPlanned, "dead letter %d: the handler's error", i)
		}
	}
}

// repeatEach returns each id of ids n times, in order.
func repeatEach(ids []uuid.UUID, n int) []uuid.UUID {
	var out []uuid.UUID
	for _, id := range ids {
		for range n {
			out = append(out, id)
		}
	}
	return out
}

// publishDespiteFailures publishes events to a bus with failing handlers.
// No panic may escape; an async handler's failure is not the publisher's,
// while what Publish returns for a failed Sync handler is up to the bus.
func publishDespiteFailures(t *testing.T, b herald.Bus, isSync bool, events []herald.Event) {
	t.Helper()
	var err error
	assert.NotPanics(t, func() { err = b.Publish(context.Background(), events) }, "publish")
	if !isSync {
		assert.NoError(t, err, "publish")
	}
}
