package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// payload is the data of the suite's events: a struct, so a store that
// encodes data returns something other than the Go value.
type payload struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// event returns a new event of ref named name with a payload.
func event(ref herald.AggregateRef, name string, count int) herald.Event {
	return NewEvent(ref, name, payload{Text: name, Count: count})
}

// events returns n new events of ref named name.
func events(ref herald.AggregateRef, name string, n int) []herald.Event {
	batch := make([]herald.Event, n)
	for i := range batch {
		batch[i] = event(ref, name, i)
	}
	return batch
}

// atRevision returns e expecting to land at revision rev.
func atRevision(e herald.Event, rev uint64) herald.Event {
	e.Metadata.Revision = rev
	return e
}

// unstored returns copies of batch with position and revision cleared, as
// a publisher would send them again.
func unstored(batch []herald.Event) []herald.Event {
	again := make([]herald.Event, len(batch))
	for i, e := range batch {
		e.Metadata.Position, e.Metadata.Revision = 0, 0
		again[i] = e
	}
	return again
}

// revisions returns the revisions of events, in order.
func revisions(events []herald.Event) []uint64 {
	revs := make([]uint64, len(events))
	for i := range events {
		revs[i] = events[i].Metadata.Revision
	}
	return revs
}

// readStream reads the whole stream of ref.
func readStream(t *testing.T, s herald.Store, ref herald.AggregateRef) []herald.Event {
	t.Helper()
	return ReadAll(t, s.ReadStream(context.Background(), ref, 0, 0))
}

// readLog reads the whole log.
func readLog(t *testing.T, s herald.Store) []herald.Event {
	t.Helper()
	return ReadAll(t, s.ReadLog(context.Background(), 0))
}

// stats returns the store's stats, failing the test on an error.
func stats(t *testing.T, s herald.Store) herald.Stats {
	t.Helper()
	st, err := s.Stats(context.Background())
	require.NoError(t, err, "stats")
	return st
}

// state is what a failed call must leave unchanged.
type state struct {
	log   []herald.Event
	stats herald.Stats
}

func stateOf(t *testing.T, s herald.Store) state {
	t.Helper()
	return state{log: readLog(t, s), stats: stats(t, s)}
}

// assertUnchanged checks that the log and the stats are still before.
func assertUnchanged(t *testing.T, s herald.Store, before state) {
	t.Helper()
	after := stateOf(t, s)
	AssertEventsEqual(t, before.log, after.log)
	assert.Equal(t, before.stats, after.stats, "stats")
}

// assertConflict checks that err is a conflict on ref with the revisions
// expected and actual.
func assertConflict(t *testing.T, err error, ref herald.AggregateRef, expected, actual uint64) {
	t.Helper()
	require.Error(t, err, "want a conflict")
	assert.ErrorIs(t, err, herald.ErrConflict)
	var conflict *herald.ConflictError
	if assert.True(t, errors.As(err, &conflict), "errors.As(%v, *herald.ConflictError)", err) {
		assert.Equal(t, &herald.ConflictError{Aggregate: ref, Expected: expected, Actual: actual}, conflict)
	}
}

// assertNoDuplicates checks that no position appears twice in positions.
func assertNoDuplicates(t *testing.T, positions []uint64) {
	t.Helper()
	seen := make(map[uint64]bool, len(positions))
	for _, p := range positions {
		assert.False(t, seen[p], "position %d appears twice", p)
		seen[p] = true
	}
}

// assertIncreasing checks that positions strictly increase.
func assertIncreasing(t *testing.T, positions []uint64) {
	t.Helper()
	for i := 1; i < len(positions); i++ {
		if !assert.Greater(t, positions[i], positions[i-1], "position %d after position %d", positions[i], positions[i-1]) {
			return
		}
	}
}
