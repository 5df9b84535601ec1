package durable_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeadLettersOutlastAProcessRestart dead-letters an event on a bbolt
// store, closes the store as a process ends, opens it again and replays
// the letter through a new subscription of the same name.
func TestDeadLettersOutlastAProcessRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "events.db")
	var healed atomic.Bool
	var handled atomic.Int64
	var bad uuid.UUID
	handler := herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
		if e.ID == bad && !healed.Load() {
			return errors.New("the mail server refuses")
		}
		handled.Add(1)
		return nil
	})
	run := func(store *boltstore.Store) (*durable.Subscription, func()) {
		d, err := durable.New(durable.Config{
			Subscription: herald.Subscription{Name: "mailer", Handler: handler}, Store: store,
			Retry: herald.RetryPolicy{InitialInterval: time.Millisecond, MaxAttempts: 2}, PollInterval: time.Millisecond,
		})
		require.NoError(t, err)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.Run(runCtx) }()
		return d, func() { stop(); require.NoError(t, <-done) }
	}

	store, err := boltstore.Open(path)
	require.NoError(t, err)
	events := []herald.Event{
		{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}, Name: "placed", ID: uuid.New()},
		{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}, Name: "placed", ID: uuid.New()},
	}
	bad = events[0].ID
	require.NoError(t, store.Append(ctx, events))
	d, stop := run(store)
	require.NoError(t, d.Wait(ctx, 2))
	stop()
	require.NoError(t, store.Close())

	store, err = boltstore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	d, stop = run(store)
	defer stop()
	letters, err := d.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, letters, 1, "the letter outlasted the restart")
	assert.Equal(t, bad, letters[0].Event.ID)
	assert.Equal(t, 2, letters[0].Attempts)
	assert.EqualError(t, letters[0].Err, "the mail server refuses")

	healed.Store(true)
	require.NoError(t, d.Replay(ctx, bad))
	assert.Equal(t, int64(2), handled.Load(), "the replayed event and the one after it")
	letters, err = d.DeadLetters(ctx)
	require.NoError(t, err)
	assert.Empty(t, letters)
}
