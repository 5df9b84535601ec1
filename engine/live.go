package engine

import (
	"context"
	"errors"
	"slices"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/live"
)

// Feed is a feed of the events published after a consumer began to
// follow it. It may deliver them in any order, repeat them or miss some:
// the engine takes each event by its position and reads the log for what
// is missing. A feed that knows only that the log grew (a notification
// without the events) hands over an event without a position, which makes
// the engine read the log.
type Feed interface {
	// Follow begins handing events to offer, which never blocks, and
	// returns what stops it. name is the consumer's name.
	Follow(name string, offer func(e *herald.Event)) (stop func(ctx context.Context) error, err error)
}

// FromBus returns a Feed of bus: each consumer follows it as a Sync
// subscription of its own name that only buffers. A nil bus is a nil Feed.
func FromBus(bus herald.Bus) Feed {
	if bus == nil {
		return nil
	}
	return busFeed{bus}
}

type busFeed struct{ bus herald.Bus }

func (f busFeed) Follow(name string, offer func(e *herald.Event)) (func(context.Context) error, error) {
	h := herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
		offer(&e)
		return nil
	})
	if err := f.bus.Subscribe(herald.Subscription{Name: name, Handler: h, Sync: true}); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		err := f.bus.Unsubscribe(ctx, name)
		if errors.Is(err, herald.ErrClosed) || errors.Is(err, herald.ErrNotFound) {
			return nil
		}
		return err
	}, nil
}

// liveBuffer holds the events the feed brought until the consumer's
// goroutine takes them. It never blocks the feed: when it is full it drops
// what comes and remembers that it did, and the consumer reads the log
// instead.
type liveBuffer struct {
	*live.Buffer[herald.Event]
}

func newLiveBuffer(limit int) liveBuffer {
	return liveBuffer{live.NewBuffer[herald.Event](limit)}
}

// offer buffers an event, or, for one without a position, makes the
// consumer read the log.
func (b liveBuffer) offer(e *herald.Event) {
	if e.Metadata.Position == 0 {
		b.Poke()
		return
	}
	b.Offer(e)
}

// take returns what is buffered in position order, leaving spare as the
// buffer, and whether events were dropped since the last reset.
func (b liveBuffer) take(spare []herald.Event) ([]herald.Event, bool) {
	batch, overflow := b.Take(spare)
	// Concurrent publishers hand their events to the bus in any order;
	// sorting the batch mends most of it without reading the log.
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
