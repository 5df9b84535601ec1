package projection_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// FuzzBoltCheckpoint stores any bytes as a checkpoint in a bbolt file:
// Load reads the 16 bytes of a checkpoint, and refuses anything else with
// an error, never a panic.
func FuzzBoltCheckpoint(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42})
	f.Add([]byte("not a checkpoint"))
	f.Add(make([]byte, 17))
	db, err := bolt.Open(filepath.Join(f.TempDir(), "fuzz.db"), 0o600, &bolt.Options{NoSync: true})
	require.NoError(f, err)
	f.Cleanup(func() { _ = db.Close() })
	model := projection.Bolt(db)
	f.Fuzz(func(t *testing.T, value []byte) {
		require.NoError(t, db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(projection.BoltBucket))
			if err != nil {
				return err
			}
			return b.Put([]byte("fuzzed"), value)
		}))
		cp, ok, err := model.Load(context.Background(), "fuzzed")
		if len(value) != 16 {
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.False(t, ok)
			return
		}
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, uint64(value[15])|uint64(value[14])<<8|uint64(value[13])<<16|uint64(value[12])<<24|
			uint64(value[11])<<32|uint64(value[10])<<40|uint64(value[9])<<48|uint64(value[8])<<56, cp.Position)
	})
}
