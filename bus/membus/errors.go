package membus

import (
	"errors"
	"fmt"
)

// ErrQueueFull is returned by Publish on a bus built WithFailWhenFull when a
// subscription's queue has no room for the events meant for it. The detail
// is a *QueueFullError naming the subscription.
var ErrQueueFull = errors.New("membus: queue full")

// QueueFullError is the detail of ErrQueueFull: the subscription whose
// queue had no room, its size, and how many events did not fit.
type QueueFullError struct {
	Subscription string
	QueueSize    int
	Events       int
}

// Error names the subscription and the sizes.
func (e *QueueFullError) Error() string {
	return fmt.Sprintf("membus: queue of subscription %q is full: no room for %d events in %d",
		e.Subscription, e.Events, e.QueueSize)
}

// Is makes errors.Is(err, ErrQueueFull) true for a *QueueFullError.
func (e *QueueFullError) Is(target error) bool { return target == ErrQueueFull }
