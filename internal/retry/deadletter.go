package retry

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
)

// DeadLetter hands d, an event a consumer gave up on, to the application's
// dead-letter function fn, then counts it in dead, whether fn returned or
// panicked; a nil fn, it only counts. A panic of fn is recovered and
// logged to log (nil is silent) at level Error, as prefix + ": dead-letter
// function panicked" with attrs, the panic value and the stack, so the
// consumer goes on with its next event: every consumer treats a panicking
// dead-letter function alike.
func DeadLetter[D any](ctx context.Context, fn func(context.Context, D), d D, dead *atomic.Uint64,
	log *slog.Logger, prefix string, attrs ...slog.Attr) {
	defer dead.Add(1)
	if fn == nil {
		return
	}
	defer func() {
		r := recover()
		if r == nil || log == nil {
			return
		}
		attrs = append(attrs, slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		log.LogAttrs(ctx, slog.LevelError, prefix+": dead-letter function panicked", attrs...)
	}()
	fn(ctx, d)
}
