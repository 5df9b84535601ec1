package driver

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/hook"
)

// safeHandle is the call durable subscriptions make.
var safeHandle = hook.SafeHandle.(func(context.Context, herald.Handler, herald.Event) error)

// SafeHandle calls h.Handle(ctx, e) and returns what it returns, or a
// *[herald.PanicError] when it panics, so that no handler's panic escapes
// the bus that calls it. Each call is one attempt at handling e: the
// commands the handler runs with ctx count their saves from the first
// again ([herald.Repository.Save]). A nil ctx or h is an error
// matching [herald.ErrInvalid], and nothing is called.
func SafeHandle(ctx context.Context, h herald.Handler, e herald.Event) error {
	return safeHandle(ctx, h, e)
}
