package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// idIndex finds the position of a stored event by its id, to keep ids
// unique. An index in the file keyed by id would make every append write
// to pages all over that index, since ids are random; instead the ids
// bucket keeps each append's ids in one value keyed by its first
// position, which appends write at the end, and this index is built in
// memory from it: on the first write after Open, then by catching up with
// what was committed since, at the start of every write.
//
// It keys its main table by the id folded to 64 bits, and confirms a hit
// by reading the id at that position; the rare ids whose fold another id
// took go to a map keyed by the whole id. It only ever holds
// committed events, which never change, so a hit stays right.
//
// The index is used under bbolt's writer lock, which every write holds;
// its own mutex only makes that plain.
type idIndex struct {
	mu       sync.Mutex
	head     uint64 // every committed position up to head is indexed
	folded   foldTable
	collided map[uuid.UUID]uint64
}

// foldTable maps folded ids to positions: an open-addressing hash table
// with linear probing, 16 bytes a slot, at most three quarters full. A
// slot whose position is 0 is empty; positions start at 1.
type foldTable struct {
	slots []foldSlot // len is a power of 2
	n     int
}

type foldSlot struct{ fold, pos uint64 }

// slot returns where fold is, or the empty slot where it would go.
func (t *foldTable) slot(fold uint64) *foldSlot {
	mask := uint64(len(t.slots) - 1)
	for i := (fold * 0x9e3779b97f4a7c15) >> 32 & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.pos == 0 || s.fold == fold {
			return s
		}
	}
}

// get returns the position of fold.
func (t *foldTable) get(fold uint64) (uint64, bool) {
	if t.n == 0 {
		return 0, false
	}
	s := t.slot(fold)
	return s.pos, s.pos != 0
}

// add records pos for fold unless fold is taken, and reports whether it
// did.
func (t *foldTable) add(fold, pos uint64) bool {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	s := t.slot(fold)
	if s.pos != 0 {
		return false
	}
	*s = foldSlot{fold, pos}
	t.n++
	return true
}

func (t *foldTable) grow() {
	old := t.slots
	t.slots = make([]foldSlot, max(1024, 2*len(old)))
	for _, s := range old {
		if s.pos != 0 {
			*t.slot(s.fold) = s
		}
	}
}

func fold(id uuid.UUID) uint64 {
	return binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])
}

// catchUp indexes the ids of the committed positions after x.head up to
// upTo, reading them from the ids bucket ids.
func (x *idIndex) catchUp(ids *bolt.Bucket, upTo uint64) error {
	if upTo <= x.head {
		return nil
	}
	if x.collided == nil {
		x.collided = make(map[uuid.UUID]uint64)
	}
	c := ids.Cursor()
	k, v := seekRun(c, x.head+1)
	for ; k != nil; k, v = c.Next() {
		first := keyPos(k)
		if first == 0 || len(v) == 0 || len(v)%16 != 0 {
			return fmt.Errorf("id index: record at position %d: %w", first, ErrCorrupt)
		}
		for i := 0; i < len(v); i += 16 {
			pos := first + uint64(i/16)
			if pos > upTo {
				x.head = upTo
				return nil
			}
			if pos > x.head {
				x.insert(uuid.UUID(v[i:i+16]), pos)
			}
		}
	}
	x.head = upTo
	return nil
}

// insert records that the event with id, not indexed before, is at pos.
func (x *idIndex) insert(id uuid.UUID, pos uint64) {
	if !x.folded.add(fold(id), pos) {
		if x.collided == nil {
			x.collided = make(map[uuid.UUID]uint64)
		}
		x.collided[id] = pos
	}
}

// lookup returns the position of the committed event with id.
func (x *idIndex) lookup(ids *bolt.Bucket, id uuid.UUID) (uint64, bool, error) {
	if pos, ok := x.folded.get(fold(id)); ok {
		got, err := idAt(ids, pos)
		if err != nil {
			return 0, false, err
		}
		if got == id {
			return pos, true, nil
		}
	}
	pos, ok := x.collided[id]
	return pos, ok, nil
}

// idAt reads the id of the event at pos from the ids bucket.
func idAt(ids *bolt.Bucket, pos uint64) (uuid.UUID, error) {
	k, v := seekRun(ids.Cursor(), pos)
	first := keyPos(k)
	if k == nil || first == 0 || len(v)%16 != 0 || pos < first || (pos-first)*16 >= uint64(len(v)) {
		return uuid.Nil, fmt.Errorf("id index: no id recorded for position %d: %w", pos, ErrCorrupt)
	}
	i := (pos - first) * 16
	return uuid.UUID(v[i : i+16]), nil
}

// seekRun positions c on the record whose run holds pos: the last key at
// or before pos, or the first key when there is none before it. It
// returns nil when the bucket is empty.
func seekRun(c *bolt.Cursor, pos uint64) (k, v []byte) {
	var buf [8]byte
	key := posKey(&buf, pos)
	k, v = c.Seek(key)
	switch {
	case k == nil:
		// Every key is before pos, or there is none.
		return c.Last()
	case bytes.Equal(k, key):
		return k, v
	}
	if pk, pv := c.Prev(); pk != nil {
		return pk, pv
	}
	// Nothing before pos: start from the first record.
	return c.First()
}
