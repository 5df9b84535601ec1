package projection

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
)

// Design notes
//
// A projection is a front-end over an engine.Engine, which catches up,
// follows the bus through a buffer (dropping what does not fit and reading
// it from the store), retries and checkpoints. While catching up it
// applies full batches (BatchSize); while following, what the bus brought.
// When a handler fails, the batch is cut before the failing event, which
// is then retried alone; on Bolt the events before it are applied again in
// a transaction of their own, since the failed one rolled back. On Bolt a
// batch holds the file's only write transaction, so the store's appends
// wait for it. Every projection has a reset hook, since a version change
// rebuilds.

// Config describes a projection ([New]). Name, Store, Model, Handlers
// and Reset are required; the rest has defaults.
type Config[X any] struct {
	// Name identifies the projection: its checkpoint is saved under it,
	// and on Bus it is the name of the subscription that follows live
	// events. It must be unique among the projections and flows of a
	// store, and may not contain '#'.
	Name string
	// Version is the version of the projection's handlers and model, 0 or
	// more. Change it when they change: a projection whose model was
	// written by another version rebuilds it when it starts.
	Version int
	// Store is the log the projection reads.
	Store herald.Store
	// Bus, when not nil, is the bus the store's events are published on:
	// the projection follows it once it has caught up.
	Bus herald.Bus
	// Feed, when not nil, wakes the projection when the log grows, in
	// place of Bus, such as a feed that spans processes
	// (pgstore.Store.Feed).
	Feed engine.Feed
	// Model is where the read model and the checkpoint live: Bolt for
	// exactly once, Memory or External for at least once.
	Model Model[X]
	// Handlers apply the events they name to the model, one per event
	// name. Events without a handler are passed over; their positions are
	// saved with the next batch, once a batch's worth of them passed, or
	// when Run ends.
	Handlers []Handler[X]
	// Reset clears the model for a rebuild ([Projection.Rebuild]). On a
	// Bolt model it runs in the transaction that also clears the
	// checkpoint; [DeleteBuckets] makes one. A projection without a
	// checkpoint takes its model for empty and starts from the beginning
	// without a reset.
	Reset func(ctx context.Context, x X) error
	// Registry is checked against the handlers when the projection is
	// made: on a strict registry a handler of an undefined event is an
	// error, and on any registry a handler whose data type is not the
	// defined one. Handlers get events stored at an older version of
	// their definition upcast to the current one ([herald.WithUpcast]). Nil
	// means the store's registry, the one its publisher was given
	// ([github.com/herald-go/herald/driver.RegistryStore]).
	Registry *herald.Registry
	// Retry is how a failing handler is retried before the projection
	// stops in the Failed state; the zero value asks for the defaults of
	// herald.RetryPolicy.
	Retry herald.RetryPolicy
	// BatchSize is the most events applied in one call of the model's
	// Apply, one transaction on Bolt (DefaultBatchSize when 0). While it
	// catches up a projection applies full batches; while it follows, what
	// the bus brought.
	BatchSize int
	// LiveBuffer is how many live events it holds while it is busy
	// (DefaultLiveBuffer when 0). When more come it drops them and reads
	// them from the store instead: the bus never waits for it.
	LiveBuffer int
	// PollInterval, when not 0, makes it read the store that often even
	// when the bus brings nothing, so it also sees events stored without
	// being published on Bus. Without a Bus it is DefaultPollInterval
	// when 0.
	PollInterval time.Duration
	// Progress, when not nil, gets a rebuild's progress when it begins,
	// every ProgressInterval (DefaultProgressInterval when 0), and when
	// it is done. It runs on the projection's goroutine.
	Progress         func(engine.Progress)
	ProgressInterval time.Duration
	// Lease, when not nil, lets one process at a time run the projection
	// among those that share it.
	Lease engine.Lease
	// Standby, when not nil, is a second model of the same kind beside
	// Model (other buckets, another map): Rebuild then rebuilds into
	// whichever of the two does not answer, while the other goes on
	// applying live events and answering View, and the two change places
	// in one step once the rebuilt one has caught up; the switch is
	// recorded with the rebuilt model's checkpoint ([Checkpoint].Generation),
	// so a restart keeps it. Its checkpoint is kept under the name followed
	// by "#standby".
	Standby Model[X]
	// Logger logs rebuilds, failed handler calls and store errors; nil is
	// silent.
	Logger *slog.Logger
}

// feedOf returns feed, or a feed of bus when it is nil.
func feedOf(feed engine.Feed, bus herald.Bus) engine.Feed {
	if feed != nil {
		return feed
	}
	return engine.FromBus(bus)
}

// Projection builds a read model from the events of a log: it applies
// each event to the model with the handler of its name and saves its
// checkpoint, the position of the last event applied, with the model. See
// the package documentation for what it guarantees. It is safe for
// concurrent use; Run runs it.
type Projection[X any] struct {
	e        *engine.Engine
	name     string
	version  int
	store    herald.Store
	batch    int
	progress func(engine.Progress)
	logger   *slog.Logger
	handlers map[eventName]*Handler[X]
	registry *herald.Registry // brings old events to the current version
	resetFn  func(ctx context.Context, x X) error

	// slots are the model and, with Config.Standby, the standby model;
	// cur is the index of the one that answers. The engine's goroutine
	// and a rebuild beside it change them only inside Engine.Exclusive.
	slots [2]*slot[X]
	cur   atomic.Int32
	// applied is the position the answering model's checkpoint was last
	// saved at: what it reflects.
	applied atomic.Uint64
	loaded  bool
	aside   atomic.Pointer[asideRebuild] // a rebuild beside it, under way
}

// slot is one of a projection's models, with the name its checkpoint is
// kept under and its generation.
type slot[X any] struct {
	model Model[X]
	key   string
	gen   uint64
}

// New checks cfg and returns the projection it describes. A missing
// name, store, model, handler or reset hook, two handlers of one event, a
// malformed event name, an event a strict registry does not define, a
// data type other than the registry's, or a bad option is an error
// matching herald.ErrInvalid.
func New[X any](cfg Config[X]) (*Projection[X], error) {
	ec := engine.Config{
		Kind: "projection", Name: cfg.Name, Log: cfg.Store, Feed: feedOf(cfg.Feed, cfg.Bus), Lease: cfg.Lease, Retry: cfg.Retry,
		BatchSize: cfg.BatchSize, LiveBuffer: cfg.LiveBuffer, PollInterval: cfg.PollInterval,
		Progress: cfg.Progress, ProgressInterval: cfg.ProgressInterval, Logger: cfg.Logger,
	}
	if err := checkName(cfg.Name, cfg.Store); err != nil {
		return nil, err
	}
	switch {
	case cfg.Version < 0:
		return nil, invalid(cfg.Name, "the version %d is negative", cfg.Version)
	case cfg.Model == nil:
		return nil, invalid(cfg.Name, "the model is nil, as Bolt(nil) and External(nil, m) are")
	case cfg.Reset == nil:
		return nil, invalid(cfg.Name, "the reset hook is nil: a projection rebuilds its model when asked and when its version changes")
	case len(cfg.Handlers) == 0:
		return nil, invalid(cfg.Name, "it has no handlers")
	}
	p := &Projection[X]{name: cfg.Name, version: cfg.Version, store: cfg.Store, resetFn: cfg.Reset,
		batch: cfg.BatchSize, progress: cfg.Progress, handlers: make(map[eventName]*Handler[X], len(cfg.Handlers))}
	if p.batch == 0 {
		p.batch = engine.DefaultBatchSize
	}
	if p.logger = cfg.Logger; p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	p.slots[0] = &slot[X]{model: cfg.Model, key: cfg.Name}
	if cfg.Standby != nil {
		p.slots[1] = &slot[X]{model: cfg.Standby, key: cfg.Name + standbySuffix}
	}
	registry := cmp.Or(cfg.Registry, driver.RegistryOf(cfg.Store))
	p.registry = registry
	for i := range cfg.Handlers {
		h := &cfg.Handlers[i]
		if err := checkHandler(registry, h.event, h.typ, h.fn == nil); err != nil {
			return nil, invalid(cfg.Name, "handler %d: %v", i, err)
		}
		if _, ok := p.handlers[h.event]; ok {
			return nil, invalid(cfg.Name, "two handlers of %q", h.event)
		}
		p.handlers[h.event] = h
	}
	e, err := engine.New(ec, projectionConsumer[X]{p})
	if err != nil {
		return nil, err
	}
	p.e = e
	return p, nil
}

// Name returns the projection's name, "" for a nil p.
func (p *Projection[X]) Name() string {
	if p == nil {
		return ""
	}
	return p.name
}

// Run loads the checkpoint, rebuilds the model first when it was written
// by another version, catches up from the log, then follows live events
// from the bus (or polls the store), until ctx ends; it then saves the
// checkpoint and returns nil. It subscribes to the bus before it reads
// the log, so it misses nothing.
//
// When a handler fails on an event for good, Run does not return: the
// projection waits in the Failed state for Resume or Rebuild, and Wait
// and Status report the failure. Run returns an error matching
// [herald.ErrClosed] when the store or the model is closed, and one
// matching [herald.ErrInvalid] when the projection runs already; other
// errors of the store or the model are retried with backoff, without
// limit, and reported in Status.
func (p *Projection[X]) Run(ctx context.Context) error { return p.e.Run(ctx) }

// Rebuild replays the whole log into a model cleared by the reset hook,
// reporting its progress to [Config].Progress and the logger. With a
// standby model ([Config].Standby) it rebuilds the one that does not
// answer while the other goes on, and the two change places in one step
// once the rebuilt one has caught up; a handler's failure then leaves the
// answering model untouched. Without one it clears the model and the
// checkpoint (in one transaction on Bolt) and returns once the log is
// replayed up to its head as it was when the rebuild began, or with the
// [*engine.FailedError] of an event the handlers failed on; events that
// come meanwhile are applied after it, in order. Rebuild is done by Run
// when Run runs (when ctx ends first Rebuild returns and the rebuild goes
// on), else by Rebuild itself, and a Run that starts meanwhile waits.
func (p *Projection[X]) Rebuild(ctx context.Context) error {
	if p.slots[1] != nil {
		return p.rebuildAside(ctx)
	}
	return p.e.Rebuild(ctx)
}

// View calls fn with the handle to read the answering model with (a
// read-only transaction on Bolt, the bucket on BoltIn), and returns what
// fn returns.
func (p *Projection[X]) View(ctx context.Context, fn func(x X) error) error {
	if ctx == nil {
		return invalid(p.name, "view: the context is nil")
	}
	if fn == nil {
		return invalid(p.name, "view: the function is nil")
	}
	return p.active().model.View(ctx, fn)
}

// Resume makes a projection in the Failed state try the event it failed
// on again, and go on from there. It does nothing to a projection that has
// not failed. It returns once Run took the request.
func (p *Projection[X]) Resume(ctx context.Context) error { return p.e.Resume(ctx) }

// Wait returns nil once the projection has applied (or passed) every event
// up to position, such as the position of an event just published; the
// [*engine.FailedError] when it stops on an event first; an error wrapping
// ctx.Err() when ctx ends first.
func (p *Projection[X]) Wait(ctx context.Context, position uint64) error {
	return p.e.Wait(ctx, position)
}

// Status reports the projection's position, the log's head, the lag, the
// state, its version and the last error. It asks the store for the head.
func (p *Projection[X]) Status(ctx context.Context) (engine.Status, error) {
	s, err := p.e.Status(ctx)
	s.Version = p.version
	if a := p.aside.Load(); a != nil && s.Progress == nil {
		s.Progress = a.progress()
	}
	return s, err
}

// projectionConsumer is a projection as the engine drives it.
type projectionConsumer[X any] struct{ p *Projection[X] }

func (c projectionConsumer[X]) Wants(e *herald.Event) bool      { return c.p.wants(e) }
func (c projectionConsumer[X]) Reset(ctx context.Context) error { return c.p.reset(ctx) }
func (c projectionConsumer[X]) Start(ctx context.Context) (uint64, bool, error) {
	return c.p.start(ctx)
}
func (c projectionConsumer[X]) Apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error) {
	return c.p.apply(ctx, events, upTo)
}

func (p *Projection[X]) wants(e *herald.Event) bool {
	_, ok := p.handlers[nameOf(e)]
	return ok
}

// active returns the slot of the model that answers.
func (p *Projection[X]) active() *slot[X] { return p.slots[p.cur.Load()] }

// start loads the checkpoints and picks the model of the higher
// generation to answer, the first on a tie.
func (p *Projection[X]) start(ctx context.Context) (uint64, bool, error) {
	var cps [2]Checkpoint
	var oks [2]bool
	for i, s := range p.slots {
		if s == nil {
			continue
		}
		cp, ok, err := s.model.Load(ctx, s.key)
		if err != nil {
			return 0, false, err
		}
		cps[i], oks[i], s.gen = cp, ok, cp.Generation
	}
	cur := 0
	if oks[1] && (!oks[0] || cps[1].Generation > cps[0].Generation) {
		cur = 1
	}
	p.cur.Store(int32(cur))
	p.loaded = true
	if !oks[cur] {
		return 0, false, nil
	}
	p.applied.Store(cps[cur].Position)
	return cps[cur].Position, cps[cur].Version != p.version, nil
}

func (p *Projection[X]) reset(ctx context.Context) error {
	if err := p.resetSlot(ctx, p.active()); err != nil {
		return err
	}
	p.applied.Store(0)
	return nil
}

// resetSlot runs the reset hook on the model of s and saves its
// checkpoint 0, keeping its generation.
func (p *Projection[X]) resetSlot(ctx context.Context, s *slot[X]) error {
	return s.model.Apply(ctx, s.key, Checkpoint{Version: p.version, Generation: s.gen}, func(x X) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &herald.PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		if err := p.resetFn(ctx, x); err != nil {
			return fmt.Errorf("reset hook: %w", err)
		}
		return nil
	})
}

func (p *Projection[X]) apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error) {
	if upTo == 0 { // a dead letter replayed: the checkpoint stays
		upTo = p.applied.Load()
	}
	s := p.active()
	n, err := p.applyTo(ctx, s, events, upTo)
	if n == len(events) && err == nil {
		p.applied.Store(upTo)
	} else if n > 0 {
		p.applied.Store(events[n-1].Metadata.Position)
	}
	return n, err
}

// applyTo applies events to the model of s and saves its checkpoint at
// upTo, as Consumer.Apply says.
func (p *Projection[X]) applyTo(ctx context.Context, s *slot[X], events []herald.Event, upTo uint64) (int, error) {
	failed := -1
	var herr error
	err := s.model.Apply(ctx, s.key, Checkpoint{Position: upTo, Version: p.version, Generation: s.gen}, func(x X) error {
		for i := range events {
			if err := p.call(ctx, x, &events[i]); err != nil {
				failed, herr = i, err
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return len(events), nil
	case failed < 0:
		return 0, err
	case failed == 0 || s.model.Atomic():
		return 0, &engine.HandlerError{Index: failed, Err: herr}
	}
	// The model keeps what the handlers wrote before the failure: its
	// checkpoint says so.
	cp := Checkpoint{Position: events[failed-1].Metadata.Position, Version: p.version, Generation: s.gen}
	if err := s.model.Apply(ctx, s.key, cp, func(X) error { return nil }); err != nil {
		return failed, err
	}
	return failed, &engine.HandlerError{Index: failed, Err: herr}
}

// call runs the handler of e, turning its panic into a *herald.PanicError.
// An event stored at an older version of its definition is upcast first;
// an upcaster's failure is the handler's.
func (p *Projection[X]) call(ctx context.Context, x X, e *herald.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &herald.PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	if err := p.registry.Upcast(e); err != nil {
		return err
	}
	return p.handlers[nameOf(e)].fn(ctx, x, e)
}
