package membus

import (
	"context"
	"log/slog"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/retry"
)

// deliver hands one event to s's handler with ctx, a context that carries
// the event as its cause (herald.ContextWithCause), retries it as r says
// when the handler fails, and hands it to the dead-letter function when it
// gives up. ctx refers to e, which the caller keeps unchanged until
// deliver returns. r is the worker's lane's; a Sync subscription's makes
// one attempt.
func (b *Bus) deliver(ctx context.Context, s *subscription, r *retry.Backoff, c *counters, e *herald.Event) {
	c.begun.Add(1)
	// The first attempt is made here, outside the retry loop, which every
	// event would otherwise enter through a closure (BenchmarkMembusDispatch).
	err := driver.SafeHandle(ctx, s.handler, *e)
	if err == nil {
		c.delivered.Add(1)
		return
	}
	res := r.Retry(ctx, s.stopping, err, func(int) error {
		c.retried.Add(1)
		return driver.SafeHandle(ctx, s.handler, *e)
	}, func(n int, err error) { b.failedAttempt(ctx, s, c, e, n, err) })
	if res.Outcome == retry.Handled {
		c.delivered.Add(1)
		return
	}
	b.giveUp(ctx, s, c, e, res.Attempts, res.Err)
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
