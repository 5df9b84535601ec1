package webhook_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSubscriptionsSurviveARestart makes a subscription on a bbolt file,
// stops, publishes while nothing runs, reopens the file and checks that
// every event arrives, once, in order.
func TestSubscriptionsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	rcv := newReceiver(t)
	open := func() (*boltstore.Store, *herald.Publisher, *webhook.Dispatcher) {
		store, err := boltstore.Open(path, boltstore.WithNoSync())
		require.NoError(t, err)
		p, err := herald.NewPublisher(store, nil)
		require.NoError(t, err)
		d, err := webhook.NewDispatcher(store, nil, fast(webhook.WithPollInterval(10*1e6))...)
		require.NoError(t, err)
		return store, p, d
	}
	publish := func(p *herald.Publisher) herald.Event {
		e, err := p.Publish(ctx, herald.Event{Aggregate: herald.AggregateRef{Context: "communication", Name: "message",
			ID: [16]byte{1}}, Name: "sent"})
		require.NoError(t, err)
		return e
	}

	store, p, d := open()
	s := subscribe(t, d, rcv.srv.URL)
	stop := run(t, d)
	var want []herald.Event
	want = append(want, publish(p))
	eventually(t, "the first delivery", func() bool { return len(rcv.events()) == 1 })
	stop()
	want = append(want, publish(p), publish(p))
	require.NoError(t, store.Close())

	store, _, d = open()
	defer store.Close()
	list, err := d.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, s.ID, list[0].ID)
	got, err := d.Get(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, testSecret, got.Secret)
	run(t, d)
	eventually(t, "three deliveries", func() bool { return len(rcv.events()) >= 3 })
	var ids, wantIDs []string
	for i, e := range rcv.events() {
		ids = append(ids, e.ID.String())
		wantIDs = append(wantIDs, want[i].ID.String())
	}
	assert.Equal(t, wantIDs, ids)
}
