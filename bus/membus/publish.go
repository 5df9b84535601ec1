package membus

import (
	"context"
	"errors"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
)

// errPublishClosed is what Publish returns once the bus is closed.
var errPublishClosed = errorf("publish: %w", herald.ErrClosed)

// errPublishNilContext is what Publish returns for a nil context.
var errPublishNilContext = errorf("publish: the context is nil: %w", herald.ErrInvalid)

// Publish hands events to every subscription whose filter matches them:
// each async subscription gets copies queued in order, in the lane of
// their aggregate, and a Sync one handles them right here; handler
// failures go to the log, the counters and the dead-letter function, never
// to the caller. A full queue makes Publish wait (or, built
// [WithFailWhenFull], refuse with [ErrQueueFull]); if ctx ends while it
// waits, the error wraps ctx.Err() and names the subscription, and the
// subscriptions before it, served in the order they were added, have all
// their events. ctx is consulted only while Publish waits: what was queued
// stays queued and is delivered. A nil ctx is an error matching
// [herald.ErrInvalid]; a closed bus, [herald.ErrClosed]. The caller may
// reuse events once Publish returns.
func (b *Bus) Publish(ctx context.Context, events []herald.Event) error {
	// Subscriptions are served one after the other in the order they were
	// added. A batch larger than a queue goes in in parts, so a ctx that
	// ends leaves the failing subscription with the events before the one
	// that did not fit, and the later subscriptions with none; ctx is
	// consulted only while waiting. With WithFailWhenFull a subscription
	// without room for all its events gets none (a *QueueFullError each,
	// joined). A Publish racing with Close may have queued events for some
	// subscriptions before it fails; those are delivered.
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
	if full != nil {
		return errorf("publish: %w", full)
	}
	return nil
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
			return errorf("publish: waiting for room in the queue of %q: %w", s.name, ctx.Err())
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
