package driver

import (
	"context"
	"iter"

	"github.com/herald-go/herald"
)

// Outbox is the optional capability of a [herald.Store] to remember which
// of the events a [herald.Publisher] stored it has not yet handed to its
// bus, so that they are delivered after a crash between the two
// ([herald.Publisher.Redeliver]): at least once, never less. A Publisher
// with a bus uses it when its store has it. Implementations are safe for
// concurrent use.
type Outbox interface {
	// AppendUndelivered is Append that also records the events, in the
	// same atomic write, as not yet delivered.
	AppendUndelivered(ctx context.Context, events []herald.Event) error
	// MarkDelivered records that the bus has events, as they were stored
	// (with their positions). The record may become durable after the
	// call returns: after a crash an event marked delivered may be
	// yielded by Undelivered again, but never is an event not yet
	// delivered left out.
	MarkDelivered(ctx context.Context, events []herald.Event) error
	// Undelivered yields the events recorded as not yet delivered and not
	// marked delivered since, in position order. It does not hold the
	// store while it yields: the loop may deliver and mark what it gets.
	Undelivered(ctx context.Context) iter.Seq2[herald.Event, error]
}
