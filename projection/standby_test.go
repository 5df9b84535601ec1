package projection_test

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// counts is a read model in memory: the positions of the "sent" events it
// applied, in order.
type counts struct {
	mu        sync.Mutex
	positions []uint64
}

func (c *counts) add(pos uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.positions = append(c.positions, pos)
}

func (c *counts) clear(context.Context, *counts) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.positions = nil
	return nil
}

func (c *counts) all() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]uint64(nil), c.positions...)
}

// sentPositions returns the positions of the store's "sent" events.
func sentPositions(t *testing.T, s herald.Store) []uint64 {
	t.Helper()
	ps, _ := texts(t, s)
	return ps
}

// answering returns the model View hands out.
func answering(t *testing.T, p *projection.Projection[*counts]) *counts {
	t.Helper()
	var got *counts
	require.NoError(t, p.View(testCtx(t), func(x *counts) error { got = x; return nil }))
	return got
}

func TestRebuildBesideTheAnsweringModel(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(5)
	blue, green := &counts{}, &counts{}
	held, hold := make(chan struct{}), make(chan struct{})
	var once sync.Once
	apply := func(_ context.Context, x *counts, ev herald.Event, _ Sent) error {
		if x == green {
			once.Do(func() { close(held); <-hold })
		}
		x.add(ev.Metadata.Position)
		return nil
	}
	// The reset hook clears the model it is given.
	p, err := projection.New(projection.Config[*counts]{
		Name: "counts", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry, BatchSize: 8,
		Model: projection.Memory(blue), Standby: projection.Memory(green),
		Handlers: []projection.Handler[*counts]{projection.On(sentName, apply)},
		Reset:    func(ctx context.Context, x *counts) error { return x.clear(ctx, x) },
	})
	require.NoError(t, err)
	run(t, p)
	head := e.sendAll(t, refs, 100, 10)
	require.NoError(t, p.Wait(testCtx(t), head))
	require.Same(t, blue, answering(t, p))

	rebuilt := make(chan error, 1)
	go func() { rebuilt <- p.Rebuild(testCtx(t)) }()
	<-held // the standby is cleared and its rebuild begun
	head = e.sendAll(t, refs, 20, 5)
	require.NoError(t, p.Wait(testCtx(t), head), "the answering model goes on while the other rebuilds")
	assert.Same(t, blue, answering(t, p), "it answers all the while")
	assert.Equal(t, sentPositions(t, e.store), blue.all(), "with every event, live ones too")
	s, err := p.Status(testCtx(t))
	require.NoError(t, err)
	require.NotNil(t, s.Progress, "the rebuild reports its progress")

	close(hold)
	require.NoError(t, <-rebuilt)
	require.Same(t, green, answering(t, p), "the rebuilt model answers after the switch")
	assert.Equal(t, sentPositions(t, e.store), green.all(), "every event once, in order")

	head = e.sendAll(t, refs, 5, 5)
	require.NoError(t, p.Wait(testCtx(t), head))
	assert.Equal(t, sentPositions(t, e.store), green.all(), "live events go to the new model")
	assert.Len(t, blue.all(), 120, "the old one is no longer written")
}

// bucketKeys returns the positions kept in the top-level bucket name.
func bucketKeys(t *testing.T, db *bolt.DB, name string) []uint64 {
	t.Helper()
	var out []uint64
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(name))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out = append(out, binary.BigEndian.Uint64(k))
			return nil
		})
	}))
	return out
}

func TestRebuildBesideOnBoltOutlastsARestart(t *testing.T) {
	e := newBoltEnv(t)
	db := e.bolt.DB()
	refs := messages(3)
	newProjection := func() *projection.Projection[*bolt.Bucket] {
		p, err := projection.New(projection.Config[*bolt.Bucket]{
			Name: "positions", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry, BatchSize: 16,
			Model: projection.BoltIn(db, "positions.a"), Standby: projection.BoltIn(db, "positions.b"),
			Handlers: []projection.Handler[*bolt.Bucket]{projection.On(sentName,
				func(_ context.Context, b *bolt.Bucket, ev herald.Event, _ Sent) error {
					return b.Put(binary.BigEndian.AppendUint64(nil, ev.Metadata.Position), nil)
				})},
			Reset: projection.ClearBucket,
		})
		require.NoError(t, err)
		return p
	}
	p := newProjection()
	stop := run(t, p)
	head := e.sendAll(t, refs, 50, 10)
	require.NoError(t, p.Wait(testCtx(t), head))
	require.NoError(t, p.Rebuild(testCtx(t)))
	all := sentPositions(t, e.store)
	assert.Equal(t, all, bucketKeys(t, db, "positions.b"), "rebuilt into the standby")
	var n int
	require.NoError(t, p.View(testCtx(t), func(b *bolt.Bucket) error { n = b.Stats().KeyN; return nil }))
	assert.Equal(t, 50, n, "View reads the rebuilt bucket")
	stop()

	p = newProjection()
	run(t, p)
	head = e.sendAll(t, refs, 10, 10)
	require.NoError(t, p.Wait(testCtx(t), head))
	assert.Equal(t, sentPositions(t, e.store), bucketKeys(t, db, "positions.b"), "after the restart the rebuilt bucket answers")
	assert.Equal(t, all, bucketKeys(t, db, "positions.a"), "the other is no longer written")
}

func TestRebuildUnderLiveTrafficRunsNoFlowTwice(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(4)
	var mu sync.Mutex
	reactions := make(map[uuid.UUID]int)
	flow, err := projection.NewFlow(projection.FlowConfig{
		Name: "notifier", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry,
		Reactions: []projection.Reaction{projection.When(sentName, func(_ context.Context, ev herald.Event, _ Sent) error {
			mu.Lock()
			reactions[ev.ID]++
			mu.Unlock()
			return nil
		})},
	})
	require.NoError(t, err)
	blue, green := &counts{}, &counts{}
	p, err := projection.New(projection.Config[*counts]{
		Name: "counts", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry, BatchSize: 4,
		Model: projection.Memory(blue), Standby: projection.Memory(green),
		Handlers: []projection.Handler[*counts]{projection.On(sentName,
			func(_ context.Context, x *counts, ev herald.Event, _ Sent) error {
				x.add(ev.Metadata.Position)
				return nil
			})},
		Reset: func(ctx context.Context, x *counts) error { return x.clear(ctx, x) },
	})
	require.NoError(t, err)
	var r projection.Runner
	require.NoError(t, r.Add(p, flow))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	head := e.sendAll(t, refs, 40, 4)
	require.NoError(t, p.Wait(testCtx(t), head))
	sending := make(chan uint64, 1)
	go func() { sending <- e.sendAll(t, refs, 40, 2) }()
	for range 3 {
		require.NoError(t, p.Rebuild(testCtx(t)))
	}
	head = <-sending
	require.NoError(t, p.Wait(testCtx(t), head))
	require.NoError(t, flow.Wait(testCtx(t), head))
	cancel()
	require.NoError(t, <-done)
	assert.Equal(t, sentPositions(t, e.store), answering(t, p).all(), "the rebuilt model has every event once")

	// Replaying the log into a flow of the same name, as after a restart,
	// runs nothing again either.
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- flow.Run(ctx) }()
	head = e.sendAll(t, refs, 1, 1)
	require.NoError(t, flow.Wait(testCtx(t), head))
	cancel()
	require.NoError(t, <-done)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reactions, 81)
	for id, n := range reactions {
		assert.Equal(t, 1, n, "the reaction to %s ran once", id)
	}
}
