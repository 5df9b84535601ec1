package membus

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

// errAbandoned is the reason given to the dead-letter function for events
// still queued when Close stopped waiting for them.
var errAbandoned = errorf("close gave up before the event was handled: %w", herald.ErrClosed)

// subscription is one herald.Subscription on a bus, compiled. An async one
// has a lane (a queue and a worker goroutine) per worker; a Sync one has
// neither, and keeps its counters in syncCounts.
type subscription struct {
	name    string
	filter  match.Filter
	handler herald.Handler
	sync    bool
	// base is the bus's base context with the subscription's name as the
	// consumer (driver.ContextWithConsumer): handler calls derive from it.
	base context.Context

	lanes []*lane
	// running counts the workers that have not ended; done is closed when
	// the last one does (nil for Sync).
	running atomic.Int32
	done    chan struct{}
	// stopping is closed when the subscription is removed or the bus
	// closes: from then on failed events are not retried.
	stopping chan struct{}
	stopOnce sync.Once

	syncCounts counters

	lastMu    sync.Mutex
	lastErr   error
	lastErrAt time.Time
}

// stop ends retries and closes the lanes: workers end once they have
// handled what is queued.
func (s *subscription) stop() {
	s.stopOnce.Do(func() { close(s.stopping) })
	for _, l := range s.lanes {
		l.close()
	}
}

// stopped reports whether stop was called.
func (s *subscription) stopped() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

// noteError remembers err as the last error and when it happened.
func (s *subscription) noteError(err error) {
	now := time.Now()
	s.lastMu.Lock()
	s.lastErr, s.lastErrAt = err, now
	s.lastMu.Unlock()
}

// run is the worker of one lane: it takes everything queued at once and
// handles it in order, then, once the lane is empty, lets go of the events
// its buffers still hold and waits until the lane is not empty again. It
// ends once the lane is closed and empty, after Unsubscribe or Close; the
// bus counts it in workers until then.
func (b *Bus) run(s *subscription, l *lane) {
	defer b.workers.done()
	defer func() {
		if s.running.Add(-1) == 0 {
			close(s.done)
		}
	}()
	var batch []herald.Event
	for range l.ready {
		for {
			var closed bool
			batch, closed = l.take(batch)
			if len(batch) == 0 {
				if closed {
					return
				}
				batch = l.forget(batch)
				break
			}
			b.handleBatch(s, l, batch)
		}
	}
}

// handleBatch delivers batch in order. Once Close has given up waiting, the
// rest goes to the dead-letter function instead of the handler.
func (b *Bus) handleBatch(s *subscription, l *lane, batch []herald.Event) {
	for i := range batch {
		if b.aborted.Load() {
			b.abandon(s, l, batch[i:])
			return
		}
		e := &batch[i]
		b.deliver(l.causes.For(s.base, e), s, &l.retry, &l.counters, e)
	}
}

// abandon reports events that will never reach the handler.
func (b *Bus) abandon(s *subscription, l *lane, events []herald.Event) {
	for i := range events {
		e := &events[i]
		l.begun.Add(1)
		b.giveUp(herald.ContextWithCause(s.base, e), s, &l.counters, e, 0, errAbandoned)
	}
}
