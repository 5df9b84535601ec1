package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// The outbox bucket keeps, for each append made with AppendUndelivered
// or AppendUndeliveredInCallerTx, the range of positions it took, written in
// the same transaction as the events. MarkDelivered removes ranges; a
// range partly delivered is cut down to what is left.
//
// Marks are not written at once: they ride along with the next commit of
// appends, or get a commit of their own once marksThreshold of them wait
// or the store closes. A crash loses the marks not yet written, and their
// events are delivered again: at least once, never less.

// MarkDelivered records that the bus has events, as they were stored
// ([github.com/herald-go/herald/driver.Outbox]). The record is written with the next commit, in one of
// its own once enough wait, or at Close; a crash may lose the newest,
// whose events are then delivered again.
func (s *Store) MarkDelivered(ctx context.Context, events []herald.Event) error {
	if err := s.usable(ctx); err != nil {
		return errorf("mark delivered: %w", err)
	}
	ranges := rangesOf(events)
	if len(ranges) == 0 {
		return nil
	}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return errorf("mark delivered: %w", herald.ErrClosed)
	}
	s.marks = append(s.marks, ranges...)
	n := len(s.marks)
	s.mu.Unlock()
	if n >= marksThreshold {
		s.signal()
	}
	return nil
}

// rangesOf returns the positions of events as ranges, ordered.
func rangesOf(events []herald.Event) []posRange {
	ps := make([]uint64, 0, len(events))
	for i := range events {
		if p := events[i].Metadata.Position; p > 0 {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	var ranges []posRange
	for _, p := range ps {
		if n := len(ranges); n > 0 && p <= ranges[n-1].last+1 {
			ranges[n-1].last = max(ranges[n-1].last, p)
			continue
		}
		ranges = append(ranges, posRange{p, p})
	}
	return ranges
}

// markDelivered removes the ranges marks from the outbox.
func (w *writer) markDelivered(marks []posRange) error {
	if len(marks) == 0 {
		return nil
	}
	type change struct {
		del  []byte
		puts []posRange
	}
	var changes []change
	c := w.b.outbox.Cursor()
	for _, m := range marks {
		for k, v := seekRun(c, m.first); k != nil; k, v = c.Next() {
			first := keyPos(k)
			if first == 0 || len(v) != 8 {
				return fmt.Errorf("outbox: record %x: %w", k, ErrCorrupt)
			}
			last := binary.BigEndian.Uint64(v)
			if first > m.last {
				break
			}
			if last < m.first {
				continue
			}
			ch := change{del: append([]byte(nil), k...)}
			if first < m.first {
				ch.puts = append(ch.puts, posRange{first, m.first - 1})
			}
			if last > m.last {
				ch.puts = append(ch.puts, posRange{m.last + 1, last})
			}
			changes = append(changes, ch)
		}
		// Apply before the next mark, which may cut what this one left.
		for _, ch := range changes {
			if err := w.b.outbox.Delete(ch.del); err != nil {
				return err
			}
			for _, r := range ch.puts {
				if err := w.b.outbox.Put(appendUint64(nil, r.first), appendUint64(nil, r.last)); err != nil {
					return err
				}
			}
		}
		changes = changes[:0]
		c = w.b.outbox.Cursor()
	}
	return nil
}

// Undelivered yields the events appended with AppendUndelivered, or in a
// transaction with undelivered set, that were not marked delivered, in
// position order; see driver.Outbox.
func (s *Store) Undelivered(ctx context.Context) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		r := s.newReader(ctx, "undelivered")
		// Marks taken before the outbox is read: one written meanwhile is
		// in the file by then. A mark made meanwhile may be missed, and
		// its events yielded again, which at least once allows.
		s.mu.Lock()
		marks := slices.Clone(s.marks)
		s.mu.Unlock()
		var ranges []posRange
		err := r.chunk(func(tx *bolt.Tx, b buckets) error {
			return b.outbox.ForEach(func(k, v []byte) error {
				first := keyPos(k)
				if first == 0 || len(v) != 8 {
					return fmt.Errorf("outbox: record %x: %w", k, ErrCorrupt)
				}
				ranges = append(ranges, posRange{first, binary.BigEndian.Uint64(v)})
				return nil
			})
		})
		if !r.yield(yield, err) {
			return
		}
		for _, rg := range subtract(ranges, marks) {
			for next := rg.first; next <= rg.last; {
				last := min(rg.last, next+chunkSize-1)
				err := r.chunk(func(tx *bolt.Tx, b buckets) error { return r.logEvents(b, next, last) })
				if !r.yield(yield, err) {
					return
				}
				next = last + 1
			}
		}
	}
}

// subtract returns ranges without the positions in marks.
func subtract(ranges, marks []posRange) []posRange {
	slices.SortFunc(marks, func(a, b posRange) int {
		switch {
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return 0
	})
	var out []posRange
	for _, r := range ranges {
		for _, m := range marks {
			if m.last < r.first || m.first > r.last {
				continue
			}
			if m.first > r.first {
				out = append(out, posRange{r.first, m.first - 1})
			}
			if m.last >= r.last {
				r.first = r.last + 1
				break
			}
			r.first = m.last + 1
		}
		if r.first <= r.last {
			out = append(out, r)
		}
	}
	return out
}
