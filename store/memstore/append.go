package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// maxScratch is the size above which the maps used to validate a batch are
// dropped after it instead of cleared, so one huge batch does not make every
// later one pay for clearing a huge map.
const maxScratch = 4096

// Append stores events atomically, all or none, as herald.Store describes.
// It writes each event's position, its revision and, when the event has
// none, the current time as its timestamp into events in place. The whole
// batch is checked before anything changes: an invalid envelope or an id
// that appears twice in the batch is an error matching herald.ErrInvalid, a
// wrong revision a *herald.ConflictError, an id stored before (while others
// of the batch are not) herald.ErrDuplicate. A batch whose ids are all
// stored changes nothing: the stored envelopes are copied into events.
func (s *Store) Append(ctx context.Context, events []herald.Event) error {
	if err := s.usable(ctx); err != nil {
		return fmt.Errorf("memstore: append: %w", err)
	}
	for i := range events {
		if err := herald.CheckEnvelope(&events[i]); err != nil {
			return fmt.Errorf("memstore: append: event %d: %w", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return fmt.Errorf("memstore: append: %w", herald.ErrClosed)
	}
	if len(events) == 0 {
		return nil
	}
	stored, err := s.checkBatch(events)
	if err != nil {
		return fmt.Errorf("memstore: append: %w", err)
	}
	if stored {
		s.copyStored(events)
		return nil
	}
	s.commit(events)
	return nil
}

// checkBatch reports whether every event of the batch is stored already,
// or what makes the batch unfit to store. It changes nothing but scratch
// space.
func (s *Store) checkBatch(events []herald.Event) (allStored bool, err error) {
	if len(events) > 1 {
		s.prepareScratch()
		defer s.resetScratch()
	}
	if err := s.checkUniqueIDs(events); err != nil {
		return false, err
	}
	switch n, first := s.storedIDs(events); {
	case n == len(events):
		return true, nil
	case n > 0:
		return false, fmt.Errorf("event %d: id %s is stored, other events of the batch are not: %w",
			first, events[first].ID, herald.ErrDuplicate)
	}
	return false, s.checkRevisions(events)
}

// checkUniqueIDs returns an error matching herald.ErrInvalid when an id
// appears twice in the batch.
func (s *Store) checkUniqueIDs(events []herald.Event) error {
	if len(events) < 2 {
		return nil
	}
	for i := range events {
		id := events[i].ID
		if _, seen := s.batchIDs[id]; seen {
			return fmt.Errorf("event %d: id %s appears twice in the batch: %w", i, id, herald.ErrInvalid)
		}
		s.batchIDs[id] = struct{}{}
	}
	return nil
}

// storedIDs counts the events of the batch whose ids are stored, and
// returns the index of the first of them.
func (s *Store) storedIDs(events []herald.Event) (n, first int) {
	first = -1
	for i := range events {
		if _, ok := s.ids.lookup(events[i].ID); ok {
			if n == 0 {
				first = i
			}
			n++
		}
	}
	return n, first
}

// checkRevisions returns a *herald.ConflictError for the first event whose
// expected revision is not the one it would land at.
func (s *Store) checkRevisions(events []herald.Event) error {
	if len(events) == 1 {
		return checkRevision(&events[0], s.streams.find(events[0].Aggregate).revision())
	}
	for i := range events {
		e := &events[i]
		current, ok := s.batchRevs[e.Aggregate]
		if !ok {
			current = s.streams.find(e.Aggregate).revision()
		}
		if err := checkRevision(e, current); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		s.batchRevs[e.Aggregate] = current + 1
	}
	return nil
}

// checkRevision checks e, whose aggregate is at revision current, against
// the revision it expects to land at, if any.
func checkRevision(e *herald.Event, current uint64) error {
	want := e.Metadata.Revision
	if want == 0 || want == current+1 {
		return nil
	}
	return &herald.ConflictError{Aggregate: e.Aggregate, Expected: want - 1, Actual: current}
}

// commit stores a checked batch and writes what it assigned into events.
func (s *Store) commit(events []herald.Event) {
	var now time.Time
	for i := range events {
		e := &events[i]
		if e.Metadata.Timestamp.IsZero() {
			if now.IsZero() {
				now = time.Now().Round(0)
			}
			e.Metadata.Timestamp = now
		}
		st := s.streams.getOrAdd(e.Aggregate)
		e.Metadata.Position = s.log.n + 1
		e.Metadata.Revision = st.revision() + 1
		pos := s.log.append(e)
		st.positions = append(st.positions, pos)
		s.ids.insert(e.ID, pos)
		*s.counter(st, e) += 1
	}
}

// counter returns the count of e's full name, which st published.
func (s *Store) counter(st *stream, e *herald.Event) *uint64 {
	key := nameKey{e.Aggregate.Context, e.Aggregate.Name, e.Name}
	if st.lastCount != nil && st.lastName == key {
		return st.lastCount
	}
	n := s.counts[key]
	if n == nil {
		n = new(uint64)
		s.counts[key] = n
	}
	st.lastName, st.lastCount = key, n
	return n
}

// copyStored copies the stored envelopes of a batch stored before into it.
func (s *Store) copyStored(events []herald.Event) {
	for i := range events {
		pos, _ := s.ids.lookup(events[i].ID)
		events[i] = *s.log.at(pos)
	}
}

// prepareScratch makes sure the maps that validate a batch exist.
func (s *Store) prepareScratch() {
	if s.batchIDs == nil {
		s.batchIDs = make(map[uuid.UUID]struct{})
	}
	if s.batchRevs == nil {
		s.batchRevs = make(map[herald.AggregateRef]uint64)
	}
}

// resetScratch empties the maps that validated a batch, or drops them when
// they grew large.
func (s *Store) resetScratch() {
	if len(s.batchIDs) > maxScratch {
		s.batchIDs, s.batchRevs = nil, nil
		return
	}
	clear(s.batchIDs)
	clear(s.batchRevs)
}
