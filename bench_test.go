package herald_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
)

// BenchmarkPublishMemory publishes through a memstore and a membus to one
// asynchronous handler, and stops the clock once every event is handled.
func BenchmarkPublishMemory(b *testing.B) {
	b.Run("Publish", func(b *testing.B) { benchmarkPublishMemory(b, 1, nil) })
	b.Run("PublishBatch100", func(b *testing.B) { benchmarkPublishMemory(b, 100, nil) })
	// With a registry that defines the event, whose data is checked by
	// its Go type and not as JSON against its schema.
	b.Run("PublishRegistry", func(b *testing.B) { benchmarkPublishMemory(b, 1, counterRegistry(b)) })
}

// counterRegistry defines bench.counter.incremented.
func counterRegistry(b *testing.B) *herald.Registry {
	r, err := herald.NewRegistry(herald.WithStrict())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := herald.Define[Incremented](r, "bench", "counter", "incremented", herald.WithSample(Incremented{By: 1})); err != nil {
		b.Fatal(err)
	}
	return r
}

func benchmarkPublishMemory(b *testing.B, batchSize int, registry *herald.Registry) {
	benchmarkPublish(b, registry, Incremented{By: 1}, batchSize, 0)
}

// BenchmarkPublishPersonal is BenchmarkPublishMemory with a registry: one
// whose definition has no personal field (a registry costs a store that
// keeps user keys nothing more), and one whose event has two personal
// fields, which the store seals with the key of its user, one of 100.
func BenchmarkPublishPersonal(b *testing.B) {
	define := func(b *testing.B, define func(*herald.Registry) error) *herald.Registry {
		r := newRegistry(b)
		if err := define(r); err != nil {
			b.Fatal(err)
		}
		return r
	}
	plain := define(b, func(r *herald.Registry) error {
		_, err := herald.Define[Incremented](r, "bench", "counter", "incremented")
		return err
	})
	personal := define(b, func(r *herald.Registry) error {
		_, err := herald.Define[Registered](r, "bench", "counter", "incremented")
		return err
	})
	registered := Registered{Email: "jane.doe@example.com", Name: "Jane Doe", Plan: "pro"}
	b.Run("NoPersonalField", func(b *testing.B) { benchmarkPublish(b, plain, Incremented{By: 1}, 1, 100) })
	b.Run("Publish", func(b *testing.B) { benchmarkPublish(b, personal, registered, 1, 100) })
	b.Run("PublishBatch100", func(b *testing.B) { benchmarkPublish(b, personal, registered, 100, 100) })
}

// benchmarkPublish publishes data as events of 1000 aggregates, batchSize
// at a time, through a memstore with reg (nil for none) and a membus to
// one asynchronous handler, and stops the clock once every event is
// handled. The events' users, users of them, take turns; with 0 users
// the events are anonymous.
func benchmarkPublish(b *testing.B, reg *herald.Registry, data any, batchSize, users int) {
	store := newStore(b)
	bus, err := membus.New()
	if err != nil {
		b.Fatal(err)
	}
	var handled atomic.Int64
	done := make(chan struct{})
	target := int64(b.N)
	err = bus.Subscribe(herald.Subscription{Name: "count", Handler: herald.HandlerFunc(func(context.Context, herald.Event) error {
		if handled.Add(1) == target {
			close(done)
		}
		return nil
	})})
	if err != nil {
		b.Fatal(err)
	}
	publisher, err := herald.NewPublisher(store, bus, herald.WithRegistry(reg))
	if err != nil {
		b.Fatal(err)
	}
	ctxs := []context.Context{context.Background()}
	if users > 0 {
		ctxs = make([]context.Context, users)
		for i := range ctxs {
			ctxs[i] = herald.ContextWithUser(context.Background(), herald.User{ID: uuid.NewString()})
		}
	}
	refs := make([]herald.AggregateRef, 1000)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "bench", Name: "counter", ID: uuid.New()}
	}
	batch := make([]herald.Event, batchSize)

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		n := min(batchSize, b.N-i)
		for j := range n {
			batch[j] = herald.Event{Aggregate: refs[(i+j)%len(refs)], Name: "incremented", Data: data}
		}
		ctx := ctxs[(i/batchSize)%len(ctxs)]
		if n == 1 {
			_, err = publisher.Publish(ctx, batch[0])
		} else {
			_, err = publisher.PublishBatch(ctx, batch[:n])
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	_ = bus.Close(context.Background())
}
