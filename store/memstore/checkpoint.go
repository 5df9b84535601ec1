package memstore

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

var _ driver.CheckpointStore = (*Store)(nil)

// LoadCheckpoint returns the position the consumer name handled last, 0
// when it has none. An empty name is an error matching herald.ErrInvalid.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (uint64, error) {
	if name == "" {
		return 0, errorf("load checkpoint: empty consumer name: %w", herald.ErrInvalid)
	}
	if err := s.usable(ctx); err != nil {
		return 0, errorf("load checkpoint: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return 0, errorf("load checkpoint: %w", herald.ErrClosed)
	}
	return s.checkpoints[name], nil
}

// SaveCheckpoint records that the consumer name handled every event up to
// position.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position uint64) error {
	if name == "" {
		return errorf("save checkpoint: empty consumer name: %w", herald.ErrInvalid)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("save checkpoint: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errorf("save checkpoint: %w", herald.ErrClosed)
	}
	if s.checkpoints == nil {
		s.checkpoints = make(map[string]uint64)
	}
	s.checkpoints[name] = position
	return nil
}
