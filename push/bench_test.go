package push_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
)

// fanoutClients is how many SSE clients BenchmarkPushFanout connects.
const fanoutClients = 1000

// pubChunk is how many publishes BenchmarkPushFanout times at once: the
// publisher's rate is the median of its rates over each pubChunk events,
// so that a pause of the collector or the scheduler does not decide it.
const pubChunk = 128

// BenchmarkPushFanout publishes b.N events as fast as one publisher can to
// a stream that 1,000 clients read over loopback connections. It reports
// the events per second delivered to all of them (events/s: b.N over the
// time until the last client got the last event), the publisher's own rate
// (pub-events/s: the median over runs of pubChunk publishes), and the 50th
// and 99th percentiles of the publish-to-client latency over every
// delivery. At full speed the publisher is done long before the clients,
// so the latency is mostly the time the burst takes to drain.
//
// In one-stalled one of the clients stops reading after the response's
// header; its pub-events/s is to be compared with all-reading's.
// paced-100/s publishes an event every 10 ms instead, well below what the
// clients can take, for the latency of a stream that keeps up: each event
// then costs a write to each of the 1,000 connections and a read from it,
// where at full speed one write carries many events.
func BenchmarkPushFanout(b *testing.B) {
	b.Run("all-reading", func(b *testing.B) { benchFanout(b, false, 0) })
	b.Run("one-stalled", func(b *testing.B) { benchFanout(b, true, 0) })
	b.Run("paced-100/s", func(b *testing.B) { benchFanout(b, false, 10*time.Millisecond) })
}

// benchFanout runs BenchmarkPushFanout with one client stalled or not,
// publishing an event every interval, or at full speed when interval is 0.
func benchFanout(b *testing.B, stall bool, interval time.Duration) {
	ctx := context.Background()
	store := newMemstore(b)
	bus, err := membus.New()
	if err != nil {
		b.Fatal(err)
	}
	pub, err := herald.NewPublisher(store, bus)
	if err != nil {
		b.Fatal(err)
	}
	// The buffer holds the whole run, so that no reading client is cut
	// off however far the publisher runs ahead.
	srv, err := push.New(ctx, store, bus,
		push.WithBufferSize(max(b.N+1024, push.DefaultBufferSize)), push.WithHeartbeat(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	err = srv.Register(push.Stream{ID: "all", PublicSubscribe: true, Events: []push.StreamEvent{{Name: "*.*.*"}}})
	if err != nil {
		b.Fatal(err)
	}
	web := httptest.NewServer(srv)

	run := &fanoutRun{base: time.Now(), last: uint64(b.N), sentAt: make([]atomic.Int64, b.N+1)}
	clients := make([]*fanoutClient, fanoutClients)
	for i := range clients {
		if clients[i], err = dialFanout(web.Listener.Addr().String(), run); err != nil {
			b.Fatal(err)
		}
	}
	reading := clients
	if stall {
		// clients[0] reads nothing more, and its small receive buffer
		// soon holds up the server's writes to it.
		reading = clients[1:]
		if err := clients[0].conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range reading {
		go c.read()
	}

	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	ev := herald.Event{Aggregate: ref, Name: "sent", Data: Sent{Text: "hey, how are you?"}}
	// An event without an authorization is private to its owner, and
	// these clients are anonymous.
	ev.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var chunks []float64 // the publisher's rate over each pubChunk events
	chunkStart := start
	for i := 1; i <= b.N; i++ {
		if interval > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i-1) * interval)))
		}
		run.sentAt[i].Store(int64(time.Since(run.base)))
		if _, err := pub.Publish(ctx, ev); err != nil {
			b.Fatal(err)
		}
		if i%pubChunk == 0 || i == b.N {
			now := time.Now()
			n := i % pubChunk
			if n == 0 {
				n = pubChunk
			}
			chunks = append(chunks, float64(n)/now.Sub(chunkStart).Seconds())
			chunkStart = now
		}
	}
	timeout := time.After(5 * time.Minute)
	for _, c := range reading {
		select {
		case err := <-c.done:
			if err != nil {
				b.Fatal(err)
			}
		case <-timeout:
			b.Fatalf("a client did not get every event: %+v", statusOf(b, srv))
		}
	}
	delivered := time.Since(start)
	b.StopTimer()

	var all latencies
	for _, c := range reading {
		all.merge(&c.lat)
	}
	b.ReportMetric(float64(b.N)/delivered.Seconds(), "events/s")
	slices.Sort(chunks)
	b.ReportMetric(chunks[len(chunks)/2], "pub-events/s")
	b.ReportMetric(float64(all.quantile(0.50))/1e3, "p50-µs")
	b.ReportMetric(float64(all.quantile(0.99))/1e3, "p99-µs")

	for _, c := range clients {
		c.conn.Close()
	}
	closeCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := srv.Close(closeCtx); err != nil {
		b.Error(err)
	}
	web.Close()
	_ = bus.Close(closeCtx)
	_ = store.Close()
}

// fanoutRun is what the publisher shares with the clients: when each
// position was published, in nanoseconds since base.
type fanoutRun struct {
	base   time.Time
	last   uint64
	sentAt []atomic.Int64
}

// fanoutClient is one SSE client on a connection of its own. It reads the
// stream itself, taking only the id lines, so that the benchmark measures
// the server rather than a client's parsing.
type fanoutClient struct {
	run  *fanoutRun
	conn net.Conn
	body *bufio.Reader
	lat  latencies
	done chan error // gets nil once the client got the last event
}

func dialFanout(addr string, run *fanoutRun) (*fanoutClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/streams/all", nil)
	if err != nil {
		return nil, err
	}
	if err := req.Write(conn); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("open the stream: %s", resp.Status)
	}
	return &fanoutClient{run: run, conn: conn, body: bufio.NewReaderSize(resp.Body, 64<<10), done: make(chan error, 1)}, nil
}

func (c *fanoutClient) read() {
	prefix := []byte("id: ")
	var got uint64
	for {
		line, err := c.body.ReadSlice('\n')
		if err != nil {
			if got < c.run.last {
				c.done <- fmt.Errorf("the stream ended after %d events: %w", got, err)
			}
			return
		}
		id, ok := bytes.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(string(bytes.TrimSuffix(id, []byte("\n"))), 10, 64)
		if err != nil || p != got+1 || p > c.run.last {
			c.done <- errors.New("events out of order: " + string(line))
			return
		}
		got = p
		c.lat.add(int64(time.Since(c.run.base)) - c.run.sentAt[p].Load())
		if got == c.run.last {
			c.done <- nil
		}
	}
}

// latencies is a histogram of durations in nanoseconds, in buckets an
// eighth of a power of two wide (within 12.5%).
type latencies [64 * 8]uint64

func (h *latencies) add(ns int64) {
	h[bucketOf(uint64(max(ns, 1)))]++
}

func bucketOf(v uint64) int {
	e := bits.Len64(v) - 1
	var m uint64
	if e >= 3 {
		m = (v >> (e - 3)) & 7
	} else {
		m = (v << (3 - e)) & 7
	}
	return e*8 + int(m)
}

func (h *latencies) merge(o *latencies) {
	for i := range h {
		h[i] += o[i]
	}
}

// quantile returns the upper end of the bucket holding quantile q.
func (h *latencies) quantile(q float64) uint64 {
	var total uint64
	for _, n := range h {
		total += n
	}
	want := uint64(q * float64(total))
	var seen uint64
	for i, n := range h {
		seen += n
		if seen > want || (seen == total && n > 0) {
			e, m := i/8, uint64(i%8)
			if e >= 3 {
				return (8 + m + 1) << (e - 3)
			}
			return (8 + m + 1) >> (3 - e)
		}
	}
	return 0
}
