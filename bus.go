package herald

import (
	"context"
	"time"
)

// Bus hands stored events to the subscriptions whose filter matches them.
// Implementations are safe for concurrent use; every one runs the
// conformance suite in bus/bustest.
//
// A bus that has a method Closed() bool lets a Publisher refuse before it
// stores events the bus would not take.
type Bus interface {
	// Publish hands events to every matching subscription. It does not keep
	// events: it copies what it queues. When a subscription's queue is full
	// it blocks until there is room or ctx ends; it never drops an event.
	Publish(ctx context.Context, events []Event) error
	// Subscribe adds a subscription. Its name must be unique on the bus.
	Subscribe(s Subscription) error
	// Unsubscribe removes the named subscription once it has handled what
	// it had queued, or returns ErrNotFound.
	Unsubscribe(ctx context.Context, name string) error
}

// Subscription is a named consumer of events: a filter and a handler.
type Subscription struct {
	// Name identifies the subscription; it must be unique on its bus.
	Name string
	// Events are the full event names it receives, each segment literal or
	// "*" ("communication.message.*"). Empty means every event.
	Events []string
	// Pattern, when not empty, is an event pattern in EventBridge's
	// language ([github.com/herald-go/herald/match.Pattern]) that an event
	// must match as well as Events. A bus compiles both when the
	// subscription is made
	// ([github.com/herald-go/herald/match.NewFilter]); malformed ones are
	// an error then.
	Pattern string
	// Handler handles each event. It runs with a context that carries the
	// event as the cause of whatever it publishes (see ContextWithCause).
	Handler Handler
	// Sync delivers inside Publish, on the publisher's goroutine, instead
	// of from the subscription's own queue.
	Sync bool
}

// SubscriptionInfo describes one subscription of a bus at a moment, as a
// bus's Subscriptions method lists them. Counters are read one by one, so
// they may be a moment apart.
type SubscriptionInfo struct {
	// Name is the subscription's name.
	Name string
	// Events is its name filter, comma-separated ("*.*.*" for every event).
	Events string
	// Pattern is its pattern as compact JSON, "" when it has none.
	Pattern string
	// Sync reports whether it is handled inside Publish.
	Sync bool
	// Workers is how many events it may handle at once (0 for Sync).
	Workers int
	// Delivered counts the events its handler handled without an error.
	Delivered uint64
	// Failed counts the handler calls that returned an error or panicked.
	Failed uint64
	// Retried counts the handler calls that were retries.
	Retried uint64
	// DeadLettered counts the events given up on: handed to the
	// dead-letter function after the last attempt, or never handled
	// because the bus closed first.
	DeadLettered uint64
	// Pending counts the events accepted for it and neither delivered nor
	// dead-lettered yet: queued, or in flight.
	Pending uint64
	// InFlight counts the events a worker has begun to handle and not
	// finished: in a handler call, or waiting for a retry.
	InFlight uint64
	// LastError is the error of the last failed handler call, nil if none
	// failed; LastErrorAt is when it happened.
	LastError   error
	LastErrorAt time.Time
}
