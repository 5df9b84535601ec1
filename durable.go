package herald

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald/internal/live"
	"github.com/herald-go/herald/internal/retry"
)

// Defaults of a DurableConfig.
const (
	DefaultDurablePollInterval = time.Second
	DefaultCheckpointEvery     = 1000
	DefaultLiveBuffer          = 4096
)

// DurableConfig describes a durable subscription (see SubscribeDurable).
// Store, and the Name and Handler of Subscription, are required; the rest
// has defaults.
type DurableConfig struct {
	// Subscription names the durable subscription, filters its events and
	// handles them. Its Name is the key of its checkpoint and, on Bus, the
	// name of the subscription that follows live events. Sync is ignored.
	Subscription Subscription
	// Store is the log it reads from.
	Store Store
	// Bus, when not nil, is the bus the store's events are published on:
	// the durable subscription follows it live once it has caught up.
	Bus Bus
	// Checkpoints keeps its checkpoint; nil means Store, which must then be
	// a CheckpointStore.
	Checkpoints CheckpointStore
	// Retry is how a failing handler is retried; the zero value asks for
	// the defaults of RetryPolicy.
	Retry RetryPolicy
	// DeadLetter, when not nil, gets every event the handler failed on for
	// good, after the last attempt. A panic in it is recovered and logged
	// at level Error, and the event counts as dead-lettered all the same.
	DeadLetter func(ctx context.Context, d DeadLetter)
	// PollInterval, when not 0, makes the subscription read the store that
	// often even when the bus brings nothing, so it also sees events that
	// were stored without being published on Bus. Without a Bus it
	// defaults to DefaultDurablePollInterval.
	PollInterval time.Duration
	// CheckpointEvery is how many events it handles while catching up
	// between two checkpoint saves (DefaultCheckpointEvery when 0). While
	// following live it saves after each batch the bus brought.
	CheckpointEvery int
	// LiveBuffer is how many live events it holds while it is busy
	// (DefaultLiveBuffer when 0). When more come, it drops them and reads
	// them from the store instead; the bus never waits for it.
	LiveBuffer int
	// Logger logs failed handler calls and store errors; nil is silent.
	Logger *slog.Logger
}

// Durable is a durable subscription: a named consumer that reads the
// store's log from its checkpoint, catches up, then follows new events live
// from the bus, saving its checkpoint as it goes, so that after a restart
// it resumes where it stopped. It handles every stored event that matches
// its filter at least once and in position order, one at a time, on a
// goroutine of its own that runs until Close.
//
// It works with any Store and Bus: it subscribes to the bus before it
// reads the log, as a Sync subscription that only buffers, and takes each
// event by its position. An event at the position after the last one it
// handled is handled; one at or before it was read from the store already
// and is skipped, so there is no duplicate where catching up ends and
// following begins; one further on reveals events it has not seen (a
// concurrent publisher's, not yet delivered, or events stored without being
// published on the bus), and it reads them from the store, which holds
// every event up to that position, so there is no gap either. When its
// buffer overflows it drops live events and reads them from the store.
//
// The checkpoint is saved after every CheckpointEvery events while
// catching up, after each batch while following, and when it stops. A
// crash between handling and saving means the events since the last save
// are handled again after the restart: at least once, never a gap.
//
// A failed handler call is retried as Retry says; an event the handler
// fails on for good is handed to DeadLetter and passed, so one bad event
// does not stop the subscription. When Close comes while an event waits to
// be retried, the event is not given up: the checkpoint stays before it and
// it is handled again after the restart; so is an event whose last attempt
// failed after Close was called.
type Durable struct {
	name        string
	filter      eventFilter
	handler     Handler
	store       Store
	bus         Bus
	checkpoints CheckpointStore
	retry       retry.Backoff // times the goroutine's retries and re-reads
	deadLetter  func(context.Context, DeadLetter)
	poll        time.Duration
	every       int
	log         *slog.Logger

	// base is the context handlers and reads run with; Close cancels it
	// when it gives up waiting.
	base     context.Context
	cancel   context.CancelFunc
	causes   causeContexts // makes the handlers' contexts; only run uses it
	stopping chan struct{}
	stopOnce sync.Once
	done     chan struct{}

	live *live.Buffer[Event]

	position   atomic.Uint64 // the last position handled or passed
	checkpoint atomic.Uint64 // the last position saved
	following  atomic.Bool
	delivered  atomic.Uint64
	failed     atomic.Uint64
	retried    atomic.Uint64
	dead       atomic.Uint64

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced when position advances
	lastErr   error
	lastErrAt time.Time
	stopErr   error // why it stopped on its own
}

// DurableInfo describes a durable subscription at a moment.
type DurableInfo struct {
	// Name is the subscription's name.
	Name string
	// Events and Pattern are its filter (see SubscriptionInfo).
	Events, Pattern string
	// Position is the position of the last event handled (or passed by
	// the filter); Checkpoint is the last one saved.
	Position, Checkpoint uint64
	// Live reports whether it has caught up and follows the bus.
	Live bool
	// Delivered, Failed, Retried and DeadLettered count as in
	// SubscriptionInfo.
	Delivered, Failed, Retried, DeadLettered uint64
	// LastError is the last failed handler call's or read's error, and
	// LastErrorAt when it happened.
	LastError   error
	LastErrorAt time.Time
}

// errStopping ends a read when the subscription is stopping.
var errStopping = errors.New("herald: durable subscription stopping")

// SubscribeDurable starts a durable subscription: it loads the checkpoint,
// subscribes to the bus (when there is one) and starts the goroutine that
// catches up and follows. It returns once the subscription runs, not once
// it has caught up (see Wait). A missing name, handler or store, a store
// without checkpoints and none given, a malformed filter or a bad option is
// an error matching ErrInvalid; so is a name taken on the bus, and a nil
// ctx.
func SubscribeDurable(ctx context.Context, cfg DurableConfig) (*Durable, error) {
	if ctx == nil {
		return nil, nilContext("subscribe durable")
	}
	d, err := newDurable(cfg)
	if err != nil {
		return nil, err
	}
	pos, err := d.checkpoints.LoadCheckpoint(ctx, d.name)
	if err != nil {
		return nil, fmt.Errorf("herald: durable %q: load checkpoint: %w", d.name, err)
	}
	d.position.Store(pos)
	d.checkpoint.Store(pos)
	if d.bus != nil {
		err := d.bus.Subscribe(Subscription{Name: d.name, Handler: HandlerFunc(d.offer), Sync: true})
		if err != nil {
			return nil, fmt.Errorf("herald: durable %q: %w", d.name, err)
		}
	}
	d.base, d.cancel = context.WithCancel(WithConsumer(context.Background(), d.name))
	go d.run()
	return d, nil
}

func newDurable(cfg DurableConfig) (*Durable, error) {
	s := cfg.Subscription
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("%w: durable %q: %s", ErrInvalid, s.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case s.Name == "":
		return nil, invalid("the name is empty")
	case isNilHandler(s.Handler):
		return nil, invalid("the handler is nil")
	case cfg.Store == nil:
		return nil, invalid("the store is nil")
	case cfg.PollInterval < 0, cfg.CheckpointEvery < 0, cfg.LiveBuffer < 0:
		return nil, invalid("PollInterval, CheckpointEvery and LiveBuffer must not be negative")
	}
	filter, err := newFilter(s.Events, s.Pattern)
	if err != nil {
		return nil, fmt.Errorf("herald: durable %q: %w", s.Name, err)
	}
	policy, err := cfg.Retry.Resolve()
	if err != nil {
		return nil, fmt.Errorf("herald: durable %q: %w", s.Name, err)
	}
	checkpoints := cfg.Checkpoints
	if checkpoints == nil {
		cs, ok := cfg.Store.(CheckpointStore)
		if !ok {
			return nil, invalid("%T keeps no checkpoints and DurableConfig.Checkpoints is nil", cfg.Store)
		}
		checkpoints = cs
	}
	d := &Durable{
		name: s.Name, filter: filter, handler: s.Handler,
		store: cfg.Store, bus: cfg.Bus, checkpoints: checkpoints,
		retry: retry.New(policy.InitialInterval, policy.MaxInterval, policy.MaxAttempts), deadLetter: cfg.DeadLetter,
		poll: cfg.PollInterval, every: cfg.CheckpointEvery, log: cfg.Logger,
		stopping: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
	}
	if d.poll == 0 && d.bus == nil {
		d.poll = DefaultDurablePollInterval
	}
	if d.every == 0 {
		d.every = DefaultCheckpointEvery
	}
	limit := cfg.LiveBuffer
	if limit == 0 {
		limit = DefaultLiveBuffer
	}
	d.live = live.NewBuffer[Event](limit)
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	return d, nil
}

// Close stops the subscription: it leaves the bus, lets the event being
// handled finish, saves the checkpoint and returns nil. If ctx ends first,
// it cancels the handler's context and returns an error wrapping
// ctx.Err(); the goroutine ends, and saves the checkpoint, when the
// handler returns. A second Close returns an error matching ErrClosed.
func (d *Durable) Close(ctx context.Context) error {
	if ctx == nil {
		return nilContext("durable " + strconv.Quote(d.name) + ": close")
	}
	first := false
	d.stopOnce.Do(func() { close(d.stopping); first = true })
	if !first {
		return fmt.Errorf("herald: durable %q: close: %w", d.name, ErrClosed)
	}
	var errs []error
	if d.bus != nil {
		err := d.bus.Unsubscribe(ctx, d.name)
		if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("herald: durable %q: close: %w", d.name, err))
		}
	}
	select {
	case <-d.done:
	case <-ctx.Done():
		d.cancel()
		return fmt.Errorf("herald: durable %q: close: %w", d.name, ctx.Err())
	}
	d.cancel()
	return errors.Join(errs...)
}

// Wait returns nil once the subscription has handled (or passed) every
// event up to position, such as the position of an event just published.
// It returns an error wrapping ctx.Err() when ctx ends first, and one
// matching ErrClosed when the subscription stops first.
func (d *Durable) Wait(ctx context.Context, position uint64) error {
	if ctx == nil {
		return nilContext("durable " + strconv.Quote(d.name) + ": wait")
	}
	for {
		d.mu.Lock()
		changed, stopErr := d.changed, d.stopErr
		d.mu.Unlock()
		if d.position.Load() >= position {
			return nil
		}
		if stopErr != nil {
			return fmt.Errorf("herald: durable %q: wait: %w", d.name, stopErr)
		}
		select {
		case <-changed:
		case <-d.stopping:
			return fmt.Errorf("herald: durable %q: wait: %w", d.name, ErrClosed)
		case <-ctx.Done():
			return fmt.Errorf("herald: durable %q: wait: %w", d.name, ctx.Err())
		}
	}
}

// Info describes the subscription now.
func (d *Durable) Info() DurableInfo {
	d.mu.Lock()
	lastErr, lastErrAt := d.lastErr, d.lastErrAt
	d.mu.Unlock()
	return DurableInfo{
		Name: d.name, Events: d.filter.Events(), Pattern: d.filter.Pattern(),
		Position: d.position.Load(), Checkpoint: d.checkpoint.Load(), Live: d.following.Load(),
		Delivered: d.delivered.Load(), Failed: d.failed.Load(), Retried: d.retried.Load(),
		DeadLettered: d.dead.Load(), LastError: lastErr, LastErrorAt: lastErrAt,
	}
}

// offer is the handler of the bus subscription: it buffers stored events
// for the goroutine and never blocks.
func (d *Durable) offer(_ context.Context, e Event) error {
	if e.Metadata.Position != 0 {
		d.live.Offer(&e)
	}
	return nil
}

// run catches up and follows until the subscription stops.
func (d *Durable) run() {
	defer close(d.done)
	defer d.save()
	failures := 0
	for !d.stopped() {
		err := d.catchUp()
		switch {
		case err == nil:
			failures = 0
		case d.stopped():
			return
		case errors.Is(err, ErrClosed):
			d.noteError(err)
			d.mu.Lock()
			d.stopErr = err
			close(d.changed)
			d.changed = make(chan struct{})
			d.mu.Unlock()
			d.log.LogAttrs(d.base, slog.LevelError, "herald: durable subscription stops: the store is closed",
				slog.String("subscription", d.name), slog.Any("error", err))
			return
		default:
			d.noteError(err)
			d.log.LogAttrs(d.base, slog.LevelError, "herald: durable subscription cannot read the store",
				slog.String("subscription", d.name), slog.Any("error", err))
			failures++
			if !d.retry.Wait(d.base, d.stopping, failures) {
				return
			}
			continue
		}
		d.following.Store(true)
		if !d.follow() {
			return
		}
	}
}

// catchUp handles every event of the log after the current position, up
// to the head as it is when the read begins.
func (d *Durable) catchUp() error {
	d.live.Reset() // what it holds, the read finds in the store
	last := d.position.Load()
	n := 0
	// cur holds the event being handled: one variable for the whole read,
	// as the handler's context refers to it.
	var cur Event
	for e, err := range d.store.ReadLog(d.base, last) {
		if err != nil {
			return err
		}
		pos := e.Metadata.Position
		if pos <= last {
			continue
		}
		cur = e
		if d.stopped() || !d.handle(&cur) {
			return errStopping
		}
		last = pos
		d.position.Store(pos)
		if n++; n >= d.every {
			n = 0
			d.save()
			d.notify()
			if d.stopped() {
				return errStopping
			}
		}
	}
	d.save()
	d.notify()
	return nil
}

// follow handles live events while they come in position order. It
// returns true when it must catch up from the store, false when the
// subscription stops.
func (d *Durable) follow() bool {
	var timer *time.Timer
	var tick <-chan time.Time
	if d.poll > 0 {
		timer = time.NewTimer(d.poll)
		defer timer.Stop()
		tick = timer.C
	}
	var batch []Event
	for {
		var overflow bool
		batch, overflow = d.live.Take(batch)
		if overflow {
			return true
		}
		last := d.position.Load()
		handled := 0
		for i := range batch {
			e := &batch[i]
			pos := e.Metadata.Position
			if pos <= last {
				continue
			}
			if pos != last+1 || d.stopped() {
				clear(batch)
				d.save()
				d.notify()
				return !d.stopped()
			}
			if !d.handle(e) {
				clear(batch)
				return false
			}
			last = pos
			d.position.Store(pos)
			handled++
		}
		clear(batch)
		if handled > 0 {
			d.save()
			d.notify()
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-d.live.Ready():
		case <-tick:
			return true
		case <-d.stopping:
			return false
		}
	}
}

// handle hands e to the handler when it matches the filter, retrying as
// the policy says, and gives it up to the dead-letter function after the
// last attempt. It returns false when the subscription stopped while the
// event waited for a retry: the event is then neither handled nor given
// up.
func (d *Durable) handle(e *Event) bool {
	if !d.filter.Match(e) {
		return true
	}
	// The first attempt is made here, outside the retry loop: catching up
	// calls handle for every event, and going through the loop costs it
	// time measurably (BenchmarkDurableCatchUp).
	ctx := d.causes.For(d.base, e)
	err := safeHandle(ctx, d.handler, *e)
	if err == nil {
		d.delivered.Add(1)
		return true
	}
	return d.handleFailed(ctx, e, err)
}

// handleFailed retries e after its first attempt failed with err, and
// gives it up after the last; it returns what handle does.
func (d *Durable) handleFailed(ctx context.Context, e *Event, err error) bool {
	res := d.retry.Retry(ctx, d.stopping, err, func(int) error {
		d.retried.Add(1)
		return safeHandle(ctx, d.handler, *e)
	}, func(n int, err error) { d.failedAttempt(ctx, e, n, err) })
	switch res.Outcome {
	case retry.Handled:
		d.delivered.Add(1)
		return true
	case retry.Stopped:
		return false // Close came: the event is handled again after a restart
	}
	d.log.LogAttrs(ctx, slog.LevelError, "herald: durable subscription gives up on an event",
		slog.String("subscription", d.name), slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()), slog.Uint64("position", e.Metadata.Position),
		slog.Int("attempts", res.Attempts), slog.Any("error", res.Err))
	dl := DeadLetter{Subscription: d.name, Event: *e, Attempts: res.Attempts, Err: res.Err}
	retry.DeadLetter(ctx, d.deadLetter, dl, &d.dead, d.log, "herald",
		slog.String("subscription", d.name), slog.String("id", e.ID.String()))
	return true
}

func (d *Durable) failedAttempt(ctx context.Context, e *Event, attempt int, err error) {
	d.failed.Add(1)
	d.noteError(err)
	d.log.LogAttrs(ctx, slog.LevelWarn, "herald: durable subscription handler failed",
		slog.String("subscription", d.name), slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()), slog.Int("attempt", attempt), slog.Any("error", err))
}

func (d *Durable) stopped() bool {
	select {
	case <-d.stopping:
		return true
	default:
		return false
	}
}

// save stores the position as the checkpoint unless it is stored already.
func (d *Durable) save() {
	pos := d.position.Load()
	if pos == d.checkpoint.Load() {
		return
	}
	if err := d.checkpoints.SaveCheckpoint(context.Background(), d.name, pos); err != nil {
		d.noteError(err)
		d.log.LogAttrs(d.base, slog.LevelError, "herald: durable subscription cannot save its checkpoint",
			slog.String("subscription", d.name), slog.Uint64("position", pos), slog.Any("error", err))
		return
	}
	d.checkpoint.Store(pos)
}

// notify wakes the callers of Wait.
func (d *Durable) notify() {
	d.mu.Lock()
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

func (d *Durable) noteError(err error) {
	now := time.Now()
	d.mu.Lock()
	d.lastErr, d.lastErrAt = err, now
	d.mu.Unlock()
}
