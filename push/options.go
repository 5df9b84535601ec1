package push

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/internal/prefix"
)

// Defaults of a Server.
const (
	// DefaultHeartbeat is how long a stream may be quiet before the server
	// sends a heartbeat comment.
	DefaultHeartbeat = 15 * time.Second
	// DefaultBufferSize is how many events of the log a client may fall
	// behind before it is cut off.
	DefaultBufferSize = 8192
	// MaxBufferSize is the largest buffer size WithBufferSize accepts.
	MaxBufferSize = 1 << 24
	// DefaultWriteTimeout is how long one write to a client may take
	// before it is cut off.
	DefaultWriteTimeout = 10 * time.Second
)

// Option configures a Server built by New.
type Option func(*config) error

type config struct {
	registry     *herald.Registry
	auth         Authenticator
	heartbeat    time.Duration
	bufferSize   int
	writeTimeout time.Duration
	pollInterval time.Duration
	name         string
	logger       *slog.Logger
}

// serverCount numbers the servers of the process, for their default
// subscription names.
var serverCount atomic.Uint64

// WithRegistry checks the streams registered against r: on a strict
// registry every event name must match a defined event, and a Map's data
// path must exist in the data type of one of the defined events its name
// matches. Without it the server uses its store's registry, the one the
// store's publisher was given.
func WithRegistry(r *herald.Registry) Option {
	return func(c *config) error { c.registry = r; return nil }
}

// WithAuthenticator sets how requests are authenticated; the default is
// Anonymous. A nil a is an error.
func WithAuthenticator(a Authenticator) Option {
	return func(c *config) error {
		if a == nil {
			return option.Invalid("WithAuthenticator(nil)", "the authenticator is nil")
		}
		c.auth = a
		return nil
	}
}

// WithHeartbeat sends a heartbeat comment on a stream that has been quiet
// for d (DefaultHeartbeat when not given); d must be positive.
func WithHeartbeat(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithHeartbeat", d); err != nil {
			return err
		}
		c.heartbeat = d
		return nil
	}
}

// WithBufferSize lets a client fall n events of the log behind before it is
// cut off (DefaultBufferSize when not given); n must be at least 1 and is
// rounded up to a power of two. The server keeps the newest n events in
// memory, shared by every client.
func WithBufferSize(n int) Option {
	return func(c *config) error {
		if err := option.Between("WithBufferSize", n, 1, MaxBufferSize); err != nil {
			return err
		}
		c.bufferSize = n
		return nil
	}
}

// WithWriteTimeout cuts off a client when one write to it takes longer than
// d (DefaultWriteTimeout when not given); d must be positive.
func WithWriteTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithWriteTimeout", d); err != nil {
			return err
		}
		c.writeTimeout = d
		return nil
	}
}

// WithPollInterval makes the server read the store that often for events
// that were stored without being published on its bus
// ([github.com/herald-go/herald/engine.Config.PollInterval]). Without a bus
// it defaults to [github.com/herald-go/herald/engine.DefaultPollInterval];
// d must not be negative.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithPollInterval", d, 0); err != nil {
			return err
		}
		c.pollInterval = d
		return nil
	}
}

// WithName names the server's subscription on the bus, which must be
// unique there; the default is "push-" and a number counting the servers of
// the process.
func WithName(name string) Option {
	return func(c *config) error {
		if name == "" {
			return option.Invalid(`WithName("")`, "the name is empty")
		}
		c.name = name
		return nil
	}
}

// WithLogger logs clients cut off, failed authentications, events that
// cannot be encoded and failed reads of the store. A nil l, the default,
// logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l != nil {
			c.logger = l
		}
		return nil
	}
}

// newConfig returns the configuration opts make of the defaults.
func newConfig(opts []Option) (config, error) {
	c := config{
		auth:         Anonymous,
		heartbeat:    DefaultHeartbeat,
		bufferSize:   DefaultBufferSize,
		writeTimeout: DefaultWriteTimeout,
		logger:       slog.New(slog.DiscardHandler),
	}
	if err := option.Apply(&c, opts, "push", "new", herald.ErrInvalid); err != nil {
		return config{}, err
	}
	if c.name == "" {
		c.name = fmt.Sprintf("push-%d", serverCount.Add(1))
	}
	return c, nil
}

// errorf returns the error of the package: "push: " and then
// fmt.Errorf(format, args...), an error argument of another package of
// the module given without its prefix.
func errorf(format string, args ...any) error { return prefix.Errorf("push", format, args...) }
