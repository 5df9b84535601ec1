package engine

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/internal/retry"
)

// Defaults of a [Config].
const (
	// DefaultBatchSize is the most events handed to a consumer's Apply in
	// one call, and so the most between two checkpoints while it catches
	// up.
	DefaultBatchSize = 4096
	// DefaultLiveBuffer is how many live events a consumer holds while it
	// is busy before it reads the log instead.
	DefaultLiveBuffer = 8192
	// DefaultPollInterval is how often a consumer without a live feed
	// reads the log for new events.
	DefaultPollInterval = time.Second
	// DefaultProgressInterval is how often a rebuild reports its progress.
	DefaultProgressInterval = time.Second
)

// Policy is what the engine does with an event its consumer failed on at
// every attempt.
type Policy int

const (
	// Stop stops the consumer in the [Failed] state on the event, every
	// event before it applied, until [Engine.Resume] or [Engine.Rebuild].
	Stop Policy = iota
	// DeadLetter keeps the event as a dead letter (in
	// [Config.DeadLetters], and handed to [Config.OnDeadLetter]) and goes
	// on with the next one.
	DeadLetter
)

// Log is where a consumer reads events: every [herald.Store] is one.
type Log interface {
	// ReadLog yields the events after a position in position order, up to
	// the head as it is when the iteration begins.
	ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error]
	// Stats reports the log's head, for the lag and for rebuilds.
	Stats(ctx context.Context) (herald.Stats, error)
}

// Config describes how the engine runs one consumer. Name and Log are
// required; the zero value of every other field asks for its default.
type Config struct {
	// Kind names the kind of consumer in errors and logs, such as
	// "projection"; "engine" when empty.
	Kind string
	// Name identifies the consumer: its checkpoint, its dead letters, its
	// lease and its live subscription are kept under it.
	Name string
	// Log is the log the consumer reads.
	Log Log
	// Feed, when not nil, brings events as they are published, so the
	// consumer follows without reading the log ([FromBus] makes one of a
	// bus). Without it the consumer polls.
	Feed Feed
	// Lease, when not nil, is held while the consumer runs, so that of
	// the processes running a consumer of one name one at a time does.
	Lease Lease
	// Retry is how a failing handler is retried; the zero value asks for
	// the defaults of [herald.RetryPolicy].
	Retry herald.RetryPolicy
	// OnFailure is what happens to an event the handler failed on at every
	// attempt: [Stop] (the zero value) or [DeadLetter].
	OnFailure Policy
	// DeadLetters keeps the dead letters of the [DeadLetter] policy, so
	// they outlast a restart and can be listed, replayed and discarded;
	// nil keeps none and only hands them to OnDeadLetter.
	DeadLetters driver.DeadLetterStore
	// OnDeadLetter, when not nil, is called with each dead letter after it
	// is kept. A panic in it is recovered and logged.
	OnDeadLetter func(ctx context.Context, d herald.DeadLetter)
	// Park makes later events of an aggregate that has a dead letter wait
	// behind it, as dead letters themselves, so that replaying them keeps
	// the aggregate's order. It needs DeadLetters.
	Park bool
	// BatchSize is the most events handed to the consumer in one Apply
	// (DefaultBatchSize when 0).
	BatchSize int
	// LiveBuffer is how many live events are held while the consumer is
	// busy (DefaultLiveBuffer when 0); when more come they are dropped and
	// read from the log instead, so Feed never waits.
	LiveBuffer int
	// PollInterval, when not 0, makes the consumer read the log that often
	// even when Feed brings nothing; without Feed it is
	// DefaultPollInterval when 0.
	PollInterval time.Duration
	// Progress, when not nil, gets a rebuild's progress when it begins,
	// every ProgressInterval (DefaultProgressInterval when 0), and when it
	// is done, on the consumer's goroutine.
	Progress         func(Progress)
	ProgressInterval time.Duration
	// Logger logs failures, rebuilds and store errors; nil is silent.
	Logger *slog.Logger
}

// settings is a Config checked, with its defaults set.
type settings struct {
	Config
	kind  string
	retry retry.Backoff // a template: each use takes a copy
}

// negative returns the error of the fields that must not be negative.
func (c Config) negative() error {
	return errors.Join(option.AtLeast("BatchSize", c.BatchSize, 0), option.AtLeast("LiveBuffer", c.LiveBuffer, 0),
		option.AtLeast("PollInterval", c.PollInterval, 0), option.AtLeast("ProgressInterval", c.ProgressInterval, 0))
}

func (c Config) kind() string {
	if c.Kind == "" {
		return "engine"
	}
	return c.Kind
}

// invalidConfig returns an error matching herald.ErrInvalid about c.
func invalidConfig(c Config, format string, args ...any) error {
	return prefix.Errorf(c.kind(), "%q: %s: %w", c.Name, fmt.Sprintf(format, args...), herald.ErrInvalid)
}

func (c Config) settings() (settings, error) {
	switch {
	case c.Name == "":
		return settings{}, invalidConfig(c, "the name is empty")
	case len(c.Name) > 512:
		return settings{}, invalidConfig(c, "the name is %d bytes, more than 512", len(c.Name))
	case c.Log == nil:
		return settings{}, invalidConfig(c, "the log is nil")
	case c.negative() != nil:
		return settings{}, invalidConfig(c, "%v", c.negative())
	case c.OnFailure != Stop && c.OnFailure != DeadLetter:
		return settings{}, invalidConfig(c, "OnFailure is %d, neither Stop nor DeadLetter", c.OnFailure)
	case c.Park && c.DeadLetters == nil:
		return settings{}, invalidConfig(c, "Park needs DeadLetters")
	case c.Park && c.OnFailure != DeadLetter:
		return settings{}, invalidConfig(c, "Park needs the DeadLetter policy")
	}
	p, err := c.Retry.Resolve()
	if err != nil {
		return settings{}, prefix.Errorf(c.kind(), "%q: %w", c.Name, err)
	}
	s := settings{Config: c, kind: c.kind(), retry: retry.New(p.InitialInterval, p.MaxInterval, p.MaxAttempts)}
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
	}
	if s.LiveBuffer == 0 {
		s.LiveBuffer = DefaultLiveBuffer
	}
	if s.PollInterval == 0 && s.Feed == nil {
		s.PollInterval = DefaultPollInterval
	}
	if s.ProgressInterval == 0 {
		s.ProgressInterval = DefaultProgressInterval
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}
