package storetest

import (
	"testing"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
)

func (s suite) statsCases() []testCase {
	return []testCase{
		{"Empty", s.testStatsEmpty},
		{"Counts", s.testStatsCounts},
	}
}

func (s suite) testStatsEmpty(t *testing.T) {
	st := stats(t, s.newStore(t))
	assert.Zero(t, st.Events, "events")
	assert.Zero(t, st.Head, "head")
	assert.Empty(t, st.Counts, "counts")
}

func (s suite) testStatsCounts(t *testing.T) {
	st := s.newStore(t)
	msg, other := NewRef("communication", "message"), NewRef("communication", "message")
	chat := NewRef("planning", "message")
	Append(t, st, event(msg, "sent", 0), event(msg, "liked", 0), event(other, "sent", 0))
	assert.Equal(t, herald.Stats{Events: 3, Head: 3, Counts: map[string]uint64{
		"communication.message.sent":  2,
		"communication.message.liked": 1,
	}}, stats(t, st))

	last := Append(t, st, event(chat, "sent", 0), event(msg, "liked", 1))
	want := herald.Stats{Events: 5, Head: last[1].Metadata.Position, Counts: map[string]uint64{
		"communication.message.sent":  2,
		"communication.message.liked": 2,
		"planning.message.sent":       1,
	}}
	assert.Equal(t, want, stats(t, st))

	bad := []herald.Event{event(chat, "sent", 1), atRevision(event(msg, "sent", 1), 1)}
	assert.ErrorIs(t, st.Append(t.Context(), bad), herald.ErrConflict)
	assert.Equal(t, want, stats(t, st), "after a failed append")

	assert.NoError(t, st.Append(t.Context(), unstored(last)))
	assert.Equal(t, want, stats(t, st), "after appending a stored batch again")
}
