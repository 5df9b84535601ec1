package storetest

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) checkpointCases() []testCase {
	return []testCase{
		{"NoneYet", s.testCheckpointNoneYet},
		{"RoundTrip", s.testCheckpointRoundTrip},
		{"PerConsumer", s.testCheckpointPerConsumer},
		{"EmptyName", s.testCheckpointEmptyName},
		{"Cancelled", s.testCheckpointCancelled},
	}
}

// checkpointStore returns a new store as a driver.CheckpointStore, or skips
// the test when the store is not one.
func (s suite) checkpointStore(t *testing.T) driver.CheckpointStore {
	t.Helper()
	return newStoreAs[driver.CheckpointStore](t, s)
}

func (s suite) testCheckpointNoneYet(t *testing.T) {
	cs := s.checkpointStore(t)
	pos, err := cs.LoadCheckpoint(t.Context(), "projection")
	require.NoError(t, err)
	assert.Zero(t, pos)
}

func (s suite) testCheckpointRoundTrip(t *testing.T) {
	cs := s.checkpointStore(t)
	require.NoError(t, cs.SaveCheckpoint(t.Context(), "projection", 42))
	require.NoError(t, cs.SaveCheckpoint(t.Context(), "projection", 43))
	pos, err := cs.LoadCheckpoint(t.Context(), "projection")
	require.NoError(t, err)
	assert.Equal(t, uint64(43), pos)
}

func (s suite) testCheckpointPerConsumer(t *testing.T) {
	cs := s.checkpointStore(t)
	require.NoError(t, cs.SaveCheckpoint(t.Context(), "a", 1))
	require.NoError(t, cs.SaveCheckpoint(t.Context(), "b", 2))
	for name, want := range map[string]uint64{"a": 1, "b": 2, "c": 0} {
		pos, err := cs.LoadCheckpoint(t.Context(), name)
		require.NoError(t, err)
		assert.Equal(t, want, pos, name)
	}
}

func (s suite) testCheckpointEmptyName(t *testing.T) {
	cs := s.checkpointStore(t)
	assert.ErrorIs(t, cs.SaveCheckpoint(t.Context(), "", 1), herald.ErrInvalid)
}

func (s suite) testCheckpointCancelled(t *testing.T) {
	cs := s.checkpointStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, cs.SaveCheckpoint(ctx, "a", 1), context.Canceled)
	_, err := cs.LoadCheckpoint(ctx, "a")
	assert.ErrorIs(t, err, context.Canceled)
	pos, err := cs.LoadCheckpoint(t.Context(), "a")
	require.NoError(t, err)
	assert.Zero(t, pos, "a cancelled save changes nothing")
}
