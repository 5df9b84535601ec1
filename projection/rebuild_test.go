package projection_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// progressLog keeps the progress a rebuild reports, and can hold the
// rebuild at its first report, right after the reset.
type progressLog struct {
	mu      sync.Mutex
	reports []engine.Progress
	hold    chan struct{} // when not nil, the first report waits for it to close
	held    chan struct{} // closed when the first report waits
}

func (l *progressLog) report(p engine.Progress) {
	l.mu.Lock()
	l.reports = append(l.reports, p)
	hold, held := l.hold, l.held
	l.hold = nil
	l.mu.Unlock()
	if hold != nil {
		close(held)
		<-hold
	}
}

func (l *progressLog) holdNext() (held, release chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hold, l.held = make(chan struct{}), make(chan struct{})
	return l.held, l.hold
}

func (l *progressLog) all() []engine.Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]engine.Progress(nil), l.reports...)
}

func TestRebuildWithLiveEventsArriving(t *testing.T) {
	e := newBoltEnv(t)
	refs := messages(6)
	before := e.sendAll(t, refs, 600, 50)
	m := boltModel{bucket: "counts"}
	var progress progressLog
	var logs logBuffer
	cfg := m.config("counts", e)
	cfg.BatchSize = 32
	cfg.Progress, cfg.ProgressInterval = progress.report, time.Nanosecond
	cfg.Logger = logs.logger()
	p, err := projection.New(cfg)
	require.NoError(t, err)
	run(t, p)
	require.NoError(t, p.Wait(testCtx(t), before))
	waitState(t, p, engine.Live)

	held, release := progress.holdNext()
	rebuilt := make(chan error, 1)
	go func() { rebuilt <- p.Rebuild(testCtx(t)) }()
	<-held // the model is reset, the replay not begun

	db := e.bolt.DB()
	assert.Empty(t, m.read(t, db), "the reset hook cleared the model")
	s, err := p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, engine.Rebuilding, s.State)
	require.NotNil(t, s.Progress)
	assert.Equal(t, before, s.Progress.Total)
	assert.Zero(t, s.Checkpoint, "the checkpoint was cleared with the model")
	// Live events come while it rebuilds.
	var last uint64
	for i := range 150 {
		last = e.send(t, refs[i%len(refs)], "during").Metadata.Position
	}
	close(release)
	require.NoError(t, <-rebuilt)
	require.NoError(t, p.Wait(testCtx(t), last))

	assert.Equal(t, expected(t, e.store), m.read(t, db), "every event once, each aggregate's in order")
	reports := progress.all()
	require.GreaterOrEqual(t, len(reports), 2)
	assert.Equal(t, uint64(0), reports[0].Done)
	for i, r := range reports {
		assert.Equal(t, "counts", r.Name)
		assert.Equal(t, before, r.Total, "the total is the head when the rebuild began")
		if i > 0 {
			assert.GreaterOrEqual(t, r.Done, reports[i-1].Done)
		}
	}
	final := reports[len(reports)-1]
	assert.Equal(t, before, final.Done)
	assert.Positive(t, final.Rate)
	assert.Zero(t, final.Remaining)
	assert.Contains(t, logs.String(), "rebuild begins")
	assert.Contains(t, logs.String(), "rebuilding")
	assert.Contains(t, logs.String(), "rebuild done")
}

func TestRebuildWithoutRun(t *testing.T) {
	e := newBoltEnv(t)
	head := e.sendAll(t, messages(4), 300, 100)
	m := boltModel{bucket: "counts"}
	var progress progressLog
	cfg := m.config("counts", e)
	cfg.Progress = progress.report
	p, err := projection.New(cfg)
	require.NoError(t, err)
	stop := run(t, p)
	require.NoError(t, p.Wait(testCtx(t), head))
	stop()
	// Spoil the model: the rebuild must not build on it.
	require.NoError(t, e.bolt.DB().Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("counts")).Put([]byte("junk"), make([]byte, 8))
	}))

	require.NoError(t, p.Rebuild(testCtx(t)))
	assert.Equal(t, expected(t, e.store), m.read(t, e.bolt.DB()))
	s, err := p.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, engine.Stopped, s.State)
	assert.Equal(t, head, s.Checkpoint)
	reports := progress.all()
	require.NotEmpty(t, reports)
	assert.Equal(t, head, reports[len(reports)-1].Done)
}

// A projection whose version changed rebuilds its model when it starts.
func TestVersionChangeRebuildsOnStart(t *testing.T) {
	e := newBoltEnv(t)
	head := e.sendAll(t, messages(3), 200, 50)
	db := e.bolt.DB()
	v1 := boltModel{bucket: "counts"}
	p, err := projection.New(v1.config("counts", e))
	require.NoError(t, err)
	stop := run(t, p)
	require.NoError(t, p.Wait(testCtx(t), head))
	stop()

	// Version 2 keeps one key per message, "v2", in the same bucket.
	cfg := v1.config("counts", e)
	cfg.Version = 2
	cfg.Handlers = []projection.Handler[*bolt.Tx]{projection.On(sentName,
		func(_ context.Context, tx *bolt.Tx, ev herald.Event, _ Sent) error {
			b, err := tx.CreateBucketIfNotExists([]byte("counts"))
			if err != nil {
				return err
			}
			return b.Put(ev.ID[:], []byte("v2"))
		})}
	p2, err := projection.New(cfg)
	require.NoError(t, err)
	run(t, p2)
	require.NoError(t, p2.Wait(testCtx(t), head))
	var keys int
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		version, pos := boltCheckpoint(t, tx, "counts")
		assert.Equal(t, uint64(2), version)
		assert.Equal(t, head, pos)
		return tx.Bucket([]byte("counts")).ForEach(func(_, v []byte) error {
			keys++
			assert.Equal(t, "v2", string(v), "nothing of version 1 is left")
			return nil
		})
	}))
	assert.Equal(t, int(head), keys)
	s, err := p2.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, 2, s.Version)
}

// Two rebuilds asked for at once, and one asked for when the log is
// empty, both end.
func TestRebuildOfAnEmptyLog(t *testing.T) {
	e := newMemEnv(t)
	m := newMemModel()
	p, err := projection.New(m.config("texts", e))
	require.NoError(t, err)
	require.NoError(t, p.Rebuild(testCtx(t)))
	run(t, p)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, p.Rebuild(testCtx(t)))
		}()
	}
	wg.Wait()
}
