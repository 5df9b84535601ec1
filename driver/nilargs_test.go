package driver_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/nilargs"
)

// nilContext is a context.Context that is nil, for the calls that must
// refuse one.
var nilContext context.Context

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	valid := sentEvent()
	handled := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })

	nilargs.Run(t, []nilargs.Case{
		// Envelopes.
		{Name: "CheckEnvelope(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return driver.CheckEnvelope(nil)
		}},
		{Name: "CheckEnvelope(&Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return driver.CheckEnvelope(&herald.Event{})
		}},

		// Queries.
		{Name: "valid: Prepare(Query{}) asks for the oldest DefaultTop", Call: func(t *testing.T) error {
			q, err := driver.Prepare(herald.Query{})
			require.NoError(t, err)
			assert.Equal(t, herald.DefaultTop, q.Top)
			assert.False(t, q.Match(nil))
			return nil
		}},
		{Name: "Prepare(Query{Top: -1})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := driver.Prepare(herald.Query{Top: -1})
			return err
		}},
		{Name: "PreparedQuery.Collect(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			q, err := driver.Prepare(herald.Query{})
			require.NoError(t, err)
			_, err = q.Collect(nil)
			return err
		}},
		{Name: "valid: (&PreparedQuery{}).Match(&Event{}) needs no names", Call: func(t *testing.T) error {
			assert.True(t, (&driver.PreparedQuery{}).Match(&herald.Event{}))
			return nil
		}},

		// Handlers.
		{Name: "SafeHandle(ctx, nil, Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return driver.SafeHandle(ctx, nil, herald.Event{})
		}},
		{Name: "SafeHandle(ctx, HandlerFunc(nil), Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return driver.SafeHandle(ctx, herald.HandlerFunc(nil), herald.Event{})
		}},
		{Name: "SafeHandle(nil, h, Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return driver.SafeHandle(nilContext, handled, herald.Event{})
		}},
		{Name: "valid: CauseContexts{}.For(ctx, nil) is ctx, without a cause", Call: func(t *testing.T) error {
			var c driver.CauseContexts
			assert.Nil(t, driver.CauseFrom(c.For(ctx, nil)))
			assert.Nil(t, c.For(nilContext, &valid))
			return nil
		}},
		{Name: "valid: (*CauseContexts)(nil).For(ctx, e) is ContextWithCause's", Call: func(t *testing.T) error {
			assert.Same(t, &valid, driver.CauseFrom((*driver.CauseContexts)(nil).For(ctx, &valid)))
			return nil
		}},

		// Contexts.
		{Name: "valid: readers of a nil context find nothing", Call: func(t *testing.T) error {
			assert.Nil(t, driver.UserFrom(nilContext))
			assert.Nil(t, driver.CauseFrom(nilContext))
			assert.Nil(t, driver.LabelsFrom(nilContext))
			assert.Empty(t, driver.ConsumerFrom(nilContext))
			_, ok := driver.TxFrom(nilContext)
			assert.False(t, ok)
			return nil
		}},
		{Name: "valid: ContextWithConsumer(nil, name) is nil", Call: func(t *testing.T) error {
			assert.Nil(t, driver.ContextWithConsumer(nilContext, "name"))
			return nil
		}},
		{Name: "valid: ConsumerFrom(ContextWithConsumer(ctx, name)) is name", Call: func(t *testing.T) error {
			assert.Equal(t, "name", driver.ConsumerFrom(driver.ContextWithConsumer(ctx, "name")))
			return nil
		}},
	})
}
