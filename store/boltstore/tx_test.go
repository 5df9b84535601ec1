package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Tests of appending inside the application's own bbolt transaction.

// recordingBus is a herald.Bus that keeps what it is given, or fails.
type recordingBus struct {
	mu     sync.Mutex
	events []herald.Event
	fail   error
}

func (b *recordingBus) Publish(_ context.Context, events []herald.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	b.events = append(b.events, events...)
	return nil
}

func (b *recordingBus) Subscribe(herald.Subscription) error       { return nil }
func (b *recordingBus) Unsubscribe(context.Context, string) error { return nil }
func (b *recordingBus) all() []herald.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]herald.Event(nil), b.events...)
}
func (b *recordingBus) failWith(err error) { b.mu.Lock(); b.fail = err; b.mu.Unlock() }
func (b *recordingBus) ids() []uuid.UUID   { return ids(b.all()) }
func ids(events []herald.Event) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i := range events {
		out[i] = events[i].ID
	}
	return out
}

var accounts = []byte("accounts")

// appDB opens a bbolt file with an application bucket and a store in it.
func appDB(t *testing.T) (*bolt.DB, *boltstore.Store) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket(accounts)
		return err
	}))
	s, err := boltstore.New(db)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return db, s
}

func balance(t *testing.T, db *bolt.DB, who string) string {
	t.Helper()
	var v string
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(accounts).Get([]byte(who)))
		return nil
	}))
	return v
}

func TestAppendTxCommitsWithTheApplication(t *testing.T) {
	db, s := appDB(t)
	ref := storetest.NewRef("bank", "account")
	var batch []herald.Event
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(accounts).Put([]byte("jane"), []byte("100")); err != nil {
			return err
		}
		batch = []herald.Event{storetest.NewEvent(ref, "opened", nil), storetest.NewEvent(ref, "deposited", 100)}
		if err := s.AppendTx(tx, batch); err != nil {
			return err
		}
		// A later append of the same transaction sees the earlier one.
		more := []herald.Event{storetest.NewEvent(ref, "deposited", 5)}
		if err := s.AppendTx(tx, more); err != nil {
			return err
		}
		assert.Equal(t, uint64(3), more[0].Metadata.Revision)
		again := []herald.Event{batch[0], storetest.NewEvent(ref, "deposited", 1)}
		assert.ErrorIs(t, s.AppendTx(tx, again), herald.ErrDuplicate, "an id appended earlier in the transaction")
		stale := []herald.Event{storetest.NewEvent(ref, "deposited", 1)}
		stale[0].Metadata.Revision = 3
		assert.ErrorIs(t, s.AppendTx(tx, stale), herald.ErrConflict)
		batch = append(batch, more...)
		return nil
	}))
	assert.Equal(t, []uint64{1, 2, 3}, storetest.Positions(batch))
	assert.Equal(t, "100", balance(t, db, "jane"))
	storetest.AssertEventsEqual(t, batch, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))

	next := storetest.Append(t, s, storetest.NewEvent(ref, "withdrawn", 20))
	assert.Equal(t, uint64(4), next[0].Metadata.Position, "the committer goes on after the application's appends")
	assert.Equal(t, uint64(4), next[0].Metadata.Revision)
	dup := []herald.Event{batch[1]}
	dup[0].Metadata.Position, dup[0].Metadata.Revision = 0, 0
	require.NoError(t, s.Append(t.Context(), dup), "ids appended in a transaction are known to Append")
	assert.Equal(t, uint64(2), dup[0].Metadata.Position)
}

func TestAppendTxRollbackLeavesNoTrace(t *testing.T) {
	db, s := appDB(t)
	ref := storetest.NewRef("bank", "account")
	before := storetest.Append(t, s, storetest.NewEvent(ref, "opened", nil))
	boom := errors.New("boom")
	var rolledBack herald.Event
	err := db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(accounts).Put([]byte("jane"), []byte("100")); err != nil {
			return err
		}
		batch := []herald.Event{storetest.NewEvent(ref, "deposited", 100)}
		if err := s.AppendTx(tx, batch); err != nil {
			return err
		}
		rolledBack = batch[0]
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Empty(t, balance(t, db, "jane"))
	storetest.AssertEventsEqual(t, before, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
	st, err := s.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, map[string]uint64{"bank.account.opened": 1}, st.Counts)

	again := []herald.Event{rolledBack}
	again[0].Metadata.Position, again[0].Metadata.Revision = 0, 0
	storetest.Append(t, s, again...)
	assert.Equal(t, uint64(2), again[0].Metadata.Position, "a rolled back id is free, its position taken again")
	assert.Equal(t, uint64(2), again[0].Metadata.Revision)
}

func TestAppendTxRefusesOtherTransactions(t *testing.T) {
	db, s := appDB(t)
	other, err := bolt.Open(filepath.Join(t.TempDir(), "other.db"), 0o600, nil)
	require.NoError(t, err)
	defer other.Close()
	e := storetest.NewEvent(storetest.NewRef("ctx", "agg"), "x", nil)
	require.NoError(t, other.Update(func(tx *bolt.Tx) error {
		assert.ErrorIs(t, s.AppendTx(tx, []herald.Event{e}), herald.ErrInvalid, "a transaction of another file")
		return nil
	}))
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		assert.ErrorIs(t, s.AppendTx(tx, []herald.Event{e}), herald.ErrInvalid, "a read-only transaction")
		return nil
	}))
	require.NoError(t, s.Close())
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		assert.ErrorIs(t, s.AppendTx(tx, []herald.Event{e}), herald.ErrClosed)
		return nil
	}))
}

func TestPublishAfterCommitInsideABoltTransaction(t *testing.T) {
	db, s := appDB(t)
	bus := &recordingBus{}
	p, err := herald.NewPublisher(s, bus)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "bank", Name: "account", ID: uuid.New()}

	var seenInTx int
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		ctx := boltstore.ContextWithTx(context.Background(), tx)
		if err := tx.Bucket(accounts).Put([]byte("jane"), []byte("100")); err != nil {
			return err
		}
		if err := p.PublishAfterCommit(ctx, herald.Event{Aggregate: ref, Name: "opened"}); err != nil {
			return err
		}
		err := p.PublishBatchAfterCommit(ctx, []herald.Event{
			{Aggregate: ref, Name: "deposited", Data: 60},
			{Aggregate: ref, Name: "deposited", Data: 40},
		})
		seenInTx = len(bus.all())
		return err
	}))
	assert.Zero(t, seenInTx, "nothing is delivered before the commit")
	assert.Equal(t, "100", balance(t, db, "jane"))
	stored := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, stored, 3)
	assert.Equal(t, ids(stored), bus.ids(), "delivered after the commit, in order")
	assert.Equal(t, []uint64{1, 2, 3}, storetest.Positions(bus.all()))
	assert.Empty(t, undelivered(t, s), "delivered events are marked delivered")

	require.ErrorIs(t, db.Update(func(tx *bolt.Tx) error {
		ctx := boltstore.ContextWithTx(context.Background(), tx)
		if err := tx.Bucket(accounts).Put([]byte("jane"), []byte("0")); err != nil {
			return err
		}
		if err := p.PublishAfterCommit(ctx, herald.Event{Aggregate: ref, Name: "withdrawn", Data: 100}); err != nil {
			return err
		}
		return errBoom
	}), errBoom)
	assert.Equal(t, "100", balance(t, db, "jane"))
	assert.Len(t, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)), 3, "nothing stored on rollback")
	assert.Len(t, bus.all(), 3, "nothing delivered on rollback")

	err = p.PublishAfterCommit(context.Background(), herald.Event{Aggregate: ref, Name: "withdrawn"})
	assert.ErrorIs(t, err, herald.ErrNoTransaction, "no transaction at all")

	uow := &herald.UnitOfWork{}
	require.NoError(t, p.PublishAfterCommit(herald.ContextWithTx(context.Background(), uow), herald.Event{Aggregate: ref, Name: "closed"}))
	assert.Len(t, bus.all(), 3)
	require.NoError(t, uow.Commit(context.Background()))
	assert.Len(t, bus.all(), 4, "a herald.Tx still works with a store that appends in transactions")
}

var errBoom = errors.New("boom")

// undelivered collects what the store's outbox holds.
func undelivered(t *testing.T, s *boltstore.Store) []herald.Event {
	t.Helper()
	return storetest.ReadAll(t, s.Undelivered(t.Context()))
}
