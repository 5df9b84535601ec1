package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

// publishing is a store, a bus whose one subscription sends what it gets
// to got, a publisher on both, and an application table.
type publishing struct {
	s         *pgstore.Store
	publisher *herald.Publisher
	got       chan herald.Event
	table     string
}

func newPublishing(t *testing.T) publishing {
	s := openStore(t)
	bus, err := membus.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close(context.Background()) })
	got := make(chan herald.Event, 16)
	require.NoError(t, bus.Subscribe(herald.Subscription{Name: "got", Handler: herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
		got <- e
		return nil
	})}))
	publisher, err := herald.NewPublisher(s, bus)
	require.NoError(t, err)
	table := pgx.Identifier{s.Schema(), "accounts"}.Sanitize()
	_, err = s.Pool().Exec(t.Context(), "CREATE TABLE "+table+" (name text PRIMARY KEY)")
	require.NoError(t, err)
	return publishing{s: s, publisher: publisher, got: got, table: table}
}

// open inserts an account and publishes its event in tx.
func (p publishing) open(t *testing.T, tx *pgstore.Tx, name string) {
	ctx := pgstore.ContextWithTx(t.Context(), tx)
	_, err := tx.Exec(ctx, "INSERT INTO "+p.table+" (name) VALUES ($1)", name)
	require.NoError(t, err)
	require.NoError(t, p.publisher.PublishAfterCommit(ctx, storetest.NewEvent(storetest.NewRef("bank", "account"), "opened", map[string]string{"name": name})))
}

func (p publishing) accounts(t *testing.T) int {
	var n int
	require.NoError(t, p.s.Pool().QueryRow(t.Context(), "SELECT count(*) FROM "+p.table).Scan(&n))
	return n
}

func (p publishing) events(t *testing.T) uint64 {
	st, err := p.s.Stats(t.Context())
	require.NoError(t, err)
	return st.Events
}

func TestPublishAfterCommitInTheApplicationsTransaction(t *testing.T) {
	p := newPublishing(t)
	tx, err := p.s.Begin(t.Context())
	require.NoError(t, err)
	p.open(t, tx, "jane")
	select {
	case e := <-p.got:
		t.Fatalf("delivered before the commit: %v", e)
	default:
	}
	require.NoError(t, tx.Commit(t.Context()))
	select {
	case e := <-p.got:
		assert.Equal(t, uint64(1), e.Metadata.Position)
	case <-time.After(time.Minute):
		t.Fatal("not delivered after the commit")
	}
	assert.Equal(t, 1, p.accounts(t))
	assert.Equal(t, uint64(1), p.events(t))
	assert.ErrorIs(t, tx.Rollback(t.Context()), pgx.ErrTxClosed, "a deferred Rollback after Commit does nothing")
	n, err := p.publisher.Redeliver(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "delivered and marked so")
}

func TestRollbackLeavesNeitherRowsNorEvents(t *testing.T) {
	p := newPublishing(t)
	tx, err := p.s.Begin(t.Context())
	require.NoError(t, err)
	p.open(t, tx, "jane")
	require.NoError(t, tx.Rollback(t.Context()))
	assert.Zero(t, p.accounts(t))
	assert.Zero(t, p.events(t))
	select {
	case e := <-p.got:
		t.Fatalf("delivered after a rollback: %v", e)
	default:
	}
}

// TestOutboxRedeliversAfterACrash commits the transaction without its
// hooks, as a process that dies between the commit and the delivery
// leaves it: the event is stored, not delivered, and Redeliver delivers
// it.
func TestOutboxRedeliversAfterACrash(t *testing.T) {
	p := newPublishing(t)
	tx, err := p.s.Begin(t.Context())
	require.NoError(t, err)
	p.open(t, tx, "jane")
	require.NoError(t, tx.Tx.Commit(t.Context())) // pgx's own: no hooks run
	assert.Equal(t, 1, p.accounts(t))
	n, err := p.publisher.Redeliver(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	select {
	case e := <-p.got:
		assert.Equal(t, uint64(1), e.Metadata.Position)
	case <-time.After(time.Minute):
		t.Fatal("not redelivered")
	}
}

// TestAppendInsideItsOwnTransactionIsRefused checks that a plain append
// with a context whose transaction appended already fails at once rather
// than wait for the head row that transaction holds.
func TestAppendInsideItsOwnTransactionIsRefused(t *testing.T) {
	s := openStore(t)
	tx, err := s.Begin(t.Context())
	require.NoError(t, err)
	defer tx.Rollback(t.Context())
	ctx := pgstore.ContextWithTx(t.Context(), tx)
	ok, err := s.AppendInCallerTx(ctx, []herald.Event{storetest.NewEvent(storetest.NewRef("a", "b"), "c", nil)}, nil)
	require.NoError(t, err)
	require.True(t, ok)
	err = s.Append(ctx, []herald.Event{storetest.NewEvent(storetest.NewRef("a", "b"), "c", nil)})
	assert.ErrorIs(t, err, herald.ErrInvalid)
}
