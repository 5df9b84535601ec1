package herald_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
)

// BenchmarkPublishPersonal is BenchmarkPublishMemory with a registry: one
// whose definition has no personal field (what a registry costs a store
// that keeps user keys: nothing), and one whose event has two personal
// fields the store seals with its user's key.
func BenchmarkPublishPersonal(b *testing.B) {
	plain := func(b *testing.B) *herald.Registry {
		r := newRegistry(b)
		if _, err := herald.Define[Incremented](r, "bench", "counter", "incremented"); err != nil {
			b.Fatal(err)
		}
		return r
	}
	personal := func(b *testing.B) *herald.Registry {
		r := newRegistry(b)
		if _, err := herald.Define[Registered](r, "bench", "counter", "incremented"); err != nil {
			b.Fatal(err)
		}
		return r
	}
	registered := Registered{Email: "jane.doe@example.com", Name: "Jane Doe", Plan: "pro"}
	b.Run("NoPersonalField", func(b *testing.B) { benchmarkPublishDefined(b, plain(b), Incremented{By: 1}, 1) })
	b.Run("Publish", func(b *testing.B) { benchmarkPublishDefined(b, personal(b), registered, 1) })
	b.Run("PublishBatch100", func(b *testing.B) { benchmarkPublishDefined(b, personal(b), registered, 100) })
}

// benchmarkPublishDefined publishes data as bench.counter.incremented
// events of 100 users and 1000 aggregates through a memstore with reg and a membus to one
// asynchronous handler, and stops the clock once every event is handled.
func benchmarkPublishDefined(b *testing.B, reg *herald.Registry, data any, batchSize int) {
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
	ctxs := make([]context.Context, 100)
	for i := range ctxs {
		ctxs[i] = herald.ContextWithUser(context.Background(), herald.User{ID: uuid.NewString()})
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
