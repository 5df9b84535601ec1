package bustest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/require"
)

// timeout bounds every wait of the suite. Waits end as soon as what they
// wait for happens; the timeout only turns a hang into a failure.
const timeout = time.Minute

// fenceName is the full name of the event cases publish last: a
// subscription that has received it has received everything published to
// it before, since a bus keeps order per subscription.
const fenceName = "bustest.fence.reached"

// newEvent returns an event named context.aggregate.name with fresh ids and
// seq as its data.
func newEvent(context, aggregate, name string, seq int) herald.Event {
	return herald.Event{
		Aggregate: herald.AggregateRef{Context: context, Name: aggregate, ID: uuid.New()},
		Name:      name,
		ID:        uuid.New(),
		Type:      herald.TypeDomain,
		Data:      seq,
		Metadata:  herald.Metadata{Timestamp: time.Now().UTC()},
	}
}

// newEvents returns n events named context.aggregate.name with data 0..n-1.
func newEvents(n int, context, aggregate, name string) []herald.Event {
	events := make([]herald.Event, n)
	for i := range events {
		events[i] = newEvent(context, aggregate, name, i)
	}
	return events
}

// newFence returns an event named fenceName.
func newFence() herald.Event { return newEvent("bustest", "fence", "reached", -1) }

// isFence reports whether e is a fence.
func isFence(e *herald.Event) bool { return e.FullName() == fenceName }

// publish publishes events with a background context and requires success.
func publish(t *testing.T, b herald.Bus, events ...herald.Event) {
	t.Helper()
	require.NoError(t, b.Publish(context.Background(), events), "publish %d events", len(events))
}

// subscribe subscribes and requires success.
func subscribe(t *testing.T, b herald.Bus, s herald.Subscription) {
	t.Helper()
	require.NoError(t, b.Subscribe(s), "subscribe %q", s.Name)
}

// ids returns the ids of events, in order.
func ids(events []herald.Event) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i := range events {
		out[i] = events[i].ID
	}
	return out
}

// gate holds handlers until the case opens it. The suite opens every gate
// when a case ends, so no handler stays blocked.
type gate struct {
	open    chan struct{}
	once    sync.Once
	entered chan struct{} // closed when the first handler reaches the gate
	enter   sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{open: make(chan struct{}), entered: make(chan struct{})}
	t.Cleanup(g.release)
	return g
}

// wait blocks until the gate is open, after telling the case it is there.
func (g *gate) wait() {
	g.enter.Do(func() { close(g.entered) })
	<-g.open
}

// release opens the gate.
func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// waitEntered waits until a handler has reached the gate.
func (g *gate) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(timeout):
		t.Fatalf("no handler reached the gate within %v", timeout)
	}
}

// receive returns the value sent on ch, failing the case after timeout.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("%s: nothing within %v", what, timeout)
		panic("unreachable")
	}
}

// async runs fn on its own goroutine and returns a channel that gets its
// result.
func async(fn func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	return ch
}

// background returns a context that ends after timeout.
func background(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}
