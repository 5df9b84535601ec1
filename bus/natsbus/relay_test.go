package natsbus_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The relay test: a child process publishes through a boltstore with an
// outbox to natsbus, and kills itself with SIGKILL in the middle of
// handing a committed batch to the bus (half of it sent); the parent
// reopens the file, redelivers the outbox, and finds every event of the
// log in the stream exactly once.

const (
	relayFileEnv   = "NATSBUS_RELAY_FILE"
	relayStreamEnv = "NATSBUS_RELAY_STREAM"
	relayBatches   = 50 // the child dies inside the bus's Publish of batch relayBatches
)

// dyingBus hands half of batch number relayBatches to the bus, then kills
// its process.
type dyingBus struct {
	*natsbus.Bus
	n int
}

func (d *dyingBus) Publish(ctx context.Context, events []herald.Event) error {
	if d.n++; d.n == relayBatches {
		_ = d.Bus.Publish(ctx, events[:len(events)/2])
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return d.Bus.Publish(ctx, events)
}

func TestRelayChild(t *testing.T) {
	path := os.Getenv(relayFileEnv)
	if path == "" {
		t.Skip("run by TestRelayExactlyOnce")
	}
	time.AfterFunc(2*time.Minute, func() { os.Exit(3) })
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	b, err := natsbus.New(context.Background(), connect(t), relayOptions(os.Getenv(relayStreamEnv))...)
	require.NoError(t, err)
	p, err := herald.NewPublisher(s, &dyingBus{Bus: b})
	require.NoError(t, err)
	for i := 0; ; i++ {
		batch := make([]herald.Event, 10)
		for j := range batch {
			batch[j] = herald.Event{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
				Name: "placed", Data: map[string]int{"i": i, "j": j}}
		}
		_, err := p.PublishBatch(context.Background(), batch)
		require.NoError(t, err)
	}
}

func relayOptions(stream string) []natsbus.Option {
	return []natsbus.Option{natsbus.WithStream(stream), natsbus.WithSubjectPrefix("t" + stream)}
}

func TestRelayExactlyOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	stream := streamOf(fresh(t))
	cmd := exec.Command(os.Args[0], "-test.run=^TestRelayChild$")
	cmd.Env = append(os.Environ(), relayFileEnv+"="+path, relayStreamEnv+"="+stream, childURLEnv+"="+serverURL)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the child ends by a signal: %s", out)
	require.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal(), "killed: %s", out)

	s, err := boltstore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	js := connect(t)
	b, err := natsbus.New(context.Background(), js, relayOptions(stream)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	p, err := herald.NewPublisher(s, b)
	require.NoError(t, err)
	n, err := p.Redeliver(context.Background())
	require.NoError(t, err)
	assert.Positive(t, n, "the batch the child died in is redelivered")

	var logged []uuid.UUID
	for e, err := range s.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		logged = append(logged, e.ID)
	}
	require.Len(t, logged, relayBatches*10, "every committed batch is in the log")

	inStream := make(map[string]int)
	c, err := js.OrderedConsumer(context.Background(), stream, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	info, err := js.Stream(context.Background(), stream)
	require.NoError(t, err)
	msgs := int(info.CachedInfo().State.Msgs)
	for range msgs {
		m, err := c.Next(jetstream.FetchMaxWait(30 * time.Second))
		require.NoError(t, err)
		inStream[m.Headers().Get("Nats-Msg-Id")]++
	}
	assert.Equal(t, len(logged), msgs, "as many messages in the stream as events in the log")
	for _, id := range logged {
		assert.Equal(t, 1, inStream[id.String()], fmt.Sprintf("event %s in the stream", id))
	}
}
