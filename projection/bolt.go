package projection

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// BoltBucket is the top-level bucket in which Bolt models keep their
// checkpoints, one key per projection name.
const BoltBucket = "herald.projections"

// Bolt returns a model in db, a bbolt database such as the one a
// boltstore.Store keeps its log in (see its DB method): handlers write the
// model in the *bbolt.Tx they are given, a read-write transaction in which
// the projection also advances its checkpoint, so each event takes effect
// exactly once, across crashes too. Keep the model in buckets of your own;
// the checkpoints are in BoltBucket.
//
// While a projection applies a batch, it holds db's only write
// transaction: the store's appends wait for it. Handlers must be quick,
// and must not append to the store (that would wait for the transaction
// they run in).
//
// Bolt(nil) is a nil Model, which New refuses.
func Bolt(db *bolt.DB) Model[*bolt.Tx] {
	if db == nil {
		return nil
	}
	return &boltModel{db: db}
}

type boltModel struct{ db *bolt.DB }

func (m *boltModel) Atomic() bool { return true }

func (m *boltModel) Load(_ context.Context, name string) (cp Checkpoint, ok bool, err error) {
	err = m.run(false, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BoltBucket))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(name))
		if v == nil {
			return nil
		}
		if len(v) != 16 {
			return fmt.Errorf("checkpoint of %q is %d bytes, want 16: %w", name, len(v), herald.ErrInvalid)
		}
		// Apply writes a version that is an int and not negative.
		version := binary.BigEndian.Uint64(v)
		if version > math.MaxInt {
			return fmt.Errorf("checkpoint of %q has the version %d, more than an int holds: %w", name, version, herald.ErrInvalid)
		}
		ok = true
		cp = Checkpoint{Version: int(version), Position: binary.BigEndian.Uint64(v[8:])}
		return nil
	})
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("projection: bolt: load checkpoint: %w", err)
	}
	return cp, ok, nil
}

func (m *boltModel) Apply(_ context.Context, name string, cp Checkpoint, fn func(tx *bolt.Tx) error) error {
	err := m.run(true, func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return &fnError{err}
		}
		b, err := tx.CreateBucketIfNotExists([]byte(BoltBucket))
		if err != nil {
			return err
		}
		var v [16]byte
		binary.BigEndian.PutUint64(v[:], uint64(cp.Version))
		binary.BigEndian.PutUint64(v[8:], cp.Position)
		return b.Put([]byte(name), v[:])
	})
	var fe *fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	if err != nil {
		return fmt.Errorf("projection: bolt: apply: %w", err)
	}
	return nil
}

// run runs fn in a transaction, turning bbolt's panics on a damaged file
// into errors and its closed database into herald.ErrClosed.
func (m *boltModel) run(write bool, fn func(tx *bolt.Tx) error) (err error) {
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
		return fmt.Errorf("%w: %w", herald.ErrClosed, err)
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
			return fmt.Errorf("projection: delete buckets: the transaction is nil: %w", herald.ErrInvalid)
		}
		for _, name := range names {
			err := tx.DeleteBucket([]byte(name))
			if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return fmt.Errorf("projection: delete bucket %q: %w", name, err)
			}
		}
		return nil
	}
}
