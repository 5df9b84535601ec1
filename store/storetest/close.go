package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) closeCases() []testCase {
	return []testCase{
		{"CallsAfterClose", s.testCallsAfterClose},
		{"CloseTwice", s.testCloseTwice},
	}
}

// closeStore closes st with Close() error or Close(ctx) error, or skips the
// test when st has neither.
func closeStore(t *testing.T, st herald.Store) error {
	t.Helper()
	switch c := st.(type) {
	case interface{ Close() error }:
		return c.Close()
	case interface{ Close(context.Context) error }:
		return c.Close(context.Background())
	}
	t.Skipf("%T has no Close() error or Close(context.Context) error method", st)
	return nil
}

func (s suite) testCallsAfterClose(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	Append(t, st, events(ref, "x", 3)...)
	ctx := context.Background()
	early := st.ReadLog(ctx, 0) // made before the close, iterated after it
	require.NoError(t, closeStore(t, st))

	assert.ErrorIs(t, st.Append(ctx, events(ref, "x", 1)), herald.ErrClosed, "Append")
	assertFirstError(t, early, herald.ErrClosed, "ReadLog made before the close")
	assertFirstError(t, st.ReadLog(ctx, 0), herald.ErrClosed, "ReadLog")
	assertFirstError(t, st.ReadStream(ctx, ref, 0, 0), herald.ErrClosed, "ReadStream")
	_, err := st.Query(ctx, herald.Query{})
	assert.ErrorIs(t, err, herald.ErrClosed, "Query")
	_, err = st.Stats(ctx)
	assert.ErrorIs(t, err, herald.ErrClosed, "Stats")
	if ss, ok := st.(driver.SnapshotStore); ok {
		err = ss.SaveSnapshot(ctx, herald.Snapshot{Aggregate: ref, Revision: 3})
		assert.ErrorIs(t, err, herald.ErrClosed, "SaveSnapshot")
		_, err = ss.LoadSnapshot(ctx, ref)
		assert.ErrorIs(t, err, herald.ErrClosed, "LoadSnapshot")
	}
}

func (s suite) testCloseTwice(t *testing.T) {
	st := s.newStore(t)
	require.NoError(t, closeStore(t, st))
	err := closeStore(t, st)
	assert.True(t, err == nil || errors.Is(err, herald.ErrClosed),
		"a second Close returns nil or an error matching herald.ErrClosed, not %v", err)
}
