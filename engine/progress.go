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
		if time.Since(r.lastReport) >= e.ProgressInterval {
			e.report(ctx, false)
		}
		return
	}
	e.report(ctx, true)
	e.mu.Lock()
	e.rebuild = rebuildState{}
	e.mu.Unlock()
	e.Logger.LogAttrs(ctx, slog.LevelInfo, e.kind+": rebuild done",
		slog.String("consumer", e.Name), slog.Uint64("events", r.target),
		slog.Duration("elapsed", time.Since(r.began)))
	e.answer(nil)
}

// report hands the progress to the callback and the logger.
func (e *Engine) report(ctx context.Context, force bool) {
	now := time.Now()
	e.mu.Lock()
	if e.rebuild.began.IsZero() || (!force && now.Sub(e.rebuild.lastReport) < e.ProgressInterval) {
		e.mu.Unlock()
		return
	}
	e.rebuild.lastReport = now
	p := e.progressLocked(now)
	e.mu.Unlock()
	e.Logger.LogAttrs(ctx, slog.LevelInfo, e.kind+": rebuilding",
		slog.String("consumer", e.Name), slog.Uint64("done", p.Done), slog.Uint64("total", p.Total),
		slog.Float64("rate", p.Rate), slog.Duration("remaining", p.Remaining))
	if e.Progress != nil {
		e.callProgress(ctx, *p)
	}
}

func (e *Engine) progressLocked(now time.Time) *Progress {
	r := e.rebuild
	if r.began.IsZero() {
		return nil
	}
	p := &Progress{Name: e.Name, Done: min(e.position.Load(), r.target), Total: r.target, Elapsed: now.Sub(r.began)}
	if secs := p.Elapsed.Seconds(); secs > 0 {
		p.Rate = float64(p.Done) / secs
	}
	if p.Rate > 0 && p.Done < p.Total {
		p.Remaining = time.Duration(float64(p.Total-p.Done) / p.Rate * float64(time.Second))
	}
	return p
}

func (e *Engine) callProgress(ctx context.Context, p Progress) {
	defer func() {
		if r := recover(); r != nil {
			e.Logger.LogAttrs(ctx, slog.LevelError, e.kind+": progress callback panicked",
				slog.String("consumer", p.Name), slog.Any("panic", r))
		}
	}()
	e.Progress(p)
}
