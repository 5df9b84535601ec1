package boltstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

type profile struct {
	Email string `json:"email" herald:"personal"`
	Name  string `json:"name" herald:"personal"`
	City  string `json:"city"`
}

func profileRegistry(t testing.TB) *herald.Registry {
	t.Helper()
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[profile](reg, "accounts", "profile", "changed")
	require.NoError(t, err)
	return reg
}

// rawValues returns copies of the userkeys bucket's value for user and of
// every value of the events bucket.
func rawValues(t *testing.T, db *bolt.DB, user string) (key []byte, events [][]byte) {
	t.Helper()
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("herald"))
		if keys := root.Bucket([]byte("userkeys")); keys != nil {
			key = bytes.Clone(keys.Get([]byte(user)))
		}
		return root.Bucket([]byte("events")).ForEach(func(_, v []byte) error {
			events = append(events, bytes.Clone(v))
			return nil
		})
	}))
	return key, events
}

// TestPersonalBytesInFile publishes personal data, forgets its user and
// searches the file's bytes: the personal values are never in it (but in
// a snapshot the application saved), the deleted key and snapshot are
// gone once the file is compacted, and the events' bytes are as they were
// written.
func TestPersonalBytesInFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	secrets := []string{"jane.secret@example.com", "Janet Secretname", "Janet Renamed"}
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	p, err := herald.NewPublisher(s, nil, herald.WithRegistry(profileRegistry(t)))
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "accounts", Name: "profile", ID: uuid.New()}
	publish := func(user string, d profile) {
		ctx := herald.ContextWithUser(context.Background(), herald.User{ID: user})
		_, err := p.Publish(ctx, herald.Event{Aggregate: ref, Name: "changed", Data: d})
		require.NoError(t, err)
	}
	publish("jane", profile{Email: secrets[0], Name: secrets[1], City: "Lyon"})
	publish("jane", profile{Name: secrets[2], City: "Lyon"})
	publish("john", profile{Email: "john.kept@example.com", City: "Oslo"})

	key, written := rawValues(t, s.DB(), "jane")
	require.Len(t, key, 40, "jane's key")
	assertNotInFile(t, path, secrets...)
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Contains(file, key), "the key is in the file, where the search finds it")
	var first herald.Event
	for e, err := range s.ReadLog(t.Context(), 0) {
		require.NoError(t, err)
		first = e
		break
	}
	require.NoError(t, s.SaveDeadLetter(t.Context(), herald.DeadLetter{Subscription: "mailer", Event: first, Attempts: 3}))
	assertNotInFile(t, path, secrets...)
	// A snapshot holds the state as the aggregate encodes it, in the clear.
	require.NoError(t, s.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: ref, Revision: 2, State: []byte(secrets[2])}))

	_, err = p.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	gone, after := rawValues(t, s.DB(), "jane")
	assert.Nil(t, gone, "the key is deleted")
	assert.Equal(t, written, after[:len(written)], "the events' bytes, checksums included, are untouched")
	assertForgotten(t, s)
	require.NoError(t, s.Close())
	assertNotInFile(t, path, secrets[:2]...)
	file, err = os.ReadFile(path)
	require.NoError(t, err)
	t.Logf("before Compact, in pages bbolt freed: the deleted key's bytes %v, the deleted snapshot's %v",
		bytes.Contains(file, key), bytes.Contains(file, []byte(secrets[2])))

	require.NoError(t, boltstore.Compact(t.Context(), path))
	file, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.False(t, bytes.Contains(file, key), "the deleted key's bytes are in the compacted file")
	assertNotInFile(t, path, secrets...)

	s, err = boltstore.Open(path, boltstore.WithRegistry(profileRegistry(t)))
	require.NoError(t, err)
	defer s.Close()
	assertForgotten(t, s)
	err = boltstore.Compact(t.Context(), path)
	assert.ErrorIs(t, err, boltstore.ErrLocked, "compacting an open file")
}

// assertForgotten checks that jane's events read back redacted and john's
// in the clear.
func assertForgotten(t *testing.T, s *boltstore.Store) {
	t.Helper()
	var got []profile
	for e, err := range s.ReadLog(t.Context(), 0) {
		require.NoError(t, err)
		if e.FullName() != "accounts.profile.changed" {
			continue
		}
		d, err := herald.DataAs[profile](&e)
		require.NoError(t, err)
		got = append(got, d)
		assert.Equal(t, e.User.ID == "jane", e.Metadata.Redacted, "position %d", e.Metadata.Position)
	}
	assert.Equal(t, []profile{{City: "Lyon"}, {City: "Lyon"}, {Email: "john.kept@example.com", City: "Oslo"}}, got)
}

func assertNotInFile(t *testing.T, path string, values ...string) {
	t.Helper()
	file, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, v := range values {
		assert.False(t, bytes.Contains(file, []byte(v)), "%q is in the file", v)
	}
}

// TestEventsWithoutPersonalKeepFormat2 checks that events without personal fields are
// written in format 2, which every version reads, and read back as before.
func TestEventsWithoutPersonalKeepFormat2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path, boltstore.WithRegistry(profileRegistry(t)))
	require.NoError(t, err)
	defer s.Close()
	p, err := herald.NewPublisher(s, nil)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "accounts", Name: "profile", ID: uuid.New()}
	_, err = p.Publish(context.Background(), herald.Event{Aggregate: ref, Name: "changed", Data: profile{City: "Rome"}})
	require.NoError(t, err)
	_, values := rawValues(t, s.DB(), "")
	require.Len(t, values, 1)
	assert.Equal(t, byte(2), values[0][0], "the envelope's format")
}

// sealedEnvelopes returns the stored envelopes of events with sealed
// personal fields, for the fuzz tests' seeds.
func sealedEnvelopes(f *testing.F) [][]byte {
	s, err := boltstore.Open(filepath.Join(f.TempDir(), "events.db"), boltstore.WithRegistry(profileRegistry(f)))
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	p, err := herald.NewPublisher(s, nil)
	if err != nil {
		f.Fatal(err)
	}
	ref := herald.AggregateRef{Context: "accounts", Name: "profile", ID: uuid.New()}
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	for _, d := range []profile{{Email: "jane@example.com", Name: "Jane", City: "Lyon"}, {Name: "J"}} {
		if _, err := p.Publish(ctx, herald.Event{Aggregate: ref, Name: "changed", Data: d}); err != nil {
			f.Fatal(err)
		}
	}
	var values [][]byte
	err = s.DB().View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("herald")).Bucket([]byte("events")).ForEach(func(_, v []byte) error {
			values = append(values, bytes.Clone(v))
			return nil
		})
	})
	if err != nil {
		f.Fatal(err)
	}
	return values
}

// TestSealedOverLimit checks that an event whose sealed envelope exceeds
// WithMaxEventSize, where its plain one does not, is refused whole, and
// the appends committed with it are not.
func TestSealedOverLimit(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"),
		boltstore.WithRegistry(profileRegistry(t)), boltstore.WithMaxEventSize(1<<10))
	require.NoError(t, err)
	defer s.Close()
	p, err := herald.NewPublisher(s, nil)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "accounts", Name: "profile", ID: uuid.New()}
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	long := string(bytes.Repeat([]byte("x"), 800))
	_, err = p.Publish(ctx, herald.Event{Aggregate: ref, Name: "changed", Data: profile{Email: long}})
	var ve *herald.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "data", ve.Field)
	assert.Contains(t, ve.Reason, "sealed")
	_, err = p.Publish(ctx, herald.Event{Aggregate: ref, Name: "changed", Data: profile{Email: "short"}})
	require.NoError(t, err)
	stats, err := s.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(1), stats.Events)
}

// TestPersonalInCallerTx publishes personal data inside the application's
// transaction: the user's key commits with the events, and a rollback
// takes both away.
func TestPersonalInCallerTx(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"), boltstore.WithRegistry(profileRegistry(t)))
	require.NoError(t, err)
	defer s.Close()
	p, err := herald.NewPublisher(s, nil)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "accounts", Name: "profile", ID: uuid.New()}
	publishIn := func(user string, commit bool) {
		tx, err := s.DB().Begin(true)
		require.NoError(t, err)
		ctx := boltstore.ContextWithTx(herald.ContextWithUser(context.Background(), herald.User{ID: user}), tx)
		require.NoError(t, p.PublishAfterCommit(ctx, herald.Event{Aggregate: ref, Name: "changed", Data: profile{Email: user + "@example.com"}}))
		if commit {
			require.NoError(t, tx.Commit())
		} else {
			require.NoError(t, tx.Rollback())
		}
	}
	publishIn("jane", true)
	publishIn("john", false)
	key, events := rawValues(t, s.DB(), "jane")
	assert.Len(t, key, 40)
	assert.Len(t, events, 1)
	key, _ = rawValues(t, s.DB(), "john")
	assert.Nil(t, key, "the key of a rolled back append")
	for e, err := range s.ReadLog(t.Context(), 0) {
		require.NoError(t, err)
		assert.Equal(t, profile{Email: "jane@example.com"}, e.Data)
	}
}

// TestCompactBadInput checks Compact's errors: a nil context, a file that
// does not exist (and is not made), and one that is no bbolt file, which
// is left as it was.
func TestCompactBadInput(t *testing.T) {
	dir := t.TempDir()
	var nilCtx context.Context
	assert.ErrorIs(t, boltstore.Compact(nilCtx, filepath.Join(dir, "x.db")), herald.ErrInvalid)
	missing := filepath.Join(dir, "missing.db")
	assert.ErrorIs(t, boltstore.Compact(t.Context(), missing), herald.ErrInvalid)
	_, err := os.Stat(missing)
	assert.ErrorIs(t, err, os.ErrNotExist, "Compact made the file")
	junk := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(junk, []byte("not a bbolt file at all, just text"), 0o600))
	assert.ErrorIs(t, boltstore.Compact(t.Context(), junk), herald.ErrInvalid)
	b, err := os.ReadFile(junk)
	require.NoError(t, err)
	assert.Equal(t, "not a bbolt file at all, just text", string(b))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no file is left behind")
}
