package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
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
// Time-ordered (version 7) ids, which publishers make, mostly come in
// increasing order. An id greater than every one indexed before goes to a
// run: runs are ranges of positions whose ids increase along the
// positions and from each run to the next, so they cost no memory per
// event, a new id is told from a stored one by one comparison with the
// greatest, and a stored one is found by binary searches that read ids
// from the ids bucket. Other ids go to the main table, keyed by the id
// folded to 64 bits, which confirms a hit by reading the id at that
// position; the rare ids whose fold another id took go to a map keyed by
// the whole id. It only ever holds committed events, which never change,
// so a hit stays right.
//
// The index is used under bbolt's writer lock, which every write holds;
// its own mutex only makes that plain.
type idIndex struct {
	mu       sync.Mutex
	head     uint64 // every committed position up to head is indexed
	runs     []posRange
	last     uuid.UUID // the greatest id in the runs
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
	if x.newer(id) {
		x.last = id
		if n := len(x.runs); n > 0 && x.runs[n-1].last == pos-1 {
			x.runs[n-1].last = pos
		} else {
			x.runs = append(x.runs, posRange{pos, pos})
		}
		return
	}
	if !x.folded.add(fold(id), pos) {
		if x.collided == nil {
			x.collided = make(map[uuid.UUID]uint64)
		}
		x.collided[id] = pos
	}
}

// lookup returns the position of the committed event with id.
func (x *idIndex) lookup(ids *bolt.Bucket, id uuid.UUID) (uint64, bool, error) {
	if x.newer(id) {
		return 0, false, nil
	}
	if pos, ok, err := x.lookupRuns(ids, id); ok || err != nil {
		return pos, ok, err
	}
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

// newer reports whether id is a version 7 id greater than every one in the
// runs, which the index cannot hold: a version 7 id goes to the table only
// when it is not greater than the greatest in the runs, which only grows.
func (x *idIndex) newer(id uuid.UUID) bool {
	return id.Version() == 7 && (len(x.runs) == 0 || bytes.Compare(id[:], x.last[:]) > 0)
}

// lookupRuns searches the runs for id: for the last run that begins with
// an id not greater than it, then in that run.
func (x *idIndex) lookupRuns(ids *bolt.Bucket, id uuid.UUID) (pos uint64, found bool, err error) {
	if id.Version() != 7 || len(x.runs) == 0 {
		return 0, false, nil
	}
	// after reports whether the id at p is greater than id, or
	// (orEqual) equal to it; it keeps the first error.
	after := func(p uint64, orEqual bool) bool {
		got, e := idAt(ids, p)
		if e != nil {
			err = e
			return true
		}
		c := bytes.Compare(got[:], id[:])
		return c > 0 || orEqual && c == 0
	}
	r := sort.Search(len(x.runs), func(i int) bool { return after(x.runs[i].first, false) }) - 1
	if err != nil || r < 0 {
		return 0, false, err
	}
	run := x.runs[r]
	n := int(run.last - run.first + 1)
	i := sort.Search(n, func(i int) bool { return after(run.first+uint64(i), true) })
	if err != nil || i == n {
		return 0, false, err
	}
	got, err := idAt(ids, run.first+uint64(i))
	if err != nil || got != id {
		return 0, false, err
	}
	return run.first + uint64(i), true, nil
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
