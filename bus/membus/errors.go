package membus

import (
	"errors"
	"fmt"

	"github.com/herald-go/herald/internal/prefix"
)

// ErrQueueFull is returned by Publish on a bus built WithFailWhenFull when a
// subscription's queue has no room for the events meant for it. The detail
// is a *QueueFullError naming the subscription.
var ErrQueueFull = errors.New("queue full")

// QueueFullError is the detail of ErrQueueFull: the subscription whose
// queue had no room, its size, and how many events did not fit.
type QueueFullError struct {
	Subscription string
	QueueSize    int
	Events       int
}

// Error names the subscription and the sizes.
func (e *QueueFullError) Error() string {
	return fmt.Sprintf("subscription %q: no room for %d events in a queue of %d: %v",
		e.Subscription, e.Events, e.QueueSize, ErrQueueFull)
}

// Is makes errors.Is(err, ErrQueueFull) true for a *QueueFullError.
func (e *QueueFullError) Is(target error) bool { return target == ErrQueueFull }

// errorf returns the error of the package: "membus: " and then
// fmt.Errorf(format, args...), an error argument of another package of
// the module given without its prefix.
func errorf(format string, args ...any) error { return prefix.Errorf("membus", format, args...) }
