package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) keyCases() []testCase {
	return []testCase{
		{"SealedAndOpened", s.testKeysOpened},
		{"ForgetUser", s.testKeysForget},
		{"NewKeyAfterForget", s.testKeysNewKey},
		{"AnonymousPersonal", s.testKeysAnonymous},
		{"DeleteUserKey", s.testKeysDelete},
		{"DeadLetters", s.testKeysDeadLetters},
		{"Snapshots", s.testKeysSnapshots},
		{"ConcurrentForget", s.testKeysConcurrent},
	}
}

// registered is the data of the event the Keys cases publish: Email and
// Name are personal.
type registered struct {
	Email string `json:"email" herald:"personal"`
	Name  string `json:"name,omitempty" herald:"personal"`
	Plan  string `json:"plan"`
}

// keysFixture is a store with the KeyStore capability and a publisher
// whose registry defines the registered event.
type keysFixture struct {
	store     herald.Store
	publisher *herald.Publisher
	ref       herald.AggregateRef
}

// keysFixture returns a new store as a driver.KeyStore with a publisher,
// or skips the test when the store has no such capability or a registry
// of its own.
func (s suite) keysFixture(t *testing.T) keysFixture {
	t.Helper()
	st := s.newStore(t)
	if _, ok := st.(driver.KeyStore); !ok {
		t.Skipf("%T does not implement driver.KeyStore", st)
	}
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[registered](reg, "accounts", "account", "registered")
	require.NoError(t, err)
	if rs, ok := st.(driver.RegistryStore); !ok || !(rs.UseRegistry(reg) || rs.Registry() == reg) {
		t.Skipf("%T does not take the suite's registry", st)
	}
	p, err := herald.NewPublisher(st, nil, herald.WithRegistry(reg))
	require.NoError(t, err)
	return keysFixture{store: st, publisher: p, ref: NewRef("accounts", "account")}
}

// publish publishes a registered event of user with data.
func (f keysFixture) publish(t *testing.T, user string, data registered) herald.Event {
	t.Helper()
	ctx := context.Background()
	if user != "" {
		ctx = herald.ContextWithUser(ctx, herald.User{ID: user})
	}
	e, err := f.publisher.Publish(ctx, herald.Event{Aggregate: f.ref, Name: "registered", Data: data})
	require.NoError(t, err)
	return e
}

// reads returns what every read of the store yields for the event at
// position: the log, the aggregate's stream and a query, each decoded.
func (f keysFixture) reads(t *testing.T, position uint64) map[string]herald.Event {
	t.Helper()
	reads := map[string]herald.Event{}
	for _, e := range ReadAll(t, f.store.ReadLog(t.Context(), position-1)) {
		if e.Metadata.Position == position {
			reads["ReadLog"] = e
		}
	}
	for _, e := range ReadAll(t, f.store.ReadStream(t.Context(), f.ref, 0, 0)) {
		if e.Metadata.Position == position {
			reads["ReadStream"] = e
		}
	}
	page, err := f.store.Query(t.Context(), herald.Query{Names: []string{"accounts.account.registered"}, Top: herald.MaxTop})
	require.NoError(t, err)
	for _, e := range page.Events {
		if e.Metadata.Position == position {
			reads["Query"] = e
		}
	}
	require.Len(t, reads, 3, "the reads of position %d", position)
	return reads
}

// assertRead checks that every read of the event stored as e gives data
// and redacted, and the rest of e unchanged.
func (f keysFixture) assertRead(t *testing.T, e herald.Event, data registered, redacted bool) {
	t.Helper()
	for name, got := range f.reads(t, e.Metadata.Position) {
		d, err := herald.DataAs[registered](&got)
		require.NoError(t, err, name)
		assert.Equal(t, data, d, name)
		assert.Equal(t, redacted, got.Metadata.Redacted, name)
		assert.Equal(t, e.ID, got.ID, name)
		assert.Equal(t, e.Metadata.Revision, got.Metadata.Revision, name)
		assert.Equal(t, e.User, got.User, name)
	}
}

func (s suite) testKeysOpened(t *testing.T) {
	f := s.keysFixture(t)
	data := registered{Email: "jane@example.com", Name: "Jane", Plan: "pro"}
	e := f.publish(t, "jane", data)
	f.assertRead(t, e, data, false)
}

func (s suite) testKeysForget(t *testing.T) {
	f := s.keysFixture(t)
	jane := f.publish(t, "jane", registered{Email: "jane@example.com", Name: "Jane", Plan: "pro"})
	john := f.publish(t, "john", registered{Email: "john@example.com", Plan: "free"})
	deleted, err := f.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	assert.Equal(t, herald.UserDeleted, deleted.FullName())
	assert.Equal(t, herald.UserRef("jane"), deleted.Aggregate)
	f.assertRead(t, jane, registered{Plan: "pro"}, true)
	f.assertRead(t, john, registered{Email: "john@example.com", Plan: "free"}, false)

	log := ReadAll(t, f.store.ReadLog(t.Context(), 0))
	require.Len(t, log, 3)
	assert.Equal(t, []uint64{1, 2, 3}, Positions(log))
	d, err := herald.DataAs[herald.UserDeletedData](&log[2])
	require.NoError(t, err)
	assert.Equal(t, herald.UserDeletedData{UserID: "jane"}, d)
	assert.False(t, log[2].Metadata.Redacted)

	_, err = f.publisher.ForgetUser(t.Context(), "jane")
	assert.NoError(t, err, "forgetting a user twice")
}

func (s suite) testKeysNewKey(t *testing.T) {
	f := s.keysFixture(t)
	old := f.publish(t, "jane", registered{Email: "jane@example.com", Plan: "pro"})
	_, err := f.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	back := registered{Email: "jane@example.org", Plan: "free"}
	later := f.publish(t, "jane", back)
	f.assertRead(t, old, registered{Plan: "pro"}, true)
	f.assertRead(t, later, back, false)
}

func (s suite) testKeysAnonymous(t *testing.T) {
	f := s.keysFixture(t)
	_, err := f.publisher.Publish(t.Context(), herald.Event{Aggregate: f.ref, Name: "registered", Data: registered{Email: "x@example.com"}})
	var ve *herald.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "user", ve.Field)
	assert.Equal(t, "accounts.account.registered", ve.Event)
	assert.Empty(t, readLog(t, f.store), "nothing is stored")

	e := f.publish(t, "", registered{Plan: "free"})
	f.assertRead(t, e, registered{Plan: "free"}, false)
}

func (s suite) testKeysDelete(t *testing.T) {
	f := s.keysFixture(t)
	ks := f.store.(driver.KeyStore)
	var nilCtx context.Context
	assert.ErrorIs(t, ks.DeleteUserKey(nilCtx, "jane"), herald.ErrInvalid, "a nil context")
	assert.ErrorIs(t, ks.DeleteUserKey(t.Context(), ""), herald.ErrInvalid)
	assert.NoError(t, ks.DeleteUserKey(t.Context(), "nobody"))
	_, err := f.publisher.ForgetUser(t.Context(), "")
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.Empty(t, readLog(t, f.store), "nothing is published")
}

// deadLetterData returns the data of the dead letters of consumer, and
// whether each is redacted.
func deadLetterData(t *testing.T, ds driver.DeadLetterStore, consumer string) ([]registered, []bool) {
	t.Helper()
	var data []registered
	var redacted []bool
	for d, err := range ds.DeadLetters(t.Context(), consumer) {
		require.NoError(t, err)
		r, err := herald.DataAs[registered](&d.Event)
		require.NoError(t, err)
		data, redacted = append(data, r), append(redacted, d.Event.Metadata.Redacted)
	}
	return data, redacted
}

func (s suite) testKeysDeadLetters(t *testing.T) {
	f := s.keysFixture(t)
	ds, ok := f.store.(driver.DeadLetterStore)
	if !ok {
		t.Skipf("%T does not implement driver.DeadLetterStore", f.store)
	}
	data := registered{Email: "jane@example.com", Plan: "pro"}
	f.publish(t, "jane", data)
	stored := readLog(t, f.store)[0]
	require.NoError(t, ds.SaveDeadLetter(t.Context(), herald.DeadLetter{Subscription: "mailer", Event: stored, Attempts: 1}))
	got, redacted := deadLetterData(t, ds, "mailer")
	assert.Equal(t, []registered{data}, got)
	assert.Equal(t, []bool{false}, redacted)

	_, err := f.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	got, redacted = deadLetterData(t, ds, "mailer")
	assert.Equal(t, []registered{{Plan: "pro"}}, got, "a dead letter is forgotten with its event")
	assert.Equal(t, []bool{true}, redacted)

	require.NoError(t, ds.SaveDeadLetter(t.Context(), herald.DeadLetter{Subscription: "late", Event: stored, Attempts: 1}))
	got, _ = deadLetterData(t, ds, "late")
	assert.Equal(t, []registered{{Plan: "pro"}}, got, "a letter of a forgotten user's event saved after")
}

func (s suite) testKeysSnapshots(t *testing.T) {
	f := s.keysFixture(t)
	ss, ok := f.store.(driver.SnapshotStore)
	if !ok {
		t.Skipf("%T does not implement driver.SnapshotStore", f.store)
	}
	f.publish(t, "jane", registered{Email: "jane@example.com", Plan: "pro"})
	other := NewRef("accounts", "account")
	state := []byte(`{"email":"jane@example.com"}`)
	require.NoError(t, ss.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: f.ref, Revision: 1, State: state}))
	require.NoError(t, ss.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: other, Revision: 1, State: state}))

	_, err := f.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	_, err = ss.LoadSnapshot(t.Context(), f.ref)
	assert.ErrorIs(t, err, herald.ErrNotFound, "the snapshot of an aggregate with the user's personal data")
	_, err = ss.LoadSnapshot(t.Context(), other)
	assert.NoError(t, err, "the snapshot of an aggregate without the user's events is kept")
}

// testKeysConcurrent publishes for two users while one of them is
// forgotten: every read gives each event either its data or, for the
// forgotten user, its redaction, never an error or other bytes.
func (s suite) testKeysConcurrent(t *testing.T) {
	f := s.keysFixture(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				user := []string{"jane", "john"}[(w+i)%2]
				ctx := herald.ContextWithUser(context.Background(), herald.User{ID: user})
				_, err := f.publisher.Publish(ctx, herald.Event{Aggregate: NewRef("accounts", "account"), Name: "registered",
					Data: registered{Email: fmt.Sprintf("%s-%d-%d@example.com", user, w, i), Plan: user}})
				assert.NoError(t, err)
				if w == 0 && i == 10 {
					_, err := f.publisher.ForgetUser(context.Background(), "jane")
					assert.NoError(t, err)
				}
			}
		}()
	}
	wg.Wait()
	redacted := 0
	for _, e := range readLog(t, f.store) {
		if e.FullName() != "accounts.account.registered" {
			continue
		}
		d, err := herald.DataAs[registered](&e)
		require.NoError(t, err)
		assert.Equal(t, e.User.ID, d.Plan)
		if e.Metadata.Redacted {
			redacted++
			assert.Equal(t, "jane", e.User.ID, "position %d", e.Metadata.Position)
			assert.Empty(t, d.Email)
		} else {
			assert.Contains(t, d.Email, e.User.ID+"-", "position %d", e.Metadata.Position)
		}
	}
	assert.Positive(t, redacted, "jane's events before she was forgotten")
}
