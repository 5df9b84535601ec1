package engine

import (
	"context"
	"time"

	"github.com/herald-go/herald/internal/prefix"
)

// Wait returns nil once the consumer has handled (or passed) every event
// up to position, such as the position of an event just published; the
// [*FailedError] when it stops on an event first; the error Run ended
// with when the log was closed; an error wrapping ctx.Err() when ctx ends
// first.
func (e *Engine) Wait(ctx context.Context, position uint64) error {
	if ctx == nil {
		return e.nilContext("wait")
	}
	for {
		e.mu.Lock()
		changed, failure, stopErr := e.changed, e.failure, e.stopErr
		e.mu.Unlock()
		if e.position.Load() >= position {
			return nil
		}
		if failure != nil {
			return prefix.Wrap(e.cfg.kind, failure)
		}
		if stopErr != nil {
			return stopErr
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return prefix.Errorf(e.cfg.kind, "%q: wait: %w", e.cfg.Name, ctx.Err())
		}
	}
}

// Status describes the consumer now: its position, the log's head and
// the lag, its state, its counters and its last error. It asks the log for
// the head.
func (e *Engine) Status(ctx context.Context) (Status, error) {
	if ctx == nil {
		return Status{}, e.nilContext("status")
	}
	stats, err := e.cfg.Log.Stats(ctx)
	if err != nil {
		return Status{}, prefix.Errorf(e.cfg.kind, "%q: status: %w", e.cfg.Name, err)
	}
	now := time.Now()
	e.mu.Lock()
	s := Status{
		Name: e.cfg.Name, Position: e.position.Load(), Checkpoint: e.saved.Load(), Head: stats.Head,
		Delivered: e.applied.Load(), Failed: e.failedN.Load(), Retried: e.retried.Load(), DeadLettered: e.deadN.Load(),
		LastError: e.lastErr, LastErrorAt: e.lastErrAt, Progress: e.progressLocked(now),
	}
	if e.failure != nil {
		s.Failure = e.failure
	}
	s.State = e.stateLocked(s.Progress != nil)
	e.mu.Unlock()
	if s.Head > s.Position {
		s.Lag = s.Head - s.Position
	}
	return s, nil
}

func (e *Engine) stateLocked(rebuilding bool) State {
	switch {
	case e.failure != nil:
		return Failed
	case e.run == nil && !e.alone:
		return Stopped
	case rebuilding:
		return Rebuilding
	case e.waiting.Load():
		return Standby
	case e.following.Load():
		return Live
	}
	return CatchingUp
}
