package main

import (
	"encoding/binary"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	bolt "go.etcd.io/bbolt"
)

// boltProjections adds to all the checkpoints of the projections whose
// read models live in the store's bbolt file (projection.Bolt and
// BoltIn), kept in projection.BoltBucket as its doc describes: the
// version then the position, 8 bytes each (and then, in newer files, a
// generation), under the projection's name; names with '#' are a model's
// other checkpoints. Another store adds nothing.
func boltProjections(s herald.Store, all map[string]uint64) error {
	bs, ok := s.(*boltstore.Store)
	if !ok {
		return nil
	}
	return bs.DB().View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(projection.BoltBucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if (len(v) == 16 || len(v) == 24) && !strings.Contains(string(k), "#") {
				all[string(k)] = binary.BigEndian.Uint64(v[8:16])
			}
			return nil
		})
	})
}
