package membus

import (
	"context"
	"slices"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/match"
)

// Subscribe adds s. Its name must be non-empty and not taken, its Handler
// non-nil, its Events valid name patterns
// ([github.com/herald-go/herald/match.ParseNames]) and its Pattern, if any,
// a valid pattern ([github.com/herald-go/herald/match.ParsePattern]); otherwise the
// error matches herald.ErrInvalid, names what is wrong (the field, for a
// pattern), and nothing changes. An async subscription gets its lanes and
// their worker goroutines, which live until Unsubscribe or Close; a Sync
// one is handled inside Publish.
// After Close, Subscribe returns an error matching herald.ErrClosed.
func (b *Bus) Subscribe(s herald.Subscription) error {
	sub, err := b.compile(s)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return errorf("subscribe %q: %w", s.Name, herald.ErrClosed)
	}
	if b.find(s.Name) >= 0 {
		return errorf("subscribe %q: the name is taken: %w", s.Name, herald.ErrInvalid)
	}
	b.subs.Store(ptr(append(slices.Clone(*b.subs.Load()), sub)))
	for _, l := range sub.lanes {
		b.workers.add()
		go b.run(sub, l)
	}
	return nil
}

// compile checks s and builds its subscription.
func (b *Bus) compile(s herald.Subscription) (*subscription, error) {
	if s.Name == "" {
		return nil, errorf("subscribe: the name is empty: %w", herald.ErrInvalid)
	}
	if isNil(s.Handler) {
		return nil, errorf("subscribe %q: the handler is nil: %w", s.Name, herald.ErrInvalid)
	}
	f, err := match.NewFilter(s.Events, s.Pattern)
	if err != nil {
		return nil, errorf("subscribe %q: %w", s.Name, err)
	}
	sub := &subscription{name: s.Name, filter: f, handler: s.Handler, sync: s.Sync, stopping: make(chan struct{})}
	sub.base = driver.ContextWithConsumer(b.base, s.Name)
	if !s.Sync {
		limit := max(1, (b.queueSize+b.workersPer-1)/b.workersPer)
		sub.lanes = make([]*lane, b.workersPer)
		for i := range sub.lanes {
			sub.lanes[i] = newLane(limit, b.retry)
		}
		sub.running.Store(int32(b.workersPer))
		sub.done = make(chan struct{})
	}
	return sub, nil
}

// isNil reports whether h is nil or a nil HandlerFunc.
func isNil(h herald.Handler) bool {
	f, ok := h.(herald.HandlerFunc)
	return h == nil || (ok && f == nil)
}

// Unsubscribe removes the named subscription, whose name can be taken again
// at once: Publish stops queuing events for it, retries stop as on
// [Bus.Close], and Unsubscribe waits until its workers have handled what
// was queued. If ctx ends first, it returns an error wrapping ctx.Err();
// the subscription is removed all the same and its workers go on with the
// queue in the background, until it is empty or Close gives up. A Sync
// subscription is removed at once, though handler calls in Publish calls
// in progress may still finish. An unknown name is [herald.ErrNotFound];
// after Close, [herald.ErrClosed]; an empty name or a nil ctx is
// [herald.ErrInvalid], and nothing changes.
func (b *Bus) Unsubscribe(ctx context.Context, name string) error {
	switch {
	case ctx == nil:
		return errorf("unsubscribe %q: the context is nil: %w", name, herald.ErrInvalid)
	case name == "":
		return errorf("unsubscribe: the name is empty: %w", herald.ErrInvalid)
	}
	sub, err := b.remove(name)
	if err != nil {
		return err
	}
	sub.stop()
	if sub.sync {
		return nil
	}
	select {
	case <-sub.done:
		return nil
	case <-ctx.Done():
		return errorf("unsubscribe %q: %w", name, ctx.Err())
	}
}

// remove takes the named subscription out of the list.
func (b *Bus) remove(name string) (*subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil, errorf("unsubscribe %q: %w", name, herald.ErrClosed)
	}
	i := b.find(name)
	if i < 0 {
		return nil, errorf("unsubscribe %q: %w", name, herald.ErrNotFound)
	}
	subs := *b.subs.Load()
	b.subs.Store(ptr(slices.Delete(slices.Clone(subs), i, i+1)))
	return subs[i], nil
}

// find returns the index of the named subscription, or -1. b.mu is held.
func (b *Bus) find(name string) int {
	return slices.IndexFunc(*b.subs.Load(), func(s *subscription) bool { return s.name == name })
}

func ptr[T any](v T) *T { return &v }
