package storetest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Transaction is one of the application's transactions that a store
// appends in (driver.TxStore): Ctx carries it, Commit and Rollback end it.
type Transaction struct {
	Ctx      context.Context
	Commit   func() error
	Rollback func() error
}

// Option configures Run.
type Option func(*config) error

type config struct {
	begin func(t *testing.T, store herald.Store) Transaction
}

// WithTransactions gives Run the way to begin a transaction that store
// appends in, for the cases of driver.TxStore. The cases call begin and
// end the transaction on the test's goroutine. Without it, those cases
// are skipped.
func WithTransactions(begin func(t *testing.T, store herald.Store) Transaction) Option {
	return func(c *config) error { c.begin = begin; return nil }
}

func (s suite) inTxCases() []testCase {
	return []testCase{
		{"NoTransactionInContext", s.testInTxNone},
		{"Commit", s.testInTxCommit},
		{"Rollback", s.testInTxRollback},
		{"SeesItsOwnAppends", s.testInTxSeesItself},
		{"BadBatchLeavesTransactionUsable", s.testInTxBadBatch},
		{"Undelivered", s.testInTxUndelivered},
	}
}

// txStore returns a new store and its driver.TxStore, or skips the test
// when the store is not one or Run was given no WithTransactions.
func (s suite) txStore(t *testing.T) (herald.Store, driver.TxStore) {
	t.Helper()
	if s.begin == nil {
		t.Skip("no storetest.WithTransactions given")
	}
	st := s.newStore(t)
	ts, ok := st.(driver.TxStore)
	if !ok {
		t.Skipf("%T does not implement driver.TxStore", st)
	}
	return st, ts
}

// appendInTx appends events in tx and returns a counter of the calls of
// its committed function.
func appendInTx(t *testing.T, ts driver.TxStore, tx Transaction, undelivered bool, events ...herald.Event) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	appendInTx := ts.AppendInCallerTx
	if undelivered {
		appendInTx = ts.AppendUndeliveredInCallerTx
	}
	appended, err := appendInTx(tx.Ctx, events, func() { calls.Add(1) })
	require.NoError(t, err)
	require.True(t, appended, "the context carries a transaction the store appends in")
	return &calls
}

func (s suite) testInTxNone(t *testing.T) {
	st, ts := s.txStore(t)
	called := false
	appended, err := ts.AppendInCallerTx(context.Background(), events(NewRef("ctx", "agg"), "x", 1), func() { called = true })
	require.NoError(t, err)
	assert.False(t, appended)
	assert.False(t, called)
	assert.Empty(t, readLog(t, st))
}

func (s suite) testInTxCommit(t *testing.T) {
	st, ts := s.txStore(t)
	tx := s.begin(t, st)
	batch := events(NewRef("ctx", "agg"), "x", 3)
	committed := appendInTx(t, ts, tx, false, batch...)
	assert.Equal(t, []uint64{1, 2, 3}, Positions(batch), "positions at once")
	assert.Equal(t, []uint64{1, 2, 3}, revisions(batch))
	assert.Zero(t, committed.Load(), "committed runs after the commit")
	require.NoError(t, tx.Commit())
	assert.Equal(t, int32(1), committed.Load())
	AssertEventsEqual(t, batch, readLog(t, st))
	next := Append(t, st, event(NewRef("ctx", "agg"), "y", 0))
	assert.Equal(t, uint64(4), next[0].Metadata.Position, "appends go on after the transaction's")
}

func (s suite) testInTxRollback(t *testing.T) {
	st, ts := s.txStore(t)
	tx := s.begin(t, st)
	committed := appendInTx(t, ts, tx, false, events(NewRef("ctx", "agg"), "x", 2)...)
	require.NoError(t, tx.Rollback())
	assert.Zero(t, committed.Load(), "committed never runs after a rollback")
	assert.Empty(t, readLog(t, st))
	assert.Zero(t, stats(t, st).Events)
	next := Append(t, st, event(NewRef("ctx", "agg"), "y", 0))
	assert.Equal(t, uint64(1), next[0].Metadata.Position, "the positions rolled back are taken again")
}

func (s suite) testInTxSeesItself(t *testing.T) {
	st, ts := s.txStore(t)
	ref := NewRef("ctx", "agg")
	tx := s.begin(t, st)
	first := events(ref, "x", 2)
	appendInTx(t, ts, tx, false, first...)
	more := []herald.Event{event(ref, "y", 0)}
	appendInTx(t, ts, tx, false, more...)
	assert.Equal(t, uint64(3), more[0].Metadata.Revision, "a later append sees the earlier one")
	_, err := ts.AppendInCallerTx(tx.Ctx, []herald.Event{unstored(first)[0], event(ref, "z", 1)}, nil)
	assert.ErrorIs(t, err, herald.ErrDuplicate, "an id appended earlier in the transaction")
	_, err = ts.AppendInCallerTx(tx.Ctx, []herald.Event{atRevision(event(ref, "z", 2), 3)}, nil)
	assert.ErrorIs(t, err, herald.ErrConflict)
	require.NoError(t, tx.Commit())
	AssertEventsEqual(t, append(first, more...), readLog(t, st))
}

func (s suite) testInTxBadBatch(t *testing.T) {
	st, ts := s.txStore(t)
	tx := s.begin(t, st)
	bad := events(NewRef("ctx", "agg"), "x", 2)
	bad[1].Name = ""
	_, err := ts.AppendInCallerTx(tx.Ctx, bad, nil)
	require.ErrorIs(t, err, herald.ErrInvalid)
	good := events(NewRef("ctx", "agg"), "y", 1)
	appendInTx(t, ts, tx, false, good...)
	require.NoError(t, tx.Commit())
	AssertEventsEqual(t, good, readLog(t, st))
}

func (s suite) testInTxUndelivered(t *testing.T) {
	st, ts := s.txStore(t)
	ob, ok := st.(driver.Outbox)
	if !ok {
		t.Skipf("%T does not implement driver.Outbox", st)
	}
	tx := s.begin(t, st)
	batch := events(NewRef("ctx", "agg"), "x", 2)
	appendInTx(t, ts, tx, true, batch...)
	plain := events(NewRef("ctx", "agg"), "y", 1)
	appendInTx(t, ts, tx, false, plain...)
	require.NoError(t, tx.Commit())
	AssertEventsEqual(t, batch, undelivered(t, ob))
}
