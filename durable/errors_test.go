package durable_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/store/memstore"
)

// TestErrorsReadOneWay checks that the errors of durable subscriptions
// read "durable: what was done: detail: wrapped error", with one prefix
// also around the errors of match, the engine and the store.
func TestErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	store, err := memstore.New()
	require.NoError(t, err)
	ok := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	newSub := func(s herald.Subscription) error {
		_, err := durable.New(durable.Config{Subscription: s, Store: store})
		return err
	}
	_, retryErr := durable.New(durable.Config{Subscription: herald.Subscription{Name: "x", Handler: ok},
		Store: store, Retry: herald.RetryPolicy{MaxAttempts: -1}})
	d, err := durable.New(durable.Config{Subscription: herald.Subscription{Name: "d", Handler: ok}, Store: store})
	require.NoError(t, err)
	require.NoError(t, store.Close())
	_, closed := d.Status(ctx)
	cases := map[string]prefixtest.Case{
		"nil handler":  {newSub(herald.Subscription{Name: "x"}), herald.ErrInvalid},
		"bad pattern":  {newSub(herald.Subscription{Name: "x", Handler: ok, Pattern: `{"name":"sent"}`}), herald.ErrInvalid},
		"bad names":    {newSub(herald.Subscription{Name: "x", Handler: ok, Events: []string{"a"}}), herald.ErrInvalid},
		"empty name":   {newSub(herald.Subscription{Handler: ok}), herald.ErrInvalid},
		"retry policy": {retryErr, herald.ErrInvalid},
		"closed store": {closed, herald.ErrClosed},
	}
	prefixtest.CheckAll(t, "durable", cases)
}
