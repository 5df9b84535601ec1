package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) appendCases() []testCase {
	return []testCase{
		{"PositionsFromOne", s.testPositions},
		{"RevisionsPerAggregate", s.testRevisions},
		{"ExpectedRevision", s.testExpectedRevision},
		{"ExpectedRevisionsInOneBatch", s.testBatchRevisions},
		{"AtomicBatch", s.testAtomicBatch},
		{"AppendsAfterFailedBatch", s.testAppendsAfterFailedBatch},
		{"Idempotent", s.testIdempotent},
		{"IdempotentTimeOrderedIDs", s.testIdempotentTimeOrdered},
		{"PartlyStored", s.testPartlyStored},
		{"EmptyBatch", s.testEmptyBatch},
		{"TimestampKept", s.testTimestampKept},
		{"TimestampSetWhenZero", s.testTimestampSet},
	}
}

func (s suite) testPositions(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	first := Append(t, st, events(ref, "a", 3)...)
	assert.Equal(t, []uint64{1, 2, 3}, Positions(first), "positions written into the batch")
	second := Append(t, st, events(ref, "b", 2)...)
	assertIncreasing(t, append(Positions(first), Positions(second)...))
	AssertEventsEqual(t, append(first, second...), readLog(t, st))
}

func (s suite) testRevisions(t *testing.T) {
	st := s.newStore(t)
	a, b := NewRef("ctx", "agg"), NewRef("ctx", "agg")
	otherContext := herald.AggregateRef{Context: "ctx2", Name: "agg", ID: a.ID}
	otherName := herald.AggregateRef{Context: "ctx", Name: "agg2", ID: a.ID}
	batch := Append(t, st, event(a, "x", 0), event(a, "x", 1), event(b, "x", 0), event(a, "x", 2))
	assert.Equal(t, []uint64{1, 2, 1, 3}, revisions(batch), "revisions written into the batch")
	batch = Append(t, st, event(a, "x", 3), event(b, "x", 1), event(otherContext, "x", 0), event(otherName, "x", 0))
	assert.Equal(t, []uint64{4, 2, 1, 1}, revisions(batch),
		"an aggregate is its context, name and id together")
	assert.Equal(t, []uint64{1, 2, 3, 4}, revisions(readStream(t, st, a)))
	assert.Equal(t, []uint64{1, 2}, revisions(readStream(t, st, b)))
}

func (s suite) testExpectedRevision(t *testing.T) {
	seeded, fresh := NewRef("ctx", "agg"), NewRef("ctx", "agg")
	tests := []struct {
		name     string
		ref      herald.AggregateRef
		revision uint64
		ok       bool
		expected uint64 // of the conflict
		actual   uint64
	}{
		{"next revision", seeded, 3, true, 0, 0},
		{"current revision", seeded, 2, false, 1, 2},
		{"first revision", seeded, 1, false, 0, 2},
		{"beyond the next", seeded, 5, false, 4, 2},
		{"new aggregate at 1", fresh, 1, true, 0, 0},
		{"new aggregate at 2", fresh, 2, false, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			Append(t, st, events(seeded, "x", 2)...)
			before := stateOf(t, st)
			batch := []herald.Event{atRevision(event(tt.ref, "y", 0), tt.revision)}
			err := st.Append(t.Context(), batch)
			if !tt.ok {
				assertConflict(t, err, tt.ref, tt.expected, tt.actual)
				assertUnchanged(t, st, before)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.revision, batch[0].Metadata.Revision)
			stream := readStream(t, st, tt.ref)
			AssertEventEqual(t, batch[0], stream[len(stream)-1])
		})
	}
}

func (s suite) testBatchRevisions(t *testing.T) {
	st := s.newStore(t)
	a, b := NewRef("ctx", "agg"), NewRef("ctx", "agg")
	batch := Append(t, st,
		atRevision(event(a, "x", 0), 1), event(a, "x", 1), atRevision(event(b, "x", 0), 1), atRevision(event(a, "x", 2), 3))
	assert.Equal(t, []uint64{1, 2, 1, 3}, revisions(batch))

	before := stateOf(t, st)
	bad := []herald.Event{atRevision(event(a, "x", 3), 4), atRevision(event(b, "x", 1), 3)}
	assertConflict(t, st.Append(t.Context(), bad), b, 2, 1)
	assertUnchanged(t, st, before)

	bad = []herald.Event{event(a, "x", 3), atRevision(event(a, "x", 4), 4)}
	err := st.Append(t.Context(), bad)
	assert.ErrorIs(t, err, herald.ErrConflict, "a revision taken by an earlier event of the batch")
	var conflict *herald.ConflictError
	if assert.True(t, errors.As(err, &conflict), "errors.As(%v, *herald.ConflictError)", err) {
		assert.Equal(t, a, conflict.Aggregate)
		assert.Equal(t, uint64(3), conflict.Expected)
	}
	assertUnchanged(t, st, before)
}

// badBatch makes a batch that must fail, given an event of the aggregate
// the store holds, and checks the error.
type badBatch struct {
	name  string
	make  func(stored herald.Event) []herald.Event
	check func(t *testing.T, err error)
}

func (s suite) testAtomicBatch(t *testing.T) {
	for _, tt := range badBatches() {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			seed := Append(t, st, events(NewRef("ctx", "agg"), "x", 2)...)
			before := stateOf(t, st)
			tt.check(t, st.Append(t.Context(), tt.make(seed[1])))
			assertUnchanged(t, st, before)

			next := Append(t, st, event(seed[0].Aggregate, "x", 2))[0]
			assert.Equal(t, uint64(3), next.Metadata.Revision, "revision after a failed batch")
			assert.Greater(t, next.Metadata.Position, before.stats.Head, "position after a failed batch")
		})
	}
}

func badBatches() []badBatch {
	invalid := func(field string, spoil func(e *herald.Event)) badBatch {
		return spoiled("invalid "+field, field, spoil)
	}
	return append([]badBatch{
		invalid("context.name", func(e *herald.Event) { e.Aggregate.Context = "" }),
		invalid("aggregate.name", func(e *herald.Event) { e.Aggregate.Name = "" }),
		invalid("name", func(e *herald.Event) { e.Name = "" }),
		invalid("aggregate.id", func(e *herald.Event) { e.Aggregate.ID = uuid.Nil }),
		invalid("id", func(e *herald.Event) { e.ID = uuid.Nil }),
		spoiled("dotted context.name", "context.name", func(e *herald.Event) { e.Aggregate.Context = "a.b" }),
		spoiled("dotted aggregate.name", "aggregate.name", func(e *herald.Event) { e.Aggregate.Name = "b.c" }),
		spoiled("dotted name", "name", func(e *herald.Event) { e.Name = "c.d" }),
	}, append(unencodableBatches(), otherBadBatches()...)...)
}

// spoiled is a batch whose second event spoil makes invalid in field.
func spoiled(name, field string, spoil func(e *herald.Event)) badBatch {
	return badBatch{
		name: name,
		make: func(stored herald.Event) []herald.Event {
			bad := event(stored.Aggregate, "x", 9)
			spoil(&bad)
			return []herald.Event{event(stored.Aggregate, "x", 8), bad}
		},
		check: func(t *testing.T, err error) { assertInvalid(t, err, field) },
	}
}

// otherBadBatches are batches that conflict or repeat ids.
func otherBadBatches() []badBatch {
	return []badBatch{
		{
			name: "conflict",
			make: func(stored herald.Event) []herald.Event {
				other := NewRef("ctx", "agg")
				return []herald.Event{event(other, "x", 0), atRevision(event(stored.Aggregate, "x", 0), 2)}
			},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, herald.ErrConflict) },
		},
		{
			name: "id twice in the batch",
			make: func(stored herald.Event) []herald.Event {
				e := event(stored.Aggregate, "x", 0)
				twin := event(stored.Aggregate, "x", 1)
				twin.ID = e.ID
				return []herald.Event{e, twin}
			},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, herald.ErrInvalid) },
		},
		{
			name: "stored id",
			make: func(stored herald.Event) []herald.Event {
				return append(unstored([]herald.Event{stored}), event(stored.Aggregate, "x", 0))
			},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, herald.ErrDuplicate) },
		},
	}
}

// assertInvalid checks that err is a *herald.ValidationError for field.
func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	require.Error(t, err, "want an invalid %s", field)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	var invalid *herald.ValidationError
	if assert.True(t, errors.As(err, &invalid), "errors.As(%v, *herald.ValidationError)", err) {
		assert.Equal(t, field, invalid.Field)
	}
}

func (s suite) testIdempotent(t *testing.T) {
	st := s.newStore(t)
	a, b := NewRef("ctx", "agg"), NewRef("ctx", "agg")
	stored := Append(t, st, event(a, "x", 0), atRevision(event(a, "x", 1), 2), event(b, "x", 0))
	before := stateOf(t, st)

	again := unstored(stored)
	require.NoError(t, st.Append(t.Context(), again), "append the same batch again")
	AssertEventsEqual(t, stored, again)

	part := unstored(stored[2:])
	require.NoError(t, st.Append(t.Context(), part), "append part of a stored batch again")
	AssertEventsEqual(t, stored[2:], part)
	assertUnchanged(t, st, before)

	Append(t, st, event(a, "x", 2))
	before = stateOf(t, st)
	old := []herald.Event{atRevision(stored[1], 2)}
	old[0].Metadata.Position = 0
	require.NoError(t, st.Append(t.Context(), old), "append again after the aggregate moved on")
	AssertEventsEqual(t, stored[1:2], old)
	assertUnchanged(t, st, before)
}

// testIdempotentTimeOrdered appends events with time-ordered (version 7)
// ids, as publishers make them, in and out of their order and mixed with
// random ones, then appends each again: every one is found stored.
func (s suite) testIdempotentTimeOrdered(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	ids := make([]uuid.UUID, 64)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	order := []int{0, 1, 3, 2, 5, 4, 7, 6}
	for i := 8; i < len(ids); i++ {
		order = append(order, i)
	}
	order = append(order, len(ids)) // then a random id
	var stored []herald.Event
	for _, i := range order {
		e := event(ref, "x", 0)
		if i < len(ids) {
			e.ID = ids[i]
		}
		stored = append(stored, Append(t, st, e)...)
	}
	before := stateOf(t, st)
	for i := range stored {
		again := unstored(stored[i : i+1])
		require.NoError(t, st.Append(t.Context(), again), "append event %d again", i)
		AssertEventsEqual(t, stored[i:i+1], again)
	}
	assertUnchanged(t, st, before)
	fresh := event(ref, "x", 0)
	fresh.ID = uuid.Must(uuid.NewV7())
	Append(t, st, fresh)
}

// testAppendsAfterFailedBatch fails batches at their last event, then
// appends to other aggregates, alone and in batches: each event lands in
// its own stream at its own revision, as if the failed batches had never
// been tried.
func (s suite) testAppendsAfterFailedBatch(t *testing.T) {
	st := s.newStore(t)
	a, b, c, d := NewRef("ctx", "agg"), NewRef("ctx", "agg"), NewRef("ctx", "agg"), NewRef("ctx", "agg")
	Append(t, st, event(a, "x", 0), event(b, "x", 0))
	for _, bad := range [][]herald.Event{
		{event(a, "x", 1), event(b, "x", 1), event(c, "x", 0), atRevision(event(d, "x", 0), 2)},
		{event(a, "x", 1), atRevision(event(b, "x", 1), 5)},
	} {
		require.ErrorIs(t, st.Append(t.Context(), bad), herald.ErrConflict)
	}
	single := Append(t, st, event(c, "x", 0))
	pair := Append(t, st, event(d, "x", 0), event(b, "x", 1))
	assert.Equal(t, uint64(1), single[0].Metadata.Revision)
	assert.Equal(t, []uint64{1, 2}, []uint64{pair[0].Metadata.Revision, pair[1].Metadata.Revision})
	AssertEventsEqual(t, single, readStream(t, st, c))
	AssertEventsEqual(t, pair[:1], readStream(t, st, d))
	assert.Len(t, readStream(t, st, a), 1)
	assert.Len(t, readStream(t, st, b), 2)
}

func (s suite) testPartlyStored(t *testing.T) {
	st := s.newStore(t)
	ref, other := NewRef("ctx", "agg"), NewRef("ctx", "agg")
	stored := Append(t, st, events(ref, "x", 2)...)
	before := stateOf(t, st)
	batch := append(unstored(stored), event(other, "x", 0))
	err := st.Append(t.Context(), batch)
	assert.ErrorIs(t, err, herald.ErrDuplicate)
	assert.NotErrorIs(t, err, herald.ErrConflict)
	assertUnchanged(t, st, before)
	assert.Empty(t, readStream(t, st, other))
}

func (s suite) testEmptyBatch(t *testing.T) {
	st := s.newStore(t)
	require.NoError(t, st.Append(t.Context(), nil), "nil batch")
	require.NoError(t, st.Append(t.Context(), []herald.Event{}), "empty batch")
	assert.Equal(t, herald.Stats{Counts: map[string]uint64{}}, normalized(stats(t, st)))
	assert.Empty(t, readLog(t, st))
	e := Append(t, st, event(NewRef("ctx", "agg"), "x", 0))
	assert.Equal(t, uint64(1), e[0].Metadata.Position, "empty batches take no positions")
}

func (s suite) testTimestampKept(t *testing.T) {
	st := s.newStore(t)
	e := event(NewRef("ctx", "agg"), "x", 0)
	e.Metadata.Timestamp = time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.FixedZone("X", 3600))
	Append(t, st, e)
	got := readStream(t, st, e.Aggregate)
	require.Len(t, got, 1)
	assert.Truef(t, e.Metadata.Timestamp.Equal(got[0].Metadata.Timestamp),
		"timestamp %s read back as %s; stores keep nanoseconds", e.Metadata.Timestamp, got[0].Metadata.Timestamp)
}

func (s suite) testTimestampSet(t *testing.T) {
	st := s.newStore(t)
	e := event(NewRef("ctx", "agg"), "x", 0)
	e.Metadata.Timestamp = time.Time{}
	before := time.Now()
	Append(t, st, e)
	after := time.Now()
	got := readStream(t, st, e.Aggregate)
	require.Len(t, got, 1)
	ts := got[0].Metadata.Timestamp
	assert.False(t, ts.IsZero(), "a zero timestamp is set to the time of the append")
	assert.WithinRange(t, ts, before.Add(-time.Millisecond), after.Add(time.Millisecond))
}

// normalized returns st with nil counts made empty, for comparisons.
func normalized(st herald.Stats) herald.Stats {
	if st.Counts == nil {
		st.Counts = map[string]uint64{}
	}
	return st
}
