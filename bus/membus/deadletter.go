package membus

import (
	"context"
	"log/slog"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
)

// giveUp reports an event the subscription will not handle: it logs it,
// hands it to the dead-letter function and counts it (retry.DeadLetter
// says what a panic of the function does).
func (b *Bus) giveUp(ctx context.Context, s *subscription, c *counters, e *herald.Event, attempts int, err error) {
	b.log.LogAttrs(ctx, slog.LevelError, "membus: delivery failed",
		slog.String("subscription", s.name),
		slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()),
		slog.Int("attempts", attempts),
		slog.Any("error", err))
	d := herald.DeadLetter{Subscription: s.name, Event: *e, Attempts: attempts, Err: err}
	retry.DeadLetter(ctx, b.deadLetter, d, &c.deadLettered, b.log, "membus",
		slog.String("subscription", s.name), slog.String("id", e.ID.String()))
}
