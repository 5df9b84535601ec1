package boltstore_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Tests of store files written by earlier versions of the library.

// goldenFiles are store files whose events are all in one envelope
// format, written by the library of that format: goldenBatches, a
// snapshot and a checkpoint. Version 1 has no checksum, version 2 no
// version of the data, version 3 has both.
var goldenFiles = []struct {
	format byte
	path   string
}{
	{1, "testdata/envelope-v1.db"},
	{2, "testdata/envelope-v2.db"},
	{3, "testdata/envelope-v3.db"},
}

// The golden file's aggregates.
var (
	goldenChat    = herald.AggregateRef{Context: "communication", Name: "message", ID: goldenID("chat")}
	goldenOther   = herald.AggregateRef{Context: "communication", Name: "message", ID: goldenID("other")}
	goldenUser    = herald.AggregateRef{Context: "identity", Name: "user", ID: goldenID("user")}
	goldenCounter = herald.AggregateRef{Context: "über", Name: "straße", ID: goldenID("counter")}
)

func goldenID(name string) uuid.UUID { return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)) }

// goldenBatches are the events of the golden file of format as they read
// back, in the batches they were appended in: the first with Append, the
// second with AppendUndelivered, the third with Append. From format 3 some
// carry a version of their data.
func goldenBatches(format byte) [][]herald.Event {
	sent := herald.Event{Aggregate: goldenChat, Name: "sent", ID: goldenID("sent"), Type: herald.TypeDomain,
		Data: json.RawMessage(`{"text":"hey","to":["jane"]}`), User: &herald.User{ID: "jane.doe@example.com"},
		Metadata: herald.Metadata{Timestamp: time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC),
			Labels:        map[string]string{"program": "support", "tier": "gold"},
			Authorization: &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true}}}
	sent.Metadata.CausationID, sent.Metadata.CorrelationID = sent.ID, sent.ID
	liked := herald.Event{Aggregate: goldenChat, Name: "liked", ID: goldenID("liked"), Type: herald.TypeDomain,
		Metadata: herald.Metadata{Timestamp: time.Date(2024, 2, 29, 13, 14, 16, 0, time.UTC),
			CausationID: sent.ID, CorrelationID: sent.ID}}
	big := herald.Event{Aggregate: goldenOther, Name: "sent", ID: goldenID("big"), Type: herald.TypeDomain,
		Data: json.RawMessage(`{"amount": 123456789012345678901234567890, "rate": 1e400}`),
		Metadata: herald.Metadata{Timestamp: time.Date(2025, 1, 1, 0, 0, 0, 1, time.UTC),
			CausationID: goldenID("command"), CorrelationID: goldenID("request")}}
	registered := herald.Event{Aggregate: goldenUser, Name: "registered", ID: goldenID("registered"), Type: herald.TypeError,
		Data: json.RawMessage(`"just a string"`),
		Metadata: herald.Metadata{Timestamp: time.Date(1066, 10, 14, 9, 0, 0, 1, time.UTC),
			CausationID: goldenID("registered"), CorrelationID: goldenID("request"),
			Authorization: &herald.Authorization{ForPublic: true}}}
	edited := herald.Event{Aggregate: goldenChat, Name: "edited", ID: goldenID("edited"), Type: herald.TypeDomain,
		Data: json.RawMessage(`42`), User: &herald.User{},
		Metadata: herald.Metadata{Timestamp: time.Date(3000, 1, 1, 0, 0, 0, 999999999, time.UTC),
			CausationID: goldenID("edited"), CorrelationID: goldenID("edited"),
			Labels: map[string]string{"": "", "k": strings.Repeat("v", 200)}}}
	unliked := herald.Event{Aggregate: goldenOther, Name: "unliked", ID: goldenID("unliked"), Type: herald.TypeDomain,
		Data: json.RawMessage(`null`),
		Metadata: herald.Metadata{Timestamp: time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC),
			CausationID: goldenID("unliked"), CorrelationID: goldenID("unliked")}}
	if format >= 3 {
		sent.Metadata.Version, edited.Metadata.Version, unliked.Metadata.Version = 2, 300, 1
	}
	batches := [][]herald.Event{{sent, liked, big}, {registered, edited, unliked}, nil}
	for i := range 20 {
		id := goldenID("tick " + string(rune('a'+i)))
		batches[2] = append(batches[2], herald.Event{Aggregate: goldenCounter, Name: "ticked", ID: id, Type: herald.TypeDomain,
			Data:     json.RawMessage(`{"n":` + strings.Repeat("9", i+1) + `}`),
			Metadata: herald.Metadata{Timestamp: time.Date(2025, 6, 1, 12, 0, i, 0, time.UTC), CausationID: id, CorrelationID: id}})
	}
	revisions := map[herald.AggregateRef]uint64{}
	pos := uint64(0)
	for _, batch := range batches {
		for i := range batch {
			pos++
			revisions[batch[i].Aggregate]++
			batch[i].Metadata.Position, batch[i].Metadata.Revision = pos, revisions[batch[i].Aggregate]
		}
	}
	return batches
}

// goldenLog returns the events of the golden file of format in position
// order.
func goldenLog(format byte) []herald.Event {
	var log []herald.Event
	for _, batch := range goldenBatches(format) {
		log = append(log, batch...)
	}
	return log
}

// openGolden opens a copy of the golden file at golden.
func openGolden(t *testing.T, golden string) (*boltstore.Store, string) {
	t.Helper()
	b, err := os.ReadFile(golden)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "events.db")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	return s, path
}

func TestGoldenFileReads(t *testing.T) {
	for _, g := range goldenFiles {
		t.Run(g.path, func(t *testing.T) { testGoldenFileReads(t, g.format, g.path) })
	}
}

func testGoldenFileReads(t *testing.T, format byte, path string) {
	s, _ := openGolden(t, path)
	defer s.Close()
	log := goldenLog(format)
	assertStoredEvents(t, log, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
	for _, ref := range []herald.AggregateRef{goldenChat, goldenOther, goldenUser, goldenCounter} {
		assertStoredEvents(t, eventsOf(log, ref), storetest.ReadAll(t, s.ReadStream(t.Context(), ref, 0, 0)))
	}
	page, err := s.Query(t.Context(), herald.Query{Names: []string{"communication.message.sent"}})
	require.NoError(t, err)
	assertStoredEvents(t, []herald.Event{log[0], log[2]}, page.Events)
	assertStoredEvents(t, goldenBatches(format)[1], storetest.ReadAll(t, s.Undelivered(t.Context())))

	snap, err := s.LoadSnapshot(t.Context(), goldenChat)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), snap.Revision)
	assert.Equal(t, "two", string(snap.State))
	pos, err := s.LoadCheckpoint(t.Context(), "projection")
	require.NoError(t, err)
	assert.Equal(t, uint64(3), pos)
}

func TestGoldenFileAppends(t *testing.T) {
	for _, g := range goldenFiles {
		t.Run(g.path, func(t *testing.T) { testGoldenFileAppends(t, g.format, g.path) })
	}
}

func testGoldenFileAppends(t *testing.T, format byte, golden string) {
	s, path := openGolden(t, golden)
	again := goldenBatches(format)[0]
	for i := range again {
		again[i].Metadata.Position, again[i].Metadata.Revision = 0, 0
	}
	require.NoError(t, s.Append(t.Context(), again), "a batch stored before is acknowledged")
	assertStoredEvents(t, goldenBatches(format)[0], again)

	added := herald.Event{Aggregate: goldenChat, Name: "liked", ID: goldenID("added"), Type: herald.TypeDomain,
		Data:     json.RawMessage(`{"by":"john"}`),
		Metadata: herald.Metadata{Timestamp: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Version: 4}}
	added.Metadata.CausationID, added.Metadata.CorrelationID = added.ID, added.ID
	added = storetest.Append(t, s, added)[0]
	assert.Equal(t, uint64(27), added.Metadata.Position)
	assert.Equal(t, uint64(4), added.Metadata.Revision)
	require.NoError(t, s.Close())

	s, err := boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	log := append(goldenLog(format), added)
	assertStoredEvents(t, log, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
	assertStoredEvents(t, eventsOf(log, goldenChat), storetest.ReadAll(t, s.ReadStream(t.Context(), goldenChat, 0, 0)))
}

// TestGoldenFilesKeepTheirFormat keeps the golden files what they are
// for: every event in each of its envelope format version.
func TestGoldenFilesKeepTheirFormat(t *testing.T) {
	for _, g := range goldenFiles {
		db, err := bolt.Open(g.path, 0o600, &bolt.Options{ReadOnly: true})
		require.NoError(t, err)
		n := 0
		require.NoError(t, db.View(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("herald")).Bucket([]byte("events")).ForEach(func(k, v []byte) error {
				n++
				assert.Equal(t, g.format, v[0], "%s: event at key %x", g.path, k)
				return nil
			})
		}))
		require.NoError(t, db.Close())
		assert.Equal(t, len(goldenLog(g.format)), n, g.path)
	}
}

// eventsOf returns the events of ref in events.
func eventsOf(events []herald.Event, ref herald.AggregateRef) []herald.Event {
	var of []herald.Event
	for _, e := range events {
		if e.Aggregate == ref {
			of = append(of, e)
		}
	}
	return of
}
