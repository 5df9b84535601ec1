package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NewStore returns a fresh, empty store, as storetest.Run's constructor
// does; it registers any cleanup with t.Cleanup.
type NewStore func(t *testing.T) herald.Store

// RunDurable runs the cases of durable subscriptions
// ([durable.Subscription]) over a fresh pair from newStore and newBus per
// case. They check catch-up then live without a gap or a duplicate (also
// while publishers publish), restarts from the checkpoint (at least once),
// filters while the checkpoint passes every event, retries and dead
// letters (kept, replayed, discarded, parked per aggregate; a panicking
// dead-letter function), events stored without the bus, bad
// configurations, and that stopping Run ends a handler's context. A store
// that is not a [driver.CheckpointStore] gets checkpoints the suite keeps
// in memory.
func RunDurable(t *testing.T, newStore NewStore, newBus NewBus) {
	t.Helper()
	for _, c := range durableCases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, &durableHarness{harness: harness{newBus: newBus}, newStore: newStore})
		})
	}
}

type durableCase struct {
	name string
	run  func(t *testing.T, h *durableHarness)
}

var durableCases = []durableCase{
	{"Durable/CatchesUpThenFollows", testDurableCatchUpThenLive},
	{"Durable/NoGapNoDuplicateAtSwitch", testDurableSwitch},
	{"Durable/ResumesAfterRestart", testDurableRestart},
	{"Durable/AtLeastOnceWhenStoppedWhileRetrying", testDurableStoppedWhileRetrying},
	{"Durable/Filter", testDurableFilter},
	{"Durable/RetriesThenDeadLetters", testDurableDeadLetter},
	{"Durable/DeadLetterFunctionPanics", testDurableDeadLetterPanic},
	{"Durable/EventsStoredWithoutTheBus", testDurableStoreOnly},
	{"Durable/Invalid", testDurableInvalid},
	{"Durable/StopEndsTheHandlersContext", testDurableStopBlocked},
	{"Durable/KeepsDeadLetters", testDurableKeepsDeadLetters},
	{"Durable/ParksAnAggregateBehindItsDeadLetter", testDurableParks},
}

// durableHarness hands a case its store, bus and publisher.
type durableHarness struct {
	harness
	newStore    NewStore
	store       herald.Store
	busOf       herald.Bus
	checkpoints driver.CheckpointStore
	letters     *memDeadLetters
	publisher   *herald.Publisher
}

// setUp makes the case's store, bus and publisher.
func (h *durableHarness) setUp(t *testing.T, cfg Config) {
	t.Helper()
	h.store = h.newStore(t)
	require.NotNil(t, h.store, "newStore returned nil")
	h.busOf = h.harness.bus(t, cfg)
	if cs, ok := h.store.(driver.CheckpointStore); ok {
		h.checkpoints = cs
	} else {
		h.checkpoints = &memCheckpoints{positions: make(map[string]uint64)}
	}
	p, err := herald.NewPublisher(h.store, h.busOf)
	require.NoError(t, err)
	h.publisher = p
}

// running is a durable subscription whose Run runs on a goroutine.
type running struct {
	*durable.Subscription
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned err
	err    error
}

// stop ends Run and returns what it returned.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(timeout):
		require.FailNow(t, "Run does not return")
		return nil
	}
}

// info returns the subscription's status.
func (r *running) info(t *testing.T) engine.Status {
	t.Helper()
	s, err := r.Status(context.Background())
	require.NoError(t, err)
	return s
}

// start runs a durable subscription on the case's store and bus, and
// stops it when the case ends.
func (h *durableHarness) start(t *testing.T, cfg durable.Config) *running {
	t.Helper()
	cfg.Store, cfg.Bus = h.store, h.busOf
	if cfg.Checkpoints == nil {
		cfg.Checkpoints = h.checkpoints
	}
	d, err := durable.New(cfg)
	require.NoError(t, err, "new durable subscription %q", cfg.Subscription.Name)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Subscription: d, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = d.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// publish publishes events through the publisher, one batch, and returns
// them as stored.
func (h *durableHarness) publish(t *testing.T, events ...herald.Event) []herald.Event {
	t.Helper()
	stored, err := h.publisher.PublishBatch(context.Background(), events)
	require.NoError(t, err, "publish %d events", len(events))
	return stored
}

// head returns the position of the newest event in the store.
func (h *durableHarness) head(t *testing.T) uint64 {
	t.Helper()
	stats, err := h.store.Stats(context.Background())
	require.NoError(t, err)
	return stats.Head
}

// wait waits until d has handled everything up to position.
func wait(t *testing.T, d *running, position uint64) {
	t.Helper()
	require.NoError(t, d.Wait(background(t), position), "wait for position %d; %+v", position, d.info(t))
}

// positions returns the positions of events, in order.
func positions(events []herald.Event) []uint64 {
	out := make([]uint64, len(events))
	for i := range events {
		out[i] = events[i].Metadata.Position
	}
	return out
}

// span returns the positions from first to last.
func span(first, last uint64) []uint64 {
	var out []uint64
	for p := first; p <= last; p++ {
		out = append(out, p)
	}
	return out
}

// testDurableCatchUpThenLive stores events, starts a subscription, then
// publishes more: it handles all of them, each once, in position order.
func testDurableCatchUpThenLive(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	for range 3 {
		h.publish(t, newEvents(100, "shop", "order", "placed")...)
	}
	r := newRecorder()
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "reader", Handler: r}})
	wait(t, d, 300)
	for range 3 {
		h.publish(t, newEvents(100, "shop", "order", "placed")...)
	}
	wait(t, d, 600)
	assert.Equal(t, span(1, 600), positions(r.received()))
	info := d.info(t)
	assert.Equal(t, engine.Live, info.State, "it follows the bus")
	assert.Equal(t, uint64(600), info.Delivered)
	assert.Equal(t, uint64(600), info.Position)
	// Wait is for the handling; the save of the checkpoint after it may
	// take a moment on a store that syncs.
	require.Eventually(t, func() bool { return d.info(t).Checkpoint == 600 }, timeout, time.Millisecond,
		"the checkpoint is saved after the last batch")
	saved, err := h.checkpoints.LoadCheckpoint(context.Background(), "reader")
	require.NoError(t, err)
	assert.Equal(t, uint64(600), saved, "the checkpoint is saved after the last batch")
}

// testDurableSwitch publishes from several goroutines while the
// subscription catches up and checks every position arrives once, in
// order.
func testDurableSwitch(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	for range 20 {
		h.publish(t, newEvents(250, "shop", "order", "placed")...)
	}
	r := newRecorder()
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "switch", Handler: r}, LiveBuffer: 64})
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				n := 1 + (i+p)%7
				_, err := h.publisher.PublishBatch(context.Background(), newEvents(n, "shop", "order", "placed"))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	head := h.head(t)
	wait(t, d, head)
	assert.Equal(t, span(1, head), positions(r.received()), "every position once, in order")
}

// testDurableRestart stops a subscription, stores events while it is
// down, and starts it again: it resumes after the last event it handled.
func testDurableRestart(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	first := newRecorder()
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "restarted", Handler: first}})
	h.publish(t, newEvents(100, "shop", "order", "placed")...)
	wait(t, d, 100)
	require.NoError(t, d.stop(t))
	saved, err := h.checkpoints.LoadCheckpoint(context.Background(), "restarted")
	require.NoError(t, err)
	assert.Equal(t, uint64(100), saved, "the checkpoint when it stopped")

	h.publish(t, newEvents(50, "shop", "order", "placed")...)
	second := newRecorder()
	d = h.start(t, durable.Config{Subscription: herald.Subscription{Name: "restarted", Handler: second}})
	h.publish(t, newEvents(50, "shop", "order", "placed")...)
	wait(t, d, 200)
	assert.Equal(t, span(1, 100), positions(first.received()), "before the restart")
	assert.Equal(t, span(101, 200), positions(second.received()), "after it: no gap, nothing twice")
}

// testDurableStoppedWhileRetrying stops a subscription while it waits to
// retry an event: after the restart that event comes again.
func testDurableStoppedWhileRetrying(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	stored := h.publish(t, newEvents(10, "shop", "order", "placed")...)
	bad := stored[6].ID
	r := newRecorder()
	r.fn = func(_ context.Context, e herald.Event) error {
		if e.ID == bad {
			return errPlanned
		}
		return nil
	}
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "crashy", Handler: r}, Retry: slowRetry})
	r.waitCount(t, "crashy", 7)
	require.NoError(t, d.stop(t), "Run does not wait for the retry")
	saved, err := h.checkpoints.LoadCheckpoint(context.Background(), "crashy")
	require.NoError(t, err)
	assert.Equal(t, uint64(6), saved, "the checkpoint stays before the event")

	again := newRecorder()
	d = h.start(t, durable.Config{Subscription: herald.Subscription{Name: "crashy", Handler: again}})
	wait(t, d, 10)
	assert.Equal(t, span(7, 10), positions(again.received()), "the event comes again, then the rest")
	assert.Zero(t, d.info(t).DeadLettered)
}

// testDurableFilter checks the names and the pattern select what the
// handler gets, while the position passes every event.
func testDurableFilter(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	var want []uint64
	publishMixed := func() {
		var batch []herald.Event
		for i := range 30 {
			name := []string{"placed", "cancelled", "shipped"}[i%3]
			batch = append(batch, newEvent("shop", "order", name, i))
		}
		for _, e := range h.publish(t, batch...) {
			if e.Name != "shipped" && e.Data.(int) < 20 {
				want = append(want, e.Metadata.Position)
			}
		}
	}
	publishMixed()
	r := newRecorder()
	d := h.start(t, durable.Config{Subscription: herald.Subscription{
		Name: "filtered", Handler: r, Events: []string{"shop.order.placed", "shop.order.cancelled"},
		Pattern: `{"data":[{"numeric":["<",20]}]}`,
	}})
	publishMixed()
	wait(t, d, 60)
	assert.Equal(t, want, positions(r.received()))
	info := d.info(t)
	assert.Equal(t, uint64(60), info.Position, "the position passes the events filtered out")
	assert.Equal(t, "shop.order.placed,shop.order.cancelled", info.Events)
	assert.JSONEq(t, `{"data":[{"numeric":["<",20]}]}`, info.Pattern)
}

// testDurableDeadLetter checks a handler that fails for good on one event
// is retried, the event dead-lettered, and the rest handled.
func testDurableDeadLetter(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	dead := newLetters()
	stored := h.publish(t, newEvents(5, "shop", "order", "placed")...)
	r := newRecorder()
	r.fn = func(ctx context.Context, e herald.Event) error {
		switch e.ID {
		case stored[1].ID:
			return failWithError(ctx, e)
		case stored[3].ID:
			return failWithPanic(ctx, e)
		}
		return nil
	}
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "failing", Handler: r},
		Retry: quickRetry, DeadLetter: dead.add})
	wait(t, d, 5)
	letters := dead.waitCount(t, 2)
	require.Len(t, letters, 2)
	assert.Equal(t, stored[1].ID, letters[0].Event.ID)
	assert.Equal(t, "failing", letters[0].Subscription)
	assert.Equal(t, quickRetry.MaxAttempts, letters[0].Attempts)
	assert.ErrorIs(t, letters[0].Err, errPlanned)
	var perr *herald.PanicError
	assert.Equal(t, stored[3].ID, letters[1].Event.ID)
	require.ErrorAs(t, letters[1].Err, &perr)
	assert.Contains(t, string(perr.Stack), "goroutine")
	info := d.info(t)
	assert.Equal(t, uint64(3), info.Delivered)
	assert.Equal(t, uint64(2), info.DeadLettered)
	assert.Equal(t, uint64(2*quickRetry.MaxAttempts), info.Failed)
	assert.Equal(t, uint64(2*(quickRetry.MaxAttempts-1)), info.Retried)
	var planned *herald.PanicError
	assert.ErrorAs(t, info.LastError, &planned, "the last error is the panic")
}

// testDurableDeadLetterPanic checks a dead-letter function that panics
// is recovered, its event counted as dead-lettered, and the events after
// it handled.
func testDurableDeadLetterPanic(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	stored := h.publish(t, newEvents(3, "shop", "order", "placed")...)
	r := newRecorder()
	r.fn = func(ctx context.Context, e herald.Event) error {
		if e.ID == stored[0].ID {
			return failWithError(ctx, e)
		}
		return nil
	}
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "failing", Handler: r},
		Retry:      herald.RetryPolicy{MaxAttempts: 1},
		DeadLetter: func(context.Context, herald.DeadLetter) { panic("dead-letter-5d1b") }})
	wait(t, d, stored[2].Metadata.Position)
	info := d.info(t)
	assert.Equal(t, uint64(2), info.Delivered)
	assert.Equal(t, uint64(1), info.DeadLettered, "counted although the function panicked")
}

// testDurableStoreOnly appends events to the store without the bus: a
// following live event reveals them, and polling finds them without one.
func testDurableStoreOnly(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	r := newRecorder()
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "gaps", Handler: r}})
	h.publish(t, newEvents(3, "shop", "order", "placed")...)
	wait(t, d, 3)
	require.NoError(t, h.store.Append(context.Background(), newEvents(4, "shop", "order", "placed")))
	h.publish(t, newEvents(1, "shop", "order", "placed")...)
	wait(t, d, 8)
	assert.Equal(t, span(1, 8), positions(r.received()), "the live event revealed the ones stored without the bus")

	polled := newRecorder()
	p := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "polls", Handler: polled},
		PollInterval: time.Millisecond})
	wait(t, p, 8)
	require.NoError(t, h.store.Append(context.Background(), newEvents(2, "shop", "order", "placed")))
	wait(t, p, 10)
	assert.Equal(t, span(1, 10), positions(polled.received()), "polling found the events stored without the bus")
}

// testDurableInvalid checks bad configurations are refused, by New or,
// for what only running finds, by Run.
func testDurableInvalid(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	ok := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	require.NoError(t, h.busOf.Subscribe(herald.Subscription{Name: "taken", Handler: ok}))
	cases := []struct {
		name string
		cfg  durable.Config
	}{
		{"empty name", durable.Config{Subscription: herald.Subscription{Handler: ok}, Store: h.store}},
		{"nil handler", durable.Config{Subscription: herald.Subscription{Name: "x"}, Store: h.store}},
		{"nil store", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok}}},
		{"bad names", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok, Events: []string{"shop"}}, Store: h.store}},
		{"bad pattern", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok, Pattern: `{"name":[{"regex":"x"}]}`}, Store: h.store}},
		{"negative interval", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok}, Store: h.store, PollInterval: -1}},
		{"bad retry", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok}, Store: h.store, Retry: herald.RetryPolicy{MaxAttempts: -1}}},
		{"no checkpoints", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok}, Store: noCheckpoints{h.store}}},
		{"park without dead letters", durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok}, Store: noDeadLetters{h.store}, Checkpoints: h.checkpoints, Park: true}},
		{"name taken on the bus", durable.Config{Subscription: herald.Subscription{Name: "taken", Handler: ok}, Store: h.store, Bus: h.busOf, Checkpoints: h.checkpoints}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := durable.New(c.cfg)
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				err = d.Run(ctx)
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, herald.ErrInvalid)
		})
	}
}

// testDurableStopBlocked checks that ending Run's context ends the
// context of a handler that does not return, and that Run then returns.
func testDurableStopBlocked(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	h.publish(t, newEvents(3, "shop", "order", "placed")...)
	entered, ended := make(chan struct{}), make(chan error, 1)
	var once sync.Once
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "stuck", Handler: herald.HandlerFunc(
		func(ctx context.Context, _ herald.Event) error {
			once.Do(func() { close(entered) })
			<-ctx.Done()
			select {
			case ended <- ctx.Err():
			default:
			}
			return ctx.Err()
		})}, Retry: herald.RetryPolicy{MaxAttempts: 1}})
	receive(t, entered, "the handler starts")
	assert.NoError(t, d.stop(t))
	assert.Error(t, receive(t, ended, "the handler's context ends"))
	assert.Zero(t, d.info(t).DeadLettered, "an event cut short by the stop is no dead letter")
}

// memCheckpoints keeps checkpoints in memory for a store without them.
type memCheckpoints struct {
	mu        sync.Mutex
	positions map[string]uint64
}

func (m *memCheckpoints) LoadCheckpoint(_ context.Context, name string) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.positions[name], nil
}

func (m *memCheckpoints) SaveCheckpoint(_ context.Context, name string, position uint64) error {
	if name == "" {
		return fmt.Errorf("bustest: save checkpoint: %w", herald.ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.positions[name] = position
	return nil
}

// noCheckpoints hides a store's checkpoints.
type noCheckpoints struct{ herald.Store }

// noDeadLetters hides a store's dead letters.
type noDeadLetters struct{ herald.Store }
