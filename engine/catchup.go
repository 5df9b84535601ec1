package engine

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// readBatch is what the reader of a catch-up hands over: the wanted
// events and the position read up to.
type readBatch struct {
	events []herald.Event
	upTo   uint64
	err    error
}

// catchUp applies the events of the log after the position, up to the
// head as it is when the read begins. A reader goroutine reads and
// decodes the next batches while the current one is applied.
func (e *Engine) catchUp(ctx context.Context, h *runHandle) error {
	e.following.Store(false)
	e.live.Reset() // what it held, the read finds in the store
	rctx, cancel := context.WithCancel(ctx)
	batches := make(chan readBatch, 1)
	go e.read(rctx, e.position.Load(), batches)
	defer func() {
		cancel()
		for b := range batches {
			e.recycle(b.events)
		}
	}()
	for b := range batches {
		if b.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return prefix.Errorf(e.cfg.kind, "%q: read the log: %w", e.cfg.Name, b.err)
		}
		err := e.applyBatch(ctx, b.events, b.upTo)
		e.recycle(b.events)
		if err != nil {
			return err
		}
		if err := e.takeCommand(h); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// read reads the log after after and hands out batches of wanted events.
// It closes out when it is done or ctx ends.
func (e *Engine) read(ctx context.Context, after uint64, out chan<- readBatch) {
	defer close(out)
	events := e.buffer()
	upTo, scanned := after, 0
	send := func(b readBatch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			e.recycle(b.events)
			return false
		}
	}
	for ev, err := range e.cfg.Log.ReadLog(ctx, after) {
		if err != nil {
			e.recycle(events)
			send(readBatch{err: err})
			return
		}
		pos := ev.Metadata.Position
		if pos <= upTo {
			continue
		}
		upTo = pos
		scanned++
		// Appended first and taken back when unwanted: asking about &ev
		// would move every event to the heap.
		events = append(events, ev)
		if !e.c.Wants(&events[len(events)-1]) {
			events = events[:len(events)-1]
		}
		// A batch is full with e.cfg.BatchSize events, or after many events
		// passed: the checkpoint moves on past long runs of them.
		if len(events) >= e.cfg.BatchSize || scanned >= 16*e.cfg.BatchSize {
			if !send(readBatch{events: events, upTo: upTo}) {
				return
			}
			events, scanned = e.buffer(), 0
		}
	}
	if scanned > 0 {
		send(readBatch{events: events, upTo: upTo})
	} else {
		e.recycle(events)
	}
}

func (e *Engine) buffer() []herald.Event {
	select {
	case b := <-e.free:
		return b
	default:
		return make([]herald.Event, 0, min(e.cfg.BatchSize, 1<<16))
	}
}

func (e *Engine) recycle(b []herald.Event) {
	if b == nil {
		return
	}
	clear(b[:cap(b)])
	select {
	case e.free <- b[:0]:
	default:
	}
}
