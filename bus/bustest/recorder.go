package bustest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/herald-go/herald"
)

// recorder is a handler that keeps what it receives, for a case to wait on
// and inspect.
type recorder struct {
	mu      sync.Mutex
	events  []herald.Event
	changed chan struct{} // closed and replaced on every event
	// fn, when set, runs after the event is recorded; its result is the
	// handler's.
	fn func(ctx context.Context, e herald.Event) error
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

// Handle records e, then runs fn.
func (r *recorder) Handle(ctx context.Context, e herald.Event) error {
	r.mu.Lock()
	r.events = append(r.events, e)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, e)
	}
	return nil
}

// received returns a copy of what was recorded so far.
func (r *recorder) received() []herald.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]herald.Event(nil), r.events...)
}

// waitUntil waits until ok holds for what was recorded, and returns that,
// failing the case after timeout.
func (r *recorder) waitUntil(t *testing.T, what string, ok func(events []herald.Event) bool) []herald.Event {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		events, changed := r.events, r.changed
		done := ok(events)
		r.mu.Unlock()
		if done {
			return append([]herald.Event(nil), events...)
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%s: not within %v; received %d events", what, timeout, len(events))
		}
	}
}

// waitFence waits until a fence was recorded and returns everything before
// the last one.
func (r *recorder) waitFence(t *testing.T, name string) []herald.Event {
	t.Helper()
	events := r.waitUntil(t, name+" receives the fence", func(events []herald.Event) bool {
		return len(events) > 0 && isFence(&events[len(events)-1])
	})
	return events[:len(events)-1]
}

// waitCount waits until at least n events were recorded.
func (r *recorder) waitCount(t *testing.T, name string, n int) []herald.Event {
	t.Helper()
	return r.waitUntil(t, name+" receives all events", func(events []herald.Event) bool {
		return len(events) >= n
	})
}

// letters collects dead letters, for a case to wait on and inspect.
type letters struct {
	mu      sync.Mutex
	list    []herald.DeadLetter
	changed chan struct{}
}

func newLetters() *letters { return &letters{changed: make(chan struct{})} }

// add is the dead-letter function a case puts in its Config.
func (l *letters) add(_ context.Context, d herald.DeadLetter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, d)
	close(l.changed)
	l.changed = make(chan struct{})
}

// received returns a copy of the dead letters so far.
func (l *letters) received() []herald.DeadLetter {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]herald.DeadLetter(nil), l.list...)
}

// waitCount waits until at least n dead letters came and returns them,
// failing the case after timeout.
func (l *letters) waitCount(t *testing.T, n int) []herald.DeadLetter {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		list, changed := l.list, l.changed
		l.mu.Unlock()
		if len(list) >= n {
			return append([]herald.DeadLetter(nil), list...)
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%d dead letters: not within %v; received %d", n, timeout, len(list))
		}
	}
}
