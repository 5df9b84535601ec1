package membus

import (
	"fmt"
	"sync/atomic"

	"github.com/herald-go/herald"
)

// errAbandoned is the reason given to the dead-letter function for events
// still queued when Close stopped waiting for them.
var errAbandoned = fmt.Errorf("membus: close gave up before the event was handled: %w", herald.ErrClosed)

// subscription is one herald.Subscription on a bus, compiled. An async one
// has a queue and a worker goroutine; a Sync one has neither.
type subscription struct {
	name    string
	match   herald.NameMatcher
	handler herald.Handler
	sync    bool

	q *queue
	// done is closed when the worker has ended (nil for Sync).
	done chan struct{}

	// started counts the events a Sync subscription began to handle.
	started   atomic.Uint64
	delivered atomic.Uint64
	failed    atomic.Uint64
}

// run is the worker of an async subscription: it takes everything queued
// at once and handles it in order, then waits until the queue is not empty
// again. It ends once the queue is closed and empty, after Unsubscribe or
// Close; the bus counts it in workers until then.
func (b *Bus) run(s *subscription) {
	defer b.workers.done()
	defer close(s.done)
	var batch []herald.Event
	for range s.q.ready {
		for {
			var closed bool
			batch, closed = s.q.take(batch)
			if len(batch) == 0 {
				if closed {
					return
				}
				break
			}
			b.handleBatch(s, batch)
			clear(batch)
		}
	}
}

// handleBatch delivers batch in order. Once Close has given up waiting, the
// rest goes to the dead-letter function instead of the handler.
func (b *Bus) handleBatch(s *subscription, batch []herald.Event) {
	for i := range batch {
		if b.aborted.Load() {
			b.abandon(s, batch[i:])
			return
		}
		b.deliver(s, &batch[i])
	}
}

// abandon reports events that will never reach the handler.
func (b *Bus) abandon(s *subscription, events []herald.Event) {
	for i := range events {
		e := &events[i]
		b.failed(herald.WithCause(b.base, e), s, e, 0, errAbandoned)
	}
}

// pending is how many events s has accepted and not yet handled.
func (s *subscription) pending() uint64 {
	done := s.delivered.Load() + s.failed.Load()
	var accepted uint64
	if s.sync {
		accepted = s.started.Load()
	} else {
		accepted = s.q.accepted.Load()
	}
	return accepted - done
}
