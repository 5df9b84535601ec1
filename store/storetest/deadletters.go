package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) deadLetterCases() []testCase {
	return []testCase{
		{"NoneYet", s.testDeadLettersNoneYet},
		{"RoundTrip", s.testDeadLettersRoundTrip},
		{"PositionOrderPerConsumer", s.testDeadLettersOrder},
		{"SaveReplaces", s.testDeadLettersReplace},
		{"Delete", s.testDeadLettersDelete},
		{"Invalid", s.testDeadLettersInvalid},
		{"Cancelled", s.testDeadLettersCancelled},
	}
}

// deadLetterStore returns a new store as a driver.DeadLetterStore, or
// skips the test when the store is not one.
func (s suite) deadLetterStore(t *testing.T) driver.DeadLetterStore {
	t.Helper()
	return newStoreAs[driver.DeadLetterStore](t, s)
}

// letter returns a dead letter of consumer for a new event at position.
func letter(consumer string, position uint64) herald.DeadLetter {
	e := event(herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}, "placed", int(position))
	e.Metadata.Position = position
	e.Metadata.Revision = 1
	e.Metadata.Timestamp = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	return herald.DeadLetter{Subscription: consumer, Event: e, Attempts: 3, Err: errors.New("handler: 451"),
		At: time.Date(2026, 1, 2, 3, 4, 6, 7, time.UTC)}
}

// letters reads the dead letters of consumer.
func letters(t *testing.T, ds driver.DeadLetterStore, consumer string) []herald.DeadLetter {
	t.Helper()
	var all []herald.DeadLetter
	for d, err := range ds.DeadLetters(t.Context(), consumer) {
		require.NoError(t, err)
		all = append(all, d)
	}
	return all
}

func positionsOf(all []herald.DeadLetter) []uint64 {
	out := make([]uint64, len(all))
	for i := range all {
		out[i] = all[i].Event.Metadata.Position
	}
	return out
}

func (s suite) testDeadLettersNoneYet(t *testing.T) {
	assert.Empty(t, letters(t, s.deadLetterStore(t), "mailer"))
}

func (s suite) testDeadLettersRoundTrip(t *testing.T) {
	ds := s.deadLetterStore(t)
	want := letter("mailer", 9)
	want.Parked = true
	require.NoError(t, ds.SaveDeadLetter(t.Context(), want))
	got := letters(t, ds, "mailer")
	require.Len(t, got, 1)
	d := got[0]
	assert.Equal(t, "mailer", d.Subscription)
	assert.Equal(t, want.Event.ID, d.Event.ID)
	assert.Equal(t, want.Event.Aggregate, d.Event.Aggregate)
	assert.Equal(t, want.Event.FullName(), d.Event.FullName())
	assert.Equal(t, uint64(9), d.Event.Metadata.Position)
	assert.Equal(t, uint64(1), d.Event.Metadata.Revision)
	assert.True(t, want.Event.Metadata.Timestamp.Equal(d.Event.Metadata.Timestamp))
	AssertDataEqual(t, want.Event.Data, d.Event.Data)
	assert.Equal(t, 3, d.Attempts)
	require.Error(t, d.Err)
	assert.Equal(t, "handler: 451", d.Err.Error())
	assert.True(t, d.Parked)
	assert.True(t, want.At.Equal(d.At), "given up at %v, read back %v", want.At, d.At)
}

func (s suite) testDeadLettersOrder(t *testing.T) {
	ds := s.deadLetterStore(t)
	for _, l := range []herald.DeadLetter{letter("a", 5), letter("b", 3), letter("a", 2), letter("a", 40)} {
		require.NoError(t, ds.SaveDeadLetter(t.Context(), l))
	}
	assert.Equal(t, []uint64{2, 5, 40}, positionsOf(letters(t, ds, "a")))
	assert.Equal(t, []uint64{3}, positionsOf(letters(t, ds, "b")))
	assert.Empty(t, letters(t, ds, "c"))
}

func (s suite) testDeadLettersReplace(t *testing.T) {
	ds := s.deadLetterStore(t)
	l := letter("a", 5)
	require.NoError(t, ds.SaveDeadLetter(t.Context(), l))
	l.Attempts, l.Err, l.Parked = 4, errors.New("handler: 550"), false
	require.NoError(t, ds.SaveDeadLetter(t.Context(), l))
	got := letters(t, ds, "a")
	require.Len(t, got, 1, "one letter per consumer and event")
	assert.Equal(t, 4, got[0].Attempts)
	assert.Equal(t, "handler: 550", got[0].Err.Error())
}

func (s suite) testDeadLettersDelete(t *testing.T) {
	ds := s.deadLetterStore(t)
	a, b := letter("a", 1), letter("a", 2)
	require.NoError(t, ds.SaveDeadLetter(t.Context(), a))
	require.NoError(t, ds.SaveDeadLetter(t.Context(), b))
	require.NoError(t, ds.DeleteDeadLetter(t.Context(), "a", a.Event.ID))
	assert.Equal(t, []uint64{2}, positionsOf(letters(t, ds, "a")))
	assert.ErrorIs(t, ds.DeleteDeadLetter(t.Context(), "a", a.Event.ID), herald.ErrNotFound)
	assert.ErrorIs(t, ds.DeleteDeadLetter(t.Context(), "other", b.Event.ID), herald.ErrNotFound,
		"a letter is deleted by its own consumer only")
	assert.Equal(t, []uint64{2}, positionsOf(letters(t, ds, "a")))
}

func (s suite) testDeadLettersInvalid(t *testing.T) {
	ds := s.deadLetterStore(t)
	noName := letter("", 1)
	assert.ErrorIs(t, ds.SaveDeadLetter(t.Context(), noName), herald.ErrInvalid)
	noID := letter("a", 1)
	noID.Event.ID = uuid.Nil
	assert.ErrorIs(t, ds.SaveDeadLetter(t.Context(), noID), herald.ErrInvalid)
	assert.ErrorIs(t, ds.DeleteDeadLetter(t.Context(), "", uuid.New()), herald.ErrInvalid)
	assert.Empty(t, letters(t, ds, "a"), "nothing kept")
}

func (s suite) testDeadLettersCancelled(t *testing.T) {
	ds := s.deadLetterStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, ds.SaveDeadLetter(ctx, letter("a", 1)), context.Canceled)
	for _, err := range ds.DeadLetters(ctx, "a") {
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.Empty(t, letters(t, ds, "a"), "a cancelled save keeps nothing")
}
