package boltstore

import (
	"log/slog"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
)

// Option configures a Store built by Open or New.
type Option func(*config) error

type config struct {
	openTimeout   time.Duration
	createIfEmpty bool
	maxEventSize  int
	registry      *herald.Registry // the one given; Store.registry holds the one in use
	noSync        bool
	logger        *slog.Logger
}

// Defaults of the options.
const (
	// DefaultOpenTimeout is how long Open waits for a file another process
	// holds.
	DefaultOpenTimeout = time.Second
	// DefaultMaxEventSize is the largest encoded event Append takes.
	DefaultMaxEventSize = 1 << 20
	// MaxNameLength is the longest context, aggregate or event name, in
	// bytes, that the store takes. Names are part of index keys.
	MaxNameLength = 1024
)

// WithOpenTimeout sets how long Open waits for the file lock that another
// process holds before it fails with ErrLocked. It must be positive; the
// default is DefaultOpenTimeout. New ignores it.
func WithOpenTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := option.Positive("WithOpenTimeout", d); err != nil {
			return err
		}
		c.openTimeout = d
		return nil
	}
}

// WithCreateIfEmpty makes Open create the store in an empty file, as it
// does when the file does not exist. Without it an empty file is an error
// matching ErrNotStore: it may be what a crash of the machine or a failed
// copy left of a store file, and a new store in it would start the log
// again at position 1. Use it for files made beforehand, such as by
// os.CreateTemp. New ignores it.
func WithCreateIfEmpty() Option {
	return func(c *config) error { c.createIfEmpty = true; return nil }
}

// WithMaxEventSize sets the largest encoded event, envelope and data, in
// bytes, that Append takes; a larger one fails the batch with an error
// matching herald.ErrInvalid. It must be from 1 KiB to 256 MiB; the
// default is DefaultMaxEventSize.
func WithMaxEventSize(n int) Option {
	return func(c *config) error {
		if err := option.Between("WithMaxEventSize", n, 1<<10, 256<<20); err != nil {
			return err
		}
		c.maxEventSize = n
		return nil
	}
}

// WithRegistry makes reads decode the data of events that r defines into
// their Go types ([herald.Registry.Decode]), so handlers and replays get
// Go values instead of json.RawMessage; undefined events keep their
// json.RawMessage. Data that does not decode into its type is an error of
// the read naming the event. Large reads decode on several goroutines.
func WithRegistry(r *herald.Registry) Option {
	return func(c *config) error { c.registry = r; return nil }
}

// WithNoSync turns off the fsync of every commit: appends are faster and
// a crash of the machine (not only of the process) may lose the newest of
// them or damage the file. For tests and throwaway data. New ignores it;
// set NoSync on the *bbolt.DB instead.
func WithNoSync() Option {
	return func(c *config) error { c.noSync = true; return nil }
}

// WithLogger logs what the store cannot return to a caller, such as a
// failure to record deliveries. A nil logger (the default) is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// newConfig returns the configuration opts make of the defaults, or an
// error naming op, the constructor's.
func newConfig(opts []Option, op string) (config, error) {
	c := config{openTimeout: DefaultOpenTimeout, maxEventSize: DefaultMaxEventSize}
	if err := option.Apply(&c, opts, "boltstore", op, herald.ErrInvalid); err != nil {
		return config{}, err
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
