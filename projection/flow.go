package projection

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/prefix"
)

// Design notes
//
// How a flow avoids running a redelivered event's reaction again: before
// each batch of events it records, with its checkpoint ("name#pending"),
// the position up to which reactions may run. After a crash, the events
// between the checkpoint and that position are the only ones whose
// reactions may have run, and for each of them the flow looks in the store
// for events its reactions published: the events caused by it and
// labelled FlowLabel with the flow's name, a label its reactions' context
// adds to what they publish (herald.ContextWithLabels). An event that
// caused some is passed over; what other consumers published in reaction
// to the same event does not count. A reaction that runs several commands
// and was cut short between two is passed over once the first stored its
// events.

// FlowConfig describes a flow ([NewFlow]). Name, Store and Reactions
// are required, and a checkpoint store: Checkpoints, or Store when it is
// one.
type FlowConfig struct {
	// Name identifies the flow: its checkpoint is saved under it, and on
	// Bus it is the name of the subscription that follows live events. It
	// must be unique among the projections and flows of a store, and may
	// not contain '#'.
	Name string
	// Store is the log the flow reads.
	Store herald.Store
	// Bus, when not nil, is the bus the store's events are published on:
	// the flow follows it once it has caught up.
	Bus herald.Bus
	// Checkpoints keeps the flow's checkpoint; nil means Store, which must
	// then be a driver.CheckpointStore.
	Checkpoints driver.CheckpointStore
	// Reactions run commands for the events they name, one per event
	// name. Events without a reaction are passed over.
	Reactions []Reaction
	// Registry is checked against the reactions, and upcasts the events
	// they get, as Config.Registry does for a projection's handlers.
	Registry *herald.Registry
	// Retry is how a failing reaction is retried before the flow stops in
	// the Failed state; the zero value asks for the defaults.
	Retry herald.RetryPolicy
	// BatchSize is the most events between two checkpoint saves
	// (DefaultBatchSize when 0).
	BatchSize int
	// Feed, LiveBuffer, PollInterval and Lease are as in Config.
	Feed         engine.Feed
	LiveBuffer   int
	PollInterval time.Duration
	Lease        engine.Lease
	// Logger logs failed reactions and store errors; nil is silent.
	Logger *slog.Logger
}

// Flow reacts to events by running commands, such as
// [herald.Repository.Use]. It reads the log from its checkpoint and follows
// the bus like a projection, and runs each reaction with a context that
// carries the event as the cause ([herald.ContextWithCause]) and the flow's
// name ([driver.ContextWithConsumer]), so a repository gives the events of
// its commands ids derived from both.
//
// A flow is at least once. After a crash it does not run a reaction again
// for an event that caused an event labelled [FlowLabel] with its name
// (Status counts it as Deduplicated); a reaction cut short before its
// command stored anything runs again, so a reaction should run one
// command. A reaction retried after a failure runs again; through a
// Repository its events get the same ids, which the store acknowledges
// without storing them twice.
type Flow struct {
	e           *engine.Engine
	name        string
	store       herald.Store
	logger      *slog.Logger
	checkpoints driver.CheckpointStore
	reactions   map[eventName]*Reaction
	registry    *herald.Registry // brings old events to the current version

	// The run's own: the positions reactions may have run up to, saved
	// and as found at the start, and the events of the window that caused
	// events.
	pending   uint64
	recoverTo uint64
	caused    map[uuid.UUID]struct{}

	deduplicated atomic.Uint64
}

// FlowLabel is the label a flow's reactions give the events they publish,
// with the flow's name as its value.
const FlowLabel = "herald.flow"

// pendingSuffix names the checkpoint that holds the position reactions
// may have run up to.
const pendingSuffix = "#pending"

// NewFlow checks cfg and returns the flow it describes. A missing name,
// store, checkpoint store or reaction, two reactions to one event, a
// malformed event name, an event a strict registry does not define, a
// data type other than the registry's, or a bad option is an error
// matching herald.ErrInvalid.
func NewFlow(cfg FlowConfig) (*Flow, error) {
	if err := checkName(cfg.Name, cfg.Store); err != nil {
		return nil, err
	}
	if len(cfg.Reactions) == 0 {
		return nil, invalid(cfg.Name, "it has no reactions")
	}
	checkpoints := cfg.Checkpoints
	if checkpoints == nil {
		cs, ok := cfg.Store.(driver.CheckpointStore)
		if !ok {
			return nil, invalid(cfg.Name, "%T keeps no checkpoints and FlowConfig.Checkpoints is nil", cfg.Store)
		}
		checkpoints = cs
	}
	f := &Flow{name: cfg.Name, store: cfg.Store, logger: cfg.Logger, checkpoints: checkpoints,
		reactions: make(map[eventName]*Reaction, len(cfg.Reactions))}
	registry := cmp.Or(cfg.Registry, driver.RegistryOf(cfg.Store))
	f.registry = registry
	for i := range cfg.Reactions {
		r := &cfg.Reactions[i]
		if err := checkHandler(registry, r.event, r.typ, r.fn == nil); err != nil {
			return nil, invalid(cfg.Name, "reaction %d: %v", i, err)
		}
		if _, ok := f.reactions[r.event]; ok {
			return nil, invalid(cfg.Name, "two reactions to %q", r.event)
		}
		f.reactions[r.event] = r
	}
	e, err := engine.New(engine.Config{
		Kind: "projection", Name: cfg.Name, Log: cfg.Store, Feed: feedOf(cfg.Feed, cfg.Bus), Lease: cfg.Lease, Retry: cfg.Retry,
		BatchSize: cfg.BatchSize, LiveBuffer: cfg.LiveBuffer, PollInterval: cfg.PollInterval, Logger: cfg.Logger,
	}, flowConsumer{f})
	if err != nil {
		return nil, err
	}
	f.e = e
	return f, nil
}

// Name returns the flow's name, "" for a nil f.
func (f *Flow) Name() string {
	if f == nil {
		return ""
	}
	return f.name
}

// Run loads the checkpoint, catches up from the log, then follows live
// events until ctx ends, as Projection.Run does. When a reaction fails for
// good, the flow waits in the Failed state for Resume.
func (f *Flow) Run(ctx context.Context) error { return f.e.Run(ctx) }

// Resume makes a flow in the Failed state run the reaction it failed on
// again, and go on from there.
func (f *Flow) Resume(ctx context.Context) error { return f.e.Resume(ctx) }

// Wait returns nil once the flow has handled (or passed) every event up
// to position; the [*engine.FailedError] when it stops on an event first; an error
// wrapping ctx.Err() when ctx ends first.
func (f *Flow) Wait(ctx context.Context, position uint64) error { return f.e.Wait(ctx, position) }

// Status reports the flow's position, the log's head, the lag, the state,
// the events it did not run again and the last error.
func (f *Flow) Status(ctx context.Context) (engine.Status, error) {
	s, err := f.e.Status(ctx)
	s.Deduplicated = f.deduplicated.Load()
	return s, err
}

// flowConsumer is a flow as the engine drives it.
type flowConsumer struct{ f *Flow }

func (c flowConsumer) Wants(e *herald.Event) bool                      { return c.f.wants(e) }
func (c flowConsumer) Reset(ctx context.Context) error                 { return c.f.reset(ctx) }
func (c flowConsumer) Start(ctx context.Context) (uint64, bool, error) { return c.f.start(ctx) }
func (c flowConsumer) Apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error) {
	return c.f.apply(ctx, events, upTo)
}

func (f *Flow) wants(e *herald.Event) bool {
	_, ok := f.reactions[nameOf(e)]
	return ok
}

func (f *Flow) reset(context.Context) error {
	return fmt.Errorf("a flow does not rebuild: %w", herald.ErrInvalid)
}

// start loads the checkpoint and, when reactions may have run past it
// before the last run ended, finds which of those events caused events.
func (f *Flow) start(ctx context.Context) (uint64, bool, error) {
	name := f.name
	pos, err := f.checkpoints.LoadCheckpoint(ctx, name)
	if err != nil {
		return 0, false, prefix.Errorf("projection", "load checkpoint: %w", err)
	}
	pending, err := f.checkpoints.LoadCheckpoint(ctx, name+pendingSuffix)
	if err != nil {
		return 0, false, prefix.Errorf("projection", "load checkpoint: %w", err)
	}
	f.pending, f.recoverTo, f.caused = pending, 0, nil
	if pending <= pos {
		return pos, false, nil
	}
	// One read from the checkpoint to the head: the events of the window
	// come first, and what they caused after them.
	window := make(map[uuid.UUID]struct{})
	caused := make(map[uuid.UUID]struct{})
	for e, err := range f.store.ReadLog(ctx, pos) {
		if err != nil {
			return 0, false, prefix.Errorf("projection", "look for redelivered events: %w", err)
		}
		if e.Metadata.Position <= pending && f.wants(&e) {
			window[e.ID] = struct{}{}
		}
		if _, ok := window[e.Metadata.CausationID]; ok && e.Metadata.CausationID != e.ID && e.Metadata.Labels[FlowLabel] == name {
			caused[e.Metadata.CausationID] = struct{}{}
		}
	}
	f.recoverTo, f.caused = pending, caused
	if len(caused) > 0 {
		f.log().LogAttrs(ctx, slog.LevelInfo, "projection: flow restarts after reactions it did not record; those that ran are passed over",
			slog.String("flow", name), slog.Uint64("checkpoint", pos), slog.Uint64("upTo", pending), slog.Int("ran", len(caused)))
	}
	return pos, false, nil
}

func (f *Flow) apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error) {
	name := f.name
	if len(events) > 0 && upTo > f.pending {
		if err := f.checkpoints.SaveCheckpoint(ctx, name+pendingSuffix, upTo); err != nil {
			return 0, prefix.Errorf("projection", "save checkpoint: %w", err)
		}
		f.pending = upTo
	}
	var marked context.Context // ctx with the flow's label, made when needed
	for i := range events {
		e := &events[i]
		if e.Metadata.Position <= f.recoverTo {
			if _, ok := f.caused[e.ID]; ok {
				f.deduplicated.Add(1)
				continue
			}
		}
		if marked == nil {
			marked = driver.ContextWithConsumer(herald.ContextWithLabels(ctx, map[string]string{FlowLabel: name}), name)
		}
		if err := f.call(herald.ContextWithCause(marked, e), e); err != nil {
			if i > 0 {
				if err := f.checkpoints.SaveCheckpoint(ctx, name, events[i-1].Metadata.Position); err != nil {
					return i, prefix.Errorf("projection", "save checkpoint: %w", err)
				}
			}
			return i, &engine.HandlerError{Index: i, Err: err}
		}
	}
	if upTo == 0 { // a dead letter replayed: the checkpoint stays
		return len(events), nil
	}
	if err := f.checkpoints.SaveCheckpoint(ctx, name, upTo); err != nil {
		return len(events), prefix.Errorf("projection", "save checkpoint: %w", err)
	}
	return len(events), nil
}

// call runs the reaction to e, turning its panic into a
// *herald.PanicError.
func (f *Flow) call(ctx context.Context, e *herald.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &herald.PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	if err := f.registry.Upcast(e); err != nil { // as Projection.call does
		return err
	}
	return f.reactions[nameOf(e)].fn(ctx, e)
}

func (f *Flow) log() *slog.Logger {
	if f.logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.logger
}
