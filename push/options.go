package push

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
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
type Option func(*options)

type options struct {
	registry     *herald.Registry
	auth         Authenticator
	heartbeat    time.Duration
	bufferSize   int
	writeTimeout time.Duration
	pollInterval time.Duration
	name         string
	logger       *slog.Logger
	invalidOpts  []error
}

// serverCount numbers the servers of the process, for their default
// subscription names.
var serverCount atomic.Uint64

func defaultOptions() options {
	return options{
		auth:         Anonymous,
		heartbeat:    DefaultHeartbeat,
		bufferSize:   DefaultBufferSize,
		writeTimeout: DefaultWriteTimeout,
		name:         fmt.Sprintf("push-%d", serverCount.Add(1)),
		logger:       slog.New(slog.DiscardHandler),
	}
}

// WithRegistry checks the streams registered against r: on a strict
// registry every event name must match a defined event, and a Map's data
// path must exist in the data type of one of the defined events its name
// matches.
func WithRegistry(r *herald.Registry) Option {
	return func(o *options) { o.registry = r }
}

// WithAuthenticator sets how requests are authenticated; the default is
// Anonymous. A nil a is an error.
func WithAuthenticator(a Authenticator) Option {
	return func(o *options) {
		if a == nil {
			o.invalid(fmt.Errorf("push: WithAuthenticator(nil): %w", herald.ErrInvalid))
			return
		}
		o.auth = a
	}
}

// WithHeartbeat sends a heartbeat comment on a stream that has been quiet
// for d (DefaultHeartbeat when not given); d must be positive.
func WithHeartbeat(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.invalid(fmt.Errorf("push: WithHeartbeat(%v): want a positive interval: %w", d, herald.ErrInvalid))
			return
		}
		o.heartbeat = d
	}
}

// WithBufferSize lets a client fall n events of the log behind before it is
// cut off (DefaultBufferSize when not given); n must be at least 1 and is
// rounded up to a power of two. The server keeps the newest n events in
// memory, shared by every client.
func WithBufferSize(n int) Option {
	return func(o *options) {
		if n < 1 || n > MaxBufferSize {
			o.invalid(fmt.Errorf("push: WithBufferSize(%d): want 1 to %d events: %w", n, MaxBufferSize, herald.ErrInvalid))
			return
		}
		o.bufferSize = n
	}
}

// WithWriteTimeout cuts off a client when one write to it takes longer than
// d (DefaultWriteTimeout when not given); d must be positive.
func WithWriteTimeout(d time.Duration) Option {
	return func(o *options) {
		if d <= 0 {
			o.invalid(fmt.Errorf("push: WithWriteTimeout(%v): want a positive timeout: %w", d, herald.ErrInvalid))
			return
		}
		o.writeTimeout = d
	}
}

// WithPollInterval makes the server read the store that often for events
// that were stored without being published on its bus (see
// engine.Config.PollInterval). Without a bus it defaults to
// engine.DefaultPollInterval; d must not be negative.
func WithPollInterval(d time.Duration) Option {
	return func(o *options) {
		if d < 0 {
			o.invalid(fmt.Errorf("push: WithPollInterval(%v): want 0 or more: %w", d, herald.ErrInvalid))
			return
		}
		o.pollInterval = d
	}
}

// WithName names the server's subscription on the bus, which must be
// unique there; the default is "push-" and a number counting the servers of
// the process.
func WithName(name string) Option {
	return func(o *options) {
		if name == "" {
			o.invalid(fmt.Errorf("push: WithName(\"\"): %w", herald.ErrInvalid))
			return
		}
		o.name = name
	}
}

// WithLogger logs clients cut off, failed authentications, events that
// cannot be encoded and failed reads of the store. A nil l, the default,
// logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
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
