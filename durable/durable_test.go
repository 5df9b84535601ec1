package durable_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/bustest"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
	"github.com/stretchr/testify/require"
)

// TestDurable runs the durable subscriptions' suite on every store.
func TestDurable(t *testing.T) {
	stores := map[string]bustest.NewStore{
		"memstore": func(t *testing.T) herald.Store {
			s, err := memstore.New()
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"boltstore": func(t *testing.T) herald.Store {
			s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"), boltstore.WithNoSync())
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) { bustest.RunDurable(t, newStore, newMembus) })
	}
}

// newMembus returns a membus configured as the suite asks.
func newMembus(t *testing.T, cfg bustest.Config) herald.Bus {
	opts := []membus.Option{membus.WithRetry(cfg.Retry), membus.WithDeadLetter(cfg.DeadLetter)}
	if cfg.QueueSize > 0 {
		opts = append(opts, membus.WithQueueSize(cfg.QueueSize))
	}
	if cfg.Workers > 0 {
		opts = append(opts, membus.WithWorkers(cfg.Workers))
	}
	b, err := membus.New(opts...)
	require.NoError(t, err)
	return b
}

// BenchmarkDurableCatchUp measures a durable subscription catching up
// 1,000,000 events from a memstore, from no checkpoint to the head: one
// op is one whole catch-up, by a subscription of a new name each time.
// The handler does nothing; the subscription matches, handles, counts
// and saves its checkpoint every 1,000 events.
func BenchmarkDurableCatchUp(b *testing.B) {
	const events, batchSize = 1_000_000, 1000
	ctx := context.Background()
	store, err := memstore.New(memstore.WithCapacity(events))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	ref := herald.AggregateRef{Context: "bench", Name: "counter"}
	var data any = struct{ By int }{1}
	batch := make([]herald.Event, batchSize)
	for i := 0; i < events; i += batchSize {
		for j := range batch {
			if (i+j)%100 == 0 {
				ref.ID = uuid.New()
			}
			batch[j] = herald.Event{Aggregate: ref, Name: "incremented", ID: uuid.New(), Data: data}
		}
		if err := store.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	bus, err := membus.New()
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close(ctx)
	var handled atomic.Int64
	handler := herald.HandlerFunc(func(context.Context, herald.Event) error {
		handled.Add(1)
		return nil
	})

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		d, err := durable.New(durable.Config{
			Subscription: herald.Subscription{Name: fmt.Sprintf("bench-%d", i), Handler: handler},
			Store:        store, Bus: bus,
		})
		if err != nil {
			b.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.Run(runCtx) }()
		if err := d.Wait(ctx, events); err != nil {
			b.Fatal(err)
		}
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if got := handled.Load(); got != int64(b.N)*events {
		b.Fatalf("handled %d events, want %d", got, int64(b.N)*events)
	}
	b.ReportMetric(float64(b.N)*events/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*events), "allocs/event")
}
