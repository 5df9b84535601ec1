package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of what memstore promises beyond the conformance suite.

type sent struct {
	Text string
	To   []string
}

func newStore(t *testing.T, opts ...memstore.Option) *memstore.Store {
	s := memstore.New(opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDataKeptAsGoValue(t *testing.T) {
	s := newStore(t)
	ref := storetest.NewRef("communication", "message")
	data := sent{Text: "hey", To: []string{"jane"}}
	storetest.Append(t, s, storetest.NewEvent(ref, "sent", data))
	got := storetest.ReadAll(t, s.ReadStream(t.Context(), ref, 0, 0))
	require.Len(t, got, 1)
	assert.Equal(t, data, got[0].Data)
}

func TestAppendWritesTimestampInPlace(t *testing.T) {
	s := newStore(t)
	e := storetest.NewEvent(storetest.NewRef("ctx", "agg"), "x", nil)
	e.Metadata.Timestamp = time.Time{}
	batch := storetest.Append(t, s, e)
	assert.False(t, batch[0].Metadata.Timestamp.IsZero())
	got := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	storetest.AssertEventsEqual(t, batch, got)
}

func TestFailedAppendLeavesBatch(t *testing.T) {
	s := newStore(t)
	ref := storetest.NewRef("ctx", "agg")
	storetest.Append(t, s, storetest.NewEvent(ref, "x", nil))
	batch := []herald.Event{storetest.NewEvent(ref, "y", nil), storetest.NewEvent(ref, "y", nil)}
	batch[1].Metadata.Revision = 2
	want := append([]herald.Event(nil), batch...)
	require.ErrorIs(t, s.Append(t.Context(), batch), herald.ErrConflict)
	assert.Equal(t, want, batch)
}

func TestLargeBatches(t *testing.T) {
	s := newStore(t, memstore.WithCapacity(10000))
	ref := storetest.NewRef("ctx", "agg")
	big := make([]herald.Event, 5000)
	for i := range big {
		big[i] = storetest.NewEvent(ref, "x", i)
	}
	storetest.Append(t, s, big...)
	assert.Equal(t, uint64(5000), big[4999].Metadata.Revision)

	twins := []herald.Event{storetest.NewEvent(ref, "x", nil), storetest.NewEvent(ref, "x", nil)}
	twins[1].ID = twins[0].ID
	assert.ErrorIs(t, s.Append(t.Context(), twins), herald.ErrInvalid, "ids checked after a large batch")
	pair := []herald.Event{storetest.NewEvent(ref, "x", nil), storetest.NewEvent(ref, "x", nil)}
	pair[1].Metadata.Revision = 5002
	storetest.Append(t, s, pair...)
	assert.Equal(t, uint64(5001), pair[0].Metadata.Revision)
}

func TestAppendAllocations(t *testing.T) {
	s := newStore(t, memstore.WithCapacity(4096))
	refs := []herald.AggregateRef{storetest.NewRef("ctx", "agg"), storetest.NewRef("ctx", "agg")}
	batch := make([]herald.Event, 1)
	var data any = sent{Text: "hey"}
	const runs = 2000
	ids := make([]uuid.UUID, runs+1) // uuid.New allocates; AllocsPerRun warms up with one more run
	for i := range ids {
		ids[i] = uuid.New()
	}
	n := 0
	allocs := testing.AllocsPerRun(runs, func() {
		batch[0] = herald.Event{Aggregate: refs[n%2], Name: "sent", ID: ids[n], Data: data}
		n++
		if err := s.Append(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "allocations per single-event append")
}

func TestInvalidSnapshot(t *testing.T) {
	s := newStore(t)
	for _, ref := range []herald.AggregateRef{
		{Name: "agg", ID: uuid.New()},
		{Context: "ctx", ID: uuid.New()},
		{Context: "ctx", Name: "agg"},
	} {
		err := s.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: ref, Revision: 1})
		assert.ErrorIs(t, err, herald.ErrInvalid, "snapshot of %+v", ref)
	}
}

func TestCloseStopsReadUnderWay(t *testing.T) {
	s := newStore(t)
	ref := storetest.NewRef("ctx", "agg")
	batch := make([]herald.Event, 1000)
	for i := range batch {
		batch[i] = storetest.NewEvent(ref, "x", i)
	}
	storetest.Append(t, s, batch...)
	n := 0
	for _, err := range s.ReadLog(t.Context(), 0) {
		if err != nil {
			assert.ErrorIs(t, err, herald.ErrClosed)
			assert.Less(t, n, 1000)
			return
		}
		if n++; n == 10 {
			require.NoError(t, s.Close())
		}
	}
	t.Fatal("read all events of a store closed under way")
}
