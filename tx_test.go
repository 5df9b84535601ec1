package herald_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

func TestPublishAfterCommitWaitsForTheCommit(t *testing.T) {
	f := newFixture(t)
	uow := &herald.UnitOfWork{}
	ctx := herald.ContextWithTx(context.Background(), uow)
	ref := messageRef()

	require.NoError(t, f.publisher.PublishAfterCommit(ctx, sentEvent(ref, "one")))
	require.NoError(t, f.publisher.PublishBatchAfterCommit(ctx, []herald.Event{
		{Aggregate: ref, Name: "liked", Data: Liked{By: "jane"}},
		{Aggregate: ref, Name: "liked", Data: Liked{By: "john"}},
	}))
	assert.Empty(t, f.stored(t), "nothing is stored before the commit")
	assert.Empty(t, f.seen.all(), "nothing is delivered before the commit")

	require.NoError(t, uow.Commit(context.Background()))
	stored := f.stored(t)
	require.Len(t, stored, 3)
	assert.Equal(t, []string{"sent", "liked", "liked"}, names(stored))
	assert.Equal(t, stored, f.seen.all())
	assert.ErrorIs(t, uow.Commit(context.Background()), herald.ErrTxDone)
}

func TestPublishAfterCommitLeavesNoTraceOnRollback(t *testing.T) {
	f := newFixture(t)
	uow := &herald.UnitOfWork{}
	rolledBack := false
	require.NoError(t, uow.OnRollback(func(context.Context) { rolledBack = true }))
	ctx := herald.ContextWithTx(context.Background(), uow)
	require.NoError(t, f.publisher.PublishAfterCommit(ctx, sentEvent(messageRef(), "one")))

	require.NoError(t, uow.Rollback(context.Background()))
	assert.True(t, rolledBack)
	assert.Empty(t, f.stored(t))
	assert.Empty(t, f.seen.all())
	assert.ErrorIs(t, uow.Commit(context.Background()), herald.ErrTxDone)

	err := f.publisher.PublishAfterCommit(ctx, sentEvent(messageRef(), "late"))
	assert.ErrorIs(t, err, herald.ErrTxDone, "an ended transaction takes no more events")
}

func TestPublishAfterCommitNeedsATransaction(t *testing.T) {
	f := newFixture(t)
	err := f.publisher.PublishAfterCommit(context.Background(), sentEvent(messageRef(), "one"))
	assert.ErrorIs(t, err, herald.ErrNoTransaction)
	err = f.publisher.PublishBatchAfterCommit(context.Background(), []herald.Event{sentEvent(messageRef(), "one")})
	assert.ErrorIs(t, err, herald.ErrNoTransaction)
}

func TestPublishAfterCommitChecksEventsAtOnce(t *testing.T) {
	f := newFixture(t)
	uow := &herald.UnitOfWork{}
	ctx := herald.ContextWithTx(context.Background(), uow)
	err := f.publisher.PublishAfterCommit(ctx, sentEvent(messageRef(), ""))
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "data.text", invalid.Field)

	require.NoError(t, uow.Commit(context.Background()))
	assert.Empty(t, f.stored(t), "a rejected event is not attached to the transaction")
}

func TestPublishAfterCommitKeepsTheCallersUserAndCause(t *testing.T) {
	f := newFixture(t)
	uow := &herald.UnitOfWork{}
	ctx := herald.ContextWithTx(herald.ContextWithUser(context.Background(), herald.User{ID: "jane"}), uow)
	require.NoError(t, f.publisher.PublishAfterCommit(ctx, sentEvent(messageRef(), "one")))
	require.NoError(t, uow.Commit(context.Background()))
	stored := f.stored(t)
	require.Len(t, stored, 1)
	assert.Equal(t, "jane", stored[0].User.ID)
}

func TestCommitReportsAFailedAppend(t *testing.T) {
	f := newFixture(t)
	uow := &herald.UnitOfWork{}
	ctx := herald.ContextWithTx(context.Background(), uow)
	ref := messageRef()
	stale := sentEvent(ref, "stale")
	stale.Metadata.Revision = 1
	require.NoError(t, f.publisher.PublishAfterCommit(ctx, sentEvent(ref, "fresh")))
	require.NoError(t, f.publisher.PublishAfterCommit(ctx, stale))

	err := uow.Commit(context.Background())
	var conflict *herald.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Len(t, f.stored(t), 1, "each publish's hook stands on its own")
}

func TestCommitHookPanicIsAnError(t *testing.T) {
	uow := &herald.UnitOfWork{}
	require.NoError(t, uow.OnCommit(func(context.Context) error { panic("boom") }))
	err := uow.Commit(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")
}

func names(events []herald.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Name
	}
	return out
}

func TestRollbackHookPanicIsAnError(t *testing.T) {
	uow := &herald.UnitOfWork{}
	ran := false
	require.NoError(t, uow.OnRollback(func(context.Context) { panic("boom") }))
	require.NoError(t, uow.OnRollback(func(context.Context) { ran = true }))
	err := uow.Rollback(context.Background())
	require.ErrorContains(t, err, "boom")
	assert.True(t, ran, "the other hooks run all the same")
}
