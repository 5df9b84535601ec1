package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/batch"
	"github.com/herald-go/herald/internal/jsoncheck"
)

// maxScratch is the size above which the maps used to validate a batch are
// dropped after it instead of cleared, so one huge batch does not make every
// later one pay for clearing a huge map.
const maxScratch = 4096

// Append stores events atomically, all or none, as herald.Store describes.
// It writes each event's position, its revision and, when the event has
// none, the current time as its timestamp into events in place. The whole
// batch is checked before anything changes: an invalid envelope, data that
// does not encode as JSON (what a store that encodes events refuses) or an id
// that appears twice in the batch is an error matching herald.ErrInvalid, a
// wrong revision a *herald.ConflictError, an id stored before (while others
// of the batch are not) herald.ErrDuplicate. A batch whose ids are all
// stored changes nothing: the stored envelopes are copied into events.
func (s *Store) Append(ctx context.Context, events []herald.Event) error {
	if err := s.usable(ctx); err != nil {
		return errorf("append: %w", err)
	}
	for i := range events {
		if err := checkEvent(&events[i]); err != nil {
			return errorf("append: event %d: %w", i, err)
		}
	}
	sealed, err := s.seal(events)
	if err != nil {
		return errorf("append: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errorf("append: %w", herald.ErrClosed)
	}
	if len(events) == 0 {
		return nil
	}
	stored, err := s.checkBatch(events)
	if err != nil {
		return errorf("append: %w", err)
	}
	if stored {
		if err := s.copyStored(events); err != nil {
			return errorf("append: %w", err)
		}
		return nil
	}
	s.commit(events)
	s.keepSealed(events, sealed)
	return nil
}

// checkEvent reports what makes e unfit to store: its envelope, or data
// that does not encode as JSON, which a store that encodes events would
// refuse too.
func checkEvent(e *herald.Event) error {
	if err := driver.CheckEnvelope(e); err != nil {
		return err
	}
	if err := jsoncheck.Check(e.Data); err != nil {
		return driver.DataError(e, err)
	}
	return nil
}

// checkBatch reports whether every event of the batch is stored already,
// or what makes the batch unfit to store. It changes nothing but scratch
// space.
func (s *Store) checkBatch(events []herald.Event) (allStored bool, err error) {
	clear(s.found)
	s.found = s.found[:0]
	if len(events) > 1 {
		defer s.resetScratch()
	}
	if s.batchIDs == nil {
		s.batchIDs = make(map[uuid.UUID]struct{})
	}
	if err := batch.CheckUniqueIDs(events, s.batchIDs); err != nil {
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

// storedIDs counts the events of the batch whose ids are stored, and
// returns the index of the first of them.
func (s *Store) storedIDs(events []herald.Event) (n, first int) {
	first = -1
	for i := range events {
		if _, ok := s.ids.lookup(&s.log, events[i].ID); ok {
			if n == 0 {
				first = i
			}
			n++
		}
	}
	return n, first
}

// checkRevisions returns a *herald.ConflictError for the first event whose
// expected revision is not the one it would land at. For a batch it counts
// the revisions the batch takes in each stream (stream.checking), and
// in the scratch map for aggregates without one, and keeps the streams it
// found in s.found for commit.
func (s *Store) checkRevisions(events []herald.Event) error {
	if len(events) == 1 {
		return checkRevision(&events[0], s.streams.find(events[0].Aggregate).revision())
	}
	s.checking++
	for i := range events {
		e := &events[i]
		st, next := s.nextRevision(e.Aggregate)
		if err := checkRevision(e, *next); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		*next++
		s.found = append(s.found, st)
	}
	return nil
}

// nextRevision returns ref's stream, nil when it has none, and where the
// batch being checked counts ref's revision.
func (s *Store) nextRevision(ref herald.AggregateRef) (*stream, *uint64) {
	st := s.streams.find(ref)
	if st == nil {
		if s.batchRevs == nil {
			s.batchRevs = make(map[herald.AggregateRef]*uint64)
		}
		n := s.batchRevs[ref]
		if n == nil {
			n = new(uint64)
			s.batchRevs[ref] = n
		}
		return nil, n
	}
	if st.checking != s.checking {
		st.checking, st.checked = s.checking, st.revision()
	}
	return st, &st.checked
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
// It takes the streams of a batch of more than one event from s.found.
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
		var st *stream
		if len(s.found) == len(events) {
			st = s.found[i]
		}
		if st == nil {
			st = s.streams.getOrAdd(e.Aggregate, &s.log.tables)
		}
		e.Metadata.Position = s.log.n + 1
		e.Metadata.Revision = st.revision() + 1
		name, count := s.name(st, e)
		pos := s.log.append(e, st.aggregate, name, &s.interner)
		st.positions = append(st.positions, pos)
		s.ids.insert(e.ID, pos)
		*count++
	}
}

// name returns the index of e's name in the log's tables and the count of
// its full name; st published e.
func (s *Store) name(st *stream, e *herald.Event) (uint32, *uint64) {
	if st.lastCount != nil && st.lastName == e.Name {
		return st.nameIndex, st.lastCount
	}
	key := nameKey{e.Aggregate.Context, e.Aggregate.Name, e.Name}
	n := s.counts[key]
	if n == nil {
		n = new(uint64)
		s.counts[key] = n
	}
	st.lastName, st.nameIndex, st.lastCount = e.Name, s.interner.string(&s.log.tables, e.Name), n
	return st.nameIndex, n
}

// copyStored copies the stored envelopes of a batch stored before into it.
func (s *Store) copyStored(events []herald.Event) error {
	stored := make([]herald.Event, len(events))
	for i := range events {
		pos, _ := s.ids.lookup(&s.log, events[i].ID)
		stored[i] = s.log.at(pos)
		if err := s.open(&stored[i]); err != nil {
			return err
		}
	}
	copy(events, stored)
	return nil
}

// resetScratch empties the maps that validated a batch, or drops them and
// the streams found when they grew large.
func (s *Store) resetScratch() {
	if len(s.batchIDs) > maxScratch || len(s.batchRevs) > maxScratch || cap(s.found) > maxScratch {
		s.batchIDs, s.batchRevs, s.found = nil, nil, nil
		return
	}
	clear(s.batchIDs)
	clear(s.batchRevs)
}
