package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/registry"
)

// Store is a herald.Store in a PostgreSQL schema; it is also a
// driver.SnapshotStore, a driver.CheckpointStore, a driver.Outbox, a
// driver.TxStore, a driver.DeadLetterStore, a driver.RegistryStore and a
// driver.KeyStore (personal data, see the package doc). Build one with Open or
// New; it is safe for concurrent use. Its committer goroutine runs until
// Close.
type Store struct {
	pool  *pgxpool.Pool
	owned bool // Close closes pool
	opts  config
	q     string // the schema, quoted
	sql   statements

	mu     sync.Mutex
	queue  []*request
	closed atomic.Bool // set under mu

	wake    chan struct{}
	stopped chan struct{}

	feed *feed

	// Holder holds the registry reads decode with and appends find
	// personal fields with: WithRegistry's, or the one a publisher gave
	// the store (driver.RegistryStore).
	registry.Holder
}

var (
	_ herald.Store           = (*Store)(nil)
	_ driver.SnapshotStore   = (*Store)(nil)
	_ driver.CheckpointStore = (*Store)(nil)
	_ driver.Outbox          = (*Store)(nil)
	_ driver.TxStore         = (*Store)(nil)
	_ driver.DeadLetterStore = (*Store)(nil)
	_ engine.Lease           = (*Lease)(nil)
)

// Open connects to the database dsn names (a URL or keyword/value
// string, as pgxpool.ParseConfig takes) and opens the store in it,
// creating or migrating its schema. A server that does not answer is an
// error naming the host and the cause. Close the store to close the
// connections.
func Open(ctx context.Context, dsn string, options ...Option) (*Store, error) {
	if ctx == nil {
		return nil, fmt.Errorf("pgstore: open: the context is nil: %w", herald.ErrInvalid)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: parse the connection string: %w: %w", err, herald.ErrInvalid)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: open: connect to %s: %w", describeHost(cfg.ConnConfig), err)
	}
	s, err := newStore(ctx, pool, options, "pgstore: open")
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// New opens the store in the database of pool, an application's own,
// creating or migrating its schema. Close leaves pool open.
func New(ctx context.Context, pool *pgxpool.Pool, options ...Option) (*Store, error) {
	if ctx == nil {
		return nil, fmt.Errorf("pgstore: new: the context is nil: %w", herald.ErrInvalid)
	}
	if pool == nil {
		return nil, fmt.Errorf("pgstore: new: the pool is nil: %w", herald.ErrInvalid)
	}
	return newStore(ctx, pool, options, "pgstore: new")
}

func newStore(ctx context.Context, pool *pgxpool.Pool, options []Option, what string) (*Store, error) {
	o, err := newConfig(options, what)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool, o.schema); err != nil {
		return nil, fmt.Errorf("%s: schema %s: %w", what, o.schema, err)
	}
	q := pgx.Identifier{o.schema}.Sanitize()
	s := &Store{pool: pool, opts: o, q: q, sql: newStatements(q),
		wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	s.feed = newFeed(s)
	s.UseRegistry(o.registry)
	go s.commitLoop()
	return s, nil
}

func describeHost(c *pgx.ConnConfig) string {
	return net.JoinHostPort(c.Host, fmt.Sprint(c.Port))
}

// Pool returns the pool the store uses, for the application's own
// queries and transactions.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the name of the store's schema.
func (s *Store) Schema() string { return s.opts.schema }

// Close stops the store: it commits what is queued, stops the
// notification listener and, for a store of Open, closes the connections.
// Calls after it return herald.ErrClosed; a second Close returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closed.Store(true)
	s.mu.Unlock()
	s.poke()
	<-s.stopped
	s.feed.close()
	if s.owned {
		s.pool.Close()
	}
	return nil
}

// errClosed is the error of a call after Close.
func errClosed(what string) error { return fmt.Errorf("pgstore: %s: %w", what, herald.ErrClosed) }

// check returns the error of a call on a closed store or with a nil or
// ended context.
func (s *Store) check(ctx context.Context, what string) error {
	if ctx == nil {
		return fmt.Errorf("pgstore: %s: the context is nil: %w", what, herald.ErrInvalid)
	}
	if s.closed.Load() {
		return errClosed(what)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pgstore: %s: %w", what, err)
	}
	return nil
}

// wrap returns err of what, with a closed pool as herald.ErrClosed.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() || errors.Is(err, puddle.ErrClosedPool) {
		return fmt.Errorf("pgstore: %s: %w: %w", what, herald.ErrClosed, err)
	}
	return fmt.Errorf("pgstore: %s: %w", what, err)
}
