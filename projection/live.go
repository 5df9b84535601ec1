package projection

import (
	"context"
	"slices"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/live"
)

// liveBuffer holds the events the bus brought until the consumer's
// goroutine takes them. It never blocks the bus: when it is full it drops
// what comes and remembers that it did, and the consumer reads the store
// instead.
type liveBuffer struct {
	*live.Buffer[herald.Event]
}

func newLiveBuffer(limit int) liveBuffer {
	return liveBuffer{live.NewBuffer[herald.Event](limit)}
}

// handle is the handler of the bus subscription: it buffers stored events
// and returns at once.
func (b liveBuffer) handle(_ context.Context, e herald.Event) error {
	if e.Metadata.Position != 0 {
		b.Offer(&e)
	}
	return nil
}

// take returns what is buffered in position order, leaving spare as the
// buffer, and whether events were dropped since the last reset.
func (b liveBuffer) take(spare []herald.Event) ([]herald.Event, bool) {
	batch, overflow := b.Take(spare)
	// Concurrent publishers hand their events to the bus in any order;
	// sorting the batch mends most of it without reading the store.
	if !slices.IsSortedFunc(batch, byPosition) {
		slices.SortFunc(batch, byPosition)
	}
	return batch, overflow
}

func byPosition(a, b herald.Event) int {
	switch {
	case a.Metadata.Position < b.Metadata.Position:
		return -1
	case a.Metadata.Position > b.Metadata.Position:
		return 1
	}
	return 0
}
