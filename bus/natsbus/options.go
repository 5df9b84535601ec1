package natsbus

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
	"github.com/nats-io/nats.go/jetstream"
)

// The defaults New takes for what no option sets.
const (
	DefaultStream      = "HERALD"
	DefaultPrefix      = "herald"
	DefaultPartitions  = 64
	DefaultAckWait     = 30 * time.Second
	DefaultDuplicates  = 2 * time.Minute
	DefaultLocalEvents = 1 << 16
)

// MaxPartitions is the largest number of partitions WithPartitions accepts.
const MaxPartitions = 1024

// Option configures a Bus built by New.
type Option func(*config) error

type config struct {
	stream      string
	prefix      string
	partitions  int
	workers     int
	storage     jetstream.StorageType
	retention   jetstream.RetentionPolicy
	replicas    int
	duplicates  time.Duration
	maxAge      time.Duration
	persist     jetstream.PersistModeType
	ackWait     time.Duration
	localEvents int
	registry    *herald.Registry
	retry       herald.RetryPolicy
	logger      *slog.Logger
	deadLetter  func(ctx context.Context, d herald.DeadLetter)
}

// WithStream names the stream the bus keeps its events in (DefaultStream
// when not given); its dead letters go to the stream of that name with
// "_DEAD" appended. Every process that shares subscriptions names the same
// stream. The name must be a valid stream name: no whitespace, ".", "*",
// ">", "/" or "\".
func WithStream(name string) Option {
	return func(c *config) error {
		if err := checkName(name); err != nil {
			return option.Invalid("WithStream", err.Error())
		}
		c.stream = name
		return nil
	}
}

// WithSubjectPrefix sets the subjects' first tokens (DefaultPrefix when not
// given): an event goes to prefix.context.aggregate.name.partition.
func WithSubjectPrefix(prefix string) Option {
	return func(c *config) error {
		for _, tok := range strings.Split(prefix, ".") {
			if err := checkName(tok); err != nil {
				return option.Invalid("WithSubjectPrefix", fmt.Sprintf("%q: %v", prefix, err))
			}
		}
		c.prefix = prefix
		return nil
	}
}

// WithPartitions sets how many partitions the aggregates are spread over
// (DefaultPartitions when not given), from 1 to MaxPartitions. It is part
// of the stream: New refuses a stream made with another number.
func WithPartitions(n int) Option {
	return func(c *config) error {
		if err := option.Between("WithPartitions", n, 1, MaxPartitions); err != nil {
			return err
		}
		c.partitions = n
		return nil
	}
}

// WithWorkers gives each async subscription n workers (1 when not given),
// from 1 to the number of partitions: n durable consumers, each taking
// the events of its share of the partitions one at a time. Every process
// that subscribes under one name must give the same n.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if err := option.Between("WithWorkers", n, 1, MaxPartitions); err != nil {
			return err
		}
		c.workers = n
		return nil
	}
}

// WithMemoryStorage keeps the stream in the server's memory instead of
// files.
func WithMemoryStorage() Option {
	return func(c *config) error { c.storage = jetstream.MemoryStorage; return nil }
}

// WithRetention sets the stream's retention policy (limits when not
// given).
func WithRetention(p jetstream.RetentionPolicy) Option {
	return func(c *config) error {
		if p != jetstream.LimitsPolicy && p != jetstream.InterestPolicy && p != jetstream.WorkQueuePolicy {
			return option.Invalid("WithRetention", fmt.Sprintf("unknown policy %d", p))
		}
		c.retention = p
		return nil
	}
}

// WithReplicas sets how many servers keep the stream (1 when not given),
// from 1 to 5.
func WithReplicas(n int) Option {
	return func(c *config) error {
		if err := option.Between("WithReplicas", n, 1, 5); err != nil {
			return err
		}
		c.replicas = n
		return nil
	}
}

// WithDuplicateWindow sets how long the stream remembers event ids to
// drop a repeated publish (DefaultDuplicates when not given). d must be
// positive.
func WithDuplicateWindow(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithDuplicateWindow", d); err != nil {
			return err
		}
		c.duplicates = d
		return nil
	}
}

// WithMaxAge drops events older than d from the stream (0, the default,
// keeps them). d must not be negative.
func WithMaxAge(d time.Duration) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithMaxAge", d, 0); err != nil {
			return err
		}
		c.maxAge = d
		return nil
	}
}

// WithAsyncPersist lets the server acknowledge a publish before it has
// written it (the stream's asynchronous persist mode): faster, and what a
// crash of the server loses grows (see the package doc).
func WithAsyncPersist() Option {
	return func(c *config) error { c.persist = jetstream.AsyncPersistMode; return nil }
}

// WithAckWait sets how long a consumer waits for a worker's acknowledgement
// before it hands the event to another (DefaultAckWait when not given); a
// worker whose handler runs long tells the server every quarter of it that
// it is still at work. d must be at least 100 ms.
func WithAckWait(d time.Duration) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithAckWait", d, 100*time.Millisecond); err != nil {
			return err
		}
		c.ackWait = d
		return nil
	}
}

// WithLocalEvents sets how many of the events it published last a bus
// keeps, so that its own handlers get their Data as the Go value published
// (DefaultLocalEvents when not given; 0 keeps none). n must not be
// negative.
func WithLocalEvents(n int) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithLocalEvents", n, 0); err != nil {
			return err
		}
		c.localEvents = n
		return nil
	}
}

// WithRegistry decodes the Data of events from other processes as r's
// definitions say (see herald.Registry.Decode); without it, or for an
// event r does not define, Data is the payload's json.RawMessage.
func WithRegistry(r *herald.Registry) Option {
	return func(c *config) error { c.registry = r; return nil }
}

// WithRetry sets how an async subscription retries a handler that returned
// an error or panicked (see herald.RetryPolicy; its zero fields take the
// defaults). MaxAttempts 1 turns retries off.
func WithRetry(p herald.RetryPolicy) Option {
	return func(c *config) error {
		r, err := p.Resolve()
		if err != nil {
			return fmt.Errorf("WithRetry: %w", err)
		}
		c.retry = r
		return nil
	}
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

// WithDeadLetter hands every event a subscription of this process gave up
// on to fn, with the attempts made and the last error, besides keeping it
// on the dead-letter stream. fn runs on the worker that gave up; a panic
// in fn is recovered and logged. A nil fn, the default, only keeps it on
// the stream.
func WithDeadLetter(fn func(ctx context.Context, d herald.DeadLetter)) Option {
	return func(c *config) error { c.deadLetter = fn; return nil }
}

// newConfig returns the configuration opts make of the defaults.
func newConfig(opts []Option) (config, error) {
	c := config{
		stream: DefaultStream, prefix: DefaultPrefix, partitions: DefaultPartitions, workers: 1,
		storage: jetstream.FileStorage, retention: jetstream.LimitsPolicy, replicas: 1,
		duplicates: DefaultDuplicates, ackWait: DefaultAckWait, localEvents: DefaultLocalEvents,
		logger: slog.New(slog.DiscardHandler),
	}
	if err := option.Apply(&c, opts, "natsbus", "new", herald.ErrInvalid); err != nil {
		return config{}, err
	}
	if c.workers > c.partitions {
		return config{}, fmt.Errorf("natsbus: new: WithWorkers %d is more than the %d partitions: %w", c.workers, c.partitions, herald.ErrInvalid)
	}
	if c.retry == (herald.RetryPolicy{}) {
		c.retry, _ = herald.RetryPolicy{}.Resolve()
	}
	return c, nil
}

// checkName reports why name cannot be a stream, consumer or subject
// token, or nil.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("it is empty")
	case len(name) > 200:
		return fmt.Errorf("it is longer than 200 bytes")
	}
	if i := strings.IndexAny(name, " \t\r\n.*>/\\"); i >= 0 {
		return fmt.Errorf("it holds %q", name[i])
	}
	return nil
}
