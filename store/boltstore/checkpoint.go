package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// LoadCheckpoint returns the position the consumer name handled last, 0
// when it has none. An empty name, or one longer than MaxNameLength, is an
// error matching herald.ErrInvalid.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (uint64, error) {
	if err := checkConsumer(name); err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	var pos uint64
	err := s.view(ctx, func(tx *bolt.Tx, b buckets) error {
		var err error
		pos, err = readCheckpoint(b.checkpoints, name)
		return err
	})
	if err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	return pos, nil
}

// SaveCheckpoint records, durably, that the consumer name handled every
// event up to position. It is committed with the appends waiting at the
// time. An empty name, or one longer than MaxNameLength, is an error
// matching herald.ErrInvalid.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position uint64) error {
	if err := checkConsumer(name); err != nil {
		return errorf("save checkpoint: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("save checkpoint: %w", err)
	}
	req := getRequest()
	req.kind, req.checkpoint, req.position = kindCheckpoint, name, position
	if err := s.submit(ctx, req); err != nil {
		return errorf("save checkpoint: %w", err)
	}
	defer putRequest(req)
	if req.err != nil {
		return errorf("save checkpoint: %w", req.err)
	}
	return nil
}

// LoadCheckpointTx is LoadCheckpoint inside tx, a transaction of the
// store's database.
func (s *Store) LoadCheckpointTx(tx *bolt.Tx, name string) (uint64, error) {
	if err := checkConsumer(name); err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	b, err := s.txBuckets(tx, false)
	if err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	pos, err := readCheckpoint(b.checkpoints, name)
	if err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	return pos, nil
}

// SaveCheckpointTx is SaveCheckpoint inside tx, a writable transaction of
// the store's database: a projection whose read model lives in the same
// file updates the model and its checkpoint in one transaction, so each
// event takes effect exactly once.
func (s *Store) SaveCheckpointTx(tx *bolt.Tx, name string, position uint64) error {
	if err := checkConsumer(name); err != nil {
		return errorf("save checkpoint: %w", err)
	}
	b, err := s.txBuckets(tx, true)
	if err != nil {
		return errorf("save checkpoint: %w", err)
	}
	if err := b.checkpoints.Put([]byte(name), appendUint64(nil, position)); err != nil {
		return errorf("save checkpoint: %w", dbError(err))
	}
	return nil
}

// txBuckets returns the store's buckets in a caller's transaction.
func (s *Store) txBuckets(tx *bolt.Tx, write bool) (buckets, error) {
	switch {
	case s.closed.Load():
		return buckets{}, herald.ErrClosed
	case tx == nil || tx.DB() == nil:
		return buckets{}, fmt.Errorf("transaction is nil or closed: %w", herald.ErrInvalid)
	case tx.DB() != s.db:
		return buckets{}, fmt.Errorf("transaction is of another database: %w", herald.ErrInvalid)
	case write && !tx.Writable():
		return buckets{}, fmt.Errorf("transaction is read only: %w", herald.ErrInvalid)
	}
	return openBuckets(tx)
}

func readCheckpoint(checkpoints *bolt.Bucket, name string) (uint64, error) {
	v := checkpoints.Get([]byte(name))
	switch {
	case v == nil:
		return 0, nil
	case len(v) != 8:
		return 0, fmt.Errorf("checkpoint of %q is %d bytes: %w", name, len(v), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

func checkConsumer(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty consumer name: %w", herald.ErrInvalid)
	case len(name) > MaxNameLength:
		return fmt.Errorf("consumer name of %d bytes, more than %d: %w", len(name), MaxNameLength, herald.ErrInvalid)
	}
	return nil
}

func appendUint64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
