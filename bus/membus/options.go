package membus

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/internal/prefix"
)

// DefaultQueueSize is the number of events a subscription's queue holds
// unless WithQueueSize says otherwise.
const DefaultQueueSize = 4096

// MaxWorkers is the largest number of workers WithWorkers accepts.
const MaxWorkers = 256

// Option configures a Bus built by New.
type Option func(*config) error

type config struct {
	queueSize  int
	workers    int
	failIfFull bool
	retry      herald.RetryPolicy
	logger     *slog.Logger
	deadLetter func(ctx context.Context, d herald.DeadLetter)
}

// WithQueueSize bounds each subscription's queue to n events waiting to be
// handled ([DefaultQueueSize] when not given); n must be at least 1. A
// subscription with several workers splits n evenly among them
// ([WithWorkers]), at least one event each, so a busy aggregate fills its
// lane first. Each worker also holds the batch it took, so up to twice n
// may be in memory; a batch larger than the free room is queued in parts,
// between which a concurrent publisher's events may come. An async handler
// that publishes to its own bus waits for room like any publisher, for
// itself when the full queue is its own: give it room, or use
// [WithFailWhenFull].
func WithQueueSize(n int) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithQueueSize", n, 1); err != nil {
			return err
		}
		c.queueSize = n
		return nil
	}
}

// WithWorkers gives each async subscription n workers (1 when not given),
// from 1 to [MaxWorkers]. The events of one aggregate always go to the same
// worker, so they are handled one at a time in the order they were
// published, while the events of different aggregates are handled in
// parallel. The worker is chosen by the aggregate id alone: aggregates of
// different contexts with one id share one. While a handler waits for a
// retry, its worker waits.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if err := option.Between("WithWorkers", n, 1, MaxWorkers); err != nil {
			return err
		}
		c.workers = n
		return nil
	}
}

// WithRetry sets how an async subscription retries a handler that returned
// an error or panicked ([herald.RetryPolicy]; its zero fields take the
// defaults). MaxAttempts 1 turns retries off. Sync subscriptions are not
// retried, as that would hold up the publisher: a failed Sync delivery
// goes to the dead-letter function after its one attempt, and Publish
// returns nil.
func WithRetry(p herald.RetryPolicy) Option {
	return func(c *config) error {
		r, err := p.Resolve()
		if err != nil {
			return fmt.Errorf("WithRetry: %w", prefix.Strip(err))
		}
		c.retry = r
		return nil
	}
}

// WithFailWhenFull makes Publish return an error matching [ErrQueueFull],
// naming the subscription, instead of waiting for room in its queue. It
// refuses per subscription: one with a lane that lacks room for its share
// of the batch gets none of it, the others get theirs, and the error names
// each full one.
func WithFailWhenFull() Option {
	return func(c *config) error { c.failIfFull = true; return nil }
}

// WithLogger logs every failed handler call to l at level Warn and every
// event given up on at level Error. A nil l, the default, logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			c.logger = l
		}
		return nil
	}
}

// WithDeadLetter hands every event a subscription gave up on to fn, with
// the attempts made and the last error. fn runs on the goroutine that
// delivered the event (the subscription's worker, or the publisher's for a
// Sync subscription), so it holds up that worker while it runs; a panic in
// fn is recovered and logged at level Error, and the event counts as
// dead-lettered all the same. A nil fn, the default, drops such events
// after logging and counting them.
func WithDeadLetter(fn func(ctx context.Context, d herald.DeadLetter)) Option {
	return func(c *config) error { c.deadLetter = fn; return nil }
}

// newConfig returns the configuration opts make of the defaults.
func newConfig(opts []Option) (config, error) {
	c := config{queueSize: DefaultQueueSize, workers: 1, logger: slog.New(slog.DiscardHandler)}
	if err := option.Apply(&c, opts, "membus", "new", herald.ErrInvalid); err != nil {
		return config{}, err
	}
	if c.retry == (herald.RetryPolicy{}) {
		c.retry, _ = herald.RetryPolicy{}.Resolve()
	}
	return c, nil
}
