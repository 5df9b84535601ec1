package herald

import (
	"context"

	"github.com/herald-go/herald/internal/hook"
)

// The functions package driver offers store and bus implementers are the
// root's own, lent through internal/hook.
func init() {
	hook.CheckEnvelope = checkEnvelope
	hook.SafeHandle = safeHandle
	hook.CauseContexts = func() func(context.Context, *Event) context.Context {
		return new(causeContexts).For
	}
}
