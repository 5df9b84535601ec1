package membus

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
)

// Design notes
//
// Each async subscription has one worker goroutine per lane (one lane by
// default, WithWorkers for more), and each lane a bounded queue. Publish
// matches every event once against the subscription's filter (names and
// pattern, match.Filter) and appends a copy to the lane of its aggregate,
// chosen by a hash of the aggregate id, holding the lanes' mutexes for the
// whole batch. A worker takes everything its lane queued at once, swapping
// the lane's buffer for its spare one, and calls the handler for each
// event in turn. It is woken only when its lane goes from empty to not
// empty, so the cost of locking and waking is paid per batch, not per
// event; the handlers' contexts are made 128 at a time
// (driver.CauseContexts), so dispatch allocates nothing per event. Retries
// wait with exponential backoff and jitter (backoff/v4) on the worker, so
// the lane waits and the aggregate's order holds. A Sync subscription has
// neither lanes nor workers: its handler runs inside Publish. Handlers get
// a context made from the bus-wide one rather than the publisher's, so a
// Sync handler and an async one see the same kind of context.

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

// Close stops intake at once (Publish, Subscribe and Unsubscribe return
// [herald.ErrClosed] from then on) and retries: queued events get one
// attempt each, and one waiting for a retry goes to the dead-letter
// function with the attempts it had. It waits until every worker has
// handled what was queued and returns nil. If ctx ends first, it cancels
// the handlers' context and returns an error wrapping ctx.Err(): a running
// handler goes on until it returns, and the events still queued go to the
// dead-letter function with Attempts 0 and [herald.ErrClosed]. Close does
// not wait for Publish calls in progress nor their Sync handlers. A second
// Close returns [herald.ErrClosed]; a nil ctx is [herald.ErrInvalid], and
// the bus stays open.
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
