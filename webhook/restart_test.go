package webhook_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
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
		d, err := webhook.NewDispatcher(store, nil, fast(webhook.WithPollInterval(10*time.Millisecond))...)
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
	eventually(t, "the first delivery acknowledged and passed", func() bool {
		st, err := d.Status(ctx, s.ID)
		require.NoError(t, err)
		return st.Position >= want[0].Metadata.Position
	})
	stop() // a delivery cut short by a stop is made again after it: at least once
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

// TestLeaseLetsOneProcessDeliver runs two dispatchers over one store that
// share a lease, as two processes would: one delivers, the other waits.
func TestLeaseLetsOneProcessDeliver(t *testing.T) {
	a := newApp(t)
	rcv := newReceiver(t)
	lease := &engine.LocalLease{}
	first, err := webhook.NewDispatcher(a.store, a.bus, fast(webhook.WithLease(lease))...)
	require.NoError(t, err)
	s := subscribe(t, first, rcv.srv.URL)
	second, err := webhook.NewDispatcher(a.store, nil, fast(webhook.WithLease(lease), webhook.WithPollInterval(10*time.Millisecond))...)
	require.NoError(t, err)
	run(t, first)
	run(t, second)
	a.publish(t, "sent", nil)
	eventually(t, "the delivery", func() bool { return len(rcv.events()) >= 1 })
	states := func() []string {
		var out []string
		for _, d := range []*webhook.Dispatcher{first, second} {
			st, err := d.Status(context.Background(), s.ID)
			require.NoError(t, err)
			out = append(out, st.State)
		}
		return out
	}
	eventually(t, "one live, one on standby", func() bool {
		st := states()
		return (st[0] == "live" && st[1] == "standby") || (st[0] == "standby" && st[1] == "live")
	})
}
