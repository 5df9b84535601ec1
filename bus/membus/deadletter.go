package membus

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/herald-go/herald"
)

// giveUp reports an event the subscription will not handle: it logs it,
// counts it and hands it to the dead-letter function.
func (b *Bus) giveUp(ctx context.Context, s *subscription, c *counters, e *herald.Event, attempts int, err error) {
	b.log.LogAttrs(ctx, slog.LevelError, "membus: delivery failed",
		slog.String("subscription", s.name),
		slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()),
		slog.Int("attempts", attempts),
		slog.Any("error", err))
	if b.deadLetter != nil {
		d := herald.DeadLetter{Subscription: s.name, Event: *e, Attempts: attempts, Err: err}
		if perr := callDeadLetter(ctx, b.deadLetter, d); perr != nil {
			b.log.LogAttrs(ctx, slog.LevelError, "membus: dead-letter function failed",
				slog.String("subscription", s.name),
				slog.String("id", e.ID.String()),
				slog.Any("error", perr))
		}
	}
	c.deadLettered.Add(1)
}

// callDeadLetter calls fn and turns a panic into an error.
func callDeadLetter(ctx context.Context, fn func(context.Context, herald.DeadLetter), d herald.DeadLetter) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("membus: dead-letter function: %w", &herald.PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	fn(ctx, d)
	return nil
}
