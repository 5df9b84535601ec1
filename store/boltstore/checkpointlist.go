package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"
)

// Checkpoints returns the position of every checkpoint the store keeps,
// by consumer name: those of durable subscriptions and flows, and of the
// projections whose checkpoints are kept with SaveCheckpoint or
// SaveCheckpointTx. It is what a command-line tool lists as the
// consumers of a file.
func (s *Store) Checkpoints(ctx context.Context) (map[string]uint64, error) {
	if err := s.usable(ctx); err != nil {
		return nil, errorf("list checkpoints: %w", err)
	}
	all := make(map[string]uint64)
	err := s.view(ctx, func(tx *bolt.Tx, b buckets) error {
		return b.checkpoints.ForEach(func(k, _ []byte) error {
			pos, err := readCheckpoint(b.checkpoints, string(k))
			all[string(k)] = pos
			return err
		})
	})
	if err != nil {
		return nil, errorf("list checkpoints: %w", err)
	}
	return all, nil
}
