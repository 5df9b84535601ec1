package driver

import "context"

// CheckpointStore keeps, for each durable consumer (a durable subscription,
// a projection, a flow), the position of the last event it handled, so it
// resumes after a restart where it stopped. Stores offer it alongside the
// log; implementations are safe for concurrent use.
type CheckpointStore interface {
	// LoadCheckpoint returns the position name handled last, 0 when it has
	// none yet. An empty name is an error matching [herald.ErrInvalid].
	LoadCheckpoint(ctx context.Context, name string) (uint64, error)
	// SaveCheckpoint records that name handled every event up to position.
	// An empty name is an error matching [herald.ErrInvalid].
	SaveCheckpoint(ctx context.Context, name string, position uint64) error
}
