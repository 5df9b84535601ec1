package storetest

import (
	"context"
	"iter"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) readStreamCases() []testCase {
	return []testCase{
		{"Ranges", s.testStreamRanges},
		{"UnknownAggregate", s.testUnknownAggregate},
		{"RoundTrip", s.testRoundTrip},
		{"Break", s.testStreamBreak},
	}
}

func (s suite) readLogCases() []testCase {
	return []testCase{
		{"After", s.testLogAfter},
		{"Break", s.testLogBreak},
	}
}

// seedInterleaved appends n events of ref, each followed by an event of
// another aggregate, and returns the events of ref.
func seedInterleaved(t *testing.T, st herald.Store, ref herald.AggregateRef, n int) []herald.Event {
	t.Helper()
	other := NewRef(ref.Context, ref.Name)
	batch := make([]herald.Event, 0, 2*n)
	for i := range n {
		batch = append(batch, event(ref, "x", i), event(other, "x", i))
	}
	Append(t, st, batch...)
	mine := make([]herald.Event, n)
	for i := range mine {
		mine[i] = batch[2*i]
	}
	return mine
}

func (s suite) testStreamRanges(t *testing.T) {
	tests := []struct {
		name     string
		from, to uint64
		want     []int // indexes of the ten events
	}{
		{"whole stream", 0, 0, span(0, 10)},
		{"from 1 to the end", 1, 0, span(0, 10)},
		{"from 0 is from 1", 0, 3, span(0, 3)},
		{"middle", 3, 5, span(2, 5)},
		{"one revision", 5, 5, span(4, 5)},
		{"from 8 to the end", 8, 0, span(7, 10)},
		{"to beyond the end", 8, 20, span(7, 10)},
		{"last revision", 10, 10, span(9, 10)},
		{"from beyond the end", 11, 0, nil},
		{"from after to", 6, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			ref := NewRef("ctx", "agg")
			stored := seedInterleaved(t, st, ref, 10)
			want := make([]herald.Event, 0, len(tt.want))
			for _, i := range tt.want {
				want = append(want, stored[i])
			}
			AssertEventsEqual(t, want, ReadAll(t, st.ReadStream(context.Background(), ref, tt.from, tt.to)))
		})
	}
}

// span returns the integers from lo up to hi, not including hi.
func span(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func (s suite) testUnknownAggregate(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	Append(t, st, events(ref, "x", 3)...)
	ctx := context.Background()
	assert.Empty(t, ReadAll(t, st.ReadStream(ctx, NewRef("ctx", "agg"), 0, 0)), "unknown id")
	assert.Empty(t, ReadAll(t, st.ReadStream(ctx, herald.AggregateRef{Context: "other", Name: ref.Name, ID: ref.ID}, 0, 0)),
		"known id in another context")
	assert.Empty(t, ReadAll(t, st.ReadStream(ctx, herald.AggregateRef{Context: ref.Context, Name: "other", ID: ref.ID}, 0, 0)),
		"known id of another aggregate name")
}

// fullEvents returns events of ref that use every envelope field in
// different ways.
func fullEvents(ref herald.AggregateRef) []herald.Event {
	full := event(ref, "sent", 1)
	full.Type = herald.TypeReadModel
	full.User = &herald.User{ID: "jane.doe@example.com"}
	full.Metadata.CausationID = uuid.New()
	full.Metadata.CorrelationID = uuid.New()
	full.Metadata.Labels = map[string]string{"program": "support", "tier": "gold"}
	full.Metadata.Authorization = &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true}

	public := NewEvent(ref, "liked", map[string]any{"likes": 2.0, "by": []any{"a", "b"}, "nested": map[string]any{"ok": true}})
	public.Type = herald.TypeError
	public.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	public.Metadata.CausationID = full.ID
	public.Metadata.CorrelationID = full.Metadata.CorrelationID

	bare := NewEvent(ref, "deleted", nil)
	text := NewEvent(ref, "noted", "just a string")
	return []herald.Event{full, public, bare, text}
}

func (s suite) testRoundTrip(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("communication", "message")
	stored := Append(t, st, fullEvents(ref)...)
	AssertEventsEqual(t, stored, readStream(t, st, ref))
	AssertEventsEqual(t, stored, readLog(t, st))
}

func (s suite) testStreamBreak(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	stored := Append(t, st, events(ref, "x", 10)...)
	testBreak(t, st, stored, st.ReadStream(context.Background(), ref, 0, 0))
}

func (s suite) testLogBreak(t *testing.T) {
	st := s.newStore(t)
	stored := Append(t, st, events(NewRef("ctx", "agg"), "x", 10)...)
	testBreak(t, st, stored, st.ReadLog(context.Background(), 0))
}

// testBreak breaks out of a loop over seq, which yields stored, and checks
// that the store is free for appends and reads afterwards.
func testBreak(t *testing.T, st herald.Store, stored []herald.Event, seq iter.Seq2[herald.Event, error]) {
	t.Helper()
	var got []herald.Event
	for e, err := range seq {
		require.NoError(t, err)
		got = append(got, e)
		if len(got) == 3 {
			break
		}
	}
	AssertEventsEqual(t, stored[:3], got)
	noDeadlock(t, "appending after breaking out of a read", func() error {
		return st.Append(context.Background(), []herald.Event{event(stored[0].Aggregate, "y", 0)})
	})
	assert.Len(t, readLog(t, st), len(stored)+1)
}

func (s suite) testLogAfter(t *testing.T) {
	tests := []struct {
		name  string
		after func(stored []herald.Event) uint64
		want  []int
	}{
		{"from the start", func([]herald.Event) uint64 { return 0 }, span(0, 10)},
		{"after the third", func(e []herald.Event) uint64 { return e[2].Metadata.Position }, span(3, 10)},
		{"after the last but one", func(e []herald.Event) uint64 { return e[8].Metadata.Position }, span(9, 10)},
		{"after the head", func(e []herald.Event) uint64 { return e[9].Metadata.Position }, nil},
		{"beyond the head", func(e []herald.Event) uint64 { return e[9].Metadata.Position + 10 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			a, b := NewRef("ctx", "agg"), NewRef("ctx", "other")
			stored := Append(t, st, events(a, "x", 5)...)
			stored = append(stored, Append(t, st, events(b, "y", 5)...)...)
			want := make([]herald.Event, 0, len(tt.want))
			for _, i := range tt.want {
				want = append(want, stored[i])
			}
			got := ReadAll(t, st.ReadLog(context.Background(), tt.after(stored)))
			AssertEventsEqual(t, want, got)
		})
	}
}
