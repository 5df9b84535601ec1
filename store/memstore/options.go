package memstore

import (
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
)

// Option configures a Store built by New.
type Option func(*config) error

type config struct {
	capacity int
}

// WithCapacity makes room for n events up front in the log's lists of
// chunks. The log grows in chunks and never copies what it holds, so this
// only saves the lists' own growth. n must not be negative.
func WithCapacity(n int) Option {
	return func(c *config) error {
		if err := option.AtLeast("WithCapacity", n, 0); err != nil {
			return err
		}
		c.capacity = n
		return nil
	}
}

// newConfig returns the configuration opts make of the defaults.
func newConfig(opts []Option) (config, error) {
	var c config
	if err := option.Apply(&c, opts, "memstore", "new", herald.ErrInvalid); err != nil {
		return config{}, err
	}
	return c, nil
}
