package durable_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/store/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNilAndZeroArguments calls the package's functions and methods with
// nil and zero arguments: each is refused with an error matching
// herald.ErrInvalid, or works.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	var nilContext context.Context
	store, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	ok := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	newSub := func(t *testing.T) *durable.Subscription {
		d, err := durable.New(durable.Config{
			Subscription: herald.Subscription{Name: "durable-" + uuid.NewString(), Handler: ok}, Store: store,
		})
		require.NoError(t, err)
		return d
	}
	nilargs.Run(t, []nilargs.Case{
		{Name: "New(Config{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := durable.New(durable.Config{})
			return err
		}},
		{Name: "New(cfg with a nil HandlerFunc)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := durable.New(durable.Config{
				Subscription: herald.Subscription{Name: "nil-func", Handler: herald.HandlerFunc(nil)}, Store: store,
			})
			return err
		}},
		{Name: "Run(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newSub(t).Run(nilContext)
		}},
		{Name: "valid: Wait(ctx, 0) is reached at once", Call: func(t *testing.T) error {
			d := newSub(t)
			assert.NotEmpty(t, d.Name())
			return d.Wait(ctx, 0)
		}},
		{Name: "Wait(nil, 1)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newSub(t).Wait(nilContext, 1)
		}},
		{Name: "Status(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newSub(t).Status(nilContext)
			return err
		}},
		{Name: "DeadLetters(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newSub(t).DeadLetters(nilContext)
			return err
		}},
		{Name: "Replay(nil, id)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newSub(t).Replay(nilContext, uuid.New())
		}},
		{Name: "Discard(nil, id)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newSub(t).Discard(nilContext, uuid.New())
		}},
	})
}
