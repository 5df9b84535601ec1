// Package bustest is the conformance suite every [herald.Bus] runs.
//
// A bus's test file calls [Run] with a [NewBus] that returns a fresh bus
// configured as the case's [Config] asks (queue size, workers, retry
// policy, dead-letter function); Run calls it once per case, so no case
// sees another's subscriptions or events. The suite closes each bus that
// is a [Closer] when its case ends. It checks what herald.Bus promises,
// for async and for Sync subscriptions:
//
//   - Delivery: every subscription whose filter matches an event gets it,
//     once, and no other does, for names and EventBridge patterns over the
//     envelope; each subscription gets its events in publish order, each
//     publisher's order holds among concurrent publishers, a Sync
//     subscription has its events when Publish returns, and the handler's
//     context carries the event as its cause and is not done while the bus
//     is open.
//   - Order per aggregate: with several workers and publishers, each
//     aggregate's events are handled in revision order, never two at once,
//     and a blocked aggregate does not block others.
//   - Failures: errors and panics are retried as Config.Retry says, then
//     dead-lettered with the attempts and the last error (a
//     [*herald.PanicError] for a panic); a subscription waiting to retry
//     holds up no other, nor Close or Unsubscribe; no panic reaches the
//     publisher.
//   - Subscribe and Unsubscribe: bad names, handlers and patterns are
//     errors matching [herald.ErrInvalid] that name the field and leave no
//     trace; an unknown name is [herald.ErrNotFound]; Unsubscribe waits
//     until the queue is handled.
//   - Backpressure: with small queues and a slow handler every event
//     arrives exactly once; Publish on a full queue returns when its
//     context ends.
//   - Introspection, when the bus is an [Inspector], and Close, when it is a
//     Closer: intake stops at once, Close returns nil once the queues are
//     handled, calls after it match [herald.ErrClosed], and a handler that
//     never returns makes Close return its context's error.
//
// [RunDurable] runs the cases of durable subscriptions over a store and a
// bus. Waits end as soon as what they wait for happens and fail after ten
// seconds; no case measures time. Run the suite with -race.
package bustest
