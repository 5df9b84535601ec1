package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"math"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/match"
	bolt "go.etcd.io/bbolt"
)

// Query answers q one page at a time. Without names it scans the log in
// the query's order from the query's cursor; with names it walks the name
// index of each name that matches them, merged in the query's order. The
// other criteria are checked on each event, whose data is copied only
// when it matches. A malformed query is an error matching
// herald.ErrInvalid.
func (s *Store) Query(ctx context.Context, q herald.Query) (herald.Page, error) {
	p, err := driver.Prepare(q)
	if err != nil {
		return herald.Page{}, errorf("query: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return herald.Page{}, errorf("query: %w", err)
	}
	var page herald.Page
	err = s.view(ctx, func(tx *bolt.Tx, b buckets) error {
		var seq iter.Seq2[uint64, error]
		if len(q.Names) == 0 {
			seq = logPositions(b.events, p.From, p.Newest)
		} else {
			ids, err := matchingNames(b.names, p)
			if err != nil {
				return err
			}
			seq = namePositions(b.byName, ids, p.From, p.Newest)
		}
		var err error
		page, err = p.Collect(s.matching(ctx, b, p, seq))
		return err
	})
	if err != nil {
		return herald.Page{}, errorf("query: %w", err)
	}
	if reg := s.Registry(); reg != nil {
		if err := decodeData(reg, page.Events); err != nil {
			return herald.Page{}, errorf("query: %w", err)
		}
	}
	return page, nil
}

// matching yields the events at the positions seq yields that match p,
// checking ctx every chunkSize events.
func (s *Store) matching(ctx context.Context, b buckets, p *driver.PreparedQuery, seq iter.Seq2[uint64, error]) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		d := decoder{keys: b.userKeys}
		var buf [8]byte
		n := 0
		for pos, err := range seq {
			if err == nil && n > 0 && n%chunkSize == 0 {
				err = s.usable(ctx)
			}
			n++
			if err != nil {
				yield(herald.Event{}, err)
				return
			}
			v := b.events.Get(posKey(&buf, pos))
			if v == nil {
				yield(herald.Event{}, fmt.Errorf("event at position %d is indexed but missing: %w", pos, ErrCorrupt))
				return
			}
			// Decode the envelope with data left in the file's memory, and
			// copy the data only of an event that matches.
			var e herald.Event
			if err := d.decodeInPlace(&e, pos, v); err != nil {
				yield(herald.Event{}, err)
				return
			}
			if !p.Match(&e) {
				continue
			}
			if raw, ok := e.Data.([]byte); ok {
				e.Data = append(jsonRaw(nil), raw...)
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// logPositions yields the positions of the log after from (oldest first)
// or before it (newest first, from 0 meaning the head).
func logPositions(events *bolt.Bucket, from uint64, newest bool) iter.Seq2[uint64, error] {
	return func(yield func(uint64, error) bool) {
		c := events.Cursor()
		var buf [8]byte
		var k []byte
		switch {
		case !newest:
			k, _ = c.Seek(posKey(&buf, from+1))
		case from == 0:
			k, _ = c.Last()
		default:
			if k, _ = c.Seek(posKey(&buf, from)); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		for ; k != nil; k = step(c, newest) {
			if pos := keyPos(k); pos == 0 || !yield(pos, nil) {
				return
			}
		}
	}
}

func step(c *bolt.Cursor, newest bool) []byte {
	var k []byte
	if newest {
		k, _ = c.Prev()
	} else {
		k, _ = c.Next()
	}
	return k
}

// matchingNames returns the ids of the names in the names bucket that p's
// names match.
func matchingNames(names *bolt.Bucket, p *driver.PreparedQuery) ([]uint32, error) {
	m, err := match.ParseNames(p.Names...)
	if err != nil {
		return nil, err
	}
	var ids []uint32
	err = names.ForEach(func(k, v []byte) error {
		context, aggregate, name, ok := parseNameKey(k)
		if !ok || len(v) != 12 {
			return fmt.Errorf("name index: key %x: %w", k, ErrCorrupt)
		}
		e := herald.Event{Aggregate: herald.AggregateRef{Context: context, Name: aggregate}, Name: name}
		if m.Match(&e) {
			ids = append(ids, binary.BigEndian.Uint32(v))
		}
		return nil
	})
	return ids, err
}

// namePositions yields the positions of the events of the names ids, in
// the order asked, after or before from as logPositions does.
func namePositions(byName *bolt.Bucket, ids []uint32, from uint64, newest bool) iter.Seq2[uint64, error] {
	return func(yield func(uint64, error) bool) {
		walks := make([]*nameWalk, 0, len(ids))
		for _, id := range ids {
			w := &nameWalk{c: byName.Cursor(), id: id, newest: newest}
			if err := w.start(from); err != nil {
				yield(0, err)
				return
			}
			if w.ok {
				walks = append(walks, w)
			}
		}
		for len(walks) > 0 {
			best := 0
			for i := 1; i < len(walks); i++ {
				if (walks[i].pos < walks[best].pos) != newest {
					best = i
				}
			}
			if !yield(walks[best].pos, nil) {
				return
			}
			if err := walks[best].next(); err != nil {
				yield(0, err)
				return
			}
			if !walks[best].ok {
				walks = append(walks[:best], walks[best+1:]...)
			}
		}
	}
}

// nameWalk walks the name index of one name, run by run.
type nameWalk struct {
	c      *bolt.Cursor
	id     uint32
	newest bool
	run    positions
	i      int
	pos    uint64
	ok     bool
}

// start places w on the first position after from (oldest first) or
// before it (newest first).
func (w *nameWalk) start(from uint64) error {
	target := from + 1
	if w.newest {
		target = math.MaxUint64
		if from > 0 {
			target = from - 1
		}
	}
	seek := binary.BigEndian.AppendUint32(nil, w.id)
	seek = binary.BigEndian.AppendUint64(seek, target)
	k, v := w.c.Seek(seek)
	if k == nil || !bytes.Equal(k, seek) {
		// The run holding target starts before it, if there is one.
		if k == nil {
			k, v = w.c.Last()
		} else {
			k, v = w.c.Prev()
		}
		if !w.mine(k) {
			if w.newest {
				return nil
			}
			k, v = w.c.Seek(seek)
		}
	}
	if !w.mine(k) {
		return nil
	}
	if err := w.load(k, v); err != nil {
		return err
	}
	if w.newest {
		w.i = w.run.len() - 1
		for w.i >= 0 && w.run.at(w.i) > target {
			w.i--
		}
	} else {
		w.i = 0
		for w.i < w.run.len() && w.run.at(w.i) < target {
			w.i++
		}
	}
	return w.settle()
}

// mine reports whether k is a key of w's name.
func (w *nameWalk) mine(k []byte) bool {
	return len(k) == 12 && binary.BigEndian.Uint32(k) == w.id
}

func (w *nameWalk) load(k, v []byte) error {
	w.run = positions(v)
	if !w.run.valid() {
		return fmt.Errorf("name index: run at %x: %w", k, ErrCorrupt)
	}
	return nil
}

// settle moves to the next run when w.i left the current one, and sets
// w.pos and w.ok.
func (w *nameWalk) settle() error {
	for w.i < 0 || w.i >= w.run.len() {
		var k, v []byte
		if w.newest {
			k, v = w.c.Prev()
		} else {
			k, v = w.c.Next()
		}
		if !w.mine(k) {
			w.ok = false
			return nil
		}
		if err := w.load(k, v); err != nil {
			return err
		}
		w.i = 0
		if w.newest {
			w.i = w.run.len() - 1
		}
	}
	w.pos, w.ok = w.run.at(w.i), true
	return nil
}

func (w *nameWalk) next() error {
	if w.newest {
		w.i--
	} else {
		w.i++
	}
	return w.settle()
}
