package herald_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
)

// TestErrorsReadOneWay checks that the package's errors read
// "herald: what was done: detail: wrapped error", with one prefix, and
// still match their sentinels and detail types.
func TestErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	repo := newRepo(t, f)
	closed := newFixture(t)
	require.NoError(t, closed.publisher.Close(ctx))
	strict := newRegistry(t, herald.WithStrict())
	var u herald.UnitOfWork
	require.NoError(t, u.Commit(ctx))
	_, resolveErr := herald.RetryPolicy{MaxInterval: time.Millisecond, InitialInterval: time.Second}.Resolve()
	_, defineErr := herald.Define[Sent](f.registry, "communication", "message", "sent")
	_, optionErr := herald.NewRepository(f.publisher, "communication", "message", newMessage, herald.WithRetries(-1))
	var e herald.Event
	cases := map[string]prefixtest.Case{
		"nil store":       {func() error { _, err := herald.NewPublisher(nil, nil); return err }(), herald.ErrInvalid},
		"bad option":      {optionErr, herald.ErrInvalid},
		"retry policy":    {resolveErr, herald.ErrInvalid},
		"defined twice":   {defineErr, herald.ErrInvalid},
		"nil context":     {second(f.publisher.Publish(nilContext, herald.Event{})), herald.ErrInvalid},
		"closed":          {second(closed.publisher.Publish(ctx, herald.Event{})), herald.ErrClosed},
		"no transaction":  {f.publisher.PublishAfterCommit(ctx, herald.Event{}), herald.ErrNoTransaction},
		"unit of work":    {u.Commit(ctx), herald.ErrTxDone},
		"invalid event":   {second(f.publisher.Publish(ctx, herald.Event{})), herald.ErrInvalid},
		"strict registry": {strict.Check(&herald.Event{Aggregate: messageRef(), Name: "sent", ID: uuid.New()}), herald.ErrInvalid},
		"bad ref":         {herald.AggregateRef{}.Check(), herald.ErrInvalid},
		"decode json":     {e.UnmarshalJSON([]byte(`{"id": 3}`)), herald.ErrInvalid},
		"nil command": {func() error {
			_, err := repo.Use(ctx, messageRef().ID, nil)
			return err
		}(), herald.ErrInvalid},
	}
	prefixtest.CheckAll(t, "herald", cases)

	var ve *herald.ValidationError
	assert.True(t, errors.As(cases["invalid event"].Err, &ve))
	assert.True(t, errors.As(cases["decode json"].Err, &ve))
	assert.True(t, errors.As(cases["strict registry"].Err, &ve))
}

// TestStoreErrorsPassThrough checks that a store's error reaches the caller
// of the publisher as the store wrote it: under the store's prefix, once.
func TestStoreErrorsPassThrough(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	repo := newRepo(t, f)
	ref := messageRef()
	a, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	require.NoError(t, a.Send("hi"))
	b, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	require.NoError(t, b.Send("ho"))
	require.NoError(t, repo.Save(ctx, a))
	err = repo.Save(ctx, b)
	prefixtest.Check(t, err, "memstore", herald.ErrConflict)
	var ce *herald.ConflictError
	assert.True(t, errors.As(err, &ce))
}

// second returns the error of a call that returns a value and an error.
func second[T any](_ T, err error) error { return err }
