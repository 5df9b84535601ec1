package herald_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
)

// Message is the aggregate of these tests.
type Message struct {
	herald.AggregateBase
	Text  string   `json:"text"`
	Likes []string `json:"likes"`
}

func newMessage() *Message {
	m := &Message{}
	herald.Apply(m, "sent", func(s Sent) { m.Text = s.Text })
	herald.Apply(m, "liked", func(l Liked) { m.Likes = append(m.Likes, l.By) })
	return m
}

func (m *Message) Send(text string) error {
	if m.Revision() > 0 {
		return errors.New("already sent")
	}
	return m.Publish("sent", Sent{Text: text})
}

func (m *Message) Like(by string) error { return m.Publish("liked", Liked{By: by}) }

func newRepo(t *testing.T, f *fixture, options ...herald.RepositoryOption) *herald.Repository[*Message] {
	t.Helper()
	repo, err := herald.NewRepository(f.publisher, "communication", "message", newMessage, options...)
	require.NoError(t, err)
	return repo
}

func TestAggregatePublishAppliesAtOnce(t *testing.T) {
	f := newFixture(t)
	ref := messageRef()
	m, err := newRepo(t, f).Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Equal(t, uint64(0), m.Revision())
	assert.Equal(t, ref, m.Ref())

	require.NoError(t, m.Send("hey"))
	require.NoError(t, m.Like("jane"))
	assert.Equal(t, "hey", m.Text)
	assert.Equal(t, []string{"jane"}, m.Likes)
	assert.Equal(t, uint64(2), m.Revision())
	pending := m.Pending()
	require.Len(t, pending, 2)
	assert.Equal(t, ref, pending[1].Aggregate)
	assert.Equal(t, uint64(2), pending[1].Metadata.Revision)
	assert.Empty(t, f.stored(t), "nothing is stored before Save")
}

func TestAggregatePublishRejectsUnknownEventsAndWrongData(t *testing.T) {
	f := newFixture(t)
	m, err := newRepo(t, f).Load(context.Background(), messageRef().ID)
	require.NoError(t, err)
	require.ErrorIs(t, m.Publish("deleted", nil), herald.ErrInvalid)
	var invalid *herald.ValidationError
	require.ErrorAs(t, m.Publish("sent", Liked{}), &invalid)
	assert.Equal(t, "data", invalid.Field)
	assert.Equal(t, uint64(0), m.Revision())
	assert.Empty(t, m.Pending())

	require.ErrorIs(t, newMessage().Publish("sent", Sent{Text: "x"}), herald.ErrInvalid, "an aggregate not loaded has no identity")
}

func TestRepositorySavesAndLoads(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	ctx := context.Background()
	ref := messageRef()

	m, err := repo.Use(ctx, ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)
	assert.Equal(t, uint64(1), m.Revision())
	assert.Empty(t, m.Pending())
	_, err = repo.Use(ctx, ref.ID, func(m *Message) error { return m.Like("jane") })
	require.NoError(t, err)

	loaded, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	assert.Equal(t, "hey", loaded.Text)
	assert.Equal(t, []string{"jane"}, loaded.Likes)
	assert.Equal(t, uint64(2), loaded.Revision())
	assert.Len(t, f.seen.all(), 2, "saved events are delivered")
}

func TestRepositoryConflict(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	ctx := context.Background()
	ref := messageRef()
	_, err := repo.Use(ctx, ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)

	a, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	b, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	require.NoError(t, a.Like("jane"))
	require.NoError(t, b.Like("john"))
	require.NoError(t, repo.Save(ctx, a))
	err = repo.Save(ctx, b)
	var conflict *herald.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, herald.ConflictError{Aggregate: ref, Expected: 1, Actual: 2}, *conflict)
	assert.Len(t, f.stored(t), 2)
}

func TestUseRetriesOnConflict(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	ctx := context.Background()
	ref := messageRef()
	_, err := repo.Use(ctx, ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)

	const likers = 16
	var wg sync.WaitGroup
	errs := make([]error, likers)
	for i := range likers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = repo.Use(ctx, ref.ID, func(m *Message) error { return m.Like(uuid.NewString()) })
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	m, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	assert.Len(t, m.Likes, likers, "every command ran on a fresh load until it saved")
	assert.Equal(t, uint64(likers+1), m.Revision())
}

func TestUseReturnsTheCommandError(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	ref := messageRef()
	_, err := repo.Use(context.Background(), ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)
	_, err = repo.Use(context.Background(), ref.ID, func(m *Message) error { return m.Send("again") })
	require.EqualError(t, err, "already sent")
	_, err = repo.Use(context.Background(), ref.ID, func(m *Message) error { panic("boom") })
	require.ErrorContains(t, err, "boom")
	assert.Len(t, f.stored(t), 1)
}

func TestSavingOneCommandTwiceStoresItOnce(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	ref := messageRef()
	_, err := repo.Use(context.Background(), ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)

	id := uuid.New()
	like := func(m *Message) error { return m.Like("jane") }
	_, err = repo.Use(herald.ContextWithCommandID(context.Background(), id), ref.ID, like)
	require.NoError(t, err)
	_, err = repo.Use(herald.ContextWithCommandID(context.Background(), id), ref.ID, like)
	require.NoError(t, err, "running the command again is acknowledged")

	m, err := repo.Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"jane"}, m.Likes)
	assert.Len(t, f.stored(t), 2)

	_, err = repo.Use(herald.ContextWithCommandID(context.Background(), uuid.New()), ref.ID, like)
	require.NoError(t, err)
	m, err = repo.Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"jane", "jane"}, m.Likes, "another command is stored")

	twice := herald.ContextWithCommandID(context.Background(), uuid.New())
	_, err = repo.Use(twice, ref.ID, like)
	require.NoError(t, err)
	_, err = repo.Use(twice, ref.ID, like)
	require.NoError(t, err)
	m, err = repo.Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Len(t, m.Likes, 4, "a command that saves an aggregate twice stores both saves")

	_, err = repo.Use(herald.ContextWithCausationID(context.Background(), id), ref.ID, like)
	require.NoError(t, err)
	m, err = repo.Load(context.Background(), ref.ID)
	require.NoError(t, err)
	assert.Len(t, m.Likes, 5, "a causation id alone does not make a repeat")
}

func TestRepositorySnapshots(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f, herald.WithSnapshotEvery(3))
	ctx := context.Background()
	ref := messageRef()
	_, err := repo.Use(ctx, ref.ID, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)
	for _, by := range []string{"a", "b", "c", "d"} {
		_, err := repo.Use(ctx, ref.ID, func(m *Message) error { return m.Like(by) })
		require.NoError(t, err)
	}

	snap, err := f.store.LoadSnapshot(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), snap.Revision, "a snapshot at the last multiple of 3")
	assert.JSONEq(t, `{"text":"hey","likes":["a","b"]}`, string(snap.State))

	// A load starts from the snapshot: a doctored snapshot shows through.
	snap.State = []byte(`{"text":"from the snapshot","likes":["a","b"]}`)
	require.NoError(t, f.store.SaveSnapshot(ctx, snap))
	m, err := repo.Load(ctx, ref.ID)
	require.NoError(t, err)
	assert.Equal(t, "from the snapshot", m.Text)
	assert.Equal(t, []string{"a", "b", "c", "d"}, m.Likes, "the events after the snapshot are applied")
	assert.Equal(t, uint64(5), m.Revision())
}

func TestRepositoryRejectsBadRefs(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	_, err := repo.Load(context.Background(), uuid.Nil)
	require.ErrorIs(t, err, herald.ErrInvalid)
	_, err = repo.Use(context.Background(), uuid.Nil, func(*Message) error { return nil })
	require.ErrorIs(t, err, herald.ErrInvalid)
	for _, kind := range [][2]string{{"", "message"}, {"communication", ""}, {"communi.cation", "message"}, {"communication", "mes.sage"}} {
		_, err = herald.NewRepository(f.publisher, kind[0], kind[1], newMessage)
		require.ErrorIs(t, err, herald.ErrInvalid, "kind %q", kind)
	}
	_, err = herald.NewRepository[*Message](nil, "communication", "message", newMessage)
	require.ErrorIs(t, err, herald.ErrInvalid)
	_, err = herald.NewRepository(f.publisher, "communication", "message", newMessage, herald.WithRetries(-1))
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "WithRetries")
}

func TestApplyRefusesMistakes(t *testing.T) {
	onSent := func(Sent) {}
	cases := map[string]func(m *Message) error{
		"a second applier for one name": func(m *Message) error { return herald.Apply(m, "sent", onSent) },
		"a nil function":                func(m *Message) error { return herald.Apply[Sent](m, "edited", nil) },
		"an empty name":                 func(m *Message) error { return herald.Apply(m, "", onSent) },
		"a name with a dot":             func(m *Message) error { return herald.Apply(m, "sent.again", onSent) },
		"the ownership event": func(m *Message) error {
			return herald.Apply(m, herald.TransferredOwnership, func(herald.OwnershipTransferred) {})
		},
	}
	for name, mistake := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			repo, err := herald.NewRepository(f.publisher, "communication", "message", func() *Message {
				m := newMessage()
				require.ErrorIs(t, mistake(m), herald.ErrInvalid)
				return m
			})
			require.NoError(t, err)
			_, err = repo.Load(context.Background(), messageRef().ID)
			require.ErrorIs(t, err, herald.ErrInvalid, "the repository refuses the aggregate")
			_, err = repo.Use(context.Background(), messageRef().ID, func(m *Message) error { return m.Send("hey") })
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.Empty(t, f.stored(t), "nothing stored")
		})
	}
	t.Run("a nil aggregate", func(t *testing.T) {
		require.ErrorIs(t, herald.Apply(nil, "sent", onSent), herald.ErrInvalid)
		require.ErrorIs(t, herald.Apply((*Message)(nil), "sent", onSent), herald.ErrInvalid)
	})
}

func TestOnWithoutAFunctionIsRefused(t *testing.T) {
	f := newFixture(t)
	assert.Nil(t, herald.On[Sent](nil))
	err := f.bus.Subscribe(herald.Subscription{Name: "nothing", Handler: herald.On[Sent](nil)})
	require.ErrorIs(t, err, herald.ErrInvalid)
}

func TestRepositoryIsBoundToOneKindOfAggregate(t *testing.T) {
	f := newFixture(t)
	repo := newRepo(t, f)
	id := uuid.New()
	m, err := repo.Use(context.Background(), id, func(m *Message) error { return m.Send("hey") })
	require.NoError(t, err)
	assert.Equal(t, herald.AggregateRef{Context: "communication", Name: "message", ID: id}, m.Ref(), "the id is of the repository's kind")
	assert.Equal(t, m.Ref(), repo.Ref(id))

	others, err := herald.NewRepository(f.publisher, "communication", "letter", newMessage)
	require.NoError(t, err)
	letter, err := others.Load(context.Background(), uuid.New())
	require.NoError(t, err)
	require.NoError(t, letter.Send("dear"))
	assert.ErrorIs(t, repo.Save(context.Background(), letter), herald.ErrInvalid, "a letter is no message")
}

func TestRepositoryOfAKindTheStrictRegistryDoesNotKnow(t *testing.T) {
	r, err := herald.NewRegistry(herald.WithStrict())
	require.NoError(t, err)
	_, err = herald.Define[Sent](r, "communication", "message", "sent")
	require.NoError(t, err)
	store, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(r))
	require.NoError(t, err)
	_, err = herald.NewRepository(p, "communication", "message", newMessage)
	require.NoError(t, err)
	_, err = herald.NewRepository(p, "communications", "message", newMessage)
	assert.ErrorIs(t, err, herald.ErrInvalid, "a misspelt context is refused at once")
}
