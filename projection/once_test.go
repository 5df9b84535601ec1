package projection_test

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// boltCheckpoint reads the checkpoint of name in tx.
func boltCheckpoint(t testing.TB, tx *bolt.Tx, name string) (version, position uint64) {
	b := tx.Bucket([]byte(projection.BoltBucket))
	if b == nil {
		return 0, 0
	}
	v := b.Get([]byte(name))
	if v == nil {
		return 0, 0
	}
	require.Len(t, v, 16)
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
}

// On bbolt, every state of the file another reader can see has the model
// and the checkpoint in step: the model holds exactly the events up to
// the checkpoint.
func TestBoltModelAndCheckpointCommitTogether(t *testing.T) {
	e := newBoltEnv(t)
	refs := messages(5)
	head := e.sendAll(t, refs, 5000, 500)
	m := boltModel{bucket: "counts"}
	cfg := m.config("counts", e)
	cfg.BatchSize = 50
	p, err := projection.New(cfg)
	require.NoError(t, err)

	db := e.bolt.DB()
	done := make(chan struct{})
	var views, midway atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			assert.NoError(t, db.View(func(tx *bolt.Tx) error {
				_, pos := boltCheckpoint(t, tx, "counts")
				var sum uint64
				if b := tx.Bucket([]byte("counts")); b != nil {
					_ = b.ForEach(func(_, v []byte) error {
						sum += binary.BigEndian.Uint64(v)
						return nil
					})
				}
				assert.Equal(t, pos, sum, "the model holds the events up to its checkpoint")
				if pos > 0 && pos < head {
					midway.Add(1)
				}
				return nil
			}))
			views.Add(1)
		}
	}()
	run(t, p)
	require.NoError(t, p.Wait(testCtx(t), head))
	close(done)
	wg.Wait()
	assert.Equal(t, expected(t, e.store), m.read(t, db))
	t.Logf("%d views, %d of them mid-way", views.Load(), midway.Load())
}

// A handler that writes to its model and then fails: on bbolt the batch
// rolls back and the retry applies the event once; in memory what the
// failed attempt wrote stays, and the event takes effect twice.
func TestFailedAttemptOnBoltLeavesNoTrace(t *testing.T) {
	const failAt = 37
	t.Run("bolt: exactly once", func(t *testing.T) {
		e := newBoltEnv(t)
		head := e.sendAll(t, messages(3), 100, 100)
		m := boltModel{bucket: "counts"}
		var failed atomic.Bool
		cfg := m.config("counts", e)
		cfg.Handlers = []projection.Handler[*bolt.Tx]{projection.On(sentName,
			func(ctx context.Context, tx *bolt.Tx, ev herald.Event, d Sent) error {
				if err := m.onSent(ctx, tx, ev, d); err != nil {
					return err
				}
				if ev.Metadata.Position == failAt && !failed.Swap(true) {
					return errors.New("flaky")
				}
				return nil
			})}
		p, err := projection.New(cfg)
		require.NoError(t, err)
		run(t, p)
		require.NoError(t, p.Wait(testCtx(t), head))
		assert.True(t, failed.Load())
		assert.Equal(t, expected(t, e.store), m.read(t, e.bolt.DB()))
		s, err := p.Status(testCtx(t))
		require.NoError(t, err)
		assert.Equal(t, uint64(1), s.Retried)
		assert.ErrorContains(t, s.LastError, "flaky")
	})
	t.Run("memory: at least once", func(t *testing.T) {
		e := newMemEnv(t)
		head := e.sendAll(t, messages(3), 100, 100)
		m := newMemModel()
		var failed atomic.Bool
		cfg := m.config("texts", e)
		cfg.Handlers = []projection.Handler[*memModel]{projection.On(sentName,
			func(ctx context.Context, x *memModel, ev herald.Event, d Sent) error {
				_ = m.onSent(ctx, x, ev, d)
				if ev.Metadata.Position == failAt && !failed.Swap(true) {
					return errors.New("flaky")
				}
				return nil
			})}
		p, err := projection.New(cfg)
		require.NoError(t, err)
		run(t, p)
		require.NoError(t, p.Wait(testCtx(t), head))
		positions, _ := m.snapshot()
		want := make([]uint64, 0, head+1)
		for pos := uint64(1); pos <= head; pos++ {
			want = append(want, pos)
			if pos == failAt {
				want = append(want, pos) // the failed attempt's write stays
			}
		}
		assert.Equal(t, want, positions)
	})
}

// lossyCheckpoints is a checkpoint store that stops saving while lose is
// set, as if the process had crashed after the handlers ran and before
// the checkpoint was saved.
type lossyCheckpoints struct {
	driver.CheckpointStore
	lose atomic.Bool
	only string // the checkpoint it loses; "" for all
}

func (c *lossyCheckpoints) SaveCheckpoint(ctx context.Context, name string, position uint64) error {
	if c.lose.Load() && (c.only == "" || c.only == name) {
		return nil
	}
	return c.CheckpointStore.SaveCheckpoint(ctx, name, position)
}

// A model outside the store gets the events since the last checkpoint
// saved again after a crash: at least once. A handler that records the
// position it applied last applies each once.
func TestExternalModelIsAtLeastOnce(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(4)
	first := e.sendAll(t, refs, 100, 10)
	checkpoints := &lossyCheckpoints{CheckpointStore: newMemstore(t), only: "texts"}

	// The model outside: what a naive handler applied, and what an
	// idempotent one did.
	naive, idempotent := newMemModel(), newMemModel()
	var calls atomic.Int64
	newProjection := func() *projection.Projection[*memModel] {
		p, err := projection.New(projection.Config[*memModel]{
			Name: "texts", Store: e.store, Bus: e.bus,
			Model: projection.External(checkpoints, idempotent),
			Handlers: []projection.Handler[*memModel]{projection.On(sentName,
				func(ctx context.Context, m *memModel, ev herald.Event, d Sent) error {
					calls.Add(1)
					_ = naive.onSent(ctx, naive, ev, d)
					m.mu.Lock()
					seen := ev.Metadata.Position <= m.last
					m.mu.Unlock()
					if seen {
						return nil
					}
					return m.onSent(ctx, m, ev, d)
				})},
			Reset: idempotent.reset, BatchSize: 16,
		})
		require.NoError(t, err)
		return p
	}

	p := newProjection()
	stop := run(t, p)
	require.NoError(t, p.Wait(testCtx(t), first))
	checkpoints.lose.Store(true) // the checkpoints saved from here on are lost
	second := e.sendAll(t, refs, 50, 5)
	require.NoError(t, p.Wait(testCtx(t), second))
	stop()
	checkpoints.lose.Store(false)
	saved, err := checkpoints.LoadCheckpoint(context.Background(), "texts")
	require.NoError(t, err)
	require.Equal(t, first, saved)

	// The restart gets the events after the checkpoint saved last again.
	p = newProjection()
	run(t, p)
	require.NoError(t, p.Wait(testCtx(t), second))
	assert.Equal(t, int64(second+(second-first)), calls.Load(), "the lost batch is delivered again")

	wantPositions, wantTexts := texts(t, e.store)
	gotPositions, gotTexts := idempotent.snapshot()
	assert.Equal(t, wantPositions, gotPositions, "the idempotent handler applies each event once")
	assert.Equal(t, wantTexts, gotTexts)
	naivePositions, _ := naive.snapshot()
	assert.Len(t, naivePositions, int(second+(second-first)))
	seen := make(map[uint64]bool)
	for _, pos := range naivePositions {
		seen[pos] = true
	}
	assert.Len(t, seen, int(second), "every event at least once")
}

// External keeps the version beside the checkpoint: a reset that did not
// complete (a crash, a failure) is begun again at the next start.
func TestExternalRebuildCutShortIsBegunAgain(t *testing.T) {
	e := newMemEnv(t)
	head := e.sendAll(t, messages(2), 20, 20)
	checkpoints := newMemstore(t)
	m := newMemModel()
	newProjection := func(version int, reset func(context.Context, *memModel) error) *projection.Projection[*memModel] {
		p, err := projection.New(projection.Config[*memModel]{
			Name: "texts", Version: version, Store: e.store, Model: projection.External(checkpoints, m),
			Handlers: []projection.Handler[*memModel]{projection.On(sentName, m.onSent)},
			Reset:    reset, Retry: fastRetry,
		})
		require.NoError(t, err)
		return p
	}
	p := newProjection(1, m.reset)
	require.NoError(t, p.Rebuild(testCtx(t)))
	// Version 2's reset fails: the version saved says a reset is under way.
	p = newProjection(2, func(context.Context, *memModel) error { return errors.New("disk full") })
	require.ErrorContains(t, p.Rebuild(testCtx(t)), "disk full")
	// Back to version 1, whose checkpoint is still there: it rebuilds all
	// the same, and the model holds each event once.
	var resets atomic.Int64
	p = newProjection(1, func(ctx context.Context, x *memModel) error { resets.Add(1); return m.reset(ctx, x) })
	run(t, p)
	require.NoError(t, p.Wait(testCtx(t), head))
	assert.Equal(t, int64(1), resets.Load())
	want, _ := texts(t, e.store)
	got, _ := m.snapshot()
	assert.Equal(t, want, got)
}
