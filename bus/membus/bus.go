package membus

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
)

// errCloseClosed is what a second Close returns.
var errCloseClosed = errorf("close: %w", herald.ErrClosed)

// Bus is an in-memory herald.Bus. Build one with New; it is safe for
// concurrent use. Its subscriptions' workers run until Close.
type Bus struct {
	queueSize  int
	workersPer int
	failIfFull bool
	retry      retry.Backoff // each lane's copy times its retries
	log        *slog.Logger
	deadLetter func(ctx context.Context, d herald.DeadLetter)

	// base is the context every handler call derives from; Close cancels it
	// when its own context ends before the queues are drained.
	base    context.Context
	cancel  context.CancelFunc
	aborted atomic.Bool

	// subs is the current list of subscriptions in the order they were
	// added. Publish reads it without a lock; Subscribe and Unsubscribe
	// replace it under mu.
	subs   atomic.Pointer[[]*subscription]
	mu     sync.Mutex
	closed atomic.Bool // set under mu

	workers workers
}

var _ herald.Bus = (*Bus)(nil)

// New returns an open bus without subscriptions. An invalid option value is
// an error matching herald.ErrInvalid that names the option.
func New(opts ...Option) (*Bus, error) {
	o, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		queueSize:  o.queueSize,
		workersPer: o.workers,
		failIfFull: o.failIfFull,
		retry:      retry.New(o.retry.InitialInterval, o.retry.MaxInterval, o.retry.MaxAttempts),
		log:        o.logger,
		deadLetter: o.deadLetter,
	}
	b.base, b.cancel = context.WithCancel(context.Background())
	b.subs.Store(new([]*subscription))
	return b, nil
}

// Close stops intake at once: Publish, Subscribe and Unsubscribe return an
// error matching herald.ErrClosed from then on, and failed events are no
// longer retried (an event waiting for a retry goes to the dead-letter
// function at once). It then waits until every subscription's workers have
// handled what was queued, and returns nil. If
// ctx ends first, Close cancels the context handlers run with and returns
// an error wrapping ctx.Err() without waiting any longer: a handler that is
// running goes on until it returns (its worker ends then), and the events
// still queued are not handed to handlers but to the dead-letter function,
// with Attempts 0 and an error matching herald.ErrClosed.
//
// Close does not wait for Publish calls in progress, nor for the Sync
// handlers they run. Every Close after the first returns an error matching
// herald.ErrClosed at once. A nil ctx is an error matching
// herald.ErrInvalid, and the bus stays open.
func (b *Bus) Close(ctx context.Context) error {
	if ctx == nil {
		return errorf("close: the context is nil: %w", herald.ErrInvalid)
	}
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return errCloseClosed
	}
	b.closed.Store(true)
	subs := *b.subs.Load()
	b.mu.Unlock()

	for _, s := range subs {
		s.stop()
	}
	if err := b.workers.wait(ctx); err != nil {
		b.aborted.Store(true)
		b.cancel()
		return errorf("close: %w", err)
	}
	b.cancel()
	return nil
}

// Closed reports whether Close has been called. A herald.Publisher asks it
// before it stores events, so it does not store what the bus would refuse.
func (b *Bus) Closed() bool { return b.closed.Load() }
