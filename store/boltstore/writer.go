package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// writer validates and writes inside one write transaction: the
// committer's, which holds the appends of many callers, or a caller's own
// (AppendTx). It checks each append against what the transaction holds,
// the appends before it in the same transaction included, before it
// writes anything of it, so an append that fails leaves no trace and the
// others of the transaction go on.
type writer struct {
	s  *Store
	tx *bolt.Tx
	b  buckets

	head      uint64 // newest position in tx
	committed uint64 // newest position committed before tx wrote

	// pending are the ids tx wrote, revs the current revision of each
	// aggregate tx looked up or wrote (those of wrote from indexWritten),
	// names the name entries it read or changed.
	pending  map[uuid.UUID]uint64
	revs     map[herald.AggregateRef]uint64
	names    map[nameParts]*nameEntry
	nameSeq  uint32
	seqDirty bool

	// arena holds the index values tx puts, which bbolt reads at commit.
	// It is only appended to until then; an append that grows it leaves
	// the old array to the values that refer to it.
	arena []byte
	key   []byte

	// Scratch of one append.
	reqRevs map[herald.AggregateRef]uint64

	// What the transaction appended, for finish to index: the ids from
	// position firstNew on, the positions of each name, the ranges for the
	// outbox. finish puts them, once, and bbolt reads them at commit.
	newIDs     []byte
	firstNew   uint64
	byName     []nameRun
	outboxRuns []posRange
	wrote      []*request
	indexed    int  // how many of wrote are in pending and revs
	merged     bool // the tail was merged into the stream index

	// tail is the newest revision of each aggregate in the tail of the log
	// that the stream index does not cover yet (streams.go): the
	// positions after tailAt up to tailHead. d interns its names.
	tail             map[herald.AggregateRef]uint64
	tailAt, tailHead uint64
	d                decoder
}

// nameParts is a full event name in parts.
type nameParts struct{ context, aggregate, name string }

// nameEntry is a row of the names bucket: the name's id and count.
type nameEntry struct {
	id    uint32
	count uint64
	dirty bool
}

// nameRun is the events of one name within one append.
type nameRun struct {
	name      nameParts
	positions []uint64
}

// begin readies w for tx. It finds the newest committed position (in a
// caller's transaction that appended before, inTx, the marker those
// appends left in the meta bucket tells), brings the id index and the
// tail up to it, and reads what tx appended since.
func (w *writer) begin(s *Store, tx *bolt.Tx, inTx bool) error {
	w.s, w.tx = s, tx
	b, err := openBuckets(tx)
	if err != nil {
		return err
	}
	w.b = b
	w.head, err = lastPosition(b.events)
	if err != nil {
		return err
	}
	w.committed = w.head
	if inTx {
		if v := b.meta.Get(inTxKey); len(v) == 16 && binary.BigEndian.Uint64(v) == uint64(tx.ID()) {
			w.committed = binary.BigEndian.Uint64(v[8:])
		}
	}
	clear(w.pending)
	clear(w.revs)
	clear(w.names)
	if w.pending == nil {
		w.pending = make(map[uuid.UUID]uint64)
		w.revs = make(map[herald.AggregateRef]uint64)
		w.names = make(map[nameParts]*nameEntry)
		w.reqRevs = make(map[herald.AggregateRef]uint64)
	}
	w.nameSeq, w.seqDirty = 0, false
	w.arena = w.arena[:0]
	w.newIDs, w.firstNew = w.newIDs[:0], 0
	w.byName, w.outboxRuns = w.byName[:0], w.outboxRuns[:0]
	clear(w.wrote)
	w.wrote, w.indexed, w.merged = w.wrote[:0], 0, false
	s.ids.mu.Lock()
	err = s.ids.catchUp(b.ids, w.committed)
	s.ids.mu.Unlock()
	if err != nil {
		return err
	}
	if err := w.loadTail(); err != nil {
		return err
	}
	if w.head > w.committed {
		return w.loadPending()
	}
	return nil
}

// loadPending reads the ids and revisions that the caller's transaction
// appended before, so that its later appends see them.
func (w *writer) loadPending() error {
	var buf [8]byte
	ec := w.b.events.Cursor()
	for k, v := ec.Seek(posKey(&buf, w.committed+1)); k != nil; k, v = ec.Next() {
		h, err := readHead(keyPos(k), v)
		if err != nil {
			return err
		}
		ref := herald.AggregateRef{Context: w.d.intern(h.context), Name: w.d.intern(h.name), ID: h.id}
		w.revs[ref] = h.revision
	}
	c := w.b.ids.Cursor()
	for k, v := seekRun(c, w.committed+1); k != nil; k, v = c.Next() {
		first := keyPos(k)
		if first == 0 || len(v)%16 != 0 {
			return fmt.Errorf("id index: record at position %d: %w", first, ErrCorrupt)
		}
		for i := 0; i < len(v); i += 16 {
			if pos := first + uint64(i/16); pos > w.committed {
				w.pending[uuid.UUID(v[i:i+16])] = pos
			}
		}
	}
	return nil
}

// lastPosition returns the newest position of the events bucket.
func lastPosition(events *bolt.Bucket) (uint64, error) {
	k, _ := events.Cursor().Last()
	if k == nil {
		return 0, nil
	}
	pos := keyPos(k)
	if pos == 0 {
		return 0, fmt.Errorf("events: key %x is not a position: %w", k, ErrCorrupt)
	}
	return pos, nil
}

// lookupID returns the position of the event with id, stored before or
// earlier in tx.
func (w *writer) lookupID(id uuid.UUID) (uint64, bool, error) {
	w.indexWritten()
	if pos, ok := w.pending[id]; ok {
		return pos, true, nil
	}
	w.s.ids.mu.Lock()
	defer w.s.ids.mu.Unlock()
	return w.s.ids.lookup(w.b.ids, id)
}

// indexWritten puts the ids and revisions of the appends written in tx
// since it last ran into pending and revs, for the checks of the appends
// after them. A transaction of one append never needs them.
func (w *writer) indexWritten() {
	for ; w.indexed < len(w.wrote); w.indexed++ {
		req := w.wrote[w.indexed]
		for i := range req.events {
			w.pending[req.events[i].ID] = req.first + uint64(i)
			w.revs[req.events[i].Aggregate] = req.revs[i]
		}
	}
}

// revision returns the current revision of ref in tx: the tail's, which
// begin loaded, or the stream index's.
func (w *writer) revision(ref *herald.AggregateRef) (uint64, error) {
	w.indexWritten()
	if rev, ok := w.revs[*ref]; ok {
		return rev, nil
	}
	if rev, ok := w.tail[*ref]; ok {
		w.revs[*ref] = rev
		return rev, nil
	}
	rev, err := streamHead(w.b.streams, ref, w.key[:0])
	if err != nil {
		return 0, err
	}
	w.revs[*ref] = rev
	return rev, nil
}

// streamHead returns the newest revision of ref in the streams bucket.
func streamHead(streams *bolt.Bucket, ref *herald.AggregateRef, buf []byte) (uint64, error) {
	prefix := appendAggregateKey(buf, ref)
	n := len(prefix)
	seek := binary.BigEndian.AppendUint64(prefix, math.MaxUint64)
	c := streams.Cursor()
	var k, v []byte
	if k, _ = c.Seek(seek); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || len(k) != n+8 || !bytes.Equal(k[:n], prefix[:n]) {
		return 0, nil
	}
	if !positions(v).valid() {
		return 0, fmt.Errorf("stream index of %s: %w", ref, ErrCorrupt)
	}
	return revAt(k, n) + uint64(positions(v).len()) - 1, nil
}

// check reports whether req can be appended: nil when it can, with every
// revision it will take in req.revs, or all stored set when every event
// of it is stored already. It changes nothing in tx.
func (w *writer) check(req *request) (allStored bool, err error) {
	events := req.events
	n, first := 0, -1
	for i := range events {
		_, ok, err := w.lookupID(events[i].ID)
		if err != nil {
			return false, err
		}
		if ok {
			if n == 0 {
				first = i
			}
			n++
		}
	}
	switch {
	case n == len(events):
		return true, nil
	case n > 0:
		return false, fmt.Errorf("event %d: id %s is stored, other events of the batch are not: %w",
			first, events[first].ID, herald.ErrDuplicate)
	}
	req.revs = req.revs[:0]
	clear(w.reqRevs)
	for i := range events {
		e := &events[i]
		var current uint64
		if i > 0 && e.Aggregate == events[i-1].Aggregate {
			current = req.revs[i-1]
		} else if c, ok := w.reqRevs[e.Aggregate]; ok {
			current = c
		} else if current, err = w.revision(&e.Aggregate); err != nil {
			return false, err
		}
		if want := e.Metadata.Revision; want != 0 && want != current+1 {
			err := &herald.ConflictError{Aggregate: e.Aggregate, Expected: want - 1, Actual: current}
			if len(events) == 1 {
				return false, err
			}
			return false, fmt.Errorf("event %d: %w", i, err)
		}
		if i+1 < len(events) && events[i+1].Aggregate != e.Aggregate {
			w.reqRevs[e.Aggregate] = current + 1
		}
		req.revs = append(req.revs, current+1)
	}
	return false, nil
}

// copyStored decodes the stored envelopes of req's events into
// req.stored.
func (w *writer) copyStored(req *request) error {
	req.stored = req.stored[:0]
	d := decoder{keys: w.b.userKeys}
	var buf [8]byte
	for i := range req.events {
		pos, _, err := w.lookupID(req.events[i].ID)
		if err != nil {
			return err
		}
		v := w.b.events.Get(posKey(&buf, pos))
		if v == nil {
			return fmt.Errorf("event at position %d is indexed but missing: %w", pos, ErrCorrupt)
		}
		var e herald.Event
		if err := d.decode(&e, pos, v, nil); err != nil {
			return err
		}
		req.stored = append(req.stored, e)
	}
	return nil
}

// write appends req, which check passed, at the head of tx.
func (w *writer) write(req *request) error {
	events := req.events
	first := w.head + 1
	req.first = first
	var buf [8]byte
	start, sealed := 0, req.personal
	for i := range events {
		v := req.values[start:req.ends[i]]
		start = req.ends[i]
		if len(sealed) > 0 && sealed[0].index == i {
			var err error
			if v, err = w.sealValue(req, sealed[0]); err != nil {
				return err
			}
			sealed = sealed[1:]
		}
		setRevision(v, req.revs[i])
		if err := w.b.events.Put(posKey(&buf, first+uint64(i)), v); err != nil {
			return err
		}
	}
	// The ids, the names' positions and the outbox's ranges of all the
	// appends of the transaction are written once, by finish.
	if len(w.newIDs) == 0 {
		w.firstNew = first
	}
	w.wrote = append(w.wrote, req)
	for i := range events {
		w.newIDs = append(w.newIDs, events[i].ID[:]...)
		w.addName(&events[i], first+uint64(i))
	}
	if req.outbox {
		last := first + uint64(len(events)) - 1
		if n := len(w.outboxRuns); n > 0 && w.outboxRuns[n-1].last+1 == first {
			w.outboxRuns[n-1].last = last
		} else {
			w.outboxRuns = append(w.outboxRuns, posRange{first, last})
		}
	}
	w.head = first + uint64(len(events)) - 1
	return nil
}

// addName adds the event e at pos to the run of its name.
func (w *writer) addName(e *herald.Event, pos uint64) {
	name := nameParts{e.Aggregate.Context, e.Aggregate.Name, e.Name}
	j := len(w.byName) - 1
	for ; j >= 0 && w.byName[j].name != name; j-- {
	}
	if j < 0 {
		if len(w.byName) < cap(w.byName) {
			w.byName = w.byName[:len(w.byName)+1]
			w.byName[len(w.byName)-1].name = name
			w.byName[len(w.byName)-1].positions = w.byName[len(w.byName)-1].positions[:0]
		} else {
			w.byName = append(w.byName, nameRun{name: name})
		}
		j = len(w.byName) - 1
	}
	w.byName[j].positions = append(w.byName[j].positions, pos)
}

// writeIndexes writes the ids, the name index and its counts, and the
// outbox ranges of what the transaction appended.
func (w *writer) writeIndexes() error {
	if len(w.newIDs) == 0 {
		return nil
	}
	var buf [8]byte
	if err := w.b.ids.Put(posKey(&buf, w.firstNew), w.newIDs); err != nil {
		return err
	}
	for i := range w.byName {
		r := &w.byName[i]
		entry, err := w.name(r.name)
		if err != nil {
			return err
		}
		entry.count += uint64(len(r.positions))
		entry.dirty = true
		w.key = binary.BigEndian.AppendUint32(w.key[:0], entry.id)
		w.key = binary.BigEndian.AppendUint64(w.key, r.positions[0])
		if err := w.b.byName.Put(w.key, w.appendPositions(r.positions)); err != nil {
			return err
		}
	}
	for _, r := range w.outboxRuns {
		if err := w.b.outbox.Put(posKey(&buf, r.first), appendUint64(nil, r.last)); err != nil {
			return err
		}
	}
	return nil
}

// appendPositions puts positions into the arena and returns them there.
func (w *writer) appendPositions(ps []uint64) []byte {
	start := len(w.arena)
	for _, p := range ps {
		w.arena = binary.BigEndian.AppendUint64(w.arena, p)
	}
	return w.arena[start:len(w.arena):len(w.arena)]
}

// name returns the entry of a full event name, giving a new name the next
// id.
func (w *writer) name(n nameParts) (*nameEntry, error) {
	if e, ok := w.names[n]; ok {
		return e, nil
	}
	w.key = appendNameKey(w.key[:0], n.context, n.aggregate, n.name)
	e := &nameEntry{}
	if v := w.b.names.Get(w.key); v != nil {
		if len(v) != 12 {
			return nil, fmt.Errorf("name %s.%s.%s: %w", n.context, n.aggregate, n.name, ErrCorrupt)
		}
		e.id, e.count = binary.BigEndian.Uint32(v), binary.BigEndian.Uint64(v[4:])
	} else {
		if !w.seqDirty {
			if v := w.b.meta.Get(nameSeqKey); len(v) == 4 {
				w.nameSeq = binary.BigEndian.Uint32(v)
			}
		}
		if w.nameSeq == math.MaxUint32 {
			return nil, errors.New("too many event names")
		}
		w.nameSeq++
		w.seqDirty = true
		e.id = w.nameSeq
	}
	w.names[n] = e
	return e, nil
}

// finish writes what the appends of tx changed in common: the counts per
// name and the name id counter, and marks tx in a caller's transaction.
func (w *writer) finish(inTx bool) error {
	if err := w.writeIndexes(); err != nil {
		return err
	}
	if err := w.mergeTail(); err != nil {
		return err
	}
	for n, e := range w.names {
		if !e.dirty {
			continue
		}
		w.key = appendNameKey(w.key[:0], n.context, n.aggregate, n.name)
		v := binary.BigEndian.AppendUint32(w.arena, e.id)
		v = binary.BigEndian.AppendUint64(v, e.count)
		w.arena = v
		if err := w.b.names.Put(w.key, v[len(v)-12:]); err != nil {
			return err
		}
		e.dirty = false
	}
	if w.seqDirty {
		if err := w.b.meta.Put(nameSeqKey, binary.BigEndian.AppendUint32(nil, w.nameSeq)); err != nil {
			return err
		}
		w.seqDirty = false
	}
	if inTx && w.head > w.committed {
		v := binary.BigEndian.AppendUint64(nil, uint64(w.tx.ID()))
		v = binary.BigEndian.AppendUint64(v, w.committed)
		if err := w.b.meta.Put(inTxKey, v); err != nil {
			return err
		}
	}
	return nil
}

// afterCommit brings the id index and the tail up to what w's transaction
// committed, from what it wrote, so that the next transaction need not
// read it back from the file. Only the committer calls it, after a
// successful commit.
func (w *writer) afterCommit() {
	x := &w.s.ids
	x.mu.Lock()
	if x.head == w.committed {
		for _, req := range w.wrote {
			for i := range req.events {
				x.insert(req.events[i].ID, req.first+uint64(i))
			}
		}
		x.head = w.head
	}
	x.mu.Unlock()
	switch {
	case w.merged:
		clear(w.tail)
		w.tailAt, w.tailHead = w.head, w.head
	case w.tail != nil && w.tailHead == w.committed:
		for _, req := range w.wrote {
			for i := range req.events {
				w.tail[req.events[i].Aggregate] = req.revs[i]
			}
		}
		w.tailHead = w.head
	}
}

// release drops what w refers to of its transaction.
func (w *writer) release() {
	w.tx, w.b, w.s = nil, buckets{}, nil
}
