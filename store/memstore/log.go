package memstore

import "github.com/herald-go/herald"

// Chunks of the log: chunkSize events each.
const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// eventLog is the global log, the event at position p being the (p-1)th.
// It keeps events in chunks of a fixed size, allocated when the log reaches
// them, so appending never moves or copies stored events. A copy of an
// eventLog taken under the store's lock is a view of the log at that time
// that stays valid without the lock: appends only write beyond its length,
// and stored events are never written again.
type eventLog struct {
	chunks [][]herald.Event // each of length chunkSize
	n      uint64
}

// newEventLog returns an empty log with room in its chunk list for about
// capacity events.
func newEventLog(capacity int) eventLog {
	return eventLog{chunks: make([][]herald.Event, 0, (capacity+chunkMask)/chunkSize)}
}

// append stores a copy of e at the next position and returns the position.
func (l *eventLog) append(e *herald.Event) uint64 {
	if l.n == uint64(len(l.chunks))*chunkSize {
		l.chunks = append(l.chunks, make([]herald.Event, chunkSize))
	}
	l.chunks[l.n>>chunkBits][l.n&chunkMask] = *e
	l.n++
	return l.n
}

// at returns the event at position pos, which must be from 1 to l.n.
func (l *eventLog) at(pos uint64) *herald.Event {
	i := pos - 1
	return &l.chunks[i>>chunkBits][i&chunkMask]
}
