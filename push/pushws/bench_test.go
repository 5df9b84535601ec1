package pushws_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushws"
)

// fanoutClients is how many WebSocket clients
// BenchmarkPushWebSocketFanout connects.
const fanoutClients = 1000

// BenchmarkPushWebSocketFanout publishes b.N events as fast as one
// publisher can to a stream that 1,000 WebSocket clients read over
// loopback connections, as push's BenchmarkPushFanout does over
// server-sent events. It reports the events per second delivered to all
// of them (events/s: b.N over the time until the last client got the last
// event) and the messages per second that makes (deliveries/s).
func BenchmarkPushWebSocketFanout(b *testing.B) {
	ctx := context.Background()
	// The buffer holds the whole run, so that no reading client is cut
	// off however far the publisher runs ahead, and the write timeout is
	// long, so that none is for a write that waits while the loaded
	// machine runs the other clients' readers.
	e := pushtest.New(b, push.WithBufferSize(max(b.N+1024, push.DefaultBufferSize)),
		push.WithHeartbeat(time.Hour), push.WithWriteTimeout(5*time.Minute))
	web := httptest.NewServer(pushws.New(e.Server, nil))
	defer web.Close()
	url := "ws" + strings.TrimPrefix(web.URL, "http") + "/" + pushtest.StreamAll

	done := make(chan error, fanoutClients)
	conns := make([]*websocket.Conn, fanoutClients)
	for i := range conns {
		var err error
		if conns[i], _, err = websocket.Dial(ctx, url, nil); err != nil {
			b.Fatal(err)
		}
	}
	e.WaitClients(fanoutClients)
	for _, ws := range conns {
		go countMessages(ctx, ws, b.N, done)
	}

	ev := pushtest.Message("sent", "hey, how are you?", nil)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := e.Publisher.Publish(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	timeout := time.After(5 * time.Minute)
	for range conns {
		select {
		case err := <-done:
			if err != nil {
				b.Fatalf("%v (cut off: %d)", err, e.Status().CutOff)
			}
		case <-timeout:
			b.Fatalf("a client did not get every event: %+v", e.Status())
		}
	}
	delivered := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/delivered.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)*fanoutClients/delivered.Seconds(), "deliveries/s")

	for _, ws := range conns {
		_ = ws.CloseNow()
	}
	e.WaitClients(0)
}

// countMessages reads n messages from ws and then reports nil to done, or
// reports why it could not.
func countMessages(ctx context.Context, ws *websocket.Conn, n int, done chan<- error) {
	for got := 0; got < n; got++ {
		typ, r, err := ws.Reader(ctx)
		if err != nil {
			done <- fmt.Errorf("the stream ended after %d events: %w", got, err)
			return
		}
		if typ != websocket.MessageText {
			done <- fmt.Errorf("message %d is not text", got+1)
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			done <- fmt.Errorf("read message %d: %w", got+1, err)
			return
		}
	}
	done <- nil
}
