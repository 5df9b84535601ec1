package natsbus_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// urlEnv names a server to run the tests against instead of the embedded
// one; childURLEnv hands a child process the server of its parent.
const (
	urlEnv      = "HERALD_NATS_URL"
	childURLEnv = "NATSBUS_TEST_URL"
)

// serverURL is the URL of the server every test uses.
var serverURL string

// TestMain starts a NATS server with JetStream on a random port of
// 127.0.0.1 with its store in a temporary directory, unless HERALD_NATS_URL
// names one, or the process is a child of a test.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if u := os.Getenv(childURLEnv); u != "" {
		serverURL = u
		return m.Run()
	}
	if u := os.Getenv(urlEnv); u != "" {
		serverURL = u
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "natsbus-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true,
		MaxPayload: 8 << 20,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		fmt.Fprintln(os.Stderr, "natsbus test: the embedded server did not start")
		return 1
	}
	defer s.Shutdown()
	serverURL = s.ClientURL()
	return m.Run()
}

// connect returns a JetStream context on a new connection to the test
// server, closed when the test ends.
func connect(t testing.TB) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(serverURL)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}

// lastFresh is the stream name fresh returned last; tests that read it
// call fresh on their own goroutine and run one at a time.
var lastFresh string

// streams counts the streams tests made, so that each is new.
var streams atomic.Int64

// fresh returns options for a stream and subjects of their own, so that no
// two tests share consumers.
func fresh(t testing.TB) []natsbus.Option {
	n := streams.Add(1)
	name := fmt.Sprintf("T%d_%d", os.Getpid(), n)
	lastFresh = name
	t.Cleanup(func() {
		js := connect(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = js.DeleteStream(ctx, name)
		_ = js.DeleteStream(ctx, name+"_DEAD")
	})
	return []natsbus.Option{natsbus.WithStream(name), natsbus.WithSubjectPrefix("t" + name)}
}

// newBus returns a bus on a stream of its own, closed when the test ends.
func newBus(t testing.TB, opts ...natsbus.Option) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.New(context.Background(), connect(t), append(fresh(t), opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := b.Close(ctx); err != nil && !errors.Is(err, herald.ErrClosed) {
			t.Errorf("close: %v", err)
		}
	})
	return b
}

// streamOf returns the stream name fresh chose last.
func streamOf([]natsbus.Option) string { return lastFresh }

// newEvent returns an event of a new aggregate.
func newEvent() herald.Event {
	return herald.Event{
		Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
		Name:      "placed", ID: uuid.New(), Type: herald.TypeDomain, Data: 1,
		Metadata: herald.Metadata{Timestamp: time.Now().UTC(), Revision: 1},
	}
}

// receive returns what ch gets, failing after a minute.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("%s: nothing within a minute", what)
		panic("unreachable")
	}
}
