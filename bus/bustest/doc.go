// Package bustest is the conformance suite every herald.Bus runs.
//
// A bus's test file calls Run with a function that returns a fresh bus,
// configured as the case's Config asks; Run calls it once per case, so no
// case sees another's subscriptions or events:
//
//	func TestConformance(t *testing.T) {
//		bustest.Run(t, func(t *testing.T, cfg bustest.Config) herald.Bus {
//			opts := []membus.Option{membus.WithRetry(cfg.Retry), membus.WithDeadLetter(cfg.DeadLetter)}
//			if cfg.QueueSize > 0 {
//				opts = append(opts, membus.WithQueueSize(cfg.QueueSize))
//			}
//			if cfg.Workers > 0 {
//				opts = append(opts, membus.WithWorkers(cfg.Workers))
//			}
//			b, err := membus.New(opts...)
//			require.NoError(t, err)
//			return b
//		})
//	}
//
// The suite closes each bus that is a Closer when its case ends. It checks
// what herald.Bus promises, for async and for Sync subscriptions:
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
// RunDurable checks [durable.Subscription] over a store from the same kind
// of constructor storetest.Run takes and a bus from a NewBus: catch-up then
// live without a gap or a duplicate, restarts from the checkpoint, filters,
// retries and dead letters kept, replayed, discarded and parked per
// aggregate, events stored without the bus, bad configurations and the end
// of Run.
//
// Waits end as soon as what they wait for happens and fail after ten
// seconds; no case measures time. One check waits a little on purpose:
// that Unsubscribe has not returned while its handler is blocked, which
// cannot fail for a correct bus however slow the machine. Run the suite
// with -race.
//
// The suite grows without changing Run: a group of cases lives in a file
// of its own and is listed in the cases variable; what a case needs from
// the bus it asks for through a Config field (queue size, workers, retry
// policy, dead-letter function), which a NewBus maps to its options;
// capabilities that not every bus has are optional interfaces found by
// type assertion, as Closer and Inspector are.
package bustest
