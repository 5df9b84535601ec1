package membus

import (
	"context"
	"log/slog"
	"time"

	"github.com/herald-go/herald"
)

// deliver hands one event to s's handler with ctx, a context that carries
// the event as its cause (herald.WithCause), retries it as the bus's
// policy says when the handler fails (async subscriptions only), and hands
// it to the dead-letter function when it gives up. ctx refers to e, which
// the caller keeps unchanged until deliver returns. l is the worker's
// lane, nil for a Sync subscription.
func (b *Bus) deliver(ctx context.Context, s *subscription, l *lane, c *counters, e *herald.Event) {
	c.begun.Add(1)
	err := herald.SafeHandle(ctx, s.handler, *e)
	if err == nil {
		c.delivered.Add(1)
		return
	}
	attempts := 1
	b.failedAttempt(ctx, s, c, e, attempts, err)
	for l != nil && attempts < b.retry.MaxAttempts && b.waitToRetry(s, l, attempts) {
		attempts++
		c.retried.Add(1)
		if err = herald.SafeHandle(ctx, s.handler, *e); err == nil {
			c.delivered.Add(1)
			return
		}
		b.failedAttempt(ctx, s, c, e, attempts, err)
	}
	b.giveUp(ctx, s, c, e, attempts, err)
}

// failedAttempt counts, remembers and logs one failed handler call.
func (b *Bus) failedAttempt(ctx context.Context, s *subscription, c *counters, e *herald.Event, attempt int, err error) {
	c.failed.Add(1)
	s.noteError(err)
	b.log.LogAttrs(ctx, slog.LevelWarn, "membus: handler failed",
		slog.String("subscription", s.name),
		slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()),
		slog.Int("attempt", attempt),
		slog.Any("error", err))
}

// waitToRetry waits before retry number attempts (1 for the first). It
// returns false at once when the subscription is stopping, or as soon as
// it stops or the bus gives up closing while it waits.
func (b *Bus) waitToRetry(s *subscription, l *lane, attempts int) bool {
	if s.stopped() || b.aborted.Load() {
		return false
	}
	if l.backoff == nil {
		l.backoff = b.retry.NewBackOff()
	}
	if attempts == 1 {
		l.backoff.Reset()
	}
	t := time.NewTimer(l.backoff.NextBackOff())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stopping:
		return false
	case <-b.base.Done():
		return false
	}
}
