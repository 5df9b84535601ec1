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

// Option configures a Bus built by New.
type Option func(*options)

type options struct {
	queueSize   int
	failIfFull  bool
	logger      *slog.Logger
	deadLetter  func(ctx context.Context, d DeadLetter)
	invalidOpts []error
}

func defaultOptions() options {
	return options{queueSize: DefaultQueueSize, logger: slog.New(slog.DiscardHandler)}
}

// WithQueueSize bounds each subscription's queue to n events waiting to be
// handled (DefaultQueueSize when not given). n must be at least 1.
func WithQueueSize(n int) Option {
	return func(o *options) {
		if n < 1 {
			o.invalid(fmt.Errorf("membus: WithQueueSize(%d): size must be at least 1: %w", n, herald.ErrInvalid))
			return
		}
		o.queueSize = n
	}
}

// WithFailWhenFull makes Publish return an error matching ErrQueueFull,
// naming the subscription, instead of waiting for room in its queue.
func WithFailWhenFull() Option {
	return func(o *options) { o.failIfFull = true }
}

// WithLogger logs every failed delivery to l at level Error. A nil l, the
// default, logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithDeadLetter hands every event a subscription could not handle to fn,
// with the reason. fn runs on the goroutine that delivered the event (the
// subscription's worker, or the publisher's for a Sync subscription), so it
// holds up that subscription while it runs; a panic in fn is recovered and
// logged. A nil fn, the default, drops failed events after logging them.
func WithDeadLetter(fn func(ctx context.Context, d DeadLetter)) Option {
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
	return o, errors.Join(o.invalidOpts...)
}
