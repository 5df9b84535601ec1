package projection

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/prefix"
)

// standbySuffix names the checkpoint of a projection's standby model.
const standbySuffix = "#standby"

// asideRebuild is how far a rebuild beside the answering model is.
type asideRebuild struct {
	name  string
	began time.Time
	done  atomic.Uint64
	total atomic.Uint64
}

func (a *asideRebuild) progress() *engine.Progress {
	p := engine.NewProgress(a.name, a.done.Load(), a.total.Load(), time.Since(a.began))
	return &p
}

// rebuildAside rebuilds the model that does not answer while the other
// goes on, then switches the two in one step: it clears the standby,
// replays the log into it up to what the answering model reflects, again
// while that moves on, and, between two batches of the answering one,
// replays the last few events and gives the rebuilt model the next
// generation.
func (p *Projection[X]) rebuildAside(ctx context.Context) error {
	if ctx == nil {
		return invalid(p.name, "rebuild: the context is nil")
	}
	a := &asideRebuild{name: p.name, began: time.Now()}
	if !p.aside.CompareAndSwap(nil, a) {
		return invalid(p.name, "rebuild: a rebuild is under way")
	}
	defer p.aside.Store(nil)
	var next *slot[X]
	err := p.e.Exclusive(func() error {
		if !p.loaded {
			if _, _, err := p.start(ctx); err != nil {
				return err
			}
		}
		next = p.slots[1-p.cur.Load()]
		next.gen = 0 // below the answering one's until the switch
		return p.resetSlot(ctx, next)
	})
	if err != nil {
		return prefix.Errorf("projection", "%q: rebuild: %w", p.name, err)
	}
	p.report(a)
	var pos uint64
	for {
		target := p.applied.Load()
		a.total.Store(target)
		if pos, err = p.replayInto(ctx, next, pos, target, a); err != nil {
			return err
		}
		if target-pos < uint64(p.batch) || p.applied.Load()-pos < uint64(p.batch) {
			break
		}
	}
	err = p.e.Exclusive(func() error {
		target := p.applied.Load()
		a.total.Store(target)
		if pos, err = p.replayInto(ctx, next, pos, target, a); err != nil {
			return err
		}
		cur := p.active()
		next.gen = cur.gen + 1
		if _, err := p.applyTo(ctx, next, nil, pos); err != nil {
			return err
		}
		p.cur.Store(1 - p.cur.Load())
		return nil
	})
	if err != nil {
		return prefix.Errorf("projection", "%q: rebuild: %w", p.name, err)
	}
	p.report(a)
	return nil
}

// replayInto applies the events of the log after from, up to to, to the
// model of s in batches, and returns the position it reached. A handler's
// failure is an error naming the event.
func (p *Projection[X]) replayInto(ctx context.Context, s *slot[X], from, to uint64, a *asideRebuild) (uint64, error) {
	if to <= from {
		return from, nil
	}
	batch := make([]herald.Event, 0, min(p.batch, 1<<12))
	last := from
	flush := func() error {
		n, err := p.applyTo(ctx, s, batch, last)
		if err != nil {
			if n < len(batch) {
				ev := &batch[n]
				return prefix.Errorf("projection", "%q: rebuild: %s (id %s) at position %d: %w",
					p.name, ev.FullName(), ev.ID, ev.Metadata.Position, err)
			}
			return prefix.Errorf("projection", "%q: rebuild: %w", p.name, err)
		}
		clear(batch)
		batch = batch[:0]
		a.done.Store(last)
		return nil
	}
	for ev, err := range p.store.ReadLog(ctx, from) {
		if err != nil {
			return last, prefix.Errorf("projection", "%q: rebuild: read the log: %w", p.name, err)
		}
		pos := ev.Metadata.Position
		if pos > to {
			break
		}
		if pos <= last {
			continue
		}
		if p.wants(&ev) {
			batch = append(batch, ev)
		}
		last = pos
		if len(batch) >= p.batch {
			if err := flush(); err != nil {
				return from, err
			}
		}
	}
	if err := flush(); err != nil {
		return from, err
	}
	return last, nil
}

// report hands a rebuild's progress to the Progress callback.
func (p *Projection[X]) report(a *asideRebuild) {
	if p.progress == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			p.logger.LogAttrs(context.Background(), slog.LevelError, "projection: progress callback panicked",
				slog.String("projection", p.name), slog.Any("panic", r))
		}
	}()
	p.progress(*a.progress())
}
