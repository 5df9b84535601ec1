package projection_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// The tests' events: messages in the communication context.
type (
	Sent struct {
		Text string `json:"text"`
	}
	Liked    struct{}
	Featured struct{}
)

const (
	sentName     = "communication.message.sent"
	likedName    = "communication.message.liked"
	featuredName = "communication.message.featured"
)

func newRegistry(t testing.TB, opts ...herald.RegistryOption) *herald.Registry {
	t.Helper()
	r, err := herald.NewRegistry(opts...)
	require.NoError(t, err)
	_, err = herald.Define[Sent](r, "communication", "message", "sent")
	require.NoError(t, err)
	_, err = herald.Define[Liked](r, "communication", "message", "liked")
	require.NoError(t, err)
	_, err = herald.Define[Featured](r, "communication", "message", "featured")
	require.NoError(t, err)
	return r
}

// env is a store, a bus and a publisher.
type env struct {
	store     herald.Store
	bus       *membus.Bus
	publisher *herald.Publisher
	bolt      *boltstore.Store // when the store is one
	registry  *herald.Registry
}

// newMemstore returns an empty memstore.
func newMemstore(t testing.TB) *memstore.Store {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	return s
}

func newMemEnv(t testing.TB) *env {
	t.Helper()
	s := newMemstore(t)
	t.Cleanup(func() { _ = s.Close() })
	return newEnv(t, s)
}

func newBoltEnv(t testing.TB) *env {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "herald.db"), boltstore.WithNoSync())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	e := newEnv(t, s)
	e.bolt = s
	return e
}

func newEnv(t testing.TB, s herald.Store) *env {
	t.Helper()
	b, err := membus.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	reg := newRegistry(t)
	p, err := herald.NewPublisher(s, b, herald.WithRegistry(reg))
	require.NoError(t, err)
	return &env{store: s, bus: b, publisher: p, registry: reg}
}

// messages returns n message aggregates.
func messages(n int) []herald.AggregateRef {
	refs := make([]herald.AggregateRef, n)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	}
	return refs
}

// sendAll publishes n "sent" events over refs in batches, and returns the
// position of the last.
func (e *env) sendAll(t testing.TB, refs []herald.AggregateRef, n, batch int) uint64 {
	t.Helper()
	var last uint64
	events := make([]herald.Event, 0, batch)
	for i := range n {
		events = append(events, herald.Event{Aggregate: refs[i%len(refs)], Name: "sent", Data: Sent{Text: fmt.Sprintf("m%d", i)}})
		if len(events) == batch || i == n-1 {
			stored, err := e.publisher.PublishBatch(context.Background(), events)
			require.NoError(t, err)
			last = stored[len(stored)-1].Metadata.Position
			events = events[:0]
		}
	}
	return last
}

func (e *env) send(t testing.TB, ref herald.AggregateRef, text string) herald.Event {
	t.Helper()
	stored, err := e.publisher.Publish(context.Background(), herald.Event{Aggregate: ref, Name: "sent", Data: Sent{Text: text}})
	require.NoError(t, err)
	return stored
}

// run runs c until the test ends, and checks that Run returned nil.
func run(t testing.TB, c projection.Consumer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

// testCtx is a context that ends a little before the test's deadline.
func testCtx(t testing.TB) context.Context {
	ctx := context.Background()
	if tt, ok := t.(*testing.T); ok {
		if d, ok := tt.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
			t.Cleanup(cancel)
		}
	}
	return ctx
}

// waitState waits until c reports state.
func waitState(t testing.TB, c projection.Consumer, state engine.State) engine.Status {
	t.Helper()
	ctx := testCtx(t)
	for {
		s, err := c.Status(ctx)
		require.NoError(t, err)
		if s.State == state {
			return s
		}
		select {
		case <-ctx.Done():
			require.Failf(t, "state not reached", "want %v, have %v", state, s.State)
		case <-time.After(time.Millisecond):
		}
	}
}

// fastRetry retries quickly, twice in all.
var fastRetry = herald.RetryPolicy{InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, MaxAttempts: 2}

// ---- a bbolt read model: message counts and texts per aggregate

// boltModel is the tests' model on bbolt: in bucket, per aggregate id, the
// count of its messages and the positions they were applied at.
type boltModel struct{ bucket string }

func (m boltModel) onSent(ctx context.Context, tx *bolt.Tx, e herald.Event, d Sent) error {
	b, err := tx.CreateBucketIfNotExists([]byte(m.bucket))
	if err != nil {
		return err
	}
	key := e.Aggregate.ID[:]
	v := append([]byte(nil), b.Get(key)...)
	if len(v) == 0 {
		v = make([]byte, 8)
	}
	binary.BigEndian.PutUint64(v, binary.BigEndian.Uint64(v)+1)
	v = binary.BigEndian.AppendUint64(v, e.Metadata.Position)
	return b.Put(key, v)
}

// read returns the model: per aggregate, its count and positions.
func (m boltModel) read(t testing.TB, db *bolt.DB) map[uuid.UUID][]uint64 {
	t.Helper()
	out := make(map[uuid.UUID][]uint64)
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(m.bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var ps []uint64
			for i := 0; i+8 <= len(v); i += 8 {
				ps = append(ps, binary.BigEndian.Uint64(v[i:]))
			}
			out[uuid.UUID(k)] = ps
			return nil
		})
	}))
	return out
}

func (m boltModel) config(name string, e *env) projection.Config[*bolt.Tx] {
	return projection.Config[*bolt.Tx]{
		Name: name, Store: e.store, Bus: e.bus, Model: projection.Bolt(e.bolt.DB()),
		Handlers: []projection.Handler[*bolt.Tx]{projection.On(sentName, m.onSent)},
		Reset:    projection.DeleteBuckets(m.bucket),
		Registry: e.registry, Retry: fastRetry,
	}
}

// expected returns what the model holds once it applied every event of
// the store once.
func expected(t testing.TB, s herald.Store) map[uuid.UUID][]uint64 {
	t.Helper()
	out := make(map[uuid.UUID][]uint64)
	for e, err := range s.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		if e.FullName() != sentName {
			continue
		}
		ps := out[e.Aggregate.ID]
		if ps == nil {
			ps = []uint64{0}
		}
		ps[0]++
		out[e.Aggregate.ID] = append(ps, e.Metadata.Position)
	}
	return out
}

// ---- a model in memory

// memModel is a read model in memory: the texts per aggregate, in the
// order applied, and the positions applied.
type memModel struct {
	mu        sync.Mutex
	texts     map[uuid.UUID][]string
	positions []uint64
	last      uint64 // the position applied last, for idempotent handlers
}

func newMemModel() *memModel { return &memModel{texts: make(map[uuid.UUID][]string)} }

func (m *memModel) onSent(_ context.Context, _ *memModel, e herald.Event, d Sent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.texts[e.Aggregate.ID] = append(m.texts[e.Aggregate.ID], d.Text)
	m.positions = append(m.positions, e.Metadata.Position)
	m.last = e.Metadata.Position
	return nil
}

func (m *memModel) reset(context.Context, *memModel) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.texts = make(map[uuid.UUID][]string)
	m.positions = nil
	m.last = 0
	return nil
}

func (m *memModel) snapshot() ([]uint64, map[uuid.UUID][]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	texts := make(map[uuid.UUID][]string, len(m.texts))
	for k, v := range m.texts {
		texts[k] = append([]string(nil), v...)
	}
	return append([]uint64(nil), m.positions...), texts
}

func (m *memModel) config(name string, e *env) projection.Config[*memModel] {
	return projection.Config[*memModel]{
		Name: name, Store: e.store, Bus: e.bus, Model: projection.Memory(m),
		Handlers: []projection.Handler[*memModel]{projection.On(sentName, m.onSent)},
		Reset:    m.reset, Registry: e.registry, Retry: fastRetry,
	}
}

// texts returns the texts per aggregate of the store's "sent" events.
func texts(t testing.TB, s herald.Store) ([]uint64, map[uuid.UUID][]string) {
	t.Helper()
	var ps []uint64
	out := make(map[uuid.UUID][]string)
	for e, err := range s.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		if e.FullName() != sentName {
			continue
		}
		d, err := herald.DataAs[Sent](&e)
		require.NoError(t, err)
		out[e.Aggregate.ID] = append(out[e.Aggregate.ID], d.Text)
		ps = append(ps, e.Metadata.Position)
	}
	return ps, out
}

// logBuffer is a logger whose lines the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
