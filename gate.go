package herald

import (
	"sync"
	"sync/atomic"
)

// gate counts the calls under way on something that closes, refuses new
// ones once it is closed, and tells when the last one has ended.
type gate struct {
	closed   atomic.Bool
	inflight atomic.Int64
	once     sync.Once
	drained  chan struct{} // closed once the gate is closed and no call is under way
}

func newGate() gate { return gate{drained: make(chan struct{})} }

// enter counts a call in, and reports false, counting nothing, once the
// gate is closed.
func (g *gate) enter() bool {
	g.inflight.Add(1)
	if g.closed.Load() {
		g.leave()
		return false
	}
	return true
}

// leave counts a call out.
func (g *gate) leave() {
	if g.inflight.Add(-1) == 0 && g.closed.Load() {
		g.drain()
	}
}

// close closes the gate and returns a channel that is closed once no call
// is under way.
func (g *gate) close() <-chan struct{} {
	g.closed.Store(true)
	if g.inflight.Load() == 0 {
		g.drain()
	}
	return g.drained
}

func (g *gate) drain() { g.once.Do(func() { close(g.drained) }) }
