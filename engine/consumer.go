package engine

import (
	"context"

	"github.com/herald-go/herald"
)

// Consumer is what the engine drives: a durable subscription, a
// projection, a flow. The engine calls it from one goroutine at a time,
// except Wants.
type Consumer interface {
	// Start loads the checkpoint, and reports whether what the consumer
	// built must be rebuilt first.
	Start(ctx context.Context) (position uint64, rebuild bool, err error)
	// Wants reports whether e is for the consumer. It may be called on
	// another goroutine than the rest, and must not change anything.
	Wants(e *herald.Event) bool
	// Apply handles events, all wanted and in position order, and moves
	// the checkpoint to upTo, at least the last event's position (upTo may
	// be below the checkpoint when a dead letter is replayed: the
	// checkpoint then stays). It returns how many events took effect with
	// the checkpoint covering them: all with a nil error; with an error,
	// the events before the one that failed, or none. A handler's failure
	// on events[i] is a [*HandlerError] with Index i. Apply with no events
	// only saves the checkpoint.
	Apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error)
	// Reset clears what the consumer built and saves the checkpoint 0, for
	// a rebuild. A consumer that cannot rebuild returns an error.
	Reset(ctx context.Context) error
}
