package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
)

// Defaults of a Config and a FlowConfig.
const (
	// DefaultBatchSize is how many events a projection applies in one
	// transaction of its model while it catches up.
	DefaultBatchSize = 4096
	// DefaultLiveBuffer is how many live events a consumer holds while it
	// is busy before it reads the store instead.
	DefaultLiveBuffer = 8192
	// DefaultPollInterval is how often a consumer without a bus reads the
	// store for new events.
	DefaultPollInterval = time.Second
	// DefaultProgressInterval is how often a rebuild reports its progress.
	DefaultProgressInterval = time.Second
)

// consumer is what an engine drives: a projection or a flow.
type consumer interface {
	// start loads the checkpoint and reports whether the model must be
	// rebuilt first.
	start(ctx context.Context) (position uint64, rebuild bool, err error)
	// wants reports whether e has a handler. It is called on another
	// goroutine than the rest, and must not change anything.
	wants(e *herald.Event) bool
	// apply applies events, all wanted and in position order, and
	// advances the checkpoint to upTo, at least the last event's position.
	// It returns how many events took effect with the checkpoint covering
	// them: all with a nil error; with an error, the events before the one
	// that failed, or none. A handler's failure on events[i] is a
	// *handlerError with index i.
	apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error)
	// reset clears the model and saves the checkpoint 0.
	reset(ctx context.Context) error
	// describe fills in what only the consumer knows.
	describe(s *Status)
}

// settings are what projections and flows share of their configuration,
// checked and with defaults set.
type settings struct {
	name          string
	store         herald.Store
	bus           herald.Bus
	retry         retry.Backoff // a template: each use takes a copy
	batch         int
	liveBuffer    int
	poll          time.Duration
	progress      func(Progress)
	progressEvery time.Duration
	log           *slog.Logger
}

func newSettings(name string, store herald.Store, bus herald.Bus, policy herald.RetryPolicy,
	batch, liveBuffer int, poll time.Duration, log *slog.Logger) (settings, error) {
	switch {
	case name == "":
		return settings{}, invalid(name, "the name is empty")
	case len(name) > 512:
		return settings{}, invalid(name, "the name is %d bytes, more than 512", len(name))
	case store == nil:
		return settings{}, invalid(name, "the store is nil")
	case batch < 0, liveBuffer < 0, poll < 0:
		return settings{}, invalid(name, "BatchSize, LiveBuffer and PollInterval must not be negative")
	}
	p, err := policy.Resolve()
	if err != nil {
		return settings{}, fmt.Errorf("projection: %q: %w", name, err)
	}
	r := retry.New(p.InitialInterval, p.MaxInterval, p.MaxAttempts)
	s := settings{name: name, store: store, bus: bus, retry: r, batch: batch, liveBuffer: liveBuffer, poll: poll, log: log}
	if s.batch == 0 {
		s.batch = DefaultBatchSize
	}
	if s.liveBuffer == 0 {
		s.liveBuffer = DefaultLiveBuffer
	}
	if s.poll == 0 && bus == nil {
		s.poll = DefaultPollInterval
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// engine runs a consumer: it catches up from the store, follows the bus,
// retries, fails, rebuilds, and reports.
type engine struct {
	settings
	ops  consumer
	live liveBuffer
	free chan []herald.Event // batches to reuse

	position         atomic.Uint64 // the last position applied or passed
	following        atomic.Bool
	applied, retried atomic.Uint64

	// The run's own state, used by the goroutine that runs only.
	saved        uint64 // the position of the checkpoint saved last
	pendingReset bool   // a rebuild is asked for and its reset not done

	mu        sync.Mutex
	run       *runHandle    // nil when not running
	alone     bool          // a Rebuild runs without Run
	aloneDone chan struct{} // closed when it is done
	changed   chan struct{}
	lastErr   error
	lastErrAt time.Time
	failure   *FailedError
	rebuild   rebuildState
	waiters   []chan error // the Rebuild calls waiting for the rebuild's end
}

// rebuildState is the progress of a rebuild under way; target is 0 when
// there is none.
type rebuildState struct {
	target     uint64
	began      time.Time
	lastReport time.Time
}

// runHandle is one Run: the commands it takes and when it ended.
type runHandle struct {
	cmds chan command
	done chan struct{}
}

// command asks a running consumer to rebuild or to resume.
type command struct {
	rebuild bool
	reply   chan error
}

// errRestart makes the run loop start over: a rebuild was asked for.
var errRestart = errors.New("projection: restart")

func newEngine(s settings, ops consumer) *engine {
	return &engine{
		settings: s, ops: ops,
		live:    newLiveBuffer(s.liveBuffer),
		free:    make(chan []herald.Event, 4),
		changed: make(chan struct{}),
	}
}

// Run is the Run of projections and flows.
func (e *engine) Run(ctx context.Context) error {
	if ctx == nil {
		return nilContext(e.name, "run")
	}
	h, err := e.begin(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer e.end(h)
	if e.bus != nil {
		err := e.bus.Subscribe(herald.Subscription{Name: e.name, Handler: herald.HandlerFunc(e.live.handle), Sync: true})
		if err != nil {
			return fmt.Errorf("projection: %q: subscribe: %w", e.name, err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = e.bus.Unsubscribe(ctx, e.name)
		}()
	}
	return e.loop(ctx, h)
}

// Rebuild is the Rebuild of projections: it hands the rebuild to Run when
// Run runs, else does it itself.
func (e *engine) Rebuild(ctx context.Context) error {
	if ctx == nil {
		return nilContext(e.name, "rebuild")
	}
	for {
		e.mu.Lock()
		h, alone, aloneDone := e.run, e.alone, e.aloneDone
		if h == nil && !alone {
			e.alone, e.aloneDone = true, make(chan struct{})
			e.mu.Unlock()
			return e.rebuildAlone(ctx)
		}
		e.mu.Unlock()
		if h == nil {
			// Another Rebuild works without Run: this one comes after.
			select {
			case <-aloneDone:
				continue
			case <-ctx.Done():
				return fmt.Errorf("projection: %q: rebuild: %w", e.name, ctx.Err())
			}
		}
		c := command{rebuild: true, reply: make(chan error, 1)}
		select {
		case h.cmds <- c:
		case <-h.done:
			continue // Run ended: rebuild without it
		case <-ctx.Done():
			return fmt.Errorf("projection: %q: rebuild: %w", e.name, ctx.Err())
		}
		select {
		case err := <-c.reply:
			return err
		case <-ctx.Done():
			return fmt.Errorf("projection: %q: rebuild: %w (it goes on)", e.name, ctx.Err())
		}
	}
}

// Resume is the Resume of projections and flows.
func (e *engine) Resume(ctx context.Context) error {
	if ctx == nil {
		return nilContext(e.name, "resume")
	}
	e.mu.Lock()
	h := e.run
	if h == nil {
		e.failure = nil
		e.mu.Unlock()
		e.notify()
		return nil
	}
	e.mu.Unlock()
	c := command{reply: make(chan error, 1)}
	select {
	case h.cmds <- c:
	case <-h.done:
		return e.Resume(ctx)
	case <-ctx.Done():
		return fmt.Errorf("projection: %q: resume: %w", e.name, ctx.Err())
	}
	select {
	case err := <-c.reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("projection: %q: resume: %w", e.name, ctx.Err())
	}
}

// begin claims the consumer for a Run. A Rebuild that works without Run
// is waited for; another Run is an error.
func (e *engine) begin(ctx context.Context) (*runHandle, error) {
	for {
		e.mu.Lock()
		if e.run != nil {
			e.mu.Unlock()
			return nil, invalid(e.name, "it is running already")
		}
		if !e.alone {
			e.run = &runHandle{cmds: make(chan command), done: make(chan struct{})}
			e.mu.Unlock()
			return e.run, nil
		}
		wait := e.aloneDone
		e.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("projection: %q: run: %w", e.name, ctx.Err())
		}
	}
}

// end gives up the claim, and answers the Rebuild calls still waiting.
func (e *engine) end(h *runHandle) {
	e.mu.Lock()
	if h != nil {
		e.run = nil
	}
	if e.alone {
		e.alone = false
		close(e.aloneDone)
	}
	waiters := e.waiters
	e.waiters = nil
	e.following.Store(false)
	e.mu.Unlock()
	if h != nil {
		close(h.done)
	}
	for _, w := range waiters {
		w <- fmt.Errorf("projection: %q: stopped before the rebuild finished: %w", e.name, herald.ErrClosed)
	}
	e.notify()
}

// load reads the checkpoint at the start of a run.
func (e *engine) load(ctx context.Context) error {
	pos, rebuild, err := e.start(ctx)
	if err != nil {
		return err
	}
	e.saved = pos
	if rebuild {
		pos = 0 // nothing counts until the model is rebuilt
		e.log.LogAttrs(ctx, slog.LevelInfo, "projection: the version changed; rebuilding", slog.String("projection", e.name))
		e.pendingReset = true
	}
	e.position.Store(pos)
	e.notify()
	return nil
}

// loop runs until ctx ends or the store is closed.
func (e *engine) loop(ctx context.Context, h *runHandle) error {
	failures := 0
	wait := e.retry // the waits after rounds that failed, over the run
	loaded := false
	defer func() {
		if loaded {
			e.flush(context.WithoutCancel(ctx))
		}
	}()
	for ctx.Err() == nil {
		var err error
		switch {
		case !loaded:
			if err = e.load(ctx); err == nil {
				loaded = true
			}
		case e.pendingReset:
			err = e.reset(ctx)
		case e.failed():
			e.await(ctx, h)
			continue
		default:
			if err = e.catchUp(ctx, h); err == nil {
				err = e.follow(ctx, h)
			}
		}
		switch {
		case err == nil, errors.Is(err, errRestart):
			failures = 0
		case ctx.Err() != nil:
		case errors.Is(err, ErrFailed):
		case errors.Is(err, herald.ErrClosed):
			e.noteError(err)
			e.log.LogAttrs(ctx, slog.LevelError, "projection: stops: the store or the model is closed",
				slog.String("projection", e.name), slog.Any("error", err))
			return fmt.Errorf("projection: %q: %w", e.name, err)
		default:
			failures++
			e.noteError(err)
			e.log.LogAttrs(ctx, slog.LevelError, "projection: cannot go on; retrying",
				slog.String("projection", e.name), slog.Int("failures", failures), slog.Any("error", err))
			wait.Wait(ctx, nil, failures)
		}
	}
	return nil
}

// rebuildAlone resets the model and replays the log without Run.
func (e *engine) rebuildAlone(ctx context.Context) error {
	defer e.end(nil)
	if err := e.load(ctx); err != nil {
		return err
	}
	reply := make(chan error, 1)
	e.mu.Lock()
	e.waiters = append(e.waiters, reply)
	e.mu.Unlock()
	defer e.flush(context.WithoutCancel(ctx))
	if err := e.reset(ctx); err != nil {
		return err
	}
	for {
		err := e.catchUp(ctx, nil)
		select {
		case err := <-reply:
			return err
		default:
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("projection: %q: rebuild: %w", e.name, ctx.Err())
		}
	}
}

// reset clears the model for a rebuild and sets its target: the log's
// head now.
func (e *engine) reset(ctx context.Context) error {
	stats, err := e.store.Stats(ctx)
	if err == nil {
		err = e.safely(func() error { return e.ops.reset(ctx) })
	}
	if err != nil {
		err = fmt.Errorf("projection: %q: rebuild: %w", e.name, err)
		e.answer(err)
		return err
	}
	e.pendingReset = false
	e.position.Store(0)
	e.saved = 0
	now := time.Now()
	e.mu.Lock()
	e.failure = nil
	e.rebuild = rebuildState{target: stats.Head, began: now}
	e.mu.Unlock()
	e.log.LogAttrs(ctx, slog.LevelInfo, "projection: rebuild begins",
		slog.String("projection", e.name), slog.Uint64("total", stats.Head))
	e.report(ctx, true)
	e.progressed(ctx, 0)
	return nil
}

// answer replies to the Rebuild calls waiting.
func (e *engine) answer(err error) {
	e.mu.Lock()
	waiters := e.waiters
	e.waiters = nil
	e.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
}

// command carries out a command Run took.
func (e *engine) command(c command) error {
	if !c.rebuild {
		e.mu.Lock()
		e.failure = nil
		e.mu.Unlock()
		e.notify()
		c.reply <- nil
		return nil
	}
	e.mu.Lock()
	e.waiters = append(e.waiters, c.reply)
	e.mu.Unlock()
	e.pendingReset = true
	return errRestart
}

// await waits, in the failed state, for a command or the end of ctx.
func (e *engine) await(ctx context.Context, h *runHandle) {
	select {
	case c := <-h.cmds:
		_ = e.command(c)
	case <-ctx.Done():
	}
}

// takeCommand takes a command when one waits; errRestart means start over.
func (e *engine) takeCommand(h *runHandle) error {
	if h == nil {
		return nil
	}
	select {
	case c := <-h.cmds:
		return e.command(c)
	default:
		return nil
	}
}

// readBatch is what the reader of a catch-up hands over: the wanted
// events and the position read up to.
type readBatch struct {
	events []herald.Event
	upTo   uint64
	err    error
}

// catchUp applies the events of the log after the position, up to the
// head as it is when the read begins. A reader goroutine reads and
// decodes the next batches while the current one is applied.
func (e *engine) catchUp(ctx context.Context, h *runHandle) error {
	e.following.Store(false)
	e.live.Reset() // what it held, the read finds in the store
	rctx, cancel := context.WithCancel(ctx)
	batches := make(chan readBatch, 1)
	go e.read(rctx, e.position.Load(), batches)
	defer func() {
		cancel()
		for b := range batches {
			e.recycle(b.events)
		}
	}()
	for b := range batches {
		if b.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("projection: %q: read the log: %w", e.name, b.err)
		}
		err := e.applyBatch(ctx, b.events, b.upTo)
		e.recycle(b.events)
		if err != nil {
			return err
		}
		if err := e.takeCommand(h); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// read reads the log after after and hands out batches of wanted events.
// It closes out when it is done or ctx ends.
func (e *engine) read(ctx context.Context, after uint64, out chan<- readBatch) {
	defer close(out)
	events := e.buffer()
	upTo, scanned := after, 0
	send := func(b readBatch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			e.recycle(b.events)
			return false
		}
	}
	for ev, err := range e.store.ReadLog(ctx, after) {
		if err != nil {
			e.recycle(events)
			send(readBatch{err: err})
			return
		}
		pos := ev.Metadata.Position
		if pos <= upTo {
			continue
		}
		upTo = pos
		scanned++
		// Appended first and taken back when unwanted: asking about &ev
		// would move every event to the heap.
		events = append(events, ev)
		if !e.ops.wants(&events[len(events)-1]) {
			events = events[:len(events)-1]
		}
		// A batch is full with e.batch events, or after many events
		// passed: the checkpoint moves on past long runs of them.
		if len(events) >= e.batch || scanned >= 16*e.batch {
			if !send(readBatch{events: events, upTo: upTo}) {
				return
			}
			events, scanned = e.buffer(), 0
		}
	}
	if scanned > 0 {
		send(readBatch{events: events, upTo: upTo})
	} else {
		e.recycle(events)
	}
}

func (e *engine) buffer() []herald.Event {
	select {
	case b := <-e.free:
		return b
	default:
		return make([]herald.Event, 0, min(e.batch, 1<<16))
	}
}

func (e *engine) recycle(b []herald.Event) {
	if b == nil {
		return
	}
	clear(b[:cap(b)])
	select {
	case e.free <- b[:0]:
	default:
	}
}

// follow applies the events the bus brings while they come in position
// order. It returns nil when it must catch up from the store: the buffer
// overflowed, an event is missing, or the poll interval passed.
func (e *engine) follow(ctx context.Context, h *runHandle) error {
	var tick <-chan time.Time
	if e.poll > 0 {
		t := time.NewTimer(e.poll)
		defer t.Stop()
		tick = t.C
	}
	e.following.Store(true)
	defer e.following.Store(false)
	e.notify()
	var batch, wanted []herald.Event
	for {
		var overflow bool
		batch, overflow = e.live.take(batch)
		if overflow {
			return nil
		}
		if len(batch) > 0 {
			gap, err := e.applyLive(ctx, batch, &wanted)
			clear(batch)
			if err != nil || gap {
				return err
			}
			if err := e.takeCommand(h); err != nil {
				return err
			}
			continue
		}
		select {
		case <-e.live.Ready():
		case <-tick:
			return nil
		case c := <-h.cmds:
			if err := e.command(c); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// applyLive applies the events of batch that follow the position without
// a gap, and reports whether there was one.
func (e *engine) applyLive(ctx context.Context, batch []herald.Event, wanted *[]herald.Event) (gap bool, err error) {
	upTo := e.position.Load()
	all := (*wanted)[:0]
	defer func() { clear(all); *wanted = all[:0] }()
	for i := range batch {
		ev := &batch[i]
		pos := ev.Metadata.Position
		if pos <= upTo {
			continue // read from the store already
		}
		if pos != upTo+1 {
			gap = true // the store has what is missing
			break
		}
		upTo = pos
		if e.ops.wants(ev) {
			all = append(all, *ev)
		}
	}
	events := all
	for len(events) > e.batch {
		chunk := events[:e.batch]
		if err := e.applyBatch(ctx, chunk, chunk[len(chunk)-1].Metadata.Position); err != nil {
			return gap, err
		}
		events = events[e.batch:]
	}
	return gap, e.applyBatch(ctx, events, upTo)
}

// applyBatch applies events and moves the position to upTo.
func (e *engine) applyBatch(ctx context.Context, events []herald.Event, upTo uint64) error {
	if len(events) == 0 {
		if upTo > e.position.Load() {
			return e.advance(ctx, upTo)
		}
		return nil
	}
	return e.applyAll(ctx, events, upTo)
}

// applyAll applies events and moves the checkpoint to upTo, at least the
// last event's position. When a handler fails, the events before it are
// applied on their own, and the failing one is retried alone with
// backoff: all of them are applied, or it returns a *FailedError for the
// event it gave up on, every event before it applied.
func (e *engine) applyAll(ctx context.Context, events []herald.Event, upTo uint64) error {
	for len(events) > 0 {
		n, err := e.apply(ctx, events, upTo)
		if n > 0 {
			e.applied.Add(uint64(n))
			e.committed(ctx, events[n-1].Metadata.Position)
		}
		if err == nil {
			e.committed(ctx, upTo)
			return nil
		}
		var he *handlerError
		if !errors.As(err, &he) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i := he.index - n
		events = events[n:]
		if i > 0 {
			// The events before the failing one were applied without an
			// error, and rolled back with it, or not, as the model goes.
			if err := e.applyAll(ctx, events[:i], events[i-1].Metadata.Position); err != nil {
				return err
			}
			events = events[i:]
		}
		if err := e.retryFirst(ctx, events[:1], he.err); err != nil {
			return err
		}
		events = events[1:]
	}
	if upTo > e.position.Load() {
		return e.advance(ctx, upTo)
	}
	return nil
}

// retryFirst applies one event whose handler failed with err, as the
// retry policy says, and stops in the failed state after the last attempt.
func (e *engine) retryFirst(ctx context.Context, one []herald.Event, err error) error {
	ev := &one[0]
	r := e.retry // this event's own waits
	res := r.Retry(ctx, nil, err, func(int) error {
		e.retried.Add(1)
		_, err := e.apply(ctx, one, ev.Metadata.Position)
		var he *handlerError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &he):
			return he.err
		default:
			return retry.Abort(err) // the model or the store failed, not the handler
		}
	}, func(n int, err error) {
		if ctx.Err() == nil { // a failure while the run ends is not reported
			e.failedAttempt(ctx, ev, n, err)
		}
	})
	switch res.Outcome {
	case retry.Handled:
		e.applied.Add(1)
		e.committed(ctx, ev.Metadata.Position)
		return nil
	case retry.Stopped:
		return ctx.Err()
	case retry.Aborted:
		return res.Err
	}
	f := &FailedError{Name: e.name, Event: *ev, Attempts: res.Attempts, Err: res.Err}
	e.log.LogAttrs(ctx, slog.LevelError, "projection: stops on an event its handler failed on",
		slog.String("projection", e.name), slog.String("event", ev.FullName()),
		slog.String("id", ev.ID.String()), slog.Uint64("position", ev.Metadata.Position),
		slog.Int("attempts", res.Attempts), slog.Any("error", res.Err))
	e.mu.Lock()
	e.failure = f
	e.lastErr, e.lastErrAt = f, time.Now()
	e.mu.Unlock()
	e.answer(f)
	e.notify()
	return f
}

func (e *engine) failedAttempt(ctx context.Context, ev *herald.Event, attempt int, err error) {
	e.noteError(err)
	e.log.LogAttrs(ctx, slog.LevelWarn, "projection: handler failed",
		slog.String("projection", e.name), slog.String("event", ev.FullName()),
		slog.String("id", ev.ID.String()), slog.Uint64("position", ev.Metadata.Position),
		slog.Int("attempt", attempt), slog.Any("error", err))
}

// committed records that the model and its checkpoint are at pos.
func (e *engine) committed(ctx context.Context, pos uint64) {
	if pos <= e.position.Load() {
		return
	}
	e.position.Store(pos)
	e.saved = pos
	e.progressed(ctx, pos)
	e.notify()
}

// advance moves the position past events without a handler. Their
// positions are saved with the next batch applied, or once a batch's
// worth of them passed, or when the run ends: an event without a handler
// changes nothing, so reading it again after a crash is harmless.
func (e *engine) advance(ctx context.Context, upTo uint64) error {
	e.position.Store(upTo)
	e.progressed(ctx, upTo)
	e.notify()
	if upTo-e.saved >= uint64(e.batch) {
		return e.flush(ctx)
	}
	return nil
}

// flush saves the position as the checkpoint unless it is saved already.
func (e *engine) flush(ctx context.Context) error {
	pos := e.position.Load()
	if pos <= e.saved {
		return nil
	}
	if _, err := e.apply(ctx, nil, pos); err != nil {
		e.noteError(err)
		return err
	}
	e.saved = pos
	return nil
}

// progressed reports a rebuild's progress and ends it at its target.
func (e *engine) progressed(ctx context.Context, pos uint64) {
	e.mu.Lock()
	r := e.rebuild
	e.mu.Unlock()
	if r.began.IsZero() {
		return
	}
	if pos < r.target {
		if time.Since(r.lastReport) >= e.progressEvery {
			e.report(ctx, false)
		}
		return
	}
	e.report(ctx, true)
	e.mu.Lock()
	e.rebuild = rebuildState{}
	e.mu.Unlock()
	e.log.LogAttrs(ctx, slog.LevelInfo, "projection: rebuild done",
		slog.String("projection", e.name), slog.Uint64("events", r.target),
		slog.Duration("elapsed", time.Since(r.began)))
	e.answer(nil)
}

// report hands the progress to the callback and the logger.
func (e *engine) report(ctx context.Context, force bool) {
	now := time.Now()
	e.mu.Lock()
	if e.rebuild.began.IsZero() || (!force && now.Sub(e.rebuild.lastReport) < e.progressEvery) {
		e.mu.Unlock()
		return
	}
	e.rebuild.lastReport = now
	p := e.progressLocked(now)
	e.mu.Unlock()
	e.log.LogAttrs(ctx, slog.LevelInfo, "projection: rebuilding",
		slog.String("projection", e.name), slog.Uint64("done", p.Done), slog.Uint64("total", p.Total),
		slog.Float64("rate", p.Rate), slog.Duration("remaining", p.Remaining))
	if e.progress != nil {
		callProgress(ctx, e.progress, *p, e.log)
	}
}

func (e *engine) progressLocked(now time.Time) *Progress {
	r := e.rebuild
	if r.began.IsZero() {
		return nil
	}
	p := &Progress{Name: e.name, Done: min(e.position.Load(), r.target), Total: r.target, Elapsed: now.Sub(r.began)}
	if secs := p.Elapsed.Seconds(); secs > 0 {
		p.Rate = float64(p.Done) / secs
	}
	if p.Rate > 0 && p.Done < p.Total {
		p.Remaining = time.Duration(float64(p.Total-p.Done) / p.Rate * float64(time.Second))
	}
	return p
}

func callProgress(ctx context.Context, fn func(Progress), p Progress, log *slog.Logger) {
	defer func() {
		if r := recover(); r != nil {
			log.LogAttrs(ctx, slog.LevelError, "projection: progress callback panicked",
				slog.String("projection", p.Name), slog.Any("panic", r))
		}
	}()
	fn(p)
}

func (e *engine) failed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failure != nil
}

func (e *engine) noteError(err error) {
	now := time.Now()
	e.mu.Lock()
	e.lastErr, e.lastErrAt = err, now
	e.mu.Unlock()
}

// notify wakes the callers of Wait.
func (e *engine) notify() {
	e.mu.Lock()
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// Wait is the Wait of projections and flows.
func (e *engine) Wait(ctx context.Context, position uint64) error {
	if ctx == nil {
		return nilContext(e.name, "wait")
	}
	for {
		e.mu.Lock()
		changed, failure := e.changed, e.failure
		e.mu.Unlock()
		if e.position.Load() >= position {
			return nil
		}
		if failure != nil {
			return failure
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("projection: %q: wait: %w", e.name, ctx.Err())
		}
	}
}

// Status is the Status of projections and flows.
func (e *engine) Status(ctx context.Context) (Status, error) {
	if ctx == nil {
		return Status{}, nilContext(e.name, "status")
	}
	stats, err := e.store.Stats(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("projection: %q: status: %w", e.name, err)
	}
	now := time.Now()
	e.mu.Lock()
	s := Status{
		Name: e.name, Checkpoint: e.position.Load(), Head: stats.Head,
		Applied: e.applied.Load(), Retried: e.retried.Load(),
		LastError: e.lastErr, LastErrorAt: e.lastErrAt, Failure: e.failure,
		Progress: e.progressLocked(now),
	}
	switch {
	case e.failure != nil:
		s.State = Failed
	case e.run == nil && !e.alone:
		s.State = Stopped
	case s.Progress != nil:
		s.State = Rebuilding
	case e.following.Load():
		s.State = Live
	default:
		s.State = CatchingUp
	}
	e.mu.Unlock()
	if s.Head > s.Checkpoint {
		s.Lag = s.Head - s.Checkpoint
	}
	e.ops.describe(&s)
	return s, nil
}

// start, apply and safely call the consumer, turning a panic of the
// model or the checkpoint store into an error: handlers' panics are the
// consumer's to recover, this is for the code around them.
func (e *engine) start(ctx context.Context) (pos uint64, rebuild bool, err error) {
	err = e.safely(func() error {
		pos, rebuild, err = e.ops.start(ctx)
		return err
	})
	return pos, rebuild, err
}

func (e *engine) apply(ctx context.Context, events []herald.Event, upTo uint64) (n int, err error) {
	err = e.safely(func() error {
		n, err = e.ops.apply(ctx, events, upTo)
		return err
	})
	return n, err
}

func (e *engine) safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("projection: %q: the model or the checkpoint store panicked: %w",
				e.name, &herald.PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	return fn()
}
