package engine

import (
	"context"
	"log/slog"
	"time"
)

// rebuildState is the progress of a rebuild under way; target is 0 when
// there is none.
type rebuildState struct {
	target     uint64
	began      time.Time
	lastReport time.Time
}

// progressed reports a rebuild's progress and ends it at its target.
func (e *Engine) progressed(ctx context.Context, pos uint64) {
	e.mu.Lock()
	r := e.rebuild
	e.mu.Unlock()
	if r.began.IsZero() {
		return
	}
	if pos < r.target {
		if time.Since(r.lastReport) >= e.cfg.ProgressInterval {
			e.report(ctx, false)
		}
		return
	}
	e.report(ctx, true)
	e.mu.Lock()
	e.rebuild = rebuildState{}
	e.mu.Unlock()
	e.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, e.cfg.kind+": rebuild done",
		slog.String("consumer", e.cfg.Name), slog.Uint64("events", r.target),
		slog.Duration("elapsed", time.Since(r.began)))
	e.answer(nil)
}

// report hands the progress to the callback and the logger.
func (e *Engine) report(ctx context.Context, force bool) {
	now := time.Now()
	e.mu.Lock()
	if e.rebuild.began.IsZero() || (!force && now.Sub(e.rebuild.lastReport) < e.cfg.ProgressInterval) {
		e.mu.Unlock()
		return
	}
	e.rebuild.lastReport = now
	p := e.progressLocked(now)
	e.mu.Unlock()
	e.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, e.cfg.kind+": rebuilding",
		slog.String("consumer", e.cfg.Name), slog.Uint64("done", p.Done), slog.Uint64("total", p.Total),
		slog.Float64("rate", p.Rate), slog.Duration("remaining", p.Remaining))
	if e.cfg.Progress != nil {
		e.callProgress(ctx, *p)
	}
}

func (e *Engine) progressLocked(now time.Time) *Progress {
	r := e.rebuild
	if r.began.IsZero() {
		return nil
	}
	p := NewProgress(e.cfg.Name, min(e.position.Load(), r.target), r.target, now.Sub(r.began))
	return &p
}

// NewProgress returns the progress of the rebuild of the consumer name:
// done positions of total replayed in elapsed, with the rate and the time
// left at that rate worked out.
func NewProgress(name string, done, total uint64, elapsed time.Duration) Progress {
	p := Progress{Name: name, Done: done, Total: total, Elapsed: elapsed}
	if secs := elapsed.Seconds(); secs > 0 {
		p.Rate = float64(done) / secs
	}
	if p.Rate > 0 && done < total {
		p.Remaining = time.Duration(float64(total-done) / p.Rate * float64(time.Second))
	}
	return p
}

func (e *Engine) callProgress(ctx context.Context, p Progress) {
	defer func() {
		if r := recover(); r != nil {
			e.cfg.Logger.LogAttrs(ctx, slog.LevelError, e.cfg.kind+": progress callback panicked",
				slog.String("consumer", p.Name), slog.Any("panic", r))
		}
	}()
	e.cfg.Progress(p)
}
