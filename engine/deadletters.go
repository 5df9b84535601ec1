package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/internal/retry"
)

// ErrParked is the reason of a parked dead letter: an event not handled
// because an earlier event of its aggregate is a dead letter.
var ErrParked = errors.New("waits behind a dead letter of its aggregate")

// giveUp keeps ev as a dead letter after its last attempt failed with err,
// and moves the checkpoint past it.
func (e *Engine) giveUp(ctx context.Context, ev *herald.Event, attempts int, err error) error {
	e.cfg.Logger.LogAttrs(ctx, slog.LevelError, e.cfg.kind+": gives up on an event",
		slog.String("consumer", e.cfg.Name), slog.String("event", ev.FullName()),
		slog.String("id", ev.ID.String()), slog.Uint64("position", ev.Metadata.Position),
		slog.Int("attempts", attempts), slog.Any("error", err))
	if err := e.keep(ctx, ev, attempts, err, false); err != nil {
		return err
	}
	if _, err := e.apply(ctx, nil, ev.Metadata.Position); err != nil {
		return err
	}
	e.committed(ctx, ev.Metadata.Position)
	return nil
}

// keep saves a dead letter, parks its aggregate, and hands the letter to
// the application.
func (e *Engine) keep(ctx context.Context, ev *herald.Event, attempts int, err error, parked bool) error {
	d := herald.DeadLetter{Subscription: e.cfg.Name, Event: *ev, Attempts: attempts, Err: err, Parked: parked, At: time.Now()}
	if e.cfg.DeadLetters != nil {
		if err := e.cfg.DeadLetters.SaveDeadLetter(ctx, d); err != nil {
			return prefix.Errorf(e.cfg.kind, "%q: keep a dead letter: %w", e.cfg.Name, err)
		}
	}
	if e.cfg.Park {
		e.mu.Lock()
		e.parked[ev.Aggregate]++
		e.mu.Unlock()
	}
	retry.DeadLetter(ctx, e.cfg.OnDeadLetter, d, &e.deadN, e.cfg.Logger, e.cfg.kind,
		slog.String("consumer", e.cfg.Name), slog.String("id", ev.ID.String()))
	return nil
}

// parkWaiting keeps the events of parked aggregates as dead letters, and
// returns the others, in place.
func (e *Engine) parkWaiting(ctx context.Context, events []herald.Event) ([]herald.Event, error) {
	if !e.cfg.Park {
		return events, nil
	}
	e.mu.Lock()
	none := len(e.parked) == 0
	e.mu.Unlock()
	if none { // the common case: one lock per batch, not per event
		return events, nil
	}
	kept := events[:0]
	for i := range events {
		ev := &events[i]
		e.mu.Lock()
		parked := e.parked[ev.Aggregate] > 0
		e.mu.Unlock()
		if !parked {
			kept = append(kept, *ev)
			continue
		}
		if err := e.keep(ctx, ev, 0, ErrParked, true); err != nil {
			return nil, err
		}
	}
	return kept, nil
}

// loadParked counts the dead letters per aggregate, with Park.
func (e *Engine) loadParked(ctx context.Context) error {
	if !e.cfg.Park {
		return nil
	}
	parked := make(map[herald.AggregateRef]int)
	for d, err := range e.cfg.DeadLetters.DeadLetters(ctx, e.cfg.Name) {
		if err != nil {
			return prefix.Errorf(e.cfg.kind, "%q: load dead letters: %w", e.cfg.Name, err)
		}
		parked[d.Event.Aggregate]++
	}
	e.mu.Lock()
	e.parked = parked
	e.mu.Unlock()
	return nil
}

// DeadLetters lists the consumer's dead letters in the order of their
// events' positions. Without Config.DeadLetters it is an error matching
// [herald.ErrInvalid].
func (e *Engine) DeadLetters(ctx context.Context) ([]herald.DeadLetter, error) {
	if ctx == nil {
		return nil, e.nilContext("dead letters")
	}
	if e.cfg.DeadLetters == nil {
		return nil, e.invalid("dead letters: none are kept without Config.DeadLetters")
	}
	var all []herald.DeadLetter
	for d, err := range e.cfg.DeadLetters.DeadLetters(ctx, e.cfg.Name) {
		if err != nil {
			return nil, prefix.Errorf(e.cfg.kind, "%q: dead letters: %w", e.cfg.Name, err)
		}
		all = append(all, d)
	}
	return all, nil
}

// Replay hands the dead letter of the event id to the consumer again, once,
// whether it runs or not; with Park, then the letters parked behind it, in
// order. Each letter handled without an error is removed; at the first that
// fails, Replay keeps it with the new error and returns that error. A letter
// parked behind another is an error matching [herald.ErrInvalid], and an
// unknown id one matching [herald.ErrNotFound].
func (e *Engine) Replay(ctx context.Context, id uuid.UUID) error {
	if ctx == nil {
		return e.nilContext("replay")
	}
	letters, err := e.DeadLetters(ctx)
	if err != nil {
		return err
	}
	i, err := e.find(letters, id, "replay")
	if err != nil {
		return err
	}
	run := []herald.DeadLetter{letters[i]}
	if e.cfg.Park {
		for _, d := range letters[:i] {
			if d.Event.Aggregate == letters[i].Event.Aggregate {
				return e.invalid("replay %s: it waits behind the dead letter of %s", id, d.Event.ID)
			}
		}
		for _, d := range letters[i+1:] {
			if d.Event.Aggregate == letters[i].Event.Aggregate {
				run = append(run, d)
			}
		}
	}
	for _, d := range run {
		if err := e.replayOne(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// replayOne handles one dead letter, and removes it or keeps its new
// failure.
func (e *Engine) replayOne(ctx context.Context, d herald.DeadLetter) error {
	one := []herald.Event{d.Event}
	_, err := e.apply(ctx, one, 0)
	var he *HandlerError
	switch {
	case err == nil:
		e.applied.Add(1)
		return e.remove(ctx, d)
	case errors.As(err, &he):
		d.Attempts++
		d.Err, d.Parked, d.At = he.Err, false, time.Now()
		e.failedN.Add(1)
		e.noteError(he.Err)
		if err := e.cfg.DeadLetters.SaveDeadLetter(ctx, d); err != nil {
			return prefix.Errorf(e.cfg.kind, "%q: replay %s: %w", e.cfg.Name, d.Event.ID, err)
		}
		return prefix.Errorf(e.cfg.kind, "%q: replay %s: %w", e.cfg.Name, d.Event.ID, he.Err)
	default:
		return prefix.Errorf(e.cfg.kind, "%q: replay %s: %w", e.cfg.Name, d.Event.ID, err)
	}
}

// Discard removes the dead letter of the event id without handling it.
// With Park, the letters parked behind it stay parked: replay or discard
// them next. An unknown id is an error matching [herald.ErrNotFound].
func (e *Engine) Discard(ctx context.Context, id uuid.UUID) error {
	if ctx == nil {
		return e.nilContext("discard")
	}
	letters, err := e.DeadLetters(ctx)
	if err != nil {
		return err
	}
	i, err := e.find(letters, id, "discard")
	if err != nil {
		return err
	}
	return e.remove(ctx, letters[i])
}

func (e *Engine) find(letters []herald.DeadLetter, id uuid.UUID, op string) (int, error) {
	for i := range letters {
		if letters[i].Event.ID == id {
			return i, nil
		}
	}
	return 0, prefix.Errorf(e.cfg.kind, "%q: %s %s: no such dead letter: %w", e.cfg.Name, op, id, herald.ErrNotFound)
}

// remove deletes a dead letter and unparks its aggregate when it was the
// last of it.
func (e *Engine) remove(ctx context.Context, d herald.DeadLetter) error {
	if err := e.cfg.DeadLetters.DeleteDeadLetter(ctx, e.cfg.Name, d.Event.ID); err != nil {
		return prefix.Errorf(e.cfg.kind, "%q: remove the dead letter of %s: %w", e.cfg.Name, d.Event.ID, err)
	}
	if e.cfg.Park {
		e.mu.Lock()
		if n := e.parked[d.Event.Aggregate]; n <= 1 {
			delete(e.parked, d.Event.Aggregate)
		} else {
			e.parked[d.Event.Aggregate] = n - 1
		}
		e.mu.Unlock()
	}
	return nil
}
