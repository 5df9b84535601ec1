package storetest

import (
	"context"
	"iter"
	"testing"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sizes of the case that cancels a read under way: a store checks its
// context at least every cancelWithin events.
const (
	cancelLog    = 3000
	cancelAfter  = 10
	cancelWithin = 1024
)

func (s suite) cancelCases() []testCase {
	return []testCase{
		{"Append", s.testCancelAppend},
		{"Reads", s.testCancelReads},
		{"ReadLogUnderWay", s.testCancelLogUnderWay},
		{"ReadStreamUnderWay", s.testCancelStreamUnderWay},
	}
}

// cancelled returns a context that is cancelled already.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func (s suite) testCancelAppend(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	Append(t, st, event(ref, "x", 0))
	before := stateOf(t, st)
	err := st.Append(cancelled(t), events(ref, "x", 3))
	assert.ErrorIs(t, err, context.Canceled)
	assertUnchanged(t, st, before)
}

func (s suite) testCancelReads(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	Append(t, st, events(ref, "x", 3)...)
	ctx := cancelled(t)
	assertFirstError(t, st.ReadStream(ctx, ref, 0, 0), context.Canceled, "ReadStream")
	assertFirstError(t, st.ReadStream(ctx, NewRef("ctx", "agg"), 0, 0), context.Canceled, "ReadStream of an unknown aggregate")
	assertFirstError(t, st.ReadLog(ctx, 0), context.Canceled, "ReadLog")
	_, err := st.Query(ctx, herald.Query{})
	assert.ErrorIs(t, err, context.Canceled, "Query")
}

// assertFirstError checks that the first thing seq yields is an error
// matching target.
func assertFirstError(t *testing.T, seq iter.Seq2[herald.Event, error], target error, what string) {
	t.Helper()
	for e, err := range seq {
		assert.ErrorIs(t, err, target, "%s yielded event %d first", what, e.Metadata.Position)
		return
	}
	t.Errorf("%s yielded nothing, want an error matching %v", what, target)
}

func (s suite) testCancelLogUnderWay(t *testing.T) {
	st := s.newStore(t)
	seedLarge(t, st, NewRef("ctx", "agg"))
	testCancelUnderWay(t, func(ctx context.Context) iter.Seq2[herald.Event, error] {
		return st.ReadLog(ctx, 0)
	})
}

func (s suite) testCancelStreamUnderWay(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	seedLarge(t, st, ref)
	testCancelUnderWay(t, func(ctx context.Context) iter.Seq2[herald.Event, error] {
		return st.ReadStream(ctx, ref, 0, 0)
	})
}

// seedLarge appends cancelLog events of ref.
func seedLarge(t *testing.T, st herald.Store, ref herald.AggregateRef) {
	t.Helper()
	for range cancelLog / 500 {
		Append(t, st, events(ref, "x", 500)...)
	}
}

// testCancelUnderWay cancels a read of cancelLog events after cancelAfter
// and checks that it stops with context.Canceled within cancelWithin more.
func testCancelUnderWay(t *testing.T, read func(context.Context) iter.Seq2[herald.Event, error]) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n, afterCancel := 0, 0
	for _, err := range read(ctx) {
		if err != nil {
			assert.ErrorIs(t, err, context.Canceled)
			assert.LessOrEqual(t, afterCancel, cancelWithin, "events yielded after the cancel")
			return
		}
		n++
		if n == cancelAfter {
			cancel()
		}
		if n > cancelAfter {
			afterCancel++
		}
	}
	require.Failf(t, "read not stopped", "read %d of %d events without an error though its context was cancelled after %d",
		n, cancelLog, cancelAfter)
}
