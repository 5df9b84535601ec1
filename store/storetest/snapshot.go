package storetest

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) snapshotCases() []testCase {
	return []testCase{
		{"NotFound", s.testSnapshotNotFound},
		{"RoundTrip", s.testSnapshotRoundTrip},
		{"NewerReplaces", s.testSnapshotNewer},
		{"OlderIgnored", s.testSnapshotOlder},
		{"StateCopied", s.testSnapshotCopied},
	}
}

// snapshotStore returns a new store as a driver.SnapshotStore, or skips the
// test when the store is not one.
func (s suite) snapshotStore(t *testing.T) driver.SnapshotStore {
	t.Helper()
	return newStoreAs[driver.SnapshotStore](t, s)
}

// newStoreAs returns a new store as a T, an optional capability, or skips
// the test when the store does not have it.
func newStoreAs[T any](t *testing.T, s suite) T {
	t.Helper()
	st := s.newStore(t)
	c, ok := st.(T)
	if !ok {
		t.Skipf("%T does not implement %T", st, (*T)(nil))
	}
	return c
}

func save(t *testing.T, ss driver.SnapshotStore, ref herald.AggregateRef, rev uint64, state string) {
	t.Helper()
	require.NoError(t, ss.SaveSnapshot(context.Background(), herald.Snapshot{Aggregate: ref, Revision: rev, State: []byte(state)}))
}

// assertSnapshot checks that the snapshot of ref is at rev with state.
func assertSnapshot(t *testing.T, ss driver.SnapshotStore, ref herald.AggregateRef, rev uint64, state string) {
	t.Helper()
	got, err := ss.LoadSnapshot(context.Background(), ref)
	require.NoError(t, err, "load the snapshot of %s", ref)
	assert.Equal(t, herald.Snapshot{Aggregate: ref, Revision: rev, State: []byte(state)}, got)
}

func (s suite) testSnapshotNotFound(t *testing.T) {
	ss := s.snapshotStore(t)
	_, err := ss.LoadSnapshot(t.Context(), NewRef("ctx", "agg"))
	assert.ErrorIs(t, err, herald.ErrNotFound)
}

func (s suite) testSnapshotRoundTrip(t *testing.T) {
	ss := s.snapshotStore(t)
	a, b := NewRef("ctx", "agg"), NewRef("ctx", "agg")
	save(t, ss, a, 3, `{"likes":3}`)
	save(t, ss, b, 7, `{"likes":7}`)
	assertSnapshot(t, ss, a, 3, `{"likes":3}`)
	assertSnapshot(t, ss, b, 7, `{"likes":7}`)
	_, err := ss.LoadSnapshot(t.Context(), herald.AggregateRef{Context: "other", Name: a.Name, ID: a.ID})
	assert.ErrorIs(t, err, herald.ErrNotFound, "same id in another context")
}

func (s suite) testSnapshotNewer(t *testing.T) {
	ss := s.snapshotStore(t)
	ref := NewRef("ctx", "agg")
	save(t, ss, ref, 3, "three")
	save(t, ss, ref, 8, "eight")
	assertSnapshot(t, ss, ref, 8, "eight")
}

func (s suite) testSnapshotOlder(t *testing.T) {
	ss := s.snapshotStore(t)
	ref := NewRef("ctx", "agg")
	save(t, ss, ref, 8, "eight")
	save(t, ss, ref, 3, "three")
	assertSnapshot(t, ss, ref, 8, "eight")
}

func (s suite) testSnapshotCopied(t *testing.T) {
	ss := s.snapshotStore(t)
	ref := NewRef("ctx", "agg")
	state := []byte("state")
	require.NoError(t, ss.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: ref, Revision: 1, State: state}))
	copy(state, "STATE")
	got, err := ss.LoadSnapshot(t.Context(), ref)
	require.NoError(t, err)
	assert.Equal(t, "state", string(got.State), "the store keeps its own copy of the state saved")
	copy(got.State, "XXXXX")
	assertSnapshot(t, ss, ref, 1, "state")
}
