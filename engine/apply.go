package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/internal/retry"
)

// applyBatch applies events and moves the position to upTo.
func (e *Engine) applyBatch(ctx context.Context, events []herald.Event, upTo uint64) error {
	if len(events) == 0 {
		if upTo > e.position.Load() {
			return e.advance(ctx, upTo)
		}
		return nil
	}
	return e.applyAll(ctx, events, upTo)
}

// applyAll applies events and moves the checkpoint to upTo, at least the
// last event's position. When a handler fails, the events before it are
// applied on their own, and the failing one is retried alone with
// backoff: all of them are applied, or it returns a *FailedError for the
// event it gave up on, every event before it applied.
func (e *Engine) applyAll(ctx context.Context, events []herald.Event, upTo uint64) error {
	for len(events) > 0 {
		kept, err := e.parkWaiting(ctx, events)
		if err != nil {
			return err
		}
		if events = kept; len(events) == 0 {
			break
		}
		n, err := e.apply(ctx, events, upTo)
		if n > 0 {
			e.applied.Add(uint64(n))
			e.committed(ctx, events[n-1].Metadata.Position)
		}
		if err == nil {
			e.committed(ctx, upTo)
			return nil
		}
		var he *HandlerError
		if !errors.As(err, &he) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i := he.Index - n
		events = events[n:]
		if i > 0 {
			// The events before the failing one were applied without an
			// error, and rolled back with it, or not, as the model goes.
			if err := e.applyAll(ctx, events[:i], events[i-1].Metadata.Position); err != nil {
				return err
			}
			events = events[i:]
		}
		if err := e.retryFirst(ctx, events[:1], he.Err); err != nil {
			return err
		}
		events = events[1:]
	}
	if upTo > e.position.Load() {
		return e.advance(ctx, upTo)
	}
	return nil
}

// retryFirst applies one event whose handler failed with err, as the
// retry policy says, and after the last attempt stops in the failed state
// or keeps the event as a dead letter, as the failure policy says.
func (e *Engine) retryFirst(ctx context.Context, one []herald.Event, err error) error {
	ev := &one[0]
	r := e.cfg.retry // this event's own waits
	res := r.Retry(ctx, nil, err, func(int) error {
		e.retried.Add(1)
		_, err := e.apply(ctx, one, ev.Metadata.Position)
		var he *HandlerError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &he):
			return he.Err
		default:
			return retry.Abort(err) // the model or the store failed, not the handler
		}
	}, func(n int, err error) {
		if ctx.Err() == nil { // a failure while the run ends is not reported
			e.failedAttempt(ctx, ev, n, err)
		}
	})
	switch res.Outcome {
	case retry.Handled:
		e.applied.Add(1)
		e.committed(ctx, ev.Metadata.Position)
		return nil
	case retry.Stopped:
		return ctx.Err()
	case retry.Aborted:
		return res.Err
	}
	if e.cfg.OnFailure == DeadLetter {
		return e.giveUp(ctx, ev, res.Attempts, res.Err)
	}
	f := &FailedError{Name: e.cfg.Name, Event: *ev, Attempts: res.Attempts, Err: res.Err}
	e.cfg.Logger.LogAttrs(ctx, slog.LevelError, e.cfg.kind+": stops on an event its handler failed on",
		slog.String("consumer", e.cfg.Name), slog.String("event", ev.FullName()),
		slog.String("id", ev.ID.String()), slog.Uint64("position", ev.Metadata.Position),
		slog.Int("attempts", res.Attempts), slog.Any("error", res.Err))
	e.mu.Lock()
	e.failure = f
	err = prefix.Wrap(e.cfg.kind, f)
	e.lastErr, e.lastErrAt = err, time.Now()
	e.mu.Unlock()
	e.answer(err)
	e.notify()
	return err
}

func (e *Engine) failedAttempt(ctx context.Context, ev *herald.Event, attempt int, err error) {
	e.failedN.Add(1)
	e.noteError(err)
	e.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, e.cfg.kind+": handler failed",
		slog.String("consumer", e.cfg.Name), slog.String("event", ev.FullName()),
		slog.String("id", ev.ID.String()), slog.Uint64("position", ev.Metadata.Position),
		slog.Int("attempt", attempt), slog.Any("error", err))
}

// committed records that the model and its checkpoint are at pos.
func (e *Engine) committed(ctx context.Context, pos uint64) {
	if pos <= e.position.Load() {
		return
	}
	e.position.Store(pos)
	e.saved.Store(pos)
	e.progressed(ctx, pos)
	e.notify()
}

// advance moves the position past events without a handler. Their
// positions are saved with the next batch applied, or once a batch's
// worth of them passed, or when the run ends: an event without a handler
// changes nothing, so reading it again after a crash is harmless.
func (e *Engine) advance(ctx context.Context, upTo uint64) error {
	e.position.Store(upTo)
	e.progressed(ctx, upTo)
	e.notify()
	if upTo-e.saved.Load() >= uint64(e.cfg.BatchSize) {
		return e.flush(ctx)
	}
	return nil
}

// flush saves the position as the checkpoint unless it is saved already.
func (e *Engine) flush(ctx context.Context) error {
	pos := e.position.Load()
	if pos <= e.saved.Load() {
		return nil
	}
	if _, err := e.apply(ctx, nil, pos); err != nil {
		e.noteError(err)
		return err
	}
	e.saved.Store(pos)
	return nil
}
