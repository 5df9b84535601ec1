package memstore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// SaveSnapshot keeps a copy of s as its aggregate's snapshot, unless the
// store has a snapshot of a later revision of that aggregate. A snapshot
// whose aggregate lacks a context, a name or an id is an error matching
// herald.ErrInvalid.
func (s *Store) SaveSnapshot(ctx context.Context, snap herald.Snapshot) error {
	if err := checkSnapshot(&snap); err != nil {
		return errorf("save snapshot: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("save snapshot: %w", err)
	}
	snap.State = bytes.Clone(snap.State)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errorf("save snapshot: %w", herald.ErrClosed)
	}
	if old, ok := s.snapshots[snap.Aggregate]; !ok || old.Revision <= snap.Revision {
		s.snapshots[snap.Aggregate] = snap
	}
	return nil
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
	s.mu.Lock()
	snap, ok := s.snapshots[ref]
	closed := s.closed.Load()
	s.mu.Unlock()
	switch {
	case closed:
		return herald.Snapshot{}, errorf("load snapshot: %w", herald.ErrClosed)
	case !ok:
		return herald.Snapshot{}, errorf("load snapshot of %s: %w", ref, herald.ErrNotFound)
	}
	snap.State = bytes.Clone(snap.State)
	return snap, nil
}

// checkSnapshot reports what makes snap's aggregate unfit to key a
// snapshot.
func checkSnapshot(snap *herald.Snapshot) error {
	if err := snap.Aggregate.Check(); err != nil {
		return fmt.Errorf("snapshot of %s: %w", snap.Aggregate, prefix.Strip(err))
	}
	return nil
}
