package pgstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/batch"
)

// request is one Append (or AppendUndelivered) waiting for the committer.
type request struct {
	events      []herald.Event // the caller's, written only after the commit
	enc         []encodedEvent
	undelivered bool
	personal    []personal // the events whose personal fields seal seals
	taken       bool       // by the committer, under Store.mu
	done        chan struct{}

	// The outcome, set by writeGroup.
	err       error
	positions []uint64
	revisions []uint64
	stored    []herald.Event // the stored envelopes of a batch stored before
}

// prepare checks events on their own and encodes them, on the caller's
// goroutine, and finds the personal fields to seal under reg (which seal
// then seals); an anonymous event with personal data is an error.
func prepare(reg *herald.Registry, events []herald.Event, undelivered bool) (*request, error) {
	var now time.Time
	for i := range events {
		if err := driver.CheckEnvelope(&events[i]); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		if events[i].Metadata.Timestamp.IsZero() && now.IsZero() {
			now = time.Now().UTC().Round(0)
		}
	}
	if err := batch.CheckUniqueIDs(events, nil); err != nil {
		return nil, err
	}
	r := &request{events: events, enc: make([]encodedEvent, len(events)), undelivered: undelivered}
	for i := range events {
		data, fields, err := driver.PersonalData(reg, &events[i])
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		if fields != nil {
			r.personal = append(r.personal, personal{index: i, data: data, fields: fields})
		}
		if r.enc[i], err = encodeEvent(&events[i], now, data); err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
	}
	return r, nil
}

// Append stores events atomically, as herald.Store says. Concurrent
// appends are committed together, in one transaction (see the package
// documentation).
func (s *Store) Append(ctx context.Context, events []herald.Event) error {
	return s.append(ctx, events, false, "append")
}

// AppendUndelivered is Append that also records the events as not yet
// delivered, in the same transaction (driver.Outbox).
func (s *Store) AppendUndelivered(ctx context.Context, events []herald.Event) error {
	return s.append(ctx, events, true, "append undelivered")
}

func (s *Store) append(ctx context.Context, events []herald.Event, undelivered bool, what string) error {
	if err := s.check(ctx, what); err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	if t, ok := TxFrom(ctx); ok && t.holding() {
		return fmt.Errorf("pgstore: %s: %w", what, errInsideTx)
	}
	r, err := prepare(s.Registry(), events, undelivered)
	if err == nil {
		err = s.seal(ctx, r)
	}
	if err != nil {
		return s.wrap(what, err)
	}
	r.done = make(chan struct{})
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return errClosed(what)
	}
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	s.poke()
	select {
	case <-r.done:
	case <-ctx.Done():
		s.mu.Lock()
		if !r.taken {
			for i, q := range s.queue {
				if q == r {
					s.queue = append(s.queue[:i], s.queue[i+1:]...)
					break
				}
			}
			s.mu.Unlock()
			return fmt.Errorf("pgstore: %s: %w", what, ctx.Err())
		}
		s.mu.Unlock()
		<-r.done // taken: it is committed whatever ctx does
	}
	if r.err != nil {
		return s.wrap(what, r.err)
	}
	r.apply()
	return nil
}

// apply writes the outcome of a committed request into the caller's
// events.
func (r *request) apply() {
	if r.stored != nil {
		copy(r.events, r.stored)
		return
	}
	for i := range r.events {
		e := &r.events[i]
		e.Metadata.Position, e.Metadata.Revision = r.positions[i], r.revisions[i]
		if e.Metadata.Timestamp.IsZero() {
			e.Metadata.Timestamp = time.Unix(0, r.enc[i].ts).UTC()
		}
	}
}

func (s *Store) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// commitLoop is the committer: it takes everything queued and commits it
// in one transaction, until Close, after which it commits what is left.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	for {
		<-s.wake
		for {
			s.mu.Lock()
			group := s.queue
			s.queue = nil
			for _, r := range group {
				r.taken = true
			}
			closed := s.closed.Load()
			s.mu.Unlock()
			if len(group) == 0 {
				if closed {
					return
				}
				break
			}
			s.commitGroup(group)
			// The callers just woken append again at once: let them queue
			// before the next group is taken, so that it holds them all
			// rather than only the first one back. A yield, not a wait.
			runtime.Gosched()
		}
	}
}

// commitGroup writes group in one transaction and wakes its callers.
func (s *Store) commitGroup(group []*request) {
	ctx := context.Background()
	err := s.commitOwn(ctx, group)
	if err == nil {
		s.feed.poke()
	}
	for _, r := range group {
		if err != nil && r.err == nil {
			r.err = err
		}
		close(r.done)
	}
}

// commitOwn writes group in a transaction of its own on a connection of
// the pool: a small group in one statement when nothing in it conflicts
// (appendFast), otherwise with writeGroup, its BEGIN and COMMIT sent with
// the first and the last batch of statements rather than in round trips
// of their own.
func (s *Store) commitOwn(ctx context.Context, group []*request) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if groupSize(group) <= fastRows && s.appendFast(ctx, conn.Conn(), group) {
		return nil
	}
	committed, err := s.writeGroup(ctx, conn, group, true)
	if err == nil && !committed {
		_, err = conn.Exec(ctx, "COMMIT")
	}
	if err != nil {
		// After a failed COMMIT this only warns; a connection that cannot
		// even roll back is closed, so the pool drops it.
		if _, rerr := conn.Exec(ctx, "ROLLBACK"); rerr != nil {
			_ = conn.Conn().Close(ctx)
		}
	}
	return err
}

// writer is where writeGroup writes: a transaction, or a connection on
// which writeGroup begins and commits one itself.
type writer interface {
	querier
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

// statements are the SQL texts of a schema.
type statements struct {
	lockHead, ids, revisions, stored, counts, undelivered, head, notify string
	fastAppend                                                          string
}

func newStatements(q string) statements {
	return statements{
		lockHead: "SELECT position, events FROM " + q + ".head FOR UPDATE",
		ids: "SELECT i.id, p.position FROM unnest($1::uuid[]) AS i(id) " +
			"CROSS JOIN LATERAL (SELECT position FROM " + q + ".events e WHERE e.id = i.id) AS p",
		revisions: "SELECT a.i, (SELECT max(revision) FROM " + q + ".events e WHERE e.aggregate_id = a.id AND e.context = a.c AND e.aggregate = a.n) " +
			"FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS a(id, c, n, i)",
		stored:      "SELECT " + eventColumns + " FROM " + q + ".events WHERE position = ANY($1::bigint[]) ORDER BY position",
		counts:      "INSERT INTO " + q + ".counts AS c (name, events) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (name) DO UPDATE SET events = c.events + excluded.events",
		undelivered: "INSERT INTO " + q + ".undelivered (position) SELECT unnest($1::bigint[])",
		head:        "UPDATE " + q + ".head SET position = $1, events = $2",
		notify:      "SELECT pg_notify($1, $2)",
		fastAppend:  fastAppendSQL(q),
	}
}

// channel is the name of the notification channel of schema.
func channel(schema string) string { return "herald." + schema }

// writeGroup appends the requests of group in tx, each on its own: one
// that fails gets its error and the others are written. It returns an
// error only when tx failed; then nothing of group holds. With own, tx is
// a connection: writeGroup begins the transaction and, when it reports
// committed, commits it; otherwise the caller commits it, or rolls it
// back after an error.
//
// It locks the head row first, so the appends of every process and of
// every application transaction take their positions one transaction at
// a time: the next one reads the head once this one committed.
func (s *Store) writeGroup(ctx context.Context, tx writer, group []*request, own bool) (committed bool, err error) {
	var ids [][16]byte
	var aggIDs [][16]byte
	var aggContexts, aggNames []string
	seen := make(map[herald.AggregateRef]bool)
	for _, r := range group {
		for i := range r.events {
			e := &r.events[i]
			ids = append(ids, e.ID)
			if !seen[e.Aggregate] {
				seen[e.Aggregate] = true
				aggIDs = append(aggIDs, e.Aggregate.ID)
				aggContexts = append(aggContexts, e.Aggregate.Context)
				aggNames = append(aggNames, e.Aggregate.Name)
			}
		}
	}
	// One round trip: the lock first, then, on a snapshot taken after
	// it, the ids stored and the revisions of the aggregates.
	b := &pgx.Batch{}
	if own {
		b.Queue("BEGIN")
	}
	var head, count int64
	b.Queue(s.sql.lockHead).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&head, &count); err != nil {
			return fmt.Errorf("lock the head: %w", err)
		}
		return nil
	})
	found := make(map[uuid.UUID]uint64)
	b.Queue(s.sql.ids, ids).Query(func(rows pgx.Rows) error {
		var id [16]byte
		var pos int64
		if _, err := pgx.ForEachRow(rows, []any{&id, &pos}, func() error { found[id] = uint64(pos); return nil }); err != nil {
			return fmt.Errorf("look up the ids: %w", err)
		}
		return nil
	})
	revs := make(map[herald.AggregateRef]uint64)
	b.Queue(s.sql.revisions, aggIDs, aggContexts, aggNames).Query(func(rows pgx.Rows) error {
		var i int
		var rev *int64
		if _, err := pgx.ForEachRow(rows, []any{&i, &rev}, func() error {
			if rev != nil {
				revs[herald.AggregateRef{Context: aggContexts[i-1], Name: aggNames[i-1], ID: aggIDs[i-1]}] = uint64(*rev)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("look up the revisions: %w", err)
		}
		return nil
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return false, err
	}

	var copyRows [][]any
	type name struct{ context, aggregate, event string }
	counts := make(map[name]int64)
	var undelivered []int64
	var acks []*request
	for _, r := range group {
		r.err = s.assign(r, found, revs, &head)
		if r.err != nil || r.stored != nil {
			if r.stored != nil {
				acks = append(acks, r)
			}
			continue
		}
		for i := range r.events {
			e := r.events[i]
			e.Metadata.Position, e.Metadata.Revision = r.positions[i], r.revisions[i]
			copyRows = append(copyRows, row(&e, &r.enc[i]))
			counts[name{e.Aggregate.Context, e.Aggregate.Name, e.Name}]++
			found[e.ID] = e.Metadata.Position
			if r.undelivered {
				undelivered = append(undelivered, int64(e.Metadata.Position))
			}
		}
		count += int64(len(r.events))
	}
	if len(copyRows) == 0 {
		return false, s.readAcks(ctx, tx, acks, found)
	}
	b = &pgx.Batch{}
	if len(copyRows) > insertRows {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{s.opts.schema, "events"}, eventColumnNames, pgx.CopyFromRows(copyRows)); err != nil {
			return false, fmt.Errorf("write the events: %w", err)
		}
	} else {
		// A COPY costs two round trips of its own; a few rows go with
		// the rest.
		args := make([]any, 0, len(copyRows)*len(eventColumnNames))
		for _, r := range copyRows {
			args = append(args, r...)
		}
		b.Queue(s.insertSQL(len(copyRows)), args...)
	}
	names := make([]string, 0, len(counts))
	ns := make([]int64, 0, len(counts))
	for k, n := range counts {
		names = append(names, k.context+"."+k.aggregate+"."+k.event)
		ns = append(ns, n)
	}
	b.Queue(s.sql.counts, names, ns)
	if len(undelivered) > 0 {
		b.Queue(s.sql.undelivered, undelivered)
	}
	b.Queue(s.sql.head, head, count)
	b.Queue(s.sql.notify, channel(s.opts.schema), fmt.Sprint(head))
	if own {
		b.Queue("COMMIT")
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return false, fmt.Errorf("write the events, the counts and the head: %w", err)
	}
	if !own {
		return false, s.readAcks(ctx, tx, acks, found)
	}
	// Committed: what is stored before is read after the commit, and a
	// failure to read it fails only the batches that asked for it.
	if err := s.readAcks(ctx, tx, acks, found); err != nil {
		for _, r := range acks {
			r.err = err
		}
	}
	return true, nil
}

// insertRows is the most rows an append writes with INSERT rather than
// COPY.
const insertRows = 8

// insertSQL returns the INSERT of n events.
func (s *Store) insertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + s.q + ".events (" + eventColumns + ") VALUES ")
	arg := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range eventColumnNames {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(arg))
			arg++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// assign checks r against the ids stored and the revisions of the
// aggregates, and assigns its positions and revisions, advancing head and
// revs. A batch whose ids are all stored gets stored set (to a non-nil
// slice filled by readAcks).
func (s *Store) assign(r *request, found map[uuid.UUID]uint64, revs map[herald.AggregateRef]uint64, head *int64) error {
	stored := 0
	for i := range r.events {
		if _, ok := found[r.events[i].ID]; ok {
			stored++
		}
	}
	switch {
	case stored == len(r.events):
		r.stored = make([]herald.Event, 0, len(r.events))
		return nil
	case stored > 0:
		return fmt.Errorf("%d of the %d events are stored already: %w", stored, len(r.events), herald.ErrDuplicate)
	}
	r.positions = make([]uint64, len(r.events))
	r.revisions = make([]uint64, len(r.events))
	next := make(map[herald.AggregateRef]uint64)
	for i := range r.events {
		e := &r.events[i]
		cur, ok := next[e.Aggregate]
		if !ok {
			cur = revs[e.Aggregate]
		}
		if want := e.Metadata.Revision; want != 0 && want != cur+1 {
			return &herald.ConflictError{Aggregate: e.Aggregate, Expected: want - 1, Actual: cur}
		}
		next[e.Aggregate] = cur + 1
		r.revisions[i] = cur + 1
		r.positions[i] = uint64(*head) + uint64(i) + 1
	}
	*head += int64(len(r.events))
	for ref, rev := range next {
		revs[ref] = rev
	}
	return nil
}

// readAcks reads the stored envelopes of the batches stored before.
func (s *Store) readAcks(ctx context.Context, tx querier, acks []*request, found map[uuid.UUID]uint64) error {
	if len(acks) == 0 {
		return nil
	}
	var positions []int64
	for _, r := range acks {
		for i := range r.events {
			positions = append(positions, int64(found[r.events[i].ID]))
		}
	}
	events, err := s.queryEvents(ctx, tx, s.sql.stored, positions)
	if err != nil {
		return fmt.Errorf("read the events stored before: %w", err)
	}
	byID := make(map[uuid.UUID]herald.Event, len(events))
	for _, e := range events {
		byID[e.ID] = e
	}
	for _, r := range acks {
		for i := range r.events {
			e, ok := byID[r.events[i].ID]
			if !ok {
				return errors.New("an event stored before is gone")
			}
			r.stored = append(r.stored, e)
		}
	}
	return nil
}

// querier is what both a pool and a transaction query with.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryEvents runs a query of eventColumns and decodes what it returns.
func (s *Store) queryEvents(ctx context.Context, q querier, sql string, args ...any) ([]herald.Event, error) {
	return s.queryEventsInto(ctx, q, nil, sql, args...)
}

// queryEventsInto is queryEvents that appends the events to events.
func (s *Store) queryEventsInto(ctx context.Context, q querier, events []herald.Event, sql string, args ...any) ([]herald.Event, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d := decoder{reg: s.Registry()}
	var sealed []sealedAt
	for rows.Next() {
		events = append(events, herald.Event{})
		fields, err := d.decode(&events[len(events)-1], rows.FieldDescriptions(), rows.RawValues(), 0)
		if err != nil {
			return nil, err
		}
		if fields != nil {
			sealed = append(sealed, sealedAt{index: len(events) - 1, fields: fields})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return events, s.open(ctx, q, d.reg, events, sealed)
}
