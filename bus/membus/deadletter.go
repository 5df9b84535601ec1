package membus

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/herald-go/herald"
)

// DeadLetter is an event a subscription could not handle, as given to the
// function set WithDeadLetter.
type DeadLetter struct {
	// Subscription is the name of the subscription that failed.
	Subscription string
	// Event is the event it failed to handle.
	Event herald.Event
	// Attempts is how many times the handler was called with the event: 1
	// for now, as membus does not retry yet; 0 when the event was still
	// queued when Close gave up waiting (Err then matches herald.ErrClosed).
	Attempts int
	// Err is why: the handler's error, a *PanicError, or the reason the
	// event was never handed to the handler.
	Err error
}

// failed reports a delivery that did not succeed: it logs it, counts it and
// hands it to the dead-letter function.
func (b *Bus) failed(ctx context.Context, s *subscription, e *herald.Event, attempts int, err error) {
	s.failed.Add(1)
	b.log.LogAttrs(ctx, slog.LevelError, "membus: delivery failed",
		slog.String("subscription", s.name),
		slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()),
		slog.Int("attempts", attempts),
		slog.Any("error", err))
	if b.deadLetter == nil {
		return
	}
	d := DeadLetter{Subscription: s.name, Event: *e, Attempts: attempts, Err: err}
	if perr := callDeadLetter(ctx, b.deadLetter, d); perr != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "membus: dead-letter function failed",
			slog.String("subscription", s.name),
			slog.String("id", e.ID.String()),
			slog.Any("error", perr))
	}
}

// callDeadLetter calls fn and turns a panic into an error.
func callDeadLetter(ctx context.Context, fn func(context.Context, DeadLetter), d DeadLetter) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("membus: dead-letter function: %w", newPanicError(r))
		}
	}()
	fn(ctx, d)
	return nil
}
