package projection_test

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// A projection whose handler is stuck holds back neither the publisher
// nor the other projections; once unstuck it catches up, in order.
func TestSlowProjectionHoldsBackNoOne(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(5)
	fast, slow := newMemModel(), newMemModel()
	gate := make(chan struct{})
	fastP, err := projection.New(fast.config("fast", e))
	require.NoError(t, err)
	cfg := slow.config("slow", e)
	cfg.LiveBuffer = 4
	cfg.Handlers = []projection.Handler[*memModel]{projection.On(sentName,
		func(ctx context.Context, m *memModel, ev herald.Event, d Sent) error {
			<-gate
			return slow.onSent(ctx, m, ev, d)
		})}
	slowP, err := projection.New(cfg)
	require.NoError(t, err)

	var r projection.Runner
	require.NoError(t, r.Add(fastP, slowP))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitState(t, fastP, engine.Live)
	waitState(t, slowP, engine.Live)

	var last uint64
	for i := range 200 {
		last = e.send(t, refs[i%len(refs)], "m").Metadata.Position // never blocks
	}
	require.NoError(t, fastP.Wait(testCtx(t), last))
	s, err := slowP.Status(testCtx(t))
	require.NoError(t, err)
	assert.Less(t, s.Checkpoint, last)
	assert.Equal(t, last-s.Checkpoint, s.Lag)

	close(gate)
	require.NoError(t, slowP.Wait(testCtx(t), last))
	wantPositions, wantTexts := texts(t, e.store)
	for _, m := range []*memModel{fast, slow} {
		positions, got := m.snapshot()
		assert.Equal(t, wantPositions, positions, "each event once, in order")
		assert.Equal(t, wantTexts, got)
	}
	statuses, err := r.Status(testCtx(t))
	require.NoError(t, err)
	for _, s := range statuses {
		assert.Equal(t, last, s.Checkpoint)
	}
	cancel()
	require.NoError(t, <-done)
}

// Events stored without being published on the bus are found by reading
// the store: when a later one comes live, or at the poll interval.
func TestEventsStoredWithoutTheBus(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(2)
	m := newMemModel()
	p, err := projection.New(m.config("texts", e))
	require.NoError(t, err)
	run(t, p)
	waitState(t, p, engine.Live)
	quiet, err := herald.NewPublisher(e.store, nil, herald.WithRegistry(e.registry))
	require.NoError(t, err)
	for i := range 5 {
		_, err := quiet.Publish(context.Background(), herald.Event{Aggregate: refs[i%2], Name: "sent", Data: Sent{Text: "quiet"}})
		require.NoError(t, err)
	}
	last := e.send(t, refs[0], "loud").Metadata.Position
	require.NoError(t, p.Wait(testCtx(t), last))
	want, _ := texts(t, e.store)
	got, _ := m.snapshot()
	assert.Equal(t, want, got)
}

func TestPollingWithoutABus(t *testing.T) {
	e := newMemEnv(t)
	m := newMemModel()
	cfg := m.config("texts", e)
	cfg.Bus, cfg.PollInterval = nil, 5e6
	p, err := projection.New(cfg)
	require.NoError(t, err)
	run(t, p)
	last := e.sendAll(t, messages(3), 30, 10)
	require.NoError(t, p.Wait(testCtx(t), last))
	want, _ := texts(t, e.store)
	got, _ := m.snapshot()
	assert.Equal(t, want, got)
}

// A projection stopped and started again goes on from its checkpoint.
func TestResumesFromItsCheckpoint(t *testing.T) {
	e := newBoltEnv(t)
	refs := messages(3)
	first := e.sendAll(t, refs, 50, 10)
	m := boltModel{bucket: "counts"}
	var applied []uint64
	cfg := m.config("counts", e)
	cfg.Handlers = []projection.Handler[*bolt.Tx]{projection.On(sentName,
		func(ctx context.Context, tx *bolt.Tx, ev herald.Event, d Sent) error {
			applied = append(applied, ev.Metadata.Position)
			return m.onSent(ctx, tx, ev, d)
		})}
	p, err := projection.New(cfg)
	require.NoError(t, err)
	stop := run(t, p)
	require.NoError(t, p.Wait(testCtx(t), first))
	stop()
	s, err := p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, engine.Stopped, s.State)
	second := e.sendAll(t, refs, 20, 10)
	s, err = p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, first, s.Checkpoint)
	assert.Equal(t, second, s.Head)
	assert.Equal(t, second-first, s.Lag)

	applied = nil
	p2, err := projection.New(cfg)
	require.NoError(t, err)
	run(t, p2)
	require.NoError(t, p2.Wait(testCtx(t), second))
	want := make([]uint64, 0, second-first)
	for pos := first + 1; pos <= second; pos++ {
		want = append(want, pos)
	}
	assert.Equal(t, want, applied, "only the events after the checkpoint")
	assert.Equal(t, expected(t, e.store), m.read(t, e.bolt.DB()))
}
