// Package membus is an in-memory herald.Bus: it hands the events a
// Publisher stored to the subscriptions whose filters match them, inside
// one process.
//
// # Delivery
//
// Each async subscription has a bounded queue and a worker goroutine of
// its own. Publish appends copies of the matching events to each queue in
// order; the worker takes everything queued at once, swapping the queue's
// buffer for its spare one under the queue's mutex, and calls the handler
// for each event in turn. The worker is woken only when its queue goes
// from empty to not empty, so the cost of locking and waking is paid per
// batch, not per event: dispatch allocates nothing per event except the
// handler's context. A Sync subscription has neither queue nor worker: its
// handler runs inside Publish, on the publisher's goroutine.
//
// A Bus guarantees, for as long as the process runs:
//
//   - At least once: every event Publish accepted for a subscription is
//     handed to its handler, or, if the handler fails or Close gives up on
//     it, to the dead-letter function. Nothing is dropped silently.
//     Nothing survives the process either; a subscription that must not
//     miss events across restarts reads the store.
//   - Order per subscription: a subscription's handler gets its events in
//     the order they were queued: one publisher's events in the order it
//     published them, the events of concurrent publishers interleaved.
//     An async handler is never called concurrently with itself; a Sync
//     handler runs on every publisher's goroutine, so concurrently when
//     they publish concurrently.
//   - Backpressure: a queue holds at most its size (WithQueueSize) of
//     events waiting for the worker; the worker holds the batch it took
//     besides, so up to twice the size may be in memory. When a queue is
//     full, Publish waits for room, or fails with ErrQueueFull on a bus
//     built WithFailWhenFull. It never drops an event.
//   - Isolation: a handler that returns an error or panics is logged (see
//     WithLogger), counted (see Bus.Subscriptions) and its event handed to
//     the dead-letter function (see WithDeadLetter); the following events
//     and the other subscriptions go on. No panic escapes the bus. membus
//     does not retry yet: a failed event has had one attempt.
//
// Every handler call gets a context derived from one bus-wide context
// that Close cancels when it gives up waiting, carrying the event as its
// cause (herald.WithCause), so the events a handler publishes carry the
// causation and correlation ids along. The context holds its own copy of
// the event, so a handler may keep it after it returns. The handler does
// not get the publisher's context: a Sync handler and an async one see the
// same kind of context, and values of the publisher's context (a user, a
// transaction) do not leak into handlers.
//
// # Goroutines and closing
//
// The only goroutines a Bus starts are the workers, one per async
// subscription, started by Subscribe. A worker ends when its queue is
// closed and empty: after Unsubscribe or Close, once it has handled what
// was queued. Close stops intake at once and waits for every worker; if
// its context ends first, it cancels the handlers' context, hands what is
// still queued to the dead-letter function rather than the handlers, and
// returns without waiting for a handler that does not return (its worker
// ends when the handler does). Calls after Close fail with herald.ErrClosed,
// a second Close included.
//
// # Choices where herald.Bus is silent
//
//   - Subscriptions get events in the order they were added; Publish
//     queues for one subscription after the other.
//   - The queue size bounds the events waiting, not the batch the worker
//     is handling. A batch larger than the free room is queued in parts,
//     so a concurrent publisher's events may come between the parts.
//   - Publish consults its context only while it waits for room. When the
//     context ends, what was queued stays queued and is delivered.
//   - A failing Sync handler is not the publisher's failure: Publish
//     returns nil and the failure goes where an async one goes.
//   - WithFailWhenFull refuses per subscription: one whose queue lacks
//     room for all of its events of the batch gets none, the others get
//     theirs, and the error names each full one.
//   - Unsubscribe whose context ends returns the context's error, but the
//     subscription is removed all the same and its worker finishes the
//     queue in the background. The name can be taken again at once.
//   - An async handler that publishes to its own bus waits, like any
//     publisher, when a queue is full; if that queue is its own, it waits
//     for itself. Give such a subscription room (WithQueueSize), or build
//     the bus WithFailWhenFull.
package membus
