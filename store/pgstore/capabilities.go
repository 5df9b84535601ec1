package pgstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
)

// SaveSnapshot stores sn, replacing an older snapshot of its aggregate; a
// snapshot older than the one stored is ignored.
func (s *Store) SaveSnapshot(ctx context.Context, sn herald.Snapshot) error {
	if err := s.check(ctx, "save snapshot"); err != nil {
		return err
	}
	if err := sn.Aggregate.Check(); err != nil {
		return fmt.Errorf("pgstore: save snapshot: %w", err)
	}
	state := sn.State
	if state == nil {
		state = []byte{}
	}
	_, err := s.pool.Exec(ctx, "INSERT INTO "+s.q+".snapshots AS s (aggregate_id, context, aggregate, revision, state) VALUES ($1, $2, $3, $4, $5) "+
		"ON CONFLICT (aggregate_id, context, aggregate) DO UPDATE SET revision = excluded.revision, state = excluded.state WHERE s.revision <= excluded.revision",
		[16]byte(sn.Aggregate.ID), sn.Aggregate.Context, sn.Aggregate.Name, int64(sn.Revision), state)
	return s.wrap("save snapshot", err)
}

// LoadSnapshot returns the newest snapshot of ref, or herald.ErrNotFound.
func (s *Store) LoadSnapshot(ctx context.Context, ref herald.AggregateRef) (herald.Snapshot, error) {
	if err := s.check(ctx, "load snapshot"); err != nil {
		return herald.Snapshot{}, err
	}
	if err := ref.Check(); err != nil {
		return herald.Snapshot{}, fmt.Errorf("pgstore: load snapshot: %w", err)
	}
	sn := herald.Snapshot{Aggregate: ref}
	var rev int64
	err := s.pool.QueryRow(ctx, "SELECT revision, state FROM "+s.q+".snapshots WHERE aggregate_id = $1 AND context = $2 AND aggregate = $3",
		[16]byte(ref.ID), ref.Context, ref.Name).Scan(&rev, &sn.State)
	if errors.Is(err, pgx.ErrNoRows) {
		return herald.Snapshot{}, fmt.Errorf("pgstore: load snapshot of %s: %w", ref, herald.ErrNotFound)
	}
	if err != nil {
		return herald.Snapshot{}, s.wrap("load snapshot", err)
	}
	sn.Revision = uint64(rev)
	return sn, nil
}

// LoadCheckpoint returns the position name handled last, 0 when none.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (uint64, error) {
	if err := s.check(ctx, "load checkpoint"); err != nil {
		return 0, err
	}
	if name == "" {
		return 0, fmt.Errorf("pgstore: load checkpoint: the name is empty: %w", herald.ErrInvalid)
	}
	var pos int64
	err := s.pool.QueryRow(ctx, "SELECT position FROM "+s.q+".checkpoints WHERE name = $1", name).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.wrap("load checkpoint "+name, err)
	}
	return uint64(pos), nil
}

// SaveCheckpoint records that name handled every event up to position.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position uint64) error {
	if err := s.check(ctx, "save checkpoint"); err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("pgstore: save checkpoint: the name is empty: %w", herald.ErrInvalid)
	}
	_, err := s.pool.Exec(ctx, "INSERT INTO "+s.q+".checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position",
		name, int64(position))
	return s.wrap("save checkpoint "+name, err)
}

// MarkDelivered records that the bus has events.
func (s *Store) MarkDelivered(ctx context.Context, events []herald.Event) error {
	if err := s.check(ctx, "mark delivered"); err != nil {
		return err
	}
	positions := make([]int64, len(events))
	for i := range events {
		positions[i] = int64(events[i].Metadata.Position)
	}
	_, err := s.pool.Exec(ctx, "DELETE FROM "+s.q+".undelivered WHERE position = ANY($1::bigint[])", positions)
	return s.wrap("mark delivered", err)
}

// Undelivered yields the events recorded as not yet delivered, in
// position order.
func (s *Store) Undelivered(ctx context.Context) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		if err := s.check(ctx, "read undelivered"); err != nil {
			yield(herald.Event{}, err)
			return
		}
		sql := "SELECT " + eventColumns + " FROM " + s.q + ".events WHERE position IN (SELECT position FROM " + s.q +
			".undelivered WHERE position > $1 ORDER BY position LIMIT $2) ORDER BY position"
		s.readChunks(ctx, yield, "read undelivered", func(last *herald.Event) (string, []any, bool) {
			var from int64
			if last != nil {
				from = int64(last.Metadata.Position)
			}
			return sql, []any{from, readChunk}, true
		})
	}
}

// SaveDeadLetter keeps d under its consumer and its event's id.
func (s *Store) SaveDeadLetter(ctx context.Context, d herald.DeadLetter) error {
	if err := s.check(ctx, "save dead letter"); err != nil {
		return err
	}
	if d.Subscription == "" {
		return fmt.Errorf("pgstore: save dead letter: the consumer name is empty: %w", herald.ErrInvalid)
	}
	if d.Event.ID == uuid.Nil {
		return fmt.Errorf("pgstore: save dead letter: the event id is nil: %w", herald.ErrInvalid)
	}
	x, err := encodeEvent(&d.Event, time.Time{}, nil)
	if err == nil {
		err = s.sealLetter(ctx, &d, &x)
	}
	if err != nil {
		return s.wrap("save dead letter", err)
	}
	if d.Event.Metadata.Timestamp.IsZero() {
		x.ts = 0
	}
	msg := ""
	if d.Err != nil {
		msg = d.Err.Error()
	}
	cols := row(&d.Event, &x)
	args := append([]any{d.Subscription, int64(d.Attempts), msg, d.Parked, d.At.UnixNano()}, cols...)
	_, err = s.pool.Exec(ctx, "INSERT INTO "+s.q+".dead_letters (consumer, attempts, error, parked, at_ns, "+eventColumns+
		") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) "+
		"ON CONFLICT (consumer, id) DO UPDATE SET (attempts, error, parked, at_ns, "+eventColumns+") = "+
		"(excluded.attempts, excluded.error, excluded.parked, excluded.at_ns, excluded.position, excluded.id, excluded.context, excluded.aggregate, "+
		"excluded.aggregate_id, excluded.revision, excluded.name, excluded.type, excluded.user_id, excluded.timestamp_ns, excluded.causation_id, "+
		"excluded.correlation_id, excluded.labels, excluded.owner, excluded.access, excluded.data, excluded.version, excluded.sealed)", args...)
	return s.wrap("save dead letter", err)
}

// DeadLetters yields the dead letters of consumer in the order of their
// events' positions.
func (s *Store) DeadLetters(ctx context.Context, consumer string) iter.Seq2[herald.DeadLetter, error] {
	return func(yield func(herald.DeadLetter, error) bool) {
		if err := s.check(ctx, "read dead letters"); err != nil {
			yield(herald.DeadLetter{}, err)
			return
		}
		rows, err := s.pool.Query(ctx, "SELECT attempts, error, parked, at_ns, "+eventColumns+" FROM "+s.q+
			".dead_letters WHERE consumer = $1 ORDER BY position, id", consumer)
		if err != nil {
			yield(herald.DeadLetter{}, s.wrap("read dead letters", err))
			return
		}
		var out []herald.DeadLetter
		var events []herald.Event
		var sealed []sealedAt
		var dec decoder // dead letters keep their data as JSON
		for rows.Next() {
			vals := rows.RawValues()
			fields := rows.FieldDescriptions()
			d := herald.DeadLetter{Subscription: consumer}
			attempts, err1 := decodeInt(vals[0], fields[0].Format)
			at, err2 := decodeInt(vals[3], fields[3].Format)
			names, err3 := dec.decode(&d.Event, fields, vals, 4)
			if err := errors.Join(err1, err2, err3); err != nil {
				rows.Close()
				yield(herald.DeadLetter{}, s.wrap("read dead letters", err))
				return
			}
			d.Attempts = int(attempts)
			if len(vals[1]) > 0 {
				d.Err = errors.New(string(vals[1]))
			}
			d.Parked = len(vals[2]) == 1 && vals[2][0] == 1 || string(vals[2]) == "t"
			d.At = time.Unix(0, at).UTC()
			if d.Event.Metadata.Timestamp.UnixNano() == 0 {
				d.Event.Metadata.Timestamp = time.Time{}
			}
			if names != nil {
				sealed = append(sealed, sealedAt{index: len(out), fields: names})
			}
			out = append(out, d)
		}
		rows.Close()
		err = rows.Err()
		if err == nil && sealed != nil {
			events = make([]herald.Event, len(out))
			for i := range out {
				events[i] = out[i].Event
			}
			err = s.open(ctx, s.pool, nil, events, sealed)
			for _, at := range sealed {
				out[at.index].Event = events[at.index]
			}
		}
		if err != nil {
			yield(herald.DeadLetter{}, s.wrap("read dead letters", err))
			return
		}
		for _, d := range out {
			if err := ctx.Err(); err != nil {
				yield(herald.DeadLetter{}, fmt.Errorf("pgstore: read dead letters: %w", err))
				return
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// DeleteDeadLetter removes the dead letter of consumer for the event id,
// or returns an error matching herald.ErrNotFound.
func (s *Store) DeleteDeadLetter(ctx context.Context, consumer string, id uuid.UUID) error {
	if err := s.check(ctx, "delete dead letter"); err != nil {
		return err
	}
	if consumer == "" {
		return fmt.Errorf("pgstore: delete dead letter: the consumer name is empty: %w", herald.ErrInvalid)
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM "+s.q+".dead_letters WHERE consumer = $1 AND id = $2", consumer, [16]byte(id))
	if err != nil {
		return s.wrap("delete dead letter", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete dead letter %s of %q: %w", id, consumer, herald.ErrNotFound)
	}
	return nil
}
