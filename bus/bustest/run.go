package bustest

import (
	"context"
	"errors"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/stretchr/testify/require"
)

// Design notes
//
// What the cases check, in detail:
//
//   - Delivery: every subscription whose filter matches an event gets it,
//     once, and no other does: names (literal segments, "*" per segment,
//     several patterns, none) and EventBridge patterns over the envelope
//     (exact values, prefix, suffix, equals-ignore-case, anything-but,
//     numeric, exists, wildcard, $or, on envelope fields, labels and
//     payloads held as maps, JSON or structs); each subscription gets its
//     events in publish order, and each publisher's order holds among
//     concurrent publishers; a Sync subscription has its events when
//     Publish returns; the handler's context carries the event as its
//     cause (driver.CauseFrom) and is not done while the bus is open.
//   - Order per aggregate: with four workers and four concurrent
//     publishers, each aggregate's events are handled in revision order,
//     never two at once; while one aggregate's handler is blocked, other
//     aggregates' events are handled.
//   - Failures and retries: a handler that returns an error or panics is
//     retried (async) as Config.Retry says, then its event goes to the
//     dead-letter function with the subscription, the attempts and the last
//     error (a *herald.PanicError with the stack for a panic); it keeps
//     being called with the following events; a handler that fails twice
//     then succeeds gets each event three times, in aggregate order, and
//     nothing is dead-lettered; a subscription waiting an hour to retry
//     does not hold up another, and Close and Unsubscribe do not wait for
//     it. No panic reaches the publisher.
//   - Subscribe and Unsubscribe: an empty or taken name, a nil handler, a
//     malformed name and a malformed pattern (unknown operator, wrong
//     operand type, empty $or, a field outside the envelope, ...) are
//     errors matching herald.ErrInvalid that name the field, and leave no
//     trace; Unsubscribe of an unknown name matches herald.ErrNotFound,
//     waits until the subscription's queue is handled, and nothing is
//     delivered to it afterwards.
//   - Backpressure: with queues of four events, many concurrent publishers
//     and a slow handler, every event arrives exactly once (counted by id);
//     Publish on a full queue returns its context's error once the context
//     ends.
//   - Introspection, when the bus is an Inspector: delivered, failed,
//     retried, dead-lettered, pending and in-flight counts, the filter and
//     the last error with its time; a blocked handler shows in flight.
//   - Close, when the bus is a Closer: it stops intake at once and returns
//     nil only once the queues are handled; Publish and Subscribe after it
//     match herald.ErrClosed; with a handler that never returns, Close
//     returns its context's error when its context ends, and the handlers'
//     context ends too.
//
// One check waits a little on purpose: that Unsubscribe has not returned
// while its handler is blocked, which cannot fail for a correct bus however
// slow the machine.
//
// The suite grows without changing Run: a group of cases lives in a file
// of its own and is listed in the cases variable; what a case needs from
// the bus it asks for through a Config field, which a NewBus maps to its
// options; capabilities that not every bus has are optional interfaces
// found by type assertion, as Closer and Inspector are.

// Config is what a case asks of the bus it gets. Its zero value asks for
// the bus's defaults; a NewBus maps each field to its bus's setting.
type Config struct {
	// QueueSize, when not 0, bounds each subscription's queue to that many
	// events, as membus.WithQueueSize does. Cases that test backpressure
	// ask for a small one.
	QueueSize int
	// Workers, when not 0, is how many events of different aggregates an
	// async subscription may handle at once, as membus.WithWorkers says.
	// Cases about order per aggregate ask for several.
	Workers int
	// Retry is how failed handler calls are retried, as membus.WithRetry
	// says; its zero value asks for the bus's defaults. Cases about
	// failures ask for short waits and few attempts, or for waits long
	// enough that only closing ends them.
	Retry herald.RetryPolicy
	// DeadLetter, when not nil, gets every event a subscription gave up
	// on, as membus.WithDeadLetter says.
	DeadLetter func(ctx context.Context, d herald.DeadLetter)
}

// NewBus returns a fresh bus without subscriptions, configured as cfg asks.
// Run calls it once per case. The suite closes the bus at the end of the
// case when it is a Closer, so NewBus need not.
type NewBus func(t *testing.T, cfg Config) herald.Bus

// Closer is the optional capability of a bus to stop intake and drain its
// queues, with the semantics of membus.Bus.Close: calls after it return
// herald.ErrClosed, it waits for queued events to be handled, and it stops
// waiting when ctx ends. The cases about closing are skipped for a bus that
// is not a Closer.
type Closer interface {
	Close(ctx context.Context) error
}

// Inspector is the optional capability of a bus to describe its
// subscriptions, as membus.Bus.Status does. The cases about
// introspection are skipped for a bus that is not an Inspector.
type Inspector interface {
	Status(ctx context.Context) ([]engine.Status, error)
}

// Run runs every case of the suite as a subtest of t, each on a bus of its
// own from newBus, such as:
//
//	bustest.Run(t, func(t *testing.T, cfg bustest.Config) herald.Bus {
//		b, err := membus.New(membus.WithRetry(cfg.Retry), …)
//		require.NoError(t, err)
//		return b
//	})
func Run(t *testing.T, newBus NewBus) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, &harness{newBus: newBus})
		})
	}
}

// testCase is one case of the suite. Groups of cases live in their own
// files and are listed in cases.
type testCase struct {
	name string
	run  func(t *testing.T, h *harness)
}

// cases lists every case in the order Run runs them.
var cases = concat(
	deliveryCases,
	patternCases,
	orderCases,
	failureCases,
	retryCases,
	introspectionCases,
	subscribeCases,
	backpressureCases,
	closeCases,
)

func concat(groups ...[]testCase) []testCase {
	var all []testCase
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// harness hands a case its bus.
type harness struct {
	newBus NewBus
}

// bus returns a fresh bus configured as cfg asks and closes it when the
// case ends.
func (h *harness) bus(t *testing.T, cfg Config) herald.Bus {
	t.Helper()
	b := h.newBus(t, cfg)
	require.NotNil(t, b, "newBus returned nil")
	if c, ok := b.(Closer); ok {
		t.Cleanup(func() { closeAtEnd(t, c) })
	}
	return b
}

// closeAtEnd closes a bus after its case, tolerating a case that closed it
// already.
func closeAtEnd(t *testing.T, c Closer) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := c.Close(ctx); err != nil && !errors.Is(err, herald.ErrClosed) {
		t.Errorf("closing the bus after the case: %v", err)
	}
}

// inspector returns b as an Inspector, or skips the case.
func inspector(t *testing.T, b herald.Bus) Inspector {
	t.Helper()
	i, ok := b.(Inspector)
	if !ok {
		t.Skipf("%T has no Status(ctx) ([]engine.Status, error) method", b)
	}
	return i
}

// closer returns b as a Closer, or skips the case.
func closer(t *testing.T, b herald.Bus) Closer {
	t.Helper()
	c, ok := b.(Closer)
	if !ok {
		t.Skipf("%T has no Close(context.Context) error method", b)
	}
	return c
}
