package membus

import (
	"context"
	"runtime/debug"

	"github.com/herald-go/herald"
)

// deliver hands one event to s's handler with a context that carries the
// event as its cause, and reports a failure. The context is the one
// allocation per event; it refers to e, which the caller keeps unchanged
// until deliver returns.
func (b *Bus) deliver(s *subscription, e *herald.Event) {
	ctx := herald.WithCause(b.base, e)
	if err := handle(ctx, s.handler, e); err != nil {
		b.failed(ctx, s, e, 1, err)
		return
	}
	s.delivered.Add(1)
}

// handle calls h and turns a panic into a *PanicError.
func handle(ctx context.Context, h herald.Handler, e *herald.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	return h.Handle(ctx, *e)
}

func newPanicError(value any) *PanicError {
	return &PanicError{Value: value, Stack: debug.Stack()}
}
