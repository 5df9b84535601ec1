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

// PanicError is the failure of a handler that panicked: the value it
// panicked with and the stack of the goroutine at that moment.
type PanicError struct {
	Value any
	Stack []byte
}

// Error gives the panic value, then the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("membus: panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
