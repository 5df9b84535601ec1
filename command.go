package herald

import (
	"context"
	"strconv"
	"sync"

	"github.com/google/uuid"
)

// What makes a Save a repeat. A Repository gives the events of a Save ids
// derived from the command that saves them, so that running the same
// command again stores nothing new, while another command, even one with
// the same cause, stores its own events. A command is identified by
//
//   - the id given with ContextWithCommandID, or else
//   - in a handler's context, the event being handled together with the
//     consumer handling it (driver.ContextWithConsumer: the name of the
//     bus subscription, durable subscription or flow), and, within either,
//   - the aggregate, and how many saves of that aggregate the command
//     made before (its first save, its second, ...), counted anew for
//     each attempt of a handler, as driver.SafeHandle makes them.
//
// Without a command id and outside a handler, events get fresh ids.

type (
	commandKey  struct{}
	consumerKey struct{}
)

// command is what a context knows of the command it runs: its identity
// and the saves it made so far, per aggregate.
type command struct {
	id    uuid.UUID
	mu    sync.Mutex
	saves map[AggregateRef]int
}

// ContextWithCommandID returns a context for running the command id: the
// events a Repository saves with it get id as their causation id, and ids
// derived from id, so running the command again with the same id stores
// nothing new. Give each command its own id, such as the id of the
// request that asked for it.
func ContextWithCommandID(ctx context.Context, id uuid.UUID) context.Context {
	if ctx == nil {
		return nil
	}
	ctx = context.WithValue(ctx, commandKey{}, &command{id: id})
	return ContextWithCausationID(ctx, id)
}

// contextWithConsumer returns a context for the handlers of the consumer
// name, which tells apart the commands different consumers run for one
// event.
func contextWithConsumer(ctx context.Context, name string) context.Context {
	if ctx == nil {
		return nil
	}
	return context.WithValue(ctx, consumerKey{}, name)
}

// consumerFrom returns the name contextWithConsumer put in ctx, "" when
// none.
func consumerFrom(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	name, _ := ctx.Value(consumerKey{}).(string)
	return name
}

// commandOf returns the command ctx runs, nil when its saves get fresh ids.
func commandOf(ctx context.Context) *command {
	if c, ok := ctx.Value(commandKey{}).(*command); ok && c.id != uuid.Nil {
		return c
	}
	c, ok := ctx.Value(causeKey{}).(*causeCtx)
	if !ok {
		return nil
	}
	if cmd := c.command.Load(); cmd != nil {
		return cmd
	}
	cmd := &command{id: uuid.NewSHA1(c.causation, []byte("herald.consumer:"+consumerFrom(ctx)))}
	if !c.command.CompareAndSwap(nil, cmd) {
		return c.command.Load()
	}
	return cmd
}

// next returns the number of ref's next save: how many saves of it the
// command made so far.
func (c *command) next(ref AggregateRef) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saves[ref]
}

// saved counts save n of ref as made.
func (c *command) saved(ref AggregateRef, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.saves == nil {
		c.saves = make(map[AggregateRef]int)
	}
	c.saves[ref] = max(c.saves[ref], n+1)
}

// eventID returns the id of event i of save n of ref.
func (c *command) eventID(ref AggregateRef, n, i int) uuid.UUID {
	name := ref.String() + "#" + strconv.Itoa(n) + "#" + strconv.Itoa(i)
	return uuid.NewSHA1(c.id, []byte(name))
}
