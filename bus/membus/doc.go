// Package membus is an in-memory herald.Bus: it hands the events a
// Publisher stored to the subscriptions whose filters match them, inside
// one process.
//
// # Delivery
//
// Each async subscription has one worker goroutine per lane (one lane by
// default, WithWorkers for more), and each lane a bounded queue. Publish
// matches every event once against the subscription's filter (names and
// pattern, see match.Filter) and appends a copy to the lane of its
// aggregate, holding the lanes' mutexes for the whole batch. A worker takes
// everything its lane queued at once, swapping the lane's buffer for its
// spare one, and calls the handler for each event in turn. It is woken only
// when its lane goes from empty to not empty, so the cost of locking and
// waking is paid per batch, not per event; the handlers' contexts are
// made 128 at a time (driver.CauseContexts), so dispatch allocates nothing
// per event. A Sync subscription has neither
// lanes nor workers: its handler runs inside Publish, on the publisher's
// goroutine.
//
// A Bus guarantees, for as long as the process runs:
//
//   - At least once: every event Publish accepted for a subscription is
//     handed to its handler until the handler succeeds, or, if it fails on
//     every attempt or the bus closes first, to the dead-letter function
//     (WithDeadLetter) with the attempts made and the last error. Nothing
//     is dropped silently. Nothing survives the process either; a
//     subscription that must not miss events across restarts is a
//     herald.Durable, which reads the store.
//   - Retries: a handler that returns an error or panics (the panic
//     becomes a *herald.PanicError with its stack) is called again after a
//     wait that grows exponentially with jitter (backoff/v4), as
//     WithRetry says: by default after about 100 ms, 200 ms, 400 ms and
//     800 ms, five attempts in all. While it waits, its lane waits, so the
//     aggregate's order holds; the other lanes and subscriptions go on.
//   - Order per aggregate: the events of one aggregate (by aggregate id)
//     always go to the same lane, so its handler gets them one at a time in
//     the order they were queued, retries included; the events of
//     different aggregates run in parallel on different lanes. With one
//     worker, the default, a subscription gets all its events in the order
//     they were queued: one publisher's events in the order it published
//     them, the events of concurrent publishers interleaved. A Sync
//     handler runs on every publisher's goroutine, so concurrently when
//     they publish concurrently.
//   - Backpressure: a subscription's queue holds at most its size
//     (WithQueueSize) of events waiting for its workers, split evenly among
//     its lanes; each worker holds the batch it took besides, so up to
//     twice the size may be in memory. When a lane is full, Publish waits
//     for room, or fails with ErrQueueFull on a bus built
//     WithFailWhenFull. It never drops an event.
//   - Isolation: a failing handler, its retries and its dead letters are
//     logged (WithLogger) and counted (Bus.Subscriptions); they hold up
//     only the lane they happen on. No panic escapes the bus.
//
// Every handler call gets a context derived from one bus-wide context that
// Close cancels when it gives up waiting, carrying the subscription's name
// as the consumer (driver.ContextWithConsumer) and the event as its cause
// (herald.ContextWithCause), so the events a handler publishes carry the
// causation and correlation ids and the cause's user along, and a
// repository tells the commands of two subscriptions apart; it keeps the
// ids by value, so it stays good after the handler returns. The handler
// does not get the publisher's context: a Sync handler and an async one
// see the same kind of context, and values of the publisher's context (a
// user, a transaction) do not leak into handlers.
//
// Bus.Subscriptions lists every subscription with its filter, workers, and
// the counts of events delivered, failed handler calls, retries, events
// dead-lettered, pending (queued or in flight) and in flight (in a handler
// call or waiting to be retried), and its last error with the time. A
// handler that never returns shows as in flight.
//
// # Goroutines and closing
//
// The only goroutines a Bus starts are the workers, started by Subscribe.
// A worker ends when its lane is closed and empty: after Unsubscribe or
// Close, once it has handled what was queued. Close stops intake at once
// and waits for every worker; if its context ends first, it cancels the
// handlers' context, hands what is still queued to the dead-letter
// function rather than the handlers, and returns without waiting for a
// handler that does not return (its worker ends when the handler does).
// Calls after Close fail with herald.ErrClosed, a second Close included.
//
// # Choices where herald.Bus is silent
//
//   - Close and Unsubscribe stop retries at once: an event waiting to be
//     retried goes to the dead-letter function with the attempts it had,
//     and the events still queued get one attempt each, so closing never
//     waits for a backoff.
//   - Sync subscriptions are not retried: a retry would hold up the
//     publisher and every subscription after it. A failed Sync delivery
//     goes to the dead-letter function after its one attempt, and Publish
//     returns nil.
//   - Lanes are chosen by a hash of the aggregate id alone; two aggregates
//     of different contexts with one id share a lane. The queue size is
//     split among lanes, at least one event each, so an aggregate that
//     publishes much fills its lane before the subscription's whole size.
//   - Subscriptions get events in the order they were added; Publish
//     queues for one subscription after the other.
//   - The queue size bounds the events waiting, not the batch a worker is
//     handling. A batch larger than the free room is queued in parts, so a
//     concurrent publisher's events may come between the parts.
//   - Publish consults its context only while it waits for room. When the
//     context ends, what was queued stays queued and is delivered.
//   - WithFailWhenFull refuses per subscription: one with a lane that
//     lacks room for its share of the batch gets none of it, the others
//     get theirs, and the error names each full one.
//   - Unsubscribe whose context ends returns the context's error, but the
//     subscription is removed all the same and its workers finish the
//     queue in the background. The name can be taken again at once.
//   - An async handler that publishes to its own bus waits, like any
//     publisher, when a queue is full; if that queue is its own, it waits
//     for itself. Give such a subscription room (WithQueueSize), or build
//     the bus WithFailWhenFull.
package membus
