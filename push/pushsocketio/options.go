package pushsocketio

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/herald-go/herald"
)

// DefaultTenantLabel is the label that holds an event's tenant unless
// WithTenantLabel says otherwise.
const DefaultTenantLabel = "tenant"

// Option configures a Server built by New.
type Option func(*config) error

type config struct {
	label        string
	logger       *slog.Logger
	pingInterval time.Duration // 0: socket.io's default
	pingTimeout  time.Duration
}

// WithTenantLabel sets the label whose value is an event's tenant: a
// client of namespace /acme gets only the events whose label is acme. An
// empty label is an error matching [herald.ErrInvalid].
func WithTenantLabel(label string) Option {
	return func(c *config) error {
		if label == "" {
			return fmt.Errorf("pushsocketio: the tenant label is empty: %w", herald.ErrInvalid)
		}
		c.label = label
		return nil
	}
}

// WithHeartbeat sets how often the server pings each client (socket.io's
// pingInterval, 25 s by default) and how long it then waits for the pong
// (pingTimeout, 20 s) before it takes the client for gone, closes its
// connection and ends its streams. It is how the server learns of a
// client that vanished without closing, as one whose process was killed.
// A duration that is not positive is an error matching
// [herald.ErrInvalid].
func WithHeartbeat(interval, timeout time.Duration) Option {
	return func(c *config) error {
		if interval <= 0 || timeout <= 0 {
			return fmt.Errorf("pushsocketio: the heartbeat's interval %v and timeout %v must be positive: %w",
				interval, timeout, herald.ErrInvalid)
		}
		c.pingInterval, c.pingTimeout = interval, timeout
		return nil
	}
}

// WithLogger logs what a client cannot be told: a connection refused
// before push saw it, a stream that could not start. nil is silent, the
// default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

func newConfig(opts []Option) (*config, error) {
	c := &config{label: DefaultTenantLabel}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("pushsocketio: option %d is nil: %w", i, herald.ErrInvalid)
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
