package push

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/herald-go/herald"
)

// feed is the live feed the hub's engine follows: New subscribes it to
// the bus at once, so that a name taken on the bus is refused by New, and
// the engine takes the events from it while it runs. What the bus brings
// before the engine follows is dropped: the engine reads it from the log.
type feed struct {
	bus   herald.Bus
	name  string
	offer atomic.Pointer[func(*herald.Event)]
}

// subscribeFeed subscribes a feed to bus under name.
func subscribeFeed(bus herald.Bus, name string) (*feed, error) {
	f := &feed{bus: bus, name: name}
	err := bus.Subscribe(herald.Subscription{Name: name, Handler: herald.HandlerFunc(f.handle), Sync: true})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (f *feed) handle(_ context.Context, e herald.Event) error {
	if offer := f.offer.Load(); offer != nil {
		(*offer)(&e)
	}
	return nil
}

// Follow hands the bus's events to offer until the stop it returns.
func (f *feed) Follow(_ string, offer func(*herald.Event)) (func(context.Context) error, error) {
	f.offer.Store(&offer)
	return func(context.Context) error {
		f.offer.Store(nil)
		return nil
	}, nil
}

// close leaves the bus.
func (f *feed) close(ctx context.Context) error {
	err := f.bus.Unsubscribe(ctx, f.name)
	if err != nil && !errors.Is(err, herald.ErrClosed) && !errors.Is(err, herald.ErrNotFound) {
		return errorf("close: %w", err)
	}
	return nil
}

// hubConsumer is the hub as the engine drives it: it starts at the head
// of the log when the server started, and adds every event to the ring,
// upcast to the current version of its definition.
type hubConsumer struct {
	h        *hub
	registry *herald.Registry
}

func (c hubConsumer) Start(context.Context) (uint64, bool, error) { return c.h.last.Load(), false, nil }
func (c hubConsumer) Wants(*herald.Event) bool                    { return true }
func (c hubConsumer) Reset(context.Context) error {
	return errorf("the hub does not rebuild: %w", herald.ErrInvalid)
}

func (c hubConsumer) Apply(ctx context.Context, events []herald.Event, _ uint64) (int, error) {
	for i := range events {
		// An event that does not upcast goes into the ring with its
		// error, which every client that would send it logs.
		err := c.registry.Upcast(&events[i])
		c.h.handle(events[i], err)
	}
	return len(events), nil
}
