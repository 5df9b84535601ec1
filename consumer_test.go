package herald_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

// bound is how long a test waits for what should happen soon; it only
// bounds a test that fails, so it is generous for a loaded machine.
const bound = time.Minute

// liker is a subscription handler that likes the message target whenever
// a message is sent, as the user by.
type liker struct {
	repo    *herald.Repository[*Message]
	target  herald.AggregateRef
	by      string
	handled atomic.Int32
}

func (l *liker) Handle(ctx context.Context, e herald.Event) error {
	defer l.handled.Add(1)
	_, err := l.repo.Use(ctx, l.target.ID, func(m *Message) error { return m.Like(l.by) })
	return err
}

func TestTwoConsumersOfOneEventBothChangeOneAggregate(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	target := messageRef()
	_, err := repo.Use(ctx, target.ID, func(m *Message) error { return m.Send("the target") })
	require.NoError(t, err)

	likers := []*liker{{repo: repo, target: target, by: "notifier"}, {repo: repo, target: target, by: "auditor"}}
	for _, l := range likers {
		require.NoError(t, f.bus.Subscribe(herald.Subscription{
			Name: l.by, Events: []string{"communication.message.sent"}, Handler: l,
		}))
	}
	cause, err := f.publisher.Publish(ctx, sentEvent(messageRef(), "the cause"))
	require.NoError(t, err)
	handledAll := func(n int32) func() bool {
		return func() bool { return likers[0].handled.Load() == n && likers[1].handled.Load() == n }
	}
	require.Eventually(t, handledAll(1), bound, time.Millisecond)

	m, err := repo.Load(ctx, target.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"notifier", "auditor"}, m.Likes, "both commands are stored")
	assert.Equal(t, uint64(3), m.Revision())

	// The cause delivered again: each consumer repeats its command, and
	// nothing new is stored.
	require.NoError(t, f.bus.Publish(ctx, []herald.Event{cause}))
	require.Eventually(t, handledAll(2), bound, time.Millisecond)
	m, err = repo.Load(ctx, target.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"notifier", "auditor"}, m.Likes, "a repeat stores nothing")
	assert.Len(t, f.stored(t), 4)
}

func TestEveryEventOfAnAggregateCarriesItsOwner(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	as := func(user string) context.Context {
		if user == "" {
			return context.Background()
		}
		return herald.ContextWithUser(context.Background(), herald.User{ID: user})
	}
	ref := messageRef()
	_, err := repo.Use(as("jane"), ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)
	for _, user := range []string{"john", ""} {
		_, err := repo.Use(as(user), ref.ID, func(m *Message) error { return m.Like(user) })
		require.NoError(t, err)
	}

	events := f.stored(t)
	require.Len(t, events, 3)
	for i, user := range []string{"jane", "john", ""} {
		e := events[i]
		require.NotNil(t, e.Metadata.Authorization, "event %d", i)
		assert.Equal(t, "jane", e.Metadata.Authorization.Owner, "event %d, published by %q", i, user)
		if user == "" {
			assert.Nil(t, e.User, "event %d is anonymous", i)
		} else {
			assert.Equal(t, user, e.User.ID, "event %d", i)
		}
	}
	m, err := repo.Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Equal(t, "jane", m.Owner())
}

func TestAHandlersEventsCarryTheOwnerAndTheCausesUser(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	target := messageRef()
	_, err := repo.Use(herald.ContextWithUser(context.Background(), herald.User{ID: "jane"}), target.ID,
		func(m *Message) error { return m.Send("the target") })
	require.NoError(t, err)
	l := &liker{repo: repo, target: target, by: "a handler"}
	require.NoError(t, f.bus.Subscribe(herald.Subscription{
		Name: "liker", Events: []string{"communication.message.sent"}, Handler: l,
	}))

	_, err = f.publisher.Publish(herald.ContextWithUser(context.Background(), herald.User{ID: "john"}),
		sentEvent(messageRef(), "the cause"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return l.handled.Load() == 1 }, bound, time.Millisecond)

	events := f.stored(t)
	require.Len(t, events, 3)
	liked := events[2]
	require.Equal(t, "liked", liked.Name)
	require.NotNil(t, liked.User)
	assert.Equal(t, "john", liked.User.ID, "the user of the cause")
	assert.Equal(t, "jane", liked.Metadata.Authorization.Owner, "the owner of the aggregate")
	assert.Equal(t, events[1].ID, liked.Metadata.CausationID)
}

func TestOwnershipTransfers(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f, herald.WithSnapshotEvery(2))
	jane := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	ref := messageRef()
	_, err := repo.Use(jane, ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)
	_, err = repo.Use(jane, ref.ID, func(m *Message) error { return m.TransferOwnership("john") })
	require.NoError(t, err)
	_, err = repo.Use(jane, ref.ID, func(m *Message) error { return m.Like("jane") })
	require.NoError(t, err)

	events := f.stored(t)
	require.Len(t, events, 3)
	transfer := events[1]
	assert.Equal(t, herald.TransferredOwnership, transfer.Name)
	assert.Equal(t, "john", transfer.Metadata.Authorization.Owner)
	data, err := herald.DataAs[herald.OwnershipTransferred](&transfer)
	require.NoError(t, err)
	assert.Equal(t, herald.OwnershipTransferred{From: "jane", To: "john"}, data)
	assert.Equal(t, "john", events[2].Metadata.Authorization.Owner, "later events carry the new owner")

	snap, err := f.store.LoadSnapshot(context.Background(), ref)
	require.NoError(t, err)
	require.Equal(t, uint64(2), snap.Revision, "the transfer is in the snapshot")
	m, err := repo.Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Equal(t, "john", m.Owner(), "loaded from the snapshot")

	err = m.TransferOwnership("")
	require.ErrorIs(t, err, herald.ErrInvalid)
	_, err = herald.Define[herald.OwnershipTransferred](newRegistry(t), "communication", "message", herald.TransferredOwnership)
	require.ErrorIs(t, err, herald.ErrInvalid, "the name is reserved")
}
