package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/herald-go/herald/internal/prefix"
)

// command asks a running consumer to rebuild or to resume.
type command struct {
	rebuild bool
	reply   chan error
}

// errRestart makes the run loop start over: a rebuild was asked for.
var errRestart = errors.New("engine: restart")

// Rebuild is the Rebuild of projections: it hands the rebuild to Run when
// Run runs, else does it itself.
func (e *Engine) Rebuild(ctx context.Context) error {
	if ctx == nil {
		return e.nilContext("rebuild")
	}
	for {
		e.mu.Lock()
		h, alone, aloneDone := e.run, e.alone, e.aloneDone
		if h == nil && !alone {
			e.alone, e.aloneDone = true, make(chan struct{})
			e.mu.Unlock()
			return e.rebuildAlone(ctx)
		}
		e.mu.Unlock()
		if h == nil {
			// Another Rebuild works without Run: this one comes after.
			select {
			case <-aloneDone:
				continue
			case <-ctx.Done():
				return prefix.Errorf(e.cfg.kind, "%q: rebuild: %w", e.cfg.Name, ctx.Err())
			}
		}
		c := command{rebuild: true, reply: make(chan error, 1)}
		select {
		case h.cmds <- c:
		case <-h.done:
			continue // Run ended: rebuild without it
		case <-ctx.Done():
			return prefix.Errorf(e.cfg.kind, "%q: rebuild: %w", e.cfg.Name, ctx.Err())
		}
		select {
		case err := <-c.reply:
			return err
		case <-ctx.Done():
			return prefix.Errorf(e.cfg.kind, "%q: rebuild: stopped waiting, the rebuild goes on: %w", e.cfg.Name, ctx.Err())
		}
	}
}

// Resume is the Resume of projections and flows.
func (e *Engine) Resume(ctx context.Context) error {
	if ctx == nil {
		return e.nilContext("resume")
	}
	e.mu.Lock()
	h := e.run
	if h == nil {
		e.failure = nil
		e.mu.Unlock()
		e.notify()
		return nil
	}
	e.mu.Unlock()
	c := command{reply: make(chan error, 1)}
	select {
	case h.cmds <- c:
	case <-h.done:
		return e.Resume(ctx)
	case <-ctx.Done():
		return prefix.Errorf(e.cfg.kind, "%q: resume: %w", e.cfg.Name, ctx.Err())
	}
	select {
	case err := <-c.reply:
		return err
	case <-ctx.Done():
		return prefix.Errorf(e.cfg.kind, "%q: resume: %w", e.cfg.Name, ctx.Err())
	}
}

// rebuildAlone resets the model and replays the log without Run.
func (e *Engine) rebuildAlone(ctx context.Context) error {
	defer e.end(nil)
	if err := e.load(ctx); err != nil {
		return err
	}
	reply := make(chan error, 1)
	e.mu.Lock()
	e.waiters = append(e.waiters, reply)
	e.mu.Unlock()
	defer e.flush(context.WithoutCancel(ctx))
	if err := e.reset(ctx); err != nil {
		return err
	}
	for {
		err := e.catchUp(ctx, nil)
		select {
		case err := <-reply:
			return err
		default:
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return prefix.Errorf(e.cfg.kind, "%q: rebuild: %w", e.cfg.Name, ctx.Err())
		}
	}
}

// reset clears the model for a rebuild and sets its target: the log's
// head now.
func (e *Engine) reset(ctx context.Context) error {
	stats, err := e.cfg.Log.Stats(ctx)
	if err == nil {
		err = e.resetConsumer(ctx)
	}
	if err != nil {
		err = prefix.Errorf(e.cfg.kind, "%q: rebuild: %w", e.cfg.Name, err)
		e.answer(err)
		return err
	}
	e.pendingReset = false
	e.position.Store(0)
	e.saved.Store(0)
	now := time.Now()
	e.mu.Lock()
	e.failure = nil
	e.rebuild = rebuildState{target: stats.Head, began: now}
	e.mu.Unlock()
	e.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, e.cfg.kind+": rebuild begins",
		slog.String("consumer", e.cfg.Name), slog.Uint64("total", stats.Head))
	e.report(ctx, true)
	e.progressed(ctx, 0)
	return nil
}

// answer replies to the Rebuild calls waiting.
func (e *Engine) answer(err error) {
	e.mu.Lock()
	waiters := e.waiters
	e.waiters = nil
	e.mu.Unlock()
	for _, w := range waiters {
		w <- err
	}
}

// command carries out a command Run took.
func (e *Engine) command(c command) error {
	if !c.rebuild {
		e.mu.Lock()
		e.failure = nil
		e.mu.Unlock()
		e.notify()
		c.reply <- nil
		return nil
	}
	e.mu.Lock()
	e.waiters = append(e.waiters, c.reply)
	e.mu.Unlock()
	e.pendingReset = true
	return errRestart
}

// await waits, in the failed state, for a command or the end of ctx.
func (e *Engine) await(ctx context.Context, h *runHandle) {
	select {
	case c := <-h.cmds:
		_ = e.command(c)
	case <-ctx.Done():
	}
}

// takeCommand takes a command when one waits; errRestart means start over.
func (e *Engine) takeCommand(h *runHandle) error {
	if h == nil {
		return nil
	}
	select {
	case c := <-h.cmds:
		return e.command(c)
	default:
		return nil
	}
}
