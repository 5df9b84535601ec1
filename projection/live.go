package projection

import (
	"context"
	"slices"
	"sync"

	"github.com/herald-go/herald"
)

// liveBuffer holds the events the bus brought until the consumer's
// goroutine takes them. It never blocks the bus: when it is full it drops
// what comes and remembers that it did, and the consumer reads the store
// instead.
type liveBuffer struct {
	mu       sync.Mutex
	items    []herald.Event
	limit    int
	overflow bool
	// ready holds a token when events came since the last take.
	ready chan struct{}
}

func newLiveBuffer(limit int) *liveBuffer {
	return &liveBuffer{limit: limit, ready: make(chan struct{}, 1)}
}

// handle is the handler of the bus subscription: it buffers stored events
// and returns at once.
func (b *liveBuffer) handle(_ context.Context, e herald.Event) error {
	if e.Metadata.Position == 0 {
		return nil
	}
	b.mu.Lock()
	wake := len(b.items) == 0 && !b.overflow
	if len(b.items) < b.limit {
		b.items = append(b.items, e)
	} else {
		b.overflow = true
	}
	b.mu.Unlock()
	if wake {
		select {
		case b.ready <- struct{}{}:
		default:
		}
	}
	return nil
}

// take returns what is buffered in position order, leaving spare as the
// buffer, and whether events were dropped since the last reset.
func (b *liveBuffer) take(spare []herald.Event) ([]herald.Event, bool) {
	b.mu.Lock()
	if b.overflow {
		b.mu.Unlock()
		return spare[:0], true
	}
	batch := b.items
	b.items = spare[:0]
	b.mu.Unlock()
	// Concurrent publishers hand their events to the bus in any order;
	// sorting the batch mends most of it without reading the store.
	if !slices.IsSortedFunc(batch, byPosition) {
		slices.SortFunc(batch, byPosition)
	}
	return batch, false
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

// reset drops what is buffered and forgets an overflow: the store holds
// it all.
func (b *liveBuffer) reset() {
	b.mu.Lock()
	clear(b.items)
	b.items = b.items[:0]
	b.overflow = false
	b.mu.Unlock()
}
