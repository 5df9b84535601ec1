package membus_test

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
)

// BenchmarkMembusDispatch measures how fast the bus hands ready events to
// one async handler: b.N events published in batches of 1,000, timed until
// the handler has seen the last of them.
func BenchmarkMembusDispatch(b *testing.B) {
	const batchSize = 1000
	bus, err := membus.New()
	if err != nil {
		b.Fatal(err)
	}
	n, seen, done := b.N, 0, make(chan struct{})
	err = bus.Subscribe(herald.Subscription{Name: "bench", Handler: herald.HandlerFunc(
		func(context.Context, herald.Event) error {
			if seen++; seen == n {
				close(done)
			}
			return nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]herald.Event, batchSize)
	for i := range batch {
		batch[i] = newEvent("placed")
	}
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < n; sent += batchSize {
		if err := bus.Publish(ctx, batch[:min(batchSize, n-sent)]); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if err := bus.Close(ctx); err != nil {
		b.Fatal(err)
	}
}
