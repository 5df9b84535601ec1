package pgstore

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
)

// Option configures a Store built by Open or New.
type Option func(*config) error

type config struct {
	schema   string
	registry *herald.Registry
	logger   *slog.Logger
}

// DefaultSchema is the schema the store keeps its tables in unless
// WithSchema names another.
const DefaultSchema = "herald"

// WithSchema sets the PostgreSQL schema of the store's tables, created
// when missing; several stores live in one database under schemas of
// their own. The name is 1 to 48 bytes; the default is DefaultSchema.
func WithSchema(name string) Option {
	return func(c *config) error {
		if name == "" || len(name) > 48 {
			return option.Invalid(fmt.Sprintf("WithSchema(%q)", name), "want a name of 1 to 48 bytes")
		}
		c.schema = name
		return nil
	}
}

// WithRegistry makes reads decode the data of events that r defines into
// their Go types (see herald.Registry.Decode); undefined events keep their
// json.RawMessage. Appends seal the personal fields r's definitions tag
// (see the package doc). Without it, the store takes the registry of the
// first herald.Publisher made with one (driver.RegistryStore).
func WithRegistry(r *herald.Registry) Option {
	return func(c *config) error { c.registry = r; return nil }
}

// WithLogger logs what the store cannot return to a caller, such as a
// lost connection of its notification listener. A nil logger (the
// default) is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

func newConfig(opts []Option, context string) (config, error) {
	c := config{schema: DefaultSchema}
	if err := option.Apply(&c, opts, "pgstore", strings.TrimPrefix(context, "pgstore: "), herald.ErrInvalid); err != nil {
		return config{}, err
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
