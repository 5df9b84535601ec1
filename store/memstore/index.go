package memstore

import (
	"bytes"
	"encoding/binary"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// fold reduces a uuid to 64 bits. Random and name-based ids spread well
// over them; ids whose folds collide are told apart by the full id.
func fold(id uuid.UUID) uint64 {
	return binary.LittleEndian.Uint64(id[:8]) ^ binary.LittleEndian.Uint64(id[8:])
}

// idIndex maps event ids to positions.
//
// Time-ordered (version 7) ids, which publishers make, mostly arrive in
// increasing order: those go to ordered, a list sorted by id, so that
// telling a new id from a stored one costs one comparison with the last,
// and the search for an older one starts from the end, where the recent
// ones are. Every other id, and a version 7 id that arrives after a greater
// one, goes to the map.
type idIndex struct {
	ordered orderedIDs
	others  map[uuid.UUID]uint64
}

type idPosition struct {
	id  uuid.UUID
	pos uint64
}

// orderedIDs is a list of ids in increasing order, kept in chunks so that
// it grows without copying.
type orderedIDs struct {
	chunks [][]idPosition
	n      int
}

const idChunkBits = 12

func (o *orderedIDs) at(i int) *idPosition {
	return &o.chunks[i>>idChunkBits][i&(1<<idChunkBits-1)]
}

func (o *orderedIDs) append(id uuid.UUID, pos uint64) {
	if o.n == len(o.chunks)<<idChunkBits {
		o.chunks = append(o.chunks, make([]idPosition, 1<<idChunkBits))
	}
	*o.at(o.n) = idPosition{id, pos}
	o.n++
}

// last returns the greatest id, and false when there is none.
func (o *orderedIDs) last() (uuid.UUID, bool) {
	if o.n == 0 {
		return uuid.Nil, false
	}
	return o.at(o.n - 1).id, true
}

func newIDIndex() idIndex {
	return idIndex{others: make(map[uuid.UUID]uint64)}
}

// lookup returns the position of the event with id, if it is stored.
func (x *idIndex) lookup(id uuid.UUID) (uint64, bool) {
	if pos, ok := x.lookupOrdered(id); ok {
		return pos, true
	}
	if len(x.others) == 0 {
		return 0, false
	}
	pos, ok := x.others[id]
	return pos, ok
}

// lookupOrdered searches ordered for id, from the end: it doubles its step
// back until it passes id, then halves its way to it.
func (x *idIndex) lookupOrdered(id uuid.UUID) (uint64, bool) {
	last, ok := x.ordered.last()
	if id.Version() != 7 || !ok || bytes.Compare(id[:], last[:]) > 0 {
		return 0, false
	}
	n := x.ordered.n
	hi, step := n, 1
	lo := n - step
	for lo > 0 && bytes.Compare(x.ordered.at(lo).id[:], id[:]) > 0 {
		hi = lo
		step *= 2
		lo = max(n-step, 0)
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(x.ordered.at(mid).id[:], id[:]); {
		case c == 0:
			return x.ordered.at(mid).pos, true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

// insert records that the event with id, not stored before, is at pos.
func (x *idIndex) insert(id uuid.UUID, pos uint64) {
	if last, ok := x.ordered.last(); id.Version() == 7 && (!ok || bytes.Compare(id[:], last[:]) > 0) {
		x.ordered.append(id, pos)
		return
	}
	x.others[id] = pos
}

// streamIndex finds the stream of an aggregate. It keys its map by the
// folded aggregate id and chains the streams of aggregates whose folds
// collide, which the full reference tells apart. It remembers the stream
// found last, which an append asks for twice: to check and to commit.
type streamIndex struct {
	byID   map[uint64]*stream
	recent *stream
}

func newStreamIndex() streamIndex {
	return streamIndex{byID: make(map[uint64]*stream)}
}

// get returns ref's stream, or nil when it has no events. It changes
// nothing, so readers may call it under the store's read lock.
func (x *streamIndex) get(ref herald.AggregateRef) *stream {
	if x.recent != nil && x.recent.ref == ref {
		return x.recent
	}
	for st := x.byID[fold(ref.ID)]; st != nil; st = st.next {
		if st.ref == ref {
			return st
		}
	}
	return nil
}

// find is get for appenders, under the store's write lock: it remembers
// the stream it found.
func (x *streamIndex) find(ref herald.AggregateRef) *stream {
	st := x.get(ref)
	if st != nil {
		x.recent = st
	}
	return st
}

// getOrAdd returns ref's stream, adding an empty one when it has none.
// Only appenders call it, under the store's write lock.
func (x *streamIndex) getOrAdd(ref herald.AggregateRef) *stream {
	if st := x.find(ref); st != nil {
		return st
	}
	k := fold(ref.ID)
	st := &stream{ref: ref, next: x.byID[k]}
	x.byID[k] = st
	x.recent = st
	return st
}
