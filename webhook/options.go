package webhook

import (
	"log/slog"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/option"
)

// Defaults of a Dispatcher.
const (
	// DefaultTimeout bounds one delivery: connecting, sending, and the
	// receiver's answer.
	DefaultTimeout = 15 * time.Second
	// DefaultDisableAfter is how long a subscription's deliveries may
	// fail without a success before the dispatcher pauses it, as Svix
	// disables an endpoint after five days.
	DefaultDisableAfter = 5 * 24 * time.Hour
	// DefaultBatchSize is the most events read from the log at once for a
	// subscription, and so the most between two checkpoints.
	DefaultBatchSize = 100
)

// DefaultSchedule is the waits between the attempts of one delivery, as
// Svix retries: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; after the last
// the event becomes a dead letter.
var DefaultSchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Option configures a Dispatcher built by NewDispatcher.
type Option func(*config) error

type config struct {
	schedule    []time.Duration
	timeout     time.Duration
	disable     time.Duration
	batch       int
	poll        time.Duration
	denyPrivate bool
	registry    *herald.Registry
	feed        engine.Feed
	lease       engine.Lease
	logger      *slog.Logger
}

// WithSchedule sets the waits between the attempts of one delivery
// (default DefaultSchedule): len(waits)+1 attempts in all. No waits means
// one attempt. A wait that is not more than 0 is an error.
func WithSchedule(waits ...time.Duration) Option {
	return func(c *config) error {
		for _, w := range waits {
			if err := option.Positive("WithSchedule", w); err != nil {
				return err
			}
		}
		c.schedule = append([]time.Duration{}, waits...)
		return nil
	}
}

// WithTimeout bounds each delivery (default DefaultTimeout): a receiver
// that has not answered by then has failed. It must be more than 0.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithTimeout", d); err != nil {
			return err
		}
		c.timeout = d
		return nil
	}
}

// WithDisableAfter pauses a subscription whose deliveries have failed for
// d without a success in between (default DefaultDisableAfter), with the
// reason in its PausedReason; the event it failed on is delivered first
// once it is resumed. The time is counted from the first failure this
// dispatcher saw, so a restart or a resume counts anew. 0 never pauses
// one; a negative d is an error.
func WithDisableAfter(d time.Duration) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithDisableAfter", d, 0); err != nil {
			return err
		}
		c.disable = d
		return nil
	}
}

// WithBatchSize sets how many events a subscription reads from the log at
// once (default DefaultBatchSize); its checkpoint is saved after each
// batch. It must be at least 1.
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithBatchSize", n, 1); err != nil {
			return err
		}
		c.batch = n
		return nil
	}
}

// WithPollInterval makes each subscription read the log that often for
// new events; without a bus it defaults to a second, with one it reads
// only when the bus brings an event. It must be more than 0.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithPollInterval", d); err != nil {
			return err
		}
		c.poll = d
		return nil
	}
}

// WithDenyPrivate refuses to deliver to loopback, private, link-local and
// other non-public addresses: a subscription naming one is refused when
// it is made, and every connection is checked when it is dialled, after
// the name is resolved, so a name that resolves to such an address later
// is refused too (server-side request forgery).
func WithDenyPrivate() Option {
	return func(c *config) error { c.denyPrivate = true; return nil }
}

// WithRegistry checks the event types of new subscriptions against r:
// when r is strict, an event type that matches none of its definitions is
// refused.
func WithRegistry(r *herald.Registry) Option {
	return func(c *config) error { c.registry = r; return nil }
}

// WithFeed wakes the subscriptions with f when the log grows, in place of
// the bus, such as a feed that spans processes
// ([github.com/herald-go/herald/store/pgstore.Store.Feed]).
func WithFeed(f engine.Feed) Option {
	return func(c *config) error { c.feed = f; return nil }
}

// WithLease lets one process at a time deliver to each subscription
// among the processes whose dispatchers share a store
// ([github.com/herald-go/herald/store/pgstore.Store.Lease]), so a
// receiver does not get every event once from each.
func WithLease(l engine.Lease) Option {
	return func(c *config) error { c.lease = l; return nil }
}

// WithLogger logs failed deliveries and dead letters; nil (the default)
// is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}
