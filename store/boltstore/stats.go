package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// Stats reports the number of events, the head position and the number of
// events per full event name. The counts are kept on every append, so
// asking costs a read of one row per name, not a scan of the log.
func (s *Store) Stats(ctx context.Context) (herald.Stats, error) {
	if err := s.usable(ctx); err != nil {
		return herald.Stats{}, errorf("stats: %w", err)
	}
	st := herald.Stats{Counts: make(map[string]uint64)}
	err := s.view(ctx, func(tx *bolt.Tx, b buckets) error {
		head, err := lastPosition(b.events)
		if err != nil {
			return err
		}
		// Positions run from 1 without a gap: an append that fails takes
		// none.
		st.Events, st.Head = head, head
		return b.names.ForEach(func(k, v []byte) error {
			context, aggregate, name, ok := parseNameKey(k)
			if !ok || len(v) != 12 {
				return fmt.Errorf("name index: key %x: %w", k, ErrCorrupt)
			}
			st.Counts[context+"."+aggregate+"."+name] += binary.BigEndian.Uint64(v[4:])
			return nil
		})
	})
	if err != nil {
		return herald.Stats{}, errorf("stats: %w", err)
	}
	return st, nil
}
