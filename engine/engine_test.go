package engine_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/store/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const timeout = time.Minute

// newStore returns a memstore closed when the test ends.
func newStore(t *testing.T) *memstore.Store {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// shared is a consumer whose checkpoint and handled positions several
// engines share, as processes share a store.
type shared struct {
	inside     atomic.Int32 // Apply calls under way
	mu         sync.Mutex
	checkpoint uint64
	handled    []uint64
	by         map[string]int
}

// as returns the consumer for the engine called who.
func (s *shared) as(who string) engine.Consumer { return &member{s: s, who: who} }

type member struct {
	s   *shared
	who string
}

func (m *member) Start(context.Context) (uint64, bool, error) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	return m.s.checkpoint, false, nil
}
func (m *member) Wants(*herald.Event) bool    { return true }
func (m *member) Reset(context.Context) error { return nil }
func (m *member) Apply(_ context.Context, events []herald.Event, upTo uint64) (int, error) {
	m.s.inside.Add(1)
	defer m.s.inside.Add(-1)
	runtime.Gosched()
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	for _, e := range events {
		m.s.handled = append(m.s.handled, e.Metadata.Position)
		m.s.by[m.who]++
	}
	if upTo > 0 {
		m.s.checkpoint = upTo
	}
	return len(events), nil
}

func appendEvents(t *testing.T, s herald.Store, n int) {
	t.Helper()
	events := make([]herald.Event, n)
	for i := range events {
		events[i] = herald.Event{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
			Name: "placed", ID: uuid.New()}
	}
	require.NoError(t, s.Append(context.Background(), events))
}

// running runs e until stop, which returns what Run returned.
func running(t *testing.T, e *engine.Engine) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func waitState(t *testing.T, e *engine.Engine, want engine.State) {
	t.Helper()
	require.Eventually(t, func() bool {
		s, err := e.Status(context.Background())
		return err == nil && s.State == want
	}, timeout, time.Millisecond, "state %v", want)
}

func TestLeaseLetsOneEngineOfANameRunAtATime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	store := newStore(t)
	var lease engine.LocalLease
	s := &shared{by: map[string]int{}}
	cfg := engine.Config{Name: "mailer", Log: store, Lease: &lease, PollInterval: time.Millisecond}
	first, err := engine.New(cfg, s.as("first"))
	require.NoError(t, err)
	second, err := engine.New(cfg, s.as("second"))
	require.NoError(t, err)

	appendEvents(t, store, 10)
	stopFirst := running(t, first)
	require.NoError(t, first.Wait(ctx, 10))
	running(t, second)
	waitState(t, second, engine.Standby)

	require.NoError(t, stopFirst())
	appendEvents(t, store, 5)
	require.NoError(t, second.Wait(ctx, 15), "the second takes over from the checkpoint")
	s.mu.Lock()
	defer s.mu.Unlock()
	want := make([]uint64, 15)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	assert.Equal(t, want, s.handled, "every event once, in order, across the hand-over")
	assert.Equal(t, 10, s.by["first"])
	assert.Equal(t, 5, s.by["second"])
}

// signal is a feed that only tells the engine that the log grew.
type signal struct {
	mu    sync.Mutex
	offer func(*herald.Event)
}

func (f *signal) Follow(_ string, offer func(*herald.Event)) (func(context.Context) error, error) {
	f.mu.Lock()
	f.offer = offer
	f.mu.Unlock()
	return func(context.Context) error { return nil }, nil
}

func (f *signal) wake() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.offer == nil {
		return false
	}
	f.offer(&herald.Event{})
	return true
}

func TestAFeedWithoutEventsWakesTheEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	store := newStore(t)
	feed := &signal{}
	s := &shared{by: map[string]int{}}
	e, err := engine.New(engine.Config{Name: "woken", Log: store, Feed: feed}, s.as("one"))
	require.NoError(t, err)
	running(t, e)
	waitState(t, e, engine.Live)
	appendEvents(t, store, 3)
	require.True(t, feed.wake())
	require.NoError(t, e.Wait(ctx, 3), "it read the log when woken, without polling")
}

func TestBadConfigurationsAreRefused(t *testing.T) {
	store := newStore(t)
	c := (&shared{by: map[string]int{}}).as("x")
	cases := map[string]engine.Config{
		"empty name":                {Log: store},
		"nil log":                   {Name: "x"},
		"negative batch size":       {Name: "x", Log: store, BatchSize: -1},
		"unknown policy":            {Name: "x", Log: store, OnFailure: engine.Policy(7)},
		"park without dead letters": {Name: "x", Log: store, OnFailure: engine.DeadLetter, Park: true},
		"park with the stop policy": {Name: "x", Log: store, DeadLetters: store, Park: true},
		"bad retry policy":          {Name: "x", Log: store, Retry: herald.RetryPolicy{MaxAttempts: -1}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			e, err := engine.New(cfg, c)
			prefixtest.Check(t, err, "engine", herald.ErrInvalid)
			assert.Nil(t, e)
		})
	}
	_, err := engine.New(engine.Config{Name: "x", Log: store}, nil)
	assert.ErrorIs(t, err, herald.ErrInvalid, "a nil consumer")
}

func TestExclusiveRunsBetweenBatches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	store := newStore(t)
	s := &shared{by: map[string]int{}}
	e, err := engine.New(engine.Config{Name: "x", Log: store, PollInterval: time.Millisecond, BatchSize: 1}, s.as("one"))
	require.NoError(t, err)
	running(t, e)
	appendEvents(t, store, 50)
	for range 20 {
		require.NoError(t, e.Exclusive(func() error {
			assert.Zero(t, s.inside.Load(), "no Apply runs meanwhile")
			return nil
		}))
	}
	require.NoError(t, e.Wait(ctx, 50))
}
