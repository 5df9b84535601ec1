package herald

import (
	"context"
	"encoding/json"
	"fmt"
)

// Handler handles one event. An error means the event was not handled; what
// happens then is up to the bus (membus reports it and hands the event to its
// dead-letter handler).
type Handler interface {
	Handle(ctx context.Context, e Event) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, e Event) error

// Handle calls f; a nil f is an error matching ErrInvalid.
func (f HandlerFunc) Handle(ctx context.Context, e Event) error {
	if f == nil {
		return errorf("handle: %w", errNilHandler)
	}
	return f(ctx, e)
}

// errNilHandler is the error of a nil handler.
var errNilHandler = fmt.Errorf("the handler is nil: %w", ErrInvalid)

// isNilHandler reports whether h is nil or a nil HandlerFunc.
func isNilHandler(h Handler) bool {
	f, ok := h.(HandlerFunc)
	return h == nil || (ok && f == nil)
}

// On returns a Handler that receives the event's data as a T. Data that is a
// T or a *T is passed as it is; JSON (json.RawMessage or []byte, as a store
// that encodes events returns it) is decoded into a T. Anything else is an
// error naming the event and the type. A nil fn gives a nil Handler, which
// every subscription refuses.
func On[T any](fn func(ctx context.Context, e Event, data T) error) Handler {
	if fn == nil {
		return nil
	}
	return HandlerFunc(func(ctx context.Context, e Event) error {
		data, err := DataAs[T](&e)
		if err != nil {
			return err
		}
		return fn(ctx, e, data)
	})
}

// DataAs returns e.Data as a T: a T or non-nil *T as it is, JSON decoded
// into a T. Anything else is a *ValidationError for the field "data"; a
// nil e is a *ValidationError too.
func DataAs[T any](e *Event) (T, error) {
	v, err := dataAs[T](e)
	return v, wrap(err)
}

// dataAs is DataAs without the package prefix.
func dataAs[T any](e *Event) (T, error) {
	var zero T
	if e == nil {
		return zero, nilEvent()
	}
	switch d := e.Data.(type) {
	case T:
		return d, nil
	case *T:
		if d != nil {
			return *d, nil
		}
	case json.RawMessage:
		return decodeData[T](e, d)
	case []byte:
		return decodeData[T](e, d)
	}
	return zero, &ValidationError{
		Event:  e.FullName(),
		Field:  "data",
		Reason: fmt.Sprintf("is %T, want %T", e.Data, zero),
	}
}

func decodeData[T any](e *Event, raw []byte) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, &ValidationError{
			Event:  e.FullName(),
			Field:  "data",
			Reason: fmt.Sprintf("does not decode into %T: %v", v, err),
			Err:    err,
		}
	}
	return v, nil
}
