package retry_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/retry"
)

func TestDeadLetter(t *testing.T) {
	ctx := context.Background()
	t.Run("handed over and counted", func(t *testing.T) {
		var dead atomic.Uint64
		var got string
		retry.DeadLetter(ctx, func(_ context.Context, d string) { got = d }, "letter", &dead, nil, "pkg")
		assert.Equal(t, "letter", got)
		assert.Equal(t, uint64(1), dead.Load())
	})
	t.Run("nil function counts", func(t *testing.T) {
		var dead atomic.Uint64
		retry.DeadLetter[string](ctx, nil, "letter", &dead, nil, "pkg")
		assert.Equal(t, uint64(1), dead.Load())
	})
	t.Run("panic recovered, logged and counted", func(t *testing.T) {
		var dead atomic.Uint64
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		require.NotPanics(t, func() {
			retry.DeadLetter(ctx, func(context.Context, string) { panic("no room") }, "letter", &dead, log, "pkg",
				slog.String("subscription", "mailer"))
		})
		assert.Equal(t, uint64(1), dead.Load())
		assert.Contains(t, buf.String(), `"level":"ERROR"`)
		assert.Contains(t, buf.String(), `"msg":"pkg: dead-letter function panicked"`)
		assert.Contains(t, buf.String(), `"subscription":"mailer"`)
		assert.Contains(t, buf.String(), `"panic":"no room"`)
		assert.Contains(t, buf.String(), `"stack":"goroutine`)
	})
	t.Run("panic without a logger", func(t *testing.T) {
		var dead atomic.Uint64
		require.NotPanics(t, func() {
			retry.DeadLetter(ctx, func(context.Context, string) { panic("no room") }, "letter", &dead, nil, "pkg")
		})
		assert.Equal(t, uint64(1), dead.Load())
	})
}
