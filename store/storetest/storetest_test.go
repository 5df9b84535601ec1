package storetest_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The suite is checked against broken stores: each mutant wraps a memstore
// and breaks one promise, and the suite must fail it in the case named.

const mutantEnv = "STORETEST_MUTANT"

type mutant struct {
	wrap    func(s *memstore.Store) herald.Store
	catches string // the case that must fail
}

var mutants = map[string]mutant{
	"positions not written back":    {wrapAppend(appendOnCopy), "Append/PositionsFromOne"},
	"expected revisions ignored":    {wrapAppend(appendIgnoringRevisions), "Append/ExpectedRevision"},
	"conflict without detail":       {wrapAppend(appendHidingConflicts), "Append/ExpectedRevision"},
	"batch not atomic":              {wrapAppend(appendOneByOne), "Append/AtomicBatch"},
	"stored batch rejected":         {func(s *memstore.Store) herald.Store { return &rejectsAgain{Store: s} }, "Append/Idempotent"},
	"revision checked then stored":  {wrapAppend(appendCheckThenAct), "Concurrency/OneWriterWins"},
	"append ignores context":        {wrapAppend(appendIgnoringContext), "Cancel/Append"},
	"lock held while yielding":      {func(s *memstore.Store) herald.Store { return &locking{Store: s} }, "Concurrency/ReadLogWhileAppending"},
	"stream ignores to":             {func(s *memstore.Store) herald.Store { return streamIgnoringTo{s} }, "ReadStream/Ranges"},
	"labels lost":                   {func(s *memstore.Store) herald.Store { return losingLabels{s} }, "ReadStream/RoundTrip"},
	"timestamps in milliseconds":    {func(s *memstore.Store) herald.Store { return roundingTime{s} }, "Append/TimestampKept"},
	"log includes after":            {func(s *memstore.Store) herald.Store { return logFromAfter{s} }, "ReadLog/After"},
	"reads ignore context":          {func(s *memstore.Store) herald.Store { return readsIgnoringContext{s} }, "Cancel/Reads"},
	"context checked at start only": {func(s *memstore.Store) herald.Store { return checkingOnce{s} }, "Cancel/ReadLogUnderWay"},
	"query ignores cursor":          {wrapQuery(func(q *herald.Query) { q.Cursor = "" }), "Query/Paging"},
	"query ignores order":           {wrapQuery(func(q *herald.Query) { q.Newest = false }), "Query/Order"},
	"query ignores labels":          {wrapQuery(func(q *herald.Query) { q.Labels = nil }), "Query/Labels"},
	"query ignores time":            {wrapQuery(func(q *herald.Query) { q.Since, q.Until = time.Time{}, time.Time{} }), "Query/TimeRange"},
	"stats without counts":          {func(s *memstore.Store) herald.Store { return statsWithoutCounts{s} }, "Stats/Counts"},
	"older snapshot wins":           {func(s *memstore.Store) herald.Store { return &lastSnapshotWins{Store: s} }, "Snapshots/OlderIgnored"},
	"close does nothing":            {func(s *memstore.Store) herald.Store { return closeNoop{s} }, "Close/CallsAfterClose"},
}

// TestMutant runs the suite against the mutant named in the environment;
// TestSuiteCatchesMutants runs the case that must catch it in a child
// process.
func TestMutant(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	m := mutants[name]
	storetest.Run(t, func(t *testing.T) herald.Store {
		s, err := memstore.New()
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return m.wrap(s)
	})
}

func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() || os.Getenv(mutantEnv) != "" {
		t.Skip("runs the whole suite once per mutant")
	}
	for name, m := range mutants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := "^TestMutant$/^" + strings.ReplaceAll(m.catches, "/", "$/^") + "$"
			cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1", "-test.timeout=90s") // a hang is reported after a minute
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			assert.Error(t, err, "the suite passed a store whose %s", name)
			assert.Contains(t, string(out), "--- FAIL: TestMutant/"+m.catches+" ",
				"the suite did not fail %s on a store whose %s:\n%s", m.catches, name, tail(out))
		})
	}
}

// TestUnmutated runs the suite against the store the mutants wrap, which
// must pass it.
func TestUnmutated(t *testing.T) {
	storetest.Run(t, func(t *testing.T) herald.Store {
		s, err := memstore.New()
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func tail(out []byte) string {
	lines := strings.Split(string(out), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

// Mutants of Append.

type appendFunc func(s *memstore.Store, ctx context.Context, events []herald.Event) error

type appending struct {
	*memstore.Store
	append appendFunc
}

func (a appending) Append(ctx context.Context, events []herald.Event) error {
	return a.append(a.Store, ctx, events)
}

func wrapAppend(f appendFunc) func(*memstore.Store) herald.Store {
	return func(s *memstore.Store) herald.Store { return appending{s, f} }
}

func appendOnCopy(s *memstore.Store, ctx context.Context, events []herald.Event) error {
	return s.Append(ctx, slices.Clone(events))
}

func appendIgnoringRevisions(s *memstore.Store, ctx context.Context, events []herald.Event) error {
	batch := slices.Clone(events)
	for i := range batch {
		batch[i].Metadata.Revision = 0
	}
	err := s.Append(ctx, batch)
	copy(events, batch)
	return err
}

func appendHidingConflicts(s *memstore.Store, ctx context.Context, events []herald.Event) error {
	if err := s.Append(ctx, events); err != nil {
		return fmt.Errorf("append: %w", herald.ErrConflict)
	}
	return nil
}

func appendOneByOne(s *memstore.Store, ctx context.Context, events []herald.Event) error {
	for i := range events {
		if err := s.Append(ctx, events[i:i+1]); err != nil {
			return err
		}
	}
	return nil
}

func appendIgnoringContext(s *memstore.Store, _ context.Context, events []herald.Event) error {
	return s.Append(context.Background(), events)
}

// appendCheckThenAct checks a single event's expected revision, lets other
// goroutines run, then appends it at the end of the stream.
func appendCheckThenAct(s *memstore.Store, ctx context.Context, events []herald.Event) error {
	if len(events) != 1 || events[0].Metadata.Revision == 0 {
		return s.Append(ctx, events)
	}
	e := &events[0]
	var current uint64
	for got, err := range s.ReadStream(ctx, e.Aggregate, 0, 0) {
		if err != nil {
			return err
		}
		current = got.Metadata.Revision
	}
	if current+1 != e.Metadata.Revision {
		return &herald.ConflictError{Aggregate: e.Aggregate, Expected: e.Metadata.Revision - 1, Actual: current}
	}
	time.Sleep(time.Millisecond)
	runtime.Gosched()
	return appendIgnoringRevisions(s, ctx, events)
}

type rejectsAgain struct {
	*memstore.Store
	mu   sync.Mutex
	seen map[uuid.UUID]bool
}

func (r *rejectsAgain) Append(ctx context.Context, events []herald.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(events) > 0 && r.seen[events[0].ID] {
		return fmt.Errorf("again: %w", herald.ErrDuplicate)
	}
	if err := r.Store.Append(ctx, events); err != nil {
		return err
	}
	if r.seen == nil {
		r.seen = make(map[uuid.UUID]bool)
	}
	for _, e := range events {
		r.seen[e.ID] = true
	}
	return nil
}

// locking holds a read lock while its reads yield, and takes the write lock
// to append.
type locking struct {
	*memstore.Store
	mu sync.RWMutex
}

func (l *locking) Append(ctx context.Context, events []herald.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Store.Append(ctx, events)
}

func (l *locking) ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		l.mu.RLock()
		defer l.mu.RUnlock()
		for e, err := range l.Store.ReadLog(ctx, after) {
			if !yield(e, err) {
				return
			}
		}
	}
}

// Mutants of the reads.

type streamIgnoringTo struct{ *memstore.Store }

func (s streamIgnoringTo) ReadStream(ctx context.Context, ref herald.AggregateRef, from, _ uint64) iter.Seq2[herald.Event, error] {
	return s.Store.ReadStream(ctx, ref, from, 0)
}

// mapSeq yields what seq yields with f applied to the events.
func mapSeq(seq iter.Seq2[herald.Event, error], f func(e *herald.Event)) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		for e, err := range seq {
			f(&e)
			if !yield(e, err) {
				return
			}
		}
	}
}

type losingLabels struct{ *memstore.Store }

func (s losingLabels) ReadStream(ctx context.Context, ref herald.AggregateRef, from, to uint64) iter.Seq2[herald.Event, error] {
	return mapSeq(s.Store.ReadStream(ctx, ref, from, to), func(e *herald.Event) { e.Metadata.Labels = nil })
}

type roundingTime struct{ *memstore.Store }

func (s roundingTime) ReadStream(ctx context.Context, ref herald.AggregateRef, from, to uint64) iter.Seq2[herald.Event, error] {
	return mapSeq(s.Store.ReadStream(ctx, ref, from, to), func(e *herald.Event) {
		e.Metadata.Timestamp = e.Metadata.Timestamp.Truncate(time.Millisecond)
	})
}

type logFromAfter struct{ *memstore.Store }

func (s logFromAfter) ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error] {
	return s.Store.ReadLog(ctx, max(after, 1)-1)
}

type readsIgnoringContext struct{ *memstore.Store }

func (s readsIgnoringContext) ReadLog(_ context.Context, after uint64) iter.Seq2[herald.Event, error] {
	return s.Store.ReadLog(context.Background(), after)
}

func (s readsIgnoringContext) ReadStream(_ context.Context, ref herald.AggregateRef, from, to uint64) iter.Seq2[herald.Event, error] {
	return s.Store.ReadStream(context.Background(), ref, from, to)
}

type checkingOnce struct{ *memstore.Store }

func (s checkingOnce) ReadLog(ctx context.Context, after uint64) iter.Seq2[herald.Event, error] {
	if ctx.Err() != nil {
		return s.Store.ReadLog(ctx, after)
	}
	return s.Store.ReadLog(context.Background(), after)
}

// Mutants of queries, stats, snapshots and close.

type querying struct {
	*memstore.Store
	spoil func(q *herald.Query)
}

func (q querying) Query(ctx context.Context, query herald.Query) (herald.Page, error) {
	q.spoil(&query)
	return q.Store.Query(ctx, query)
}

func wrapQuery(spoil func(q *herald.Query)) func(*memstore.Store) herald.Store {
	return func(s *memstore.Store) herald.Store { return querying{s, spoil} }
}

type statsWithoutCounts struct{ *memstore.Store }

func (s statsWithoutCounts) Stats(ctx context.Context) (herald.Stats, error) {
	st, err := s.Store.Stats(ctx)
	st.Counts = nil
	return st, err
}

type lastSnapshotWins struct {
	*memstore.Store
	mu    sync.Mutex
	saved map[herald.AggregateRef]herald.Snapshot
}

func (l *lastSnapshotWins) SaveSnapshot(_ context.Context, s herald.Snapshot) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.saved == nil {
		l.saved = make(map[herald.AggregateRef]herald.Snapshot)
	}
	s.State = slices.Clone(s.State)
	l.saved[s.Aggregate] = s
	return nil
}

func (l *lastSnapshotWins) LoadSnapshot(_ context.Context, ref herald.AggregateRef) (herald.Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.saved[ref]
	if !ok {
		return herald.Snapshot{}, herald.ErrNotFound
	}
	s.State = slices.Clone(s.State)
	return s, nil
}

type closeNoop struct{ *memstore.Store }

func (closeNoop) Close() error { return nil }
