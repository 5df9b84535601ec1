package herald

import (
	"context"

	"github.com/google/uuid"
)

type (
	userKey        struct{}
	causeKey       struct{}
	causationKey   struct{}
	correlationKey struct{}
)

// WithUser returns a context whose published events are by user: it becomes
// their User and, unless the event or its definition names another, the
// owner in their authorization.
func WithUser(ctx context.Context, user User) context.Context {
	return context.WithValue(ctx, userKey{}, &user)
}

// UserFrom returns the user set by WithUser, or nil for anonymous.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// WithCause returns a context for handling e: events published with it get
// e's id as their causation id and e's correlation id as theirs. Buses call
// it for every delivery, so handlers need no code to carry the chain along.
// The context keeps its own copy of the envelope, so it stays right for as
// long as a handler keeps the context, at the cost of one allocation.
func WithCause(ctx context.Context, e *Event) context.Context {
	return &causeCtx{Context: ctx, cause: *e}
}

// causeCtx is a context carrying the event being handled.
type causeCtx struct {
	context.Context
	cause Event
}

func (c *causeCtx) Value(key any) any {
	if key == (causeKey{}) {
		return &c.cause
	}
	return c.Context.Value(key)
}

// CauseFrom returns the event being handled, set by WithCause, or nil. The
// event belongs to the context: read it, do not change it.
func CauseFrom(ctx context.Context) *Event {
	e, _ := ctx.Value(causeKey{}).(*Event)
	return e
}

// WithCausationID returns a context whose published events get id as their
// causation id, such as the id of the command being run. It takes
// precedence over a cause set by WithCause.
func WithCausationID(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, causationKey{}, id)
}

// WithCorrelationID returns a context whose published events get id as their
// correlation id. It takes precedence over a cause set by WithCause.
func WithCorrelationID(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// causeIDs returns the causation and correlation ids the context asks for,
// zero where it asks for none.
func causeIDs(ctx context.Context) (causation, correlation uuid.UUID) {
	if e := CauseFrom(ctx); e != nil {
		causation, correlation = e.ID, e.Metadata.CorrelationID
		if correlation == uuid.Nil {
			correlation = e.ID
		}
	}
	if id, ok := ctx.Value(causationKey{}).(uuid.UUID); ok {
		causation = id
	}
	if id, ok := ctx.Value(correlationKey{}).(uuid.UUID); ok {
		correlation = id
	}
	if correlation == uuid.Nil {
		correlation = causation
	}
	return causation, correlation
}
