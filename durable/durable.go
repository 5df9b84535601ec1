package durable

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/match"
)

// Defaults of a [Config].
const (
	DefaultCheckpointEvery = 1000
	DefaultLiveBuffer      = 4096
)

// Config describes a durable subscription. Store, and the Name and Handler
// of Subscription, are required; the rest has defaults.
type Config struct {
	// Subscription names the durable subscription, filters its events and
	// handles them. Its Name keys its checkpoint and its dead letters, and
	// names its subscription on Bus. Sync is ignored.
	Subscription herald.Subscription
	// Store is the log it reads.
	Store herald.Store
	// Bus, when not nil, is the bus the store's events are published on:
	// the subscription follows it once it has caught up.
	Bus herald.Bus
	// Feed, when not nil, wakes the subscription when the log grows, in
	// place of Bus, such as a feed that spans processes
	// ([github.com/herald-go/herald/store/pgstore.Store.Feed]).
	Feed engine.Feed
	// Checkpoints keeps its checkpoint; nil means Store, which must then
	// be a [driver.CheckpointStore].
	Checkpoints driver.CheckpointStore
	// DeadLetters keeps the events the handler failed on for good; nil
	// means Store when it is a [driver.DeadLetterStore], else they are
	// only handed to DeadLetter.
	DeadLetters driver.DeadLetterStore
	// Retry is how a failing handler is retried; the zero value asks for
	// the defaults of [herald.RetryPolicy].
	Retry herald.RetryPolicy
	// DeadLetter, when not nil, is called with every event the handler
	// failed on for good, after it is kept. A panic in it is recovered and
	// logged.
	DeadLetter func(ctx context.Context, d herald.DeadLetter)
	// Park makes the later events of an aggregate with a dead letter wait
	// behind it, as dead letters themselves, so that replaying them keeps
	// the aggregate's order. It needs a dead-letter store.
	Park bool
	// Lease, when not nil, lets one process at a time run the
	// subscription among those that share it.
	Lease engine.Lease
	// PollInterval, when not 0, makes the subscription read the store that
	// often even when the bus brings nothing; without a Bus it defaults
	// to [engine.DefaultPollInterval].
	PollInterval time.Duration
	// CheckpointEvery is the most events handled between two checkpoint
	// saves (DefaultCheckpointEvery when 0).
	CheckpointEvery int
	// LiveBuffer is how many live events it holds while it is busy
	// (DefaultLiveBuffer when 0); when more come it reads the store.
	LiveBuffer int
	// Logger logs failed handler calls and store errors; nil is silent.
	Logger *slog.Logger
}

// Subscription is a durable subscription: a named consumer that reads the
// store's log from its checkpoint, catches up, then follows the bus, so
// that after a restart it resumes where it stopped. It handles every
// stored event that matches its filter at least once, in position order,
// one at a time, while [Subscription.Run] runs. An event the handler
// fails on for good becomes a dead letter, and the subscription goes on.
type Subscription struct {
	name   string
	filter match.Filter
	e      *engine.Engine
}

// New checks cfg and returns the durable subscription it describes. A
// missing name, handler or store, a store without checkpoints and none
// given, a malformed filter or a bad value is an error matching
// [herald.ErrInvalid].
func New(cfg Config) (*Subscription, error) {
	s := cfg.Subscription
	switch {
	case isNil(s.Handler):
		return nil, invalid(s.Name, "the handler is nil")
	case cfg.Store == nil:
		return nil, invalid(s.Name, "the store is nil")
	}
	if err := errors.Join(option.AtLeast("CheckpointEvery", cfg.CheckpointEvery, 0),
		option.AtLeast("LiveBuffer", cfg.LiveBuffer, 0)); err != nil {
		return nil, invalid(s.Name, "%v", err)
	}
	filter, err := match.NewFilter(s.Events, s.Pattern)
	if err != nil {
		return nil, prefix.Errorf("durable", "%q: %w", s.Name, err)
	}
	checkpoints := cfg.Checkpoints
	if checkpoints == nil {
		cs, ok := cfg.Store.(driver.CheckpointStore)
		if !ok {
			return nil, invalid(s.Name, "%T keeps no checkpoints and Config.Checkpoints is nil", cfg.Store)
		}
		checkpoints = cs
	}
	letters := cfg.DeadLetters
	if letters == nil {
		letters, _ = cfg.Store.(driver.DeadLetterStore)
	}
	d := &Subscription{name: s.Name, filter: filter}
	c := &consumer{name: s.Name, filter: &d.filter, handler: s.Handler, checkpoints: checkpoints,
		registry: driver.RegistryOf(cfg.Store)}
	feed := cfg.Feed
	if feed == nil {
		feed = engine.FromBus(cfg.Bus)
	}
	ec := engine.Config{
		Kind: "durable", Name: s.Name, Log: cfg.Store, Feed: feed, Lease: cfg.Lease,
		Retry: cfg.Retry, OnFailure: engine.DeadLetter, DeadLetters: letters, OnDeadLetter: cfg.DeadLetter,
		Park: cfg.Park, BatchSize: cmp.Or(cfg.CheckpointEvery, DefaultCheckpointEvery),
		LiveBuffer: cmp.Or(cfg.LiveBuffer, DefaultLiveBuffer), PollInterval: cfg.PollInterval, Logger: cfg.Logger,
	}
	if d.e, err = engine.New(ec, c); err != nil {
		return nil, err
	}
	return d, nil
}

// Name returns the subscription's name.
func (d *Subscription) Name() string { return d.name }

// Run loads the checkpoint, subscribes to the bus, catches up from the
// log and follows the bus until ctx ends; it then saves the checkpoint and
// returns nil. The handler's context ends with ctx: an event it was
// handling, or waiting to retry, is handled again after a restart. Run
// returns an error matching [herald.ErrClosed] when the store is closed,
// and one matching [herald.ErrInvalid] when the subscription runs
// already or its name is taken on the bus.
func (d *Subscription) Run(ctx context.Context) error { return d.e.Run(ctx) }

// Wait returns nil once the subscription has handled (or passed) every
// event up to position, such as the position of an event just published;
// the error Run ended with when the store was closed; an error wrapping
// ctx.Err() when ctx ends first.
func (d *Subscription) Wait(ctx context.Context, position uint64) error {
	return d.e.Wait(ctx, position)
}

// Status describes the subscription now: its filter, position and
// checkpoint, the log's head, its state and counters.
func (d *Subscription) Status(ctx context.Context) (engine.Status, error) {
	s, err := d.e.Status(ctx)
	s.Events, s.Pattern = d.filter.Events(), d.filter.Pattern()
	return s, err
}

// DeadLetters lists the events the handler failed on for good, in
// position order, with their errors and attempts. Without a dead-letter
// store it is an error matching [herald.ErrInvalid].
func (d *Subscription) DeadLetters(ctx context.Context) ([]herald.DeadLetter, error) {
	return d.e.DeadLetters(ctx)
}

// Replay hands the dead letter of the event id to the handler again, once,
// and removes it when the handler succeeds as [engine.Engine.Replay] does.
func (d *Subscription) Replay(ctx context.Context, id uuid.UUID) error { return d.e.Replay(ctx, id) }

// Discard removes the dead letter of the event id without handling it.
func (d *Subscription) Discard(ctx context.Context, id uuid.UUID) error { return d.e.Discard(ctx, id) }

// isNil reports a nil handler, a nil HandlerFunc too.
func isNil(h herald.Handler) bool {
	f, ok := h.(herald.HandlerFunc)
	return h == nil || (ok && f == nil)
}

// invalid returns an error matching herald.ErrInvalid about the
// subscription name.
func invalid(name, format string, args ...any) error {
	return prefix.Errorf("durable", "%q: %s: %w", name, fmt.Sprintf(format, args...), herald.ErrInvalid)
}
