package memstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

func newStore(t testing.TB, opts ...memstore.Option) *memstore.Store {
	t.Helper()
	s, err := memstore.New(opts...)
	require.NoError(t, err)
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

// TestEnvelopeReadBackAsStored appends events whose envelopes differ in
// every field the store keeps in its tables, runs of equal users and
// authorizations among them, and reads back each field as it was.
func TestEnvelopeReadBackAsStored(t *testing.T) {
	s := newStore(t)
	refs := []herald.AggregateRef{storetest.NewRef("a", "x"), storetest.NewRef("b", "y")}
	jane, joe := &herald.User{ID: "jane"}, &herald.User{ID: "joe"}
	at := time.Date(2026, 11, 24, 5, 6, 7, 891011121, time.UTC)
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("east", 3600), time.FixedZone("west", -7200)}
	var batch []herald.Event
	for i := range 40 {
		e := storetest.NewEvent(refs[i%2], []string{"sent", "liked", "sent", "edited"}[i%4], i)
		e.Type = []string{herald.TypeDomain, herald.TypeError}[i/20]
		e.User = []*herald.User{nil, jane, {ID: "jane"}, joe}[i%4/2*2+i%2]
		e.Metadata.Timestamp = at.Add(time.Duration(i) * time.Hour).In(zones[i%len(zones)])
		e.Metadata.CausationID, e.Metadata.CorrelationID = uuid.New(), uuid.New()
		if i%3 == 0 {
			e.Metadata.Labels = map[string]string{"n": string(rune('a' + i))}
		}
		if e.User != nil {
			e.Metadata.Authorization = &herald.Authorization{Owner: e.User.ID, ForAuthenticated: i%5 == 0}
		}
		batch = append(batch, e)
	}
	for i := 12; i < 20; i++ { // each parse makes a location of its own
		ts, err := time.Parse(time.RFC3339Nano, fmt.Sprintf("2026-11-24T05:06:%02d.5+02:00", i))
		require.NoError(t, err)
		batch[i].Metadata.Timestamp = ts
	}
	batch[9].Metadata.Timestamp = time.Date(1500, 1, 1, 0, 0, 0, 1, time.UTC)
	batch[11].Metadata.Timestamp = time.Date(2500, 1, 1, 0, 0, 0, 1, time.UTC)
	for i := range batch {
		storetest.Append(t, s, batch[i])
	}
	got := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, got, len(batch))
	for i, e := range got {
		want := batch[i]
		assert.Equal(t, want.Aggregate, e.Aggregate, "event %d", i)
		assert.Equal(t, want.Name, e.Name, "event %d", i)
		assert.Equal(t, want.Type, e.Type, "event %d", i)
		assert.Equal(t, want.Data, e.Data, "event %d", i)
		assert.Equal(t, want.User, e.User, "event %d", i)
		assert.Equal(t, want.Metadata.Authorization, e.Metadata.Authorization, "event %d", i)
		assert.Equal(t, want.Metadata.Labels, e.Metadata.Labels, "event %d", i)
		assert.Equal(t, want.Metadata.CausationID, e.Metadata.CausationID, "event %d", i)
		assert.Equal(t, want.Metadata.CorrelationID, e.Metadata.CorrelationID, "event %d", i)
		assert.Equal(t, want.Metadata.Timestamp, e.Metadata.Timestamp, "event %d: the instant and the location", i)
		assert.Equal(t, want.Metadata.Timestamp.String(), e.Metadata.Timestamp.String(), "event %d", i)
		assert.Equal(t, uint64(i+1), e.Metadata.Position)
	}
}

// TestReadersSeeWholeEventsWhileTheLogGrows appends events of many users,
// zones and labels from several goroutines, over many chunks of the log
// and entries of its tables, while readers read the log and streams: each
// read sees positions from 1 without a gap and every event whole. Run
// with the race detector, it checks that readers need no lock once they
// have their view.
func TestReadersSeeWholeEventsWhileTheLogGrows(t *testing.T) {
	s := newStore(t)
	refs := []herald.AggregateRef{storetest.NewRef("a", "x"), storetest.NewRef("b", "y"), storetest.NewRef("c", "z")}
	zones := []*time.Location{time.UTC, time.FixedZone("east", 3600)}
	const writers, perWriter = 3, 1500
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var seen atomic.Int64
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var next uint64 = 1
				var seq = s.ReadLog(t.Context(), 0)
				if r == 1 {
					seq = s.ReadStream(t.Context(), refs[1], 0, 0)
				}
				for e, err := range seq {
					if !assert.NoError(t, err) {
						return
					}
					if r == 0 {
						assert.Equal(t, next, e.Metadata.Position)
					} else {
						assert.Equal(t, next, e.Metadata.Revision)
					}
					next++
					seen.Add(1)
					assert.Equal(t, fmt.Sprintf("u%d", e.Data.(int)%7), e.User.ID)
					assert.Equal(t, e.User.ID, e.Metadata.Authorization.Owner)
					assert.Equal(t, e.User.ID, e.Metadata.Labels["user"])
					assert.Equal(t, "sent", e.Name)
				}
			}
		}()
	}
	var writersDone sync.WaitGroup
	for w := range writers {
		writersDone.Add(1)
		go func() {
			defer writersDone.Done()
			for i := range perWriter {
				n := w*perWriter + i
				user := fmt.Sprintf("u%d", n%7)
				e := storetest.NewEvent(refs[n%len(refs)], "sent", n)
				e.User = &herald.User{ID: user}
				e.Metadata.Authorization = &herald.Authorization{Owner: user}
				e.Metadata.Labels = map[string]string{"user": user}
				e.Metadata.Timestamp = e.Metadata.Timestamp.In(zones[n%2])
				if !assert.NoError(t, s.Append(t.Context(), []herald.Event{e})) {
					return
				}
			}
		}()
	}
	writersDone.Wait()
	close(stop)
	readers.Wait()
	assert.Len(t, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)), writers*perWriter)
	assert.Positive(t, seen.Load(), "the readers read while the log grew")
}
