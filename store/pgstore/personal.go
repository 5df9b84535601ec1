package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

var (
	_ driver.KeyStore      = (*Store)(nil)
	_ driver.RegistryStore = (*Store)(nil)
)

// personal is an event of an append whose personal fields are sealed
// before it is queued: its index in the batch, its data's JSON and the
// fields to seal.
type personal struct {
	index  int
	data   []byte
	fields []string
}

// keyAttempts bounds the rounds of userKeys: each round reads the keys,
// then makes those missing; a round finds a key short only when another
// append made it, or a ForgetUser deleted it, at the same time.
const keyAttempts = 8

// seal seals the personal fields of r's events with their users' keys,
// made for the users who have none, before r is written. A ForgetUser
// that deletes a key after seal read it and before r commits leaves r's
// events sealed with a key gone: they read as redacted, as the user's
// other events do, never in the clear.
func (s *Store) seal(ctx context.Context, r *request) error {
	if len(r.personal) == 0 {
		return nil
	}
	users := make([]string, 0, len(r.personal))
	for _, p := range r.personal {
		users = append(users, r.events[p.index].User.ID)
	}
	keys, err := s.userKeys(ctx, users)
	if err != nil {
		return err
	}
	for _, p := range r.personal {
		e := &r.events[p.index]
		data, err := driver.SealPersonal(e, p.data, p.fields, keys[e.User.ID])
		if err != nil {
			return fmt.Errorf("event %d: %w", p.index, driver.DataError(e, err))
		}
		r.enc[p.index].data, r.enc[p.index].sealed = data, p.fields
	}
	return nil
}

// userKeys returns the key of each of users, making and keeping one for
// those who have none, each in a statement of its own, outside any
// transaction of the caller's.
func (s *Store) userKeys(ctx context.Context, users []string) (map[string]driver.UserKey, error) {
	keys := make(map[string]driver.UserKey, len(users))
	missing := distinct(users)
	for range keyAttempts {
		found, err := s.lookupKeys(ctx, s.pool, missing)
		if err != nil {
			return nil, err
		}
		missing = take(keys, found, missing)
		if len(missing) == 0 {
			return keys, nil
		}
		made := make([][]byte, len(missing))
		for i := range missing {
			made[i], _ = driver.NewUserKey().AppendBinary(nil)
		}
		rows, err := s.pool.Query(ctx, "INSERT INTO "+s.q+".user_keys (user_id, key) SELECT * FROM unnest($1::text[], $2::bytea[]) "+
			"ON CONFLICT (user_id) DO NOTHING RETURNING user_id, key", missing, made)
		if err != nil {
			return nil, fmt.Errorf("make user keys: %w", err)
		}
		if found, err = scanKeys(rows); err != nil {
			return nil, fmt.Errorf("make user keys: %w", err)
		}
		if missing = take(keys, found, missing); len(missing) == 0 {
			return keys, nil
		}
	}
	return nil, fmt.Errorf("make user keys: the keys of %s were made and deleted again %d times while this append read them",
		strings.Join(missing, ", "), keyAttempts)
}

// take moves the keys found of missing into keys, and returns the users
// still missing.
func take(keys, found map[string]driver.UserKey, missing []string) []string {
	left := missing[:0:0]
	for _, u := range missing {
		if k, ok := found[u]; ok {
			keys[u] = k
		} else {
			left = append(left, u)
		}
	}
	return left
}

// distinct returns the strings of ss, each once.
func distinct(ss []string) []string {
	out := make([]string, 0, len(ss))
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// lookupKeys returns the keys users have, in one query on q.
func (s *Store) lookupKeys(ctx context.Context, q querier, users []string) (map[string]driver.UserKey, error) {
	rows, err := q.Query(ctx, "SELECT user_id, key FROM "+s.q+".user_keys WHERE user_id = ANY($1::text[])", users)
	if err != nil {
		return nil, fmt.Errorf("read user keys: %w", err)
	}
	keys, err := scanKeys(rows)
	if err != nil {
		return nil, fmt.Errorf("read user keys: %w", err)
	}
	return keys, nil
}

// scanKeys reads rows of user ids and keys.
func scanKeys(rows pgx.Rows) (map[string]driver.UserKey, error) {
	keys := make(map[string]driver.UserKey)
	var user string
	var b []byte
	_, err := pgx.ForEachRow(rows, []any{&user, &b}, func() error {
		k, err := driver.ParseUserKey(b)
		if err != nil {
			return fmt.Errorf("the key of user %q: %w", user, err)
		}
		keys[user] = k
		return nil
	})
	return keys, err
}

// sealedAt is an event read with its personal fields sealed: its index in
// the events read and the names of those fields.
type sealedAt struct {
	index  int
	fields []string
}

// open gives the sealed events of events their personal fields in the
// clear, with their users' keys read on q in one query; the fields of a
// user who has no key (forgotten), or another key than the one they were
// sealed with, read as "" and the event as redacted. Then it decodes
// their data with reg, when not nil.
func (s *Store) open(ctx context.Context, q querier, reg *herald.Registry, events []herald.Event, sealed []sealedAt) error {
	if len(sealed) == 0 {
		return nil
	}
	users := make([]string, 0, len(sealed))
	for _, at := range sealed {
		if u := events[at.index].User; u != nil {
			users = append(users, u.ID)
		}
	}
	keys, err := s.lookupKeys(ctx, q, distinct(users))
	if err != nil {
		return err
	}
	for _, at := range sealed {
		e := &events[at.index]
		var key *driver.UserKey
		if e.User != nil {
			if k, ok := keys[e.User.ID]; ok {
				key = &k
			}
		}
		raw, _ := e.Data.(json.RawMessage)
		data, redacted, err := driver.OpenPersonal(e, raw, at.fields, key)
		if err != nil {
			return fmt.Errorf("position %d: %w", e.Metadata.Position, err)
		}
		e.Data, e.Metadata.Redacted = json.RawMessage(data), redacted
		if reg != nil {
			if err := reg.Decode(e); err != nil {
				return fmt.Errorf("pgstore: read: position %d: %w", e.Metadata.Position, err)
			}
		}
	}
	return nil
}

// DeleteUserKey deletes the key of userID, as driver.KeyStore describes,
// in a transaction of its own; the package doc says what holds then and
// what makes it final. The snapshots of the aggregates with sealed events
// of the user are deleted in the same transaction, since their state may
// hold the values in the clear (the next load replays the events), also
// when the user has no key left. An
// empty userID is an error matching herald.ErrInvalid.
func (s *Store) DeleteUserKey(ctx context.Context, userID string) error {
	if err := s.check(ctx, "delete user key"); err != nil {
		return err
	}
	if userID == "" {
		return fmt.Errorf("pgstore: delete user key: the user id is empty: %w", herald.ErrInvalid)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM "+s.q+".user_keys WHERE user_id = $1", userID); err != nil {
			return err
		}
		// Whether a key was left or not: a second ForgetUser drops the
		// snapshots an append racing the first one left.
		_, err := tx.Exec(ctx, "DELETE FROM "+s.q+".snapshots s USING "+s.q+".events e "+
			"WHERE e.user_id = $1 AND e.sealed IS NOT NULL "+
			"AND s.aggregate_id = e.aggregate_id AND s.context = e.context AND s.aggregate = e.aggregate", userID)
		return err
	})
	return s.wrap("delete user key of "+userID, err)
}

// sealLetter seals the personal fields of the event of the dead letter d
// as its event is, with its user's key; when the user has none (forgotten
// since) with a key nobody keeps, so that they read as redacted.
func (s *Store) sealLetter(ctx context.Context, d *herald.DeadLetter, x *encodedEvent) error {
	reg := s.Registry()
	if reg == nil {
		return nil
	}
	e := &d.Event
	data, fields, err := driver.PersonalData(reg, e)
	if err != nil || fields == nil {
		return err
	}
	keys, err := s.lookupKeys(ctx, s.pool, []string{e.User.ID})
	if err != nil {
		return err
	}
	key, ok := keys[e.User.ID]
	if !ok {
		key = driver.NewUserKey()
	}
	if x.data, err = driver.SealPersonal(e, data, fields, key); err != nil {
		return driver.DataError(e, err)
	}
	x.sealed = fields
	return nil
}

// PurgeForgotten rewrites the user_keys and snapshots tables (VACUUM
// FULL), so that the rows ForgetUser deleted, the keys and the snapshots
// of forgotten users, are gone from the tables' files rather than left as
// dead rows until a vacuum reuses their space; see the package doc. The
// rewrite keeps the rows a transaction still open may see, so it removes
// those of a ForgetUser once every transaction begun before it has
// ended. Each table is locked while it is rewritten: reads and appends of
// personal data wait.
func (s *Store) PurgeForgotten(ctx context.Context) error {
	if err := s.check(ctx, "purge forgotten"); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, "VACUUM FULL "+s.q+".user_keys, "+s.q+".snapshots")
	return s.wrap("purge forgotten", err)
}

// arrayLiteral returns names as a PostgreSQL array literal, for a text[]
// cast: the fast append passes the sealed column of each event so, since
// unnest cannot take an array of arrays. Nil names give nil, NULL.
func arrayLiteral(names []string) *string {
	if names == nil {
		return nil
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, c := range []byte(n) {
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	l := b.String()
	return &l
}
