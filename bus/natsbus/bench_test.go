package natsbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The benchmarks publish events of about 500 bytes on the wire, to a
// stream in files, each with its Nats-Msg-Id; the Limit ones do the same
// work with nats.go alone, the same settings and the same bytes.

// benchPayload makes an event's envelope about 500 bytes long.
var benchPayload = json.RawMessage(`{"text":"` + strings.Repeat("x", 150) + `"}`)

func benchEvents(n int) []herald.Event {
	events := make([]herald.Event, n)
	for i := range events {
		events[i] = newEvent()
		events[i].Data = benchPayload
	}
	return events
}

// benchMsgs returns what natsbus would send for n events, to subject.
func benchMsgs(b *testing.B, n int, subject string) []*nats.Msg {
	msgs := make([]*nats.Msg, n)
	for i, e := range benchEvents(n) {
		data, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = nats.NewMsg(subject)
		msgs[i].Data = data
	}
	return msgs
}

// benchStream creates a stream as natsbus does, for the limits.
func benchStream(b *testing.B, js jetstream.JetStream) (name, subject string) {
	opts := fresh(b)
	name = streamOf(opts)
	prefix := "t" + name
	_, err := js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name: name, Subjects: []string{prefix + ".*.*.*.*"}, Storage: jetstream.FileStorage,
		Duplicates: natsbus.DefaultDuplicates,
	})
	if err != nil {
		b.Fatal(err)
	}
	return name, prefix + ".shop.order.placed.0"
}

func reportRate(b *testing.B, events int) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkNatsLimitPublishBatch100(b *testing.B) {
	js := connect(b)
	_, subject := benchStream(b, js)
	msgs := benchMsgs(b, 100, subject)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		futures := make([]jetstream.PubAckFuture, len(msgs))
		for i, m := range msgs {
			m.Header = nats.Header{}
			m.Header.Set(nats.MsgIdHdr, uuid.NewString())
			f, err := js.PublishMsgAsync(m)
			if err != nil {
				b.Fatal(err)
			}
			futures[i] = f
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Fatal(err)
			}
		}
	}
	reportRate(b, b.N*len(msgs))
}

func BenchmarkNatsPublishBatch100(b *testing.B) {
	bus := newBus(b)
	batches := make([][]herald.Event, 16)
	for i := range batches {
		batches[i] = benchEvents(100)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		batch := batches[i%len(batches)]
		for j := range batch {
			batch[j].ID = uuid.New()
		}
		if err := bus.Publish(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*100)
}

func BenchmarkNatsPublishBatch100Parallel(b *testing.B) {
	bus := newBus(b)
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		batch := benchEvents(100)
		for pb.Next() {
			for j := range batch {
				batch[j].ID = uuid.New()
			}
			if err := bus.Publish(context.Background(), batch); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, b.N*100)
}

func BenchmarkNatsLimitEndToEnd(b *testing.B) {
	js := connect(b)
	name, subject := benchStream(b, js)
	cons, err := js.CreateOrUpdateConsumer(context.Background(), name, jetstream.ConsumerConfig{
		Durable: "bench", AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		b.Fatal(err)
	}
	total := int64(b.N) * 100
	var got atomic.Int64
	done := make(chan struct{})
	cc, err := cons.Consume(func(m jetstream.Msg) {
		_ = m.Ack()
		if got.Add(1) == total {
			close(done)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Stop()
	msgs := benchMsgs(b, 100, subject)
	b.ResetTimer()
	for range b.N {
		futures := make([]jetstream.PubAckFuture, len(msgs))
		for i, m := range msgs {
			m.Header = nats.Header{}
			m.Header.Set(nats.MsgIdHdr, uuid.NewString())
			if futures[i], err = js.PublishMsgAsync(m); err != nil {
				b.Fatal(err)
			}
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Fatal(err)
			}
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d of %d consumed", got.Load(), total)
	}
	reportRate(b, int(total))
}

// BenchmarkNatsPublishToHandler publishes in batches of 100 and counts
// until the subscription's handler has had every event, with one worker
// (every event in stream order) and with 16 (16 partitions at once).
func BenchmarkNatsPublishToHandler(b *testing.B) {
	for _, workers := range []int{1, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			bus := newBus(b, natsbus.WithWorkers(workers))
			total := int64(b.N) * 100
			var got atomic.Int64
			done := make(chan struct{})
			err := bus.Subscribe(herald.Subscription{Name: "bench", Handler: herald.HandlerFunc(
				func(context.Context, herald.Event) error {
					if got.Add(1) == total {
						close(done)
					}
					return nil
				})})
			if err != nil {
				b.Fatal(err)
			}
			batch := benchEvents(100)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for j := range batch {
					batch[j].ID = uuid.New()
					batch[j].Aggregate.ID = uuid.New()
				}
				if err := bus.Publish(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-done:
			case <-time.After(10 * time.Minute):
				b.Fatalf("%d of %d handled", got.Load(), total)
			}
			reportRate(b, int(total))
		})
	}
}
