package herald

import (
	"context"
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
	// event as the cause of whatever it publishes ([ContextWithCause]).
	Handler Handler
	// Sync delivers inside Publish, on the publisher's goroutine, instead
	// of from the subscription's own queue.
	Sync bool
}
