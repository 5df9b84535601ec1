package httpapi

import (
	"log/slog"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/webhook"
)

// The roles a Handler asks for unless told otherwise.
const (
	// DefaultSenderRole may POST /events (ADSP's event-sender).
	DefaultSenderRole = "event-sender"
	// DefaultReaderRole sees every event, whatever its authorization, and
	// may read the stats, subscriptions, consumers and dead letters.
	DefaultReaderRole = "event-reader"
	// DefaultOperatorRole may do what the reader role may, and replay and
	// discard dead letters.
	DefaultOperatorRole = "event-operator"
	// DefaultMaxBody is the largest request body accepted, 1 MiB.
	DefaultMaxBody = 1 << 20
	// DefaultPollInterval is how often GET /events/log?follow=true looks
	// at the head of the log for new events.
	DefaultPollInterval = 200 * time.Millisecond
)

// Option configures a Handler built by New.
type Option func(*config) error

type config struct {
	auth         push.Authenticator
	senderRole   string
	readerRole   string
	operatorRole string
	maxBody      int64
	poll         time.Duration
	push         *push.Server
	store        herald.Store
	bus          herald.Bus
	consumers    []Consumer
	webhooks     *webhook.Dispatcher
	logger       *slog.Logger
}

// WithAuthenticator sets who sent a request, typically from its
// "Authorization: Bearer <token>" header. The default, push.Anonymous,
// treats everyone as anonymous without roles. An error from it is
// answered 401 on every route; its text is logged, not sent. A nil
// authenticator is an error.
func WithAuthenticator(a push.Authenticator) Option {
	return func(c *config) error {
		if a == nil {
			return option.Invalid("WithAuthenticator(nil)", "the authenticator is nil")
		}
		c.auth = a
		return nil
	}
}

// WithSenderRole names the role that may send events (default
// DefaultSenderRole). An empty role is an error.
func WithSenderRole(role string) Option {
	return roleOption("WithSenderRole", role, func(c *config) *string { return &c.senderRole })
}

// WithReaderRole names the role that sees every event, whatever its
// authorization, and may read the operational routes (default
// DefaultReaderRole). An empty role is an error.
func WithReaderRole(role string) Option {
	return roleOption("WithReaderRole", role, func(c *config) *string { return &c.readerRole })
}

// WithOperatorRole names the role that may do what the reader role may,
// and replay and discard dead letters (default DefaultOperatorRole). An
// empty role is an error.
func WithOperatorRole(role string) Option {
	return roleOption("WithOperatorRole", role, func(c *config) *string { return &c.operatorRole })
}

func roleOption(name, role string, field func(*config) *string) Option {
	return func(c *config) error {
		if role == "" {
			return option.Invalid(name+`("")`, "the role is empty")
		}
		*field(c) = role
		return nil
	}
}

// WithMaxBody bounds request bodies to n bytes (default DefaultMaxBody);
// a larger one is answered 413. It must be at least 1.
func WithMaxBody(n int64) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithMaxBody", n, 1); err != nil {
			return err
		}
		c.maxBody = n
		return nil
	}
}

// WithPollInterval sets how often a following GET /events/log looks for
// new events (default DefaultPollInterval). It must be more than 0.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithPollInterval", d); err != nil {
			return err
		}
		c.poll = d
		return nil
	}
}

// WithPush serves s's streams under /streams/. Without it /streams/
// answers 404.
func WithPush(s *push.Server) Option {
	return func(c *config) error { c.push = s; return nil }
}

// WithStore reads the log from s instead of the publisher's store, such
// as a read replica of it.
func WithStore(s herald.Store) Option {
	return func(c *config) error { c.store = s; return nil }
}

// WithBus reports on GET /subscriptions what b says of its
// subscriptions, when it can say it (a Status(ctx) ([]engine.Status,
// error) method, as membus and natsbus have). The publisher does not
// tell its bus, so the handler is told here.
func WithBus(b herald.Bus) Option {
	return func(c *config) error { c.bus = b; return nil }
}

// WithConsumers lists the durable consumers, projections and flows that
// GET /consumers reports, and whose dead letters the dead-letter routes
// reach; names must be unique. A projection.Projection, a
// projection.Flow and a durable.Subscription are Consumers; those with
// DeadLetters, Replay and Discard methods (durable.Subscription) are
// DeadLetterConsumers.
func WithConsumers(consumers ...Consumer) Option {
	return func(c *config) error {
		for _, k := range consumers {
			if k == nil {
				return option.Invalid("WithConsumers", "a consumer is nil")
			}
		}
		c.consumers = append(c.consumers, consumers...)
		return nil
	}
}

// WithWebhooks serves d's service subscriptions: POST /subscriptions
// makes one, GET, PATCH (pause, resume) and DELETE /subscriptions/{id}
// read and change one, POST /subscriptions/{id}/secret rotates its
// secret, and /subscriptions/{id}/dead-letters lists,
// replays and discards its dead letters, as [webhook.Dispatcher.Handler]
// does; GET /subscriptions lists them under "webhooks", beside the bus's
// subscriptions. Reading needs the reader or operator role, the rest the
// operator role. A nil d is an error.
func WithWebhooks(d *webhook.Dispatcher) Option {
	return func(c *config) error {
		if d == nil {
			return option.Invalid("WithWebhooks(nil)", "the dispatcher is nil")
		}
		c.webhooks = d
		return nil
	}
}

// WithLogger logs what the handler cannot answer to a client, such as a
// failed authenticator or a store error in the middle of a stream. A nil
// logger (the default) is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}
