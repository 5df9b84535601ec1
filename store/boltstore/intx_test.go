package boltstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
)

// Tests of the publisher's and the repository's calls made inside the
// application's own transaction of the store's file.

// Account is the aggregate of these tests.
type Account struct {
	herald.AggregateBase
	Balance int `json:"balance"`
}

// Deposited is the data of bank.account.deposited.
type Deposited struct {
	Amount int `json:"amount"`
}

func newAccount() *Account {
	a := &Account{}
	herald.Apply(a, "deposited", func(d Deposited) { a.Balance += d.Amount })
	return a
}

// deposit returns a command depositing each amount.
func deposit(amounts ...int) func(*Account) error {
	return func(a *Account) error {
		for _, amount := range amounts {
			if err := a.Publish("deposited", Deposited{Amount: amount}); err != nil {
				return err
			}
		}
		return nil
	}
}

// returnsWithin fails t unless fn returns within a minute: a call that
// waits for a transaction its caller holds never does.
func returnsWithin(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return: it waits for the transaction its caller holds", what)
	}
}

// bank is a publisher on an application's bbolt file, with a repository of
// accounts, delivering to a recording bus.
type bank struct {
	db       *bolt.DB
	store    *boltstore.Store
	bus      *recordingBus
	pub      *herald.Publisher
	accounts *herald.Repository[*Account]
}

func newBank(t *testing.T) *bank {
	t.Helper()
	b := &bank{bus: &recordingBus{}}
	b.db, b.store = appDB(t)
	var err error
	b.pub, err = herald.NewPublisher(b.store, b.bus)
	require.NoError(t, err)
	b.accounts, err = herald.NewRepository(b.pub, "bank", "account", newAccount, herald.WithSnapshotEvery(2))
	require.NoError(t, err)
	return b
}

func TestPublishInsideTheStoresTransactionFailsAtOnce(t *testing.T) {
	b := newBank(t)
	ref := storetest.NewRef("bank", "account")
	calls := map[string]func(ctx context.Context) error{
		"Publish": func(ctx context.Context) error {
			_, err := b.pub.Publish(ctx, storetest.NewEvent(ref, "deposited", Deposited{Amount: 1}))
			return err
		},
		"PublishBatch": func(ctx context.Context) error {
			_, err := b.pub.PublishBatch(ctx, []herald.Event{storetest.NewEvent(ref, "deposited", Deposited{Amount: 1})})
			return err
		},
		"Append": func(ctx context.Context) error {
			return b.store.Append(ctx, []herald.Event{storetest.NewEvent(ref, "deposited", Deposited{Amount: 1})})
		},
		"SaveCheckpoint": func(ctx context.Context) error { return b.store.SaveCheckpoint(ctx, "reader", 1) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var err error
			returnsWithin(t, name, func() {
				_ = b.db.Update(func(tx *bolt.Tx) error {
					err = call(boltstore.ContextWithTx(t.Context(), tx))
					return nil
				})
			})
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.ErrorContains(t, err, "PublishAfterCommit")
		})
	}
	stats, err := b.store.Stats(t.Context())
	require.NoError(t, err)
	assert.Zero(t, stats.Events, "nothing stored")
	assert.Empty(t, b.bus.all(), "nothing delivered")
	returnsWithin(t, "Close", func() { require.NoError(t, b.store.Close()) })
}

func TestRepositoryInsideTheStoresTransaction(t *testing.T) {
	b := newBank(t)
	ref := storetest.NewRef("bank", "account")
	var used, saved *Account
	returnsWithin(t, "Use and Save", func() {
		require.NoError(t, b.db.Update(func(tx *bolt.Tx) error {
			ctx := boltstore.ContextWithTx(t.Context(), tx)
			if err := tx.Bucket(accounts).Put([]byte("jane"), []byte("opened")); err != nil {
				return err
			}
			var err error
			if used, err = b.accounts.Use(ctx, ref.ID, deposit(100)); err != nil {
				return err
			}
			// A load in the transaction sees what it appended.
			if saved, err = b.accounts.Load(ctx, ref.ID); err != nil {
				return err
			}
			if err := deposit(5)(saved); err != nil {
				return err
			}
			if err := b.accounts.Save(ctx, saved); err != nil {
				return err
			}
			assert.Empty(t, b.bus.all(), "nothing delivered before the commit")
			return nil
		}))
	})
	assert.Equal(t, 100, used.Balance)
	assert.Equal(t, uint64(2), saved.Revision())
	assert.Equal(t, "opened", balance(t, b.db, "jane"), "the application's state")
	stored := storetest.ReadAll(t, b.store.ReadLog(t.Context(), 0))
	require.Len(t, stored, 2, "the events, with the application's state")
	assert.Equal(t, ids(stored), b.bus.ids(), "delivered once committed")
	snap, err := b.store.LoadSnapshot(t.Context(), ref)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), snap.Revision, "the snapshot, in the transaction")
	returnsWithin(t, "Close", func() { require.NoError(t, b.store.Close()) })
}

func TestRepositoryInsideARolledBackStoreTransaction(t *testing.T) {
	b := newBank(t)
	ref := storetest.NewRef("bank", "account")
	rollback := errors.New("the application changed its mind")
	err := b.db.Update(func(tx *bolt.Tx) error {
		ctx := boltstore.ContextWithTx(t.Context(), tx)
		if err := tx.Bucket(accounts).Put([]byte("jane"), []byte("opened")); err != nil {
			return err
		}
		if _, err := b.accounts.Use(ctx, ref.ID, deposit(100)); err != nil {
			return err
		}
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	assert.Empty(t, balance(t, b.db, "jane"))
	assert.Empty(t, storetest.ReadAll(t, b.store.ReadLog(t.Context(), 0)), "nothing stored")
	assert.Empty(t, b.bus.all(), "nothing delivered")
	a, err := b.accounts.Load(t.Context(), ref.ID)
	require.NoError(t, err)
	assert.Zero(t, a.Revision())
}

func TestRepositoryWithAUnitOfWork(t *testing.T) {
	for _, commit := range []bool{true, false} {
		name := map[bool]string{true: "commit", false: "rollback"}[commit]
		t.Run(name, func(t *testing.T) {
			b := newBank(t)
			ref := storetest.NewRef("bank", "account")
			var u herald.UnitOfWork
			ctx := herald.ContextWithTx(t.Context(), &u)
			_, err := b.accounts.Use(ctx, ref.ID, deposit(100, 5, 1))
			require.NoError(t, err)
			assert.Empty(t, storetest.ReadAll(t, b.store.ReadLog(t.Context(), 0)), "nothing stored before the commit")
			if !commit {
				require.NoError(t, u.Rollback(t.Context()))
				assert.Empty(t, storetest.ReadAll(t, b.store.ReadLog(t.Context(), 0)), "nothing stored")
				assert.Empty(t, b.bus.all(), "nothing delivered")
				return
			}
			require.NoError(t, u.Commit(t.Context()))
			stored := storetest.ReadAll(t, b.store.ReadLog(t.Context(), 0))
			require.Len(t, stored, 3)
			assert.Equal(t, ids(stored), b.bus.ids(), "delivered once committed")
			a, err := b.accounts.Load(t.Context(), ref.ID)
			require.NoError(t, err)
			assert.Equal(t, 106, a.Balance)
			_, err = b.store.LoadSnapshot(t.Context(), ref)
			assert.ErrorIs(t, err, herald.ErrNotFound, "no snapshot of events not yet stored")
		})
	}
}
