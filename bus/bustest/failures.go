package bustest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
)

var failureCases = []testCase{
	{"Failures/HandlerError/Async", func(t *testing.T, h *harness) { testFailingHandler(t, h, false, failWithError) }},
	{"Failures/HandlerError/Sync", func(t *testing.T, h *harness) { testFailingHandler(t, h, true, failWithError) }},
	{"Failures/HandlerPanic/Async", func(t *testing.T, h *harness) { testFailingHandler(t, h, false, failWithPanic) }},
	{"Failures/HandlerPanic/Sync", func(t *testing.T, h *harness) { testFailingHandler(t, h, true, failWithPanic) }},
}

// errPlanned is what failing handlers of the suite return.
var errPlanned = errors.New("bustest: planned failure")

func failWithError(_ context.Context, e herald.Event) error {
	return fmt.Errorf("event %d: %w", e.Data, errPlanned)
}

func failWithPanic(_ context.Context, e herald.Event) error {
	panic(fmt.Sprintf("bustest: planned panic at event %d", e.Data))
}

// testFailingHandler checks that a handler that fails on every event keeps
// being called with the following events, and that the subscriptions
// before and after it get everything.
func testFailingHandler(t *testing.T, h *harness, isSync bool, fail func(context.Context, herald.Event) error) {
	b := h.bus(t, Config{})
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
	assert.Equal(t, want, ids(failing.waitFence(t, "failing")), "the failing handler is called with every event")
	assert.Equal(t, want, ids(before.waitFence(t, "before")), "the subscription before the failing one")
	assert.Equal(t, want, ids(after.waitFence(t, "after")), "the subscription after the failing one")
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
