package membus

import (
	"context"
	"sync"
)

// workers counts the worker goroutines of a bus, like a sync.WaitGroup
// whose Wait gives up when a context ends, without a goroutine of its own.
type workers struct {
	mu sync.Mutex
	n  int
	// idle is closed when n drops to 0; nil while nobody waits.
	idle chan struct{}
}

// add counts one more worker. Bus.mu is held, and the bus is open, so add
// never races with wait.
func (w *workers) add() {
	w.mu.Lock()
	w.n++
	w.mu.Unlock()
}

// done counts one worker less.
func (w *workers) done() {
	w.mu.Lock()
	w.n--
	if w.n == 0 && w.idle != nil {
		close(w.idle)
		w.idle = nil
	}
	w.mu.Unlock()
}

// wait returns nil once no worker is left, or ctx.Err() when ctx ends first.
func (w *workers) wait(ctx context.Context) error {
	w.mu.Lock()
	if w.n == 0 {
		w.mu.Unlock()
		return nil
	}
	if w.idle == nil {
		w.idle = make(chan struct{})
	}
	idle := w.idle
	w.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
