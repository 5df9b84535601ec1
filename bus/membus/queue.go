package membus

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald"
)

// errQueueClosed is what offering to a closed queue returns; Publish turns
// it into herald.ErrClosed or skips the subscription that was removed.
var errQueueClosed = errors.New("membus: queue closed")

// queue is one subscription's bounded queue of events waiting for its
// worker. Publishers append under the mutex; the worker takes everything
// queued at once by swapping slices, so the cost of the mutex and of waking
// the worker is paid per batch, not per event.
type queue struct {
	mu     sync.Mutex
	items  []herald.Event
	limit  int
	closed bool
	// room is closed when the worker takes the queued events; publishers
	// waiting for room wait on it. It is nil while nobody waits.
	room chan struct{}
	// ready holds a token when the worker may have events to take. A
	// publisher puts one there when the queue goes from empty to not
	// empty, and close puts one there.
	ready chan struct{}
	// accepted counts the events ever queued. It grows under mu, before
	// the worker can take what it counts; see subscription.pending.
	accepted atomic.Uint64
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, ready: make(chan struct{}, 1)}
}

// offer appends the events of events[from:] that match, in order, until the
// queue is full. It returns the index of the first event it did not look
// at (len(events) when it looked at all) and, when it stopped because the
// queue is full, a channel that is closed once there is room.
func (q *queue) offer(events []herald.Event, from int, m *herald.NameMatcher) (next int, room <-chan struct{}, err error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return from, nil, errQueueClosed
	}
	before := len(q.items)
	next = from
	for ; next < len(events); next++ {
		e := &events[next]
		if !m.Match(e) {
			continue
		}
		if len(q.items) >= q.limit {
			room = q.waitForRoom()
			break
		}
		q.items = append(q.items, *e)
	}
	q.accepted.Add(uint64(len(q.items) - before))
	wake := before == 0 && len(q.items) > 0
	q.mu.Unlock()
	if wake {
		q.wake()
	}
	return next, room, nil
}

// offerAll appends the n events of events that match, or none of them when
// there is no room for all n.
func (q *queue) offerAll(events []herald.Event, n int, m *herald.NameMatcher) (full bool, err error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false, errQueueClosed
	}
	if len(q.items)+n > q.limit {
		q.mu.Unlock()
		return true, nil
	}
	wasEmpty := len(q.items) == 0
	for i := range events {
		if m.Match(&events[i]) {
			q.items = append(q.items, events[i])
		}
	}
	q.accepted.Add(uint64(n))
	q.mu.Unlock()
	if wasEmpty && n > 0 {
		q.wake()
	}
	return false, nil
}

// waitForRoom returns the channel closed at the next take. q.mu is held.
func (q *queue) waitForRoom() <-chan struct{} {
	if q.room == nil {
		q.room = make(chan struct{})
	}
	return q.room
}

// take returns every queued event and leaves spare, emptied, as the
// queue's buffer, so the worker and the publishers trade two buffers back
// and forth instead of allocating. closed reports whether the queue is
// closed: once take returns no events and closed, no more will come.
func (q *queue) take(spare []herald.Event) (batch []herald.Event, closed bool) {
	q.mu.Lock()
	batch, q.items = q.items, spare[:0]
	closed = q.closed
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	q.mu.Unlock()
	return batch, closed
}

// close refuses further events and wakes the worker and every waiting
// publisher. What is queued stays for the worker to take.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	q.mu.Unlock()
	q.wake()
}

// wake puts a token in ready unless one is there already.
func (q *queue) wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}
