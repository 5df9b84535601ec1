package membus_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

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

// BenchmarkMembusOrdered measures a subscription with four workers that
// keeps the order of each of 1,000 aggregates: b.N events published in
// batches of 1,000, each batch one event of every aggregate, timed until
// the handler has seen the last of them. The handler checks every event
// comes at the next revision of its aggregate.
func BenchmarkMembusOrdered(b *testing.B) {
	const aggregates, workers = 1000, 4
	bus, err := membus.New(membus.WithWorkers(workers))
	if err != nil {
		b.Fatal(err)
	}
	refs := make([]herald.AggregateRef, aggregates)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "bench", Name: "counter", ID: uuid.New()}
	}
	data := make([]any, aggregates) // the aggregate's index, boxed once
	for i := range data {
		data[i] = i
	}
	n := b.N
	last := make([]uint64, aggregates) // each element written by one worker only
	var seen atomic.Int64
	var disorder atomic.Int64
	done := make(chan struct{})
	err = bus.Subscribe(herald.Subscription{Name: "ordered", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error {
			a := e.Data.(int)
			if e.Metadata.Revision != last[a]+1 {
				disorder.Add(1)
			}
			last[a] = e.Metadata.Revision
			if seen.Add(1) == int64(n) {
				close(done)
			}
			return nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]herald.Event, aggregates)
	for i := range batch {
		batch[i] = herald.Event{Aggregate: refs[i], Name: "incremented", ID: uuid.New(), Data: data[i]}
	}
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	for sent, rev := 0, uint64(1); sent < n; sent, rev = sent+aggregates, rev+1 {
		for i := range batch {
			batch[i].Metadata.Revision = rev
		}
		if err := bus.Publish(ctx, batch[:min(aggregates, n-sent)]); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if d := disorder.Load(); d > 0 {
		b.Fatalf("%d events out of their aggregate's order", d)
	}
	if err := bus.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

// benchPattern is the five-field pattern of BenchmarkMembusPattern: a
// prefix, an anything-but, a numeric range, a label prefix and the type.
const benchPattern = `{
	"context": {"name": [{"prefix": "sho"}]},
	"name": [{"anything-but": ["cancelled", "refunded"]}],
	"type": ["domain"],
	"metadata": {
		"revision": [{"numeric": [">", 0, "<=", 1000000000]}],
		"labels": {"region": [{"prefix": "eu-"}]}
	}
}`

// BenchmarkMembusPattern measures matching a five-field pattern on the
// publisher's path: b.N events published in batches of 1,000, half of
// which match, timed until the handler has seen the last match. matches/s
// counts the events matched against the pattern per second.
func BenchmarkMembusPattern(b *testing.B) {
	const batchSize = 1000
	bus, err := membus.New()
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]herald.Event, batchSize)
	for i := range batch {
		e := newEvent("placed")
		e.Metadata.Revision = uint64(i + 1)
		e.Metadata.Labels = map[string]string{"region": "eu-west", "tier": "gold"}
		switch i % 4 { // half match; the others fail on one field or another
		case 1:
			e.Name = "cancelled"
		case 3:
			e.Metadata.Labels = map[string]string{"region": "us-east"}
		}
		batch[i] = e
	}
	n := b.N
	want := 0
	for sent := 0; sent < n; sent += batchSize {
		want += (min(batchSize, n-sent) + 1) / 2
	}
	seen, done := 0, make(chan struct{})
	err = bus.Subscribe(herald.Subscription{Name: "pattern", Pattern: benchPattern, Handler: herald.HandlerFunc(
		func(context.Context, herald.Event) error {
			if seen++; seen == want {
				close(done)
			}
			return nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < n; sent += batchSize {
		if err := bus.Publish(ctx, batch[:min(batchSize, n-sent)]); err != nil {
			b.Fatal(err)
		}
	}
	if want > 0 {
		<-done
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "matches/s")
	if err := bus.Close(ctx); err != nil {
		b.Fatal(err)
	}
}
