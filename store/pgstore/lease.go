package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
)

// Lease is an engine.Lease across every process that uses the store's
// schema: a PostgreSQL session advisory lock per consumer name, held on a
// connection of its own. PostgreSQL releases the lock when that
// connection ends, so when the holder dies (SIGKILL, a lost machine once
// its connection times out) a process waiting in Acquire takes it over
// at once and its consumer resumes from the checkpoint. The holder checks
// its connection every LeaseCheckInterval and ends the held context when
// it is lost: another process may hold the lease then.
type Lease struct{ s *Store }

// LeaseCheckInterval is how often a held lease checks its connection.
const LeaseCheckInterval = time.Second

// Lease returns the store's lease, for projection.Config.Lease,
// projection.FlowConfig.Lease and durable.Config.Lease.
func (s *Store) Lease() *Lease { return &Lease{s: s} }

// Acquire blocks until the caller holds the lease of name, or ctx ends.
func (l *Lease) Acquire(ctx context.Context, name string) (context.Context, func(), error) {
	what := fmt.Sprintf("lease %q: acquire", name)
	if err := l.s.check(ctx, what); err != nil {
		return nil, nil, err
	}
	if name == "" {
		return nil, nil, fmt.Errorf("pgstore: %s: the name is empty: %w", what, herald.ErrInvalid)
	}
	conn, err := pgx.ConnectConfig(ctx, l.s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, nil, l.s.wrap(what, err)
	}
	closeConn := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey(l.s.opts.schema, "lease\x00"+name)); err != nil {
		closeConn()
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("pgstore: %s: %w", what, ctx.Err())
		}
		return nil, nil, l.s.wrap(what, err)
	}
	held, cancel := context.WithCancel(ctx)
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		t := time.NewTicker(LeaseCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-t.C:
			}
			if _, err := conn.Exec(held, "SELECT 1"); err != nil && held.Err() == nil {
				l.s.opts.logger.LogAttrs(held, slog.LevelError, "pgstore: lost the connection that holds a lease",
					slog.String("lease", name), slog.Any("error", err))
				cancel()
				return
			}
		}
	}()
	var once sync.Once
	release := func() {
		once.Do(func() {
			cancel()
			<-checked
			closeConn() // the server releases the lock with the session
		})
	}
	return held, release, nil
}
