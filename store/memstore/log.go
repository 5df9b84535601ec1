package memstore

import (
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// Chunks of the log: chunkSize events each.
const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// record is an event as the log keeps it, apart from its data: a value
// without pointers, whose strings, user, authorization, labels and time
// zone are indexes into the log's tables. The garbage collector does not
// scan chunks of records, and storing one needs no write barrier, which
// makes an append several times cheaper than storing a herald.Event.
type record struct {
	id, causation, correlation uuid.UUID
	seconds                    int64 // of the timestamp, since 1970
	revision                   uint64
	nanos                      uint32 // of the timestamp, within its second
	zone                       uint32 // of the timestamp, in tables.zones
	aggregate                  uint32 // in tables.aggregates
	name                       uint32 // in tables.strings
	typ                        uint32 // in tables.strings
	user                       uint32 // in tables.users; 0 is nil
	authorization              uint32 // in tables.authorizations; 0 is nil
	labels                     uint32 // in tables.labels; 0 is nil
}

// eventLog is the global log, the event at position p being the (p-1)th.
// It keeps records and data in chunks of a fixed size, allocated when the
// log reaches them, so appending never moves or copies stored events. A
// copy of an eventLog taken under the store's lock is a view of the log at
// that time that stays valid without the lock: appends only write beyond
// its lengths, and stored records and table entries are never written
// again.
type eventLog struct {
	records [][]record // each of length chunkSize
	data    [][]any    // each of length chunkSize
	tables  tables
	n       uint64
	ahead   *chunkMaker
}

// newEventLog returns an empty log with room in its chunk lists for about
// capacity events.
func newEventLog(capacity int) eventLog {
	chunks := (capacity + chunkMask) / chunkSize
	return eventLog{
		records: make([][]record, 0, chunks),
		data:    make([][]any, 0, chunks),
		tables:  newTables(),
		ahead:   newChunkMaker(),
	}
}

// append stores e, an event of the aggregate at index aggregate in the
// tables, at the next position, and returns the position. in interns what
// e refers to.
func (l *eventLog) append(e *herald.Event, aggregate, name uint32, in *interner) uint64 {
	if l.n == uint64(len(l.records))*chunkSize {
		c := l.ahead.take()
		l.records = append(l.records, c.records)
		l.data = append(l.data, c.data)
	}
	m := &e.Metadata
	r := &l.records[l.n>>chunkBits][l.n&chunkMask]
	*r = record{
		id:            e.ID,
		causation:     m.CausationID,
		correlation:   m.CorrelationID,
		seconds:       m.Timestamp.Unix(),
		revision:      m.Revision,
		nanos:         uint32(m.Timestamp.Nanosecond()),
		zone:          in.zone(&l.tables, m.Timestamp),
		aggregate:     aggregate,
		name:          name,
		typ:           in.typ(&l.tables, e.Type),
		user:          l.tables.addUser(e.User),
		authorization: l.tables.addAuthorization(m.Authorization),
		labels:        l.tables.addLabels(m.Labels),
	}
	l.data[l.n>>chunkBits][l.n&chunkMask] = e.Data
	l.n++
	return l.n
}

// at returns the event at position pos, which must be from 1 to l.n.
func (l *eventLog) at(pos uint64) herald.Event {
	i := pos - 1
	r := &l.records[i>>chunkBits][i&chunkMask]
	t := &l.tables
	return herald.Event{
		Aggregate: t.aggregates[r.aggregate],
		Name:      t.strings[r.name],
		ID:        r.id,
		Type:      t.strings[r.typ],
		Data:      l.data[i>>chunkBits][i&chunkMask],
		User:      t.users[r.user],
		Metadata: herald.Metadata{
			Timestamp:     time.Unix(r.seconds, int64(r.nanos)).In(t.zones[r.zone]),
			Position:      pos,
			Revision:      r.revision,
			CausationID:   r.causation,
			CorrelationID: r.correlation,
			Labels:        t.labels[r.labels],
			Authorization: t.authorizations[r.authorization],
		},
	}
}

// setData replaces the data of the event at position pos, which must be
// from 1 to l.n.
func (l *eventLog) setData(pos uint64, data any) {
	i := pos - 1
	l.data[i>>chunkBits][i&chunkMask] = data
}

// id returns the id of the event at position pos, which must be from 1 to
// l.n.
func (l *eventLog) id(pos uint64) uuid.UUID {
	i := pos - 1
	return l.records[i>>chunkBits][i&chunkMask].id
}
