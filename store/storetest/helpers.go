package storetest

import (
	"context"
	"encoding/json"
	"iter"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NewRef returns a reference to a new aggregate with a random id.
func NewRef(context, name string) herald.AggregateRef {
	return herald.AggregateRef{Context: context, Name: name, ID: uuid.New()}
}

// NewEvent returns a domain event of ref named name with a random id, the
// current time (in UTC, without a monotonic clock reading) and data. Its
// position and revision are 0, ready to append.
func NewEvent(ref herald.AggregateRef, name string, data any) herald.Event {
	return herald.Event{
		Aggregate: ref,
		Name:      name,
		ID:        uuid.New(),
		Type:      herald.TypeDomain,
		Data:      data,
		Metadata:  herald.Metadata{Timestamp: time.Now().UTC()},
	}
}

// Append appends events to s as one batch with a background context,
// fails the test on an error, and returns the batch with the positions and
// revisions the store assigned.
func Append(t testing.TB, s herald.Store, events ...herald.Event) []herald.Event {
	t.Helper()
	require.NoError(t, s.Append(context.Background(), events), "append %d events", len(events))
	return events
}

// ReadAll collects what seq yields, failing the test on an error.
func ReadAll(t testing.TB, seq iter.Seq2[herald.Event, error]) []herald.Event {
	t.Helper()
	var events []herald.Event
	for e, err := range seq {
		require.NoError(t, err, "read after %d events", len(events))
		events = append(events, e)
	}
	return events
}

// Positions returns the positions of events, in order.
func Positions(events []herald.Event) []uint64 {
	positions := make([]uint64, len(events))
	for i := range events {
		positions[i] = events[i].Metadata.Position
	}
	return positions
}

// AssertEventsEqual checks that got holds the events of want, in order,
// with every envelope field equal ([AssertEventEqual]).
func AssertEventsEqual(t testing.TB, want, got []herald.Event) bool {
	t.Helper()
	if !assert.Equal(t, Positions(want), Positions(got), "positions") {
		return false
	}
	ok := true
	for i := range want {
		ok = AssertEventEqual(t, want[i], got[i]) && ok
	}
	return ok
}

// AssertEventEqual checks that got has every envelope field of want: the
// timestamp as the same instant, nil and empty labels alike, and the data
// by its JSON encoding ([AssertDataEqual]).
func AssertEventEqual(t testing.TB, want, got herald.Event) bool {
	t.Helper()
	name := want.FullName() + " " + want.ID.String()
	ok := assert.Equal(t, want.Aggregate, got.Aggregate, "%s: aggregate", name)
	ok = assert.Equal(t, want.Name, got.Name, "%s: name", name) && ok
	ok = assert.Equal(t, want.ID, got.ID, "%s: id", name) && ok
	ok = assert.Equal(t, want.Type, got.Type, "%s: type", name) && ok
	ok = assert.Equal(t, want.User, got.User, "%s: user", name) && ok
	ok = assertMetadataEqual(t, name, want.Metadata, got.Metadata) && ok
	return AssertDataEqual(t, want.Data, got.Data, "%s: data", name) && ok
}

func assertMetadataEqual(t testing.TB, name string, want, got herald.Metadata) bool {
	t.Helper()
	ok := assert.Truef(t, want.Timestamp.Equal(got.Timestamp),
		"%s: timestamp: want %s, got %s", name, want.Timestamp, got.Timestamp)
	ok = assert.Equal(t, want.Position, got.Position, "%s: position", name) && ok
	ok = assert.Equal(t, want.Revision, got.Revision, "%s: revision", name) && ok
	ok = assert.Equal(t, want.CausationID, got.CausationID, "%s: causation id", name) && ok
	ok = assert.Equal(t, want.CorrelationID, got.CorrelationID, "%s: correlation id", name) && ok
	// Version 0 means 1.
	ok = assert.Equal(t, max(want.Version, 1), max(got.Version, 1), "%s: version", name) && ok
	if len(want.Labels) > 0 || len(got.Labels) > 0 {
		ok = assert.Equal(t, want.Labels, got.Labels, "%s: labels", name) && ok
	}
	return assert.Equal(t, want.Authorization, got.Authorization, "%s: authorization", name) && ok
}

// AssertDataEqual checks that want and got encode to the same JSON, so a
// Go value matches both itself and the json.RawMessage a store that
// encodes events returns for it.
func AssertDataEqual(t testing.TB, want, got any, msgAndArgs ...any) bool {
	t.Helper()
	w, err := json.Marshal(want)
	if !assert.NoError(t, err, "encode the data appended") {
		return false
	}
	g, err := json.Marshal(got)
	if !assert.NoError(t, err, "encode the data read") {
		return false
	}
	return assert.JSONEq(t, string(w), string(g), msgAndArgs...)
}
