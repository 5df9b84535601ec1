package memstore

import (
	"encoding/binary"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// fold reduces a uuid to 64 bits. Random and name-based ids spread well
// over them; ids whose folds collide are told apart by the full id.
func fold(id uuid.UUID) uint64 {
	return binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])
}

// idIndex maps event ids to positions. It keys its main map by the folded
// id, which is cheaper to hash and probe than the whole id, and confirms a
// hit against the log; the rare ids whose fold is taken by another id go
// to a second map keyed by the whole id.
type idIndex struct {
	folded   map[uint64]uint64
	collided map[uuid.UUID]uint64
}

func newIDIndex(capacity int) idIndex {
	return idIndex{folded: make(map[uint64]uint64, capacity), collided: make(map[uuid.UUID]uint64)}
}

// lookup returns the position of the event with id, if it is stored.
func (x *idIndex) lookup(id uuid.UUID, log *eventLog) (uint64, bool) {
	if pos, ok := x.folded[fold(id)]; ok && log.at(pos).ID == id {
		return pos, true
	}
	if len(x.collided) == 0 {
		return 0, false
	}
	pos, ok := x.collided[id]
	return pos, ok
}

// insert records that the event with id, not stored before, is at pos.
func (x *idIndex) insert(id uuid.UUID, pos uint64) {
	k := fold(id)
	if _, taken := x.folded[k]; taken {
		x.collided[id] = pos
		return
	}
	x.folded[k] = pos
}

// streamIndex finds the stream of an aggregate. It keys its map by the
// folded aggregate id and chains the streams of aggregates whose folds
// collide, which the full reference tells apart.
type streamIndex map[uint64]*stream

// get returns ref's stream, or nil when it has no events.
func (x streamIndex) get(ref herald.AggregateRef) *stream {
	for st := x[fold(ref.ID)]; st != nil; st = st.next {
		if st.ref == ref {
			return st
		}
	}
	return nil
}

// getOrAdd returns ref's stream, adding an empty one when it has none.
func (x streamIndex) getOrAdd(ref herald.AggregateRef) *stream {
	if st := x.get(ref); st != nil {
		return st
	}
	k := fold(ref.ID)
	st := &stream{ref: ref, next: x[k]}
	x[k] = st
	return st
}
