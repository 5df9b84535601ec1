package herald

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"
)

// RetryPolicy says how a bus or a durable subscription retries a handler
// that failed: after a wait that starts at InitialInterval and doubles up
// to MaxInterval, each wait randomised by ±50% (jitter), until the handler
// has been called MaxAttempts times in all. Its zero value asks for the
// defaults: 100 ms, 10 s and 5 attempts.
type RetryPolicy struct {
	// InitialInterval is the wait before the first retry.
	InitialInterval time.Duration
	// MaxInterval caps the wait between two attempts.
	MaxInterval time.Duration
	// MaxAttempts counts every call of the handler with one event, the
	// first included: 1 means no retries.
	MaxAttempts int
}

// Resolve returns p with its zero fields set to the defaults. A negative
// field, or a MaxInterval below the InitialInterval, is an error matching
// ErrInvalid that names the field.
func (p RetryPolicy) Resolve() (RetryPolicy, error) {
	switch {
	case p.InitialInterval < 0:
		return p, errorf("retry policy: InitialInterval %v is negative: %w", p.InitialInterval, ErrInvalid)
	case p.MaxInterval < 0:
		return p, errorf("retry policy: MaxInterval %v is negative: %w", p.MaxInterval, ErrInvalid)
	case p.MaxAttempts < 0:
		return p, errorf("retry policy: MaxAttempts %d is negative: %w", p.MaxAttempts, ErrInvalid)
	}
	if p.InitialInterval == 0 {
		p.InitialInterval = DefaultRetryInitialInterval
	}
	if p.MaxInterval == 0 {
		p.MaxInterval = max(DefaultRetryMaxInterval, p.InitialInterval)
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultRetryMaxAttempts
	}
	if p.MaxInterval < p.InitialInterval {
		return p, errorf("retry policy: MaxInterval %v is below InitialInterval %v: %w",
			p.MaxInterval, p.InitialInterval, ErrInvalid)
	}
	return p, nil
}

// DeadLetter is an event a subscription could not handle: the handler
// failed on every attempt, or the subscription stopped before it could
// handle the event. Buses and durable subscriptions hand it to their
// dead-letter function.
type DeadLetter struct {
	// Subscription is the name of the subscription that gave up.
	Subscription string
	// Event is the event it gave up on.
	Event Event
	// Attempts is how many times the handler was called with the event;
	// 0 when it never was (the subscription was closed first).
	Attempts int
	// Err is the last attempt's error (a *PanicError for a panic), or why
	// the handler was never called. Read back from a
	// [github.com/herald-go/herald/driver.DeadLetterStore] it is an error
	// with the text of the one kept.
	Err error
	// Parked reports an event that was not handled because an earlier
	// event of its aggregate is a dead letter: it waits behind it.
	Parked bool
	// At is when the consumer gave up on the event.
	At time.Time
}

// PanicError is the failure of a handler that panicked: the value it
// panicked with and the stack of its goroutine at that moment.
type PanicError struct {
	Value any
	Stack []byte
}

// Error gives the panic value, then the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// safeHandle calls h.Handle(ctx, e) and returns what it returns, or a
// *PanicError when it panics. Each call is one attempt at handling e: the
// commands the handler runs with ctx count their saves from the first
// again. A nil ctx or h is an error matching ErrInvalid, and nothing is
// called. Buses reach it as driver.SafeHandle.
func safeHandle(ctx context.Context, h Handler, e Event) (err error) {
	if ctx == nil {
		return nilContext("handle")
	}
	if isNilHandler(h) {
		return errorf("handle %s: %w", e.FullName(), errNilHandler)
	}
	newAttempt(ctx)
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return h.Handle(ctx, e)
}
