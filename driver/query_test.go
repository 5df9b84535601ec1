package driver_test

import (
	"io"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

func TestPrepareSinceAfterUntilNamesBothTimes(t *testing.T) {
	since := time.Now() // carries a monotonic clock reading
	until := since.Add(-time.Hour)
	_, err := driver.Prepare(herald.Query{Since: since, Until: until})
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.NotContains(t, err.Error(), "m=", "the monotonic clock reading is no one's business")
	assert.Contains(t, err.Error(), since.Format(time.RFC3339Nano))
	assert.Contains(t, err.Error(), until.Format(time.RFC3339Nano))
}

func TestPrepareRefuses(t *testing.T) {
	newest, err := driver.Prepare(herald.Query{Newest: true, Top: 1})
	require.NoError(t, err)
	page, err := newest.Collect(seq(logOf(3)))
	require.NoError(t, err)
	require.NotEmpty(t, page.Cursor)
	for name, q := range map[string]herald.Query{
		"a bad name":                    {Names: []string{"a.b"}},
		"a Top over MaxTop":             {Top: herald.MaxTop + 1},
		"a negative Top":                {Top: -1},
		"a cursor of no query":          {Cursor: "nope"},
		"a cursor of the other order":   {Cursor: page.Cursor},
		"a cursor without a position":   {Cursor: "AQA"},
		"a cursor with bytes left over": {Cursor: page.Cursor + "AA"},
	} {
		_, err := driver.Prepare(q)
		assert.ErrorIs(t, err, herald.ErrInvalid, name)
	}
}

// logOf returns a log of n events, at positions 1 to n, one a minute, of
// names that alternate between sent and liked.
func logOf(n int) []herald.Event {
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]herald.Event, n)
	for i := range events {
		name := "sent"
		if i%2 == 1 {
			name = "liked"
		}
		events[i] = herald.Event{Aggregate: ref, Name: name, ID: uuid.New(), Metadata: herald.Metadata{
			Position: uint64(i + 1), Revision: uint64(i + 1), Timestamp: start.Add(time.Duration(i) * time.Minute),
		}}
	}
	return events
}

func seq(events []herald.Event) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// positions returns the positions of events.
func positions(events []herald.Event) []uint64 {
	var out []uint64
	for _, e := range events {
		out = append(out, e.Metadata.Position)
	}
	return out
}

// scan reads log as a store does for p: in p's order, after or before
// p.From.
func scan(log []herald.Event, p *driver.PreparedQuery) iter.Seq2[herald.Event, error] {
	if !p.Newest {
		return seq(log[min(int(p.From), len(log)):])
	}
	last := len(log)
	if p.From != 0 {
		last = int(p.From) - 1
	}
	newest := slices.Clone(log[:last])
	slices.Reverse(newest)
	return seq(newest)
}

func TestCollectPagesThroughTheLog(t *testing.T) {
	log := logOf(7)
	for _, newest := range []bool{false, true} {
		q := herald.Query{Names: []string{"*.*.sent"}, Top: 2, Newest: newest}
		var got []uint64
		for pages := 0; ; pages++ {
			require.Less(t, pages, 4)
			p, err := driver.Prepare(q)
			require.NoError(t, err)
			page, err := p.Collect(scan(log, p))
			require.NoError(t, err)
			got = append(got, positions(page.Events)...)
			if page.Cursor == "" {
				break
			}
			q.Cursor = page.Cursor
		}
		want := []uint64{1, 3, 5, 7}
		if newest {
			want = []uint64{7, 5, 3, 1}
		}
		assert.Equal(t, want, got, "newest first: %v", newest)
	}
}

func TestPreparedQueryMatch(t *testing.T) {
	e := logOf(1)[0]
	e.Metadata.CorrelationID = uuid.New()
	e.Metadata.Labels = map[string]string{"room": "a"}
	ts := e.Metadata.Timestamp
	for _, c := range []struct {
		name  string
		q     herald.Query
		match bool
	}{
		{"every event", herald.Query{}, true},
		{"its name", herald.Query{Names: []string{"communication.message.sent"}}, true},
		{"another name", herald.Query{Names: []string{"*.*.liked"}}, false},
		{"its correlation", herald.Query{CorrelationID: e.Metadata.CorrelationID}, true},
		{"another correlation", herald.Query{CorrelationID: uuid.New()}, false},
		{"its label", herald.Query{Labels: map[string]string{"room": "a"}}, true},
		{"another label value", herald.Query{Labels: map[string]string{"room": "b"}}, false},
		{"a label it lacks", herald.Query{Labels: map[string]string{"team": "a"}}, false},
		{"since and until its time", herald.Query{Since: ts, Until: ts}, true},
		{"since after it", herald.Query{Since: ts.Add(time.Nanosecond)}, false},
		{"until before it", herald.Query{Until: ts.Add(-time.Nanosecond)}, false},
	} {
		p, err := driver.Prepare(c.q)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.match, p.Match(&e), c.name)
	}
}

func TestCollectReturnsTheReadError(t *testing.T) {
	p, err := driver.Prepare(herald.Query{})
	require.NoError(t, err)
	_, err = p.Collect(func(yield func(herald.Event, error) bool) {
		if yield(logOf(1)[0], nil) {
			yield(herald.Event{}, io.ErrUnexpectedEOF)
		}
	})
	assert.Equal(t, io.ErrUnexpectedEOF, err)
}
