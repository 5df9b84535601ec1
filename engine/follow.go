package engine

import (
	"context"
	"time"

	"github.com/herald-go/herald"
)

// follow applies the events the bus brings while they come in position
// order. It returns nil when it must catch up from the store: the buffer
// overflowed, an event is missing, or the poll interval passed.
func (e *Engine) follow(ctx context.Context, h *runHandle) error {
	var tick <-chan time.Time
	if e.cfg.PollInterval > 0 {
		t := time.NewTimer(e.cfg.PollInterval)
		defer t.Stop()
		tick = t.C
	}
	e.following.Store(true)
	defer e.following.Store(false)
	e.notify()
	var batch, wanted []herald.Event
	for {
		var overflow bool
		batch, overflow = e.live.take(batch)
		if overflow {
			return nil
		}
		if len(batch) > 0 {
			gap, err := e.applyLive(ctx, batch, &wanted)
			clear(batch)
			if err != nil || gap {
				return err
			}
			if err := e.takeCommand(h); err != nil {
				return err
			}
			continue
		}
		select {
		case <-e.live.Ready():
		case <-tick:
			return nil
		case c := <-h.cmds:
			if err := e.command(c); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// applyLive applies the events of batch that follow the position without
// a gap, and reports whether there was one.
func (e *Engine) applyLive(ctx context.Context, batch []herald.Event, wanted *[]herald.Event) (gap bool, err error) {
	upTo := e.position.Load()
	all := (*wanted)[:0]
	defer func() { clear(all); *wanted = all[:0] }()
	for i := range batch {
		ev := &batch[i]
		pos := ev.Metadata.Position
		if pos <= upTo {
			continue // read from the store already
		}
		if pos != upTo+1 {
			gap = true // the store has what is missing
			break
		}
		upTo = pos
		if e.c.Wants(ev) {
			all = append(all, *ev)
		}
	}
	events := all
	for len(events) > e.cfg.BatchSize {
		chunk := events[:e.cfg.BatchSize]
		if err := e.applyBatch(ctx, chunk, chunk[len(chunk)-1].Metadata.Position); err != nil {
			return gap, err
		}
		events = events[e.cfg.BatchSize:]
	}
	return gap, e.applyBatch(ctx, events, upTo)
}
