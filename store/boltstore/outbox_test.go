package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Tests of the outbox: what a publisher stored and did not deliver is
// delivered after a restart.

// restart closes s, as a process that stops would, and opens its file
// again.
func restart(t *testing.T, s *boltstore.Store) *boltstore.Store {
	t.Helper()
	path := s.DB().Path()
	require.NoError(t, s.Close())
	again, err := boltstore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { again.Close() })
	return again
}

func TestRedeliverWhatTheBusDidNotGet(t *testing.T) {
	s := openStore(t)
	down := &recordingBus{}
	down.failWith(errors.New("bus is down"))
	p, err := herald.NewPublisher(s, down)
	require.NoError(t, err)
	ref := storetest.NewRef("communication", "message")
	delivered, err := p.Publish(t.Context(), herald.Event{Aggregate: ref, Name: "sent", Data: "one"})
	require.Error(t, err, "the bus failed")
	assert.Zero(t, delivered.Metadata.Position)
	_, err = p.PublishBatch(t.Context(), []herald.Event{{Aggregate: ref, Name: "liked"}, {Aggregate: ref, Name: "liked"}})
	require.Error(t, err)
	stored := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, stored, 3, "stored, though not delivered")
	storetest.AssertEventsEqual(t, stored, undelivered(t, s))

	s = restart(t, s)
	storetest.AssertEventsEqual(t, stored, undelivered(t, s)) // the outbox survives a restart
	bus := &recordingBus{}
	p, err = herald.NewPublisher(s, bus)
	require.NoError(t, err)
	n, err := p.Redeliver(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	storetest.AssertEventsEqual(t, stored, bus.all())
	assert.Empty(t, undelivered(t, s))

	s = restart(t, s)
	assert.Empty(t, undelivered(t, s), "marks written at close")
	p, err = herald.NewPublisher(s, &recordingBus{})
	require.NoError(t, err)
	n, err = p.Redeliver(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is delivered twice after a clean restart")
}

func TestDeliveredEventsAreNotRedelivered(t *testing.T) {
	s := openStore(t)
	p, err := herald.NewPublisher(s, &recordingBus{})
	require.NoError(t, err)
	ref := storetest.NewRef("communication", "message")
	for range 5 {
		_, err := p.Publish(t.Context(), herald.Event{Aggregate: ref, Name: "liked"})
		require.NoError(t, err)
	}
	assert.Empty(t, undelivered(t, s))
	s = restart(t, s)
	assert.Empty(t, undelivered(t, s))
}

func TestPartlyDeliveredBatch(t *testing.T) {
	s := openStore(t)
	ref := storetest.NewRef("ctx", "agg")
	batch := make([]herald.Event, 6)
	for i := range batch {
		batch[i] = storetest.NewEvent(ref, "x", i)
	}
	require.NoError(t, s.AppendUndelivered(t.Context(), batch))
	require.NoError(t, s.AppendUndelivered(t.Context(), []herald.Event{storetest.NewEvent(ref, "y", nil)}))
	require.NoError(t, s.MarkDelivered(t.Context(), []herald.Event{batch[1], batch[2], batch[4]}))
	want := []uint64{1, 4, 6, 7}
	assert.Equal(t, want, storetest.Positions(undelivered(t, s)), "marks not yet written")
	s = restart(t, s)
	assert.Equal(t, want, storetest.Positions(undelivered(t, s)), "marks written")
	require.NoError(t, s.MarkDelivered(t.Context(), []herald.Event{batch[5]}))
	require.NoError(t, s.MarkDelivered(t.Context(), batch[:1]))
	s = restart(t, s)
	assert.Equal(t, []uint64{4, 7}, storetest.Positions(undelivered(t, s)))
}

func TestPlainAppendsAreNotInTheOutbox(t *testing.T) {
	s := openStore(t)
	storetest.Append(t, s, storetest.NewEvent(storetest.NewRef("ctx", "agg"), "x", nil))
	assert.Empty(t, undelivered(t, s))
	p, err := herald.NewPublisher(s, nil)
	require.NoError(t, err)
	_, err = p.Publish(t.Context(), herald.Event{Aggregate: storetest.NewRef("ctx", "agg"), Name: "x"})
	require.NoError(t, err)
	assert.Empty(t, undelivered(t, s), "a publisher without a bus has nothing to deliver")
}

// TestCrashBetweenCommitAndDelivery appends inside an application's
// transaction as PublishAfterCommit does, and stops before the delivery
// that runs after the commit, as a crash would.
func TestCrashBetweenCommitAndDelivery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	s, err := boltstore.New(db)
	require.NoError(t, err)
	ref := storetest.NewRef("bank", "account")
	batch := []herald.Event{storetest.NewEvent(ref, "opened", nil), storetest.NewEvent(ref, "deposited", 10)}
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		ctx := boltstore.ContextWithTx(context.Background(), tx)
		appended, err := s.AppendUndeliveredInCallerTx(ctx, batch, func() { /* the process dies here */ })
		assert.True(t, appended)
		return err
	}))
	require.NoError(t, s.Close())
	require.NoError(t, db.Close())

	s, err = boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	bus := &recordingBus{}
	p, err := herald.NewPublisher(s, bus)
	require.NoError(t, err)
	n, err := p.Redeliver(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	storetest.AssertEventsEqual(t, batch, bus.all())
}

func TestRedeliveredDataIsDecoded(t *testing.T) {
	type sent struct {
		Text string `json:"text"`
	}
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[sent](reg, "communication", "message", "sent")
	require.NoError(t, err)
	s := openStore(t)
	down := &recordingBus{}
	down.failWith(errors.New("bus is down"))
	p, err := herald.NewPublisher(s, down, herald.WithRegistry(reg))
	require.NoError(t, err)
	_, err = p.Publish(t.Context(), herald.Event{Aggregate: storetest.NewRef("communication", "message"), Name: "sent", Data: sent{"hey"}})
	require.Error(t, err)

	s = restart(t, s)
	bus := &recordingBus{}
	p, err = herald.NewPublisher(s, bus, herald.WithRegistry(reg))
	require.NoError(t, err)
	_, err = p.Redeliver(t.Context())
	require.NoError(t, err)
	require.Len(t, bus.all(), 1)
	assert.Equal(t, sent{"hey"}, bus.all()[0].Data, "handlers get the Go value, as from Publish")
}
