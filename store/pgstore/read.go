package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// readChunk is how many events one query of a read fetches. A read holds
// no connection while it yields: the loop body may append or read.
const readChunk = 4096

// cancelEvery is how many events a read yields between two checks of its
// context.
const cancelEvery = 256

// ReadLog yields every event with a position greater than after, in
// position order, up to the head as it is when the iteration begins.
func (s *Store) ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		if err := s.check(ctx, "read the log"); err != nil {
			yield(herald.Event{}, err)
			return
		}
		var head int64
		if err := s.pool.QueryRow(ctx, "SELECT position FROM "+s.q+".head").Scan(&head); err != nil {
			yield(herald.Event{}, s.wrap("read the log", err))
			return
		}
		sql := "SELECT " + eventColumns + " FROM " + s.q + ".events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3"
		s.readChunks(ctx, yield, "read the log", func(last *herald.Event) (string, []any, bool) {
			from := int64(after)
			if last != nil {
				from = int64(last.Metadata.Position)
			}
			return sql, []any{from, head, readChunk}, from < head
		})
	}
}

// ReadStream yields the events of ref with revisions from from to to, as
// herald.Store says.
func (s *Store) ReadStream(ctx context.Context, ref herald.AggregateRef, from, to uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		if err := ref.Check(); err != nil {
			yield(herald.Event{}, fmt.Errorf("pgstore: read stream: %w", err))
			return
		}
		if err := s.check(ctx, "read stream "+ref.String()); err != nil {
			yield(herald.Event{}, err)
			return
		}
		if from == 0 {
			from = 1
		}
		upTo := int64(to)
		if to == 0 {
			upTo = 1<<63 - 1
		}
		// With to 0 the stream is read up to its end as it is now.
		if to == 0 {
			var cur *int64
			err := s.pool.QueryRow(ctx, "SELECT max(revision) FROM "+s.q+".events WHERE aggregate_id = $1 AND context = $2 AND aggregate = $3",
				[16]byte(ref.ID), ref.Context, ref.Name).Scan(&cur)
			if err != nil {
				yield(herald.Event{}, s.wrap("read stream "+ref.String(), err))
				return
			}
			if cur == nil {
				return
			}
			upTo = *cur
		}
		sql := "SELECT " + eventColumns + " FROM " + s.q + ".events WHERE aggregate_id = $1 AND context = $2 AND aggregate = $3 AND revision >= $4 AND revision <= $5 ORDER BY revision LIMIT $6"
		s.readChunks(ctx, yield, "read stream "+ref.String(), func(last *herald.Event) (string, []any, bool) {
			rev := int64(from)
			if last != nil {
				rev = int64(last.Metadata.Revision) + 1
			}
			return sql, []any{[16]byte(ref.ID), ref.Context, ref.Name, rev, upTo, readChunk}, rev <= upTo
		})
	}
}

// readChunks yields the events of the queries next makes, one chunk at a
// time, until next says there is no more or a chunk is short: the last
// argument of each query is its limit. next gets the last event of the
// chunk before, nil at first. While it yields a chunk it fetches the
// next one on a goroutine of its own, which ends with its query; the
// goroutine of a fetch still under way when the loop stops is cancelled
// and waited for.
func (s *Store) readChunks(ctx context.Context, yield func(herald.Event, error) bool, what string,
	next func(last *herald.Event) (string, []any, bool)) {
	fctx, cancel := context.WithCancel(ctx)
	var pending chan chunk
	defer func() {
		cancel()
		if pending != nil {
			<-pending
		}
	}()
	fetch := func(last *herald.Event, into []herald.Event) chan chunk {
		sql, args, more := next(last)
		if !more {
			return nil
		}
		ch := make(chan chunk, 1)
		go func() {
			events, err := s.queryEventsInto(fctx, s.pool, into, sql, args...)
			ch <- chunk{events: events, err: err, full: len(events) == args[len(args)-1].(int)}
		}()
		return ch
	}
	if err := s.check(ctx, what); err != nil {
		yield(herald.Event{}, err)
		return
	}
	// The events are yielded as values: the slice of a chunk yielded whole
	// takes the chunk after the next.
	pending = fetch(nil, nil)
	var spare []herald.Event
	n := 0
	for pending != nil {
		c := <-pending
		pending = nil
		if err := s.check(ctx, what); err != nil {
			yield(herald.Event{}, err)
			return
		}
		if c.err != nil {
			yield(herald.Event{}, s.wrap(what, c.err))
			return
		}
		if c.full {
			if spare == nil {
				spare = make([]herald.Event, 0, len(c.events))
			}
			pending = fetch(&c.events[len(c.events)-1], spare)
		}
		for i := range c.events {
			if n++; n%cancelEvery == 0 {
				if err := s.check(ctx, what); err != nil {
					yield(herald.Event{}, err)
					return
				}
			}
			if !yield(c.events[i], nil) {
				return
			}
		}
		clear(c.events)
		spare = c.events[:0]
	}
}

// chunk is what one query of readChunks fetched.
type chunk struct {
	events []herald.Event
	err    error
	full   bool // as many as the limit: there may be more
}

// Query answers a log query one page at a time. Correlation id, labels
// and time range are selected by the server; names by the store.
func (s *Store) Query(ctx context.Context, q herald.Query) (herald.Page, error) {
	if err := s.check(ctx, "query"); err != nil {
		return herald.Page{}, err
	}
	p, err := driver.Prepare(q)
	if err != nil {
		return herald.Page{}, fmt.Errorf("pgstore: query: %w", err)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if p.CorrelationID != [16]byte{} {
		where = append(where, "correlation_id = "+arg([16]byte(p.CorrelationID)))
	}
	if len(p.Labels) > 0 {
		b, err := json.Marshal(p.Labels)
		if err != nil {
			return herald.Page{}, fmt.Errorf("pgstore: query: labels: %w: %w", err, herald.ErrInvalid)
		}
		where = append(where, "labels @> "+arg(string(b))+"::jsonb")
	}
	if !p.Since.IsZero() {
		where = append(where, "timestamp_ns >= "+arg(p.Since.UnixNano()))
	}
	if !p.Until.IsZero() {
		where = append(where, "timestamp_ns <= "+arg(p.Until.UnixNano()))
	}
	fixed := len(args)
	order, cmp := "ASC", ">"
	if p.Newest {
		order, cmp = "DESC", "<"
	}
	where = append(where, "position "+cmp+" $"+strconv.Itoa(fixed+1))
	sql := "SELECT " + eventColumns + " FROM " + s.q + ".events WHERE " + strings.Join(where, " AND ") +
		" ORDER BY position " + order + " LIMIT $" + strconv.Itoa(fixed+2)
	chunk := min(p.Top+1, readChunk)
	seq := func(yield func(herald.Event, error) bool) {
		s.readChunks(ctx, yield, "query", func(last *herald.Event) (string, []any, bool) {
			from := int64(p.From)
			switch {
			case last != nil:
				from = int64(last.Metadata.Position)
			case p.Newest && from == 0:
				from = 1<<63 - 1
			}
			if last != nil {
				chunk = readChunk
			}
			a := append(append([]any(nil), args[:fixed]...), from, chunk)
			return sql, a, !(p.Newest && from <= 1)
		})
	}
	page, err := p.Collect(seq)
	if err != nil {
		return herald.Page{}, err
	}
	return page, nil
}

// Stats reports the size of the log and the count per event name, from
// the head and counts tables that every append updates.
func (s *Store) Stats(ctx context.Context) (herald.Stats, error) {
	if err := s.check(ctx, "stats"); err != nil {
		return herald.Stats{}, err
	}
	rows, err := s.pool.Query(ctx, "SELECT h.position, h.events, c.name, c.events FROM "+s.q+".head h LEFT JOIN "+s.q+".counts c ON true")
	if err != nil {
		return herald.Stats{}, s.wrap("stats", err)
	}
	defer rows.Close()
	st := herald.Stats{Counts: make(map[string]uint64)}
	for rows.Next() {
		var head, events int64
		var name *string
		var n *int64
		if err := rows.Scan(&head, &events, &name, &n); err != nil {
			return herald.Stats{}, s.wrap("stats", err)
		}
		st.Head, st.Events = uint64(head), uint64(events)
		if name != nil {
			st.Counts[*name] = uint64(*n)
		}
	}
	if err := rows.Err(); err != nil {
		return herald.Stats{}, s.wrap("stats", err)
	}
	return st, nil
}
