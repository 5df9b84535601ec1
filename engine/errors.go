package engine

import (
	"errors"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// ErrFailed is matched by the error of a consumer that stopped on an event
// its handler failed on every attempt, under the [Stop] policy: the detail
// is a [*FailedError]. [Engine.Resume] and [Engine.Rebuild] continue it.
var ErrFailed = errors.New("failed")

// FailedError is the detail of [ErrFailed]: which consumer stopped, on
// which event, after how many attempts, and the last attempt's error (a
// [*herald.PanicError] for a panic).
type FailedError struct {
	// Name is the consumer's name.
	Name string
	// Event is the event it stopped on; every event before it took effect.
	Event herald.Event
	// Attempts is how many times the handler was called with the event.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

// Error names the consumer, the event and its position, and the error.
func (e *FailedError) Error() string {
	return fmt.Sprintf("%q stopped on %s (id %s) at position %d after %d attempts: %v: %v",
		e.Name, e.Event.FullName(), e.Event.ID, e.Event.Metadata.Position, e.Attempts, prefix.Strip(e.Err), ErrFailed)
}

// Unwrap returns the handler's error.
func (e *FailedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrFailed) true for a *FailedError.
func (e *FailedError) Is(target error) bool { return target == ErrFailed }

// HandlerError is what a [Consumer]'s Apply returns when a handler failed:
// the index of the event in the batch, and the handler's error.
type HandlerError struct {
	Index int
	Err   error
}

// Error returns the handler's error text.
func (e *HandlerError) Error() string { return e.Err.Error() }

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }

// nilContext is the error of op given a nil context.
func (e *Engine) nilContext(op string) error { return e.invalid("%s: the context is nil", op) }

// invalid returns an error matching herald.ErrInvalid about the consumer.
func (e *Engine) invalid(format string, args ...any) error {
	return prefix.Errorf(e.cfg.kind, "%q: %s: %w", e.cfg.Name, fmt.Sprintf(format, args...), herald.ErrInvalid)
}
