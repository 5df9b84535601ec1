package projection_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// FuzzBoltCheckpoint stores any bytes as a checkpoint in a bbolt file:
// Load reads the 16 bytes of a checkpoint, whose version is an int, or 24
// with a generation, and refuses anything else with an error, never a
// panic; Apply writes back what Load read byte for byte, but for a
// generation of 0, which it leaves out.
func FuzzBoltCheckpoint(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 15))
	f.Add(make([]byte, 16))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42})
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(bytes.Repeat([]byte{0xff}, 16))
	f.Add([]byte("not a checkpoint"))
	f.Add(make([]byte, 17))
	f.Add(make([]byte, 32))
	f.Add(make([]byte, 24))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 3})
	db, err := bolt.Open(filepath.Join(f.TempDir(), "fuzz.db"), 0o600, &bolt.Options{NoSync: true})
	require.NoError(f, err)
	f.Cleanup(func() { _ = db.Close() })
	model := projection.Bolt(db)
	ctx := context.Background()
	stored := func(t *testing.T) []byte {
		var v []byte
		require.NoError(t, db.View(func(tx *bolt.Tx) error {
			v = bytes.Clone(tx.Bucket([]byte(projection.BoltBucket)).Get([]byte("fuzzed")))
			return nil
		}))
		return v
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		// Load refuses every value longer than 16 bytes alike; a long one
		// would only lead the fuzzer through bbolt's overflow pages, whose
		// coverage depends on what the file held before.
		value = value[:min(len(value), 64)]
		require.NoError(t, db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(projection.BoltBucket))
			if err != nil {
				return err
			}
			return b.Put([]byte("fuzzed"), value)
		}))
		cp, ok, err := model.Load(ctx, "fuzzed")
		if (len(value) != 16 && len(value) != 24) || binary.BigEndian.Uint64(value) > math.MaxInt {
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.False(t, ok)
			assert.Equal(t, projection.Checkpoint{}, cp)
			return
		}
		require.NoError(t, err)
		assert.True(t, ok)
		want := projection.Checkpoint{
			Version:  int(binary.BigEndian.Uint64(value)),
			Position: binary.BigEndian.Uint64(value[8:16]),
		}
		if len(value) == 24 {
			want.Generation = binary.BigEndian.Uint64(value[16:])
		}
		assert.Equal(t, want, cp)
		require.NoError(t, model.Apply(ctx, "fuzzed", cp, func(*bolt.Tx) error { return nil }))
		if want.Generation == 0 {
			value = value[:16]
		}
		assert.Equal(t, value, stored(t), "Apply writes back what Load read")
	})
}
