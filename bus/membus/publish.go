package membus

import (
	"context"
	"errors"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
)

// errPublishClosed is what Publish returns once the bus is closed.
var errPublishClosed = fmt.Errorf("membus: publish: %w", herald.ErrClosed)

// errPublishNilContext is what Publish returns for a nil context.
var errPublishNilContext = fmt.Errorf("membus: publish: the context is nil: %w", herald.ErrInvalid)

// Publish hands events to every subscription whose filter matches them, one
// subscription after the other in the order they were added. Each async
// subscription gets copies of its matching events appended to its queue in
// order, each in the lane of its aggregate; a Sync subscription's handler
// is called for them right here, on the caller's goroutine, once each, and
// its failures go where an async handler's go (the log, the counters, the
// dead-letter function), not to the caller.
//
// When a queue is full, Publish waits until the worker takes what is
// queued; a batch larger than the queue goes in in parts. If ctx ends while
// it waits, Publish returns an error wrapping ctx.Err() naming the
// subscription: the subscriptions before it have all their events, that
// one has the events before the one that did not fit, and the ones after it
// have none. Those queued are delivered as usual. ctx is consulted only
// while Publish waits.
//
// On a bus built WithFailWhenFull, Publish never waits: a subscription
// whose queue lacks room for all of its matching events gets none of them,
// the others get theirs, and the error matches ErrQueueFull (a
// *QueueFullError per such subscription, joined).
//
// A nil ctx is an error matching herald.ErrInvalid, and nothing is
// delivered. Once the bus is closed Publish returns an error matching
// herald.ErrClosed.
// A Publish racing with Close may have queued its events for some
// subscriptions before the error; those are delivered. Events are copied
// when queued; the caller may reuse the slice once Publish returns.
func (b *Bus) Publish(ctx context.Context, events []herald.Event) error {
	if ctx == nil {
		return errPublishNilContext
	}
	if b.closed.Load() {
		return errPublishClosed
	}
	var full error
	for _, s := range *b.subs.Load() {
		err := b.publishTo(ctx, s, events)
		switch {
		case err == nil:
		case errors.Is(err, ErrQueueFull):
			full = errors.Join(full, err)
		case err != errQueueClosed:
			return err
		case b.closed.Load():
			return errPublishClosed
		}
		// errQueueClosed on an open bus: s was just unsubscribed; skip it.
	}
	return full
}

// publishTo hands events to one subscription.
func (b *Bus) publishTo(ctx context.Context, s *subscription, events []herald.Event) error {
	switch {
	case s.sync:
		b.handleSync(s, events)
		return nil
	case b.failIfFull:
		return b.offerAll(s, events)
	default:
		return b.offerWaiting(ctx, s, events)
	}
}

// offerWaiting queues the matching events, waiting for room as needed.
func (b *Bus) offerWaiting(ctx context.Context, s *subscription, events []herald.Event) error {
	for i := 0; i < len(events); {
		next, room, err := s.offer(events, i)
		if err != nil || room == nil {
			return err
		}
		select {
		case <-room:
		case <-ctx.Done():
			return fmt.Errorf("membus: publish: waiting for room in the queue of %q: %w", s.name, ctx.Err())
		}
		i = next
	}
	return nil
}

// offerAll queues all the matching events or, when they do not fit, none.
func (b *Bus) offerAll(s *subscription, events []herald.Event) error {
	n, full, err := s.offerAll(events)
	if full {
		return &QueueFullError{Subscription: s.name, QueueSize: b.queueSize, Events: n}
	}
	return err
}

// handleSync calls a Sync subscription's handler for each matching event.
func (b *Bus) handleSync(s *subscription, events []herald.Event) {
	var once retry.Backoff // Sync subscriptions are not retried
	for i := range events {
		e := &events[i]
		if s.filter.Match(e) {
			b.deliver(herald.ContextWithCause(s.base, e), s, &once, &s.syncCounts, e)
		}
	}
}
