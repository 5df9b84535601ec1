package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	bolt "go.etcd.io/bbolt"
)

// SaveSnapshot stores a copy of snap as its aggregate's snapshot, unless
// the store has a snapshot of a later revision of that aggregate. It is
// committed with the appends waiting at the time. A snapshot whose
// aggregate lacks a context, a name or an id is an error matching
// herald.ErrInvalid. When ctx carries a writable transaction of the
// store's file (ContextWithTx), the snapshot is written in it, and commits or
// rolls back with it.
func (s *Store) SaveSnapshot(ctx context.Context, snap herald.Snapshot) error {
	if err := checkSnapshot(&snap); err != nil {
		return errorf("save snapshot: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("save snapshot: %w", err)
	}
	if tx := s.ownTx(ctx); tx != nil && tx.Writable() {
		return saveSnapshotIn(tx, &snap)
	}
	req := getRequest()
	req.kind = kindSnapshot
	req.snap = snap
	req.snap.State = bytes.Clone(snap.State)
	if err := s.submit(ctx, req); err != nil {
		return errorf("save snapshot: %w", err)
	}
	defer putRequest(req)
	if req.err != nil {
		return errorf("save snapshot: %w", req.err)
	}
	return nil
}

// saveSnapshot writes snap unless a later one is stored.
func (w *writer) saveSnapshot(snap *herald.Snapshot) error {
	return putSnapshot(w.b.snapshots, snap)
}

// saveSnapshotIn writes snap in tx, the application's transaction.
func saveSnapshotIn(tx *bolt.Tx, snap *herald.Snapshot) (err error) {
	defer recoverCorrupt(&err)
	err = inBuckets(tx, func(_ *bolt.Tx, b buckets) error { return putSnapshot(b.snapshots, snap) })
	if err != nil {
		return errorf("save snapshot in transaction: %w", dbError(err))
	}
	return nil
}

// putSnapshot writes snap into snapshots unless a later one is there.
func putSnapshot(snapshots *bolt.Bucket, snap *herald.Snapshot) error {
	key := appendAggregateKey(nil, &snap.Aggregate)
	if old := snapshots.Get(key); len(old) >= 8 && binary.BigEndian.Uint64(old) > snap.Revision {
		return nil
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(snap.State)), snap.Revision)
	return snapshots.Put(key, append(v, snap.State...))
}

// LoadSnapshot returns a copy of the newest snapshot of ref, or an error
// matching herald.ErrNotFound. A ref that lacks a context, a name or an id
// is an error matching herald.ErrInvalid.
func (s *Store) LoadSnapshot(ctx context.Context, ref herald.AggregateRef) (herald.Snapshot, error) {
	if err := ref.Check(); err != nil {
		return herald.Snapshot{}, errorf("load snapshot: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return herald.Snapshot{}, errorf("load snapshot: %w", err)
	}
	snap := herald.Snapshot{Aggregate: ref}
	found := false
	err := s.view(ctx, func(tx *bolt.Tx, b buckets) error {
		v := b.snapshots.Get(appendAggregateKey(nil, &ref))
		if v == nil {
			return nil
		}
		if len(v) < 8 {
			return fmt.Errorf("snapshot of %s is %d bytes: %w", ref, len(v), ErrCorrupt)
		}
		snap.Revision, snap.State, found = binary.BigEndian.Uint64(v), bytes.Clone(v[8:]), true
		return nil
	})
	switch {
	case err != nil:
		return herald.Snapshot{}, errorf("load snapshot: %w", err)
	case !found:
		return herald.Snapshot{}, errorf("load snapshot of %s: %w", ref, herald.ErrNotFound)
	}
	if snap.State == nil {
		snap.State = []byte{}
	}
	return snap, nil
}

// checkSnapshot reports what makes snap's aggregate unfit to key a
// snapshot.
func checkSnapshot(snap *herald.Snapshot) error {
	if err := snap.Aggregate.Check(); err != nil {
		return fmt.Errorf("snapshot of %s: %w", snap.Aggregate, prefix.Strip(err))
	}
	if len(snap.Aggregate.Context) > MaxNameLength || len(snap.Aggregate.Name) > MaxNameLength {
		return fmt.Errorf("snapshot of %s: a name is longer than %d bytes: %w", snap.Aggregate, MaxNameLength, herald.ErrInvalid)
	}
	return nil
}
