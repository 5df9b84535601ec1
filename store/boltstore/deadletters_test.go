package boltstore_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// TestDeadLettersOutlastReopening keeps a dead letter, closes the store
// and opens it again: the letter is there, to the nanosecond.
func TestDeadLettersOutlastReopening(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	e := herald.Event{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
		Name: "placed", ID: uuid.New(), Data: map[string]any{"n": 1},
		Metadata: herald.Metadata{Timestamp: time.Now().UTC(), Position: 7, Revision: 2}}
	at := time.Now()
	d := herald.DeadLetter{Subscription: "mailer", Event: e, Attempts: 3, Err: errors.New("smtp: 451"), At: at}
	require.NoError(t, s.SaveDeadLetter(ctx, d))
	require.NoError(t, s.Close())

	s, err = boltstore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	var got []herald.DeadLetter
	for l, err := range s.DeadLetters(ctx, "mailer") {
		require.NoError(t, err)
		got = append(got, l)
	}
	require.Len(t, got, 1)
	assert.Equal(t, e.ID, got[0].Event.ID)
	assert.Equal(t, uint64(7), got[0].Event.Metadata.Position)
	assert.JSONEq(t, `{"n":1}`, string(got[0].Event.Data.(json.RawMessage)))
	assert.Equal(t, 3, got[0].Attempts)
	assert.EqualError(t, got[0].Err, "smtp: 451")
	assert.True(t, at.Equal(got[0].At))
}

// FuzzDamagedDeadLetter stores fuzzed bytes as a dead letter and reads the
// letters: each read yields letters or an error, and never panics.
func FuzzDamagedDeadLetter(f *testing.F) {
	s, err := boltstore.Open(filepath.Join(f.TempDir(), "events.db"), boltstore.WithNoSync())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	e := herald.Event{Aggregate: herald.AggregateRef{Context: "c", Name: "a", ID: uuid.New()}, Name: "n", ID: uuid.New(),
		Metadata: herald.Metadata{Position: 1}}
	if err := s.SaveDeadLetter(ctx, herald.DeadLetter{Subscription: "x", Event: e, Attempts: 1, Err: errors.New("e")}); err != nil {
		f.Fatal(err)
	}
	var good []byte
	key := append(binary.BigEndian.AppendUint16(nil, 1), 'x')
	key = binary.BigEndian.AppendUint64(key, 1)
	err = s.DB().View(func(tx *bolt.Tx) error {
		good = append([]byte(nil), tx.Bucket([]byte("herald")).Bucket([]byte("deadletters")).Get(key)...)
		return nil
	})
	if err != nil || good == nil {
		f.Fatal("the dead letter is not where the test looks for it", err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, v []byte) {
		err := s.DB().Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("herald")).Bucket([]byte("deadletters")).Put(key, v)
		})
		require.NoError(t, err)
		for _, err := range s.DeadLetters(ctx, "x") {
			if err != nil {
				assert.ErrorIs(t, err, boltstore.ErrCorrupt)
			}
		}
	})
}
