package projection_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	bolt "go.etcd.io/bbolt"
)

// benchLog appends n "sent" events over aggregates to s in batches of
// 10,000, straight to the store.
func benchLog(b *testing.B, s herald.Store, n, aggregates int) {
	b.Helper()
	refs := messages(aggregates)
	now := time.Now()
	batch := make([]herald.Event, 0, 10_000)
	for i := range n {
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], uint64(now.UnixMilli())<<16)
		binary.BigEndian.PutUint64(id[8:], uint64(i)+1)
		id[6] = 0x70 | id[6]&0x0f
		id[8] = 0x80 | id[8]&0x3f
		batch = append(batch, herald.Event{
			Aggregate: refs[i%aggregates], Name: "sent", ID: id, Type: herald.TypeDomain,
			Data:     Sent{Text: "hey, how are you?"},
			Metadata: herald.Metadata{Timestamp: now, CausationID: id, CorrelationID: id},
		})
		if len(batch) == cap(batch) || i == n-1 {
			if err := s.Append(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// counter is the benchmarks' read model: per aggregate, in bucket, the
// count of its messages and the length of their texts.
func counter(bucket string) func(ctx context.Context, tx *bolt.Tx, e herald.Event, d Sent) error {
	return func(ctx context.Context, tx *bolt.Tx, e herald.Event, d Sent) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			var err error
			if b, err = tx.CreateBucket([]byte(bucket)); err != nil {
				return err
			}
		}
		var v [16]byte
		if old := b.Get(e.Aggregate.ID[:]); len(old) == 16 {
			copy(v[:], old)
		}
		binary.BigEndian.PutUint64(v[:], binary.BigEndian.Uint64(v[:])+1)
		binary.BigEndian.PutUint64(v[8:], binary.BigEndian.Uint64(v[8:])+uint64(len(d.Text)))
		return b.Put(e.Aggregate.ID[:], v[:])
	}
}

// BenchmarkProjectionCatchUpBolt measures a projection on boltstore
// catching up 1,000,000 events into a read model in the same bbolt file,
// exactly once (batches of events and the checkpoint in one fsync'd
// transaction each): one op is one whole catch-up, by a projection of a
// new name each time. The handler decodes the data and updates a counter
// per aggregate (1,000 of them).
func BenchmarkProjectionCatchUpBolt(b *testing.B) {
	const events, aggregates = 1_000_000, 1000
	reg := newRegistry(b)
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), boltstore.WithRegistry(reg))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchLog(b, s, events, aggregates)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("counts-%d", i)
		p, err := projection.New(projection.Config[*bolt.Tx]{
			Name: name, Store: s, Model: projection.Bolt(s.DB()),
			Handlers: []projection.Handler[*bolt.Tx]{projection.On(sentName, counter(name))},
			Reset:    projection.DeleteBuckets(name),
			Registry: reg,
		})
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(runCtx) }()
		if err := p.Wait(ctx, events); err != nil {
			b.Fatal(err)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkProjectionLive measures publish-to-applied through boltstore:
// 64 goroutines publish one event at a time (the store commits them
// together, one fsync for many), the bus hands them to a projection that
// applies them to a model in the same bbolt file, exactly once. It
// reports events/s and the 50th and 99th percentile of the time from
// Publish (the event's timestamp) to the commit of the transaction that
// applied it.
func BenchmarkProjectionLive(b *testing.B) {
	reg := newRegistry(b)
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), boltstore.WithRegistry(reg))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e := newEnv(b, s)
	ctx := context.Background()

	// The handler notes the timestamps of the events of its transaction;
	// the transaction's commit turns them into latencies.
	var (
		tx        *bolt.Tx
		stamps    []time.Time
		latencies = make([]time.Duration, 0, b.N)
	)
	count := counter("counts")
	handler := func(ctx context.Context, t *bolt.Tx, ev herald.Event, d Sent) error {
		if t != tx {
			tx, stamps = t, stamps[:0]
			t.OnCommit(func() {
				now := time.Now()
				for _, ts := range stamps {
					latencies = append(latencies, now.Sub(ts))
				}
			})
		}
		stamps = append(stamps, ev.Metadata.Timestamp)
		return count(ctx, t, ev, d)
	}
	p, err := projection.New(projection.Config[*bolt.Tx]{
		Name: "counts", Store: s, Bus: e.bus, Model: projection.Bolt(s.DB()),
		Handlers: []projection.Handler[*bolt.Tx]{projection.On(sentName, handler)},
		Reset:    projection.DeleteBuckets("counts"),
		Registry: reg,
	})
	if err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	waitLive(b, p)
	refs := messages(64)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(64 / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ref := refs[next.Add(1)%int64(len(refs))]
		for pb.Next() {
			if _, err := e.publisher.Publish(ctx, herald.Event{Aggregate: ref, Name: "sent", Data: Sent{Text: "hey"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	stats, err := s.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Wait(ctx, stats.Head); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		b.ReportMetric(float64(latencies[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[min(n-1, n*99/100)].Microseconds())/1000, "p99-ms")
	}
}

// waitLive waits until the projection follows the bus.
func waitLive(b *testing.B, p projection.Consumer) {
	for {
		s, err := p.Status(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if s.State == engine.Live {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
