package memstore

import (
	"bytes"
	"encoding/binary"
	"sort"

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
// increasing order. An id greater than every one before it goes to a run:
// runs are ranges of positions whose ids increase along the positions and
// from each run to the next, so they cost no memory per event, telling a
// new id from a stored one costs one comparison with the greatest, and a
// stored one is found by two binary searches over the ids in the log.
// Every other id, and a version 7 id that arrives after a greater one, goes
// to the map.
type idIndex struct {
	runs   []idRun
	last   uuid.UUID // the greatest id in the runs
	others map[uuid.UUID]uint64
}

// idRun is a range of positions, first to last inclusive.
type idRun struct {
	first, last uint64
}

func newIDIndex() idIndex {
	return idIndex{others: make(map[uuid.UUID]uint64)}
}

// lookup returns the position of the event with id in l, if it is stored.
func (x *idIndex) lookup(l *eventLog, id uuid.UUID) (uint64, bool) {
	if x.newer(id) {
		return 0, false
	}
	if pos, ok := x.lookupRuns(l, id); ok {
		return pos, true
	}
	if len(x.others) == 0 {
		return 0, false
	}
	pos, ok := x.others[id]
	return pos, ok
}

// newer reports whether id is a version 7 id greater than every one in the
// runs, which the index cannot hold: a version 7 id goes to the map only
// when it is not greater than the greatest in the runs, which only grows.
func (x *idIndex) newer(id uuid.UUID) bool {
	return id.Version() == 7 && (len(x.runs) == 0 || bytes.Compare(id[:], x.last[:]) > 0)
}

// lookupRuns searches the runs for id: first for the last run that begins
// with an id not greater than it, then in that run.
func (x *idIndex) lookupRuns(l *eventLog, id uuid.UUID) (uint64, bool) {
	if id.Version() != 7 || len(x.runs) == 0 {
		return 0, false
	}
	r := sort.Search(len(x.runs), func(i int) bool {
		first := l.id(x.runs[i].first)
		return bytes.Compare(first[:], id[:]) > 0
	}) - 1
	if r < 0 {
		return 0, false
	}
	run := x.runs[r]
	n := int(run.last - run.first + 1)
	i := sort.Search(n, func(i int) bool {
		got := l.id(run.first + uint64(i))
		return bytes.Compare(got[:], id[:]) >= 0
	})
	if i < n && l.id(run.first+uint64(i)) == id {
		return run.first + uint64(i), true
	}
	return 0, false
}

// insert records that the event with id, not stored before, is at pos.
func (x *idIndex) insert(id uuid.UUID, pos uint64) {
	if !x.newer(id) {
		x.others[id] = pos
		return
	}
	x.last = id
	if n := len(x.runs); n > 0 && x.runs[n-1].last == pos-1 {
		x.runs[n-1].last = pos
		return
	}
	x.runs = append(x.runs, idRun{pos, pos})
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
// nothing, so readers may call it under the store's lock.
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

// find is get for appenders, under the store's lock: it remembers
// the stream it found.
func (x *streamIndex) find(ref herald.AggregateRef) *stream {
	st := x.get(ref)
	if st != nil {
		x.recent = st
	}
	return st
}

// getOrAdd returns ref's stream, adding an empty one, and ref to t, when
// it has none. Only appenders call it, under the store's lock.
func (x *streamIndex) getOrAdd(ref herald.AggregateRef, t *tables) *stream {
	if st := x.find(ref); st != nil {
		return st
	}
	k := fold(ref.ID)
	st := &stream{ref: ref, aggregate: t.addAggregate(ref), next: x.byID[k]}
	x.byID[k] = st
	x.recent = st
	return st
}
