package herald_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

func TestPublishStampsTheEnvelope(t *testing.T) {
	now := time.UnixMilli(1421260133331).UTC()
	f := newFixture(t, herald.WithClock(func() time.Time { return now }))
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	ref := messageRef()

	e, err := f.publisher.Publish(ctx, sentEvent(ref, "hey"))
	require.NoError(t, err)

	assert.NotEqual(t, uuid.Nil, e.ID)
	assert.Equal(t, herald.TypeDomain, e.Type)
	assert.Equal(t, ref, e.Aggregate)
	assert.Equal(t, &herald.User{ID: "jane"}, e.User)
	assert.Equal(t, now, e.Metadata.Timestamp)
	assert.Equal(t, uint64(1), e.Metadata.Position)
	assert.Equal(t, uint64(1), e.Metadata.Revision)
	assert.Equal(t, e.ID, e.Metadata.CausationID, "outside a handler the event is its own cause")
	assert.Equal(t, e.ID, e.Metadata.CorrelationID)
	assert.Equal(t, &herald.Authorization{Owner: "jane"}, e.Metadata.Authorization)
	assert.Equal(t, []herald.Event{e}, f.stored(t))
	assert.Equal(t, []herald.Event{e}, f.seen.all())
}

func TestPublishKeepsWhatTheCallerSet(t *testing.T) {
	f := newFixture(t)
	id, causation, correlation := uuid.New(), uuid.New(), uuid.New()
	auth := &herald.Authorization{Owner: "john", ForPublic: true}
	in := sentEvent(messageRef(), "hey")
	in.ID, in.Type = id, herald.TypeReadModel
	in.Metadata.CausationID, in.Metadata.CorrelationID = causation, correlation
	in.Metadata.Authorization = auth
	in.Metadata.Labels = map[string]string{"program": "support"}

	e, err := f.publisher.Publish(herald.ContextWithUser(context.Background(), herald.User{ID: "jane"}), in)
	require.NoError(t, err)
	assert.Equal(t, id, e.ID)
	assert.Equal(t, herald.TypeReadModel, e.Type)
	assert.Equal(t, causation, e.Metadata.CausationID)
	assert.Equal(t, correlation, e.Metadata.CorrelationID)
	assert.Equal(t, auth, e.Metadata.Authorization)
	assert.Equal(t, map[string]string{"program": "support"}, e.Metadata.Labels)
}

func TestPublishTakesCausationFromTheContext(t *testing.T) {
	f := newFixture(t)
	command := uuid.New()
	e, err := f.publisher.Publish(herald.ContextWithCausationID(context.Background(), command), sentEvent(messageRef(), "hey"))
	require.NoError(t, err)
	assert.Equal(t, command, e.Metadata.CausationID)
	assert.Equal(t, command, e.Metadata.CorrelationID, "a chain started by a command is correlated by it")

	chain := uuid.New()
	ctx := herald.ContextWithCorrelationID(herald.ContextWithCausationID(context.Background(), command), chain)
	e, err = f.publisher.Publish(ctx, sentEvent(messageRef(), "hey"))
	require.NoError(t, err)
	assert.Equal(t, command, e.Metadata.CausationID)
	assert.Equal(t, chain, e.Metadata.CorrelationID)
}

func TestEventsPublishedByHandlersCarryTheirCause(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// sent causes liked, which causes another liked: a chain of three.
	require.NoError(t, f.bus.Subscribe(herald.Subscription{
		Name:   "reactor",
		Events: []string{"communication.message.*"},
		Handler: herald.HandlerFunc(func(ctx context.Context, e herald.Event) error {
			if e.Name == "liked" && e.Metadata.Revision >= 3 {
				return nil
			}
			_, err := f.publisher.Publish(ctx, herald.Event{Aggregate: e.Aggregate, Name: "liked", Data: Liked{By: "bot"}})
			return err
		}),
	}))
	first, err := f.publisher.Publish(ctx, sentEvent(messageRef(), "hey"))
	require.NoError(t, err)

	got := f.seen.waitFor(t, 3)
	require.Len(t, got, 3)
	second, third := got[1], got[2]
	assert.Equal(t, first.ID, second.Metadata.CausationID)
	assert.Equal(t, second.ID, third.Metadata.CausationID)
	for _, e := range got {
		assert.Equal(t, first.ID, e.Metadata.CorrelationID, "the whole chain shares one correlation id")
	}
	assert.Equal(t, first.ID, f.seen.causes[0], "handlers see the event as their cause")
}

func TestAKeptHandlerContextStillCarriesTheCause(t *testing.T) {
	f := newFixture(t)
	kept := make(chan context.Context, 1)
	require.NoError(t, f.bus.Subscribe(herald.Subscription{
		Name:   "keeper",
		Events: []string{"communication.message.sent"},
		Handler: herald.HandlerFunc(func(ctx context.Context, e herald.Event) error {
			select {
			case kept <- ctx:
			default:
			}
			return nil
		}),
	}))
	first, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "hey"))
	require.NoError(t, err)
	ctx := <-kept
	// Publish more, so the bus reuses whatever it handed the handler.
	for range 10 {
		_, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "more"))
		require.NoError(t, err)
	}
	later, err := f.publisher.Publish(ctx, herald.Event{Aggregate: first.Aggregate, Name: "liked", Data: Liked{}})
	require.NoError(t, err)
	assert.Equal(t, first.ID, later.Metadata.CausationID)
	assert.Equal(t, first.Metadata.CorrelationID, later.Metadata.CorrelationID)
}

func TestPublishBatchIsAtomic(t *testing.T) {
	f := newFixture(t)
	ref := messageRef()
	batch := []herald.Event{sentEvent(ref, "one"), sentEvent(ref, "two"), {Aggregate: ref, Data: Sent{Text: "no name"}}}

	_, err := f.publisher.PublishBatch(context.Background(), batch)
	require.Error(t, err)
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "name", invalid.Field)
	assert.Empty(t, f.stored(t), "nothing of a failed batch is stored")
	assert.Empty(t, f.seen.all(), "nothing of a failed batch is delivered")

	stored, err := f.publisher.PublishBatch(context.Background(), batch[:2])
	require.NoError(t, err)
	require.Len(t, stored, 2)
	assert.Equal(t, []uint64{1, 2}, []uint64{stored[0].Metadata.Revision, stored[1].Metadata.Revision})
	assert.Equal(t, uuid.Nil, batch[0].ID, "the caller's slice is left as it was")
	assert.Equal(t, stored, f.stored(t))
}

func TestPublishRejectsBadInput(t *testing.T) {
	ref := messageRef()
	cases := []struct {
		name  string
		event herald.Event
		field string
		is    error
	}{
		{"empty context", herald.Event{Aggregate: herald.AggregateRef{Name: "message", ID: ref.ID}, Name: "sent"}, "context.name", herald.ErrInvalid},
		{"empty aggregate", herald.Event{Aggregate: herald.AggregateRef{Context: "communication", ID: ref.ID}, Name: "sent"}, "aggregate.name", herald.ErrInvalid},
		{"empty name", herald.Event{Aggregate: ref}, "name", herald.ErrInvalid},
		{"nil aggregate id", herald.Event{Aggregate: herald.AggregateRef{Context: "communication", Name: "message"}, Name: "x"}, "aggregate.id", herald.ErrInvalid},
		{"data of the wrong type", herald.Event{Aggregate: ref, Name: "sent", Data: Liked{}}, "data", herald.ErrInvalid},
		{"nil data pointer", herald.Event{Aggregate: ref, Name: "sent", Data: (*Sent)(nil)}, "data", herald.ErrInvalid},
		{"data failing Validate", sentEvent(ref, ""), "data.text", herald.ErrInvalid},
		{"revision that does not match", herald.Event{Aggregate: ref, Name: "sent", Data: Sent{Text: "x"}, Metadata: herald.Metadata{Revision: 5}}, "", herald.ErrConflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.publisher.Publish(context.Background(), c.event)
			require.ErrorIs(t, err, c.is)
			if c.field != "" {
				var invalid *herald.ValidationError
				require.ErrorAs(t, err, &invalid)
				assert.Equal(t, c.field, invalid.Field)
				assert.Contains(t, err.Error(), c.field)
			}
			assert.Empty(t, f.stored(t))
			assert.Empty(t, f.seen.all())
		})
	}
}

func TestPublishConflictNamesTheRevisions(t *testing.T) {
	f := newFixture(t)
	ref := messageRef()
	_, err := f.publisher.Publish(context.Background(), sentEvent(ref, "one"))
	require.NoError(t, err)
	late := sentEvent(ref, "late")
	late.Metadata.Revision = 1
	_, err = f.publisher.Publish(context.Background(), late)
	var conflict *herald.ConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, herald.ConflictError{Aggregate: ref, Expected: 0, Actual: 1}, *conflict)
}

func TestConflictSaysWhatTheCallerAskedFor(t *testing.T) {
	f := newFixture(t)
	ref := messageRef()
	early := sentEvent(ref, "early")
	early.Metadata.Revision = 5
	_, err := f.publisher.Publish(context.Background(), early)
	require.ErrorIs(t, err, herald.ErrConflict)
	assert.Contains(t, err.Error(), "an event asked for revision 5, but the aggregate is at revision 0 (its next event is revision 1)")
}

// Names are joined with dots into full names, counted per full name and
// filtered by it: a dot inside one would make different events one name.
func TestPublishRefusesDotsInNames(t *testing.T) {
	f := newFixture(t)
	id := uuid.New()
	for _, tc := range []struct {
		ref   herald.AggregateRef
		name  string
		field string
	}{
		{herald.AggregateRef{Context: "a", Name: "b.c", ID: id}, "d", "aggregate.name"},
		{herald.AggregateRef{Context: "a.b", Name: "c", ID: id}, "d", "context.name"},
		{herald.AggregateRef{Context: "a", Name: "b", ID: id}, "c.d", "name"},
	} {
		_, err := f.publisher.Publish(context.Background(), herald.Event{Aggregate: tc.ref, Name: tc.name})
		require.ErrorIs(t, err, herald.ErrInvalid)
		var ve *herald.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, tc.field, ve.Field)
		assert.Contains(t, ve.Reason, "contains a dot")
	}
	stats, err := f.store.Stats(context.Background())
	require.NoError(t, err)
	assert.Zero(t, stats.Events, "nothing is stored")
}

func TestStrictRegistryRejectsUndefinedEvents(t *testing.T) {
	f := newFixture(t)
	ad := herald.Event{Aggregate: messageRef(), Name: "typed", Data: map[string]any{"x": 1}}
	_, err := f.publisher.Publish(context.Background(), ad)
	require.NoError(t, err, "a lenient registry lets ad hoc events through")

	strict := newRegistry(t, herald.WithStrict())
	p, err := herald.NewPublisher(f.store, f.bus, herald.WithRegistry(strict))
	require.NoError(t, err)
	_, err = p.Publish(context.Background(), ad)
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "communication.message.typed", invalid.Event)
	assert.Len(t, f.stored(t), 1)
}

func TestAuthorizationDefaults(t *testing.T) {
	f := newFixture(t)
	jane := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	anonymous := context.Background()
	liked := herald.Event{Aggregate: messageRef(), Name: "liked", Data: Liked{}}
	adHoc := herald.Event{Aggregate: messageRef(), Name: "typed"}

	cases := []struct {
		name string
		ctx  context.Context
		in   herald.Event
		want *herald.Authorization
	}{
		{"anonymous ad hoc event is no one's", anonymous, adHoc, &herald.Authorization{}},
		{"a user's ad hoc event is the user's", jane, adHoc, &herald.Authorization{Owner: "jane"}},
		{"a block without owner gets the user", jane, withAuthorization(adHoc, herald.Authorization{ForPublic: true}), &herald.Authorization{Owner: "jane", ForPublic: true}},
		{"a block with an owner is kept", jane, withAuthorization(adHoc, herald.Authorization{Owner: "john"}), &herald.Authorization{Owner: "john"}},
		{"the definition's default with the user as owner", jane, liked, &herald.Authorization{Owner: "jane", ForAuthenticated: true}},
		{"the definition's default, anonymous", anonymous, liked, &herald.Authorization{ForAuthenticated: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := f.publisher.Publish(c.ctx, c.in)
			require.NoError(t, err)
			assert.Equal(t, c.want, e.Metadata.Authorization)
		})
	}
	def, ok := f.registry.Lookup("communication", "message", "liked")
	require.True(t, ok)
	assert.Empty(t, def.Authorization.Owner, "the definition's default is not changed")
}

func withAuthorization(e herald.Event, a herald.Authorization) herald.Event {
	e.Metadata.Authorization = &a
	return e
}

func TestClosedPublisherRefuses(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.publisher.Close(context.Background()))
	_, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "hey"))
	require.ErrorIs(t, err, herald.ErrClosed)
	_, err = f.publisher.PublishBatch(context.Background(), []herald.Event{sentEvent(messageRef(), "hey")})
	require.ErrorIs(t, err, herald.ErrClosed)
	uow := &herald.UnitOfWork{}
	err = f.publisher.PublishAfterCommit(herald.ContextWithTx(context.Background(), uow), sentEvent(messageRef(), "hey"))
	require.ErrorIs(t, err, herald.ErrClosed)
	assert.Empty(t, f.stored(t))
}

func TestPublishOnClosedBusStoresNothing(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.bus.Close(context.Background()))
	_, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "hey"))
	require.ErrorIs(t, err, herald.ErrClosed)
	assert.Empty(t, f.stored(t))
}

func TestNewPublisherRejectsNilStore(t *testing.T) {
	_, err := herald.NewPublisher(nil, nil)
	require.ErrorIs(t, err, herald.ErrInvalid)
}

func TestPublishWithCancelledContextStoresNothing(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.publisher.Publish(ctx, sentEvent(messageRef(), "hey"))
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	assert.Empty(t, f.stored(t))
}

// TestPublishMakesIncreasingIDs publishes runs of events, many in one
// millisecond, from one goroutine and from several: every id is a
// version 7 uuid of the RFC variant, unique, and stamped with the time in
// it; one goroutine's ids increase; and the time in each is the clock's
// when it was published, to the millisecond.
func TestPublishMakesIncreasingIDs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seen := make(map[uuid.UUID]bool)
	var last uuid.UUID
	for i := range 5000 {
		before := time.Now().Truncate(time.Millisecond)
		e, err := f.publisher.Publish(ctx, sentEvent(messageRef(), "hey"))
		require.NoError(t, err)
		after := time.Now()
		require.Equal(t, 7, int(e.ID.Version()), "event %d", i)
		require.Equal(t, uuid.RFC4122, e.ID.Variant(), "event %d", i)
		require.False(t, seen[e.ID], "event %d: id %s made twice", i, e.ID)
		seen[e.ID] = true
		require.Positive(t, bytes.Compare(e.ID[:], last[:]), "event %d: %s after %s", i, e.ID, last)
		last = e.ID
		sec, nsec := e.ID.Time().UnixTime()
		require.True(t, e.Metadata.Timestamp.Equal(time.Unix(sec, nsec)), "event %d", i)
		require.False(t, e.Metadata.Timestamp.Before(before), "event %d: %v is before %v", i, e.Metadata.Timestamp, before)
		require.False(t, e.Metadata.Timestamp.After(after), "event %d: %v is after %v", i, e.Metadata.Timestamp, after)
	}
	ids := make(chan uuid.UUID, 8*1000)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				e, err := f.publisher.Publish(ctx, sentEvent(messageRef(), "hey"))
				assert.NoError(t, err)
				ids <- e.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	for id := range ids {
		require.False(t, seen[id], "id %s made twice", id)
		seen[id] = true
	}
}

// TestPublishOwnsEventsByTheirUser publishes runs of events by users in
// turn, with and without a definition's default authorization: each event
// is owned by its own user and keeps the definition's grants, however the
// publisher shares the blocks it makes.
func TestPublishOwnsEventsByTheirUser(t *testing.T) {
	f := newFixture(t)
	ref := messageRef()
	for _, id := range []string{"jane", "jane", "joe", "jane", "joe", "joe"} {
		ctx := herald.ContextWithUser(context.Background(), herald.User{ID: id})
		batch, err := f.publisher.PublishBatch(ctx, []herald.Event{
			sentEvent(ref, "hey"), {Aggregate: ref, Name: "liked", Data: Liked{}}, sentEvent(ref, "again"),
		})
		require.NoError(t, err)
		assert.Equal(t, &herald.Authorization{Owner: id}, batch[0].Metadata.Authorization)
		assert.Equal(t, &herald.Authorization{Owner: id, ForAuthenticated: true}, batch[1].Metadata.Authorization)
		assert.Equal(t, &herald.Authorization{Owner: id}, batch[2].Metadata.Authorization)
	}
	e, err := f.publisher.Publish(context.Background(), herald.Event{Aggregate: ref, Name: "liked", Data: Liked{}})
	require.NoError(t, err)
	assert.Equal(t, &herald.Authorization{ForAuthenticated: true}, e.Metadata.Authorization, "anonymous: no owner")
}

// TestPublishAddsTheContextsLabels publishes with labels in the context:
// events without labels get them, an event's own label wins over the
// context's, an inner ContextWithLabels over an outer one, and changing
// the map given to ContextWithLabels later changes nothing.
func TestPublishAddsTheContextsLabels(t *testing.T) {
	f := newFixture(t)
	ref := messageRef()
	given := map[string]string{"tenant": "acme", "origin": "import"}
	ctx := herald.ContextWithLabels(context.Background(), given)
	ctx = herald.ContextWithLabels(ctx, map[string]string{"origin": "api"})
	given["tenant"] = "changed"
	own := sentEvent(ref, "own")
	own.Metadata.Labels = map[string]string{"tenant": "globex", "lang": "de"}
	batch, err := f.publisher.PublishBatch(ctx, []herald.Event{sentEvent(ref, "plain"), own})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"tenant": "acme", "origin": "api"}, batch[0].Metadata.Labels)
	assert.Equal(t, map[string]string{"tenant": "globex", "lang": "de", "origin": "api"}, batch[1].Metadata.Labels)
	assert.Equal(t, map[string]string{"tenant": "globex", "lang": "de"}, own.Metadata.Labels, "the caller's map is not changed")
	stored := f.stored(t)
	require.Len(t, stored, 2)
	assert.Equal(t, batch[1].Metadata.Labels, stored[1].Metadata.Labels)
	assert.Equal(t, map[string]string{"tenant": "acme", "origin": "api"}, driver.LabelsFrom(ctx))
	assert.Nil(t, driver.LabelsFrom(context.Background()))

	e, err := f.publisher.Publish(context.Background(), sentEvent(ref, "none"))
	require.NoError(t, err)
	assert.Nil(t, e.Metadata.Labels, "no labels without ContextWithLabels")
	assert.Equal(t, context.Background(), herald.ContextWithLabels(context.Background(), nil), "no labels, no new context")

	copied := sentEvent(ref, "copied")
	copied.Metadata.Labels = map[string]string{"herald.flow": "upstream", "tenant": "globex"}
	marked := herald.ContextWithLabels(ctx, map[string]string{"herald.flow": "relay"})
	e, err = f.publisher.Publish(marked, copied)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"herald.flow": "relay", "tenant": "globex", "origin": "api"}, e.Metadata.Labels,
		"the library's own labels come from the context, others from the event first")
}

// TestPublishAllocatesNothingPerEvent publishes events of a signed-in user
// to a memstore without a bus: once the store's chunks are counted out,
// publishing allocates nothing.
func TestPublishAllocatesNothingPerEvent(t *testing.T) {
	publisher, err := herald.NewPublisher(newStore(t), nil)
	require.NoError(t, err)
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	ref := messageRef()
	var data any = Sent{Text: "hey"}
	allocs := testing.AllocsPerRun(5000, func() {
		_, err = publisher.Publish(ctx, herald.Event{Aggregate: ref, Name: "sent", Data: data})
	})
	require.NoError(t, err)
	assert.Zero(t, allocs)
}

func TestPublishStampsTheTimeOfTheID(t *testing.T) {
	f := newFixture(t)
	before := time.Now().Truncate(time.Millisecond)
	e, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "hey"))
	require.NoError(t, err)
	after := time.Now()
	assert.Equal(t, 7, int(e.ID.Version()), "ids are time-ordered")
	sec, nsec := e.ID.Time().UnixTime()
	assert.True(t, e.Metadata.Timestamp.Equal(time.Unix(sec, nsec)), "the timestamp is the id's time")
	assert.False(t, e.Metadata.Timestamp.Before(before), "%v is before %v", e.Metadata.Timestamp, before)
	assert.False(t, e.Metadata.Timestamp.After(after), "%v is after %v", e.Metadata.Timestamp, after)

	own := sentEvent(messageRef(), "own id")
	own.ID = uuid.New()
	e, err = f.publisher.Publish(context.Background(), own)
	require.NoError(t, err)
	assert.False(t, e.Metadata.Timestamp.Before(after), "an event with its own id is stamped by the clock")
	assert.False(t, e.Metadata.Timestamp.After(time.Now()))
}

func TestNewPublisherRejectsANilClock(t *testing.T) {
	_, err := herald.NewPublisher(newStore(t), nil, herald.WithClock(nil))
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "WithClock")
}

func TestCloseWaitsForPublishesUnderWay(t *testing.T) {
	f := newFixture(t)
	entered, release := make(chan struct{}), make(chan struct{})
	require.NoError(t, f.bus.Subscribe(herald.Subscription{Name: "gate", Sync: true,
		Handler: herald.HandlerFunc(func(context.Context, herald.Event) error {
			close(entered)
			<-release
			return nil
		})}))
	published := make(chan error, 1)
	go func() {
		_, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "hey"))
		published <- err
	}()
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, f.publisher.Close(ctx), context.Canceled, "a publish is under way")
	_, err := f.publisher.Publish(context.Background(), sentEvent(messageRef(), "too late"))
	require.ErrorIs(t, err, herald.ErrClosed, "closing refuses new publishes at once")

	closed := make(chan error, 1)
	go func() { closed <- f.publisher.Close(context.Background()) }()
	close(release)
	require.NoError(t, <-published)
	require.NoError(t, <-closed, "Close returns once the publish ended")
	assert.Len(t, f.stored(t), 1)
}
