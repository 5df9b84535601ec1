package storetest

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) outboxCases() []testCase {
	return []testCase{
		{"EmptyAtFirst", s.testOutboxEmpty},
		{"Undelivered", s.testOutboxUndelivered},
		{"PlainAppendsLeftOut", s.testOutboxPlainAppends},
		{"MarkDelivered", s.testOutboxMarkDelivered},
		{"MarkWhileYielding", s.testOutboxMarkWhileYielding},
		{"BadBatchLeavesNoTrace", s.testOutboxBadBatch},
	}
}

// outboxStore returns a new store and its driver.Outbox, or skips the
// test when the store is not one.
func (s suite) outboxStore(t *testing.T) (herald.Store, driver.Outbox) {
	t.Helper()
	st := s.newStore(t)
	ob, ok := st.(driver.Outbox)
	if !ok {
		t.Skipf("%T does not implement driver.Outbox", st)
	}
	return st, ob
}

// appendUndelivered appends events with AppendUndelivered, failing t on
// an error, and returns them as stored.
func appendUndelivered(t *testing.T, ob driver.Outbox, events ...herald.Event) []herald.Event {
	t.Helper()
	require.NoError(t, ob.AppendUndelivered(context.Background(), events))
	return events
}

func undelivered(t *testing.T, ob driver.Outbox) []herald.Event {
	t.Helper()
	return ReadAll(t, ob.Undelivered(context.Background()))
}

func (s suite) testOutboxEmpty(t *testing.T) {
	_, ob := s.outboxStore(t)
	assert.Empty(t, undelivered(t, ob))
}

func (s suite) testOutboxUndelivered(t *testing.T) {
	st, ob := s.outboxStore(t)
	ref := NewRef("ctx", "agg")
	first := appendUndelivered(t, ob, events(ref, "x", 3)...)
	second := appendUndelivered(t, ob, event(NewRef("ctx", "other"), "y", 0))
	want := append(append([]herald.Event(nil), first...), second...)
	assert.Equal(t, []uint64{1, 2, 3, 4}, Positions(want), "AppendUndelivered appends as Append does")
	AssertEventsEqual(t, want, readLog(t, st))
	AssertEventsEqual(t, want, undelivered(t, ob))
}

func (s suite) testOutboxPlainAppends(t *testing.T) {
	st, ob := s.outboxStore(t)
	Append(t, st, events(NewRef("ctx", "agg"), "x", 2)...)
	kept := appendUndelivered(t, ob, event(NewRef("ctx", "agg"), "y", 0))
	Append(t, st, event(NewRef("ctx", "agg"), "z", 0))
	AssertEventsEqual(t, kept, undelivered(t, ob))
}

func (s suite) testOutboxMarkDelivered(t *testing.T) {
	_, ob := s.outboxStore(t)
	batch := appendUndelivered(t, ob, events(NewRef("ctx", "agg"), "x", 5)...)
	require.NoError(t, ob.MarkDelivered(context.Background(), []herald.Event{batch[0], batch[3]}))
	AssertEventsEqual(t, []herald.Event{batch[1], batch[2], batch[4]}, undelivered(t, ob))
	require.NoError(t, ob.MarkDelivered(context.Background(), batch))
	assert.Empty(t, undelivered(t, ob))
	require.NoError(t, ob.MarkDelivered(context.Background(), batch[:1]), "marking twice is no error")
}

// The loop over Undelivered may deliver and mark what it gets, as
// Publisher.Redeliver does.
func (s suite) testOutboxMarkWhileYielding(t *testing.T) {
	_, ob := s.outboxStore(t)
	batch := appendUndelivered(t, ob, events(NewRef("ctx", "agg"), "x", 3)...)
	var seen []herald.Event
	noDeadlock(t, "marking events delivered inside an Undelivered loop", func() error {
		for e, err := range ob.Undelivered(context.Background()) {
			if err != nil {
				return err
			}
			seen = append(seen, e)
			if err := ob.MarkDelivered(context.Background(), []herald.Event{e}); err != nil {
				return err
			}
		}
		return nil
	})
	AssertEventsEqual(t, batch, seen)
	assert.Empty(t, undelivered(t, ob))
}

func (s suite) testOutboxBadBatch(t *testing.T) {
	st, ob := s.outboxStore(t)
	kept := appendUndelivered(t, ob, event(NewRef("ctx", "agg"), "x", 0))
	before := stateOf(t, st)
	bad := events(NewRef("ctx", "agg"), "y", 2)
	bad[1].Aggregate.Name = ""
	require.ErrorIs(t, ob.AppendUndelivered(context.Background(), bad), herald.ErrInvalid)
	assertUnchanged(t, st, before)
	AssertEventsEqual(t, kept, undelivered(t, ob))
}
