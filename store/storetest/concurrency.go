package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sizes of the concurrency cases.
const (
	writers   = 32
	perWriter = 40
)

func (s suite) concurrencyCases() []testCase {
	return []testCase{
		{"OneWriterWins", s.testOneWriterWins},
		{"DifferentAggregates", s.testDifferentAggregates},
		{"SharedAggregates", s.testSharedAggregates},
		{"ReadersWithWriters", s.testReadersWithWriters},
		{"ReadLogWhileAppending", s.testReadLogWhileAppending},
		{"ReadStreamWhileAppending", s.testReadStreamWhileAppending},
	}
}

func (s suite) testOneWriterWins(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	Append(t, st, event(ref, "x", 0))
	batches := make([][]herald.Event, writers)
	for w := range batches {
		batches[w] = []herald.Event{atRevision(event(ref, "y", w), 2)}
	}
	errs := race(writers, func(w int) error { return st.Append(context.Background(), batches[w]) })

	winner := -1
	for w, err := range errs {
		if err == nil {
			assert.Equal(t, -1, winner, "writers %d and %d both won revision 2", winner, w)
			winner = w
			continue
		}
		assertConflict(t, err, ref, 1, 2)
	}
	require.NotEqual(t, -1, winner, "no writer won revision 2")
	stream := readStream(t, st, ref)
	require.Len(t, stream, 2)
	AssertEventEqual(t, batches[winner][0], stream[1])
}

func (s suite) testDifferentAggregates(t *testing.T) {
	refs := make([]herald.AggregateRef, writers)
	for w := range refs {
		refs[w] = NewRef("ctx", "agg")
	}
	s.testConcurrentAppends(t, func(w, _ int) herald.AggregateRef { return refs[w] })
}

func (s suite) testSharedAggregates(t *testing.T) {
	refs := []herald.AggregateRef{NewRef("ctx", "agg"), NewRef("ctx", "agg"), NewRef("ctx", "other")}
	s.testConcurrentAppends(t, func(w, i int) herald.AggregateRef { return refs[(w+i)%len(refs)] })
}

// testConcurrentAppends has writers append perWriter events each, with
// revision 0, to the aggregate refFor names, in batches of one to three, and
// checks that no position or revision is lost, repeated or out of order.
func (s suite) testConcurrentAppends(t *testing.T, refFor func(w, i int) herald.AggregateRef) {
	st := s.newStore(t)
	appended := make([][]herald.Event, writers)
	errs := race(writers, func(w int) error {
		for i := 0; i < perWriter; {
			batch := make([]herald.Event, min(1+(w+i)%3, perWriter-i))
			for j := range batch {
				batch[j] = event(refFor(w, i+j), "x", i+j)
			}
			if err := st.Append(context.Background(), batch); err != nil {
				return err
			}
			appended[w] = append(appended[w], batch...)
			i += len(batch)
		}
		return nil
	})
	for w, err := range errs {
		require.NoError(t, err, "writer %d", w)
	}
	var all []herald.Event
	for w := range appended {
		assertIncreasing(t, Positions(appended[w])) // each writer's appends in order
		all = append(all, appended[w]...)
	}
	assertNoDuplicates(t, Positions(all))
	log := readLog(t, st)
	assertIncreasing(t, Positions(log))
	assert.ElementsMatch(t, Positions(all), Positions(log), "positions in the log and in the batches")
	assertStreamsComplete(t, st, all)
}

// assertStreamsComplete checks that every aggregate of events has a stream
// of revisions 1 to n holding exactly its events, in log order.
func assertStreamsComplete(t *testing.T, st herald.Store, events []herald.Event) {
	t.Helper()
	byRef := make(map[herald.AggregateRef]int)
	for i := range events {
		byRef[events[i].Aggregate]++
	}
	for ref, n := range byRef {
		stream := readStream(t, st, ref)
		want := make([]uint64, n)
		for i := range want {
			want[i] = uint64(i + 1)
		}
		assert.Equal(t, want, revisions(stream), "revisions of %s", ref)
		assertIncreasing(t, Positions(stream))
	}
}

// race runs f for 0 to n-1 on n goroutines released together, and returns
// what each returned.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func (s suite) testReadersWithWriters(t *testing.T) {
	st := s.newStore(t)
	const readers, appenders, perAppender = 4, 4, 200
	refs := make([]herald.AggregateRef, appenders)
	for w := range refs {
		refs[w] = NewRef("ctx", "agg")
	}
	var appending sync.WaitGroup
	appending.Add(appenders)
	done := make(chan struct{})
	go func() { appending.Wait(); close(done) }()
	errs := race(readers+appenders, func(i int) error {
		if i >= readers {
			defer appending.Done()
			return appendEach(st, refs[i-readers], perAppender)
		}
		return readUntil(st, refs[i%appenders], done)
	})
	for i, err := range errs {
		assert.NoError(t, err, "goroutine %d", i)
	}
	assert.Len(t, readLog(t, st), appenders*perAppender)
}

// appendEach appends n events of ref one at a time.
func appendEach(st herald.Store, ref herald.AggregateRef, n int) error {
	for i := range n {
		if err := st.Append(context.Background(), []herald.Event{event(ref, "x", i)}); err != nil {
			return err
		}
	}
	return nil
}

// readUntil reads the log and the stream of ref over and over until done
// is closed, and then once more, checking that every read sees positions
// in order, revisions without gaps, and no fewer events than the read
// before.
func readUntil(st herald.Store, ref herald.AggregateRef, done <-chan struct{}) error {
	var logLen, streamLen int
	for last := false; !last; {
		select {
		case <-done:
			last = true
		default:
		}
		n, err := checkedLogRead(st)
		if err == nil && n < logLen {
			err = fmt.Errorf("read %d events from the log after reading %d", n, logLen)
		}
		if err != nil {
			return err
		}
		logLen = n
		if n, err = checkedStreamRead(st, ref); err == nil && n < streamLen {
			err = fmt.Errorf("read %d events of %s after reading %d", n, ref, streamLen)
		}
		if err != nil {
			return err
		}
		streamLen = n
	}
	return nil
}

// checkedLogRead reads the log, checks that positions increase, and
// returns how many events it read.
func checkedLogRead(st herald.Store) (int, error) {
	var n int
	var last uint64
	for e, err := range st.ReadLog(context.Background(), 0) {
		if err != nil {
			return n, err
		}
		if e.Metadata.Position <= last {
			return n, fmt.Errorf("position %d read after position %d", e.Metadata.Position, last)
		}
		last = e.Metadata.Position
		n++
	}
	return n, nil
}

// checkedStreamRead reads the stream of ref, checks that its revisions run
// from 1 without a gap, and returns how many events it read.
func checkedStreamRead(st herald.Store, ref herald.AggregateRef) (int, error) {
	var n int
	for e, err := range st.ReadStream(context.Background(), ref, 0, 0) {
		if err != nil {
			return n, err
		}
		n++
		if e.Metadata.Revision != uint64(n) {
			return n, fmt.Errorf("revision %d of %s read as event %d of its stream", e.Metadata.Revision, ref, n)
		}
	}
	return n, nil
}

// Sizes of the cases that append while reading.
const (
	readSeed    = 600 // more than two runs of 256
	readAppends = 300
)

func (s suite) testReadLogWhileAppending(t *testing.T) {
	st := s.newStore(t)
	seed := Append(t, st, events(NewRef("ctx", "agg"), "x", readSeed)...)
	other := NewRef("ctx", "other")
	var got []herald.Event
	noDeadlock(t, "appending and reading inside a ReadLog loop", func() error {
		for e, err := range st.ReadLog(context.Background(), 0) {
			if err != nil {
				return err
			}
			got = append(got, e)
			if err := appendAndRead(st, other, e, len(got)); err != nil {
				return err
			}
		}
		return nil
	})
	AssertEventsEqual(t, seed, got)
	assert.Len(t, readStream(t, st, other), readAppends)
}

func (s suite) testReadStreamWhileAppending(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	seed := Append(t, st, events(ref, "x", readSeed)...)
	other := NewRef("ctx", "other")
	var got []herald.Event
	noDeadlock(t, "appending and reading inside a ReadStream loop", func() error {
		for e, err := range st.ReadStream(context.Background(), ref, 0, 0) {
			if err != nil {
				return err
			}
			got = append(got, e)
			if err := appendAndRead(st, other, e, len(got)); err != nil {
				return err
			}
		}
		return nil
	})
	AssertEventsEqual(t, seed, got)
	assert.Len(t, readStream(t, st, other), readAppends)
}

// appendAndRead does what a handler does while it reads the store: for the
// first readAppends events it appends an event to other, reads e back and
// asks for the stats and a query.
func appendAndRead(st herald.Store, other herald.AggregateRef, e herald.Event, n int) error {
	if n > readAppends {
		return nil
	}
	ctx := context.Background()
	if err := st.Append(ctx, []herald.Event{event(other, "y", n)}); err != nil {
		return err
	}
	found := false
	for got, err := range st.ReadStream(ctx, e.Aggregate, e.Metadata.Revision, e.Metadata.Revision) {
		if err != nil {
			return err
		}
		found = got.ID == e.ID
	}
	if !found {
		return fmt.Errorf("event %s not read back inside the loop", e.ID)
	}
	if _, err := st.Stats(ctx); err != nil {
		return err
	}
	_, err := st.Query(ctx, herald.Query{Top: 1, Newest: true})
	return err
}

// hangBound is how long a case waits for work that never ends on a store
// that holds its lock while it yields: ten minutes, or until shortly
// before the test binary's deadline (go test -timeout) when that is
// sooner. It is no measure of speed: a loaded machine never reaches it.
func hangBound(t *testing.T) time.Duration {
	bound := 10 * time.Minute
	if deadline, ok := t.Deadline(); ok {
		bound = min(bound, time.Until(deadline)-30*time.Second)
	}
	return max(bound, time.Minute)
}

// noDeadlock runs f and fails the test if it returns an error or does not
// return within hangBound.
func noDeadlock(t *testing.T, what string, f func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	bound := hangBound(t)
	select {
	case err := <-done:
		require.NoError(t, err, what)
	case <-time.After(bound):
		t.Fatalf("%s did not finish in %s: does the store hold a lock while it yields?", what, bound)
	}
}
