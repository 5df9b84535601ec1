package driver

import (
	"context"

	"github.com/herald-go/herald"
)

// SnapshotStore is the optional capability of a [herald.Store] to keep
// aggregate snapshots. A [herald.Repository] uses it when its store has
// it.
type SnapshotStore interface {
	// SaveSnapshot stores s, replacing an older snapshot of its aggregate; a
	// snapshot older than the one stored is ignored.
	SaveSnapshot(ctx context.Context, s herald.Snapshot) error
	// LoadSnapshot returns the newest snapshot of ref, or
	// [herald.ErrNotFound]. A ref that [herald.AggregateRef.Check] refuses
	// is an error matching [herald.ErrInvalid].
	LoadSnapshot(ctx context.Context, ref herald.AggregateRef) (herald.Snapshot, error)
}
