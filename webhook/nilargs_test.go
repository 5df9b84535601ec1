package webhook_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/require"
)

// TestNilAndZeroArguments calls the dispatcher's functions and methods
// with nil and zero arguments: each is refused with an error matching
// herald.ErrInvalid (or herald.ErrNotFound for an unknown id), or works.
func TestNilAndZeroArguments(t *testing.T) {
	var nilContext context.Context
	ctx := context.Background()
	a := newApp(t)
	d, err := webhook.NewDispatcher(a.store, nil)
	require.NoError(t, err)
	nilargs.Run(t, []nilargs.Case{
		{Name: "NewDispatcher(nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := webhook.NewDispatcher(nil, nil)
			return err
		}},
		{Name: "valid: NewDispatcher(store, nil, nil option)", Call: func(*testing.T) error {
			_, err := webhook.NewDispatcher(a.store, nil, nil)
			return err
		}},
		{Name: "NewDispatcher(WithTimeout(0))", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := webhook.NewDispatcher(a.store, nil, webhook.WithTimeout(0))
			return err
		}},
		{Name: "NewDispatcher(WithSchedule(-1))", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := webhook.NewDispatcher(a.store, nil, webhook.WithSchedule(-1))
			return err
		}},
		{Name: "Run(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error { return d.Run(nilContext) }},
		{Name: "Create(nil, s)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.Create(nilContext, webhook.Subscription{})
			return err
		}},
		{Name: "Create(ctx, Subscription{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.Create(ctx, webhook.Subscription{})
			return err
		}},
		{Name: "List(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.List(nilContext)
			return err
		}},
		{Name: "Subscriptions(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.Subscriptions(nilContext)
			return err
		}},
		{Name: "Get(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.Get(nilContext, "x")
			return err
		}},
		{Name: `Get(ctx, "")`, Want: herald.ErrNotFound, Call: func(*testing.T) error {
			_, err := d.Get(ctx, "")
			return err
		}},
		{Name: "Pause(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error { return d.Pause(nilContext, "x") }},
		{Name: "Resume(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error { return d.Resume(nilContext, "x") }},
		{Name: "Remove(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error { return d.Remove(nilContext, "x") }},
		{Name: "Status(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.Status(nilContext, "x")
			return err
		}},
		{Name: "DeadLetters(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := d.DeadLetters(nilContext, "x")
			return err
		}},
		{Name: "Replay(nil, id, event)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return d.Replay(nilContext, "x", uuid.New())
		}},
		{Name: "Discard(ctx, unknown, event)", Want: herald.ErrNotFound, Call: func(*testing.T) error {
			return d.Discard(ctx, "x", uuid.Nil)
		}},
	})
}
