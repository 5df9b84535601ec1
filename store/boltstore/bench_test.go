package boltstore_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
)

// benchSent is the data of the benchmarks' events: with the envelope, an
// event takes about 500 bytes in the file (reported as B/event).
type benchSent struct {
	Text   string   `json:"text"`
	Author string   `json:"author"`
	To     []string `json:"to"`
	Count  int      `json:"count"`
}

var benchData = benchSent{
	Text:   strings.Repeat("hey, how are you? ", 13),
	Author: "jane.doe@example.com",
	To:     []string{"john.doe@example.com", "support@example.com"},
	Count:  42,
}

// The envelope's user, labels and authorization, shared by the events of
// the benchmarks as a publisher shares its caller's user.
var (
	benchUser   = &herald.User{ID: "jane.doe@example.com"}
	benchLabels = map[string]string{"program": "support"}
	benchAuth   = &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true}
)

// timeOrderedID returns an id as a publisher makes it: version 7, so that
// the ids of a store increase.
func timeOrderedID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// timeOrderedIDs returns a source of increasing version 7 ids that, like a
// publisher, takes one from the uuid package and counts up from it.
func timeOrderedIDs() func() uuid.UUID {
	var base uuid.UUID
	var n uint32
	return func() uuid.UUID {
		if n%1_000_000 == 0 {
			base = timeOrderedID()
		}
		n++
		id := base
		binary.BigEndian.PutUint32(id[12:], binary.BigEndian.Uint32(base[12:])+n%1_000_000)
		return id
	}
}

// benchEvent returns an event of the benchmarks with id, of aggregate ref.
func benchEvent(ref herald.AggregateRef, id uuid.UUID, now time.Time) herald.Event {
	return herald.Event{
		Aggregate: ref,
		Name:      "sent",
		ID:        id,
		Type:      herald.TypeDomain,
		Data:      benchData,
		User:      benchUser,
		Metadata: herald.Metadata{
			Timestamp:     now,
			CausationID:   id,
			CorrelationID: id,
			Labels:        benchLabels,
			Authorization: benchAuth,
		},
	}
}

func benchRefs(n int) []herald.AggregateRef {
	refs := make([]herald.AggregateRef, n)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	}
	return refs
}

func benchStore(b *testing.B, opts ...boltstore.Option) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// reportRate reports events/s for n events in the benchmark's time.
func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBoltAppendBatch1000 appends batches of 1,000 events, fsync on.
// Each batch holds 100 events of each of 10 aggregates, drawn in turn
// from 1,000. The events have time-ordered ids, as a publisher makes them.
func BenchmarkBoltAppendBatch1000(b *testing.B) {
	benchmarkBatches(b, 10, timeOrderedIDs())
}

// BenchmarkBoltAppendBatch1000RandomIDs is BenchmarkBoltAppendBatch1000
// with random (version 4) ids, as callers that bring their own ids may
// have: the id index takes each in a hash table.
func BenchmarkBoltAppendBatch1000RandomIDs(b *testing.B) {
	benchmarkBatches(b, 10, uuid.New)
}

// BenchmarkBoltAppendBatch1000Scattered is BenchmarkBoltAppendBatch1000
// with every event of a batch of another aggregate: the stream index
// takes 1,000 keys all over it per batch.
func BenchmarkBoltAppendBatch1000Scattered(b *testing.B) {
	benchmarkBatches(b, 1000, timeOrderedIDs())
}

func benchmarkBatches(b *testing.B, aggregates int, newID func() uuid.UUID) {
	const size = 1000
	ctx := context.Background()
	s := benchStore(b)
	refs := benchRefs(1000)
	now := time.Now()
	batch := make([]herald.Event, size)
	n, per := 0, size/aggregates
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		for j := range batch {
			ref := refs[(k*aggregates+j/per)%len(refs)]
			batch[j] = benchEvent(ref, newID(), now)
		}
		if err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
		n += size
	}
	reportRate(b, n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
	reportSize(b, batch[0])
}

// reportSize reports the size of e in the file.
func reportSize(b *testing.B, e herald.Event) {
	v, err := boltstore.EncodeEvent(nil, &e)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(v)), "B/event")
}

// BenchmarkBoltAppendSingle appends one event per call from one goroutine,
// fsync on: each event is a commit.
func BenchmarkBoltAppendSingle(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	refs := benchRefs(64)
	now := time.Now()
	batch := make([]herald.Event, 1)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		batch[0] = benchEvent(refs[n%len(refs)], timeOrderedID(), now)
		if err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportRate(b, n)
}

// BenchmarkBoltAppendConcurrent64 appends one event per call from 64
// goroutines, fsync on; group commit writes many of them per commit. It
// first times single appends from one goroutine on the same store and
// reports the ratio of the two rates as x-single.
func BenchmarkBoltAppendConcurrent64(b *testing.B) {
	const writers = 64
	ctx := context.Background()
	s := benchStore(b)
	refs := benchRefs(writers)
	now := time.Now()
	var next atomic.Int64
	next.Store(1 << 40) // ids apart from the calibration's

	single := singleRate(b, s, refs, now)

	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	total := int64(b.N)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]herald.Event, 1)
			for {
				i := next.Add(1) - 1<<40 - 1
				if i >= total {
					return
				}
				batch[0] = benchEvent(refs[w], timeOrderedID(), now)
				if err := s.Append(ctx, batch); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(rate/single, "x-single")
}

// singleRate times 1,000 single appends from one goroutine.
func singleRate(b *testing.B, s *boltstore.Store, refs []herald.AggregateRef, now time.Time) float64 {
	const n = 1000
	batch := make([]herald.Event, 1)
	start := time.Now()
	for i := range n {
		batch[0] = benchEvent(refs[i%len(refs)], timeOrderedID(), now)
		if err := s.Append(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	return n / time.Since(start).Seconds()
}

// replayEvents is the size of the logs the replay benchmarks read.
const replayEvents = 1_000_000

// replaySent is the data of the replay log's events, a chat message as
// wolkenkit's sample has it: with the envelope, about 200 bytes an event.
type replaySent struct {
	Text string `json:"text"`
}

// replayLog is a store file of replayEvents events, made once per test
// binary (with fsync off, to be quick) and removed by TestMain.
type replayLog struct {
	once sync.Once
	path string
	err  error
}

var (
	replayDir   string
	smallReplay replayLog // events of about 200 bytes
	largeReplay replayLog // the append benchmarks' events, about 500 bytes
)

// file returns the log's path, writing it first with the events event
// makes.
func (l *replayLog) file(b *testing.B, name string, event func(ref herald.AggregateRef, i int, now time.Time) herald.Event) string {
	l.once.Do(func() {
		if replayDir == "" {
			if replayDir, l.err = os.MkdirTemp("", "boltstore-replay-"); l.err != nil {
				return
			}
		}
		l.path = filepath.Join(replayDir, name)
		s, err := boltstore.Open(l.path, boltstore.WithNoSync())
		if err != nil {
			l.err = err
			return
		}
		defer s.Close()
		refs := benchRefs(1000)
		now := time.Now()
		batch := make([]herald.Event, 1000)
		for n := 0; n < replayEvents; n += len(batch) {
			for j := range batch {
				batch[j] = event(refs[(n/100+j/100)%len(refs)], n+j, now)
			}
			if l.err = s.Append(context.Background(), batch); l.err != nil {
				return
			}
		}
	})
	if l.err != nil {
		b.Fatal(l.err)
	}
	return l.path
}

// largeEvent is the replay logs' event of about 500 bytes.
func largeEvent(ref herald.AggregateRef, _ int, now time.Time) herald.Event {
	return benchEvent(ref, timeOrderedID(), now)
}

// smallEvent is the replay logs' event of about 200 bytes.
func smallEvent(ref herald.AggregateRef, _ int, now time.Time) herald.Event {
	e := benchEvent(ref, timeOrderedID(), now)
	e.Data = replaySent{Text: "hey, how are you?"}
	return e
}

func TestMain(m *testing.M) {
	code := m.Run()
	if replayDir != "" {
		os.RemoveAll(replayDir)
	}
	os.Exit(code)
}

// BenchmarkBoltReplay reads the whole log of replayEvents chat messages
// with envelope and data decoded: the store has a registry that knows the
// data's Go type.
func BenchmarkBoltReplay(b *testing.B) {
	reg, err := herald.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := herald.Define[replaySent](reg, "communication", "message", "sent"); err != nil {
		b.Fatal(err)
	}
	benchmarkReplay(b, smallReplay.file(b, "small.db", smallEvent), boltstore.WithRegistry(reg), func(e herald.Event) bool {
		_, ok := e.Data.(replaySent)
		return ok
	})
}

// BenchmarkBoltReplayEnvelope reads the whole log of replayEvents chat
// messages with the envelope decoded and the data left as JSON bytes.
func BenchmarkBoltReplayEnvelope(b *testing.B) {
	benchmarkReplay(b, smallReplay.file(b, "small.db", smallEvent), nil, isJSON)
}

// BenchmarkBoltReplayLarge is BenchmarkBoltReplay on a log of the append
// benchmarks' 500-byte events.
func BenchmarkBoltReplayLarge(b *testing.B) {
	reg, err := herald.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := herald.Define[benchSent](reg, "communication", "message", "sent"); err != nil {
		b.Fatal(err)
	}
	benchmarkReplay(b, largeReplay.file(b, "large.db", largeEvent), boltstore.WithRegistry(reg), func(e herald.Event) bool {
		_, ok := e.Data.(benchSent)
		return ok
	})
}

// BenchmarkBoltReplayEnvelopeLarge is BenchmarkBoltReplayEnvelope on a log
// of the append benchmarks' 500-byte events.
func BenchmarkBoltReplayEnvelopeLarge(b *testing.B) {
	benchmarkReplay(b, largeReplay.file(b, "large.db", largeEvent), nil, isJSON)
}

func isJSON(e herald.Event) bool {
	_, ok := e.Data.(jsonRaw)
	return ok
}

func benchmarkReplay(b *testing.B, path string, opt boltstore.Option, check func(herald.Event) bool) {
	s, err := boltstore.Open(path, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		read := 0
		for e, err := range s.ReadLog(ctx, 0) {
			if err != nil {
				b.Fatal(err)
			}
			if read == 0 && !check(e) {
				b.Fatalf("data is %T", e.Data)
			}
			read++
		}
		if read != replayEvents {
			b.Fatalf("read %d events, want %d", read, replayEvents)
		}
		n += read
	}
	reportRate(b, n)
}
