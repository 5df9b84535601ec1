package projection_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// failingModel is the bolt model with a handler that fails on the event
// at position bad until fixed, or panics when panics is set.
type failingModel struct {
	boltModel
	bad    uint64
	fixed  atomic.Bool
	panics bool
	calls  atomic.Int64 // calls with the bad event
}

func (m *failingModel) onSent(ctx context.Context, tx *bolt.Tx, e herald.Event, d Sent) error {
	if err := m.boltModel.onSent(ctx, tx, e, d); err != nil {
		return err
	}
	if e.Metadata.Position != m.bad || m.fixed.Load() {
		return nil
	}
	m.calls.Add(1)
	if m.panics {
		panic("no more room")
	}
	return errors.New("no more room")
}

func (m *failingModel) projection(t *testing.T, e *env) *projection.Projection[*bolt.Tx] {
	cfg := m.config("counts", e)
	cfg.Handlers = []projection.Handler[*bolt.Tx]{projection.On(sentName, m.onSent)}
	cfg.BatchSize = 16
	cfg.Retry = herald.RetryPolicy{InitialInterval: 1, MaxInterval: 1, MaxAttempts: 3}
	p, err := projection.New(cfg)
	require.NoError(t, err)
	return p
}

func TestFailureStopsOnTheEventAndResumeGoesOn(t *testing.T) {
	e := newBoltEnv(t)
	refs := messages(3)
	head := e.sendAll(t, refs, 100, 100)
	m := &failingModel{boltModel: boltModel{bucket: "counts"}, bad: 42}
	p := m.projection(t, e)
	run(t, p)

	err := p.Wait(testCtx(t), head)
	var failed *engine.FailedError
	require.ErrorAs(t, err, &failed)
	assert.ErrorIs(t, err, engine.ErrFailed)
	assert.Equal(t, "counts", failed.Name)
	assert.Equal(t, uint64(42), failed.Event.Metadata.Position)
	assert.Equal(t, sentName, failed.Event.FullName())
	assert.Equal(t, 3, failed.Attempts)
	assert.EqualError(t, failed.Err, "no more room")
	assert.Equal(t, int64(3), m.calls.Load())

	s, err := p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, engine.Failed, s.State)
	assert.Equal(t, uint64(41), s.Checkpoint, "every event before it applied, it not skipped")
	assert.Equal(t, head-41, s.Lag)
	assert.Same(t, failed, s.Failure)
	assert.Equal(t, uint64(2), s.Retried)
	assert.Len(t, flatten(m.read(t, e.bolt.DB())), 41, "the model holds the events before it")

	// Events keep coming; the publisher is not held back, the projection
	// stays where it stopped.
	last := e.send(t, refs[0], "more").Metadata.Position
	s, err = p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, uint64(41), s.Checkpoint)
	assert.Equal(t, engine.Failed, s.State)

	m.fixed.Store(true)
	require.NoError(t, p.Resume(testCtx(t)))
	require.NoError(t, p.Wait(testCtx(t), last))
	assert.Equal(t, expected(t, e.store), m.read(t, e.bolt.DB()))
	s, err = p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Nil(t, s.Failure)
	assert.NotEqual(t, engine.Failed, s.State)
}

func TestFailureThenRebuild(t *testing.T) {
	e := newBoltEnv(t)
	head := e.sendAll(t, messages(3), 60, 60)
	m := &failingModel{boltModel: boltModel{bucket: "counts"}, bad: 30}
	p := m.projection(t, e)
	run(t, p)
	require.ErrorIs(t, p.Wait(testCtx(t), head), engine.ErrFailed)

	// A rebuild with the handler still failing stops on the same event.
	err := p.Rebuild(testCtx(t))
	var failed *engine.FailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, uint64(30), failed.Event.Metadata.Position)

	m.fixed.Store(true)
	require.NoError(t, p.Rebuild(testCtx(t)))
	require.NoError(t, p.Wait(testCtx(t), head))
	assert.Equal(t, expected(t, e.store), m.read(t, e.bolt.DB()))
}

func TestHandlerPanicIsAFailure(t *testing.T) {
	e := newBoltEnv(t)
	head := e.sendAll(t, messages(2), 20, 20)
	m := &failingModel{boltModel: boltModel{bucket: "counts"}, bad: 7, panics: true}
	p := m.projection(t, e)
	run(t, p)
	err := p.Wait(testCtx(t), head)
	var failed *engine.FailedError
	require.ErrorAs(t, err, &failed)
	var panicked *herald.PanicError
	require.ErrorAs(t, err, &panicked)
	assert.Equal(t, "no more room", panicked.Value)
	assert.Equal(t, uint64(7), failed.Event.Metadata.Position)
	assert.Len(t, flatten(m.read(t, e.bolt.DB())), 6, "the batch with the panic rolled back to the event before it")
}

// Resume on a projection that has not failed does nothing.
func TestResumeWithoutFailure(t *testing.T) {
	e := newMemEnv(t)
	p, err := projection.New(newMemModel().config("texts", e))
	require.NoError(t, err)
	require.NoError(t, p.Resume(testCtx(t)))
	run(t, p)
	require.NoError(t, p.Resume(testCtx(t)))
	last := e.send(t, messages(1)[0], "hi").Metadata.Position
	require.NoError(t, p.Wait(testCtx(t), last))
}

// flatten returns the positions of a bolt model.
func flatten[K comparable](m map[K][]uint64) []uint64 {
	var all []uint64
	for _, ps := range m {
		all = append(all, ps[1:]...)
	}
	return all
}

// panickyModel is a model whose Apply panics the first time.
type panickyModel struct {
	projection.Model[*memModel]
	panicked atomic.Bool
}

func (m *panickyModel) Apply(ctx context.Context, name string, cp projection.Checkpoint, fn func(*memModel) error) error {
	if !m.panicked.Swap(true) {
		panic("the model's disk went away")
	}
	return m.Model.Apply(ctx, name, cp, fn)
}

// A model that panics does not bring the process down: the projection
// notes the error and tries again.
func TestModelPanicIsRetried(t *testing.T) {
	e := newMemEnv(t)
	head := e.sendAll(t, messages(2), 10, 10)
	mem := newMemModel()
	model := &panickyModel{Model: projection.Memory(mem)}
	cfg := mem.config("texts", e)
	cfg.Model = model
	p, err := projection.New(cfg)
	require.NoError(t, err)
	run(t, p)
	require.NoError(t, p.Wait(testCtx(t), head))
	assert.True(t, model.panicked.Load())
	s, err := p.Status(testCtx(t))
	require.NoError(t, err)
	var panicked *herald.PanicError
	require.ErrorAs(t, s.LastError, &panicked)
	assert.Equal(t, "the model's disk went away", panicked.Value)
	want, _ := texts(t, e.store)
	got, _ := mem.snapshot()
	assert.Equal(t, want, got)
}
