package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/webhook"
)

// BenchmarkWebhookDelivery measures signed deliveries acknowledged per
// second by one receiver on loopback that verifies each signature: b.N
// events are published, then the benchmark waits until the receiver has
// acknowledged them all.
func BenchmarkWebhookDelivery(b *testing.B) {
	a := newApp(b)
	var acked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if webhook.Verify(testSecret, r.Header, body) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		acked.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	d, err := webhook.NewDispatcher(a.store, a.bus)
	if err != nil {
		b.Fatal(err)
	}
	subscribe(b, d, srv.URL)
	stop := run(b, d)
	defer stop()
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	events := make([]herald.Event, 100)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for published := 0; published < b.N; published += len(events) {
		batch := events[:min(len(events), b.N-published)]
		for i := range batch {
			batch[i] = herald.Event{Aggregate: ref, Name: "sent", Data: map[string]int{"n": published + i}}
		}
		if _, err := a.publisher.PublishBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for acked.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d deliveries acknowledged after a minute", acked.Load(), b.N)
		}
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
