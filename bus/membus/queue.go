package membus

import (
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/retry"
)

// errQueueClosed is what offering to a closed queue returns; Publish turns
// it into herald.ErrClosed or skips the subscription that was removed.
var errQueueClosed = errors.New("queue closed")

// lane is the bounded queue of one worker of a subscription, and that
// worker's counters. Publishers append under the mutex; the worker takes
// everything queued at once by swapping slices, so the cost of the mutex
// and of waking the worker is paid per batch, not per event.
type lane struct {
	mu     sync.Mutex
	items  []herald.Event
	limit  int
	closed bool
	// mark is len(items) when the offer holding mu began.
	mark int
	// dirty is the most events either of the two buffers held since the
	// last forget: how far forget must zero them.
	dirty int
	// room is closed when the worker takes the queued events; publishers
	// waiting for room wait on it. It is nil while nobody waits.
	room chan struct{}
	// ready holds a token when the worker may have events to take. A
	// publisher puts one there when the queue goes from empty to not
	// empty, and close puts one there.
	ready chan struct{}
	// accepted counts the events ever queued. It grows under mu, before
	// the worker can take what it counts; see counts.
	accepted atomic.Uint64

	// The worker's counters, apart from what publishers write.
	_ [64]byte
	counters
	// retry times the worker's retries, and causes makes its handlers'
	// contexts; only the worker uses them.
	retry  retry.Backoff
	causes driver.CauseContexts
	_      [64]byte
}

// counters are what a worker (or a Sync subscription) has done.
type counters struct {
	begun        atomic.Uint64 // events it began to handle
	delivered    atomic.Uint64
	failed       atomic.Uint64 // handler calls that failed
	retried      atomic.Uint64
	deadLettered atomic.Uint64
}

func newLane(limit int, r retry.Backoff) *lane {
	return &lane{limit: limit, ready: make(chan struct{}, 1), retry: r}
}

// laneOf returns the lane of e's aggregate among n: the same for every
// event of one aggregate id, spread evenly for random and time-ordered
// uuids alike.
func laneOf(e *herald.Event, n int) int {
	if n == 1 {
		return 0
	}
	id := &e.Aggregate.ID
	h := (binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])) * 0x9e3779b97f4a7c15
	return int((h >> 32) % uint64(n))
}

// offer appends the events of events[from:] that match, each to the lane
// of its aggregate, in order, until a lane is full. It returns the index
// of the first event it did not look at (len(events) when it looked at
// all) and, when it stopped at a full lane, a channel that is closed once
// that lane has room. It holds every lane's mutex while it appends, so
// that one pass over the events serves all lanes.
func (s *subscription) offer(events []herald.Event, from int) (next int, room <-chan struct{}, err error) {
	lanes := s.lanes
	if !lockAll(lanes) {
		return from, nil, errQueueClosed
	}
	n := len(lanes)
	next = from
	for ; next < len(events); next++ {
		e := &events[next]
		if !s.filter.Match(e) {
			continue
		}
		l := lanes[laneOf(e, n)]
		if len(l.items) >= l.limit {
			room = l.waitForRoom()
			break
		}
		l.items = append(l.items, *e)
	}
	unlockAll(lanes)
	return next, room, nil
}

// offerAll appends all the matching events or, when a lane lacks room for
// its share, none of them. It returns how many events matched.
func (s *subscription) offerAll(events []herald.Event) (matched int, full bool, err error) {
	lanes := s.lanes
	if !lockAll(lanes) {
		return 0, false, errQueueClosed
	}
	n := len(lanes)
	for _, l := range lanes {
		l.mark = 0
	}
	for i := range events {
		e := &events[i]
		if s.filter.Match(e) {
			lanes[laneOf(e, n)].mark++ // counts the lane's share for now
			matched++
		}
	}
	for _, l := range lanes {
		if len(l.items)+l.mark > l.limit {
			full = true
		}
		l.mark = len(l.items)
	}
	if !full && matched > 0 {
		for i := range events {
			e := &events[i]
			if s.filter.Match(e) {
				l := lanes[laneOf(e, n)]
				l.items = append(l.items, *e)
			}
		}
	}
	unlockAll(lanes)
	return matched, full, nil
}

// lockAll locks every lane in order and marks how full each is, or
// returns false, holding no lock, when they are closed.
func lockAll(lanes []*lane) bool {
	for i, l := range lanes {
		l.mu.Lock()
		if l.closed {
			for _, m := range lanes[:i+1] {
				m.mu.Unlock()
			}
			return false
		}
		l.mark = len(l.items)
	}
	return true
}

// unlockAll counts what each lane accepted since lockAll, unlocks it, and
// wakes its worker when it went from empty to not empty.
func unlockAll(lanes []*lane) {
	for _, l := range lanes {
		added := len(l.items) - l.mark
		wake := l.mark == 0 && added > 0
		if added > 0 {
			l.accepted.Add(uint64(added))
		}
		l.mu.Unlock()
		if wake {
			l.wake()
		}
	}
}

// waitForRoom returns the channel closed at the next take. l.mu is held.
func (l *lane) waitForRoom() <-chan struct{} {
	if l.room == nil {
		l.room = make(chan struct{})
	}
	return l.room
}

// take returns every queued event and leaves spare, emptied, as the
// lane's buffer, so the worker and the publishers trade two buffers back
// and forth instead of allocating. closed reports whether the lane is
// closed: once take returns no events and closed, no more will come.
func (l *lane) take(spare []herald.Event) (batch []herald.Event, closed bool) {
	l.mu.Lock()
	batch, l.items = l.items, spare[:0]
	l.dirty = max(l.dirty, len(batch))
	closed = l.closed
	if l.room != nil {
		close(l.room)
		l.room = nil
	}
	l.mu.Unlock()
	return batch, closed
}

// forget zeroes what the two buffers the worker and the publishers trade
// still hold of events handled already, so the memory they reference can
// be collected while the lane is idle: idle, the worker's spare and the
// lane's buffer past what publishers appended since, each as far as it was
// ever filled since the last forget (dirty), not its whole capacity. While
// the lane is busy, each take overwrites what the last one left, and
// zeroing every batch after it is handled would cost as much again.
func (l *lane) forget(spare []herald.Event) []herald.Event {
	l.mu.Lock()
	dirty := l.dirty
	l.dirty = 0
	if end := min(dirty, cap(l.items)); end > len(l.items) {
		clear(l.items[len(l.items):end])
	}
	l.mu.Unlock()
	clear(spare[:min(dirty, cap(spare))])
	return spare[:0]
}

// close refuses further events and wakes the worker and every waiting
// publisher. What is queued stays for the worker to take.
func (l *lane) close() {
	l.mu.Lock()
	l.closed = true
	if l.room != nil {
		close(l.room)
		l.room = nil
	}
	l.mu.Unlock()
	l.wake()
}

// wake puts a token in ready unless one is there already.
func (l *lane) wake() {
	select {
	case l.ready <- struct{}{}:
	default:
	}
}
