package boltstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Tests of what boltstore promises beyond the conformance suite.

func TestEventTooLarge(t *testing.T) {
	s := openStore(t, boltstore.WithMaxEventSize(4<<10))
	ref := storetest.NewRef("ctx", "agg")
	storetest.Append(t, s, storetest.NewEvent(ref, "x", strings.Repeat("a", 3<<10)))
	before := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	batch := []herald.Event{storetest.NewEvent(ref, "x", "small"), storetest.NewEvent(ref, "x", strings.Repeat("a", 5<<10))}
	err := s.Append(t.Context(), batch)
	require.ErrorIs(t, err, herald.ErrInvalid)
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "data", invalid.Field)
	assert.Contains(t, err.Error(), "event 1")
	assert.Zero(t, batch[0].Metadata.Position, "a failed batch is left as it was")
	storetest.AssertEventsEqual(t, before, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
}

func TestNameTooLong(t *testing.T) {
	s := openStore(t)
	e := storetest.NewEvent(herald.AggregateRef{Context: strings.Repeat("c", boltstore.MaxNameLength+1), Name: "agg", ID: storetest.NewRef("", "").ID}, "x", nil)
	var invalid *herald.ValidationError
	require.ErrorAs(t, s.Append(t.Context(), []herald.Event{e}), &invalid)
	assert.Equal(t, "context.name", invalid.Field)
}

func TestDataIsJSONUntilAsked(t *testing.T) {
	type sent struct {
		Text string `json:"text"`
	}
	ref := storetest.NewRef("communication", "message")
	plain := openStore(t)
	storetest.Append(t, plain, storetest.NewEvent(ref, "sent", sent{"hey"}))
	got := storetest.ReadAll(t, plain.ReadStream(t.Context(), ref, 0, 0))
	require.Len(t, got, 1)
	assert.Equal(t, json.RawMessage(`{"text":"hey"}`), got[0].Data)
	data, err := herald.DataAs[sent](&got[0])
	require.NoError(t, err)
	assert.Equal(t, sent{"hey"}, data)

	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[sent](reg, "communication", "message", "sent")
	require.NoError(t, err)
	decoding := openStore(t, boltstore.WithRegistry(reg))
	storetest.Append(t, decoding, storetest.NewEvent(ref, "sent", sent{"hey"}), storetest.NewEvent(ref, "liked", map[string]int{"n": 1}))
	got = storetest.ReadAll(t, decoding.ReadLog(t.Context(), 0))
	require.Len(t, got, 2)
	assert.Equal(t, sent{"hey"}, got[0].Data, "a defined event's data in its Go type")
	assert.Equal(t, json.RawMessage(`{"n":1}`), got[1].Data, "an undefined event's data as JSON")
	page, err := decoding.Query(t.Context(), herald.Query{Names: []string{"communication.message.sent"}})
	require.NoError(t, err)
	require.Len(t, page.Events, 1)
	assert.Equal(t, sent{"hey"}, page.Events[0].Data)
}

// TestDataStoredAsJSONMarshalWritesIt appends data of many kinds, alone and
// in a batch large enough to be encoded in parallel, and reads each back
// as the bytes json.Marshal gives for it; data that does not encode fails
// the batch, naming the event.
func TestDataStoredAsJSONMarshalWritesIt(t *testing.T) {
	type note struct {
		Text string   `json:"text"`
		Tags []string `json:"tags,omitempty"`
	}
	var nilNote *note
	datas := []any{
		nil, note{Text: "<b>fish & chips</b>", Tags: []string{"a"}}, &note{Text: "x"}, nilNote,
		map[string]int{"b": 2, "a": 1}, "line\nbreak \u2028", 42, 1.5, true, []any{nil, "x"},
		json.RawMessage(`{"raw" : [1, 2]}`), json.RawMessage(nil),
	}
	s := openStore(t)
	ref := storetest.NewRef("ctx", "agg")
	var batch []herald.Event
	for i := range 600 {
		batch = append(batch, storetest.NewEvent(ref, "x", datas[i%len(datas)]))
	}
	storetest.Append(t, s, batch[0])
	storetest.Append(t, s, batch[1:]...)
	got := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, got, len(batch))
	for i, e := range got {
		want := batch[i].Data
		switch d := want.(type) {
		case nil:
		case json.RawMessage:
			if d != nil {
				want = d
			} else {
				want = nil
			}
		default:
			b, err := json.Marshal(d)
			require.NoError(t, err)
			want = json.RawMessage(b)
		}
		assert.Equal(t, want, e.Data, "event %d", i)
	}

	bad := append([]herald.Event(nil), batch[:400]...)
	for i := range bad {
		bad[i].ID = storetest.NewEvent(ref, "x", nil).ID
	}
	bad[333].Data = make(chan int)
	err := s.Append(t.Context(), bad)
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "event 333")
	assert.Len(t, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)), len(batch), "nothing of the failed batch is stored")
}

// panicky is data whose MarshalJSON panics.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("no JSON today") }

// TestDataWhoseMarshalingPanicsIsAnError appends data whose MarshalJSON
// panics, alone and in a batch encoded in parallel: Append returns an error
// naming the event and stores nothing, and the store goes on working.
func TestDataWhoseMarshalingPanicsIsAnError(t *testing.T) {
	s := openStore(t)
	ref := storetest.NewRef("ctx", "agg")
	for _, n := range []int{1, 700} {
		batch := make([]herald.Event, n)
		for i := range batch {
			batch[i] = storetest.NewEvent(ref, "x", i)
		}
		batch[n/2].Data = panicky{}
		err := s.Append(t.Context(), batch)
		require.ErrorIs(t, err, herald.ErrInvalid, "batch of %d", n)
		assert.Contains(t, err.Error(), fmt.Sprintf("event %d", n/2))
		assert.Contains(t, err.Error(), "no JSON today")
	}
	assert.Empty(t, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
	storetest.Append(t, s, storetest.NewEvent(ref, "x", "fine"))
	e := storetest.NewEvent(ref, "x", panicky{})
	_, err := boltstore.EncodeEvent(nil, &e)
	require.ErrorIs(t, err, herald.ErrInvalid)
}

func TestDataThatDoesNotDecodeIsAnError(t *testing.T) {
	type counted struct{ N int }
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[counted](reg, "ctx", "agg", "counted")
	require.NoError(t, err)
	s := openStore(t, boltstore.WithRegistry(reg))
	storetest.Append(t, s, storetest.NewEvent(storetest.NewRef("ctx", "agg"), "counted", map[string]string{"N": "not a number"}))
	_, err = count(s.ReadLog(t.Context(), 0))
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "position 1")
}

func TestAppendAfterCancelWhileQueued(t *testing.T) {
	s := openStore(t)
	ref := storetest.NewRef("ctx", "agg")
	// Many appends racing, half of them with contexts cancelled at once:
	// each either stores its event or returns the context's error, never
	// both, and the log has no gap.
	var wg sync.WaitGroup
	results := make([]error, 200)
	batches := make([][]herald.Event, len(results))
	for i := range results {
		batches[i] = []herald.Event{storetest.NewEvent(ref, "x", i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			if i%2 == 0 {
				go cancel()
			}
			results[i] = s.Append(ctx, batches[i])
			cancel()
		}()
	}
	wg.Wait()
	stored := make(map[string]bool)
	for _, e := range storetest.ReadAll(t, s.ReadLog(t.Context(), 0)) {
		stored[e.ID.String()] = true
	}
	for i, err := range results {
		id := batches[i][0].ID.String()
		if err != nil {
			assert.ErrorIs(t, err, context.Canceled)
			assert.False(t, stored[id], "append %d failed but stored its event", i)
		} else {
			assert.True(t, stored[id], "append %d succeeded but did not store its event", i)
		}
	}
	st, err := s.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(len(stored)), st.Head, "positions without a gap")
}

func TestCloseCommitsWhatIsQueued(t *testing.T) {
	s := openStore(t)
	path := s.DB().Path()
	ref := storetest.NewRef("ctx", "agg")
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Append(context.Background(), []herald.Event{storetest.NewEvent(ref, "x", i)})
		}()
	}
	require.NoError(t, s.Close())
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, herald.ErrClosed)
		}
	}
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	st, err := s.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(ok), st.Events, "every append that returned nil is stored, no other")
}

func TestCheckpointsInTheApplicationsTransaction(t *testing.T) {
	db, s := appDB(t)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(accounts).Put([]byte("total"), []byte("7")); err != nil {
			return err
		}
		return s.SaveCheckpointTx(tx, "totals", 7)
	}))
	pos, err := s.LoadCheckpoint(t.Context(), "totals")
	require.NoError(t, err)
	assert.Equal(t, uint64(7), pos)
	require.ErrorIs(t, db.Update(func(tx *bolt.Tx) error {
		if err := s.SaveCheckpointTx(tx, "totals", 9); err != nil {
			return err
		}
		return errBoom
	}), errBoom)
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		pos, err := s.LoadCheckpointTx(tx, "totals")
		assert.Equal(t, uint64(7), pos, "rolled back with the read model")
		return err
	}))
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		assert.ErrorIs(t, s.SaveCheckpointTx(tx, "", 1), herald.ErrInvalid)
		return nil
	}))
}

// TestStreamsAcrossTheIndexWatermark appends more events than the stream
// index keeps in its unindexed tail, in batches of many sizes over several
// aggregates, and reads every stream and range back, before and after a
// reopen.
func TestStreamsAcrossTheIndexWatermark(t *testing.T) {
	s := openStore(t)
	refs := make([]herald.AggregateRef, 7)
	for i := range refs {
		refs[i] = storetest.NewRef("ctx", "agg")
	}
	byRef := make(map[herald.AggregateRef][]herald.Event)
	n := 0
	for k := 0; n < 3500; k++ {
		batch := make([]herald.Event, 1+(k*7)%50)
		for j := range batch {
			ref := refs[(k+j/3)%len(refs)]
			batch[j] = storetest.NewEvent(ref, "x", n+j)
			if j == 0 {
				batch[j].Metadata.Revision = uint64(len(byRef[ref]) + 1)
			}
		}
		storetest.Append(t, s, batch...)
		for _, e := range batch {
			byRef[e.Aggregate] = append(byRef[e.Aggregate], e)
		}
		n += len(batch)
	}
	check := func(s *boltstore.Store) {
		t.Helper()
		for _, ref := range refs {
			want := byRef[ref]
			storetest.AssertEventsEqual(t, want, storetest.ReadAll(t, s.ReadStream(t.Context(), ref, 0, 0)))
			for _, r := range [][2]uint64{{1, 1}, {2, 300}, {250, 260}, {uint64(len(want)) - 5, 0}, {uint64(len(want)), uint64(len(want))}} {
				from, to := r[0], r[1]
				end := to
				if end == 0 {
					end = uint64(len(want))
				}
				storetest.AssertEventsEqual(t, want[from-1:end], storetest.ReadAll(t, s.ReadStream(t.Context(), ref, from, to)))
			}
		}
	}
	check(s)
	s = restart(t, s)
	check(s)
	for _, ref := range refs {
		e := storetest.NewEvent(ref, "y", nil)
		e.Metadata.Revision = uint64(len(byRef[ref]))
		assert.ErrorIs(t, s.Append(t.Context(), []herald.Event{e}), herald.ErrConflict, "revision taken, known after a reopen")
		e.Metadata.Revision++
		storetest.Append(t, s, e)
	}
}

// watchedCtx reports on queued when an append starts watching it, which
// it does once its batch is queued for the committer.
type watchedCtx struct {
	context.Context
	once   sync.Once
	queued *sync.WaitGroup
}

func (c *watchedCtx) Done() <-chan struct{} {
	c.once.Do(c.queued.Done)
	return c.Context.Done()
}

// lastTxID returns the id of the newest committed write transaction.
func lastTxID(t *testing.T, db *bolt.DB) int {
	t.Helper()
	var id int
	require.NoError(t, db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }))
	return id
}

func TestConcurrentAppendsShareACommit(t *testing.T) {
	s := openStore(t)
	db := s.DB()
	const callers = 50
	ref := storetest.NewRef("ctx", "agg")
	before := lastTxID(t, db)

	// Hold bbolt's writer lock, as a long commit would, until every
	// caller's batch is queued.
	var queued, done sync.WaitGroup
	queued.Add(callers)
	release := make(chan struct{})
	held := make(chan struct{})
	go func() {
		_ = db.Update(func(*bolt.Tx) error {
			close(held)
			<-release
			return errBoom // rolled back: takes no transaction id
		})
	}()
	<-held
	errs := make([]error, callers)
	for i := range callers {
		done.Add(1)
		go func() {
			defer done.Done()
			ctx := &watchedCtx{Context: context.Background(), queued: &queued}
			errs[i] = s.Append(ctx, []herald.Event{storetest.NewEvent(ref, "x", i)})
		}()
	}
	queued.Wait()
	close(release)
	done.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	commits := lastTxID(t, db) - before
	assert.LessOrEqual(t, commits, 2, "%d appends queued together took %d commits", callers, commits)
	st, err := s.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(callers), st.Events)
}

// TestIDsThatFoldAlike appends events whose ids are each other's halves
// swapped, which an index of ids folded to 64 bits cannot tell apart by
// the fold alone.
func TestIDsThatFoldAlike(t *testing.T) {
	s := openStore(t)
	ref := storetest.NewRef("ctx", "agg")
	a := storetest.NewEvent(ref, "x", 1)
	b := storetest.NewEvent(ref, "x", 2)
	copy(b.ID[:8], a.ID[8:])
	copy(b.ID[8:], a.ID[:8])
	require.NotEqual(t, a.ID, b.ID)
	first := storetest.Append(t, s, a)
	second := storetest.Append(t, s, b)
	assert.Equal(t, uint64(2), second[0].Metadata.Position, "a different id, though it folds alike")
	check := func(s *boltstore.Store) {
		t.Helper()
		for _, want := range []herald.Event{first[0], second[0]} {
			again := []herald.Event{want}
			again[0].Metadata.Position, again[0].Metadata.Revision = 0, 0
			require.NoError(t, s.Append(t.Context(), again))
			storetest.AssertEventsEqual(t, []herald.Event{want}, again)
		}
		st, err := s.Stats(t.Context())
		require.NoError(t, err)
		assert.Equal(t, uint64(2), st.Events)
	}
	check(s)
	check(restart(t, s))
}
