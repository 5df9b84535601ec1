package storetest

import (
	"math"
	"testing"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versions are the data versions the Version cases store: 0 (which means
// 1), small ones, and large ones.
var versions = []int{0, 1, 2, 3, 127, 128, 1 << 20, math.MaxInt32}

func (s suite) versionCases() []testCase {
	return []testCase{
		{"KeptWithTheEvent", s.testVersionKept},
		{"KeptInTheOutbox", s.testVersionOutbox},
		{"OutOfRangeIsRefused", s.testVersionOutOfRange},
	}
}

// versioned returns one event of ref per version in versions.
func versioned(ref herald.AggregateRef) []herald.Event {
	batch := make([]herald.Event, len(versions))
	for i, v := range versions {
		batch[i] = event(ref, "sent", i)
		batch[i].Metadata.Version = v
	}
	return batch
}

// assertVersions checks that got carries versions, in order, 0 being 1.
func assertVersions(t *testing.T, got []herald.Event, msg string) {
	t.Helper()
	require.Len(t, got, len(versions), msg)
	for i, v := range versions {
		assert.Equal(t, max(v, 1), max(got[i].Metadata.Version, 1), "%s: event %d", msg, i)
	}
}

func (s suite) testVersionKept(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("communication", "message")
	stored := Append(t, st, versioned(ref)...)
	assertVersions(t, stored, "as appended")
	assertVersions(t, readStream(t, st, ref), "read stream")
	assertVersions(t, readLog(t, st), "read log")
	page, err := st.Query(t.Context(), herald.Query{Names: []string{"communication.message.sent"}})
	require.NoError(t, err)
	assertVersions(t, page.Events, "query")
	AssertEventsEqual(t, stored, readLog(t, st))
}

func (s suite) testVersionOutbox(t *testing.T) {
	_, ob := s.outboxStore(t)
	assertVersions(t, appendUndelivered(t, ob, versioned(NewRef("communication", "message"))...), "as appended")
	assertVersions(t, undelivered(t, ob), "undelivered")
}

func (s suite) testVersionOutOfRange(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("communication", "message")
	before := stateOf(t, st)
	for _, v := range []int{-1, math.MaxInt32 + 1} {
		bad := []herald.Event{event(ref, "sent", 0), event(ref, "sent", 1)}
		bad[1].Metadata.Version = v
		err := st.Append(t.Context(), bad)
		require.ErrorIs(t, err, herald.ErrInvalid, "version %d", v)
		assert.Contains(t, err.Error(), "metadata.version")
		assertUnchanged(t, st, before)
	}
}
