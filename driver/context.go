package driver

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/hook"
)

// The root's readers of a context.
var (
	userFrom  = hook.UserFrom.(func(context.Context) *herald.User)
	causeFrom = hook.CauseFrom.(func(context.Context) *herald.Event)
	txFrom    = hook.TxFrom.(func(context.Context) (herald.Tx, bool))
)

// UserFrom returns the user whose events ctx publishes: the one set by the
// innermost [herald.ContextWithUser] or [herald.ContextWithCause], the
// latter giving the user of the event being handled; nil for anonymous
// and for a nil ctx.
func UserFrom(ctx context.Context) *herald.User { return userFrom(ctx) }

// CauseFrom returns the event being handled, set by
// [herald.ContextWithCause], or nil. It is valid while the handler runs:
// read it, do not change it, do not keep it.
func CauseFrom(ctx context.Context) *herald.Event { return causeFrom(ctx) }

// TxFrom returns the transaction [herald.ContextWithTx] put in ctx.
func TxFrom(ctx context.Context) (herald.Tx, bool) { return txFrom(ctx) }

// LabelsFrom returns the labels [herald.ContextWithLabels] put in ctx, nil
// when there are none. The map is shared: do not change it.
func LabelsFrom(ctx context.Context) map[string]string { return hook.LabelsFrom(ctx) }

// ContextWithConsumer returns a context for the handlers of the consumer
// name. A [herald.Repository] tells the commands different consumers run
// for one event apart by it. Buses, durable subscriptions and flows give
// their handlers a context with their name. A nil ctx gives nil.
func ContextWithConsumer(ctx context.Context, name string) context.Context {
	return hook.ContextWithConsumer(ctx, name)
}

// ConsumerFrom returns the name [ContextWithConsumer] put in ctx, "" when
// none.
func ConsumerFrom(ctx context.Context) string { return hook.ConsumerFrom(ctx) }
