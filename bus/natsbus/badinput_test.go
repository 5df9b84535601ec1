package natsbus_test

import (
	"context"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewWithoutJetStream(t *testing.T) {
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(30*time.Second))
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = natsbus.New(ctx, js, fresh(t)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), s.ClientURL()[len("nats://"):], "the error names the server")
	assert.Contains(t, err.Error(), "JetStream is not enabled")
}

func TestNewRefusesAnIncompatibleStream(t *testing.T) {
	js := connect(t)
	opts := fresh(t)
	ctx := context.Background()
	_, err := natsbus.New(ctx, js, append(opts, natsbus.WithPartitions(8))...)
	require.NoError(t, err)
	for name, more := range map[string][]natsbus.Option{
		"partitions": {natsbus.WithPartitions(16)},
		"storage":    {natsbus.WithPartitions(8), natsbus.WithMemoryStorage()},
		"retention":  {natsbus.WithPartitions(8), natsbus.WithRetention(jetstream.InterestPolicy)},
	} {
		_, err := natsbus.New(ctx, js, append(opts, more...)...)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, herald.ErrInvalid, name)
	}
	// What New may change, it updates.
	_, err = natsbus.New(ctx, js, append(opts, natsbus.WithPartitions(8), natsbus.WithDuplicateWindow(time.Minute))...)
	require.NoError(t, err)
}

func TestBadOptionsAndNames(t *testing.T) {
	js := connect(t)
	for name, opt := range map[string]natsbus.Option{
		"stream":     natsbus.WithStream("a.b"),
		"prefix":     natsbus.WithSubjectPrefix("a.*"),
		"partitions": natsbus.WithPartitions(0),
		"ack wait":   natsbus.WithAckWait(time.Millisecond),
		"workers":    natsbus.WithWorkers(0),
	} {
		_, err := natsbus.New(context.Background(), js, opt)
		assert.ErrorIs(t, err, herald.ErrInvalid, name)
	}
	_, err := natsbus.New(context.Background(), js, natsbus.WithPartitions(2), natsbus.WithWorkers(3))
	assert.ErrorIs(t, err, herald.ErrInvalid, "more workers than partitions")

	b := newBus(t)
	ok := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	for _, name := range []string{"a.b", "a b", "a*", "a>", "a/b"} {
		err := b.Subscribe(herald.Subscription{Name: name, Handler: ok})
		require.Error(t, err, name)
		assert.ErrorIs(t, err, herald.ErrInvalid, name)
		assert.Contains(t, err.Error(), "consumer name", name)
	}
	bad := newEvent()
	bad.Name = "sent now"
	err = b.Publish(context.Background(), []herald.Event{bad})
	assert.ErrorIs(t, err, herald.ErrInvalid, "a name that is no subject token")
}

func TestForeignMessageIsDeadLettered(t *testing.T) {
	letters := make(chan herald.DeadLetter, 4)
	opts := fresh(t)
	js := connect(t)
	b, err := natsbus.New(context.Background(), js, append(opts, natsbus.WithPartitions(1),
		natsbus.WithDeadLetter(func(_ context.Context, d herald.DeadLetter) { letters <- d }))...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	handled := make(chan herald.Event, 4)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "reader", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error { handled <- e; return nil })}))

	prefix := "t" + streamOf(opts)
	_, err = js.Publish(context.Background(), prefix+".shop.order.placed.0", []byte("not an event"))
	require.NoError(t, err)
	e := newEvent()
	require.NoError(t, b.Publish(context.Background(), []herald.Event{e}))

	d := receive(t, letters, "the dead letter")
	assert.Equal(t, "reader", d.Subscription)
	assert.Zero(t, d.Attempts)
	assert.ErrorContains(t, d.Err, "decode")
	assert.Equal(t, e.ID, receive(t, handled, "the event after it").ID, "the consumer goes on")

	dead, err := js.Stream(context.Background(), streamOf(opts)+"_DEAD")
	require.NoError(t, err)
	m, err := dead.GetLastMsgForSubject(context.Background(), prefix+".deadletters.reader")
	require.NoError(t, err)
	assert.Equal(t, "not an event", string(m.Data))
	assert.Contains(t, m.Header.Get(natsbus.HeaderReason), "decode")
	assert.Equal(t, prefix+".shop.order.placed.0", m.Header.Get(natsbus.HeaderSubject))
}
