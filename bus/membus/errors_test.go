package membus_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
)

// TestErrorsReadOneWay checks that the bus's errors read
// "membus: what was done: detail: wrapped error", with one prefix, also
// around an error of the herald or match package, and still match their
// sentinels and detail types.
func TestErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	handler := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	_, sizeErr := membus.New(membus.WithQueueSize(0))
	_, retryErr := membus.New(membus.WithRetry(herald.RetryPolicy{MaxAttempts: -1}))

	release := make(chan struct{})
	full := newBus(t, membus.WithQueueSize(1), membus.WithFailWhenFull())
	require.NoError(t, full.Subscribe(herald.Subscription{Name: "slow", Handler: herald.HandlerFunc(
		func(context.Context, herald.Event) error { <-release; return nil })}))
	fullErr := full.Publish(ctx, []herald.Event{newEvent("sent"), newEvent("sent")})
	close(release)

	closed := newBus(t)
	require.NoError(t, closed.Close(ctx))
	b := newBus(t)
	cases := map[string]prefixtest.Case{
		"bad option":     {sizeErr, herald.ErrInvalid},
		"retry policy":   {retryErr, herald.ErrInvalid},
		"nil handler":    {b.Subscribe(herald.Subscription{Name: "x"}), herald.ErrInvalid},
		"bad pattern":    {b.Subscribe(herald.Subscription{Name: "p", Handler: handler, Pattern: `{"name":"sent"}`}), herald.ErrInvalid},
		"bad names":      {b.Subscribe(herald.Subscription{Name: "n", Handler: handler, Events: []string{"a..b"}}), herald.ErrInvalid},
		"unknown name":   {b.Unsubscribe(ctx, "nobody"), herald.ErrNotFound},
		"closed":         {closed.Publish(ctx, []herald.Event{newEvent("sent")}), herald.ErrClosed},
		"closed twice":   {closed.Close(ctx), herald.ErrClosed},
		"queue full":     {fullErr, membus.ErrQueueFull},
		"subscribe late": {closed.Subscribe(herald.Subscription{Name: "late", Handler: handler}), herald.ErrClosed},
	}
	prefixtest.CheckAll(t, "membus", cases)
	var qf *membus.QueueFullError
	assert.True(t, errors.As(fullErr, &qf))
	assert.Equal(t, "slow", qf.Subscription)
}
