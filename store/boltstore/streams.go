package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// The stream index is keyed by aggregate, so a commit that appends to many
// aggregates would write one index page per aggregate; with concurrent
// single-event appends that is a page per event. Instead the index lags
// behind the log: it covers the positions up to a watermark kept in the
// meta bucket, and the events after it, the tail, are found by reading the
// tail of the events bucket, where each envelope names its aggregate and
// revision at fixed offsets. Once the tail holds mergeAfter events, the
// write that makes it so moves it into the index, one run per aggregate,
// so each aggregate's index page is written once per mergeAfter events,
// not once per commit. Reads and writes see the index and the tail in one
// transaction, so they always agree.

// mergeAfter is the most events the tail holds before it is merged into
// the stream index: a stream read reads at most that many envelopes' heads
// besides the index.
const mergeAfter = 1024

// streamsAtKey is the meta key of the watermark: the stream index covers
// the positions up to it.
var streamsAtKey = []byte("streams-at")

// streamsAt returns the watermark of the stream index.
func streamsAt(meta *bolt.Bucket) uint64 {
	if v := meta.Get(streamsAtKey); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// envelopeHead is what the tail needs of an envelope: its aggregate and
// revision.
type envelopeHead struct {
	id       uuid.UUID
	context  []byte
	name     []byte
	revision uint64
}

// readHead reads the head of the envelope of the event at pos, once its
// version, length and checksum are checked.
func readHead(pos uint64, v []byte) (envelopeHead, error) {
	v, err := envelopeBody(pos, v)
	if err != nil {
		return envelopeHead{}, err
	}
	r := fieldReader{b: v, off: fixedSize, position: pos}
	h := envelopeHead{
		id:       uuid.UUID(v[offAggregateID : offAggregateID+16]),
		revision: binary.BigEndian.Uint64(v[offRevision:]),
	}
	if v[offFlags]&flagOwnCause == 0 {
		r.fixed(16, "metadata.causationId")
	}
	if v[offFlags]&flagSameChain == 0 {
		r.fixed(16, "metadata.correlationId")
	}
	h.context = r.bytes("context.name")
	h.name = r.bytes("aggregate.name")
	return h, r.err
}

// is reports whether h is of ref.
func (h *envelopeHead) is(ref *herald.AggregateRef) bool {
	return h.id == ref.ID && string(h.context) == ref.Context && string(h.name) == ref.Name
}

// eachTail calls fn for the events after the watermark, in position order.
func eachTail(b buckets, fn func(pos uint64, h *envelopeHead) error) error {
	return eachTailUpTo(b, math.MaxUint64, fn)
}

// eachTailUpTo is eachTail for the positions up to upTo.
func eachTailUpTo(b buckets, upTo uint64, fn func(pos uint64, h *envelopeHead) error) error {
	at := streamsAt(b.meta)
	c := b.events.Cursor()
	var buf [8]byte
	var h envelopeHead
	for k, v := c.Seek(posKey(&buf, at+1)); k != nil; k, v = c.Next() {
		pos := keyPos(k)
		if pos > upTo {
			return nil
		}
		var err error
		if h, err = readHead(pos, v); err != nil {
			return err
		}
		if err := fn(pos, &h); err != nil {
			return err
		}
	}
	return nil
}

// streamRevision returns the newest revision of ref: in the tail, or else
// in the index.
func streamRevision(b buckets, ref *herald.AggregateRef) (uint64, error) {
	var rev uint64
	err := eachTail(b, func(_ uint64, h *envelopeHead) error {
		if h.is(ref) {
			rev = h.revision
		}
		return nil
	})
	if err != nil || rev > 0 {
		return rev, err
	}
	return streamHead(b.streams, ref, nil)
}

// loadTail brings w.tail, the revision of every aggregate in the tail, up
// to the committed head, so that checking an append asks the index only
// about the others. The committer's writer keeps w.tail from one
// transaction to the next and reads only what was committed since, unless
// the tail was merged meanwhile.
func (w *writer) loadTail() error {
	at := streamsAt(w.b.meta)
	if w.tail == nil || at != w.tailAt || w.tailHead > w.committed {
		if w.tail == nil {
			w.tail = make(map[herald.AggregateRef]uint64)
		}
		clear(w.tail)
		w.tailAt, w.tailHead = at, at
	}
	c := w.b.events.Cursor()
	var buf [8]byte
	for k, v := c.Seek(posKey(&buf, w.tailHead+1)); k != nil; k, v = c.Next() {
		pos := keyPos(k)
		if pos > w.committed {
			break
		}
		h, err := readHead(pos, v)
		if err != nil {
			w.tail, w.tailHead = nil, 0
			return err
		}
		ref := herald.AggregateRef{Context: w.d.intern(h.context), Name: w.d.intern(h.name), ID: h.id}
		w.tail[ref] = h.revision
		w.tailHead = pos
	}
	return nil
}

// mergeTail moves the tail into the stream index once it holds
// mergeAfter events.
func (w *writer) mergeTail() error {
	at := streamsAt(w.b.meta)
	if w.head <= at || w.head-at < mergeAfter {
		return nil
	}
	type tailRun struct {
		key       []byte
		positions []uint64
	}
	var runs []tailRun
	index := make(map[string]int)
	var key []byte
	add := func(pos, rev uint64) error {
		i, ok := index[string(key)]
		if !ok {
			i = len(runs)
			index[string(key)] = i
			runs = append(runs, tailRun{key: binary.BigEndian.AppendUint64(bytes.Clone(key), rev)})
		}
		r := &runs[i]
		if want := revAt(r.key, len(r.key)-8) + uint64(len(r.positions)); rev != want {
			return fmt.Errorf("event at position %d has revision %d, its stream's next is %d: %w", pos, rev, want, ErrCorrupt)
		}
		r.positions = append(r.positions, pos)
		return nil
	}
	// What w wrote is known; what is before it is read from the file.
	upTo := w.head
	if w.firstNew > 0 {
		upTo = w.firstNew - 1
	}
	err := eachTailUpTo(w.b, upTo, func(pos uint64, h *envelopeHead) error {
		key = append(key[:0], h.id[:]...)
		key = binary.AppendUvarint(key, uint64(len(h.context)))
		key = append(key, h.context...)
		key = binary.AppendUvarint(key, uint64(len(h.name)))
		key = append(key, h.name...)
		return add(pos, h.revision)
	})
	if err != nil {
		return err
	}
	for _, req := range w.wrote {
		for i := range req.events {
			key = appendAggregateKey(key[:0], &req.events[i].Aggregate)
			if err := add(req.first+uint64(i), req.revs[i]); err != nil {
				return err
			}
		}
	}
	for i := range runs {
		if err := w.b.streams.Put(runs[i].key, w.appendPositions(runs[i].positions)); err != nil {
			return err
		}
	}
	w.merged = true
	return w.b.meta.Put(streamsAtKey, appendUint64(nil, w.head))
}

// streamRaws collects the envelopes of ref with revisions from first to
// last, from the index and then the tail, into r.raws.
func (r *reader) streamRaws(b buckets, ref *herald.AggregateRef, prefix []byte, first, last uint64) error {
	c := b.streams.Cursor()
	n := len(prefix)
	seek := binary.BigEndian.AppendUint64(bytes.Clone(prefix), first)
	k, v := c.Seek(seek)
	if k == nil || !bytes.Equal(k, seek) {
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		if k == nil || len(k) != n+8 || !bytes.Equal(k[:n], prefix) {
			k, v = c.Seek(seek)
		}
	}
	var buf [8]byte
	next := first // the next revision wanted
	for ; k != nil && len(k) == n+8 && bytes.Equal(k[:n], prefix); k, v = c.Next() {
		runFirst := revAt(k, n)
		ps := positions(v)
		if !ps.valid() {
			return fmt.Errorf("stream index of %s: run at revision %d is %d bytes: %w", ref, runFirst, len(v), ErrCorrupt)
		}
		for i := range ps.len() {
			rev := runFirst + uint64(i)
			if rev < next {
				continue
			}
			if rev > last {
				return nil
			}
			pos := ps.at(i)
			ev := b.events.Get(posKey(&buf, pos))
			if ev == nil {
				return fmt.Errorf("event at position %d (revision %d) is indexed but missing: %w", pos, rev, ErrCorrupt)
			}
			r.raws = append(r.raws, rawEvent{pos, ev})
			next = rev + 1
		}
	}
	if next > last {
		return nil
	}
	c = b.events.Cursor()
	for k, v := c.Seek(posKey(&buf, streamsAt(b.meta)+1)); k != nil; k, v = c.Next() {
		if len(v) < fixedSize || !bytes.Equal(v[offAggregateID:offAggregateID+16], ref.ID[:]) {
			continue
		}
		pos := keyPos(k)
		h, err := readHead(pos, v)
		if err != nil {
			return err
		}
		if !h.is(ref) || h.revision < next {
			continue
		}
		if h.revision > last {
			return nil
		}
		r.raws = append(r.raws, rawEvent{pos, v})
		next = h.revision + 1
	}
	return nil
}
