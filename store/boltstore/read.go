package boltstore

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	bolt "go.etcd.io/bbolt"
)

// chunkSize is how many events a read takes from the file in one read
// transaction. It yields them after the transaction ended, so that the
// loop body may write to the store, and checks its context and the store
// before each chunk.
const chunkSize = 256

// ReadStream yields the events of ref with revisions from from to to
// inclusive, in revision order; from 0 is taken as 1 and to 0 reads to the
// end as it is when the iteration begins. An unknown aggregate yields
// nothing; a ref that herald.AggregateRef.Check refuses yields an error
// matching herald.ErrInvalid. Data is a json.RawMessage, or a Go value
// with WithRegistry.
func (s *Store) ReadStream(ctx context.Context, ref herald.AggregateRef, from, to uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		if err := ref.Check(); err != nil {
			yield(herald.Event{}, errorf("read stream: %w", err))
			return
		}
		r := s.newReader(ctx, "read stream")
		next := max(from, 1)
		first := true
		prefix := appendAggregateKey(nil, &ref)
		for {
			err := r.chunk(func(tx *bolt.Tx, b buckets) error {
				if first {
					head, err := streamRevision(b, &ref)
					if err != nil {
						return err
					}
					if to == 0 || to > head {
						to = head
					}
					first = false
				}
				if next > to {
					return nil
				}
				last := min(to, next+chunkSize-1)
				r.raws = r.raws[:0]
				if err := r.streamRaws(b, &ref, prefix, next, last); err != nil {
					return err
				}
				if n := uint64(len(r.raws)); n != last-next+1 {
					// Revisions follow each other without a gap.
					return fmt.Errorf("stream of %s: %d of revisions %d to %d are missing: %w",
						ref, last-next+1-n, next, last, ErrCorrupt)
				}
				if err := r.decodeRaws(); err != nil {
					return err
				}
				next = last + 1
				return nil
			})
			if !r.yield(yield, err) || next > to {
				return
			}
		}
	}
}

// ReadLog yields every event with a position greater than after, in
// position order, up to the head as it is when the iteration begins. Data
// is a json.RawMessage, or a Go value with WithRegistry. A long read
// decodes chunks ahead on several goroutines, and a read of the whole log
// of a file not in the page cache reads the file ahead.
func (s *Store) ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		r := s.newReader(ctx, "read log")
		var end uint64
		err := r.chunk(func(tx *bolt.Tx, b buckets) error {
			var err error
			end, err = lastPosition(b.events)
			return err
		})
		if err != nil {
			r.yield(yield, err)
			return
		}
		if after >= end {
			return
		}
		if after == 0 && end > parallelChunks*chunkSize {
			done := make(chan struct{})
			defer close(done)
			s.readAhead(done)
		}
		if workers := min(runtime.GOMAXPROCS(0), maxReadWorkers); workers > 1 && end-after > parallelChunks*chunkSize && s.ownTx(ctx) == nil {
			s.readParallel(ctx, after, end, workers, yield)
			return
		}
		for next := after + 1; next <= end; {
			last := min(end, next+chunkSize-1)
			err := r.chunk(func(tx *bolt.Tx, b buckets) error { return r.logEvents(b, next, last) })
			if !r.yield(yield, err) {
				return
			}
			next = last + 1
		}
	}
}

// A read of more than parallelChunks chunks decodes on up to
// maxReadWorkers goroutines.
const (
	parallelChunks = 4
	maxReadWorkers = 4
)

// chunkResult is one chunk a read worker decoded.
type chunkResult struct {
	events []herald.Event
	err    error
}

// readParallel yields the events after after up to end, which workers
// read and decode chunk by chunk, worker w taking chunks w, w+workers, and
// so on, each at most one chunk ahead of the loop. The workers end before
// readParallel returns, when the loop breaks too.
func (s *Store) readParallel(ctx context.Context, after, end uint64, workers int, yield func(herald.Event, error) bool) {
	chunks := (end - after + chunkSize - 1) / chunkSize
	done := make(chan struct{})
	results := make([]chan chunkResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		results[w] = make(chan chunkResult, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.newReader(ctx, "read log")
			for k := uint64(w); k < chunks; k += uint64(workers) {
				first := after + 1 + k*chunkSize
				last := min(end, first+chunkSize-1)
				r.events = nil // the loop holds the last chunk's
				err := r.chunk(func(tx *bolt.Tx, b buckets) error { return r.logEvents(b, first, last) })
				select {
				case results[w] <- chunkResult{r.events, err}:
				case <-done:
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	defer func() {
		close(done)
		wg.Wait()
	}()
	for k := range chunks {
		res := <-results[k%uint64(workers)]
		if res.err == nil {
			res.err = s.usable(ctx) // decoded ahead: the context may have ended since
		}
		if res.err != nil {
			yield(herald.Event{}, errorf("read log: %w", res.err))
			return
		}
		for i := range res.events {
			if !yield(res.events[i], nil) {
				return
			}
		}
	}
}

// reader reads events in chunks, one read transaction each.
type reader struct {
	s      *Store
	ctx    context.Context
	op     string
	d      decoder
	events []herald.Event
	slab   []byte
	raws   []rawEvent
}

// rawEvent is an event's position and envelope, valid in its transaction.
type rawEvent struct {
	pos uint64
	v   []byte
}

func (s *Store) newReader(ctx context.Context, op string) *reader {
	return &reader{s: s, ctx: ctx, op: op}
}

// chunk checks the context and the store, then runs fn in a read
// transaction to fill r.events.
func (r *reader) chunk(fn func(tx *bolt.Tx, b buckets) error) error {
	r.events = r.events[:0]
	if err := r.s.usable(r.ctx); err != nil {
		return err
	}
	return r.s.view(r.ctx, func(tx *bolt.Tx, b buckets) error {
		r.d.keys = b.userKeys
		defer func() { r.d.keys = nil }()
		return fn(tx, b)
	})
}

// yield hands the chunk's events to the loop, or the error, and reports
// whether the loop goes on.
func (r *reader) yield(yield func(herald.Event, error) bool, err error) bool {
	if err != nil {
		yield(herald.Event{}, errorf("%s: %w", r.op, err))
		return false
	}
	for i := range r.events {
		if !yield(r.events[i], nil) {
			return false
		}
	}
	return true
}

// logEvents decodes the events at positions from first to last, every
// one of which is in the file: positions follow each other without a gap.
func (r *reader) logEvents(b buckets, first, last uint64) error {
	c := b.events.Cursor()
	var buf [8]byte
	r.raws = r.raws[:0]
	for k, v := c.Seek(posKey(&buf, first)); k != nil; k, v = c.Next() {
		pos := keyPos(k)
		if pos > last {
			break
		}
		if want := first + uint64(len(r.raws)); pos != want {
			return fmt.Errorf("events: position %d is missing, the next key is %x: %w", want, k, ErrCorrupt)
		}
		r.raws = append(r.raws, rawEvent{pos, v})
	}
	if want := first + uint64(len(r.raws)); want <= last {
		return fmt.Errorf("events: position %d is missing: %w", want, ErrCorrupt)
	}
	return r.decodeRaws()
}

// decodeRaws decodes r.raws into r.events, and their data too with a
// registry.
func (r *reader) decodeRaws() error {
	if cap(r.events) < len(r.raws) {
		r.events = make([]herald.Event, 0, len(r.raws))
	}
	r.events = r.events[:len(r.raws)]
	for i := range r.raws {
		if err := r.d.decode(&r.events[i], r.raws[i].pos, r.raws[i].v, &r.slab); err != nil {
			r.events = r.events[:0]
			return err
		}
	}
	r.raws = r.raws[:0]
	if reg := r.s.Registry(); reg != nil {
		return decodeData(reg, r.events)
	}
	return nil
}

// decodeData decodes the data of events into the registry's types.
func decodeData(reg *herald.Registry, events []herald.Event) error {
	for i := range events {
		if err := reg.Decode(&events[i]); err != nil {
			return fmt.Errorf("event at position %d: %w", events[i].Metadata.Position, prefix.Strip(err))
		}
	}
	return nil
}
