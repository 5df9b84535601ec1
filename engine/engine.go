package engine

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Engine runs one [Consumer] over a log: it catches up from its
// checkpoint, follows the live feed, retries, stops or dead-letters on
// failure, rebuilds on request, and reports. It is safe for concurrent
// use; [Engine.Run] runs it.
type Engine struct {
	cfg  settings
	c    Consumer
	live liveBuffer
	free chan []herald.Event // batches to reuse

	position                         atomic.Uint64 // the last position applied or passed
	saved                            atomic.Uint64 // the position of the checkpoint saved last
	following                        atomic.Bool
	waiting                          atomic.Bool // for the lease
	applied, failedN, retried, deadN atomic.Uint64

	// applyMu is held around every call of the consumer's Apply and Reset,
	// so that a replayed dead letter never runs beside the run's events.
	applyMu sync.Mutex

	// The run's own state, used by the goroutine that runs only.
	pendingReset bool // a rebuild is asked for and its reset not done

	mu        sync.Mutex
	run       *runHandle    // nil when not running
	alone     bool          // a Rebuild runs without Run
	aloneDone chan struct{} // closed when it is done
	changed   chan struct{}
	lastErr   error
	lastErrAt time.Time
	failure   *FailedError
	stopErr   error // why the last Run ended on its own
	rebuild   rebuildState
	waiters   []chan error                // the Rebuild calls waiting for the rebuild's end
	parked    map[herald.AggregateRef]int // dead letters per aggregate, with Park
}

// runHandle is one Run: the commands it takes and when it ended.
type runHandle struct {
	cmds chan command
	done chan struct{}
}

// New checks cfg and returns an engine that runs c. A missing name or
// log, a nil consumer or a bad value is an error matching
// [herald.ErrInvalid].
func New(cfg Config, c Consumer) (*Engine, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, invalidConfig(cfg, "the consumer is nil")
	}
	return &Engine{
		cfg: s, c: c,
		live:    newLiveBuffer(s.LiveBuffer),
		free:    make(chan []herald.Event, 4),
		changed: make(chan struct{}),
		parked:  make(map[herald.AggregateRef]int),
	}, nil
}

// Run loads the checkpoint, rebuilds first when the consumer asks for it,
// catches up from the log, then follows the live feed (or polls the log)
// until ctx ends; it then saves the checkpoint and returns nil. It follows
// the feed before it reads the log, so it misses nothing. With a Lease it
// holds the lease while it consumes, and waits for it when another holder
// has it.
//
// Under the Stop policy, an event the handler failed on for good does not
// end Run: the consumer waits in the Failed state for Resume or Rebuild.
// Run returns an error matching [herald.ErrClosed] when the log or the
// consumer's own storage is closed, and one matching [herald.ErrInvalid]
// when the engine runs already.
func (e *Engine) Run(ctx context.Context) error {
	if ctx == nil {
		return e.nilContext("run")
	}
	h, err := e.begin(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer e.end(h)
	if e.cfg.Lease == nil {
		return e.consume(ctx, h)
	}
	for ctx.Err() == nil {
		e.waiting.Store(true)
		held, release, err := e.cfg.Lease.Acquire(ctx, e.cfg.Name)
		e.waiting.Store(false)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return prefix.Errorf(e.cfg.kind, "%q: %w", e.cfg.Name, err)
		}
		err = e.consume(held, h)
		release()
		if err != nil {
			return err
		}
	}
	return nil
}

// consume follows the live feed and runs the loop until ctx ends.
func (e *Engine) consume(ctx context.Context, h *runHandle) error {
	if e.cfg.Feed != nil {
		stop, err := e.cfg.Feed.Follow(e.cfg.Name, e.live.offer)
		if err != nil {
			return prefix.Errorf(e.cfg.kind, "%q: follow: %w", e.cfg.Name, err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = stop(ctx)
		}()
	}
	err := e.loop(ctx, h)
	if err != nil {
		e.mu.Lock()
		e.stopErr = err
		e.mu.Unlock()
	}
	return err
}

// begin claims the engine for a Run. A Rebuild that works without Run
// is waited for; another Run is an error.
func (e *Engine) begin(ctx context.Context) (*runHandle, error) {
	for {
		e.mu.Lock()
		if e.run != nil {
			e.mu.Unlock()
			return nil, e.invalid("it is running already")
		}
		if !e.alone {
			e.run = &runHandle{cmds: make(chan command), done: make(chan struct{})}
			e.stopErr = nil
			e.mu.Unlock()
			return e.run, nil
		}
		wait := e.aloneDone
		e.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, prefix.Errorf(e.cfg.kind, "%q: run: %w", e.cfg.Name, ctx.Err())
		}
	}
}

// end gives up the claim, and answers the Rebuild calls still waiting.
func (e *Engine) end(h *runHandle) {
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
		w <- prefix.Errorf(e.cfg.kind, "%q: stopped before the rebuild finished: %w", e.cfg.Name, herald.ErrClosed)
	}
	e.notify()
}

// load reads the checkpoint and the dead letters at the start of a run.
func (e *Engine) load(ctx context.Context) error {
	pos, rebuild, err := e.start(ctx)
	if err != nil {
		return err
	}
	if err := e.loadParked(ctx); err != nil {
		return err
	}
	e.saved.Store(pos)
	if rebuild {
		pos = 0 // nothing counts until it is rebuilt
		e.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, e.cfg.kind+": the version changed; rebuilding", slog.String("consumer", e.cfg.Name))
		e.pendingReset = true
	}
	e.position.Store(pos)
	e.notify()
	return nil
}

// loop runs until ctx ends or the log is closed.
func (e *Engine) loop(ctx context.Context, h *runHandle) error {
	failures := 0
	wait := e.cfg.retry // the waits after rounds that failed, over the run
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
			e.cfg.Logger.LogAttrs(ctx, slog.LevelError, e.cfg.kind+": stops: the log or the consumer's storage is closed",
				slog.String("consumer", e.cfg.Name), slog.Any("error", err))
			return prefix.Errorf(e.cfg.kind, "%q: %w", e.cfg.Name, err)
		default:
			failures++
			e.noteError(err)
			e.cfg.Logger.LogAttrs(ctx, slog.LevelError, e.cfg.kind+": cannot go on; retrying",
				slog.String("consumer", e.cfg.Name), slog.Int("failures", failures), slog.Any("error", err))
			wait.Wait(ctx, nil, failures)
		}
	}
	return nil
}

// start, apply, reset and safely call the consumer, turning a panic of
// its storage into an error: handlers' panics are the consumer's to
// recover, this is for the code around them.
func (e *Engine) start(ctx context.Context) (pos uint64, rebuild bool, err error) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	err = e.safely(func() error {
		pos, rebuild, err = e.c.Start(ctx)
		return err
	})
	return pos, rebuild, err
}

func (e *Engine) apply(ctx context.Context, events []herald.Event, upTo uint64) (n int, err error) {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	err = e.safely(func() error {
		n, err = e.c.Apply(ctx, events, upTo)
		return err
	})
	return n, err
}

func (e *Engine) resetConsumer(ctx context.Context) error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	return e.safely(func() error { return e.c.Reset(ctx) })
}

// Exclusive runs fn while the engine calls nothing of its consumer:
// between two batches, or before Run starts it. A consumer that keeps a
// second copy of what it builds swaps the two in fn.
func (e *Engine) Exclusive(fn func() error) error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	return fn()
}

func (e *Engine) safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = prefix.Errorf(e.cfg.kind, "%q: the consumer's storage panicked: %w", e.cfg.Name, &herald.PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	return fn()
}

func (e *Engine) failed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failure != nil
}

func (e *Engine) noteError(err error) {
	now := time.Now()
	e.mu.Lock()
	e.lastErr, e.lastErrAt = err, now
	e.mu.Unlock()
}

// notify wakes the callers of Wait.
func (e *Engine) notify() {
	e.mu.Lock()
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}
