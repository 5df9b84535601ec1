package projection

import (
	"errors"
	"fmt"

	"github.com/herald-go/herald"
)

// ErrFailed is matched by the error of a projection or flow that stopped
// on an event its handler failed on every attempt: the detail is a
// *FailedError. Resume or Rebuild continue it.
var ErrFailed = errors.New("projection: failed")

// FailedError is the detail of ErrFailed: which consumer stopped, on which
// event, after how many attempts, and the last attempt's error (a
// *herald.PanicError for a panic).
type FailedError struct {
	// Name is the projection's or flow's name.
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
	return fmt.Sprintf("projection: %q failed on %s (id %s) at position %d after %d attempts: %v",
		e.Name, e.Event.FullName(), e.Event.ID, e.Event.Metadata.Position, e.Attempts, e.Err)
}

// Unwrap returns the handler's error.
func (e *FailedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrFailed) true for a *FailedError.
func (e *FailedError) Is(target error) bool { return target == ErrFailed }

// handlerError is a handler's failure on events[index] of a batch.
type handlerError struct {
	index int
	err   error
}

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// nilContext is the error of op, a call of the consumer name, given a nil
// context.
func nilContext(name, op string) error { return invalid(name, "%s: the context is nil", op) }

// invalid returns an error matching herald.ErrInvalid about the consumer
// name.
func invalid(name, format string, args ...any) error {
	if name == "" {
		return fmt.Errorf("projection: %s: %w", fmt.Sprintf(format, args...), herald.ErrInvalid)
	}
	return fmt.Errorf("projection: %q: %s: %w", name, fmt.Sprintf(format, args...), herald.ErrInvalid)
}
