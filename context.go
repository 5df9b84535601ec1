package herald

import (
	"context"
	"maps"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"
)

type (
	userKey        struct{}
	causeKey       struct{}
	causationKey   struct{}
	correlationKey struct{}
	labelsKey      struct{}
)

// ContextWithUser returns a context whose published events are by user: it
// becomes their User and, for an event published outside a Repository
// whose block names no owner, its owner. Inside a handler it replaces the
// user of the event being handled.
func ContextWithUser(ctx context.Context, user User) context.Context {
	if ctx == nil {
		return nil
	}
	return context.WithValue(ctx, userKey{}, &user)
}

// userFrom returns the user whose events ctx publishes: the one set by the
// innermost ContextWithUser or ContextWithCause, the latter giving the user
// of the event being handled; nil for anonymous.
func userFrom(ctx context.Context) *User {
	if ctx == nil {
		return nil
	}
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// ContextWithCause returns a context for handling e: events published with
// it get e's id as their causation id, e's correlation id as theirs, and
// e's user as theirs unless a [ContextWithUser] inside it names another.
// Buses hand every handler such a context, so handlers need no code to
// carry the chain along. The ids and the user are kept by value, so the
// context may be kept and used after the handler returned; the caller keeps
// *e, which [github.com/herald-go/herald/driver.CauseFrom] returns, unchanged
// until the handler returns. A nil e gives ctx as it is.
func ContextWithCause(ctx context.Context, e *Event) context.Context {
	if ctx == nil || e == nil {
		return ctx
	}
	c := &causeCtx{}
	c.set(ctx, e)
	return c
}

// causeContexts makes handler contexts, each what ContextWithCause returns
// for its event, a run of causeRun at a time in one allocation instead of
// one each. Durable subscriptions use it, and buses through
// driver.CauseContexts. The zero value is ready to use; it is not safe for
// concurrent use.
type causeContexts struct {
	run  []causeCtx
	next int // the index in run of the next context to give
}

// causeRun is how many contexts causeContexts allocates at once.
const causeRun = 128

// For returns the context for handling e, as ContextWithCause(ctx, e) does.
func (c *causeContexts) For(ctx context.Context, e *Event) context.Context {
	if c == nil || ctx == nil || e == nil {
		return ContextWithCause(ctx, e)
	}
	// An index, not a slice cut shorter each time: the slice header would
	// be a pointer written per context, with its write barrier.
	if c.next == len(c.run) {
		c.run, c.next = make([]causeCtx, causeRun), 0
	}
	cc := &c.run[c.next]
	c.next++
	cc.set(ctx, e)
	return cc
}

// causeCtx is a context carrying the event being handled.
type causeCtx struct {
	context.Context
	event                  *Event
	user                   *User
	causation, correlation uuid.UUID
	// command is the command the handler runs, made at its first save
	// and dropped before each attempt (command.go says what identifies one).
	command atomic.Pointer[command]
}

// set makes c the context for handling e, with parent ctx.
func (c *causeCtx) set(ctx context.Context, e *Event) {
	c.Context, c.event, c.user = ctx, e, e.User
	c.causation, c.correlation = e.ID, e.Metadata.CorrelationID
	if c.correlation == uuid.Nil {
		c.correlation = e.ID
	}
	// c is fresh, so its command is nil already: storing nil would cost
	// an atomic store with a write barrier per event.
}

// newAttempt makes the handler context ctx count its command's saves
// anew, for another attempt at handling its event.
func newAttempt(ctx context.Context) {
	c, ok := ctx.(*causeCtx) // what buses hand their handlers, found without a Value walk
	if !ok {
		c, ok = ctx.Value(causeKey{}).(*causeCtx)
	}
	if ok && c.command.Load() != nil {
		c.command.Store(nil)
	}
}

func (c *causeCtx) Value(key any) any {
	switch key {
	case causeKey{}:
		return c
	case userKey{}:
		return c.user
	}
	return c.Context.Value(key)
}

// causeFrom returns the event being handled, set by ContextWithCause, or
// nil.
func causeFrom(ctx context.Context) *Event {
	if ctx == nil {
		return nil
	}
	if c, ok := ctx.Value(causeKey{}).(*causeCtx); ok {
		return c.event
	}
	return nil
}

// ContextWithLabels returns a context whose published events carry labels
// in their metadata, besides their own: an event's own label wins over one
// of the same key, and the labels of an inner ContextWithLabels over those
// of an outer one. labels is copied; with none, ctx is returned as it is.
// Keys that begin with "herald." are the library's own (a flow marks the
// events its reactions publish with "herald.flow"): for those the context
// wins over the event, so an event copied from another keeps no stale
// mark.
func ContextWithLabels(ctx context.Context, labels map[string]string) context.Context {
	if ctx == nil || len(labels) == 0 {
		return ctx
	}
	merged := maps.Clone(labelsFrom(ctx))
	if merged == nil {
		merged = make(map[string]string, len(labels))
	}
	maps.Copy(merged, labels)
	return context.WithValue(ctx, labelsKey{}, merged)
}

// reservedLabels begins the keys of the labels that are the library's own.
const reservedLabels = "herald."

// labelsFrom returns the labels ContextWithLabels put in ctx, nil when
// there are none. The map is shared: do not change it.
func labelsFrom(ctx context.Context) map[string]string {
	if ctx == nil {
		return nil
	}
	labels, _ := ctx.Value(labelsKey{}).(map[string]string)
	return labels
}

// withLabels returns own with labels added where own has no such key, and
// with labels' value for the library's own keys: labels itself when own
// has none, own when that changes nothing.
func withLabels(own, labels map[string]string) map[string]string {
	if len(own) == 0 {
		return labels
	}
	var merged map[string]string
	for k, v := range labels {
		if mine, ok := own[k]; ok && (mine == v || !strings.HasPrefix(k, reservedLabels)) {
			continue
		}
		if merged == nil {
			merged = maps.Clone(own)
		}
		merged[k] = v
	}
	if merged == nil {
		return own
	}
	return merged
}

// ContextWithCausationID returns a context whose published events get id
// as their causation id, such as the id of the command being run. It takes
// precedence over a cause set by ContextWithCause.
func ContextWithCausationID(ctx context.Context, id uuid.UUID) context.Context {
	if ctx == nil {
		return nil
	}
	return context.WithValue(ctx, causationKey{}, id)
}

// ContextWithCorrelationID returns a context whose published events get id
// as their correlation id. It takes precedence over a cause set by
// ContextWithCause.
func ContextWithCorrelationID(ctx context.Context, id uuid.UUID) context.Context {
	if ctx == nil {
		return nil
	}
	return context.WithValue(ctx, correlationKey{}, id)
}

// causeIDs returns the causation and correlation ids the context asks for,
// zero where it asks for none.
func causeIDs(ctx context.Context) (causation, correlation uuid.UUID) {
	if c, ok := ctx.Value(causeKey{}).(*causeCtx); ok {
		causation, correlation = c.causation, c.correlation
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

// nilContext is the error, naming op, of a call given a nil context:
// every call that takes a context refuses a nil one.
func nilContext(op string) error {
	return errorf("%s: the context is nil: %w", op, ErrInvalid)
}
