package projection

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// BoltBucket is the top-level bucket in which Bolt models keep their
// checkpoints, one key per projection name: the version then the position,
// 8 bytes big-endian each. Names with '#' are kept for the checkpoints a
// model or a flow saves beside the main one ("name#version",
// "name#pending").
const BoltBucket = "herald.projections"

// Bolt returns a model in db, a bbolt database such as the one
// [github.com/herald-go/herald/store/boltstore.Store.DB] returns: handlers write the
// model in the *bbolt.Tx they are given, a read-write transaction in which
// the projection also advances its checkpoint, so each event takes effect
// exactly once, across crashes too. Keep the model in buckets of your own;
// the checkpoints are in [BoltBucket].
//
// While a projection applies a batch, it holds db's only write
// transaction: the store's appends wait for it. Handlers must be quick,
// and must not append to the store (that would wait for the transaction
// they run in).
//
// Bolt(nil) is a nil Model, which [New] refuses.
func Bolt(db *bolt.DB) Model[*bolt.Tx] {
	if db == nil {
		return nil
	}
	return &boltModel[*bolt.Tx]{db: db, handle: func(tx *bolt.Tx) (*bolt.Tx, error) { return tx, nil }}
}

// BoltIn returns a model in the top-level bucket name of db: handlers
// get that bucket, made when missing, in the read-write transaction in
// which the projection also advances its checkpoint (in BoltBucket), so
// each event takes effect exactly once, as with Bolt. Two such models in
// one file, in buckets of their own, make a projection that rebuilds
// without downtime ([Config].Standby); [ClearBucket] makes their reset
// hook. View passes nil while the bucket does not exist yet.
//
// BoltIn(nil, name) and BoltIn(db, "") are nil Models, which New
// refuses.
func BoltIn(db *bolt.DB, name string) Model[*bolt.Bucket] {
	if db == nil || name == "" {
		return nil
	}
	bucket := []byte(name)
	return &boltModel[*bolt.Bucket]{db: db, handle: func(tx *bolt.Tx) (*bolt.Bucket, error) {
		if !tx.Writable() {
			return tx.Bucket(bucket), nil
		}
		return tx.CreateBucketIfNotExists(bucket)
	}}
}

// ClearBucket is the reset hook of a projection on BoltIn: it deletes
// every key and nested bucket of b. A nil b is an error matching
// herald.ErrInvalid.
func ClearBucket(_ context.Context, b *bolt.Bucket) error {
	if b == nil {
		return prefix.Errorf("projection", "clear bucket: the bucket is nil: %w", herald.ErrInvalid)
	}
	var keys, buckets [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			buckets = append(buckets, append([]byte(nil), k...))
		} else {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range keys {
		err = errors.Join(err, b.Delete(k))
	}
	for _, k := range buckets {
		err = errors.Join(err, b.DeleteBucket(k))
	}
	if err != nil {
		return prefix.Errorf("projection", "clear bucket: %w", err)
	}
	return nil
}

// boltModel keeps a model in a bbolt file, handing handlers what handle
// makes of each transaction.
type boltModel[X any] struct {
	db     *bolt.DB
	handle func(tx *bolt.Tx) (X, error)
}

func (m *boltModel[X]) Atomic() bool { return true }

func (m *boltModel[X]) View(_ context.Context, fn func(x X) error) error {
	err := m.run(false, func(tx *bolt.Tx) error {
		x, err := m.handle(tx)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return &fnError{err}
		}
		return nil
	})
	var fe *fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	if err != nil {
		return prefix.Errorf("projection", "bolt: view: %w", err)
	}
	return nil
}

func (m *boltModel[X]) Load(_ context.Context, name string) (cp Checkpoint, ok bool, err error) {
	err = m.run(false, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BoltBucket))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(name))
		if v == nil {
			return nil
		}
		if len(v) != 16 && len(v) != 24 {
			return fmt.Errorf("checkpoint of %q is %d bytes, want 16 or 24: %w", name, len(v), herald.ErrInvalid)
		}
		// Apply writes a version that is an int and not negative.
		version := binary.BigEndian.Uint64(v)
		if version > math.MaxInt {
			return fmt.Errorf("checkpoint of %q has the version %d, more than an int holds: %w", name, version, herald.ErrInvalid)
		}
		ok = true
		cp = Checkpoint{Version: int(version), Position: binary.BigEndian.Uint64(v[8:16])}
		if len(v) == 24 {
			cp.Generation = binary.BigEndian.Uint64(v[16:])
		}
		return nil
	})
	if err != nil {
		return Checkpoint{}, false, prefix.Errorf("projection", "bolt: load checkpoint: %w", err)
	}
	return cp, ok, nil
}

func (m *boltModel[X]) Apply(_ context.Context, name string, cp Checkpoint, fn func(x X) error) error {
	err := m.run(true, func(tx *bolt.Tx) error {
		x, err := m.handle(tx)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return &fnError{err}
		}
		b, err := tx.CreateBucketIfNotExists([]byte(BoltBucket))
		if err != nil {
			return err
		}
		var v [24]byte
		binary.BigEndian.PutUint64(v[:], uint64(cp.Version))
		binary.BigEndian.PutUint64(v[8:], cp.Position)
		if cp.Generation == 0 {
			return b.Put([]byte(name), v[:16]) // as files before generations have it
		}
		binary.BigEndian.PutUint64(v[16:], cp.Generation)
		return b.Put([]byte(name), v[:])
	})
	var fe *fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	if err != nil {
		return prefix.Errorf("projection", "bolt: apply: %w", err)
	}
	return nil
}

// run runs fn in a transaction, turning bbolt's panics on a damaged file
// into errors and its closed database into herald.ErrClosed.
func (m *boltModel[X]) run(write bool, fn func(tx *bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bbolt panicked, the file may be damaged: %v", r)
		}
	}()
	if write {
		err = m.db.Update(fn)
	} else {
		err = m.db.View(fn)
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", err, herald.ErrClosed)
	}
	return err
}

// fnError carries the error of Apply's fn through bbolt untouched.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }

// DeleteBuckets returns a reset hook for a projection on a Bolt model that
// deletes the top-level buckets names, those that do not exist included:
// the handlers create them again as they need them. The hook refuses a nil
// tx with an error matching herald.ErrInvalid.
func DeleteBuckets(names ...string) func(ctx context.Context, tx *bolt.Tx) error {
	return func(_ context.Context, tx *bolt.Tx) error {
		if tx == nil {
			return prefix.Errorf("projection", "delete buckets: the transaction is nil: %w", herald.ErrInvalid)
		}
		for _, name := range names {
			err := tx.DeleteBucket([]byte(name))
			if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return prefix.Errorf("projection", "delete bucket %q: %w", name, err)
			}
		}
		return nil
	}
}
