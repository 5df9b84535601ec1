// Package bustest is the conformance suite every herald.Bus runs.
//
// A bus's test file calls Run with a function that returns a fresh bus,
// configured as the case's Config asks; Run calls it once per case, so no
// case sees another's subscriptions or events:
//
//	func TestConformance(t *testing.T) {
//		bustest.Run(t, func(t *testing.T, cfg bustest.Config) herald.Bus {
//			var opts []membus.Option
//			if cfg.QueueSize > 0 {
//				opts = append(opts, membus.WithQueueSize(cfg.QueueSize))
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
//     once, and no other does (literal segments, "*" per segment, several
//     patterns, no patterns); each subscription gets its events in publish
//     order, and each publisher's order holds among concurrent publishers;
//     a Sync subscription has its events when Publish returns; the
//     handler's context carries the event as its cause (herald.CauseFrom)
//     and is not done while the bus is open.
//   - Failures: a handler that returns an error or panics on every event is
//     still called with the following ones, the subscriptions around it
//     get everything, and no panic reaches the publisher.
//   - Subscribe and Unsubscribe: an empty or taken name, a nil handler and
//     a malformed pattern are errors matching herald.ErrInvalid and leave
//     no trace; Unsubscribe of an unknown name matches herald.ErrNotFound,
//     waits until the subscription's queue is handled, and nothing is
//     delivered to it afterwards.
//   - Backpressure: with queues of four events, many concurrent publishers
//     and a slow handler, every event arrives exactly once (counted by id);
//     Publish on a full queue returns its context's error once the context
//     ends.
//   - Close, when the bus is a Closer: it stops intake at once and returns
//     nil only once the queues are handled; Publish and Subscribe after it
//     match herald.ErrClosed; with a handler that never returns, Close
//     returns its context's error when its context ends, and the handlers'
//     context ends too.
//
// Waits end as soon as what they wait for happens and fail after ten
// seconds; no case measures time. One check waits a little on purpose:
// that Unsubscribe has not returned while its handler is blocked, which
// cannot fail for a correct bus however slow the machine. Run the suite
// with -race.
//
// The suite grows without changing Run: a group of cases lives in a file
// of its own and is listed in the cases variable; what a case needs from
// the bus it asks for through a Config field (the size of the queues now;
// workers or retry limits later), which a NewBus maps to its options and
// may ignore when its bus has no such setting; capabilities that not every
// bus has are optional interfaces found by type assertion, as Closer is.
package bustest
