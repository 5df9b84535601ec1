package membus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/herald-go/herald"
)

// DefaultQueueSize is the number of events a subscription's queue holds
// unless WithQueueSize says otherwise.
const DefaultQueueSize = 4096

// MaxWorkers is the largest number of workers WithWorkers accepts.
const MaxWorkers = 256

// Option configures a Bus built by New.
type Option func(*options)

type options struct {
	queueSize   int
	workers     int
	failIfFull  bool
	retry       herald.RetryPolicy
	logger      *slog.Logger
	deadLetter  func(ctx context.Context, d herald.DeadLetter)
	invalidOpts []error
}

func defaultOptions() options {
	return options{queueSize: DefaultQueueSize, workers: 1, logger: slog.New(slog.DiscardHandler)}
}

// WithQueueSize bounds each subscription's queue to n events waiting to be
// handled (DefaultQueueSize when not given). n must be at least 1. A
// subscription with several workers splits n evenly among them, each
// holding at least one event (see WithWorkers).
func WithQueueSize(n int) Option {
	return func(o *options) {
		if n < 1 {
			o.invalid(fmt.Errorf("membus: WithQueueSize(%d): size must be at least 1: %w", n, herald.ErrInvalid))
			return
		}
		o.queueSize = n
	}
}

// WithWorkers gives each async subscription n workers (1 when not given),
// from 1 to MaxWorkers. The events of one aggregate always go to the same
// worker, so they are handled one at a time in the order they were
// published, while the events of different aggregates are handled in
// parallel.
func WithWorkers(n int) Option {
	return func(o *options) {
		if n < 1 || n > MaxWorkers {
			o.invalid(fmt.Errorf("membus: WithWorkers(%d): want 1 to %d workers: %w", n, MaxWorkers, herald.ErrInvalid))
			return
		}
		o.workers = n
	}
}

// WithRetry sets how an async subscription retries a handler that returned
// an error or panicked (see herald.RetryPolicy; its zero fields take the
// defaults). MaxAttempts 1 turns retries off.
func WithRetry(p herald.RetryPolicy) Option {
	return func(o *options) {
		r, err := p.Resolve()
		if err != nil {
			o.invalid(fmt.Errorf("membus: WithRetry: %w", err))
			return
		}
		o.retry = r
	}
}

// WithFailWhenFull makes Publish return an error matching ErrQueueFull,
// naming the subscription, instead of waiting for room in its queue.
func WithFailWhenFull() Option {
	return func(o *options) { o.failIfFull = true }
}

// WithLogger logs every failed handler call to l at level Warn and every
// event given up on at level Error. A nil l, the default, logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
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
	return func(o *options) { o.deadLetter = fn }
}

func (o *options) invalid(err error) { o.invalidOpts = append(o.invalidOpts, err) }

func buildOptions(opts []Option) (options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.retry == (herald.RetryPolicy{}) {
		o.retry, _ = herald.RetryPolicy{}.Resolve()
	}
	return o, errors.Join(o.invalidOpts...)
}
