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
	ctx := context.Background()
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
	publisher, err := herald.NewPublisher(store, bus, herald.WithRegistry(registry))
	if err != nil {
		b.Fatal(err)
	}
	refs := make([]herald.AggregateRef, 1000)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "bench", Name: "counter", ID: uuid.New()}
	}
	var data any = Incremented{By: 1}
	batch := make([]herald.Event, batchSize)

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		n := min(batchSize, b.N-i)
		for j := range n {
			batch[j] = herald.Event{Aggregate: refs[(i+j)%len(refs)], Name: "incremented", Data: data}
		}
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
	_ = bus.Close(ctx)
}
