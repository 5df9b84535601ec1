package memstore

import (
	"context"
	"iter"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// checkEvery is how many events a read yields between two checks of its
// context and of the store being closed.
const checkEvery = 256

// ReadStream yields the events of ref with revisions from from to to
// inclusive, in revision order; from 0 is taken as 1 and to 0 reads to the
// end. An unknown aggregate yields nothing; a ref that
// herald.AggregateRef.Check refuses yields an error matching
// herald.ErrInvalid. The end of the stream is fixed when the iteration
// begins.
func (s *Store) ReadStream(ctx context.Context, ref herald.AggregateRef, from, to uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		if err := ref.Check(); err != nil {
			yield(herald.Event{}, errorf("read stream: %w", err))
			return
		}
		log, positions, err := s.stream(ctx, ref)
		if err != nil {
			yield(herald.Event{}, errorf("read stream: %w", err))
			return
		}
		from = max(from, 1)
		if to == 0 || to > uint64(len(positions)) {
			to = uint64(len(positions))
		}
		if from > to {
			return
		}
		positions = positions[from-1 : to]
		s.each(ctx, "read stream", len(positions), func(i int) herald.Event {
			return log.at(positions[i])
		}, yield)
	}
}

// ReadLog yields every event with a position greater than after, in
// position order, up to the head when the iteration begins.
func (s *Store) ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		log, err := s.view(ctx)
		if err != nil {
			yield(herald.Event{}, errorf("read log: %w", err))
			return
		}
		if after >= log.n {
			return
		}
		s.each(ctx, "read log", int(log.n-after), func(i int) herald.Event {
			return log.at(after + 1 + uint64(i))
		}, yield)
	}
}

// Query answers q one page at a time: it scans the log in the query's
// order from the query's cursor and lets driver.PreparedQuery.Collect pick
// the page. A malformed query is an error matching herald.ErrInvalid.
func (s *Store) Query(ctx context.Context, q herald.Query) (herald.Page, error) {
	p, err := driver.Prepare(q)
	if err != nil {
		return herald.Page{}, errorf("query: %w", err)
	}
	log, err := s.view(ctx)
	if err != nil {
		return herald.Page{}, errorf("query: %w", err)
	}
	// Errors from the scan are prefixed by each.
	return p.Collect(s.scan(ctx, log, p))
}

// scan yields the events of log in p's order, after (oldest first) or
// before (newest first) p.From.
func (s *Store) scan(ctx context.Context, log eventLog, p *driver.PreparedQuery) iter.Seq2[herald.Event, error] {
	if !p.Newest {
		first := min(p.From, log.n) + 1
		return func(yield func(herald.Event, error) bool) {
			s.each(ctx, "query", int(log.n-first+1), func(i int) herald.Event {
				return log.at(first + uint64(i))
			}, yield)
		}
	}
	last := log.n
	if p.From != 0 && p.From <= log.n {
		last = p.From - 1
	}
	return func(yield func(herald.Event, error) bool) {
		s.each(ctx, "query", int(last), func(i int) herald.Event {
			return log.at(last - uint64(i))
		}, yield)
	}
}

// each yields at(0) to at(n-1) until yield returns false, checking ctx and
// the store before each run of checkEvery events after the first. The
// caller checks them before the first run, when it takes its view of the
// store.
func (s *Store) each(ctx context.Context, op string, n int, at func(int) herald.Event, yield func(herald.Event, error) bool) {
	for i := range n {
		if i > 0 && i%checkEvery == 0 {
			if err := s.usable(ctx); err != nil {
				yield(herald.Event{}, errorf("%s: %w", op, err))
				return
			}
		}
		e := at(i)
		if err := s.open(&e); err != nil {
			yield(herald.Event{}, errorf("%s: %w", op, err))
			return
		}
		if !yield(e, nil) {
			return
		}
	}
}

// view returns a view of the log as it is now, valid without the lock.
func (s *Store) view(ctx context.Context) (eventLog, error) {
	if err := s.usable(ctx); err != nil {
		return eventLog{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return eventLog{}, herald.ErrClosed
	}
	return s.log, nil
}

// stream returns a view of the log and the positions of ref's events as
// they are now. Appends only add positions beyond the slice's length, so it
// too stays valid without the lock.
func (s *Store) stream(ctx context.Context, ref herald.AggregateRef) (eventLog, []uint64, error) {
	if err := s.usable(ctx); err != nil {
		return eventLog{}, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return eventLog{}, nil, herald.ErrClosed
	}
	var positions []uint64
	if st := s.streams.get(ref); st != nil {
		positions = st.positions
	}
	return s.log, positions, nil
}
