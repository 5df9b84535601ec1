package membus_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/bustest"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const timeout = time.Minute

func TestConformance(t *testing.T) {
	bustest.Run(t, func(t *testing.T, cfg bustest.Config) herald.Bus {
		opts := []membus.Option{membus.WithRetry(cfg.Retry), membus.WithDeadLetter(cfg.DeadLetter)}
		if cfg.QueueSize > 0 {
			opts = append(opts, membus.WithQueueSize(cfg.QueueSize))
		}
		if cfg.Workers > 0 {
			opts = append(opts, membus.WithWorkers(cfg.Workers))
		}
		b, err := membus.New(opts...)
		require.NoError(t, err)
		return b
	})
}

// newBus returns a bus closed when the test ends.
func newBus(t *testing.T, opts ...membus.Option) *membus.Bus {
	t.Helper()
	b, err := membus.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := b.Close(ctx); err != nil && !errors.Is(err, herald.ErrClosed) {
			t.Errorf("close: %v", err)
		}
	})
	return b
}

// statusOf returns what b.Status reports.
func statusOf(t *testing.T, b *membus.Bus) []engine.Status {
	t.Helper()
	status, err := b.Status(context.Background())
	require.NoError(t, err)
	return status
}

func newEvent(name string) herald.Event {
	return herald.Event{
		Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
		Name:      name,
		ID:        uuid.New(),
	}
}

func publish(t *testing.T, b *membus.Bus, events ...herald.Event) {
	t.Helper()
	require.NoError(t, b.Publish(context.Background(), events))
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("%s: nothing within %v", what, timeout)
		panic("unreachable")
	}
}

// blocker is a handler that blocks on every event until released.
type blocker struct {
	entered chan herald.Event
	release chan struct{}
	once    sync.Once
}

func newBlocker(t *testing.T) *blocker {
	b := &blocker{entered: make(chan herald.Event, 100), release: make(chan struct{})}
	t.Cleanup(b.open)
	return b
}

func (b *blocker) Handle(_ context.Context, e herald.Event) error {
	b.entered <- e
	<-b.release
	return nil
}

func (b *blocker) open() { b.once.Do(func() { close(b.release) }) }

func TestNewRejectsInvalidOptions(t *testing.T) {
	for _, n := range []int{0, -1} {
		_, err := membus.New(membus.WithQueueSize(n))
		require.Error(t, err, "WithQueueSize(%d)", n)
		assert.ErrorIs(t, err, herald.ErrInvalid)
		assert.Contains(t, err.Error(), "WithQueueSize")
		assert.True(t, strings.HasPrefix(err.Error(), "membus: "), err.Error())
	}
	b, err := membus.New(membus.WithQueueSize(1), membus.WithLogger(nil), membus.WithDeadLetter(nil), nil)
	require.NoError(t, err, "valid and nil options")
	require.NoError(t, b.Close(context.Background()))
}

func TestFailWhenFull(t *testing.T) {
	b := newBus(t, membus.WithQueueSize(2), membus.WithFailWhenFull())
	h := newBlocker(t)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "stuck", Handler: h}))
	other := make(chan herald.Event, 10)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "other", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error { other <- e; return nil })}))

	// The other subscription's queue is emptied before each publish.
	publish(t, b, newEvent("placed"))
	receive(t, h.entered, "the handler starts")
	receive(t, other, "the other subscription")
	publish(t, b, newEvent("placed"), newEvent("placed")) // fills the queue of two
	for range 2 {
		receive(t, other, "the other subscription")
	}

	late := newEvent("placed")
	err := b.Publish(context.Background(), []herald.Event{late})
	require.Error(t, err)
	assert.ErrorIs(t, err, membus.ErrQueueFull)
	var full *membus.QueueFullError
	require.ErrorAs(t, err, &full)
	assert.Equal(t, "stuck", full.Subscription)
	assert.Contains(t, err.Error(), `"stuck"`)
	assert.Equal(t, late.ID, receive(t, other, "the other subscription gets the event").ID)

	h.open()
	for range 2 {
		receive(t, h.entered, "the queued events")
	}
}

func TestFailWhenFullRefusesBatchLargerThanQueue(t *testing.T) {
	b := newBus(t, membus.WithQueueSize(2), membus.WithFailWhenFull())
	got := make(chan herald.Event, 10)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "small", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error { got <- e; return nil })}))
	err := b.Publish(context.Background(), []herald.Event{newEvent("placed"), newEvent("placed"), newEvent("placed")})
	assert.ErrorIs(t, err, membus.ErrQueueFull)
	publish(t, b, newEvent("placed"))
	receive(t, got, "a batch that fits")
	assert.Empty(t, got, "nothing of the refused batch")
}

func TestDeadLetter(t *testing.T) {
	letters := make(chan herald.DeadLetter, 10)
	b := newBus(t, membus.WithDeadLetter(func(_ context.Context, d herald.DeadLetter) { letters <- d }),
		membus.WithRetry(herald.RetryPolicy{InitialInterval: time.Millisecond, MaxAttempts: 2}))
	errBad := errors.New("bad event")
	handler := herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
		switch e.Name {
		case "panics":
			panic("boom-7c1f")
		case "fails":
			return errBad
		}
		return nil
	})
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "async", Handler: handler}))
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "sync", Handler: handler, Sync: true}))

	panics, fails := newEvent("panics"), newEvent("fails")
	publish(t, b, panics, newEvent("fine"), fails)
	byKey := map[string]herald.DeadLetter{}
	for range 4 {
		d := receive(t, letters, "a dead letter")
		byKey[d.Subscription+"/"+d.Event.Name] = d
	}
	for _, sub := range []string{"async", "sync"} {
		p := byKey[sub+"/panics"]
		assert.Equal(t, panics.ID, p.Event.ID, sub)
		attempts := map[string]int{"async": 2, "sync": 1}[sub] // Sync handlers are not retried
		assert.Equal(t, attempts, p.Attempts, sub)
		var perr *herald.PanicError
		require.ErrorAs(t, p.Err, &perr, sub)
		assert.Equal(t, "boom-7c1f", perr.Value)
		assert.Contains(t, p.Err.Error(), "boom-7c1f")
		assert.Contains(t, p.Err.Error(), "goroutine", "the stack")

		f := byKey[sub+"/fails"]
		assert.Equal(t, fails.ID, f.Event.ID, sub)
		assert.ErrorIs(t, f.Err, errBad, sub)
		assert.Equal(t, attempts, f.Attempts, sub)
	}
	assert.Empty(t, letters)
}

func TestDeadLetterFunctionPanicIsRecovered(t *testing.T) {
	var logs syncBuffer
	b := newBus(t,
		membus.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		membus.WithDeadLetter(func(context.Context, herald.DeadLetter) { panic("dead-letter-9e2a") }))
	calls := make(chan herald.Event, 10)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "failing", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error { calls <- e; return errors.New("no") })}))
	publish(t, b, newEvent("one"), newEvent("two"))
	receive(t, calls, "first")
	receive(t, calls, "second: the worker survived")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	require.NoError(t, b.Close(ctx))
	assert.Equal(t, uint64(2), statusOf(t, b)[0].DeadLettered, "counted although the function panicked")
	assert.Contains(t, logs.String(), "level=ERROR msg=\"membus: dead-letter function panicked\"")
	assert.Contains(t, logs.String(), "dead-letter-9e2a")
}

func TestLogger(t *testing.T) {
	var logs syncBuffer
	letters := make(chan herald.DeadLetter, 1)
	b := newBus(t,
		membus.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		membus.WithDeadLetter(func(_ context.Context, d herald.DeadLetter) { letters <- d }))
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "logged-sub", Handler: herald.HandlerFunc(
		func(context.Context, herald.Event) error { return errors.New("reason-4b8d") })}))
	e := newEvent("placed")
	publish(t, b, e)
	receive(t, letters, "the dead letter, sent after the log line")
	out := logs.String()
	assert.Contains(t, out, "level=ERROR")
	assert.Contains(t, out, "logged-sub")
	assert.Contains(t, out, "shop.order.placed")
	assert.Contains(t, out, e.ID.String())
	assert.Contains(t, out, "reason-4b8d")
}

func TestSubscriptions(t *testing.T) {
	b := newBus(t, membus.WithRetry(herald.RetryPolicy{MaxAttempts: 1}), membus.WithWorkers(3))
	done := make(chan struct{})
	var n atomic.Int32
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "counted", Events: []string{"shop.order.*", "*.invoice.sent"},
		Handler: herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
			k := n.Add(1)
			if k == 10 {
				close(done)
			}
			if k%3 == 0 {
				return errors.New("every third")
			}
			return nil
		})}))
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "sync", Sync: true,
		Handler: herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })}))
	events := make([]herald.Event, 10)
	for i := range events {
		events[i] = newEvent("placed")
	}
	publish(t, b, events...)
	receive(t, done, "ten events handled")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	require.NoError(t, b.Close(ctx))

	infos := statusOf(t, b)
	require.Len(t, infos, 2)
	counted := infos[0]
	assert.EqualError(t, counted.LastError, "every third")
	assert.False(t, counted.LastErrorAt.IsZero())
	counted.LastError, counted.LastErrorAt = nil, time.Time{}
	assert.Equal(t, []engine.Status{
		{Name: "counted", Events: "shop.order.*,*.invoice.sent", State: engine.Stopped, Workers: 3, Delivered: 7, Failed: 3, DeadLettered: 3},
		{Name: "sync", Events: "*.*.*", State: engine.Stopped, Sync: true, Delivered: 10},
	}, []engine.Status{counted, infos[1]})
}

func TestPendingCountsQueuedAndInFlight(t *testing.T) {
	b := newBus(t)
	h := newBlocker(t)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "stuck", Handler: h}))
	publish(t, b, newEvent("a"), newEvent("b"), newEvent("c"))
	receive(t, h.entered, "the handler starts")
	infos := statusOf(t, b)
	require.Len(t, infos, 1)
	assert.Equal(t, uint64(3), infos[0].Pending)
}

func TestCloseTwice(t *testing.T) {
	b, err := membus.New()
	require.NoError(t, err)
	assert.False(t, b.Closed())
	require.NoError(t, b.Close(context.Background()))
	assert.True(t, b.Closed())
	assert.ErrorIs(t, b.Close(context.Background()), herald.ErrClosed)
	assert.ErrorIs(t, b.Unsubscribe(context.Background(), "any"), herald.ErrClosed)
}

func TestCloseGivingUpDeadLettersTheQueue(t *testing.T) {
	letters := make(chan herald.DeadLetter, 10)
	b := newBus(t, membus.WithDeadLetter(func(_ context.Context, d herald.DeadLetter) { letters <- d }))
	h := newBlocker(t)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "stuck", Handler: h}))
	first, second, third := newEvent("a"), newEvent("b"), newEvent("c")
	publish(t, b, first, second, third)
	receive(t, h.entered, "the handler starts")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.Close(ctx), context.Canceled)
	h.open()
	for _, want := range []herald.Event{second, third} {
		d := receive(t, letters, "an abandoned event")
		assert.Equal(t, want.ID, d.Event.ID)
		assert.Equal(t, 0, d.Attempts)
		assert.ErrorIs(t, d.Err, herald.ErrClosed)
	}
}

func TestNilHandlerFuncIsInvalid(t *testing.T) {
	b := newBus(t)
	err := b.Subscribe(herald.Subscription{Name: "nil-func", Handler: herald.HandlerFunc(nil)})
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "nil-func")
}

func TestUnsubscribeTimesOutAndKeepsDraining(t *testing.T) {
	b := newBus(t)
	h := newBlocker(t)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "stuck", Handler: h}))
	publish(t, b, newEvent("a"), newEvent("b"))
	receive(t, h.entered, "the handler starts")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, b.Unsubscribe(ctx, "stuck"), context.Canceled)
	assert.Empty(t, statusOf(t, b), "removed all the same")
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "stuck", Handler: herald.HandlerFunc(
		func(context.Context, herald.Event) error { return nil })}), "the name is free again")
	h.open()
	receive(t, h.entered, "the old worker drains its queue")
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPublishOneEventDoesNotAllocate(t *testing.T) {
	b := newBus(t)
	started, release := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release) })
	var once sync.Once
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "held", Handler: herald.HandlerFunc(
		func(context.Context, herald.Event) error {
			once.Do(func() { close(started) })
			<-release
			return nil
		})}))
	publish(t, b, newEvent("first"))
	receive(t, started, "the handler holds the worker")

	batch := []herald.Event{newEvent("placed")}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if err := b.Publish(ctx, batch); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per Publish of one event, the queue's growth amortised")
}

func TestNewRejectsInvalidWorkersAndRetry(t *testing.T) {
	for name, opt := range map[string]membus.Option{
		"WithWorkers(0)":                   membus.WithWorkers(0),
		"WithWorkers(MaxWorkers+1)":        membus.WithWorkers(membus.MaxWorkers + 1),
		"WithRetry(MaxAttempts -1)":        membus.WithRetry(herald.RetryPolicy{MaxAttempts: -1}),
		"WithRetry(InitialInterval -1s)":   membus.WithRetry(herald.RetryPolicy{InitialInterval: -time.Second}),
		"WithRetry(MaxInterval too short)": membus.WithRetry(herald.RetryPolicy{InitialInterval: time.Second, MaxInterval: time.Millisecond}),
	} {
		_, err := membus.New(opt)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, herald.ErrInvalid, name)
		option, _, _ := strings.Cut(name, "(")
		assert.True(t, strings.HasPrefix(err.Error(), "membus: new: "+option), err.Error())
	}
}

// TestRetryWaitsBeforeRetrying checks that retries wait: with a first wait of an
// hour, a failing handler is called once and no more while the bus is
// open, and shows in flight.
func TestRetryWaitsBeforeRetrying(t *testing.T) {
	b := newBus(t, membus.WithRetry(herald.RetryPolicy{InitialInterval: time.Hour}))
	calls := make(chan herald.Event, 10)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "failing", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error { calls <- e; return errors.New("no") })}))
	publish(t, b, newEvent("placed"))
	receive(t, calls, "the first attempt")
	deadline := time.Now().Add(timeout)
	for statusOf(t, b)[0].Failed == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	info := statusOf(t, b)[0]
	assert.Equal(t, uint64(1), info.Failed)
	assert.Equal(t, uint64(1), info.InFlight, "waiting for its retry")
	assert.Equal(t, uint64(0), info.Retried)
	assert.Empty(t, calls, "no second attempt yet")
}

// TestWorkersSplitQueue checks a subscription with several workers keeps
// at least one event per lane and reports its workers.
func TestWorkersSplitQueue(t *testing.T) {
	b := newBus(t, membus.WithWorkers(4), membus.WithQueueSize(2), membus.WithFailWhenFull())
	h := newBlocker(t)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "lanes", Handler: h}))
	assert.Equal(t, 4, statusOf(t, b)[0].Workers)
	e := newEvent("placed")
	second := e
	second.ID = uuid.New()
	publish(t, b, e)
	receive(t, h.entered, "the first event")
	publish(t, b, second) // the same aggregate's lane holds one more
	third := e
	third.ID = uuid.New()
	err := b.Publish(context.Background(), []herald.Event{third})
	assert.ErrorIs(t, err, membus.ErrQueueFull, "the aggregate's lane is full")
}
