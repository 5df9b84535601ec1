package driver

import (
	"context"
	"iter"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// DeadLetterStore keeps the dead letters of durable consumers, so that
// they outlast a restart and can be replayed or discarded. Stores offer it
// alongside the log; implementations are safe for concurrent use.
type DeadLetterStore interface {
	// SaveDeadLetter keeps d under its consumer (d.Subscription) and its
	// event's id, replacing what is kept under them. An empty consumer
	// name or a nil event id is an error matching [herald.ErrInvalid].
	SaveDeadLetter(ctx context.Context, d herald.DeadLetter) error
	// DeadLetters yields the dead letters of consumer in the order of
	// their events' positions.
	DeadLetters(ctx context.Context, consumer string) iter.Seq2[herald.DeadLetter, error]
	// DeleteDeadLetter removes the dead letter of consumer for the event
	// id, or returns an error matching [herald.ErrNotFound].
	DeleteDeadLetter(ctx context.Context, consumer string, id uuid.UUID) error
}
