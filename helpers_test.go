package herald_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/store/memstore"
)

// Sent is the payload of communication.message.sent in these tests.
type Sent struct {
	Text string `json:"text"`
}

func (s Sent) Validate() error {
	if s.Text == "" {
		return &herald.ValidationError{Field: "data.text", Reason: "is empty"}
	}
	return nil
}

// Liked is the payload of communication.message.liked.
type Liked struct {
	By string `json:"by"`
}

func messageRef() herald.AggregateRef {
	return herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
}

func sentEvent(ref herald.AggregateRef, text string) herald.Event {
	return herald.Event{Aggregate: ref, Name: "sent", Data: Sent{Text: text}}
}

// recorder is a handler that keeps what it handles, with the context it got.
type recorder struct {
	mu     sync.Mutex
	events []herald.Event
	causes []uuid.UUID // the id of driver.CauseFrom(ctx), read while handling
	more   chan struct{}
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) Handle(ctx context.Context, e herald.Event) error {
	r.mu.Lock()
	r.events = append(r.events, e)
	var cause uuid.UUID
	if c := driver.CauseFrom(ctx); c != nil {
		cause = c.ID
	}
	r.causes = append(r.causes, cause)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) all() []herald.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]herald.Event(nil), r.events...)
}

// waitFor waits until the recorder holds n events and returns them.
func (r *recorder) waitFor(t *testing.T, n int) []herald.Event {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		if got := r.all(); len(got) >= n {
			return got
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("handled %d events, want %d", len(r.all()), n)
		}
	}
}

type fixture struct {
	store     *memstore.Store
	bus       *membus.Bus
	registry  *herald.Registry
	publisher *herald.Publisher
	seen      *recorder
}

// newStore returns an empty memstore.
func newStore(t testing.TB) *memstore.Store {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	return s
}

// newRegistry returns a registry made with options.
func newRegistry(t testing.TB, options ...herald.RegistryOption) *herald.Registry {
	t.Helper()
	r, err := herald.NewRegistry(options...)
	require.NoError(t, err)
	return r
}

// newFixture wires a publisher to a memstore and a membus with one
// synchronous subscription recording every event.
func newFixture(t *testing.T, options ...herald.PublisherOption) *fixture {
	t.Helper()
	f := &fixture{store: newStore(t), registry: newRegistry(t), seen: newRecorder()}
	bus, err := membus.New()
	require.NoError(t, err)
	f.bus = bus
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = bus.Close(ctx)
		_ = f.store.Close()
	})
	require.NoError(t, bus.Subscribe(herald.Subscription{Name: "recorder", Handler: f.seen, Sync: true}))
	_, err = herald.Define[Sent](f.registry, "communication", "message", "sent")
	require.NoError(t, err)
	_, err = herald.Define[Liked](f.registry, "communication", "message", "liked",
		herald.WithDefaultAuthorization(herald.Authorization{ForAuthenticated: true}))
	require.NoError(t, err)
	options = append([]herald.PublisherOption{herald.WithRegistry(f.registry)}, options...)
	f.publisher, err = herald.NewPublisher(f.store, bus, options...)
	require.NoError(t, err)
	return f
}

func (f *fixture) stored(t *testing.T) []herald.Event {
	t.Helper()
	var events []herald.Event
	for e, err := range f.store.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		events = append(events, e)
	}
	return events
}
