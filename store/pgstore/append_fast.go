package pgstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
)

// fastAppendSQL is the append of a group in one statement, and so in one
// round trip and one transaction of its own: it locks the head, gives the
// events their positions after it and their revisions after their
// aggregates' last, writes them, their counts, the outbox and the head,
// and wakes the listeners. It writes nothing when an event's expected
// revision is not the one it would get; a duplicate id or revision fails
// it on the table's unique indexes. The revisions are read on the
// statement's snapshot, taken before the head's lock was granted, so a
// concurrent append can make them stale: then the unique index on
// (aggregate, revision) fails the statement, and nothing is lost. Either
// way the caller writes the group again on the careful path, which tells
// each append what went wrong. The sealed column of each event comes as
// the text of an array ($19, after the notification channel, $18), cast
// in the insert, since unnest cannot take an array of arrays; a group
// without sealed events passes NULL, which unnest reads as NULL for each.
func fastAppendSQL(q string) string {
	return `WITH h AS (SELECT position FROM ` + q + `.head LIMIT 1 FOR UPDATE),
u AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bigint[], $6::text[],
	$7::text[], $8::text[], $9::bigint[], $10::uuid[], $11::uuid[], $12::text[], $13::text[],
	$14::smallint[], $15::bytea[], $16::bool[], $17::integer[], $19::text[]) WITH ORDINALITY
	AS u(id, context, aggregate, aggregate_id, expected, name, type, user_id, ts, causation_id,
	correlation_id, labels, owner, access, data, undelivered, version, sealed, ord)),
src AS (SELECT h.position + u.ord AS position, u.*,
	COALESCE((SELECT max(e.revision) FROM ` + q + `.events e
		WHERE e.aggregate_id = u.aggregate_id AND e.context = u.context AND e.aggregate = u.aggregate), 0)
	+ row_number() OVER (PARTITION BY u.aggregate_id, u.context, u.aggregate ORDER BY u.ord) AS revision
	FROM h, u),
ok AS (SELECT NOT EXISTS (SELECT 1 FROM src WHERE expected <> 0 AND expected <> revision) AS ok),
ins AS (INSERT INTO ` + q + `.events (` + eventColumns + `)
	SELECT position, id, context, aggregate, aggregate_id, revision, name, type, user_id, ts,
	causation_id, correlation_id, labels::jsonb, owner, access, data, version, sealed::text[] FROM src, ok WHERE ok.ok
	RETURNING position, revision, context, aggregate, name),
und AS (INSERT INTO ` + q + `.undelivered (position) SELECT position FROM src, ok WHERE ok.ok AND undelivered),
cnt AS (INSERT INTO ` + q + `.counts AS c (name, events)
	SELECT context || '.' || aggregate || '.' || name, count(*) FROM ins GROUP BY 1
	ON CONFLICT (name) DO UPDATE SET events = c.events + excluded.events),
hd AS (UPDATE ` + q + `.head SET position = position + (SELECT count(*) FROM ins),
	events = events + (SELECT count(*) FROM ins) WHERE EXISTS (SELECT 1 FROM ins))
SELECT i.position, i.revision FROM ins i CROSS JOIN (SELECT pg_notify($18, '')) n`
}

// fastRows is the most events appendFast writes at once: more go faster
// by COPY.
const fastRows = 64

// groupSize counts the events of group.
func groupSize(group []*request) int {
	n := 0
	for _, r := range group {
		n += len(r.events)
	}
	return n
}

// fastColumns are the arguments of fastAppendSQL: a column each.
type fastColumns struct {
	ids, aggIDs, causations, correlations [][16]byte
	contexts, aggregates, names, types    []string
	owners                                []string
	users, labels                         []*string
	sealed                                []*string // nil while no event is sealed
	expected, timestamps                  []int64
	access                                []*int16
	data                                  [][]byte
	undelivered                           []bool
	versions                              []int32
}

// add appends the columns of r's events.
func (c *fastColumns) add(r *request) {
	for i := range r.events {
		e, x := &r.events[i], &r.enc[i]
		c.ids = append(c.ids, e.ID)
		c.contexts = append(c.contexts, e.Aggregate.Context)
		c.aggregates = append(c.aggregates, e.Aggregate.Name)
		c.aggIDs = append(c.aggIDs, e.Aggregate.ID)
		c.expected = append(c.expected, int64(e.Metadata.Revision))
		c.names = append(c.names, e.Name)
		c.types = append(c.types, typeOf(e))
		var user *string
		if e.User != nil {
			user = &e.User.ID
		}
		c.users = append(c.users, user)
		c.timestamps = append(c.timestamps, x.ts)
		c.causations = append(c.causations, e.Metadata.CausationID)
		c.correlations = append(c.correlations, e.Metadata.CorrelationID)
		var labels *string
		if x.labels != nil {
			s := string(x.labels)
			labels = &s
		}
		c.labels = append(c.labels, labels)
		owner, access := accessOf(e)
		c.owners = append(c.owners, owner)
		c.access = append(c.access, access)
		c.data = append(c.data, x.data)
		c.undelivered = append(c.undelivered, r.undelivered)
		c.versions = append(c.versions, int32(e.Metadata.Version))
		if x.sealed != nil && c.sealed == nil {
			c.sealed = make([]*string, len(c.ids)-1) // the events before: none sealed
		}
		if c.sealed != nil {
			c.sealed = append(c.sealed, arrayLiteral(x.sealed))
		}
	}
}

// appendFast writes group in one statement on conn, outside any
// transaction, and reports whether it did. False means nothing of group
// was written, and the careful path must write it: one of its appends
// conflicts, repeats an id, or the statement failed.
func (s *Store) appendFast(ctx context.Context, conn *pgx.Conn, group []*request) bool {
	var c fastColumns
	for _, r := range group {
		c.add(r)
	}
	n := len(c.ids)
	rows, err := conn.Query(ctx, s.sql.fastAppend, c.ids, c.contexts, c.aggregates, c.aggIDs, c.expected,
		c.names, c.types, c.users, c.timestamps, c.causations, c.correlations, c.labels, c.owners,
		c.access, c.data, c.undelivered, c.versions, channel(s.opts.schema), c.sealed)
	if err != nil {
		return false
	}
	type assigned struct{ position, revision int64 }
	got := make([]assigned, 0, n)
	var a assigned
	_, err = pgx.ForEachRow(rows, []any{&a.position, &a.revision}, func() error {
		got = append(got, a)
		return nil
	})
	if err != nil || len(got) != n {
		return false
	}
	// The positions are consecutive, in the order of the arguments.
	slices.SortFunc(got, func(x, y assigned) int { return cmp.Compare(x.position, y.position) })
	k := 0
	for _, r := range group {
		r.positions = make([]uint64, len(r.events))
		r.revisions = make([]uint64, len(r.events))
		for i := range r.events {
			r.positions[i], r.revisions[i] = uint64(got[k].position), uint64(got[k].revision)
			k++
		}
	}
	return true
}
