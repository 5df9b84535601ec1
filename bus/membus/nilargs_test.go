package membus_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/internal/nilargs"
)

// TestNilAndZeroArguments calls every exported function, option and method
// of membus with nil and zero arguments: none panics, bad input is an
// error matching herald.ErrInvalid, and zero input that is valid gives
// what the documentation says.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	var nilContext context.Context
	newWith := func(opts ...membus.Option) func(*testing.T) error {
		return func(*testing.T) error {
			b, err := membus.New(opts...)
			if err == nil {
				err = b.Close(ctx)
			}
			return err
		}
	}
	handler := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	// withSubscription returns a bus with an async subscription "sub".
	withSubscription := func(t *testing.T) *membus.Bus {
		b := newBus(t)
		assert.NoError(t, b.Subscribe(herald.Subscription{Name: "sub", Handler: handler}))
		return b
	}

	nilargs.Run(t, []nilargs.Case{
		{Name: "valid: New() is an open bus", Call: newWith()},
		{Name: "valid: New(nil) ignores the nil option", Call: newWith(nil)},
		{Name: "WithQueueSize(0)", Want: herald.ErrInvalid, Names: "WithQueueSize", Call: newWith(membus.WithQueueSize(0))},
		{Name: "WithQueueSize(-1)", Want: herald.ErrInvalid, Names: "WithQueueSize", Call: newWith(membus.WithQueueSize(-1))},
		{Name: "WithWorkers(0)", Want: herald.ErrInvalid, Names: "WithWorkers", Call: newWith(membus.WithWorkers(0))},
		{Name: "WithWorkers(-1)", Want: herald.ErrInvalid, Names: "WithWorkers", Call: newWith(membus.WithWorkers(-1))},
		{Name: "valid: WithRetry(RetryPolicy{}) takes the defaults", Call: newWith(membus.WithRetry(herald.RetryPolicy{}))},
		{Name: "WithRetry(RetryPolicy{MaxAttempts: -1})", Want: herald.ErrInvalid, Names: "WithRetry", Call: newWith(membus.WithRetry(herald.RetryPolicy{MaxAttempts: -1}))},
		{Name: "valid: WithDeadLetter(nil) drops what is given up", Call: newWith(membus.WithDeadLetter(nil))},
		{Name: "valid: WithLogger(nil) is silent", Call: newWith(membus.WithLogger(nil))},
		{Name: "valid: WithFailWhenFull()", Call: newWith(membus.WithFailWhenFull())},

		{Name: "Bus.Subscribe(Subscription{})", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newBus(t).Subscribe(herald.Subscription{})
		}},
		{Name: "Bus.Subscribe with a nil handler", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newBus(t).Subscribe(herald.Subscription{Name: "sub"})
		}},
		{Name: "Bus.Subscribe with a nil HandlerFunc", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newBus(t).Subscribe(herald.Subscription{Name: "sub", Handler: herald.HandlerFunc(nil)})
		}},
		{Name: "Bus.Subscribe with an empty event name", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newBus(t).Subscribe(herald.Subscription{Name: "sub", Handler: handler, Events: []string{""}})
		}},
		{Name: "valid: Bus.Status(ctx) of a new bus is empty", Call: func(t *testing.T) error {
			assert.Empty(t, statusOf(t, newBus(t)))
			return nil
		}},
		{Name: "Bus.Status(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newBus(t).Status(nilContext)
			return err
		}},
		{Name: "valid: Bus.Publish(ctx, nil) delivers nothing", Call: func(t *testing.T) error {
			return withSubscription(t).Publish(ctx, nil)
		}},
		{Name: "Bus.Publish(nil, events)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return withSubscription(t).Publish(nilContext, []herald.Event{newEvent("placed")})
		}},
		{Name: "Bus.Unsubscribe(ctx, \"\")", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return withSubscription(t).Unsubscribe(ctx, "")
		}},
		{Name: "Bus.Unsubscribe(ctx, unknown)", Want: herald.ErrNotFound, Call: func(t *testing.T) error {
			return newBus(t).Unsubscribe(ctx, "unknown")
		}},
		{Name: "Bus.Unsubscribe(nil, name)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return withSubscription(t).Unsubscribe(nilContext, "sub")
		}},
		{Name: "Bus.Close(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			b := withSubscription(t)
			err := b.Close(nilContext)
			assert.False(t, b.Closed(), "a refused Close closed the bus")
			return err
		}},
		{Name: "valid: QueueFullError{} matches ErrQueueFull", Call: func(t *testing.T) error {
			assert.NotEmpty(t, (&membus.QueueFullError{}).Error())
			assert.ErrorIs(t, &membus.QueueFullError{}, membus.ErrQueueFull)
			return nil
		}},
	})
}
