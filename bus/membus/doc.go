// Package membus is an in-memory [herald.Bus]: it hands the events a
// Publisher stored to the subscriptions whose filters match them, inside
// one process. [New] builds a [Bus]; its options say how many workers a
// subscription has ([WithWorkers]), how many events its queue holds
// ([WithQueueSize]), how handlers are retried ([WithRetry]) and where
// events given up on go ([WithDeadLetter]).
//
// A Bus promises, for as long as the process runs:
//
//   - At least once: every event Publish accepted for a subscription is
//     handed to its handler until the handler succeeds or, when every
//     attempt failed or the bus closed first, to the dead-letter function
//     with the attempts made and the last error. Nothing is dropped
//     silently, and nothing survives the process: a consumer that must not
//     miss events across restarts is a durable subscription
//     ([github.com/herald-go/herald/durable]), which reads the store.
//   - Retries: a handler that returns an error or panics (a
//     [*herald.PanicError] with its stack) is called again after a growing
//     wait with jitter: by default after about 100 ms, 200 ms, 400 ms and
//     800 ms, five attempts in all. Sync subscriptions are not retried.
//   - Order per aggregate: the events of one aggregate are handled one at a
//     time in the order they were queued, retries included; with one
//     worker, the default, all of a subscription's events are. A Sync
//     handler runs inside Publish, on each publisher's goroutine.
//   - Backpressure: when a queue is full Publish waits for room, or fails
//     with [ErrQueueFull] on a bus built [WithFailWhenFull]. It never drops
//     an event.
//   - Isolation: a failing handler, its retries and its dead letters are
//     logged ([WithLogger]) and counted ([Bus.Status]) and hold up only the
//     aggregates of its lane. No panic escapes the bus.
//
// Every handler call gets a context carrying the subscription's name as
// the consumer ([github.com/herald-go/herald/driver.ContextWithConsumer])
// and the event as its cause ([herald.ContextWithCause]), derived from a
// bus-wide context that Close cancels when it gives up waiting; it never
// carries values of the publisher's context, a Sync handler's no more than
// an async one's.
//
// The only goroutines a Bus starts are the workers, started by
// [Bus.Subscribe]; a worker ends once its subscription is gone
// ([Bus.Unsubscribe], [Bus.Close]) and it has handled what was queued.
// Calls after Close fail with [herald.ErrClosed].
package membus
