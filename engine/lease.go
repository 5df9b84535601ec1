package engine

import (
	"context"
	"sync"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Lease lets one holder at a time run the consumer of a name, among the
// processes (or the engines of one process) that share it: a store shared
// by several machines offers one that spans them.
type Lease interface {
	// Acquire blocks until the caller holds the lease of name, or ctx
	// ends. The context it returns ends when the lease is lost (or ctx
	// ends); release gives the lease up, and may be called more than once.
	Acquire(ctx context.Context, name string) (held context.Context, release func(), err error)
}

// LocalLease is a [Lease] within one process. Its zero value is ready to
// use; it is safe for concurrent use.
type LocalLease struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
}

// Acquire waits until no other holder has the lease of name.
func (l *LocalLease) Acquire(ctx context.Context, name string) (context.Context, func(), error) {
	if ctx == nil {
		return nil, nil, prefix.Errorf("engine", "%q: acquire the lease: the context is nil: %w", name, herald.ErrInvalid)
	}
	slot := l.slot(name)
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, prefix.Errorf("engine", "%q: acquire the lease: %w", name, ctx.Err())
	}
	held, cancel := context.WithCancel(ctx)
	var once sync.Once
	return held, func() { once.Do(func() { cancel(); <-slot }) }, nil
}

func (l *LocalLease) slot(name string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.slots == nil {
		l.slots = make(map[string]chan struct{})
	}
	s, ok := l.slots[name]
	if !ok {
		s = make(chan struct{}, 1)
		l.slots[name] = s
	}
	return s
}
