package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
)

// failing is a consumer whose handler fails on every event.
type failing struct{}

var errBoom = errors.New("boom")

func (failing) Start(context.Context) (uint64, bool, error) { return 0, false, nil }
func (failing) Wants(*herald.Event) bool                    { return true }
func (failing) Reset(context.Context) error                 { return nil }
func (failing) Apply(context.Context, []herald.Event, uint64) (int, error) {
	return 0, &engine.HandlerError{Index: 0, Err: errBoom}
}

// TestErrorsReadOneWay checks that the engine's errors read
// "kind: what was done: detail: wrapped error" with one prefix, the
// consumer's kind, around the errors of a store too, and still match
// their sentinels and detail types.
func TestErrorsReadOneWay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	store := newStore(t)
	appendEvents(t, store, 1)
	e, err := engine.New(engine.Config{Name: "f", Kind: "projection", Log: store,
		Retry: herald.RetryPolicy{MaxAttempts: 1}}, failing{})
	require.NoError(t, err)
	running(t, e)
	failed := e.Wait(ctx, 1)
	prefixtest.Check(t, failed, "projection", engine.ErrFailed)
	var fe *engine.FailedError
	require.True(t, errors.As(failed, &fe))
	assert.ErrorIs(t, failed, errBoom)
	assert.Contains(t, failed.Error(), ": boom: ")

	_, nilCtx := e.Status(nil) //nolint:staticcheck // a nil context is refused
	prefixtest.Check(t, nilCtx, "projection", herald.ErrInvalid)
	_, badName := engine.New(engine.Config{Log: store}, failing{})
	prefixtest.Check(t, badName, "engine", herald.ErrInvalid)

	require.NoError(t, store.Close())
	_, closed := e.Status(ctx)
	prefixtest.Check(t, closed, "projection", herald.ErrClosed)
}
